"""A joint domain's page (answers and evidence files), autosave of one answer, assigning a domain, downloads."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from questionnaires import Domain, Question, Questionnaire
from reports.rendering import format_answer
from scoring import visible_question_ids

from ..extensions import db
from ..forms import base_name, canonical_value, domain_form_class, field_name, field_values, parse_base, version_marker
from ..ids import parse_id
from ..models import Evidence, Submission, User
from ..report_downloads import evidence_download
from ..services import access, confirmations
from ..services.answers import (
    Conflict,
    Saved,
    StoredAnswer,
    answer_rows,
    answered_by_provider,
    evidence_rows,
    save_answer,
)
from ..services.assignments import assign_domain, assignable_people, assignments_for, can_assign, domain_assignee
from ..services.definitions import questionnaire_for
from ..services.errors import Refused
from ..services.scores import summary_out_of_date
from ..services.submissions import (
    StorageFull,
    attach_evidence,
    check_storage_room,
    remove_evidence,
    storage_room,
)
from ..sqlite import read_only
from ..uploads import ALLOWED_DESCRIPTION, CheckedUpload, UploadRejected, check_upload, read_limited, size_label
from . import bp
from .answer_page import AnswerOutcome, AnswerPage, PageOutcome
from .common import NOT_EDITABLE, domain_or_404, domains, max_upload, submission_for
from .forms import NOBODY, assignment_form_class


class DomainPage(AnswerPage):
    """A joint domain: its answers, and the evidence files attached to or removed from it on the same page.

    Questions the provider does not answer (the round's contract parameters, the applicant type) are
    shown on the page, read-only, but are not part of its form: nothing posted can change them."""

    def __init__(self, submission: Submission, questionnaire: Questionnaire, domain: Domain):
        self.submission = submission
        self.questionnaire = questionnaire
        self.domain = domain
        self.visible_before: set[str] = set()
        super().__init__([q for q in domain.questions if answered_by_provider(q)])

    rows: dict[str, StoredAnswer]

    def load_rows(self) -> dict[str, StoredAnswer]:
        return answer_rows(self.submission)

    def visible(self, answers: dict[str, Any]) -> set[str]:
        return visible_question_ids(self.questionnaire, answers)

    def save_answer(
        self, question_id: str, value: Any, base_version: int, base_fingerprint: str | None
    ) -> AnswerOutcome:
        return save_answer(
            self.submission,
            question_id,
            value,
            base_version=base_version,
            base_fingerprint=base_fingerprint,
            user=current_user,
        )

    @property
    def removals(self) -> set[int]:
        """The attached files the person ticked to remove."""
        # An id the database cannot hold names no file; looking it up would be an error.
        return {number for raw in self.form_data.getlist("remove-evidence") if (number := parse_id(raw)) is not None}

    @property
    def ticked(self) -> set[str]:
        """The carried-forward answers the person ticked as confirmed."""
        return set(self.form_data.getlist("confirm"))

    def write(self) -> PageOutcome:
        self.visible_before = self.visible(self.stored)
        visible = self.visible(self.answers_as_posted())
        outcome = PageOutcome()
        uploads = self._checked_uploads(visible, outcome)
        if not outcome.upload_errors:
            self._check_storage_room(uploads, outcome)
        if outcome.upload_errors:
            # Nothing is written when any file is refused: the page comes back exactly as the person
            # filled it in, so one bad file never costs them their typed answers.
            return outcome
        self._remove_ticked_files(outcome)
        self.save_answers(outcome, visible)
        for question_id, upload in uploads:
            try:
                attach_evidence(self.submission, question_id, upload, current_user)
            except StorageFull as exc:
                # A colleague's upload took the last of the room since the check above: undo this
                # save as a whole, as if the check had refused it.
                db.session.rollback()
                refused = PageOutcome()
                refused.upload_errors[question_id] = [exc.message]
                return refused
            outcome.files_changed = True
        self._settle_carried_forward(outcome)
        if outcome.changed:
            summary_out_of_date(self.submission)
        return outcome

    def _checked_uploads(self, visible: set[str], outcome: PageOutcome) -> list[tuple[str, CheckedUpload]]:
        """Every file posted for an evidence question that shows, read and checked; refusals go in ``outcome``."""
        uploads = []
        for question in self.domain.questions:
            if question.type != "evidence" or question.id not in visible:
                continue
            for file in self.files.getlist(field_name(question.id)):
                if not file or not file.filename:
                    continue
                try:
                    data = read_limited(file.stream, max_upload())
                    uploads.append((question.id, check_upload(file.filename, data, max_upload())))
                except UploadRejected as exc:
                    outcome.upload_errors.setdefault(question.id, []).append(exc.message)
        return uploads

    def _check_storage_room(self, uploads: list[tuple[str, CheckedUpload]], outcome: PageOutcome) -> None:
        try:
            check_storage_room(self.submission, [upload for _, upload in uploads])
        except StorageFull as exc:
            question_id = next(qid for qid, upload in uploads if upload is exc.upload)
            outcome.upload_errors.setdefault(question_id, []).append(exc.message)

    def _remove_ticked_files(self, outcome: PageOutcome) -> None:
        # A forged id must not reach another submission's or another domain's file.
        in_domain = {q.id for q in self.domain.questions}
        for evidence_id in self.removals:
            evidence = db.session.get(Evidence, evidence_id)
            if (
                evidence is not None
                and evidence.submission_id == self.submission.id
                and evidence.removed_at is None
                and evidence.question_id in in_domain
            ):
                remove_evidence(self.submission, evidence, current_user)
                outcome.files_changed = True

    def _settle_carried_forward(self, outcome: PageOutcome) -> None:
        """Changing a carried-forward answer settles it; so does ticking its box or confirming the whole page."""
        submission = self.submission
        changed = {qid for qid, result in outcome.outcomes.items() if isinstance(result, Saved)}
        confirmations.confirm(submission, changed, current_user, how="changed")
        on_page = {
            item.question_id
            for item in confirmations.unconfirmed(submission, self.questionnaire)
            if item.domain_id == self.domain.id
        }
        wanted = on_page if self.form_data.get("action") == "confirm-all" else self.ticked
        # An answer in conflict is not settled yet: the person has still to choose which answer stands.
        confirmed = confirmations.confirm(
            submission, (wanted & on_page) - set(outcome.conflicts), current_user, how="confirmed"
        )
        if confirmed:
            flash(f"{len(confirmed)} carried-forward {'answer' if len(confirmed) == 1 else 'answers'} confirmed.")

    def next_url(self) -> str:
        """Where a saved page leads: the same domain, the next one, the check page, or a question just opened."""
        submission, domain = self.submission, self.domain
        if self.form_data.get("action") != "continue":
            return url_for(".domain", submission_id=submission.id, domain_id=domain.id)
        # Without JavaScript a follow-up question appears only once its trigger is saved; moving on
        # would skip it unseen, so come back to it instead.
        stored = {qid: row.value for qid, row in answer_rows(submission).items()}
        visible_now = self.visible(stored)
        opened = [
            q
            for q in domain.questions
            if q.id in visible_now
            and q.id not in self.visible_before
            and answered_by_provider(q)
            and q.required
            and q.type != "evidence"
            and stored.get(q.id) is None
        ]
        if opened:
            flash("Your answer opened a further question in this domain. Answer it before you move on.")
            return url_for(
                ".domain", submission_id=submission.id, domain_id=domain.id, _anchor=field_name(opened[0].id)
            )
        ids = [d.id for d in domains(self.questionnaire)]
        position = ids.index(domain.id)
        if position + 1 < len(ids):
            return url_for(".domain", submission_id=submission.id, domain_id=ids[position + 1])
        return url_for(".check", submission_id=submission.id)


# The URL paths still say "sections", the pages' old name, so bookmarks and links keep working.
@bp.route("/submissions/<int:submission_id>/sections/<domain_id>", methods=["GET", "POST"])
@read_only
def domain(submission_id: int, domain_id: str) -> Response | str:
    submission = submission_for(submission_id)
    questionnaire = questionnaire_for(submission.round)
    domain = domain_or_404(questionnaire, domain_id)
    page = DomainPage(submission, questionnaire, domain)
    if request.method == "POST":
        if not submission.editable:
            abort(409, description=NOT_EDITABLE)
        if page.handle_post(request.form, request.files):
            flash(f"Your answers to ‘{domain.title}’ have been saved.")
            return redirect(page.next_url())
    rows = page.rows
    return render_template(
        "provider/domain.html",
        **page.context(),
        submission=submission,
        questionnaire=questionnaire,
        domain=domain,
        removals=page.removals,
        evidence=evidence_rows(submission) if any(q.type == "evidence" for q in domain.questions) else {},
        carried={
            item.question_id: item.from_round
            for item in confirmations.unconfirmed(submission, questionnaire, rows)
            if item.domain_id == domain.id
        },
        # A page shown again (an error or a conflict) keeps the boxes the person ticked.
        ticked=page.ticked,
        assignee=domain_assignee(submission, domain.id),
        position=[d.id for d in domains(questionnaire)].index(domain.id) + 1,
        domain_count=len(domains(questionnaire)),
        max_upload=max_upload(),
        max_upload_label=size_label(max_upload()),
        allowed_types=ALLOWED_DESCRIPTION,
        storage_room=storage_room(submission),
    )


@bp.route("/submissions/<int:submission_id>/sections/<domain_id>/assign", methods=["GET", "POST"])
def assign(submission_id: int, domain_id: str) -> Response | str:
    submission = submission_for(submission_id)
    domain = domain_or_404(questionnaire_for(submission.round), domain_id)
    if not can_assign(current_user, submission):
        abort(403, description="Only a lead user of the lead organisation can assign domains.")
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
            changed = assign_domain(submission, domain.id, chosen, current_user)
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
def autosave(submission_id: int, question_id: str) -> Response | tuple[Response, int]:
    """One changed field from the autosave script; answers JSON, never a page."""
    submission = submission_for(submission_id)
    if not submission.editable:
        return jsonify(error=NOT_EDITABLE), 409
    questionnaire = questionnaire_for(submission.round)
    question: Question | None = questionnaire.question(question_id)
    if (
        question is None
        or question.type == "evidence"
        or questionnaire.is_per_member(question_id)
        or not answered_by_provider(question)
    ):
        abort(404)
    form = domain_form_class([question])(formdata=MultiDict(request.form))
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
def download_evidence(submission_id: int, evidence_id: int) -> Response:
    _, evidence = access.evidence_for(current_user, submission_id, evidence_id)
    response = evidence_download(evidence)
    response.headers["Cache-Control"] = "private, no-store"
    return response
