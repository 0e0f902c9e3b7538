"""Publishing a decision, the standstill period in working days, representations and their review."""
from __future__ import annotations

from datetime import date

from assessor.extensions import db
from assessor.models import DecisionPublication, Representation, Submission, User
from assessor.services import standstill
from assessor.services.submissions import NotAllowed
from tests.review_helpers import (
    COMMISSIONERS,
    NARRATIVE,
    PROVIDER_LEAD,
    audit_actions,
    build_world,
    moderate_as,
    page_text,
    signed_in,
)

FRIDAY_BEFORE_CHRISTMAS = date(2026, 12, 18)


def _decided_world(data, make_browser):
    world = build_world(data)
    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], NARRATIVE, 0.75)
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    url = f"/review/submissions/{world.submission_id}/decision"
    form = {"gate-A": "pass", "gate-B": "pass", "outcome": "proceed", "decided_on": date.today().isoformat(),
            "panel_members": "Ada Chair\nBen Member"}
    assert panel.post(url, form, page=url).status_code == 302
    return world


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
        app, data, make_browser, monkeypatch):
    world = _decided_world(data, make_browser)
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
        assert (publication.published_on, publication.standstill_ends_on) == (FRIDAY_BEFORE_CHRISTMAS,
                                                                              date(2027, 1, 1))
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
    admin.post(review, {"representation_id": str(representation_id), "outcome": "not_upheld", "review_note": ""},
               page=decision)
    with data() as session:
        assert session.get(Representation, representation_id).outcome is None  # a note is required
    admin.post(review, {"representation_id": str(representation_id), "outcome": "not_upheld",
                        "review_note": "Appendix B was read and scored; the score stands."}, page=decision)
    with data() as session:
        row = session.get(Representation, representation_id)
        assert (row.outcome, row.further_period_ends_on) == ("not_upheld", date(2027, 1, 11))
        assert session.get(Submission, world.submission_id).status == "decided"
    assert "the decision is final after 11 January 2027" in page_text(admin.get(decision))

    _on(monkeypatch, date(2027, 1, 12))
    assert "Final since 11 January 2027" in page_text(admin.get(decision))
    with data() as session:
        assert session.scalar(db.select(DecisionPublication.final_on)) == date(2027, 1, 11)
    actions = audit_actions(data, world.submission_id)
    for action in ("decision.published", "representation.submitted", "representation.reviewed", "decision.final"):
        assert action in actions


def test_a_decision_sent_back_returns_to_moderation_and_never_becomes_final(app, data, make_browser, monkeypatch):
    world = _decided_world(data, make_browser)
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    decision = f"/review/submissions/{world.submission_id}/decision"
    _on(monkeypatch, date(2027, 3, 1))
    admin.post(f"/review/submissions/{world.submission_id}/publish", {}, page=decision)
    assert _represent(app, world.submission_id, "Our board approval was missed.") is None
    with data() as session:
        representation_id = session.scalar(db.select(Representation.id))
    admin.post(f"/review/submissions/{world.submission_id}/representations/review",
               {"representation_id": str(representation_id), "outcome": "sent_back",
                "review_note": "The board minutes were overlooked; the panel must decide again."}, page=decision)
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
    world = _decided_world(data, make_browser)
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
    world = _decided_world(data, make_browser)
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    decision = f"/review/submissions/{world.submission_id}/decision"
    _on(monkeypatch, date(2027, 3, 1))
    admin.post(f"/review/submissions/{world.submission_id}/publish", {}, page=decision)
    assert _represent(app, world.submission_id, "The reserves figure in the report is last year's.") is None
    with data() as session:
        representation_id = session.scalar(db.select(Representation.id))
    admin.post(f"/review/submissions/{world.submission_id}/representations/review",
               {"representation_id": str(representation_id), "outcome": "upheld",
                "review_note": "The figure was out of date; the panel will correct the decision."}, page=decision)
    with data() as session:
        row = session.get(Representation, representation_id)
        assert row.outcome == "upheld" and row.further_period_ends_on is not None
    # Long after every period has ended the decision is still not final, and the page says why.
    _on(monkeypatch, date(2027, 6, 1))
    page = page_text(admin.get(decision))
    assert "A representation was upheld" in page
    with app.app_context():
        assert standstill.final_on(db.session.scalar(db.select(DecisionPublication))) is None
