"""Actions by urgency, conditions tracked to closure, and the follow-up date a weak rating proposes."""

from __future__ import annotations

from datetime import date, timedelta

from assessor.extensions import db
from assessor.models import DecisionCondition, PanelDecision, ReviewAction, Submission
from assessor.services.reporting import panel_report_pdf
from tests.reports_helpers import page_with, pdf_pages, squash
from tests.review_helpers import (
    COMMISSIONERS,
    NARRATIVE,
    audit_actions,
    build_world,
    moderate_as,
    page_text,
    signed_in,
    stored_summary,
    verify_gate_answers,
)

# Every answer at its worst: the overall score is 0, which the fixture framework rates Red.
WORST_ANSWERS = {
    "plan.narrative": "We have not discussed risk.",
    "plan.board": False,
    "plan.maturity": 0,
    "people.workforce": 0,
    "people.followup": False,
}


def _months_later(day: date, months: int) -> date:
    # The same day of the month, months later; the 29th to 31st fall back to a shorter month's last day.
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last_day = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def test_reviewers_record_actions_by_urgency_and_close_them_with_a_note(app, data, make_browser):
    world = build_world(data)
    page_url = f"/review/submissions/{world.submission_id}"
    add = f"{page_url}/recommendations"
    moderator = signed_in(make_browser, COMMISSIONERS["moderator"])

    # An essential action needs its date; the reviewer's words are kept on the page.
    response = moderator.post(
        add, {"urgency": "essential", "text": "Agree the risk-share model.", "owner": "Finance lead"}, page=page_url
    )
    page = page_text(response)
    assert response.status_code == 200
    assert "An essential action needs the date it must be done by" in page
    assert "Agree the risk-share model." in page
    for form in (
        {
            "urgency": "essential",
            "text": "Agree the risk-share model.",
            "owner": "Finance lead",
            "due_on": "2027-03-31",
        },
        {"urgency": "critical", "text": "Name a senior responsible owner.", "owner": "Chief executive"},
        {"urgency": "recommended", "text": "Publish the plan to staff.", "owner": "Workforce lead"},
    ):
        response = moderator.post(add, form, page=page_url)
        assert response.status_code == 302 and response.headers["Location"].endswith("#actions")
    evaluator = signed_in(make_browser, COMMISSIONERS["evaluator"])
    assert evaluator.post(add, {"urgency": "recommended", "text": "x", "owner": "y"}, page=page_url).status_code == 403

    with data() as session:
        rows = {r.urgency: (r.text, r.owner, r.due_on, r.status) for r in session.scalars(db.select(ReviewAction))}
        essential_id = session.scalar(db.select(ReviewAction.id).filter_by(urgency="essential"))
    assert rows["essential"] == ("Agree the risk-share model.", "Finance lead", date(2027, 3, 31), "open")
    assert rows["critical"][2] == date.today()  # critical means now
    assert rows["recommended"][2] is None
    page = page_text(moderator.get(page_url))
    assert "Action recorded." in page and "Actions for the applicant" in page
    for label in ("Critical (do now)", "Essential (do by a date)", "Recommended"):
        assert label in page

    close = f"{page_url}/recommendations/close"
    moderator.post(close, {"action_id": str(essential_id), "closure_note": ""}, page=page_url)
    with data() as session:
        assert session.get(ReviewAction, essential_id).status == "open"
    moderator.post(
        close,
        {"action_id": str(essential_id), "closure_note": "Model signed off by all three finance directors."},
        page=page_url,
    )
    with data() as session:
        row = session.get(ReviewAction, essential_id)
        assert (row.status, row.closure_note) == ("closed", "Model signed off by all three finance directors.")
    page = page_text(moderator.get(page_url))
    assert "Action closed." in page and "Model signed off by all three finance directors." in page
    # The events keep the names existing audit trails hold; pages and the report say "action".
    actions = audit_actions(data, world.submission_id)
    assert actions.count("recommendation.added") == 3 and "recommendation.closed" in actions
    history = page_text(moderator.get(f"{page_url}/history"))
    assert "Action added" in history and "Action closed" in history

    with data() as session:
        pdf = panel_report_pdf(session.get(Submission, world.submission_id), None)
        session.commit()
    pages = pdf_pages(pdf)
    asked = squash(pages[page_with(pages, "Actions for the applicant")])
    assert "Publish the plan to staff." in asked and "Workforce lead" in asked
    assert "Closed: Model signed off by all three finance directors." in asked
    assert "Action added" in squash("\n".join(pages))


