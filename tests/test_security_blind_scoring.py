"""Blind scoring holds: a placeholder score cannot be quietly rescored onto a colleague's, and the consensus
stays hidden from an evaluator who has not scored.

Security review F6 (score a placeholder, read the others, rescore: the moderator saw no divergence)
and F7 (an evaluator who had not scored saw the moderator's consensus and rationale).
"""

from __future__ import annotations

import csv
import io

from assessor.extensions import db
from assessor.models import EvaluatorScore, ModeratedScore, Submission, User
from assessor.services import evaluation
from assessor.services.errors import NotAllowed
from assessor.services.reporting import panel_report
from tests.review_helpers import COMMISSIONERS, NARRATIVE, audit_actions, build_world, moderate_as, signed_in

EVALUATOR, SECOND, MODERATOR = COMMISSIONERS["evaluator"], COMMISSIONERS["evaluator2"], COMMISSIONERS["moderator"]
FIRST_RATIONALE = "SECRETEVALONE: the loss-sharing rule is not modelled."


def _url(world) -> str:
    return f"/review/submissions/{world.submission_id}/questions/{NARRATIVE}"


def _score(browser, world, step: int, rationale: str, reason: str | None = None):
    form = {"score": str(step), "rationale": rationale}
    if reason is not None:
        form["change_reason"] = reason
    return browser.post(f"{_url(world)}/evaluate", form, page=_url(world))


def _own(data, world, email: str) -> EvaluatorScore:
    with data() as session:
        row = session.scalar(
            db.select(EvaluatorScore).filter_by(submission_id=world.submission_id, evaluator_id=world.users[email])
        )
        assert row is not None
        session.expunge(row)
        return row


def test_a_score_changed_after_reading_colleagues_needs_a_reason_and_the_moderator_sees_the_first(
    app, data, make_browser
):
    world = build_world(data)
    first, second = signed_in(make_browser, EVALUATOR), signed_in(make_browser, SECOND)
    assert _score(first, world, 1, FIRST_RATIONALE).status_code == 302

    # The attack: a placeholder unlocks the colleague's score...
    assert _score(second, world, 4, "placeholder").status_code == 302
    page = second.get(_url(world)).get_data(as_text=True)
    assert FIRST_RATIONALE in page
    assert "Why are you changing your score?" in page

    # ...but copying it without saying why is refused, and nothing changes.
    response = _score(second, world, 1, "Agree: weak case")
    assert response.status_code == 409
    assert "explain why you are changing your score" in response.get_data(as_text=True)
    assert _own(data, world, SECOND).score == 1.0

    # With a reason the change is saved, and the independent score is kept beside it.
    assert _score(second, world, 1, "Agree: weak case", reason="I misread the appendix.").status_code == 302
    row = _own(data, world, SECOND)
    assert (row.score, row.original_score, row.original_rationale) == (0.25, 1.0, "placeholder")
    assert row.change_reason == "I misread the appendix."

    # The moderator sees the change, the first score and the reason, and the disagreement as first given.
    moderator = signed_in(make_browser, MODERATOR)
    page = moderator.get(_url(world)).get_data(as_text=True)
    assert "changed after seeing other scores, from Excellent (4)" in page
    assert "I misread the appendix." in page
    overview = moderator.get(f"/review/submissions/{world.submission_id}").get_data(as_text=True)
    assert "differ by more than one step on 1 answer" in overview
    assert audit_actions(data, world.submission_id).count("evaluation.scored") == 3


def test_a_score_changed_before_anyone_else_scored_needs_no_reason(app, data, make_browser):
    world = build_world(data)
    first = signed_in(make_browser, EVALUATOR)
    _score(first, world, 1, "First reading.")
    assert _score(first, world, 2, "Second reading, before anyone else scored.").status_code == 302
    row = _own(data, world, EVALUATOR)
    assert (row.score, row.original_score, row.change_reason) == (0.5, None, None)


def test_the_scoring_service_itself_refuses_a_silent_change_after_the_reveal(app, data, make_browser):
    world = build_world(data)
    _score(signed_in(make_browser, EVALUATOR), world, 1, FIRST_RATIONALE)
    _score(signed_in(make_browser, SECOND), world, 4, "placeholder")
    with app.app_context():
        submission = db.session.get_one(Submission, world.submission_id)
        second = db.session.scalar(db.select(User).filter_by(email=SECOND))
        assert second is not None
        try:
            evaluation.record_score(submission, NARRATIVE, 1, "Agree", second)
        except NotAllowed as refusal:
            assert refusal.problems[0].field == "change_reason"
        else:
            raise AssertionError("a change after the reveal was saved without a reason")
        db.session.rollback()


def test_an_evaluator_who_has_not_scored_sees_no_consensus(app, data, make_browser):
    world = build_world(data)
    moderate_as(data, world.submission_id, MODERATOR, NARRATIVE, 0.75)
    with data() as session:
        consensus = session.scalar(db.select(ModeratedScore.rationale).filter_by(submission_id=world.submission_id))
    assert consensus
    second = signed_in(make_browser, SECOND)
    for url in (_url(world), f"/review/submissions/{world.submission_id}"):
        page = second.get(url).get_data(as_text=True)
        assert consensus not in page, url
        assert "Good (3)" not in page, url
        assert "Consensus hidden until you submit your own score" in page or "Hidden until you submit" in page, url

    # Nor in the round's export or the panel report they can ask for.
    export = second.get(f"/review/rounds/{world.round_id}/export/answers.csv").get_data(as_text=True)
    rows = [
        r
        for r in csv.DictReader(io.StringIO(export.lstrip("\ufeff")))
        if r["question_id"] == NARRATIVE and r["submission_id"] == str(world.submission_id)
    ]
    assert rows and all(r["moderated_score"] == "" and r["score_used"] == "" for r in rows)
    with app.app_context():
        submission = db.session.get_one(Submission, world.submission_id)
        viewer = db.session.scalar(db.select(User).filter_by(email=SECOND))
        assert NARRATIVE not in panel_report(submission, viewer).moderation
        assert NARRATIVE in panel_report(submission, None).moderation
        db.session.rollback()

    # Once they have scored, the consensus is shown like the colleagues' scores.
    _score(second, world, 2, "Acceptable.")
    page = second.get(_url(world)).get_data(as_text=True)
    assert consensus in page and "Good (3)" in page
    # Those who do not score see it throughout.
    assert consensus in signed_in(make_browser, COMMISSIONERS["panel"]).get(_url(world)).get_data(as_text=True)
