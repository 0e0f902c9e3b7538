"""Publishing a decision, the standstill period in working days, representations and their review."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

from assessor.extensions import db
from assessor.models import AuditEvent, BankHoliday, DecisionPublication, Representation, Submission, User
from assessor.services import standstill
from assessor.services.errors import NotAllowed
from tests.review_helpers import (
    COMMISSIONERS,
    PROVIDER_LEAD,
    audit_actions,
    build_world,
    decided_world,
    page_text,
    signed_in,
)
from tests.web_client import csrf_token

FRIDAY_BEFORE_CHRISTMAS = date(2026, 12, 18)


def _on(monkeypatch, day: date) -> None:
    monkeypatch.setattr(standstill, "today", lambda: day)


def _represent(app, submission_id: int, text: str):
    with app.app_context():
        publication = db.session.scalar(db.select(DecisionPublication).filter_by(submission_id=submission_id))
        user = db.session.scalar(db.select(User).filter_by(email=PROVIDER_LEAD))
        try:
            standstill.submit_representation(publication, user, text)
        except NotAllowed as exc:
            db.session.rollback()
            return str(exc)
        db.session.commit()
        return None


def test_standstill_and_further_period_count_working_days_past_weekends_and_bank_holidays(
    app, data, make_browser, monkeypatch
):
    world = decided_world(data, make_browser)
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    for day, name in (("2026-12-25", "Christmas Day"), ("2026-12-28", "Boxing Day (substitute day)")):
        assert admin.post("/review/bank-holidays", {"day": day, "name": name}).status_code == 302
    duplicate = admin.post("/review/bank-holidays", {"day": "2026-12-25", "name": "Again"})
    assert "already listed as a bank holiday" in page_text(duplicate)

    # Published on Friday 18 December with 8 working days: Mon 21 to Thu 24 are four; Christmas Day,
    # the weekend and the substitute Boxing Day do not count; Tue 29, Wed 30, Thu 31 December and
    # Fri 1 January (not listed as a holiday here) make eight.
    _on(monkeypatch, FRIDAY_BEFORE_CHRISTMAS)
    decision = f"/review/submissions/{world.submission_id}/decision"
    assert admin.post(f"/review/submissions/{world.submission_id}/publish", {}, page=decision).status_code == 302
    with data() as session:
        publication = session.scalar(db.select(DecisionPublication).filter_by(submission_id=world.submission_id))
        assert (publication.published_on, publication.standstill_ends_on) == (FRIDAY_BEFORE_CHRISTMAS, date(2027, 1, 1))
    assert "In standstill until the end of 1 January 2027" in page_text(admin.get(decision))

    # The last day of the window still counts; the next working day is too late.
    _on(monkeypatch, date(2027, 1, 1))
    assert _represent(app, world.submission_id, "The people score ignored our appendix B.") is None
    _on(monkeypatch, date(2027, 1, 4))
    assert "standstill period ended on 1 January 2027" in _represent(app, world.submission_id, "Late.")
    assert "A representation is waiting for review" in page_text(admin.get(decision))

    # Reviewed on Monday 4 January with a 5-working-day further period: final after Monday 11 January.
    with data() as session:
        representation_id = session.scalar(db.select(Representation.id))
    review = f"/review/submissions/{world.submission_id}/representations/review"
    admin.post(
        review, {"representation_id": str(representation_id), "outcome": "not_upheld", "review_note": ""}, page=decision
    )
    with data() as session:
        assert session.get(Representation, representation_id).outcome is None  # a note is required
    admin.post(
        review,
        {
            "representation_id": str(representation_id),
            "outcome": "not_upheld",
            "review_note": "Appendix B was read and scored; the score stands.",
        },
        page=decision,
    )
    with data() as session:
        row = session.get(Representation, representation_id)
        assert (row.outcome, row.further_period_ends_on) == ("not_upheld", date(2027, 1, 11))
        assert session.get(Submission, world.submission_id).status == "decided"
    assert "the decision is final after 11 January 2027" in page_text(admin.get(decision))

    _on(monkeypatch, date(2027, 1, 12))
    assert "Final since 11 January 2027" in page_text(admin.get(decision))
    provider = signed_in(make_browser, PROVIDER_LEAD)
    overview = page_text(provider.get(f"/provider/submissions/{world.submission_id}"))
    assert "<dt>Decision final on</dt><dd>11 January 2027</dd>" in overview
    # Reading pages changes nothing; the daily command records the decision as final, once.
    with data() as session:
        assert session.scalar(db.select(DecisionPublication.final_on)) is None
    assert "1 decision became final." in app.test_cli_runner().invoke(args=["settle-decisions"]).output
    assert "0 decisions became final." in app.test_cli_runner().invoke(args=["settle-decisions"]).output
    with data() as session:
        assert session.scalar(db.select(DecisionPublication.final_on)) == date(2027, 1, 11)
    actions = audit_actions(data, world.submission_id)
    for action in ("decision.published", "representation.submitted", "representation.reviewed", "decision.final"):
        assert action in actions


def test_a_decision_sent_back_returns_to_moderation_and_never_becomes_final(app, data, make_browser, monkeypatch):
    world = decided_world(data, make_browser)
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    decision = f"/review/submissions/{world.submission_id}/decision"
    _on(monkeypatch, date(2027, 3, 1))
    admin.post(f"/review/submissions/{world.submission_id}/publish", {}, page=decision)
    assert _represent(app, world.submission_id, "Our board approval was missed.") is None
    with data() as session:
        representation_id = session.scalar(db.select(Representation.id))
    admin.post(
        f"/review/submissions/{world.submission_id}/representations/review",
        {
            "representation_id": str(representation_id),
            "outcome": "sent_back",
            "review_note": "The board minutes were overlooked; the panel must decide again.",
        },
        page=decision,
    )
    with data() as session:
        assert session.get(Submission, world.submission_id).status == "under_review"
    _on(monkeypatch, date(2027, 6, 1))
    page = page_text(admin.get(decision))
    assert "a new decision must be recorded and published" in page
    with app.app_context():
        publication = db.session.scalar(db.select(DecisionPublication))
        assert standstill.final_on(publication) is None
    # The panel can now record the next version of the decision.
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    assert "Correct the decision" in page_text(panel.get(decision))


def test_the_round_sets_the_length_of_the_standstill_period(app, data, make_browser, monkeypatch):
    # Five working days from Friday 30 April 2027, with the early May bank holiday on Monday 3 May:
    # Tuesday 4 to Friday 7 May are four, Monday 10 May the fifth.
    world = decided_world(data, make_browser)
    with data() as session:
        from assessor.models import BankHoliday

        session.add(BankHoliday(day=date(2027, 5, 3), name="Early May bank holiday"))
        session.commit()
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    manage = f"/review/rounds/{world.round_id}/manage"
    assert admin.post(manage, {"status": "open", "standstill_days": "5", "further_period_days": "3"}).status_code == 302
    _on(monkeypatch, date(2027, 4, 30))
    decision = f"/review/submissions/{world.submission_id}/decision"
    admin.post(f"/review/submissions/{world.submission_id}/publish", {}, page=decision)
    with data() as session:
        assert session.scalar(db.select(DecisionPublication.standstill_ends_on)) == date(2027, 5, 10)


def test_an_upheld_representation_keeps_the_decision_from_becoming_final(app, data, make_browser, monkeypatch):
    world = decided_world(data, make_browser)
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    decision = f"/review/submissions/{world.submission_id}/decision"
    _on(monkeypatch, date(2027, 3, 1))
    admin.post(f"/review/submissions/{world.submission_id}/publish", {}, page=decision)
    assert _represent(app, world.submission_id, "The reserves figure in the report is last year's.") is None
    with data() as session:
        representation_id = session.scalar(db.select(Representation.id))
    admin.post(
        f"/review/submissions/{world.submission_id}/representations/review",
        {
            "representation_id": str(representation_id),
            "outcome": "upheld",
            "review_note": "The figure was out of date; the panel will correct the decision.",
        },
        page=decision,
    )
    with data() as session:
        row = session.get(Representation, representation_id)
        assert row.outcome == "upheld" and row.further_period_ends_on is not None
    # Long after every period has ended the decision is still not final, and the page says why.
    _on(monkeypatch, date(2027, 6, 1))
    page = page_text(admin.get(decision))
    assert "A representation was upheld" in page
    with app.app_context():
        assert standstill.final_on(db.session.scalar(db.select(DecisionPublication))) is None


BANK_HOLIDAYS = "/review/bank-holidays"


def _remove_buttons(browser) -> dict[str, str]:
    """The list's Remove buttons, by the holiday each one names for screen readers."""
    html = page_text(browser.get(BANK_HOLIDAYS))
    return dict(
        (name, action)
        for action, name in re.findall(
            r'<form method="post" action="([^"]+/remove)".*?<span class="visually-hidden"> ([^<]+)</span>', html, re.S
        )
    )


