"""Honest states: one review status on every page and report, reply-by dates on clarifications, no
decision while anything is awaited, like-for-like self-assessed comparisons, and feedback only with a
published decision."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from assessor.extensions import db
from assessor.models import BankHoliday, Clarification, PanelDecision, Submission, User
from assessor.services import clarifications, decisions, standstill
from assessor.services.errors import DecisionRefused, NotAllowed
from assessor.services.reporting import feedback_report_pdf
from assessor.workdays import add_working_days, is_working_day
from tests.reports_helpers import pdf_pages, squash
from tests.review_helpers import (
    COMMISSIONERS,
    NARRATIVE,
    PROVIDER_LEAD,
    build_world,
    decide,
    moderate_as,
    page_text,
    publish,
    signed_in,
    verify_gate_answers,
)

QUESTION = "Which partner carries the first loss in the shadow year?"


def _on(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _report(browser, submission_id: int) -> str:
    response = browser.get(f"/review/submissions/{submission_id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return squash(" ".join(pdf_pages(response.data)))


def _page_status(browser, url: str) -> str:
    found = re.search(r'id="review-status">([^<]*)<', page_text(browser.get(url)))
    assert found, url
    return found.group(1)


def _dashboard_status(browser, round_id: int, submission_id: int) -> str:
    page = page_text(browser.get(f"/review/rounds/{round_id}"))
    row = re.search(rf'href="/review/submissions/{submission_id}".*?</tr>', page, re.S).group(0)
    return re.search(r'<td class="review-status">([^<]*)</td>', row).group(1)


def _ask(make_browser, submission_id: int, *, about: str = "", reply_by: str | None = None, **kwargs):
    evaluator = signed_in(make_browser, COMMISSIONERS["evaluator"])
    page = f"/review/submissions/{submission_id}" + (f"/questions/{about}" if about else "")
    form = {"clarification": QUESTION, "about": about}
    if reply_by is not None:
        form["reply_by"] = reply_by
    return evaluator.post(f"/review/submissions/{submission_id}/clarifications", form, page=page, **kwargs)


def _clarifications(data, submission_id: int) -> list[tuple[str, date | None, str | None]]:
    with data() as session:
        rows = session.scalars(
            db.select(Clarification).filter_by(submission_id=submission_id).order_by(Clarification.id)
        )
        return [(c.question_text, c.reply_by, c.reply_text) for c in rows]


def _reply(make_browser, data, submission_id: int, text: str = "The acute trust, up to 2% of budget.") -> None:
    lead = signed_in(make_browser, PROVIDER_LEAD)
    with data() as session:
        clarification_id = session.scalar(
            db.select(Clarification.id).filter_by(submission_id=submission_id, reply_text=None)
        )
    url = f"/provider/submissions/{submission_id}/clarifications"
    assert lead.post(url, {"clarification_id": str(clarification_id), "reply": text}).status_code == 302


def test_one_status_follows_the_submission_from_draft_to_decision_everywhere(app, data, make_browser):
    world = build_world(data)
    verify_gate_answers(data, world.submission_id)  # leaves the written answer awaiting evaluation
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    summary = f"/review/submissions/{world.submission_id}"
    decision = f"{summary}/decision"

    def everywhere() -> set[str]:
        return {
            _page_status(panel, summary),
            _page_status(panel, decision),
            _dashboard_status(panel, world.round_id, world.submission_id),
        }

    # The provider's draft is not submitted: no outcome on the dashboard or its page, nor its report.
    assert _dashboard_status(panel, world.round_id, world.draft_id) == "Not submitted"
    assert _page_status(panel, f"/review/submissions/{world.draft_id}") == "Not submitted"
    draft_report = _report(panel, world.draft_id)
    assert "Report status Not submitted: the applicant has not submitted its answers" in draft_report
    assert "Not submitted: no recommendation" in draft_report and "Recommendation:" not in draft_report

    assert everywhere() == {"Draft — 1 answer awaiting evaluation"}
    _ask(make_browser, world.submission_id)
    both = "Draft — 1 answer awaiting evaluation / 1 clarification open"
    assert everywhere() == {both}
    report = _report(panel, world.submission_id)
    assert f"Report status {both}" in report and "FINAL" not in report
    assert "This is a draft: 1 answer awaiting evaluation and 1 clarification open." in report

    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], NARRATIVE, 0.75)
    assert everywhere() == {"Draft — 1 clarification open"}

    _reply(make_browser, data, world.submission_id)
    assert everywhere() == {"Evaluated, for the panel"}
    report = _report(panel, world.submission_id)
    assert "Report status Evaluated, for the panel: nothing awaits evaluation and no clarification is open" in report
    assert "FINAL" not in report and "This is a draft" not in report

    assert decide(make_browser, world.submission_id).status_code == 302
    assert everywhere() == {"Decided (version 1)"}
    report = _report(panel, world.submission_id)
    assert (
        f"Report status Decided (version 1): the panel recorded version 1 of its decision on {_on(date.today())}"
        in (report)
    )


def test_a_clarification_has_a_reply_by_date_the_commissioner_sets_and_the_provider_sees(app, data, make_browser):
    world = build_world(data)
    today = standstill.today()
    # A bank holiday in the coming week pushes the default five working days back by one.
    holiday = next(
        today + timedelta(days=n) for n in range(1, 8) if is_working_day(today + timedelta(days=n), frozenset())
    )
    with data() as session:
        session.add(BankHoliday(day=holiday, name="Test holiday"))
        session.commit()
    default = add_working_days(today, 5, [holiday])
    assert default > add_working_days(today, 5)

    evaluator = signed_in(make_browser, COMMISSIONERS["evaluator"])
    question_page = page_text(evaluator.get(f"/review/submissions/{world.submission_id}/questions/{NARRATIVE}"))
    assert f'value="{default.isoformat()}"' in question_page and "Five working days from today" in question_page

    # Left as offered (or empty), the date is five working days from today.
    response = _ask(make_browser, world.submission_id, about=NARRATIVE, follow_redirects=True)
    assert f"with a reply-by date of {_on(default)}" in page_text(response)
    chosen = today + timedelta(days=20)
    _ask(make_browser, world.submission_id, reply_by=chosen.isoformat())
    assert [(q, by) for q, by, _ in _clarifications(data, world.submission_id)] == [
        (QUESTION, default),
        (QUESTION, chosen),
    ]

    # A date that is not after today, too far off or not a date is refused and nothing is sent.
    for given, message in (
        (today.isoformat(), "The reply-by date must be after today."),
        ((today + timedelta(days=200)).isoformat(), "The reply-by date can be at most 60 working days away"),
        ("2027-02-31", "Reply by: enter a real date"),
    ):
        page = page_text(_ask(make_browser, world.submission_id, about=NARRATIVE, reply_by=given))
        assert "There is a problem" in page and message in page and 'href="#reply_by"' in page, given
    assert len(_clarifications(data, world.submission_id)) == 2

    # The provider sees each date, and on its overview that replies are awaited.
    lead = signed_in(make_browser, PROVIDER_LEAD)
    page = page_text(lead.get(f"/provider/submissions/{world.submission_id}/clarifications"))
    assert f"Reply by {default:%d %B %Y}" in page and f"Reply by {chosen:%d %B %Y}" in page
    overview = page_text(lead.get(f"/provider/submissions/{world.submission_id}"))
    assert f"2 clarification questions await your reply; reply by {default:%d %B %Y} for the first." in overview


def test_an_open_clarification_blocks_the_decision_until_answered_or_past_its_reply_by_date(
    app, data, make_browser, monkeypatch
):
    world = build_world(data)
    verify_gate_answers(data, world.submission_id)  # leaves the written answer awaiting evaluation
    _ask(make_browser, world.submission_id)
    [(_, reply_by, _)] = _clarifications(data, world.submission_id)
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    url = f"/review/submissions/{world.submission_id}/decision"
    waiting = (
        f"1 clarification is open (reply by {_on(reply_by)}): wait for the provider's reply, "
        "or until the reply-by date has passed."
    )

    # The existing rule still holds alongside the new one: both reasons are given, on the page and on refusal.
    page = page_text(panel.get(url))
    assert "A decision cannot be recorded yet." in page
    assert "1 answer awaits evaluation" in page and waiting in page
    refused = page_text(decide(make_browser, world.submission_id, **{"gate-A": "fail", "outcome": "open_procurement"}))
    assert "There is a problem" in refused and "1 answer awaits evaluation" in refused and waiting in refused

    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], NARRATIVE, 0.75)
    refused = page_text(decide(make_browser, world.submission_id))
    assert waiting in refused and "awaits evaluation" not in refused
    # The service refuses on its own, whoever calls it.
    with app.app_context():
        submission = db.session.get_one(Submission, world.submission_id)
        user = db.session.scalar(db.select(User).filter_by(email=COMMISSIONERS["panel"]))
        data_in = decisions.DecisionInput("proceed", {"A": "pass", "B": "pass"}, date.today(), "Ada Chair")
        with pytest.raises(DecisionRefused, match="1 clarification is open"):
            decisions.record_decision(submission, data_in, user)
        db.session.rollback()
    with data() as session:
        assert session.query(PanelDecision).count() == 0

    # Once the reply-by date has passed unanswered the panel may proceed, and the report says what went unanswered.
    monkeypatch.setattr(standstill, "today", lambda: reply_by + timedelta(days=1))
    page = page_text(panel.get(url))
    assert "A decision cannot be recorded yet." not in page and "Evaluated, for the panel" in page
    assert decide(make_browser, world.submission_id).status_code == 302
    report = _report(panel, world.submission_id)
    assert "Report status Decided (version 1)" in report
    # The list may start on a new page, after the running header.
    assert (
        "Unanswered: the provider did not reply by the reply-by date, so the panel may proceed without these replies:"
    ) in report
    assert f"Question to the provider Asked Reply by {QUESTION}" in report
    assert f"reply by {_on(reply_by)}: {QUESTION} Not answered by the reply-by date" in report
    review_page = page_text(panel.get(f"/review/submissions/{world.submission_id}"))
    assert "0 open, 1 unanswered by the reply-by date" in review_page


def test_self_assessed_and_moderated_are_compared_over_the_same_answers(app, data, make_browser):
    world = build_world(data)
    # The written answer (weight 2) has no self-score; the board answer (1.0) stands; the scale answer is
    # self-scored at its top level (1.0) and verified at level 2 of 5 (0.25).
    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], NARRATIVE, 0.75)
    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], "plan.maturity", {"answer": 1})
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    report = _report(panel, world.submission_id)

    # Plan, like with like: self 100 over board and maturity, moderated (1 + 0.25) / 2 = 62.5 over the same;
    # every answer (2 × 0.75 + 1 + 0.25) / 4 = 68.75, also the round median (the only submitted applicant).
    # Counting the written answer as 0, as before, would have shown the applicant's own plan score as 50.
    assert "Plan 1.00 100.0 62.5 68.8 68.8" in report
    assert "1 weighted answer has no self-score (written answers, which only evaluators score)" in report
    assert "self-assessed 100.0 and moderated 62.5 over the 2 answers with a self-score (1 not self-" in report
    assert "plan.narrative Self – (not self-scored) · Verified, scores 0.75" in report
    changes = report[report.index("Answers whose consensus differs from the self-score") :]
    assert "How mature is the joint plan? plan.maturity Plan 1.00 0.25 -0.75" in changes

    # The provider's feedback makes the same comparison.
    with app.app_context():
        submission = db.session.get_one(Submission, world.submission_id)
        feedback = squash(" ".join(pdf_pages(feedback_report_pdf(submission, None, check_available=False))))
        db.session.rollback()
    assert "Plan 1.00 100.0 62.5 68.8" in feedback
    assert "Your written answers have no self-score" in feedback


def test_feedback_is_issued_only_with_a_published_decision_and_nothing_awaited(app, data, make_browser):
    world = build_world(data)
    _ask(make_browser, world.submission_id)
    [(_, reply_by, _)] = _clarifications(data, world.submission_id)
    lead = signed_in(make_browser, PROVIDER_LEAD)
    url = f"/provider/submissions/{world.submission_id}/feedback.pdf"

    def refusal() -> str:
        response = lead.get(url, follow_redirects=True)
        assert response.status_code == 200 and response.mimetype == "text/html"
        return page_text(response)

    assert (
        "Your feedback report is not available yet: 1 answer is still being evaluated; 1 clarification is open "
        f"(reply by {_on(reply_by)}); the panel's decision has not been published."
    ) in refusal()
    # While it is not available the commissioners' copy says so on its cover, with no outcome.
    with app.app_context():
        pdf = feedback_report_pdf(db.session.get_one(Submission, world.submission_id), None, check_available=False)
        db.session.rollback()
    cover = squash(pdf_pages(pdf)[0])
    assert "Outcome Not yet decided: no decision has been published to you." in cover
    assert "Report status Not for issue: 1 answer is still being evaluated;" in cover
    assert "Proceed" not in cover and "open procurement" not in cover

    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], NARRATIVE, 0.75)
    verify_gate_answers(data, world.submission_id)
    _reply(make_browser, data, world.submission_id)
    # The engine recommends proceeding; the panel decides otherwise, and only its decision is the outcome.
    response = decide(
        make_browser,
        world.submission_id,
        **{"gate-A": "fail", "outcome": "open_procurement", "differs_reason": "Contradicted at interview."},
    )
    assert response.status_code == 302
    overview = page_text(lead.get(f"/provider/submissions/{world.submission_id}"))
    assert "Your feedback report is not available yet: the panel's decision has not been published." in overview
    assert "Default to open procurement" not in refusal()

    publish(make_browser, world.submission_id)
    overview = page_text(lead.get(f"/provider/submissions/{world.submission_id}"))
    assert "Download your feedback report (PDF)" in overview
    response = lead.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = squash(" ".join(pdf_pages(response.data)))
    assert f"Outcome Default to open procurement: the panel's decision of {_on(date.today())}, as published" in text
    assert "Report status Issued with the panel's published decision." in text
    assert "Panel decision: Default to open procurement" in text and "Outcome Proceed" not in text

    # Sent back after a representation and asked again: feedback waits for the new question.
    with app.app_context():
        submission = db.session.get_one(Submission, world.submission_id)
        publication = standstill.publication_for(submission)
        lead_user = db.session.scalar(db.select(User).filter_by(email=PROVIDER_LEAD))
        admin = db.session.scalar(db.select(User).filter_by(email=COMMISSIONERS["round_admin"]))
        representation = standstill.submit_representation(publication, lead_user, "The interview was not minuted.")
        standstill.review_representation(representation, "sent_back", "Back to moderation.", admin)
        db.session.commit()
    _ask(make_browser, world.submission_id)
    assert "Your feedback report is not available yet: 1 clarification is open" in refusal()


def test_only_the_roles_the_pages_allow_ask_or_decide_even_when_the_service_is_called_directly(app, data):
    world = build_world(data)
    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], NARRATIVE, 0.75)
    with app.app_context():
        submission = db.session.get_one(Submission, world.submission_id)

        def user(role: str) -> User:
            return db.session.scalars(db.select(User).filter_by(email=COMMISSIONERS[role])).one()

        with pytest.raises(NotAllowed, match="Only evaluators and moderators can ask") as refused:
            clarifications.ask(submission, None, QUESTION, user("panel"))
        assert refused.value.status == 403
        decision = decisions.DecisionInput("proceed", {"A": "pass", "B": "pass"}, date.today(), "Ada Chair")
        with pytest.raises(DecisionRefused, match="Only a panel member can record"):
            decisions.record_decision(submission, decision, user("moderator"))
        db.session.rollback()
        assert db.session.query(Clarification).count() == 0 and db.session.query(PanelDecision).count() == 0
