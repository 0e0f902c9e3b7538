"""Panel decisions: recorded per gate and overall, locked once recorded, corrected only by a new version."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from assessor.extensions import db
from assessor.models import DecisionCondition, PanelDecision
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
from tests.web_client import csrf_token, hidden_fields

TODAY = date.today().isoformat()


def _decision_form(**overrides) -> dict:
    form = {
        "gate-A": "pass",
        "gate-B": "pass",
        "outcome": "proceed",
        "decided_on": TODAY,
        "panel_members": "Ada Chair\nBen Member",
        "minutes": "Agreed without dissent.",
    }
    form.update(overrides)
    return form


def _ready_world(data):
    """A submission whose narrative has a Good consensus, so the engine recommends proceeding."""
    world = build_world(data)
    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], NARRATIVE, 0.75)
    verify_gate_answers(data, world.submission_id)
    assert stored_summary(data, world.submission_id)["recommendation"] == "proceed"
    return world


def _decisions(data, submission_id):
    with data() as session:
        rows = session.scalars(
            db.select(PanelDecision).filter_by(submission_id=submission_id).order_by(PanelDecision.version)
        ).all()
        return [
            {
                "version": r.version,
                "outcome": r.outcome,
                "gates": r.gate_outcomes,
                "differs": r.differs_reason,
                "correction": r.correction_reason,
                "recommendation": r.recommendation_at_decision,
                "conditions": [(c.text, c.owner, c.due_on) for c in r.conditions],
            }
            for r in rows
        ]


def test_a_recorded_decision_is_locked_and_a_correction_is_a_new_version(app, data, make_browser):
    world = _ready_world(data)
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    url = f"/review/submissions/{world.submission_id}/decision"

    page = page_text(panel.get(url))
    assert "No decision has been recorded yet." in page and "Record the decision" in page
    assert panel.post(url, _decision_form(), page=url).status_code == 302
    assert stored_summary(data, world.submission_id)["status"] == "decided"
    assert _decisions(data, world.submission_id) == [
        {
            "version": 1,
            "outcome": "proceed",
            "gates": {"A": "pass", "B": "pass"},
            "differs": None,
            "correction": None,
            "recommendation": "proceed",
            "conditions": [],
        }
    ]
    page = page_text(panel.get(url))
    assert "Locked" in page and "Correct the decision" in page and "Record the decision<" not in page

    # Recording again without saying why is refused: the decision is locked.
    response = panel.post(url, _decision_form(minutes="Second thoughts"), page=url)
    assert "The recorded decision is locked" in page_text(response)
    assert len(_decisions(data, world.submission_id)) == 1

    # The database itself refuses to edit or delete a decision, whatever the application does.
    for statement in ("UPDATE panel_decision SET outcome = 'open_procurement'", "DELETE FROM panel_decision"):
        with data() as session:
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                session.execute(sa.text(statement))
            session.rollback()
    assert _decisions(data, world.submission_id)[0]["outcome"] == "proceed"

    due = (date.today() + timedelta(days=90)).isoformat()
    correction = _decision_form(
        **{
            "gate-B": "conditional",
            "outcome": "proceed_with_conditions",
            "conditions-0-text": "Sign the workforce sharing agreement",
            "conditions-0-owner": "Harbour Alliance Trust",
            "conditions-0-due_on": due,
            "differs_reason": "The panel wants the workforce agreement signed before the shadow year.",
            "correction_reason": "The minutes of the meeting record a condition the first entry left out.",
        }
    )
    response = panel.post(url, correction, page=url, follow_redirects=True)
    assert "Decision recorded (version 2)" in page_text(response)
    versions = _decisions(data, world.submission_id)
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["outcome"] == "proceed" and versions[0]["conditions"] == []
    assert versions[1]["outcome"] == "proceed_with_conditions"
    assert versions[1]["gates"] == {"A": "pass", "B": "conditional"}
    assert versions[1]["conditions"] == [
        ("Sign the workforce sharing agreement", "Harbour Alliance Trust", date.fromisoformat(due))
    ]
    assert versions[1]["correction"].startswith("The minutes of the meeting")
    page = page_text(panel.get(url))
    assert "Earlier versions" in page and "Version 1: Proceed," in page
    assert audit_actions(data, world.submission_id)[-2:] == ["decision.recorded", "decision.corrected"]


def test_a_decision_that_differs_from_the_recommendation_needs_the_panels_reason(app, data, make_browser):
    world = _ready_world(data)
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    url = f"/review/submissions/{world.submission_id}/decision"

    # Differs overall: the engine recommends proceeding.
    response = panel.post(url, _decision_form(**{"gate-A": "fail", "outcome": "open_procurement"}), page=url)
    assert "differs from the recommendation: give the panel's reason" in page_text(response)
    # Differs on one gate only, with the same overall outcome.
    due = (date.today() + timedelta(days=30)).isoformat()
    response = panel.post(
        url,
        _decision_form(
            **{
                "gate-B": "conditional",
                "outcome": "proceed_with_conditions",
                "conditions-0-text": "Publish the plan",
                "conditions-0-owner": "Lead",
                "conditions-0-due_on": due,
            }
        ),
        page=url,
    )
    assert "give the panel's reason" in page_text(response)
    assert _decisions(data, world.submission_id) == []

    response = panel.post(
        url,
        _decision_form(
            **{
                "gate-A": "fail",
                "outcome": "open_procurement",
                "differs_reason": "The narrative was contradicted at interview.",
            }
        ),
        page=url,
    )
    assert response.status_code == 302
    [recorded] = _decisions(data, world.submission_id)
    assert recorded["outcome"] == "open_procurement" and recorded["recommendation"] == "proceed"
    assert recorded["differs"] == "The narrative was contradicted at interview."


def test_contradictory_or_incomplete_decisions_are_refused_and_the_input_is_kept(app, data, make_browser):
    world = _ready_world(data)
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    url = f"/review/submissions/{world.submission_id}/decision"
    cases = [
        # A failed gate cannot go with proceeding.
        (_decision_form(**{"gate-A": "fail", "differs_reason": "x"}), "The gate decisions allow at most"),
        # Proceeding with conditions needs at least one condition...
        (
            _decision_form(**{"gate-B": "conditional", "outcome": "proceed_with_conditions", "differs_reason": "x"}),
            "List at least one condition",
        ),
        # ...and each condition needs its owner and due date.
        (
            _decision_form(
                **{
                    "gate-B": "conditional",
                    "outcome": "proceed_with_conditions",
                    "differs_reason": "x",
                    "conditions-0-text": "Agree the risk share",
                }
            ),
            "Condition 1: say who owns it",
        ),
        # Conditions belong only to proceeding with conditions.
        (
            _decision_form(
                **{"conditions-0-text": "Something", "conditions-0-owner": "Someone", "conditions-0-due_on": TODAY}
            ),
            "Conditions belong only to",
        ),
        (
            {**_decision_form(), "decided_on": (date.today() + timedelta(days=3)).isoformat()},
            "must be today or in the past",
        ),
        ({**_decision_form(), "panel_members": ""}, "Enter the names of the panel members"),
        ({**_decision_form(), "decided_on": "2026-02-31"}, "Date of the decision: enter a real date"),
        (
            _decision_form(
                **{
                    "gate-B": "conditional",
                    "outcome": "proceed_with_conditions",
                    "differs_reason": "x",
                    "conditions-0-text": "Agree it",
                    "conditions-0-owner": "Lead",
                    "conditions-0-due_on": "someday",
                }
            ),
            "Condition 1: enter the due date as a real date",
        ),
        ({k: v for k, v in _decision_form().items() if k != "gate-B"}, "Choose the panel's decision for gate B"),
    ]
    for form, message in cases:
        response = panel.post(url, form, page=url)
        page = page_text(response)
        assert response.status_code == 200 and "There is a problem" in page, message
        assert message in page, message
        assert "Ada Chair" in page or not form.get("panel_members")
    assert _decisions(data, world.submission_id) == []
    assert stored_summary(data, world.submission_id)["status"] == "under_review"


def test_no_decision_while_answers_await_evaluation_or_on_a_stale_page_and_only_the_panel_decides(
    app, data, make_browser
):
    world = build_world(data)  # the narrative has no consensus score, nor is the boards' approval verified
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    url = f"/review/submissions/{world.submission_id}/decision"
    response = panel.post(url, _decision_form(**{"gate-A": "fail", "outcome": "open_procurement"}), page=url)
    assert "1 answer awaits evaluation and 1 self-assessed answer is not yet verified" in page_text(response)

    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], NARRATIVE, 0.75)
    response = panel.post(url, _decision_form(), page=url)
    assert "1 self-assessed answer is not yet verified" in page_text(response)
    verify_gate_answers(data, world.submission_id)
    for role in ("evaluator", "moderator", "round_admin"):
        browser = signed_in(make_browser, COMMISSIONERS[role])
        assert browser.get(url).status_code == 200
        assert browser.post(url, _decision_form(), page=url).status_code == 403, role
    assert _decisions(data, world.submission_id) == []

    # Two panel members open the form; the second one's save must not silently follow the first.
    stale_page = panel.get(url).get_data(as_text=True)
    other = signed_in(make_browser, COMMISSIONERS["site_admin"])
    assert other.post(url, _decision_form(), page=url).status_code == 302
    posted = {
        **hidden_fields(stale_page),
        **_decision_form(correction_reason="Typo"),
        "csrf_token": csrf_token(stale_page),
    }
    response = panel.client.post(url, data=posted)
    assert "Another decision was recorded while you were filling in this form" in page_text(response)
    assert [d["version"] for d in _decisions(data, world.submission_id)] == [1]
    with data() as session:
        assert session.query(DecisionCondition).count() == 0
