"""Commissioner review: rounds, the round dashboard and comparison, one submission with its trace,
evaluator scoring, consensus moderation, clarifications, panel decisions, exports and reports.

Who may use each page is declared next to it with ``@allow(...)`` and checked in one place, the
blueprint's ``before_request``; an endpoint without a declaration is refused.  Which submissions a
user may see is decided by ``services.access``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from reports.charts import MAX_COMPARISON_SERIES, comparison_chart
from reports.exports import to_csv, to_xlsx
from scoring import OUTCOME_LABELS

from .extensions import db
from .forms import InvitationForm, choice_list
from .models import (
    DECISION_OUTCOMES,
    RECOMMENDATION_URGENCIES,
    ROLE_LABELS,
    SUBMISSION_STATUSES,
    Applicant,
    BankHoliday,
    ConflictDeclaration,
    DecisionPublication,
    Definition,
    Organisation,
    Representation,
    ReviewRecommendation,
    Round,
    Submission,
)
from .refusals import error_summary
from .report_downloads import pdf_download
from .services import (
    access,
    checkpoints,
    clarifications,
    cohort,
    conflicts,
    decisions,
    evaluation,
    recommendations,
    standstill,
)
from .services.answers import answer_rows, evidence_rows
from .services.audit import history
from .services.errors import NotAllowed, Refused
from .services.invitations import create_invitation
from .services.moderation import moderate, moderated_rows
from .services.reporting import panel_pack_pdf, panel_report_pdf, programme_report_pdf
from .services.rounds import add_applicant, create_round, update_round
from .services.scores import score
from .services.submissions import reopen, storage

bp = Blueprint("review", __name__, url_prefix="/review")

COMMISSIONERS = ("evaluator", "moderator", "panel", "round_admin")
ACCESS: dict[str, frozenset[str]] = {}


def allow(*roles: str) -> Callable:
    """Declare the roles that may use a view; site administrators may use every view."""

    def register(view: Callable) -> Callable:
        ACCESS[f"{bp.name}.{view.__name__}"] = frozenset(roles) | {"site_admin"}
        return view

    return register


def can(endpoint: str) -> bool:
    return current_user.role in ACCESS.get(f"{bp.name}.{endpoint}", frozenset())


@bp.before_request
@login_required
def _authorise():
    # The one authorisation check of this blueprint: providers never reach it, and each commissioner
    # role reaches only the endpoints declared for it.
    if not current_user.is_commissioner or current_user.role not in ACCESS.get(request.endpoint, frozenset()):
        abort(403)


@bp.context_processor
def _permissions() -> dict[str, Any]:
    return {"can": can, "scale": evaluation.SCALE, "describe_score": evaluation.describe}


# --------------------------------------------------------------------------------------------------
# Forms

SCALE_CHOICES = choice_list((str(s.step), f"{s.label} ({s.step})") for s in evaluation.SCALE)


class EvaluationForm(FlaskForm):
    score = RadioField(
        "Your score",
        choices=SCALE_CHOICES,
        validators=[InputRequired("Choose a score from Unacceptable (0) to Excellent (4)")],
    )
    rationale = TextAreaField(
        "Your rationale",
        validators=[
            DataRequired("Explain your score"),
            Length(max=evaluation.RATIONALE_MAX_LENGTH, message="Shorten the rationale to 5,000 characters or fewer"),
        ],
    )


class ModerationForm(FlaskForm):
    consensus = RadioField(
        "Consensus score", choices=SCALE_CHOICES, validators=[InputRequired("Choose the consensus score")]
    )
    consensus_rationale = TextAreaField(
        "Rationale for the consensus score",
        validators=[
            DataRequired("Explain the consensus score"),
            Length(max=evaluation.RATIONALE_MAX_LENGTH, message="Shorten the rationale to 5,000 characters or fewer"),
        ],
    )


class ClarificationForm(FlaskForm):
    about = HiddenField()
    clarification = TextAreaField(
        "Question for the provider",
        validators=[
            DataRequired("Enter the question for the provider"),
            Length(max=clarifications.QUESTION_MAX_LENGTH, message="Shorten the question to 2,000 characters or fewer"),
        ],
    )


class ReopenForm(FlaskForm):
    reason = TextAreaField("Reason for reopening", validators=[DataRequired("Give a reason"), Length(max=2000)])


class ConditionForm(Form):
    text = TextAreaField("Condition", validators=[Optional(), Length(max=2000, message="Shorten the condition")])
    owner = StringField("Owner", validators=[Optional(), Length(max=200, message="Shorten the owner's name")])
    due_on = DateField("Due date", validators=[Optional()])


class DecisionForm(FlaskForm):
    outcome = RadioField(
        "Overall decision",
        choices=choice_list(DECISION_OUTCOMES.items()),
        validators=[InputRequired("Choose the panel's overall decision")],
    )
    decided_on = DateField("Date of the decision", validators=[InputRequired("Enter the date of the decision")])
    follow_up_on = DateField("Date of the follow-up review", validators=[Optional()])
    panel_members = TextAreaField("Panel members", validators=[DataRequired("Enter the names of the panel members")])
    minutes = TextAreaField("Minutes", validators=[Optional()])
    differs_reason = TextAreaField("Reason the decision differs from the recommendation", validators=[Optional()])
    correction_reason = TextAreaField("Reason for the correction", validators=[Optional()])
    based_on_version = HiddenField()

    @staticmethod
    def _given(field) -> bool:
        return bool(field.data.strip()) if isinstance(field.data, str) else field.data is not None

    def filled_conditions(self) -> list[decisions.ConditionInput]:
        return [
            decisions.ConditionInput(row.form.text.data, row.form.owner.data, row.form.due_on.data)
            for row in self.conditions
            if any(self._given(f) for f in (row.form.text, row.form.owner, row.form.due_on))
        ]

    def condition_problems(self) -> list[tuple[str, str]]:
        problems = []
        for index, row in enumerate(self.conditions):
            fields = row.form
            if fields.due_on.errors:
                problems.append(
                    (
                        f"conditions-{index}-due_on",
                        f"Condition {index + 1}: enter the due date as a real date, for example 2027-03-31",
                    )
                )
                continue
            if not any(self._given(f) for f in (fields.text, fields.owner, fields.due_on)):
                continue
            for name, label in (
                ("text", "what the condition requires"),
                ("owner", "who owns it"),
                ("due_on", "when it is due"),
            ):
                if not self._given(fields[name]):
                    problems.append((f"conditions-{index}-{name}", f"Condition {index + 1}: say {label}"))
        return problems


def decision_form_class(gates, condition_rows: int) -> type[DecisionForm]:
    attrs: dict[str, Any] = {
        f"gate-{gate.id}": RadioField(
            f"{gate.id} {gate.title}",
            choices=choice_list(OUTCOME_LABELS.items()),
            validators=[InputRequired(f"Choose the panel's decision for gate {gate.id}")],
        )
        for gate in gates
    }
    attrs["conditions"] = FieldList(FormField(ConditionForm), min_entries=condition_rows, max_entries=30)
    return type("GateDecisionForm", (DecisionForm,), attrs)


def form_problems(form: FlaskForm, anchors: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary; radios are linked through their first option."""
    problems = []
    for name, errors in form.errors.items():
        if name == "conditions" or not errors:
            continue
        message = errors[0]
        if isinstance(form[name], DateField) and form[name].raw_data and form[name].raw_data[0]:
            message = f"{form[name].label.text}: enter a real date, for example 2027-02-14"
        problems.append(((anchors or {}).get(name, name), message))
    return problems