def _removals(data) -> list[dict]:
    with data() as session:
        return [
            json.loads(row.detail_json)
            for row in session.scalars(
                db.select(AuditEvent).filter_by(action="bank_holiday.removed").order_by(AuditEvent.id)
            )
        ]


def test_a_bank_holiday_can_be_removed_from_the_list_and_the_removal_is_audited(app, data, make_browser):
    build_world(data)
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    for day, name in (("2027-03-26", "Good Friday"), ("2027-03-29", "Easter Monday")):
        assert admin.post(BANK_HOLIDAYS, {"day": day, "name": name}).status_code == 302
    buttons = _remove_buttons(admin)
    assert set(buttons) == {"Good Friday, 26 March 2027", "Easter Monday, 29 March 2027"}

    response = admin.post(buttons["Good Friday, 26 March 2027"], {}, page=BANK_HOLIDAYS)
    assert response.status_code == 302 and response.headers["Location"].endswith(BANK_HOLIDAYS)
    page = page_text(admin.get(BANK_HOLIDAYS))
    assert "Good Friday removed." in page
    assert "Good Friday" not in page.split("Good Friday removed.")[1]
    assert "Easter Monday" in page
    with data() as session:
        assert session.scalars(db.select(BankHoliday.day)).all() == [date(2027, 3, 29)]
        admin_id = session.scalar(db.select(User.id).filter_by(email=COMMISSIONERS["round_admin"]))
        event = session.scalar(db.select(AuditEvent).filter_by(action="bank_holiday.removed"))
        assert event.user_id == admin_id
    assert _removals(data) == [{"day": "2027-03-26", "name": "Good Friday"}]

    # Removing the same day twice (a double click, a stale page) finds nothing to remove.
    assert admin.post(buttons["Good Friday, 26 March 2027"], {}, page=BANK_HOLIDAYS).status_code == 404
    assert len(_removals(data)) == 1