def test_conditions_of_a_decision_are_closed_with_evidence_by_the_panel(app, data, make_browser):
    world = build_world(data)
    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], NARRATIVE, 0.75)
    verify_gate_answers(data, world.submission_id)
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    decision = f"/review/submissions/{world.submission_id}/decision"
    response = panel.post(
        decision,
        {
            "gate-A": "pass",
            "gate-B": "conditional",
            "outcome": "proceed_with_conditions",
            "decided_on": date.today().isoformat(),
            "panel_members": "Ada Chair",
            "differs_reason": "The workforce plan is not yet agreed by all partners.",
            "conditions-0-text": "Workforce plan agreed by every partner",
            "conditions-0-owner": "HR director",
            "conditions-0-due_on": "2027-06-30",
        },
        page=decision,
    )
    assert response.status_code == 302
    with data() as session:
        condition_id = session.scalar(db.select(DecisionCondition.id))
    page_url = f"/review/submissions/{world.submission_id}"
    assert "Workforce plan agreed by every partner" in page_text(panel.get(page_url))

    moderator = signed_in(make_browser, COMMISSIONERS["moderator"])
    close = f"{page_url}/conditions/close"
    assert (
        moderator.post(close, {"condition_id": str(condition_id), "closure_note": "Done"}, page=page_url).status_code
        == 403
    )
    evidence = "Signed plan received 12 May; see the board minutes."
    panel.post(close, {"condition_id": str(condition_id), "closure_note": evidence}, page=page_url)
    with data() as session:
        condition = session.get(DecisionCondition, condition_id)
        assert (condition.status, condition.closure_note) == ("met", evidence)
        assert condition.closed_at is not None
        # The decision itself is untouched: still one version.
        assert session.scalar(db.select(db.func.count(PanelDecision.id))) == 1
    assert "condition.met" in audit_actions(data, world.submission_id)


def test_a_red_rating_proposes_a_follow_up_review_six_months_after_the_decision(app, data, make_browser):
    world = build_world(data, answers=WORST_ANSWERS)
    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], NARRATIVE, 0.0)
    verify_gate_answers(data, world.submission_id)
    assert stored_summary(data, world.submission_id)["rag"] == "Red"
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    decision = f"/review/submissions/{world.submission_id}/decision"

    html = panel.get(decision).get_data(as_text=True)
    proposed = _months_later(date.today(), 6)
    assert f'name="follow_up_on" value="{proposed.isoformat()}"' in html
    # The hint states the same rule the proposed date comes from.
    assert "the proposed date is 6 months after the decision" in html

    # The panel agrees with the engine, so only the follow-up date is in question.
    form = {
        **{f"gate-{g}": _engine_gate(data, world.submission_id, g) for g in ("A", "B")},
        "outcome": stored_summary(data, world.submission_id)["recommendation"],
        "decided_on": date.today().isoformat(),
        "panel_members": "Ada Chair",
        "follow_up_on": "",
    }
    response = panel.post(decision, form, page=decision)
    assert response.status_code == 200
    assert "The overall rating is Red: enter the date of the follow-up review" in page_text(response)

    form["follow_up_on"] = proposed.isoformat()
    assert panel.post(decision, form, page=decision).status_code == 302
    with data() as session:
        assert session.scalar(db.select(PanelDecision.follow_up_on)) == proposed
    submission_page = page_text(panel.get(f"/review/submissions/{world.submission_id}"))
    assert f"Follow-up review: {proposed:%d %B %Y}" in submission_page


def _engine_gate(data, submission_id: int, gate_id: str) -> str:
    from assessor.models import Submission

    with data() as session:
        result = session.get(Submission, submission_id).result
        return next(g["outcome"] for g in result["gates"] if g["id"] == gate_id)


def test_events_stored_under_old_names_are_shown_in_todays_words():
    from assessor.services.audit import describe_event

    assert describe_event("recommendation.added") == "Action added"
    assert describe_event("section.assigned") == "Domain assigned"
    assert describe_event("declaration.changed") == "Member declaration changed"
    assert describe_event("conflict.declared") == "Conflict declared"
