"""Provider self-assessment: overview, section forms, autosave, evidence, check and submit, colleagues."""

from __future__ import annotations

from dataclasses import dataclass, field

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
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from questionnaires import Domain, Question
from reports.rendering import format_answer
from scoring import RECOMMENDATION_LABELS, visible_question_ids

from .extensions import db
from .forms import (
    NOBODY,
    InvitationForm,
    ShownSection,
    assignment_form_class,
    base_name,
    canonical_value,
    field_name,
    field_values,
    initial_form_data,
    parse_base,
    section_form_class,
    to_field_value,
)
from .models import Evidence, Invitation, User, utcnow
from .report_downloads import pdf_download
from .services import access, confirmations, standstill
from .services import declarations as declaration_service
from .services.answers import (
    Conflict,
    Saved,
    Unchanged,
    answer_rows,
    authors_by_domain,
    conflict_with,
    evidence_rows,
    fingerprint,
    last_changes,
    save_answer,
)
from .services.assignments import (
    assign_section,
    assignable_people,
    assignments_for,
    can_assign,
    section_assignee,
    sections_assigned_to,
)
from .services.definitions import questionnaire_for
from .services.errors import InvitationRefused, NotAllowed
from .services.invitations import (
    can_invite,
    create_invitation,
    pending_invitations,
    withdraw_invitation,
)
from .services.reporting import feedback_available, feedback_report_pdf
from .services.scores import missing_required, score, section_progress, summary_out_of_date
from .services.submissions import attach_evidence, change_history, remove_evidence, storage, submit
from .sqlite import read_only
from .uploads import ALLOWED_DESCRIPTION, UploadRejected, check_upload, read_limited, size_label

bp = Blueprint("provider", __name__, url_prefix="/provider")

HISTORY_PAGE_SIZE = 100
NOT_EDITABLE = "This submission has been sent and can no longer be changed."


@bp.before_request
@login_required
def _providers_only():
    # The single authorisation gate of this blueprint; object-level checks live in services.access.
    if not current_user.is_provider:
        abort(403)


@bp.errorhandler(413)
def _too_large(error):
    # The body was refused before it was read, so nothing on the page could be saved: say so, and
    # lead straight back to the section the person was on.
    args = request.view_args or {}
    back = None
    if "submission_id" in args and "domain_id" in args:
        back = url_for(".section", submission_id=args["submission_id"], domain_id=args["domain_id"])
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return render_template(
        "provider/too_large.html", back=back, per_file=size_label(_max_upload()), per_request=size_label(limit)
    ), 413


@bp.app_template_filter("filesize")
def _filesize(size: int) -> str:
    return size_label(size)


def _max_upload() -> int:
    return current_app.config["MAX_UPLOAD_BYTES"]


def _submission(submission_id: int):
    return access.submission_for(current_user, submission_id)


def sections(questionnaire) -> list[Domain]:
    """The sections the applicant answers jointly.

    A per-member domain (declarations each member organisation makes for itself) is stored per
    organisation, not as a joint answer, so it has no joint section page.
    """
    return questionnaire.joint_domains()


def _domain(questionnaire, domain_id: str) -> Domain:
    domain = next((d for d in sections(questionnaire) if d.id == domain_id), None)
    if domain is None:
        abort(404)
    return domain


def _marker(version: int, value) -> str:
    return f"{version}:{fingerprint(value)}"


@bp.route("/")
def home():
    submissions = db.session.scalars(access.visible_submissions(current_user)).all()
    assigned: dict[int, list[Domain]] = {}
    for assignment in sections_assigned_to(current_user):
        submission = next((s for s in submissions if s.id == assignment.submission_id), None)
        if submission is None:
            continue
        domain = next((d for d in sections(questionnaire_for(submission.round)) if d.id == assignment.domain_id), None)
        if domain is not None:
            assigned.setdefault(submission.id, []).append(domain)
    return render_template(
        "provider/home.html", submissions=submissions, assigned=assigned, can_invite=can_invite(current_user)
    )


@bp.route("/submissions/<int:submission_id>")
def overview(submission_id: int):
    return _overview_page(_submission(submission_id))


