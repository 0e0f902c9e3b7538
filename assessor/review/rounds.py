"""Rounds and their administration: the list of rounds, a new round or checkpoint, a round's settings and
contract parameters, its applicants, inviting a provider's first people and starting a checkpoint's drafts."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; the stubs predate it

from scoring import visible_question_ids

from ..extensions import db, limiter
from ..forms import choice_list, field_name, filled
from ..models import ORGANISATION_KINDS, Applicant, Definition, Organisation, Round, Submission
from ..provider.answer_page import AnswerOutcome, AnswerPage
from ..ratelimits import check_limits, invitation_rate, per_user_key
from ..refusals import carry_out_and_say, refused_summary
from ..services import checkpoints, round_answers
from ..services.answers import StoredAnswer
from ..services.definitions import questionnaire_for
from ..services.errors import Refused
from ..services.invitations import create_invitation, invitation_link
from ..services.rounds import add_applicant, create_round, update_round
from . import COMMISSIONERS, allow, bp
from .common import form_problems, round_or_404
from .forms import ApplicantForm, ProviderInvitationForm, RoundForm, RoundSettingsForm


@bp.route("/")
@allow(*COMMISSIONERS)
def home() -> ResponseReturnValue:
    rounds = db.session.scalars(db.select(Round).order_by(Round.id)).all()
    return render_template("review/home.html", rounds=rounds)


def _settings_data(round_: Round) -> dict[str, Any]:
    return {
        "deadline": round_.deadline,
        "status": round_.status,
        "standstill_days": round_.standstill_days,
        "further_period_days": round_.further_period_days,
        "verification_scope": round_.verification_scope,
    }


def _definition_choices(kind: str) -> list[SelectChoice]:
    rows = db.session.scalars(db.select(Definition).filter_by(kind=kind).order_by(Definition.key, Definition.id))
    return choice_list((d.id, f"{d.title} – {d.key} version {d.version} (sha256 {d.content_hash[:12]})") for d in rows)


def _applicant_form() -> ApplicantForm:
    form = ApplicantForm()
    form.lead_kind.choices = choice_list((k, v) for k, v in ORGANISATION_KINDS.items() if k != "commissioner")
    return form


def _new_round_form() -> RoundForm:
    form = RoundForm()
    form.questionnaire_id.choices = _definition_choices("questionnaire")
    form.framework_id.choices = _definition_choices("framework")
    form.previous_round_id.choices = choice_list(
        [(0, "No: a new round")] + [(r.id, r.name) for r in db.session.scalars(db.select(Round).order_by(Round.id))]
    )
    return form


def _create_round(form: RoundForm) -> Round:
    """A new round, or a checkpoint that carries the earlier round's applicants and answers forward."""
    if form.previous_round_id.data:
        return checkpoints.create_checkpoint(
            db.session.get(Round, form.previous_round_id.data),
            form.checkpoint_label.data or "",
            filled(form.name.data),
            form.description.data or "",
            form.questionnaire_id.data,
            form.framework_id.data,
            form.deadline.data,
            current_user,
        )
    return create_round(
        filled(form.name.data),
        form.description.data or "",
        form.questionnaire_id.data,
        form.framework_id.data,
        form.deadline.data,
        current_user,
    )


@bp.route("/rounds/new", methods=["GET", "POST"])
@allow("round_admin")
def new_round() -> ResponseReturnValue:
    form = _new_round_form()
    problems = []
    if form.validate_on_submit():
        try:
            round_ = _create_round(form)
        except Refused as refusal:
            problems = refused_summary(refusal)
        else:
            db.session.commit()
            if round_.previous_round_id:
                flash(
                    f"Checkpoint ‘{round_.name}’ created: every applicant of the earlier round has a draft "
                    "with its answers carried forward to confirm or update."
                )
            elif round_answers.round_questions(questionnaire_for(round_)):
                flash(f"Round ‘{round_.name}’ created. Set its contract parameters and add the applicants next.")
            else:
                flash(f"Round ‘{round_.name}’ created. Add the applicants next.")
            return redirect(url_for(".manage_round", round_id=round_.id))
    elif request.method == "POST":
        problems = form_problems(form)
    return render_template("review/round_new.html", form=form, problems=problems)


