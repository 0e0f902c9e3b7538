"""Consensus moderation: the only commissioner score the engine reads, so it can change the recommendation."""

from __future__ import annotations

import re

from assessor.extensions import db
from assessor.models import ModeratedScore
from tests.review_helpers import COMMISSIONERS, NARRATIVE, audit_actions, build_world, signed_in, stored_summary

LABELS = {
    "proceed": "Proceed",
    "proceed_with_conditions": "Proceed with conditions",
    "open_procurement": "Default to open procurement",
}


def _section(page: str, heading: str) -> str:
    start = page.index(f"<h2>{heading}</h2>")
    end = page.find("<h2", start + 1)
    return page[start:end]


def test_the_consensus_score_feeds_the_engine_and_changes_the_recommendation(app, data, make_browser):
    world = build_world(data)
    moderator = signed_in(make_browser, COMMISSIONERS["moderator"])
    url = f"/review/submissions/{world.submission_id}/questions/{NARRATIVE}"

    # Unscored, the narrative counts as 0 against gate A's must-have minimum of 0.5, so the gate fails.
    before = stored_summary(data, world.submission_id)
    assert before["recommendation"] == "open_procurement" and before["awaiting"] == 1
    summary = moderator.get(f"/review/submissions/{world.submission_id}").get_data(as_text=True)
    what_if = _section(summary, "What would change the recommendation")
    # One consensus score on the narrative lifts it a step: that is the fewest possible changes.
    assert "1 change" in what_if and NARRATIVE in what_if and LABELS["proceed_with_conditions"] in what_if

    # Poor (0.25) is still below 0.5: the recommendation stays.
    response = moderator.post(
        f"{url}/moderate", {"consensus": "1", "consensus_rationale": "No modelling yet."}, page=url
    )
    assert response.status_code == 302
    assert stored_summary(data, world.submission_id)["recommendation"] == "open_procurement"

    # Good (0.75) meets 0.5; every other criterion already passes, so the applicant may proceed.
    response = moderator.post(
        f"{url}/moderate",
        {"consensus": "3", "consensus_rationale": "Agreed at moderation."},
        page=url,
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "The recommendation is now ‘Proceed’" in page
    assert re.search(r'id="recommendation">Proceed<', page)
    after = stored_summary(data, world.submission_id)
    assert after["recommendation"] == "proceed" and after["awaiting"] == 0
    # Domain plan: narrative weight 2 at 0.75, board and maturity weight 1 at 1.0 -> 87.5; people 50; mean 68.75.
    assert abs(after["overall"] - (((2 * 0.75 + 1 + 1) / 4 * 100) + 50) / 2) < 1e-9
    with data() as session:
        row = session.scalar(db.select(ModeratedScore).filter_by(submission_id=world.submission_id))
        assert (row.question_id, row.score, row.rationale) == (NARRATIVE, 0.75, "Agreed at moderation.")
    assert audit_actions(data, world.submission_id).count("moderation.scored") == 2

    summary = moderator.get(f"/review/submissions/{world.submission_id}").get_data(as_text=True)
    assert "The recommendation is already to proceed." in _section(summary, "What would change the recommendation")
    assert "Every gateway criterion is met." in summary


def test_a_consensus_needs_a_score_and_a_rationale(app, data, make_browser):
    world = build_world(data)
    moderator = signed_in(make_browser, COMMISSIONERS["moderator"])
    url = f"/review/submissions/{world.submission_id}/questions/{NARRATIVE}"
    response = moderator.post(f"{url}/moderate", {"consensus_rationale": "Forgot the score"}, page=url)
    page = response.get_data(as_text=True)
    assert "Choose the consensus score" in page and 'href="#consensus-0"' in page and "Forgot the score" in page
    response = moderator.post(f"{url}/moderate", {"consensus": "2"}, page=url)
    assert "Explain the consensus score" in response.get_data(as_text=True)
    with data() as session:
        assert session.query(ModeratedScore).count() == 0
    assert stored_summary(data, world.submission_id)["recommendation"] == "open_procurement"


def test_evaluators_cannot_moderate_and_moderators_cannot_evaluate(app, data, make_browser):
    world = build_world(data)
    url = f"/review/submissions/{world.submission_id}/questions/{NARRATIVE}"
    evaluator = signed_in(make_browser, COMMISSIONERS["evaluator"])
    moderator = signed_in(make_browser, COMMISSIONERS["moderator"])
    assert (
        evaluator.post(f"{url}/moderate", {"consensus": "4", "consensus_rationale": "x"}, page=url).status_code == 403
    )
    assert moderator.post(f"{url}/evaluate", {"score": "4", "rationale": "x"}, page=url).status_code == 403
    assert stored_summary(data, world.submission_id)["recommendation"] == "open_procurement"
