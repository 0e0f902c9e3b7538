"""Provider self-assessment: overview, section forms, autosave, evidence, check and submit."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from questionnaires.model import Domain, Question
from scoring import visible_question_ids

from .extensions import db
from .forms import (
    base_name,
    canonical_value,
    field_name,
    initial_form_data,
    parse_base,
    section_form_class,
)
from .models import utcnow
from .services import access
from .services.answers import Conflict, Saved, answer_rows, evidence_rows, save_answer
from .services.audit import history
from .services.definitions import questionnaire_for
from .services.scores import missing_required, score, section_progress
from .services.submissions import NotAllowed, attach_evidence, remove_evidence, storage, submit
from .uploads import UploadRejected, check_upload

bp = Blueprint("provider", __name__, url_prefix="/provider")


@bp.before_request
@login_required
def _providers_only():
    # The single authorisation gate of this blueprint; object-level checks live in services.access.
    if not current_user.is_provider:
        abort(403)


def _submission(submission_id: int):
    return access.submission_for(current_user, submission_id)


def _editable_submission(submission_id: int):
    submission = _submission(submission_id)
    if not submission.editable:
        abort(409, description="This submission can no longer be changed.")
    return submission


def _domain(questionnaire, domain_id: str) -> Domain:
    domain = next((d for d in questionnaire.domains if d.id == domain_id), None)
    if domain is None:
        abort(404)
    return domain


@bp.route("/")
def home():
    submissions = db.session.scalars(access.visible_submissions(current_user)).all()
    return render_template("provider/home.html", submissions=submissions)


@bp.route("/submissions/<int:submission_id>")
def overview(submission_id: int):
    submission = _submission(submission_id)
    inputs, result = score(submission)
    db.session.commit()
    rows = answer_rows(submission)
    last_change = {}
    for domain in inputs.questionnaire.domains:
        changes = [rows[q.id] for q in domain.questions if q.id in rows]
        last_change[domain.id] = max(changes, key=lambda r: r.updated_at, default=None)
    return render_template(
        "provider/overview.html",
        submission=submission,
        questionnaire=inputs.questionnaire,
        progress=section_progress(inputs.questionnaire, result),
        last_change=last_change,
        can_submit=access.can_submit(current_user, submission),
    )


def _visible_ids(questionnaire, answers) -> set[str]:
    return visible_question_ids(questionnaire, answers)


@bp.route("/submissions/<int:submission_id>/sections/<domain_id>", methods=["GET", "POST"])
def section(submission_id: int, domain_id: str):
    submission = _submission(submission_id)
    questionnaire = questionnaire_for(submission.round)
    domain = _domain(questionnaire, domain_id)
    rows = answer_rows(submission)
    stored = {qid: row.value for qid, row in rows.items()}
    versions = {qid: row.version for qid, row in rows.items()}
    form_class = section_form_class(domain.questions)
    conflicts: dict[str, Conflict] = {}
    upload_errors: dict[str, str] = {}

    if request.method == "POST":
        if not submission.editable:
            abort(409, description="This submission can no longer be changed.")
        form = form_class()
        if form.validate_on_submit():
            conflicts, upload_errors = _save_section(submission, questionnaire, domain, form, stored)
            if not conflicts and not upload_errors:
                score(submission)
                db.session.commit()
                flash(f"Your answers to ‘{domain.title}’ have been saved.")
                if request.form.get("action") == "continue":
                    return redirect(_next_section_url(submission, questionnaire, domain))
                return redirect(url_for(".section", submission_id=submission.id, domain_id=domain.id))
            score(submission)
            db.session.commit()
            # Re-render the user's own input; the markers now point at the colleague's version so
            # saving again is a deliberate choice to replace it.
            for conflict in conflicts.values():
                form[base_name(conflict.question_id)].data = _marker(conflict.their_version, conflict.theirs)
        visible = _visible_ids(questionnaire, {**stored, **_posted_values(domain, form)})
    else:
        form = form_class(formdata=None, data=initial_form_data(domain, stored, versions))
        visible = _visible_ids(questionnaire, stored)

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
        upload_errors=upload_errors,
        evidence=evidence_rows(submission),
        answers=rows,
        max_upload_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
    )


def _marker(version: int, value) -> str:
    from .services.answers import fingerprint

    return f"{version}:{fingerprint(value)}"


def _posted_values(domain: Domain, form) -> dict:
    values = {}
    for question in domain.questions:
        if question.type == "evidence":
            continue
        field = form[field_name(question.id)]
        if not field.errors:
            values[question.id] = canonical_value(question, field.data)
    return values


def _save_section(submission, questionnaire, domain: Domain, form, stored: dict):
    posted = _posted_values(domain, form)
    visible = _visible_ids(questionnaire, {**stored, **posted})
    conflicts: dict[str, Conflict] = {}
    upload_errors: dict[str, str] = {}
    uploads = []
    for question in domain.questions:
        if question.type != "evidence" or question.id not in visible:
            continue
        for file in request.files.getlist(field_name(question.id)):
            if not file or not file.filename:
                continue
            try:
                uploads.append((question.id, check_upload(file.filename, file.read(),
                                                         current_app.config["MAX_UPLOAD_BYTES"])))
            except UploadRejected as exc:
                upload_errors[question.id] = str(exc)
    if upload_errors:
        # Nothing is written when any file is refused, so the page can be re-sent as it stands.
        return conflicts, upload_errors
    for question in domain.questions:
        if question.type == "evidence" or question.id not in visible:
            continue
        version, digest = parse_base(form[base_name(question.id)].data)
        outcome = save_answer(submission, question.id, posted[question.id], base_version=version,
                              base_fingerprint=digest, user=current_user)
        if isinstance(outcome, Conflict):
            conflicts[question.id] = outcome
    for question_id, upload in uploads:
        attach_evidence(submission, question_id, upload, current_user)
    return conflicts, upload_errors


def _next_section_url(submission, questionnaire, domain: Domain) -> str:
    ids = [d.id for d in questionnaire.domains]
    position = ids.index(domain.id)
    if position + 1 < len(ids):
        return url_for(".section", submission_id=submission.id, domain_id=ids[position + 1])
    return url_for(".check", submission_id=submission.id)


@bp.route("/submissions/<int:submission_id>/answers/<question_id>", methods=["POST"])
def autosave(submission_id: int, question_id: str):
    """One changed field from the autosave script; answers JSON, never a page."""
    submission = _submission(submission_id)
    if not submission.editable:
        return jsonify(error="This submission can no longer be changed."), 409
    questionnaire = questionnaire_for(submission.round)
    question: Question | None = questionnaire.question(question_id)
    if question is None or question.type == "evidence":
        abort(404)
    form_class = section_form_class([question])
    payload = MultiDict(request.form)
    form = form_class(formdata=payload)
    if not form.validate():
        errors = form.errors.get(field_name(question_id)) or ["This answer could not be saved"]
        return jsonify(error=errors[0], csrf_token=generate_csrf()), 422
    value = canonical_value(question, form[field_name(question_id)].data)
    version, digest = parse_base(request.form.get(base_name(question_id)))
    outcome = save_answer(submission, question_id, value, base_version=version, base_fingerprint=digest,
                          user=current_user)
    score(submission)
    db.session.commit()
    if isinstance(outcome, Conflict):
        return jsonify(
            error="A colleague changed this answer while you were editing.",
            theirs=outcome.theirs, yours=outcome.yours, by=outcome.by,
            at=outcome.at.strftime("%H:%M") if outcome.at else None,
            base=_marker(outcome.their_version, outcome.theirs), csrf_token=generate_csrf(),
        ), 409
    return jsonify(
        saved=isinstance(outcome, Saved), version=outcome.version, base=_marker(outcome.version, value),
        saved_at=utcnow().strftime("%H:%M"), csrf_token=generate_csrf(),
    )


@bp.route("/submissions/<int:submission_id>/evidence/<int:evidence_id>")
def download_evidence(submission_id: int, evidence_id: int):
    _, evidence = access.evidence_for(current_user, submission_id, evidence_id)
    return send_file(storage().path(evidence.stored_name), mimetype=evidence.content_type,
                     as_attachment=True, download_name=evidence.original_name)


@bp.route("/submissions/<int:submission_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
def remove_evidence_file(submission_id: int, evidence_id: int):
    submission, evidence = access.evidence_for(current_user, submission_id, evidence_id)
    if not submission.editable:
        abort(409, description="This submission can no longer be changed.")
    if not FlaskForm().validate_on_submit():
        abort(400)
    remove_evidence(submission, evidence, current_user)
    score(submission)
    db.session.commit()
    flash(f"‘{evidence.original_name}’ has been removed.")
    domain = questionnaire_for(submission.round).domain_of(evidence.question_id)
    return redirect(url_for(".section", submission_id=submission.id, domain_id=domain.id))


@bp.route("/submissions/<int:submission_id>/check", methods=["GET"])
def check(submission_id: int):
    submission = _submission(submission_id)
    inputs, result = score(submission)
    db.session.commit()
    return render_template(
        "provider/check.html",
        submission=submission,
        questionnaire=inputs.questionnaire,
        missing=missing_required(inputs.questionnaire, result),
        can_submit=access.can_submit(current_user, submission),
        form=FlaskForm(),
    )


@bp.route("/submissions/<int:submission_id>/submit", methods=["POST"])
def submit_submission(submission_id: int):
    submission = _submission(submission_id)
    if not access.can_submit(current_user, submission):
        abort(403, description="Only a lead user of the lead organisation can submit.")
    try:
        submit(submission, current_user)
    except NotAllowed as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".check", submission_id=submission.id))
    db.session.commit()
    flash("Your submission has been sent to the commissioners.")
    return redirect(url_for(".overview", submission_id=submission.id))


@bp.route("/submissions/<int:submission_id>/history")
def submission_history(submission_id: int):
    submission = _submission(submission_id)
    return render_template("provider/history.html", submission=submission, events=history(submission.id))


@bp.route("/submissions/<int:submission_id>/print")
def printable(submission_id: int):
    submission = _submission(submission_id)
    inputs, _ = score(submission)
    db.session.commit()
    return render_template(
        "provider/print.html", submission=submission, questionnaire=inputs.questionnaire,
        answers=answer_rows(submission), evidence=evidence_rows(submission),
    )