# --------------------------------------------------------------------------------------------------
# Rounds and the dashboard


def _require_declarations(round_: Round) -> None:
    """Reviewers see nothing of a round's submissions until they have declared on every applicant."""
    if conflicts.must_declare(round_, current_user):
        flash("Before you see any submission in this round, declare any conflicts of interest.")
        abort(redirect(url_for(".declarations", round_id=round_.id)))


def _round(round_id: int) -> Round:
    """A round whose submissions the page shows; 404 if it does not exist."""
    round_ = db.session.get(Round, round_id) or abort(404)
    _require_declarations(round_)
    return round_


@bp.route("/")
@allow(*COMMISSIONERS)
def home():
    rounds = db.session.scalars(db.select(Round).order_by(Round.id)).all()
    return render_template("review/home.html", rounds=rounds)


@bp.route("/rounds/<int:round_id>")
@allow(*COMMISSIONERS)
def dashboard(round_id: int):
    round_ = _round(round_id)
    labels = cohort.rag_labels(round_)
    query = cohort.DashboardQuery.from_args(request.args, labels)
    page = cohort.dashboard(round_, query)
    return render_template(
        "review/dashboard.html",
        round=round_,
        page=page,
        query=query,
        statuses=SUBMISSION_STATUSES,
        rag_labels=labels,
        previous=checkpoints.previous_submissions(round_),
    )


@bp.route("/rounds/<int:round_id>/compare")
@allow(*COMMISSIONERS)
def compare(round_id: int):
    round_ = _round(round_id)
    result = cohort.comparison(round_)
    table = result.table(cohort.ComparisonQuery.from_args(request.args, result.domains))
    domains, series, bands = result.chart_inputs(table.chosen)
    chart = comparison_chart(
        domains, series, cohort=bands, title="Domain scores of the chosen applicants against the cohort (0 to 100)"
    )
    return render_template(
        "review/compare.html",
        round=round_,
        domains=result.domains,
        columns=result.columns,
        table=table,
        query=table.query,
        quartiles=result.quartiles(),
        counts=result.counts(),
        names=result.names,
        chart=chart,
        max_series=MAX_COMPARISON_SERIES,
        filter_max_length=cohort.FILTER_MAX_LENGTH,
        resort_field=cohort.RESORT_FIELD,
        clear_field=cohort.CLEAR_FIELD,
    )


def _export_name(round_: Round, what: str, extension: str) -> str:
    return f"round-{round_.id}-{what}.{extension}"


def _csv_download(round_: Round, frame, what: str) -> Response:
    db.session.commit()
    return Response(
        to_csv(frame),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(round_, what, "csv")}"'},
    )


@bp.route("/rounds/<int:round_id>/export/submissions.csv")
@allow(*COMMISSIONERS)
def export_submissions_csv(round_id: int):
    round_ = _round(round_id)
    return _csv_download(round_, cohort.submission_table(round_), "submissions")


