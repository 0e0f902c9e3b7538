"""A submission as a whole: the provider's home, its overview, check and submit, history, printout and feedback."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from questionnaires import Domain, Questionnaire
from scoring import RECOMMENDATION_LABELS, visible_question_ids

from ..extensions import db
from ..ids import parse_id
from ..models import Submission, utcnow
from ..refusals import carry_out
from ..report_downloads import pdf_download
from ..services import access, clarifications, confirmations, member_declarations, standstill
from ..services.answers import answer_rows, authors_by_domain, evidence_rows, last_changes
from ..services.assignments import assignments_for, can_assign, domains_assigned_to
from ..services.definitions import questionnaire_for
from ..services.invitations import can_invite
from ..services.reporting import feedback_not_available_message, feedback_report_pdf, feedback_waiting_for
from ..services.scores import domain_progress, missing_required, score
from ..services.submissions import change_history, submit
from . import bp
from .common import domains, submission_for

HISTORY_PAGE_SIZE = 100


@bp.route("/")
def home() -> str:
    submissions = db.session.scalars(access.visible_submissions(current_user)).all()
    assigned: dict[int, list[Domain]] = {}
    for assignment in domains_assigned_to(current_user):
        submission = next((s for s in submissions if s.id == assignment.submission_id), None)
        if submission is None:
            continue
        domain = next((d for d in domains(questionnaire_for(submission.round)) if d.id == assignment.domain_id), None)
        if domain is not None:
            assigned.setdefault(submission.id, []).append(domain)
    return render_template(
        "provider/home.html", submissions=submissions, assigned=assigned, can_invite=can_invite(current_user)
    )


@bp.route("/submissions/<int:submission_id>")
def overview(submission_id: int) -> tuple[str, int]:
    return overview_page(submission_for(submission_id))


def overview_page(
    submission: Submission,
    representation_problems: list[tuple[str, str]] | None = None,
    representation_text: str = "",
    status: int = 200,
) -> tuple[str, int]:
    """The overview, also shown again (with ``representation_problems``) when a representation is refused."""
    inputs, result = score(submission)
    feedback_waiting = feedback_waiting_for(submission, result)
    db.session.commit()
    rows = answer_rows(submission)
    carried = confirmations.unconfirmed(submission, inputs.questionnaire, rows)
    publication = standstill.publication_for(submission)
    return render_template(
        "provider/overview.html",
        submission=submission,
        members=member_declarations.statuses(submission, inputs.questionnaire),
        carried=carried,
        carried_rounds=confirmations.carried_round_names(carried),
        publication=publication,
        outcome_labels=RECOMMENDATION_LABELS,
        representations=standstill.representations_for(publication) if publication else [],
        representation_outcomes=standstill.REVIEW_OUTCOMES,
        representation_open=publication is not None and standstill.window_open(publication),
        publication_status=standstill.status(publication) if publication else "",
        final_since=standstill.final_since(publication) if publication else None,
        representation_problems=representation_problems or [],
        feedback_waiting=feedback_waiting,
        open_clarifications=clarifications.open_ones(submission),
        representation_text=representation_text,
        domains=domains(inputs.questionnaire),
        progress=domain_progress(inputs.questionnaire, result),
        last_change=last_changes(inputs.questionnaire, rows, evidence_rows(submission)),
        authors=authors_by_domain(inputs.questionnaire, rows),
        assignments=assignments_for(submission),
        can_submit=access.can_submit(current_user, submission),
        can_assign=can_assign(current_user, submission) and submission.editable,
        can_invite=can_invite(current_user),
    ), status


@bp.route("/submissions/<int:submission_id>/check", methods=["GET"])
def check(submission_id: int) -> str:
    submission = submission_for(submission_id)
    inputs, result = score(submission)
    db.session.commit()
    return render_template(
        "provider/check.html",
        submission=submission,
        domains=domains(inputs.questionnaire),
        missing=missing_required(inputs.questionnaire, result),
        members_waiting=member_declarations.incomplete(submission, inputs.questionnaire),
        unconfirmed=confirmations.unconfirmed(submission, inputs.questionnaire),
        visible=visible_question_ids(inputs.questionnaire, inputs.answers),
        answers=answer_rows(submission),
        evidence=evidence_rows(submission),
        can_submit=access.can_submit(current_user, submission),
        form=FlaskForm(),
    )


@bp.route("/submissions/<int:submission_id>/submit", methods=["POST"])
def submit_submission(submission_id: int) -> Response:
    submission = submission_for(submission_id)
    if not access.can_submit(current_user, submission):
        abort(403, description="Only a lead user of the lead organisation can submit.")
    if carry_out(lambda: submit(submission, current_user), "Your submission has been sent to the commissioners."):
        return redirect(url_for(".overview", submission_id=submission.id))
    return redirect(url_for(".check", submission_id=submission.id))


@bp.route("/submissions/<int:submission_id>/history")
def submission_history(submission_id: int) -> str:
    submission = submission_for(submission_id)
    page = max(parse_id(request.args.get("page", "")) or 1, 1)
    entries, total = change_history(submission, page, HISTORY_PAGE_SIZE)
    pages = max((total + HISTORY_PAGE_SIZE - 1) // HISTORY_PAGE_SIZE, 1)
    return render_template(
        "provider/history.html", submission=submission, entries=entries, page=page, pages=pages, total=total
    )


@bp.route("/submissions/<int:submission_id>/print")
def printable(submission_id: int) -> str:
    submission = submission_for(submission_id)
    inputs, _ = score(submission)
    db.session.commit()
    return render_template(
        "provider/print.html",
        submission=submission,
        domains=domains(inputs.questionnaire),
        visible=visible_question_ids(inputs.questionnaire, inputs.answers),
        answers=answer_rows(submission),
        evidence=evidence_rows(submission),
        assignments=assignments_for(submission),
        now=utcnow(),
        declarations=_printable_declarations(submission, inputs.questionnaire),
        declaration_questions=member_declarations.declaration_questions(inputs.questionnaire),
    )


def _printable_declarations(submission: Submission, questionnaire: Questionnaire) -> list[tuple[Any, ...]]:
    """(organisation, its declaration rows, the questions it was asked) for every member."""
    printed = []
    for organisation in member_declarations.members_of(submission):
        rows = member_declarations.declaration_rows(submission, organisation.id)
        answers = {qid: row.value for qid, row in rows.items() if row.value is not None}
        printed.append((organisation, rows, member_declarations.visible_declarations(questionnaire, answers)))
    return printed


@bp.route("/submissions/<int:submission_id>/feedback.pdf")
def feedback_report(submission_id: int) -> Response | tuple[str, int]:
    """The feedback PDF once it can be issued; until then the overview, saying what it waits for."""
    submission = submission_for(submission_id)
    waiting = feedback_waiting_for(submission)
    if waiting:
        # Scoring may have refreshed the stored summary; nothing else was written.
        db.session.commit()
        flash(feedback_not_available_message(waiting))
        return redirect(url_for(".overview", submission_id=submission.id, _anchor="feedback"))
    return pdf_download(
        lambda: feedback_report_pdf(submission, current_user), f"feedback-{submission.id}.pdf", "feedback report"
    )
