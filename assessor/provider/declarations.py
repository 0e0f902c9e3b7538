"""Each member organisation's own declarations, made on a page of their own."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from questionnaires.model import Question

from ..extensions import db
from ..forms import ShownSection, base_name, field_name, initial_form_data, parse_base, section_form_class
from ..services import declarations as declaration_service
from ..services.answers import Conflict, conflict_with
from ..services.definitions import questionnaire_for
from ..services.scores import score
from . import bp
from .answer_page import SectionOutcome, conflict_resolutions, formdata_keeping_theirs, posted_values, show_saved_state
from .common import NOT_EDITABLE, submission_for

DECLARATIONS_SAVED = "{organisation}'s declarations have been saved."


@bp.route(
    "/submissions/<int:submission_id>/declarations/<int(max=2147483647):organisation_id>", methods=["GET", "POST"]
)
def declarations(submission_id: int, organisation_id: int):
    submission = submission_for(submission_id)
    questionnaire = questionnaire_for(submission.round)
    questions = declaration_service.declaration_questions(questionnaire)
    organisation = declaration_service.member_organisation(submission, organisation_id)
    if not questions or organisation is None:
        abort(404)
    may_declare = declaration_service.can_declare(current_user, organisation)
    rows = declaration_service.declaration_rows(submission, organisation.id)
    stored = {qid: row.value for qid, row in rows.items()}
    form_class = section_form_class(questions)
    conflicts: dict[str, Conflict] = {}
    unresolved: set[str] = set()

    if request.method == "POST":
        if not may_declare:
            abort(403, description=f"Only people from {organisation.name} can make its declarations.")
        if not submission.editable:
            abort(409, description=NOT_EDITABLE)
        resolutions = conflict_resolutions(questions)
        form = form_class(formdata=formdata_keeping_theirs(questions, stored, resolutions))
        valid = form.validate_on_submit()
        unresolved = {question_id for question_id, choice in resolutions.items() if choice is None}
        for question_id in unresolved:
            conflicts[question_id] = conflict_with(
                rows.get(question_id), question_id, posted_values(questions, form).get(question_id)
            )
        if valid and not unresolved:
            outcome = _save_declarations(submission, questionnaire, organisation, questions, form, stored)
            score(submission)
            db.session.commit()
            conflicts = outcome.conflicts
            if not conflicts:
                flash(DECLARATIONS_SAVED.format(organisation=organisation.name))
                return redirect(_after_declarations_url(submission, questionnaire, organisation))
            rows = declaration_service.declaration_rows(submission, organisation.id)
            stored = {qid: row.value for qid, row in rows.items()}
            show_saved_state(questions, form, outcome, rows)
        visible = declaration_service.visible_declarations(questionnaire, {**stored, **posted_values(questions, form)})
    else:
        versions = {qid: row.version for qid, row in rows.items()}
        initial: dict = {}
        for domain in questionnaire.member_domains():
            initial.update(initial_form_data(domain, stored, versions))
        form = ShownSection(initial)
        visible = declaration_service.visible_declarations(questionnaire, stored)

    return render_template(
        "provider/declarations.html",
        submission=submission,
        organisation=organisation,
        member_domains=questionnaire.member_domains(),
        form=form,
        field_name=field_name,
        base_name=base_name,
        visible=visible,
        conflicts=conflicts,
        unresolved=unresolved,
        upload_errors={},
        removals=set(),
        evidence={},
        answers=rows,
        editable=may_declare and submission.editable,
        may_declare=may_declare,
    )


def _save_declarations(
    submission, questionnaire, organisation, questions: list[Question], form, stored: dict
) -> SectionOutcome:
    posted = posted_values(questions, form)
    # Explanations are kept only for adverse answers that still stand, as for joint show_if questions.
    visible = declaration_service.visible_declarations(questionnaire, {**stored, **posted})
    outcome = SectionOutcome()
    for question in questions:
        if question.id not in visible:
            continue
        version, digest = parse_base(form[base_name(question.id)].data)
        outcome.outcomes[question.id] = declaration_service.save_declaration(
            submission,
            organisation,
            question.id,
            posted.get(question.id),
            base_version=version,
            base_fingerprint=digest,
            user=current_user,
        )
    return outcome


def _after_declarations_url(submission, questionnaire, organisation) -> str:
    # An adverse answer opens its explanation box, which without JavaScript appears only now: come
    # back to the page until nothing is left to answer.
    rows = declaration_service.declaration_rows(submission, organisation.id)
    answers = {qid: row.value for qid, row in rows.items() if row.value is not None}
    left = declaration_service.missing_declarations(questionnaire, answers)
    if left:
        flash(
            f"{len(left)} {'question still needs' if len(left) == 1 else 'questions still need'} an answer "
            "before these declarations are complete."
        )
        return url_for(
            ".declarations",
            submission_id=submission.id,
            organisation_id=organisation.id,
            _anchor=field_name(left[0].id),
        )
    return url_for(".overview", submission_id=submission.id, _anchor="member-declarations")