@bp.route("/rounds/<int:round_id>/export/answers.csv")
@allow(*COMMISSIONERS)
def export_answers_csv(round_id: int):
    round_ = _round(round_id)
    return _csv_download(round_, cohort.answer_table(round_), "answers")


@bp.route("/rounds/<int:round_id>/export/round.xlsx")
@allow(*COMMISSIONERS)
def export_xlsx(round_id: int):
    round_ = _round(round_id)
    workbook = to_xlsx({"Submissions": cohort.submission_table(round_), "Answers": cohort.answer_table(round_)})
    db.session.commit()
    return Response(
        workbook,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(round_, "export", "xlsx")}"'},
    )


# --------------------------------------------------------------------------------------------------
# Round administration


class RoundForm(FlaskForm):
    name = StringField("Round name", validators=[DataRequired("Enter a name for the round"), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    questionnaire_id = SelectField(
        "Questionnaire version", coerce=int, validators=[InputRequired("Choose the questionnaire version")]
    )
    framework_id = SelectField(
        "Gateway framework version", coerce=int, validators=[InputRequired("Choose the framework version")]
    )
    deadline = DateField("Deadline for submissions", validators=[Optional()])
    previous_round_id = SelectField(
        "Checkpoint following an earlier round", coerce=int, default=0, validators=[Optional()]
    )
    checkpoint_label = StringField("Checkpoint name", validators=[Optional(), Length(max=100)])


class RoundSettingsForm(FlaskForm):
    deadline = DateField("Deadline for submissions", validators=[Optional()])
    status = RadioField(
        "Round status",
        choices=choice_list(
            [("open", "Open: providers can edit drafts"), ("closed", "Closed: drafts can no longer change")]
        ),
        validators=[InputRequired("Choose whether the round is open")],
    )
    # Left empty, a period keeps its current length.
    standstill_days = IntegerField(
        "Standstill period (working days)",
        validators=[Optional(), NumberRange(min=0, max=60, message="Enter a number of working days from 0 to 60")],
    )
    further_period_days = IntegerField(
        "Further period after a review (working days)",
        validators=[Optional(), NumberRange(min=0, max=60, message="Enter a number of working days from 0 to 60")],
    )


class ApplicantForm(FlaskForm):
    applicant_name = StringField(
        "Applicant name", validators=[DataRequired("Enter the applicant's name"), Length(max=200)]
    )
    lead_name = StringField(
        "Lead organisation", validators=[DataRequired("Enter the lead organisation"), Length(max=200)]
    )
    lead_kind = SelectField("Kind of lead organisation", validators=[InputRequired("Choose the kind")])
    partners = TextAreaField("Partner organisations", validators=[Optional(), Length(max=5000)])


def _settings_data(round_: Round) -> dict[str, Any]:
    return {
        "deadline": round_.deadline,
        "status": round_.status,
        "standstill_days": round_.standstill_days,
        "further_period_days": round_.further_period_days,
    }


def _definition_choices(kind: str) -> list[SelectChoice]:
    rows = db.session.scalars(db.select(Definition).filter_by(kind=kind).order_by(Definition.key, Definition.id))
    return choice_list((d.id, f"{d.title} – {d.key} version {d.version} (sha256 {d.content_hash[:12]})") for d in rows)


def _applicant_form() -> ApplicantForm:
    from .models import ORGANISATION_KINDS

    form = ApplicantForm()
    form.lead_kind.choices = choice_list((k, v) for k, v in ORGANISATION_KINDS.items() if k != "commissioner")
    return form


@bp.route("/rounds/new", methods=["GET", "POST"])
@allow("round_admin")
def new_round():
    form = RoundForm()
    form.questionnaire_id.choices = _definition_choices("questionnaire")
    form.framework_id.choices = _definition_choices("framework")
    form.previous_round_id.choices = choice_list(
        [(0, "No: a new round")] + [(r.id, r.name) for r in db.session.scalars(db.select(Round).order_by(Round.id))]
    )
    problems = []
    if form.validate_on_submit():
        try:
            if form.previous_round_id.data:
                round_ = checkpoints.create_checkpoint(
                    db.session.get(Round, form.previous_round_id.data),
                    form.checkpoint_label.data or "",
                    form.name.data,
                    form.description.data or "",
                    form.questionnaire_id.data,
                    form.framework_id.data,
                    form.deadline.data,
                    current_user,
                )
            else:
                round_ = create_round(
                    form.name.data,
                    form.description.data or "",
                    form.questionnaire_id.data,
                    form.framework_id.data,
                    form.deadline.data,
                    current_user,
                )
        except Refused as exc:
            db.session.rollback()
            problems = error_summary(exc)
        else:
            db.session.commit()
            if round_.previous_round_id:
                flash(
                    f"Checkpoint ‘{round_.name}’ created: every applicant of the earlier round has a draft "
                    "with its answers carried forward to confirm or update."
                )
            else:
                flash(f"Round ‘{round_.name}’ created. Add the applicants next.")
            return redirect(url_for(".manage_round", round_id=round_.id))
    elif request.method == "POST":
        problems = form_problems(form)
    return render_template("review/round_new.html", form=form, problems=problems)


@bp.route("/rounds/<int:round_id>/manage", methods=["GET", "POST"])
@allow("round_admin")
def manage_round(round_id: int):
    round_ = db.session.get(Round, round_id) or abort(404)
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
                )
            except Refused as exc:
                problems = error_summary(exc)
            else:
                db.session.commit()
                flash("Round settings saved.")
                return redirect(url_for(".manage_round", round_id=round_.id))
        else:
            problems = form_problems(settings, {"status": "status-open"})
    return render_template(
        "review/round_manage.html",
        round=round_,
        settings=settings,
        applicant_form=applicant_form,
        problems=problems,
        applicant_problems=[],
    )


class ProviderInvitationForm(InvitationForm):
    organisation_id = SelectField(
        "Organisation", coerce=int, validators=[InputRequired("Choose the organisation the person works for")]
    )


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
def invite_provider(round_id: int):
    """A provider organisation's first people are invited by the round administrator."""
    round_ = db.session.get(Round, round_id) or abort(404)
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
                invitation, token = create_invitation(current_user, form.email.data, form.role.data, chosen)
            except Refused as exc:
                db.session.rollback()
                problems = [("email", str(exc))]
            else:
                db.session.commit()
                link = url_for("auth.accept_invitation", token=token, _external=True)
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
def add_round_applicant(round_id: int):
    round_ = db.session.get(Round, round_id) or abort(404)
    form = _applicant_form()
    problems = []
    if form.validate_on_submit():
        partners = [line.strip() for line in (form.partners.data or "").splitlines() if line.strip()]
        try:
            submission = add_applicant(
                round_, form.applicant_name.data, form.lead_name.data, form.lead_kind.data, partners, current_user
            )
        except Refused as exc:
            problems = error_summary(exc)
        else:
            db.session.commit()
            flash(f"‘{submission.applicant.name}’ added to the round with a draft assessment.")
            return redirect(url_for(".manage_round", round_id=round_.id))
    else:
        problems = form_problems(form)
    settings = RoundSettingsForm(formdata=None, data=_settings_data(round_))
    return render_template(
        "review/round_manage.html",
        round=round_,
        settings=settings,
        applicant_form=form,
        problems=[],
        applicant_problems=problems,
    )


# --------------------------------------------------------------------------------------------------
# One submission


def _submission(submission_id: int) -> Submission:
    submission = access.submission_for(current_user, submission_id)
    _require_declarations(submission.round)
    return submission


def _refuse_if_conflicted(submission: Submission) -> None:
    try:
        conflicts.check_not_conflicted(submission, current_user)
    except NotAllowed as exc:
        abort(403, description=str(exc))


@bp.route("/submissions/<int:submission_id>")
@allow(*COMMISSIONERS)
def submission(submission_id: int):
    return _submission_page(_submission(submission_id))


def _submission_page(submission: Submission, recommendation_form=None, problems=None):
    inputs, result = score(submission)
    improvement = decisions.what_if_for(inputs)
    db.session.commit()
    asked = clarifications.for_submission(submission)
    return render_template(
        "review/submission.html",
        submission=submission,
        questionnaire=inputs.questionnaire,
        framework=inputs.framework,
        result=result,
        answers=answer_rows(submission),
        evidence=evidence_rows(submission),
        moderated=moderated_rows(submission),
        evaluations=evaluation.evaluations_for(submission, current_user),
        divergent=evaluation.divergent_questions(submission)
        if current_user.role in evaluation.ROLES_SEEING_ALL_SCORES
        else [],
        improvement=improvement,
        clarifications=clarifications.by_question(asked),
        open_clarifications=sum(1 for c in asked if c.reply_text is None),
        decision=decisions.current(submission),
        failed=_failed_criteria(result),
        clarification_form=ClarificationForm(formdata=None),
        reopen_form=ReopenForm(formdata=None),
        checkpoint=checkpoints.compare(submission, result),
        **_tracking(submission, recommendation_form, problems),
    )


def _tracking(submission: Submission, recommendation_form=None, problems=None) -> dict[str, Any]:
    """Recommendations and the current decision's conditions, with their forms, for the submission page."""
    decision = decisions.current(submission)
    return {
        "recommendation_rows": recommendations.for_submission(submission),
        "recommendation_form": recommendation_form or RecommendationForm(formdata=None),
        "recommendation_problems": problems or [],
        "urgencies": RECOMMENDATION_URGENCIES,
        "conditions": decision.conditions if decision else [],
        "conflict": conflicts.blocking(submission, current_user),
    }


def _failed_criteria(result) -> list[tuple[Any, Any]]:
    return [(gate, criterion) for gate in result.gates for criterion in gate.criteria if not criterion.passed]


def _question_page(
    submission: Submission,
    question_id: str,
    *,
    evaluation_form=None,
    moderation_form=None,
    clarification_form=None,
    problems=None,
    status: int = 200,
):
    inputs, result = score(submission)
    question = inputs.questionnaire.question(question_id)
    if question is None:
        abort(404)
    detail = result.question(question_id)
    views = evaluation.evaluations_for(submission, current_user)
    view = views.get(question_id, evaluation.QuestionEvaluations(None, (), 0))
    moderated = moderated_rows(submission).get(question_id)
    own = view.own
    if evaluation_form is None:
        evaluation_form = EvaluationForm(
            formdata=None,
            data={
                "score": str(evaluation.step_for(own.score).step) if own and evaluation.step_for(own.score) else None,
                "rationale": own.rationale if own else "",
            },
        )
    if moderation_form is None:
        current_step = evaluation.step_for(moderated.score) if moderated else None
        moderation_form = ModerationForm(
            formdata=None,
            data={"consensus": str(current_step.step) if current_step else None, "consensus_rationale": ""},
        )
    criteria = [
        (gate, criterion, result.gate(gate.id).criteria[index])
        for gate in inputs.framework.gates
        for index, criterion in enumerate(gate.criteria)
        if criterion.question == question_id
    ]
    try:
        evaluation.check_can_score(submission, question_id)
        conflicts.check_not_conflicted(submission, current_user)
        scoring_open, scoring_closed_reason = True, ""
    except NotAllowed as exc:
        scoring_open, scoring_closed_reason = False, str(exc)
    db.session.commit()
    asked = [c for c in clarifications.for_submission(submission) if c.question_id == question_id]
    return render_template(
        "review/question.html",
        submission=submission,
        question=question,
        detail=detail,
        result=result,
        domain=inputs.questionnaire.domain_of(question_id),
        answer=answer_rows(submission).get(question_id),
        evidence=evidence_rows(submission).get(question_id, []),
        view=view,
        moderated=moderated,
        criteria=criteria,
        evaluation_form=evaluation_form,
        moderation_form=moderation_form,
        clarification_form=clarification_form or ClarificationForm(formdata=None),
        asked=asked,
        scoring_open=scoring_open,
        scoring_closed_reason=scoring_closed_reason,
        problems=problems or [],
    ), status


@bp.route("/submissions/<int:submission_id>/questions/<question_id>")
@allow(*COMMISSIONERS)
def question(submission_id: int, question_id: str):
    return _question_page(_submission(submission_id), question_id)


def _back_to_question(submission: Submission, question_id: str):
    return redirect(url_for(".question", submission_id=submission.id, question_id=question_id))


@bp.route("/submissions/<int:submission_id>/questions/<question_id>/evaluate", methods=["POST"])
@allow("evaluator")
def evaluate_question(submission_id: int, question_id: str):
    submission = _submission(submission_id)
    _refuse_if_conflicted(submission)
    form = EvaluationForm()
    if not form.validate_on_submit():
        return _question_page(
            submission, question_id, evaluation_form=form, problems=form_problems(form, {"score": "score-0"})
        )
    try:
        evaluation.record_score(submission, question_id, int(form.score.data), form.rationale.data, current_user)
    except NotAllowed as exc:
        db.session.rollback()
        return _question_page(
            submission, question_id, evaluation_form=form, problems=[("score-0", str(exc))], status=409
        )
    db.session.commit()
    flash("Your score has been saved. Other evaluators' scores for this answer are now shown.")
    return _back_to_question(submission, question_id)


@bp.route("/submissions/<int:submission_id>/questions/<question_id>/moderate", methods=["POST"])
@allow("moderator")
def moderate_question(submission_id: int, question_id: str):
    submission = _submission(submission_id)
    _refuse_if_conflicted(submission)
    form = ModerationForm()
    if not form.validate_on_submit():
        return _question_page(
            submission, question_id, moderation_form=form, problems=form_problems(form, {"consensus": "consensus-0"})
        )
    step = evaluation.SCALE[int(form.consensus.data)]
    before = submission.recommendation
    try:
        moderate(submission, question_id, step.score, form.consensus_rationale.data, current_user)
    except NotAllowed as exc:
        db.session.rollback()
        return _question_page(
            submission, question_id, moderation_form=form, problems=[("consensus-0", str(exc))], status=409
        )
    _, result = score(submission)
    db.session.commit()
    message = f"Consensus score recorded: {step.label} ({step.step})."
    if result.recommendation != before:
        message += f" The recommendation is now ‘{result.recommendation_label}’."
    flash(message)
    return _back_to_question(submission, question_id)


@bp.route("/submissions/<int:submission_id>/clarifications", methods=["POST"])
@allow("evaluator", "moderator")
def ask_clarification(submission_id: int):
    submission = _submission(submission_id)
    form = ClarificationForm()
    about = form.about.data or None
    if form.validate_on_submit():
        try:
            clarifications.ask(submission, about, form.clarification.data, current_user)
        except NotAllowed as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash("Your question has been sent to the provider.")
            if about:
                return _back_to_question(submission, about)
            return redirect(url_for(".submission", submission_id=submission.id, _anchor="clarifications"))
    problems = form_problems(form, {"clarification": "clarification"})
    if about:
        return _question_page(submission, about, clarification_form=form, problems=problems)
    flash(problems[0][1] if problems else "Your question could not be sent.", "error")
    return redirect(url_for(".submission", submission_id=submission.id, _anchor="clarifications"))


@bp.route("/submissions/<int:submission_id>/reopen", methods=["POST"])
@allow("moderator", "round_admin")
def reopen_submission(submission_id: int):
    submission = _submission(submission_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        flash("Give a reason for reopening the submission.", "error")
        return redirect(url_for(".submission", submission_id=submission.id))
    try:
        reopen(submission, current_user, form.reason.data)
    except NotAllowed as exc:
        flash(str(exc), "error")
        return redirect(url_for(".submission", submission_id=submission.id))
    db.session.commit()
    flash("The submission is open for the provider to edit again.")
    return redirect(url_for(".submission", submission_id=submission.id))


# --------------------------------------------------------------------------------------------------
# Panel decision


def _decision_form(submission: Submission, framework, latest, *, formdata=True) -> DecisionForm:
    rows = max(5, len(latest.conditions) + 2) if latest else 5
    form_class = decision_form_class(framework.gates, rows)
    if formdata:
        return form_class()
    _, result = score(submission)
    if latest is not None:
        data = {
            "outcome": latest.outcome,
            "decided_on": latest.decided_on,
            "follow_up_on": latest.follow_up_on,
            "panel_members": latest.panel_members,
            "minutes": latest.minutes,
            "differs_reason": latest.differs_reason or "",
            "conditions": [{"text": c.text, "owner": c.owner, "due_on": c.due_on} for c in latest.conditions],
            **{f"gate-{gid}": outcome for gid, outcome in latest.gate_outcomes.items()},
        }
    else:
        # Start from the engine's view: the panel changes only what it disagrees with.
        data = {
            "outcome": result.recommendation,
            "decided_on": date.today(),
            "follow_up_on": decisions.proposed_follow_up(result.rag, date.today()),
            **{f"gate-{g.id}": g.outcome for g in result.gates},
        }
    data["based_on_version"] = str(latest.version if latest else 0)
    return form_class(formdata=None, data=data)


def _decision_page(submission: Submission, form: DecisionForm | None = None, problems=None, status: int = 200):
    inputs, result = score(submission)
    latest = decisions.current(submission)
    form = form or _decision_form(submission, inputs.framework, latest, formdata=False)
    # Settling the standstill may record that the decision has become final: it is saved with the rescore.
    standstill_context = _standstill(submission, latest)
    db.session.commit()
    return render_template(
        "review/decision.html",
        submission=submission,
        result=result,
        framework=inputs.framework,
        latest=latest,
        versions=decisions.history(submission),
        form=form,
        problems=problems or [],
        outcome_labels=OUTCOME_LABELS,
        decision_labels=DECISION_OUTCOMES,
        can_record=decisions.can_record(submission),
        conflict=conflicts.blocking(submission, current_user),
        follow_up_needed=decisions.needs_follow_up(result.rag),
        **standstill_context,
    ), status


def _standstill(submission: Submission, latest) -> dict[str, Any]:
    publication = standstill.publication_for(submission)
    if publication is not None:
        standstill.settle(publication)
    return {
        "publication": publication,
        "publication_status": standstill.status(publication) if publication else "",
        "representations": standstill.representations_for(publication) if publication else [],
        "review_outcomes": standstill.REVIEW_OUTCOMES,
        "can_publish": latest is not None
        and submission.status == "decided"
        and (publication is None or publication.decision_id != latest.id),
        "final_on": standstill.final_on(publication) if publication else None,
    }


@bp.route("/submissions/<int:submission_id>/decision")
@allow(*COMMISSIONERS)
def decision(submission_id: int):
    return _decision_page(_submission(submission_id))


@bp.route("/submissions/<int:submission_id>/decision", methods=["POST"])
@allow("panel")
def record_decision(submission_id: int):
    submission = _submission(submission_id)
    _refuse_if_conflicted(submission)
    inputs, _ = score(submission)
    form = _decision_form(submission, inputs.framework, decisions.current(submission))
    valid = form.validate_on_submit()
    # Radios are linked through their first option; the form names a gate's field "gate-G1", the service
    # names the gate's outcome "gate_outcomes.G1".
    anchors = {"outcome": "outcome-0"}
    for gate in inputs.framework.gates:
        anchors[f"gate-{gate.id}"] = anchors[f"gate_outcomes.{gate.id}"] = f"gate-{gate.id}-0"
    problems = form_problems(form, anchors) + form.condition_problems()
    if not valid or problems:
        return _decision_page(submission, form, problems or [("outcome-0", "Check the decision and try again")])
    try:
        based_on = int(form.based_on_version.data or 0)
    except ValueError:
        based_on = -1
    data = decisions.DecisionInput(
        outcome=form.outcome.data,
        gate_outcomes={g.id: form[f"gate-{g.id}"].data for g in inputs.framework.gates},
        decided_on=form.decided_on.data,
        panel_members=form.panel_members.data or "",
        minutes=form.minutes.data or "",
        differs_reason=form.differs_reason.data or "",
        conditions=form.filled_conditions(),
        correction_reason=form.correction_reason.data or "",
        based_on_version=based_on,
        follow_up_on=form.follow_up_on.data,
    )
    try:
        recorded = decisions.record_decision(submission, data, current_user)
    except Refused as exc:
        db.session.rollback()
        return _decision_page(submission, form, error_summary(exc, anchors))
    db.session.commit()
    flash(f"Decision recorded (version {recorded.version}): {recorded.outcome_label}. It is now locked.")
    return redirect(url_for(".decision", submission_id=submission.id))


# --------------------------------------------------------------------------------------------------
# Reports and files


@bp.route("/submissions/<int:submission_id>/report.pdf")
@allow(*COMMISSIONERS)
def panel_report(submission_id: int):
    submission = _submission(submission_id)
    return pdf_download(
        lambda: panel_report_pdf(submission, current_user), f"panel-report-{submission.id}.pdf", "gateway panel report"
    )


@bp.route("/submissions/<int:submission_id>/history")
@allow("moderator", "panel", "round_admin")
def submission_history(submission_id: int):
    submission = _submission(submission_id)
    return render_template(
        "review/history.html", submission=submission, events=history(submission.id), role_labels=ROLE_LABELS
    )


@bp.route("/submissions/<int:submission_id>/evidence/<int:evidence_id>")
@allow(*COMMISSIONERS)
def download_evidence(submission_id: int, evidence_id: int):
    submission, evidence = access.evidence_for(current_user, submission_id, evidence_id)
    _require_declarations(submission.round)
    return send_file(
        storage().path(evidence.stored_name),
        mimetype=evidence.content_type,
        as_attachment=True,
        download_name=evidence.original_name,
    )


@bp.route("/rounds/<int:round_id>/programme-summary.pdf")
@allow(*COMMISSIONERS)
def programme_report(round_id: int):
    round_ = _round(round_id)
    return pdf_download(
        lambda: programme_report_pdf(round_, current_user),
        f"programme-summary-round-{round_.id}.pdf",
        "programme summary",
    )


@bp.route("/rounds/<int:round_id>/panel-pack.pdf")
@allow(*COMMISSIONERS)
def panel_pack(round_id: int):
    round_ = _round(round_id)
    return pdf_download(lambda: panel_pack_pdf(round_, current_user), f"panel-pack-round-{round_.id}.pdf", "panel pack")


# --------------------------------------------------------------------------------------------------
# Conflicts of interest


@bp.route("/rounds/<int:round_id>/declarations", methods=["GET", "POST"])
@allow("evaluator", "moderator", "panel")
def declarations(round_id: int):
    round_ = db.session.get(Round, round_id) or abort(404)
    applicants = conflicts.applicants(round_)
    declared = conflicts.declarations_of(round_, current_user)
    problems: list[tuple[str, str]] = []
    # What the page shows for each applicant: the saved declaration, or what was just posted.
    choices = {
        a.id: ("conflict" if declared[a.id].has_conflict else "none") if a.id in declared else None for a in applicants
    }
    descriptions = {a.id: declared[a.id].description if a.id in declared else "" for a in applicants}
    if request.method == "POST":
        choices = {a.id: request.form.get(f"conflict-{a.id}") for a in applicants}
        descriptions = {a.id: request.form.get(f"description-{a.id}", "") for a in applicants}
        entries = [
            conflicts.DeclarationInput(a.id, choices[a.id] == "conflict", descriptions[a.id])
            for a in applicants
            if choices[a.id] in ("none", "conflict")
        ]
        try:
            found = conflicts.declare(round_, current_user, entries)
        except NotAllowed as exc:
            found = [(applicants[0].id if applicants else 0, str(exc))]
        problems = [
            (
                f"conflict-{applicant_id}"
                if choices.get(applicant_id) != "conflict"
                else f"description-{applicant_id}",
                message,
            )
            for applicant_id, message in found
        ]
        if not problems:
            db.session.commit()
            flash("Your declarations are saved.")
            return redirect(url_for(".dashboard", round_id=round_.id))
        db.session.rollback()
    return render_template(
        "review/declarations.html",
        round=round_,
        applicants=applicants,
        choices=choices,
        descriptions=descriptions,
        declared=declared,
        problems=problems,
        declares=current_user.role in conflicts.DECLARING_ROLES,
    )


@bp.route("/rounds/<int:round_id>/conflicts")
@allow("round_admin")
def round_conflicts(round_id: int):
    round_ = db.session.get(Round, round_id) or abort(404)
    return render_template(
        "review/conflicts.html",
        round=round_,
        rows=conflicts.round_declarations(round_),
        applicant_count=len(conflicts.applicants(round_)),
    )


@bp.route("/rounds/<int:round_id>/conflicts/mitigate", methods=["POST"])
@allow("round_admin")
def mitigate_conflict(round_id: int):
    round_ = db.session.get(Round, round_id) or abort(404)
    declaration = db.session.scalar(
        db.select(ConflictDeclaration).filter_by(round_id=round_.id, id=_form_id("declaration_id"))
    )
    try:
        if declaration is None:
            raise NotAllowed("Choose a declared conflict to mitigate.")
        conflicts.mitigate(declaration, request.form.get("mitigation", ""), current_user)
    except NotAllowed as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Mitigation recorded: {declaration.user.name} may now take part for {declaration.applicant.name}.")
    return redirect(url_for(".round_conflicts", round_id=round_.id))


def _form_id(name: str) -> int:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() else 0


# --------------------------------------------------------------------------------------------------
# Checkpoints


@bp.route("/rounds/<int:round_id>/checkpoint/start", methods=["POST"])
@allow("round_admin")
def start_checkpoint(round_id: int):
    round_ = db.session.get(Round, round_id) or abort(404)
    try:
        created = checkpoints.start_checkpoint(round_, current_user)
    except Refused as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            f"{len(created)} draft{'' if len(created) == 1 else 's'} created with answers carried forward."
            if created
            else "Every applicant of the earlier round already has a draft in this checkpoint."
        )
    return redirect(url_for(".manage_round", round_id=round_.id))


# --------------------------------------------------------------------------------------------------
# Recommendations and conditions


class RecommendationForm(FlaskForm):
    urgency = RadioField(
        "How urgent is it?",
        choices=choice_list(RECOMMENDATION_URGENCIES.items()),
        validators=[InputRequired("Choose how urgent the recommendation is")],
    )
    text = TextAreaField("What the applicant should do", validators=[Optional()])
    owner = StringField("Owner", validators=[Optional()])
    due_on = DateField("Date it is due", validators=[Optional()])


@bp.route("/submissions/<int:submission_id>/recommendations", methods=["POST"])
@allow("moderator", "panel", "round_admin")
def add_recommendation(submission_id: int):
    submission = _submission(submission_id)
    form = RecommendationForm()
    if not form.validate_on_submit():
        problems = form_problems(form, {"urgency": "urgency-critical"})
    else:
        try:
            recommendations.add(
                submission, form.urgency.data, form.text.data, form.owner.data, form.due_on.data, current_user
            )
        except NotAllowed as exc:
            problems = error_summary(exc)
        else:
            db.session.commit()
            flash("Recommendation recorded.")
            return redirect(url_for(".submission", submission_id=submission.id, _anchor="recommendations"))
    db.session.rollback()
    return _submission_page(submission, recommendation_form=form, problems=problems)


def _closed_back(submission: Submission):
    return redirect(url_for(".submission", submission_id=submission.id, _anchor="recommendations"))


@bp.route("/submissions/<int:submission_id>/recommendations/close", methods=["POST"])
@allow("moderator", "panel", "round_admin")
def close_recommendation(submission_id: int):
    submission = _submission(submission_id)
    row = db.session.scalar(
        db.select(ReviewRecommendation).filter_by(submission_id=submission.id, id=_form_id("recommendation_id"))
    )
    try:
        if row is None:
            raise NotAllowed("Choose a recommendation to close", field="closure_note")
        recommendations.close(row, request.form.get("closure_note", ""), current_user)
    except NotAllowed as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash("Recommendation closed.")
    return _closed_back(submission)


@bp.route("/submissions/<int:submission_id>/conditions/close", methods=["POST"])
@allow("panel", "round_admin")
def close_condition(submission_id: int):
    submission = _submission(submission_id)
    condition = recommendations.condition_of(submission, _form_id("condition_id"))
    try:
        if condition is None:
            raise NotAllowed("Choose a condition to mark as met", field="closure_note")
        recommendations.close_condition(condition, request.form.get("closure_note", ""), current_user)
    except NotAllowed as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash("Condition marked as met.")
    return _closed_back(submission)


# --------------------------------------------------------------------------------------------------
# Publication, standstill and representations


@bp.route("/submissions/<int:submission_id>/publish", methods=["POST"])
@allow("round_admin")
def publish_decision(submission_id: int):
    submission = _submission(submission_id)
    latest = decisions.current(submission)
    try:
        if latest is None:
            raise NotAllowed("There is no recorded decision to publish.")
        publication = standstill.publish(submission, latest, current_user)
    except NotAllowed as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            f"Decision published. The standstill period ends at the end of {publication.standstill_ends_on:%-d %B %Y}."
        )
    return redirect(url_for(".decision", submission_id=submission.id, _anchor="standstill"))


