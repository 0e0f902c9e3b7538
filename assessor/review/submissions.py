"""One submission: its page with the scoring trace, one question's page, its history, reopening it
and clarifications asked of the provider."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from scoring import CriterionResult, GateResult, ScoreResult

from ..extensions import db
from ..forms import filled, messages_for
from ..models import ACTION_URGENCIES, ROLE_LABELS, Submission
from ..refusals import carry_out, refused_summary
from ..services import (
    actions,
    checkpoints,
    clarifications,
    conflicts,
    decisions,
    evaluation,
    review_status,
    verification,
)
from ..services.answers import answer_rows, evidence_rows
from ..services.audit import describe_event, history
from ..services.errors import Refused
from ..services.moderation import moderated_rows
from ..services.scores import score
from ..services.submissions import reopen
from ..states import VERIFICATION_SCOPE_LABELS
from . import COMMISSIONERS, allow, bp, verdicts
from .common import form_problems, submission_for_review
from .forms import CONSENSUS_FIELDS, EVALUATOR_FIELDS, ActionForm, ClarificationForm, ReopenForm, VerdictForm

Problems = list[tuple[str, str]]


@bp.route("/submissions/<int:submission_id>")
@allow(*COMMISSIONERS)
def submission(submission_id: int) -> ResponseReturnValue:
    return submission_page(submission_for_review(submission_id))


def submission_page(
    submission: Submission,
    action_form: ActionForm | None = None,
    problems: Problems | None = None,
) -> str:
    """The submission page; a refused action is shown again with its ``problems``."""
    inputs, result = score(submission)
    improvement = decisions.what_if_for(inputs)
    db.session.commit()
    asked = clarifications.for_submission(submission)
    moderated = moderated_rows(submission)
    hidden = evaluation.consensus_hidden(submission, current_user, moderated)
    provided = inputs.answers
    # A criterion reading an answer whose consensus is hidden would tell it (a judgement, a verified answer).
    hidden_reads = {
        c.id: c.question for g in inputs.framework.gates for c in g.criteria if c.question and c.question in hidden
    }
    return render_template(
        "review/submission.html",
        submission=submission,
        questionnaire=inputs.questionnaire,
        framework=inputs.framework,
        result=result,
        answers=answer_rows(submission),
        evidence=evidence_rows(submission),
        # An evaluator sees the consensus on an answer (and the score built on it) only once they scored it.
        moderated={qid: row for qid, row in moderated.items() if qid not in hidden},
        consensus_hidden=hidden,
        hidden_criteria=hidden_reads,
        hidden_note=lambda criterion_id: (
            f"Shown once you have given your own verdict on {hidden_reads[criterion_id]}, "
            "since it reads the consensus on that answer."
        ),
        evaluations=evaluation.evaluations_for(submission, current_user),
        divergent=evaluation.divergent_questions(submission)
        if current_user.role in evaluation.ROLES_SEEING_ALL_SCORES
        else [],
        improvement=improvement,
        clarifications=clarifications.by_question(asked),
        review=review_status.status(submission, result),
        open_clarifications=clarifications.open_ones(submission),
        unanswered_clarifications=[c for c in asked if clarifications.went_unanswered(c)],
        default_reply_by=clarifications.default_reply_by(),
        decision=decisions.current(submission),
        failed=_failed_criteria(result),
        clarification_form=ClarificationForm(formdata=None),
        reopen_form=ReopenForm(formdata=None),
        checkpoint=checkpoints.compare(submission, result),
        verification=verification.status(result, inputs.framework, submission.round),
        scope_label=VERIFICATION_SCOPE_LABELS.get(submission.round.verification_scope, ""),
        answer_mark=verdicts.answer_mark,
        kind_of=evaluation.verdict_kind,
        verdict_words=lambda row, q: verdicts.verdict_words(row, q, provided.get(q.id)),
        first_verdict_words=verdicts.first_verdict_words,
        **_tracking(submission, action_form, problems),
    )


def _tracking(
    submission: Submission, action_form: ActionForm | None = None, problems: Problems | None = None
) -> dict[str, Any]:
    """Actions for the applicant and the current decision's conditions, with their forms, for the submission page."""
    decision = decisions.current(submission)
    return {
        "action_rows": actions.for_submission(submission),
        "action_form": action_form or ActionForm(formdata=None),
        "action_problems": problems or [],
        "urgencies": ACTION_URGENCIES,
        "conditions": decision.conditions if decision else [],
        "conflict": conflicts.blocking(submission, current_user),
    }


def _failed_criteria(result: ScoreResult) -> list[tuple[GateResult, CriterionResult]]:
    return [(gate, criterion) for gate in result.gates for criterion in gate.criteria if not criterion.passed]


def _scoring_closed_reason(submission: Submission, question_id: str) -> str | None:
    """Why this user may not score the question now; None if they may."""
    try:
        evaluation.check_can_score(submission, question_id)
        conflicts.check_not_conflicted(submission, current_user)
    except Refused as exc:
        return str(exc)
    return None


