"""Giving a verdict on an answer: an evaluator's own, and the moderator's consensus.

A written answer is scored, evidence judged and any other scored answer verified
(``evaluation.verdict_kind``); the forms for each are ``forms.verdict_form_class``.
"""

from __future__ import annotations

from flask import abort, flash
from flask.typing import ResponseReturnValue
from flask_login import current_user

from questionnaires import Question

from ..extensions import db
from ..models import Submission
from ..refusals import refused_summary
from ..services import evaluation
from ..services.answers import engine_answers
from ..services.definitions import questionnaire_for
from ..services.errors import Refused
from ..services.moderation import moderate
from ..services.scores import score
from . import allow, bp, verdicts
from .common import form_problems, submission_for_review
from .forms import CONSENSUS_FIELDS, EVALUATOR_FIELDS, verdict_form_class
from .submissions import back_to_question, question_page

# The form has checked what was typed, so a refusal is about the submission's state (decided, a draft,
# the question not applying): the page is shown again with the reason and 409 Conflict.
CONFLICT = 409


def _question(submission: Submission, question_id: str) -> Question:
    question = questionnaire_for(submission.round).question(question_id)
    if question is None:
        abort(404)
    return question


def _closed(submission: Submission, question: Question, anchor: str) -> list[tuple[str, str]]:
    """Why no verdict can be given on this answer now (a draft, decided, not applicable), before reading the form."""
    try:
        evaluation.check_can_score(submission, question.id)
    except Refused as refusal:
        return refused_summary(refusal, default=anchor)
    return []


@bp.route("/submissions/<int:submission_id>/questions/<question_id>/evaluate", methods=["POST"])
@allow("evaluator")
def evaluate_question(submission_id: int, question_id: str) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    question = _question(submission, question_id)
    kind = evaluation.verdict_kind(question)
    form = verdict_form_class(question, EVALUATOR_FIELDS)()
    anchors = EVALUATOR_FIELDS.anchors(kind)
    closed = _closed(submission, question, EVALUATOR_FIELDS.first_control(kind))
    if closed:
        return question_page(submission, question_id, evaluation_form=form, problems=closed, status=CONFLICT)
    if not form.validate_on_submit():
        return question_page(submission, question_id, evaluation_form=form, problems=form_problems(form, anchors))
    try:
        evaluation.record_verdict(
            submission,
            question_id,
            form.given_verdict(engine_answers(submission).get(question_id)),
            form.rationale_text(),
            current_user,
            form["change_reason"].data or "",
        )
    except Refused as refusal:
        problems = refused_summary(refusal, anchors, default=EVALUATOR_FIELDS.first_control(kind))
        return question_page(submission, question_id, evaluation_form=form, problems=problems, status=CONFLICT)
    db.session.commit()
    word = "score" if kind == evaluation.SCORE else "verdict"
    flash(f"Your {word} has been saved. Other evaluators' {word}s for this answer are now shown.")
    return back_to_question(submission, question_id)


@bp.route("/submissions/<int:submission_id>/questions/<question_id>/moderate", methods=["POST"])
@allow("moderator")
def moderate_question(submission_id: int, question_id: str) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    question = _question(submission, question_id)
    kind = evaluation.verdict_kind(question)
    form = verdict_form_class(question, CONSENSUS_FIELDS)()
    anchors = CONSENSUS_FIELDS.anchors(kind)
    closed = _closed(submission, question, CONSENSUS_FIELDS.first_control(kind))
    if closed:
        return question_page(submission, question_id, moderation_form=form, problems=closed, status=CONFLICT)
    if not form.validate_on_submit():
        return question_page(submission, question_id, moderation_form=form, problems=form_problems(form, anchors))
    before = submission.recommendation
    provider_answer = engine_answers(submission).get(question_id)
    try:
        row = moderate(
            submission, question_id, form.given_verdict(provider_answer), form.rationale_text(), current_user
        )
    except Refused as refusal:
        problems = refused_summary(refusal, anchors, default=CONSENSUS_FIELDS.first_control(kind))
        return question_page(submission, question_id, moderation_form=form, problems=problems, status=CONFLICT)
    # The consensus changes the result: the rescore is saved with it.
    _, result = score(submission)
    db.session.commit()
    if kind == evaluation.SCORE:
        message = f"Consensus score recorded: {evaluation.describe(row.score)}."
    else:
        message = f"Consensus recorded: {verdicts.verdict_words(row, question, provider_answer)}."
    if result.recommendation != before:
        message += f" The recommendation is now ‘{result.recommendation_label}’."
    flash(message)
    return back_to_question(submission, question_id)