class ContractParametersPage(AnswerPage):
    """The round's contract parameters: its answers to the questions marked ``answered_by: round``,
    typed in once for every applicant and checked exactly as a provider's answers to such questions."""

    def __init__(self, round_: Round):
        self.round = round_
        self.questionnaire = questionnaire_for(round_)
        super().__init__(round_answers.round_questions(self.questionnaire))

    rows: dict[str, StoredAnswer]

    def load_rows(self) -> dict[str, StoredAnswer]:
        return round_answers.rows(self.round)

    def visible(self, answers: dict[str, Any]) -> set[str]:
        # A contract parameter can only depend on another one (the loader sees to it).
        return visible_question_ids(self.questionnaire, answers) & {q.id for q in self.questions}

    def save_answer(
        self, question_id: str, value: Any, base_version: int, base_fingerprint: str | None
    ) -> AnswerOutcome:
        return round_answers.save_round_answer(
            self.round,
            question_id,
            value,
            base_version=base_version,
            base_fingerprint=base_fingerprint,
            user=current_user,
        )

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) for the error summary: a value that is not a valid answer, or a clash with a colleague."""
        found = []
        for question in self.questions:
            about = question.text + (" – " if question.text.endswith("?") else ": ")
            errors = self.form[field_name(question.id)].errors
            if errors:
                found.append((field_name(question.id), about + errors[0]))
            if question.id in self.conflicts:
                found.append(
                    (
                        f"resolve-{question.id}-theirs",
                        about + f"{self.conflicts[question.id].by} changed this answer while you were editing. "
                        "Choose which answer to keep",
                    )
                )
        return found


def _manage_page(
    round_: Round,
    settings: RoundSettingsForm,
    applicant_form: ApplicantForm,
    problems: list[tuple[str, str]],
    applicant_problems: list[tuple[str, str]],
    contract: ContractParametersPage | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    contract = contract or ContractParametersPage(round_)
    return render_template(
        "review/round_manage.html",
        **contract.context(),
        round=round_,
        settings=settings,
        applicant_form=applicant_form,
        problems=problems,
        applicant_problems=applicant_problems,
        contract_questions=contract.questions,
        contract_problems=contract.problems(),
        contract_locked=round_answers.locked_reason(round_) if contract.questions else None,
        contract_missing=round_answers.missing(round_) if contract.questions else [],
    ), status


@bp.route("/rounds/<int:round_id>/contract", methods=["POST"])
@allow("round_admin")
def set_contract_parameters(round_id: int) -> ResponseReturnValue:
    """Save the round's contract parameters; on a problem the manage page comes back with the values as typed."""
    round_ = round_or_404(round_id)
    page = ContractParametersPage(round_)
    try:
        if page.handle_post(request.form, request.files):
            flash("Contract parameters saved. Every applicant in the round is scored with them.")
            return redirect(url_for(".manage_round", round_id=round_.id, _anchor="contract-parameters"))
    except Refused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return redirect(url_for(".manage_round", round_id=round_.id, _anchor="contract-parameters"))
    settings = RoundSettingsForm(formdata=None, data=_settings_data(round_))
    return _manage_page(round_, settings, _applicant_form(), [], [], page)


@bp.route("/rounds/<int:round_id>/manage", methods=["GET", "POST"])
@allow("round_admin")
def manage_round(round_id: int) -> ResponseReturnValue:
    round_ = round_or_404(round_id)
    settings = RoundSettingsForm(data=_settings_data(round_) if request.method == "GET" else None)
    applicant_form = _applicant_form()
    problems = []
    if request.method == "POST":
        if settings.validate_on_submit():
            try:
                update_round(
                    round_,
                    settings.deadline.data,
                    settings.status.data,
                    current_user,
                    settings.standstill_days.data,
                    settings.further_period_days.data,
                    settings.verification_scope.data or None,
                )
            except Refused as refusal:
                problems = refused_summary(refusal)
            else:
                db.session.commit()
                flash("Round settings saved.")
                return redirect(url_for(".manage_round", round_id=round_.id))
        else:
            problems = form_problems(settings, {"status": "status-open"})
    return _manage_page(round_, settings, applicant_form, problems, [])