@bp.route("/submissions/<int:submission_id>/representations/review", methods=["POST"])
@allow("round_admin")
def review_representation(submission_id: int):
    submission = _submission(submission_id)
    representation = db.session.scalar(
        db.select(Representation)
        .join(Representation.publication)
        .where(Representation.id == _form_id("representation_id"), DecisionPublication.submission_id == submission.id)
    )
    try:
        if representation is None:
            raise NotAllowed("Choose a representation to review.")
        standstill.review_representation(
            representation, request.form.get("outcome", ""), request.form.get("review_note", ""), current_user
        )
    except NotAllowed as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        follow_on = {
            "sent_back": " The submission is back under moderation: the panel must record a new decision.",
            "upheld": " The panel must now record a corrected decision and you publish it again.",
        }
        flash("Review recorded." + follow_on.get(representation.outcome, ""))
    return redirect(url_for(".decision", submission_id=submission.id, _anchor="standstill"))


@bp.route("/bank-holidays", methods=["GET", "POST"])
@allow("round_admin")
def bank_holidays():
    problems: list[tuple[str, str]] = []
    form = BankHolidayForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                standstill.add_bank_holiday(form.day.data, form.name.data, current_user)
            except NotAllowed as exc:
                db.session.rollback()
                problems = [("day", str(exc))]
            else:
                db.session.commit()
                flash(f"{form.name.data.strip()} added.")
                return redirect(url_for(".bank_holidays"))
        else:
            problems = form_problems(form)
    return render_template(
        "review/bank_holidays.html", holidays=standstill.bank_holidays(), form=form, problems=problems
    )


@bp.route("/bank-holidays/<int:holiday_id>/remove", methods=["POST"])
@allow("round_admin")
def remove_bank_holiday(holiday_id: int):
    holiday = db.session.get(BankHoliday, holiday_id) or abort(404)
    name = holiday.name
    try:
        standstill.remove_bank_holiday(holiday, current_user)
    except NotAllowed as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"{name} removed.")
    return redirect(url_for(".bank_holidays"))


class BankHolidayForm(FlaskForm):
    day = DateField("Date", validators=[InputRequired("Enter the date of the bank holiday")])
    name = StringField("Name", validators=[DataRequired("Enter the name of the bank holiday"), Length(max=100)])