def test_a_bank_holiday_counted_in_a_published_standstill_period_cannot_be_removed(
    app, data, make_browser, monkeypatch
):
    world = decided_world(data, make_browser)
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    for day, name in (
        ("2026-12-25", "Christmas Day"),
        ("2026-12-26", "Boxing Day"),
        ("2026-12-28", "Boxing Day (substitute day)"),
        ("2027-03-26", "Good Friday"),
    ):
        assert admin.post(BANK_HOLIDAYS, {"day": day, "name": name}).status_code == 302
    _on(monkeypatch, FRIDAY_BEFORE_CHRISTMAS)
    decision = f"/review/submissions/{world.submission_id}/decision"
    admin.post(f"/review/submissions/{world.submission_id}/publish", {}, page=decision)
    buttons = _remove_buttons(admin)

    # Christmas Day pushed the published end date back by a working day: it stays, and the page says why.
    response = admin.post(buttons["Christmas Day, 25 December 2026"], {}, page=BANK_HOLIDAYS)
    assert response.status_code == 302
    page = page_text(admin.get(BANK_HOLIDAYS))
    assert (
        "Christmas Day (25 December 2026) cannot be removed: it is not counted as a working day in the "
        "standstill period of the decision published to Harbour Alliance on 18 December 2026, which ends "
        "on 1 January 2027. Removing it would move a deadline the applicant has already been given."
    ) in page
    assert "Christmas Day, 25 December 2026" in _remove_buttons(admin)
    assert _removals(data) == []

    # A Saturday never counted, and Good Friday falls after the period: neither moves anything.
    admin.post(buttons["Boxing Day, 26 December 2026"], {}, page=BANK_HOLIDAYS)
    admin.post(buttons["Good Friday, 26 March 2027"], {}, page=BANK_HOLIDAYS)
    assert [entry["name"] for entry in _removals(data)] == ["Boxing Day", "Good Friday"]
    with data() as session:
        assert session.scalars(db.select(BankHoliday.day).order_by(BankHoliday.day)).all() == [
            date(2026, 12, 25),
            date(2026, 12, 28),
        ]
        assert session.scalar(db.select(DecisionPublication.standstill_ends_on)) == date(2027, 1, 1)
    assert "In standstill until the end of 1 January 2027." in page_text(admin.get(decision))


