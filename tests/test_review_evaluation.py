"""Evaluator scoring: independent, blind until each evaluator has scored, and never fed to the engine."""

from __future__ import annotations

import re

from assessor.extensions import db
from assessor.models import EvaluatorScore
from tests.review_helpers import (
    COMMISSIONERS,
    NARRATIVE,
    audit_actions,
    build_world,
    set_status,
    signed_in,
    stored_summary,
)

EVALUATOR, SECOND, MODERATOR = COMMISSIONERS["evaluator"], COMMISSIONERS["evaluator2"], COMMISSIONERS["moderator"]


def _question_url(world, question_id=NARRATIVE):
    return f"/review/submissions/{world.submission_id}/questions/{question_id}"


def _score(browser, world, step, rationale, question_id=NARRATIVE):
    url = _question_url(world, question_id)
    return browser.post(f"{url}/evaluate", {"score": str(step), "rationale": rationale}, page=url)


def test_evaluators_score_blind_and_see_each_other_only_after_scoring(app, data, make_browser):
    world = build_world(data)
    first, second, moderator = (signed_in(make_browser, e) for e in (EVALUATOR, SECOND, MODERATOR))
    before = stored_summary(data, world.submission_id)

    response = _score(first, world, 4, "Clear triggers and a loss-sharing rule agreed by every partner.")
    assert response.status_code == 302

    # The second evaluator has not scored: the first one's score and rationale stay hidden.
    page = second.get(_question_url(world)).get_data(as_text=True)
    assert "1 evaluator score hidden until you submit your own" in page
    assert "Clear triggers and a loss-sharing rule" not in page
    assert "Excellent (4)" not in page
    overview = second.get(f"/review/submissions/{world.submission_id}").get_data(as_text=True)
    assert "Clear triggers" not in overview and "Excellent (4)" not in overview

    # A moderator sees every score at once.
    assert "Excellent (4)" in moderator.get(_question_url(world)).get_data(as_text=True)

    assert (
        _score(second, world, 1, "The rule is not modelled, so the exposure of each partner is unknown.").status_code
        == 302
    )
    page = second.get(_question_url(world)).get_data(as_text=True)
    assert "Clear triggers and a loss-sharing rule" in page and "Excellent (4)" in page and "Poor (1)" in page
    # Excellent (4) against Poor (1) is three steps apart: more than one step, so it is flagged.
    assert "Evaluators differ by 3 steps" in page
    assert "differ by more than one step on 1 answer" in moderator.get(
        f"/review/submissions/{world.submission_id}"
    ).get_data(as_text=True)

    # Evaluator scores never reach the engine: only a consensus score would.
    assert stored_summary(data, world.submission_id)["recommendation"] == before["recommendation"]
    assert stored_summary(data, world.submission_id)["overall"] == before["overall"]
    with data() as session:
        scores = dict(
            session.execute(
                db.select(EvaluatorScore.evaluator_id, EvaluatorScore.score).filter_by(
                    submission_id=world.submission_id
                )
            ).all()
        )
    assert scores == {world.users[EVALUATOR]: 1.0, world.users[SECOND]: 0.25}
    assert audit_actions(data, world.submission_id).count("evaluation.scored") == 2
    assert stored_summary(data, world.submission_id)["status"] == "under_review"


def test_one_step_apart_is_not_flagged_and_rescoring_replaces_the_evaluators_own_score(app, data, make_browser):
    world = build_world(data)
    first, second = signed_in(make_browser, EVALUATOR), signed_in(make_browser, SECOND)
    _score(first, world, 2, "Acceptable: triggers named, owners not.")
    _score(second, world, 3, "Good: triggers and owners named.")
    page = second.get(_question_url(world)).get_data(as_text=True)
    assert "Evaluators differ" not in page

    # The first evaluator can now read the second's score, so a change needs a reason.
    url = _question_url(world)
    first.post(
        f"{url}/evaluate",
        {
            "score": "0",
            "rationale": "On reflection nothing is agreed in writing.",
            "change_reason": "The appendix I relied on is a draft.",
        },
        page=url,
    )
    with data() as session:
        rows = session.scalars(
            db.select(EvaluatorScore).filter_by(submission_id=world.submission_id, evaluator_id=world.users[EVALUATOR])
        ).all()
    assert [(r.score, r.rationale) for r in rows] == [(0.0, "On reflection nothing is agreed in writing.")]
    assert "Evaluators differ by 3 steps" in second.get(_question_url(world)).get_data(as_text=True)


def test_an_incomplete_score_is_refused_with_the_reason_and_the_typed_text_kept(app, data, make_browser):
    world = build_world(data)
    evaluator = signed_in(make_browser, EVALUATOR)
    url = _question_url(world)
    response = evaluator.post(f"{url}/evaluate", {"rationale": "Half-finished thought"}, page=url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and 'href="#score-0"' in page
    assert "Choose a score from Unacceptable (0) to Excellent (4)" in page
    assert "Half-finished thought" in page

    response = evaluator.post(f"{url}/evaluate", {"score": "3", "rationale": "   "}, page=url)
    assert "Explain your score" in response.get_data(as_text=True)
    with data() as session:
        assert session.query(EvaluatorScore).count() == 0


def test_scoring_is_closed_for_drafts_decided_submissions_and_unscored_or_hidden_questions(app, data, make_browser):
    world = build_world(data)
    evaluator = signed_in(make_browser, EVALUATOR)

    draft_url = f"/review/submissions/{world.draft_id}/questions/{NARRATIVE}"
    response = evaluator.post(f"{draft_url}/evaluate", {"score": "2", "rationale": "Too early"}, page=draft_url)
    assert response.status_code == 409 and "A draft cannot be scored" in response.get_data(as_text=True)

    # plan.notes has weight 0; people.followup is hidden because the workforce plan is complete.
    for question_id, message in (
        ("plan.notes", "is not a scored question"),
        ("people.followup", "does not apply to this submission"),
    ):
        response = _score(evaluator, world, 2, "Scored anyway", question_id=question_id)
        assert response.status_code == 409 and message in response.get_data(as_text=True)

    set_status(data, world.submission_id, "decided")
    page = evaluator.get(_question_url(world)).get_data(as_text=True)
    assert "scores can no longer change" in page and "Save your score" not in page
    response = _score(evaluator, world, 2, "After the decision")
    assert response.status_code == 409
    with data() as session:
        assert session.query(EvaluatorScore).count() == 0


def test_scoring_forms_are_offered_only_to_the_roles_that_may_use_them(app, data, make_browser):
    world = build_world(data)
    forms = {}
    for key in ("evaluator", "moderator", "panel"):
        page = signed_in(make_browser, COMMISSIONERS[key]).get(_question_url(world)).get_data(as_text=True)
        forms[key] = (
            bool(re.search(r'action="[^"]*/evaluate"', page)),
            bool(re.search(r'action="[^"]*/moderate"', page)),
        )
    assert forms == {"evaluator": (True, False), "moderator": (False, True), "panel": (False, False)}