def _overview_page(
    submission,
    representation_problems: list[tuple[str, str]] | None = None,
    representation_text: str = "",
    status: int = 200,
):
    inputs, result = score(submission)
    db.session.commit()
    rows = answer_rows(submission)
    carried = confirmations.unconfirmed(submission, inputs.questionnaire, rows)
    publication = standstill.publication_for(submission)
    return render_template(
        "provider/overview.html",
        submission=submission,
        members=declaration_service.statuses(submission, inputs.questionnaire),
        carried=carried,
        carried_rounds=confirmations.carried_round_names(carried),
        publication=publication,
        outcome_labels=RECOMMENDATION_LABELS,
        representations=standstill.representations_for(publication) if publication else [],
        representation_outcomes=standstill.REVIEW_OUTCOMES,
        representation_open=publication is not None and standstill.window_open(publication),
        publication_status=standstill.status(publication) if publication else "",
        representation_problems=representation_problems or [],
        representation_text=representation_text,
        sections=sections(inputs.questionnaire),
        progress=section_progress(inputs.questionnaire, result),
        last_change=last_changes(inputs.questionnaire, rows, evidence_rows(submission)),
        authors=authors_by_domain(inputs.questionnaire, rows),
        assignments=assignments_for(submission),
        can_submit=access.can_submit(current_user, submission),
        can_assign=can_assign(current_user, submission) and submission.editable,
        can_invite=can_invite(current_user),
    ), status


@dataclass
class SectionOutcome:
    """What a full-page save did, for re-showing the page when it cannot simply move on."""

    outcomes: dict[str, Saved | Unchanged | Conflict] = field(default_factory=dict)
    upload_errors: dict[str, list[str]] = field(default_factory=dict)
    files_changed: bool = False

    @property
    def changed(self) -> bool:
        """Whether anything the scores depend on was written: an answer or an attached file."""
        return self.files_changed or any(isinstance(o, Saved) for o in self.outcomes.values())

    @property
    def conflicts(self) -> dict[str, Conflict]:
        return {qid: o for qid, o in self.outcomes.items() if isinstance(o, Conflict)}


@bp.route("/submissions/<int:submission_id>/sections/<domain_id>", methods=["GET", "POST"])
@read_only
def section(submission_id: int, domain_id: str):
    submission = _submission(submission_id)
    questionnaire = questionnaire_for(submission.round)
    domain = _domain(questionnaire, domain_id)
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
        resolutions = _conflict_resolutions(domain.questions)
        form = form_class(formdata=_formdata_keeping_theirs(domain.questions, stored, resolutions))
        valid = form.validate_on_submit()
        unresolved = {question_id for question_id, choice in resolutions.items() if choice is None}
        for question_id in unresolved:
            yours = _posted_values(domain.questions, form).get(question_id)
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
                _show_saved_state(domain.questions, form, outcome, rows)
        visible = visible_question_ids(questionnaire, {**stored, **_posted_values(domain.questions, form)})
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
        max_upload=_max_upload(),
        max_upload_label=size_label(_max_upload()),
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


def _conflict_resolutions(questions: list[Question]) -> dict[str, str | None]:
    """For each conflict shown on the page just sent: 'theirs', 'mine', or None when no choice was made."""
    in_section = {q.id for q in questions if q.type != "evidence"}
    shown = [qid for qid in request.form.getlist("conflict") if qid in in_section]
    return {
        qid: request.form.get("resolve-" + qid) if request.form.get("resolve-" + qid) in ("theirs", "mine") else None
        for qid in shown
    }


def _formdata_keeping_theirs(questions: list[Question], stored: dict, resolutions: dict[str, str | None]):
    """The posted form, with the colleague's answer in place wherever the person chose to keep it."""
    posted = MultiDict(request.form)
    by_id = {q.id: q for q in questions}
    for question_id, choice in resolutions.items():
        if choice == "theirs":
            posted.setlist(field_name(question_id), field_values(by_id[question_id], stored.get(question_id)))
    return CombinedMultiDict([request.files, posted])


def _removals_requested() -> set[int]:
    # Ids beyond the database's integer range cannot name a file; looking them up would be an error.
    return {int(raw) for raw in request.form.getlist("remove-evidence") if raw.isdecimal() and int(raw) < 2**31}


def _posted_values(questions: list[Question], form) -> dict:
    values = {}
    for question in questions:
        if question.type == "evidence":
            continue
        form_field = form[field_name(question.id)]
        if not form_field.errors:
            values[question.id] = canonical_value(question, form_field.data)
    return values


def _save_section(submission, questionnaire, domain: Domain, form, stored: dict, removals: set[int]) -> SectionOutcome:
    posted = _posted_values(domain.questions, form)
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
                data = read_limited(file.stream, _max_upload())
                uploads.append((question.id, check_upload(file.filename, data, _max_upload())))
            except UploadRejected as exc:
                outcome.upload_errors.setdefault(question.id, []).append(str(exc))
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