def _round_organisations(round_: Round) -> list[Organisation]:
    """Every member organisation of the round's applicants, lead organisations first."""
    applicants = db.session.scalars(
        db.select(Applicant)
        .join(Submission, Submission.applicant_id == Applicant.id)
        .where(Submission.round_id == round_.id)
        .order_by(Applicant.name)
    )
    organisations: dict[int, Organisation] = {}
    for applicant in applicants:
        organisations.setdefault(applicant.lead_organisation.id, applicant.lead_organisation)
        for partner in applicant.partners:
            organisations.setdefault(partner.id, partner)
    return list(organisations.values())


@bp.route("/rounds/<int:round_id>/invite", methods=["GET", "POST"])
@allow("round_admin")
@limiter.limit(invitation_rate, key_func=per_user_key, methods=["POST"])
def invite_provider(round_id: int) -> ResponseReturnValue:
    """A provider organisation's first people are invited by the round administrator."""
    check_limits()
    round_ = round_or_404(round_id)
    organisations = _round_organisations(round_)
    form = ProviderInvitationForm(data={"role": "lead"} if request.method == "GET" else None)
    form.organisation_id.choices = choice_list(
        [(0, "Choose an organisation")] + [(o.id, o.name) for o in organisations]
    )
    problems: list[tuple[str, str]] = []
    if request.method == "POST":
        chosen = next((o for o in organisations if o.id == form.organisation_id.data), None)
        if form.validate_on_submit() and chosen is not None:
            try:
                invitation, token = create_invitation(
                    current_user, filled(form.email.data), filled(form.role.data), chosen
                )
            except Refused as refusal:
                problems = refused_summary(refusal, default="email")
            else:
                db.session.commit()
                link = invitation_link(token)
                response = current_app.make_response(
                    render_template("review/invitation_created.html", round=round_, invitation=invitation, link=link)
                )
                # The page holds a working link: keep it out of every cache and history snapshot.
                response.headers["Cache-Control"] = "no-store"
                return response
        else:
            problems = form_problems(form)
            if chosen is None:
                problems.insert(0, ("organisation_id", "Choose the organisation the person works for"))
    return render_template("review/invite_provider.html", round=round_, form=form, problems=problems)


@bp.route("/rounds/<int:round_id>/applicants", methods=["POST"])
@allow("round_admin")
def add_round_applicant(round_id: int) -> ResponseReturnValue:
    round_ = round_or_404(round_id)
    form = _applicant_form()
    problems = []
    if form.validate_on_submit():
        partners = [line.strip() for line in (form.partners.data or "").splitlines() if line.strip()]
        try:
            submission = add_applicant(
                round_,
                filled(form.applicant_name.data),
                filled(form.lead_name.data),
                filled(form.lead_kind.data),
                partners,
                current_user,
            )
        except Refused as refusal:
            problems = refused_summary(refusal)
        else:
            db.session.commit()
            flash(f"‘{submission.applicant.name}’ added to the round with a draft assessment.")
            return redirect(url_for(".manage_round", round_id=round_.id))
    else:
        problems = form_problems(form)
    settings = RoundSettingsForm(formdata=None, data=_settings_data(round_))
    return _manage_page(round_, settings, form, [], problems)


@bp.route("/rounds/<int:round_id>/checkpoint/start", methods=["POST"])
@allow("round_admin")
def start_checkpoint(round_id: int) -> ResponseReturnValue:
    round_ = round_or_404(round_id)
    carry_out_and_say(
        lambda: checkpoints.start_checkpoint(round_, current_user),
        lambda created: (
            f"{len(created)} draft{'' if len(created) == 1 else 's'} created with answers carried forward."
            if created
            else "Every applicant of the earlier round already has a draft in this checkpoint."
        ),
    )
    return redirect(url_for(".manage_round", round_id=round_.id))