def test_a_bank_holiday_counted_in_a_further_period_after_a_representation_cannot_be_removed(
    app, data, make_browser, monkeypatch
):
    world = decided_world(data, make_browser)
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    decision = f"/review/submissions/{world.submission_id}/decision"
    _on(monkeypatch, date(2027, 3, 1))
    admin.post(f"/review/submissions/{world.submission_id}/publish", {}, page=decision)
    assert _represent(app, world.submission_id, "The people score ignored our appendix B.") is None
    assert admin.post(BANK_HOLIDAYS, {"day": "2027-03-26", "name": "Good Friday"}).status_code == 302
    _on(monkeypatch, date(2027, 3, 22))
    with data() as session:
        representation_id = session.scalar(db.select(Representation.id))
    admin.post(
        f"/review/submissions/{world.submission_id}/representations/review",
        {
            "representation_id": str(representation_id),
            "outcome": "not_upheld",
            "review_note": "Appendix B was read and scored; the score stands.",
        },
        page=decision,
    )
    with data() as session:
        row = session.get(Representation, representation_id)
        # The review's clock time is real while the calendar above is moved: align them.
        row.reviewed_at = datetime(2027, 3, 22, 10, 0)
        session.commit()
        # Five working days from Monday 22 March skip Good Friday: Tuesday 23 to Thursday 25, Monday 29
        # and Tuesday 30 March.
        assert row.further_period_ends_on == date(2027, 3, 30)

    admin.post(_remove_buttons(admin)["Good Friday, 26 March 2027"], {}, page=BANK_HOLIDAYS)
    page = page_text(admin.get(BANK_HOLIDAYS))
    assert (
        "it is not counted as a working day in the further period after Harbour Alliance's "
        "representation, which ends on 30 March 2027"
    ) in page
    assert _removals(data) == []


def test_only_round_administrators_may_remove_a_bank_holiday(app, data, make_browser):
    build_world(data)
    with data() as session:
        holiday = BankHoliday(day=date(2027, 5, 3), name="Early May bank holiday")
        session.add(holiday)
        session.commit()
        holiday_id = holiday.id
    remove = f"/review/bank-holidays/{holiday_id}/remove"
    for role in ("evaluator", "moderator", "panel"):
        browser = signed_in(make_browser, COMMISSIONERS[role])
        assert browser.post(remove, {}, page="/review/").status_code == 403, role
    provider = signed_in(make_browser, PROVIDER_LEAD)
    token = csrf_token(provider.get("/", follow_redirects=True).get_data(as_text=True))
    assert provider.post(remove, {"csrf_token": token}).status_code == 403
    with data() as session:
        assert session.get(BankHoliday, holiday_id) is not None
    assert _removals(data) == []

    # Without the page's CSRF token nothing is removed either.
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    assert admin.client.post(remove, data={}).status_code == 400
    assert admin.post(f"/review/bank-holidays/{holiday_id + 1000}/remove", {}, page=BANK_HOLIDAYS).status_code == 404
    assert admin.post(remove, {}, page=BANK_HOLIDAYS).status_code == 302
    with data() as session:
        assert session.get(BankHoliday, holiday_id) is None