def question_page(
    submission: Submission,
    question_id: str,
    *,
    evaluation_form: VerdictForm | None = None,
    moderation_form: VerdictForm | None = None,
    clarification_form: ClarificationForm | None = None,
    problems: Problems | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """One question's page; a refused verdict, consensus or clarification is shown again with its form."""
    inputs, result = score(submission)
    question = inputs.questionnaire.question(question_id)
    if question is None:
        abort(404)
    views = evaluation.evaluations_for(submission, current_user)
    view = views.get(question_id, evaluation.QuestionEvaluations(None, (), 0))
    moderated = moderated_rows(submission).get(question_id)
    consensus_hidden = bool(evaluation.consensus_hidden(submission, current_user, [question_id] if moderated else []))
    provider_answer = inputs.answers.get(question_id)
    if evaluation_form is None:
        evaluation_form = verdicts.own_verdict_form(view.own, question, provider_answer)
    if moderation_form is None:
        moderation_form = verdicts.consensus_form(moderated, question, provider_answer)
    criteria = [
        (gate, criterion, result.gate(gate.id).criteria[index])
        for gate in inputs.framework.gates
        for index, criterion in enumerate(gate.criteria)
        if criterion.question == question_id
    ]
    scoring_closed_reason = _scoring_closed_reason(submission, question_id)
    db.session.commit()
    asked = [c for c in clarifications.for_submission(submission) if c.question_id == question_id]
    detail = result.question(question_id)
    shown_problems = problems or []

    def errors_for(form: VerdictForm, name: str, anchor: str | None = None) -> list[str]:
        """A field's message: the form's own, or a refusal's about it (which the error summary links to)."""
        return list(form[name].errors[:1]) or messages_for(shown_problems, anchor or name)[:1]

    return render_template(
        "review/question.html",
        submission=submission,
        question=question,
        kind=evaluation.verdict_kind(question),
        detail=detail,
        result=result,
        domain=inputs.questionnaire.domain_of(question_id),
        answer=answer_rows(submission).get(question_id),
        provider_answer=provider_answer,
        # The engine's self-score is the provider's own answer's, whatever evaluators verified.
        provider_self_score=detail.self_score,
        evidence=evidence_rows(submission).get(question_id, []),
        view=view,
        verdict_words=lambda row, about: verdicts.verdict_words(row, about, provider_answer),
        first_verdict_words=verdicts.first_verdict_words,
        # An evaluator who has not given a verdict on this answer sees no consensus (nor what it decides).
        moderated=None if consensus_hidden else moderated,
        consensus_hidden=consensus_hidden,
        reading=None if consensus_hidden else verdicts.engine_reading(question, detail, moderated, provider_answer),
        reason_needed=view.own is not None and evaluation.others_scored(submission, question_id, current_user),
        criteria=criteria,
        evaluation_form=evaluation_form,
        moderation_form=moderation_form,
        evaluator_fields=EVALUATOR_FIELDS,
        consensus_fields=CONSENSUS_FIELDS,
        errors_for=errors_for,
        clarification_form=clarification_form or ClarificationForm(formdata=None),
        default_reply_by=clarifications.default_reply_by(),
        asked=asked,
        scoring_open=scoring_closed_reason is None,
        scoring_closed_reason=scoring_closed_reason or "",
        problems=shown_problems,
    ), status


@bp.route("/submissions/<int:submission_id>/questions/<question_id>")
@allow(*COMMISSIONERS)
def question(submission_id: int, question_id: str) -> ResponseReturnValue:
    return question_page(submission_for_review(submission_id), question_id)


def back_to_question(submission: Submission, question_id: str) -> Response:
    return redirect(url_for(".question", submission_id=submission.id, question_id=question_id))


@bp.route("/submissions/<int:submission_id>/clarifications", methods=["POST"])
@allow("evaluator", "moderator")
def ask_clarification(submission_id: int) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    form = ClarificationForm()
    about = form.about.data or None
    anchors = {"clarification": "clarification", "reply_by": "reply_by"}
    if form.validate_on_submit():
        try:
            asked = clarifications.ask(
                submission, about, filled(form.clarification.data), current_user, form.reply_by.data
            )
        except Refused as refusal:
            problems = refused_summary(refusal, anchors, default="clarification")
        else:
            db.session.commit()
            flash(f"Your question has been sent to the provider, with a reply-by date of {asked.reply_by:%-d %B %Y}.")
            if about:
                return back_to_question(submission, about)
            return redirect(url_for(".submission", submission_id=submission.id, _anchor="clarifications"))
    else:
        problems = form_problems(form, anchors)
    # A refused question is shown again on the question's page with what was typed, or flashed.
    if about:
        return question_page(submission, about, clarification_form=form, problems=problems)
    flash(problems[0][1] if problems else "Your question could not be sent.", "error")
    return redirect(url_for(".submission", submission_id=submission.id, _anchor="clarifications"))


@bp.route("/submissions/<int:submission_id>/reopen", methods=["POST"])
@allow("moderator", "round_admin")
def reopen_submission(submission_id: int) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    form = ReopenForm()
    if form.validate_on_submit():
        carry_out(
            lambda: reopen(submission, current_user, filled(form.reason.data)),
            "The submission is open for the provider to edit again.",
        )
    else:
        flash("Give a reason for reopening the submission.", "error")
    return redirect(url_for(".submission", submission_id=submission.id))


@bp.route("/submissions/<int:submission_id>/history")
@allow("moderator", "panel", "round_admin")
def submission_history(submission_id: int) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    return render_template(
        "review/history.html",
        submission=submission,
        events=history(submission.id),
        role_labels=ROLE_LABELS,
        describe_event=describe_event,
    )
