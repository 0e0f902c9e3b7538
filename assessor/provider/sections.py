"""A joint section's page: its answers and evidence, autosave of one answer, assigning it, downloading files."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from questionnaires.model import Domain, Question
from reports.rendering import format_answer
from scoring import visible_question_ids

from ..extensions import db
from ..forms import (
    ShownSection,
    base_name,
    canonical_value,
    field_name,
    field_values,
    initial_form_data,
    parse_base,
    section_form_class,
    version_marker,
)
from ..models import Evidence, User
from ..services import access, confirmations
from ..services.answers import Conflict, Saved, answer_rows, conflict_with, evidence_rows, save_answer
from ..services.assignments import assign_section, assignable_people, assignments_for, can_assign, section_assignee
from ..services.definitions import questionnaire_for
from ..services.errors import Refused
from ..services.scores import summary_out_of_date
from ..services.submissions import attach_evidence, remove_evidence, storage
from ..sqlite import read_only
from ..uploads import ALLOWED_DESCRIPTION, UploadRejected, check_upload, read_limited, size_label
from . import bp
from .answer_page import SectionOutcome, conflict_resolutions, formdata_keeping_theirs, posted_values, show_saved_state
from .common import NOT_EDITABLE, domain_or_404, max_upload, sections, submission_for
from .forms import NOBODY, assignment_form_class


@bp.route("/submissions/<int:submission_id>/sections/<domain_id>", methods=["GET", "POST"])
@read_only
def section(submission_id: int, domain_id: str):
    submission = submission_for(submission_id)
    questionnaire = questionnaire_for(submission.round)
    domain = domain_or_404(questionnaire, domain_id)
    rows = answer_rows(submission)
    stored = {qid: row.value for qid, row in rows.items()}
    form_class = section_form_class(domain.questions)
    conflicts: dict[str, Conflict] = {}
    unresolved: set[str] = set()
    upload_errors: dict[str, list[str]] = {}
    removals: set[int] = set()

    if request.method == "POST":
        if not submission.editable:
            abort(409, description=NOT_EDITABLE)
        resolutions = conflict_resolutions(domain.questions)
        form = form_class(formdata=formdata_keeping_theirs(domain.questions, stored, resolutions))
        valid = form.validate_on_submit()
        unresolved = {question_id for question_id, choice in resolutions.items() if choice is None}
        for question_id in unresolved:
            yours = posted_values(domain.questions, form).get(question_id)
            conflicts[question_id] = conflict_with(rows.get(question_id), question_id, yours)
        removals = _removals_requested()
        if valid and not unresolved:
            before = visible_question_ids(questionnaire, stored)
            outcome = _save_section(submission, questionnaire, domain, form, stored, removals)
            upload_errors = outcome.upload_errors
            conflicts = outcome.conflicts
            if not upload_errors:
                _settle_carried_forward(submission, questionnaire, domain, outcome)
            if outcome.changed:
                summary_out_of_date(submission)
            db.session.commit()
            if not conflicts and not upload_errors:
                flash(f"Your answers to ‘{domain.title}’ have been saved.")
                return redirect(_after_save_url(submission, questionnaire, domain, before))
            if not upload_errors:
                rows = answer_rows(submission)
                stored = {qid: row.value for qid, row in rows.items()}
                show_saved_state(domain.questions, form, outcome, rows)
        visible = visible_question_ids(questionnaire, {**stored, **posted_values(domain.questions, form)})
    else:
        versions = {qid: row.version for qid, row in rows.items()}
        form = ShownSection(initial_form_data(domain, stored, versions))
        visible = visible_question_ids(questionnaire, stored)

    return render_template(
        "provider/section.html",
        submission=submission,
        questionnaire=questionnaire,
        domain=domain,
        form=form,
        field_name=field_name,
        base_name=base_name,
        visible=visible,
        conflicts=conflicts,
        unresolved=unresolved,
        upload_errors=upload_errors,
        removals=removals,
        evidence=evidence_rows(submission) if any(q.type == "evidence" for q in domain.questions) else {},
        answers=rows,
        carried={
            item.question_id: item.from_round
            for item in confirmations.unconfirmed(submission, questionnaire, rows)
            if item.domain_id == domain.id
        },
        # A page shown again (an error or a conflict) keeps the boxes the person ticked.
        ticked=set(request.form.getlist("confirm")) if request.method == "POST" else set(),
        assignee=section_assignee(submission, domain.id),
        position=[d.id for d in sections(questionnaire)].index(domain.id) + 1,
        section_count=len(sections(questionnaire)),
        max_upload=max_upload(),
        max_upload_label=size_label(max_upload()),
        allowed_types=ALLOWED_DESCRIPTION,
    )


def _settle_carried_forward(submission, questionnaire, domain: Domain, outcome: SectionOutcome) -> None:
    """Changing a carried-forward answer settles it; so does ticking its box or confirming the whole page."""
    changed = {qid for qid, result in outcome.outcomes.items() if isinstance(result, Saved)}
    confirmations.confirm(submission, changed, current_user, how="changed")
    on_page = {
        item.question_id for item in confirmations.unconfirmed(submission, questionnaire) if item.domain_id == domain.id
    }
    wanted = on_page if request.form.get("action") == "confirm-all" else set(request.form.getlist("confirm"))
    # An answer in conflict is not settled yet: the person has still to choose which answer stands.
    confirmed = confirmations.confirm(
        submission, (wanted & on_page) - set(outcome.conflicts), current_user, how="confirmed"
    )
    if confirmed:
        flash(f"{len(confirmed)} carried-forward {'answer' if len(confirmed) == 1 else 'answers'} confirmed.")


def _removals_requested() -> set[int]:
    # Ids beyond the database's integer range cannot name a file; looking them up would be an error.
    return {int(raw) for raw in request.form.getlist("remove-evidence") if raw.isdecimal() and int(raw) < 2**31}


def _save_section(submission, questionnaire, domain: Domain, form, stored: dict, removals: set[int]) -> SectionOutcome:
    posted = posted_values(domain.questions, form)
    visible = visible_question_ids(questionnaire, {**stored, **posted})
    outcome = SectionOutcome()
    uploads = []
    for question in domain.questions:
        if question.type != "evidence" or question.id not in visible:
            continue
        for file in request.files.getlist(field_name(question.id)):
            if not file or not file.filename:
                continue
            try:
                data = read_limited(file.stream, max_upload())
                uploads.append((question.id, check_upload(file.filename, data, max_upload())))
            except UploadRejected as exc:
                outcome.upload_errors.setdefault(question.id, []).append(exc.message)
    if outcome.upload_errors:
        # Nothing is written when any file is refused: the page comes back exactly as the person
        # filled it in, so one bad file never costs them their typed answers.
        return outcome
    in_section = {q.id for q in domain.questions}
    for evidence_id in removals:
        evidence = db.session.get(Evidence, evidence_id)
        if (
            evidence is not None
            and evidence.submission_id == submission.id
            and evidence.removed_at is None
            and evidence.question_id in in_section
        ):
            remove_evidence(submission, evidence, current_user)
            outcome.files_changed = True
    for question in domain.questions:
        if question.type == "evidence" or question.id not in visible:
            continue
        version, digest = parse_base(form[base_name(question.id)].data)
        outcome.outcomes[question.id] = save_answer(
            submission,
            question.id,
            posted[question.id],
            base_version=version,
            base_fingerprint=digest,
            user=current_user,
        )
    for question_id, upload in uploads:
        attach_evidence(submission, question_id, upload, current_user)
        outcome.files_changed = True
    return outcome


def _after_save_url(submission, questionnaire, domain: Domain, visible_before: set[str]) -> str:
    if request.form.get("action") != "continue":
        return url_for(".section", submission_id=submission.id, domain_id=domain.id)
    # Without JavaScript a follow-up question appears only once its trigger is saved; moving on
    # would skip it unseen, so come back to it instead.
    stored = {qid: row.value for qid, row in answer_rows(submission).items()}
    visible_now = visible_question_ids(questionnaire, stored)
    opened = [
        q
        for q in domain.questions
        if q.id in visible_now
        and q.id not in visible_before
        and q.required
        and q.type != "evidence"
        and stored.get(q.id) is None
    ]
    if opened:
        flash("Your answer opened a further question in this section. Answer it before you move on.")
        return url_for(".section", submission_id=submission.id, domain_id=domain.id, _anchor=field_name(opened[0].id))
    ids = [d.id for d in sections(questionnaire)]
    position = ids.index(domain.id)
    if position + 1 < len(ids):
        return url_for(".section", submission_id=submission.id, domain_id=ids[position + 1])
    return url_for(".check", submission_id=submission.id)


@bp.route("/submissions/<int:submission_id>/sections/<domain_id>/assign", methods=["GET", "POST"])
def assign(submission_id: int, domain_id: str):
    submission = submission_for(submission_id)
    domain = domain_or_404(questionnaire_for(submission.round), domain_id)
    if not can_assign(current_user, submission):
        abort(403, description="Only a lead user of the lead organisation can assign sections.")
    if not submission.editable:
        abort(409, description=NOT_EDITABLE)
    people = assignable_people(submission)
    current = assignments_for(submission).get(domain.id)
    form = assignment_form_class(domain.title, people)(
        data={"assignee": str(current.user_id) if current else NOBODY} if request.method == "GET" else None
    )
    if form.validate_on_submit():
        chosen = None if form.assignee.data == NOBODY else db.session.get(User, int(form.assignee.data))
        try:
            changed = assign_section(submission, domain.id, chosen, current_user)
        except Refused as exc:
            db.session.rollback()
            form.assignee.errors.append(exc.message)
        else:
            db.session.commit()
            if changed:
                flash(
                    f"‘{domain.title}’ is now assigned to {chosen.name}."
                    if chosen
                    else f"‘{domain.title}’ is no longer assigned to anyone."
                )
            return redirect(url_for(".overview", submission_id=submission.id))
    return render_template("provider/assign.html", submission=submission, domain=domain, form=form, people=people)


@bp.route("/submissions/<int:submission_id>/answers/<question_id>", methods=["POST"])
def autosave(submission_id: int, question_id: str):
    """One changed field from the autosave script; answers JSON, never a page."""
    submission = submission_for(submission_id)
    if not submission.editable:
        return jsonify(error=NOT_EDITABLE), 409
    questionnaire = questionnaire_for(submission.round)
    question: Question | None = questionnaire.question(question_id)
    if question is None or question.type == "evidence" or questionnaire.is_per_member(question_id):
        abort(404)
    form = section_form_class([question])(formdata=MultiDict(request.form))
    if not form.validate():
        errors = form.errors.get(field_name(question_id)) or ["This answer could not be saved"]
        return jsonify(error=errors[0], csrf_token=generate_csrf()), 422
    value = canonical_value(question, form[field_name(question_id)].data)
    version, digest = parse_base(request.form.get(base_name(question_id)))
    outcome = save_answer(
        submission, question_id, value, base_version=version, base_fingerprint=digest, user=current_user
    )
    if isinstance(outcome, Saved):
        confirmations.confirm(submission, {question_id}, current_user, how="changed")
        # Only a change moves the scores; an unchanged or clashing answer leaves them as stored.
        summary_out_of_date(submission)
    db.session.commit()
    if isinstance(outcome, Conflict):
        return jsonify(
            error="A colleague changed this answer while you were editing.",
            by=outcome.by,
            at=outcome.at.isoformat(timespec="minutes") if outcome.at else None,
            theirs=outcome.theirs,
            yours=outcome.yours,
            theirs_text=format_answer(outcome.theirs, question),
            yours_text=format_answer(outcome.yours, question),
            theirs_field=field_values(question, outcome.theirs),
            base=version_marker(outcome.their_version, outcome.theirs),
            csrf_token=generate_csrf(),
        ), 409
    now_stored = value if isinstance(outcome, Saved) else outcome.stored
    return jsonify(
        saved=isinstance(outcome, Saved),
        version=outcome.version,
        base=version_marker(outcome.version, now_stored),
        csrf_token=generate_csrf(),
    )


@bp.route("/submissions/<int:submission_id>/evidence/<int:evidence_id>")
def download_evidence(submission_id: int, evidence_id: int):
    _, evidence = access.evidence_for(current_user, submission_id, evidence_id)
    response = send_file(
        storage().path(evidence.stored_name),
        mimetype=evidence.content_type,
        as_attachment=True,
        download_name=evidence.original_name,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
