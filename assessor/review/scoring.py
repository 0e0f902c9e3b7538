"""Scoring an answer: an evaluator's score and the moderator's consensus score."""

from __future__ import annotations

from flask import flash
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..extensions import db
from ..forms import filled
from ..refusals import refused_summary
from ..services import evaluation
from ..services.errors import Refused
from ..services.moderation import moderate
from ..services.scores import score
from . import allow, bp
from .common import form_problems, submission_for_review
from .forms import EvaluationForm, ModerationForm
from .submissions import back_to_question, question_page

# The form has checked what was typed, so a refusal is about the submission's state (decided, a draft,
# the question not applying): the page is shown again with the reason and 409 Conflict.
CONFLICT = 409


@bp.route("/submissions/<int:submission_id>/questions/<question_id>/evaluate", methods=["POST"])
@allow("evaluator")
def evaluate_question(submission_id: int, question_id: str) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    form = EvaluationForm()
    if not form.validate_on_submit():
        return question_page(
            submission, question_id, evaluation_form=form, problems=form_problems(form, {"score": "score-0"})
        )
    try:
        evaluation.record_score(
            submission,
            question_id,
            int(filled(form.score.data)),
            filled(form.rationale.data),
            current_user,
            form.change_reason.data or "",
        )
    except Refused as refusal:
        problems = refused_summary(refusal, {"change_reason": "change_reason"}, default="score-0")
        return question_page(submission, question_id, evaluation_form=form, problems=problems, status=CONFLICT)
    db.session.commit()
    flash("Your score has been saved. Other evaluators' scores for this answer are now shown.")
    return back_to_question(submission, question_id)


@bp.route("/submissions/<int:submission_id>/questions/<question_id>/moderate", methods=["POST"])
@allow("moderator")
def moderate_question(submission_id: int, question_id: str) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    form = ModerationForm()
    if not form.validate_on_submit():
        return question_page(
            submission, question_id, moderation_form=form, problems=form_problems(form, {"consensus": "consensus-0"})
        )
    step = evaluation.SCALE[int(form.consensus.data)]
    before = submission.recommendation
    try:
        moderate(submission, question_id, step.score, filled(form.consensus_rationale.data), current_user)
    except Refused as refusal:
        problems = refused_summary(refusal, default="consensus-0")
        return question_page(submission, question_id, moderation_form=form, problems=problems, status=CONFLICT)
    # The consensus changes the result: the rescore is saved with it.
    _, result = score(submission)
    db.session.commit()
    message = f"Consensus score recorded: {step.label} ({step.step})."
    if result.recommendation != before:
        message += f" The recommendation is now ‘{result.recommendation_label}’."
    flash(message)
    return back_to_question(submission, question_id)