def _show_saved_state(questions: list[Question], form, outcome: SectionOutcome, rows: dict) -> None:
    """After a save that met a conflict, make the re-shown page agree with what is now stored.

    Saved answers get their new version, untouched ones show the colleague's current answer, and a
    conflicting answer keeps the person's own text with the colleague's version as its base, so
    saving again is a deliberate choice.
    """
    by_id = {q.id: q for q in questions}
    for question_id, result in outcome.outcomes.items():
        marker = form[base_name(question_id)]
        if isinstance(result, Saved):
            marker.data = _marker(result.version, rows[question_id].value)
        elif isinstance(result, Unchanged):
            row = rows.get(question_id)
            marker.data = _marker(row.version if row else 0, row.value if row else None)
            form[field_name(question_id)].data = to_field_value(by_id[question_id], row.value if row else None)
        else:
            marker.data = _marker(result.their_version, result.theirs)


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
    submission = _submission(submission_id)
    domain = _domain(questionnaire_for(submission.round), domain_id)
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
        except NotAllowed as exc:
            db.session.rollback()
            form.assignee.errors.append(str(exc))
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
    submission = _submission(submission_id)
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
            base=_marker(outcome.their_version, outcome.theirs),
            csrf_token=generate_csrf(),
        ), 409
    now_stored = value if isinstance(outcome, Saved) else outcome.stored
    return jsonify(
        saved=isinstance(outcome, Saved),
        version=outcome.version,
        base=_marker(outcome.version, now_stored),
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


@bp.route("/submissions/<int:submission_id>/check", methods=["GET"])
def check(submission_id: int):
    submission = _submission(submission_id)
    inputs, result = score(submission)
    db.session.commit()
    return render_template(
        "provider/check.html",
        submission=submission,
        sections=sections(inputs.questionnaire),
        missing=missing_required(inputs.questionnaire, result),
        members_waiting=declaration_service.incomplete(submission, inputs.questionnaire),
        unconfirmed=confirmations.unconfirmed(submission, inputs.questionnaire),
        visible=visible_question_ids(inputs.questionnaire, inputs.answers),
        answers=answer_rows(submission),
        evidence=evidence_rows(submission),
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
    page = max(request.args.get("page", 1, type=int), 1)
    entries, total = change_history(submission, page, HISTORY_PAGE_SIZE)
    pages = max((total + HISTORY_PAGE_SIZE - 1) // HISTORY_PAGE_SIZE, 1)
    return render_template(
        "provider/history.html", submission=submission, entries=entries, page=page, pages=pages, total=total
    )


@bp.route("/submissions/<int:submission_id>/print")
def printable(submission_id: int):
    submission = _submission(submission_id)
    inputs, _ = score(submission)
    db.session.commit()
    return render_template(
        "provider/print.html",
        submission=submission,
        sections=sections(inputs.questionnaire),
        visible=visible_question_ids(inputs.questionnaire, inputs.answers),
        answers=answer_rows(submission),
        evidence=evidence_rows(submission),
        assignments=assignments_for(submission),
        now=utcnow(),
        declarations=_printable_declarations(submission, inputs.questionnaire),
        declaration_questions=declaration_service.declaration_questions(inputs.questionnaire),
    )


def _printable_declarations(submission, questionnaire) -> list[tuple]:
    """(organisation, its declaration rows, the questions it was asked) for every member."""
    printed = []
    for organisation in declaration_service.members_of(submission):
        rows = declaration_service.declaration_rows(submission, organisation.id)
        answers = {qid: row.value for qid, row in rows.items() if row.value is not None}
        printed.append((organisation, rows, declaration_service.visible_declarations(questionnaire, answers)))
    return printed


def _lead_only() -> None:
    if not can_invite(current_user):
        abort(403, description="Only a provider lead can manage colleagues.")


def _colleagues_page(form: InvitationForm):
    people = db.session.scalars(
        db.select(User).filter_by(organisation_id=current_user.organisation_id).order_by(User.name)
    ).all()
    return render_template(
        "provider/colleagues.html",
        form=form,
        people=people,
        pending=pending_invitations(current_user.organisation_id),
        withdraw_form=FlaskForm(),
    )


@bp.route("/colleagues")
def colleagues():
    _lead_only()
    return _colleagues_page(InvitationForm(formdata=None))


@bp.route("/colleagues/invite", methods=["POST"])
def invite():
    _lead_only()
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            invitation, token = create_invitation(current_user, form.email.data, form.role.data)
        except InvitationRefused as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            link = url_for("auth.accept_invitation", token=token, _external=True)
            response = current_app.make_response(
                render_template("provider/invitation_created.html", invitation=invitation, link=link)
            )
            # The page holds a working link: keep it out of every cache and history snapshot.
            response.headers["Cache-Control"] = "no-store"
            return response
    return _colleagues_page(form)


@bp.route("/colleagues/invitations/<int(max=2147483647):invitation_id>/withdraw", methods=["POST"])
def withdraw(invitation_id: int):
    _lead_only()
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != current_user.organisation_id:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        withdraw_invitation(current_user, invitation)
    except InvitationRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"The invitation to {invitation.email} has been withdrawn; its link no longer works.")
    return redirect(url_for(".colleagues"))


@bp.route("/submissions/<int:submission_id>/feedback.pdf")
def feedback_report(submission_id: int):
    submission = _submission(submission_id)
    if not feedback_available(submission):
        abort(
            409,
            description="Feedback is published once the panel has decided on your submission or the round has closed.",
        )
    return pdf_download(
        lambda: feedback_report_pdf(submission, current_user), f"feedback-{submission.id}.pdf", "feedback report"
    )


# --------------------------------------------------------------------------------------------------
# Clarification questions from the commissioners (appended as a self-contained block).

from .services import clarifications as clarification_service  # noqa: E402


@bp.route("/submissions/<int:submission_id>/clarifications", methods=["GET", "POST"])
def clarifications(submission_id: int):
    submission = _submission(submission_id)
    problems: list[tuple[str, str]] = []
    drafts: dict[int, str] = {}
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        raw_id = request.form.get("clarification_id", "")
        text = request.form.get("reply", "")
        if not raw_id.isdigit():
            problems.append(("clarifications", "Choose the question you are replying to"))
        else:
            clarification_id = int(raw_id)
            try:
                clarification_service.reply(submission, clarification_id, text, current_user)
            except NotAllowed as exc:
                db.session.rollback()
                drafts[clarification_id] = text
                problems.append((f"reply-{clarification_id}", str(exc)))
            else:
                db.session.commit()
                flash("Your reply has been sent to the commissioners.")
                return redirect(url_for(".clarifications", submission_id=submission.id))
    questionnaire = questionnaire_for(submission.round)
    return render_template(
        "provider/clarifications.html",
        submission=submission,
        questionnaire=questionnaire,
        clarifications=clarification_service.for_submission(submission),
        problems=problems,
        drafts=drafts,
        form=FlaskForm(formdata=None),
    )


# --------------------------------------------------------------------------------------------------
# Each member organisation's own declarations.

DECLARATIONS_SAVED = "{organisation}'s declarations have been saved."


@bp.route(
    "/submissions/<int:submission_id>/declarations/<int(max=2147483647):organisation_id>", methods=["GET", "POST"]
)
def declarations(submission_id: int, organisation_id: int):
    submission = _submission(submission_id)
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
        resolutions = _conflict_resolutions(questions)
        form = form_class(formdata=_formdata_keeping_theirs(questions, stored, resolutions))
        valid = form.validate_on_submit()
        unresolved = {question_id for question_id, choice in resolutions.items() if choice is None}
        for question_id in unresolved:
            conflicts[question_id] = conflict_with(
                rows.get(question_id), question_id, _posted_values(questions, form).get(question_id)
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
            _show_saved_state(questions, form, outcome, rows)
        visible = declaration_service.visible_declarations(questionnaire, {**stored, **_posted_values(questions, form)})
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
    posted = _posted_values(questions, form)
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


# --------------------------------------------------------------------------------------------------
# Representations on a published decision, during the standstill period.


@bp.route("/submissions/<int:submission_id>/representations", methods=["POST"])
def make_representation(submission_id: int):
    submission = _submission(submission_id)
    if not access.can_submit(current_user, submission):
        abort(403, description="Only a lead user of the lead organisation can make representations.")
    publication = standstill.publication_for(submission)
    if publication is None:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    text = request.form.get("representation", "")
    try:
        standstill.submit_representation(publication, current_user, text)
    except NotAllowed as exc:
        db.session.rollback()
        if not standstill.window_open(publication):
            flash(str(exc), "error")
            return redirect(url_for(".overview", submission_id=submission.id, _anchor="decision"))
        return _overview_page(submission, [("representation", str(exc))], text, status=400)
    db.session.commit()
    flash("Your representation has been sent to the commissioners. You will see their review here.")
    return redirect(url_for(".overview", submission_id=submission.id, _anchor="decision"))
