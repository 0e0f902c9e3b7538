"""The review pages' forms: scoring and moderation, clarifications, reopening, rounds and applicants,
inviting providers, panel decisions with their conditions, actions for the applicant and bank holidays."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from wtforms import (
    DateField,
    Field,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from questionnaires import SUFFICIENCY_LABELS, Gate, Question
from scoring import OUTCOME_LABELS

from ..forms import CleanTextForm, CleanTextSubform, InvitationForm, answer_field, canonical_value, choice_list
from ..models import ACTION_URGENCIES, DECISION_OUTCOMES
from ..services import clarifications, decisions, evaluation
from ..states import VERIFICATION_SCOPE_LABELS, RoundStatus

SCALE_CHOICES = choice_list((str(s.step), f"{s.label} ({s.step})") for s in evaluation.SCALE)

# --------------------------------------------------------------------------------------------------
# Scoring, moderation, clarifications and reopening


class VerdictFields:
    """The names of one verdict form's controls: an evaluator's own verdict, or the moderator's consensus.

    Both forms can be on one page, so the consensus form's controls carry their own names.
    """

    def __init__(self, prefix: str, score: str):
        self.consensus = bool(prefix)
        self.score = score
        self.sufficiency = prefix + "sufficiency"
        self.location = prefix + "location"
        self.verdict = prefix + "verdict"
        self.adjusted = prefix + "adjusted"
        self.rationale = prefix + "rationale"

    def first_control(self, kind: str) -> str:
        """The id of the first control of the form's main question, which the error summary links to."""
        if kind == evaluation.JUDGEMENT:
            return f"{self.sufficiency}-{SUFFICIENCY_ORDER[0]}"
        if kind == evaluation.VERIFICATION:
            return f"{self.verdict}-{CONFIRM}"
        return f"{self.score}-0"

    def anchors(self, kind: str) -> dict[str, str]:
        """Field names (the form's, and those a service's refusal names) -> the ids of their controls."""
        main = {evaluation.SCORE: self.score, evaluation.JUDGEMENT: self.sufficiency}.get(kind, self.verdict)
        return {
            main: self.first_control(kind),
            "location": self.location,
            "adjusted": self.adjusted,
            "rationale": self.rationale,
            "change_reason": "change_reason",
        }


EVALUATOR_FIELDS = VerdictFields("", score="score")
CONSENSUS_FIELDS = VerdictFields("consensus_", score="consensus")

SUFFICIENCY_ORDER = ("sufficient", "partly", "not_sufficient")
SUFFICIENCY_CHOICES = choice_list((value, SUFFICIENCY_LABELS[value]) for value in SUFFICIENCY_ORDER)
CONFIRM, ADJUST = "confirm", "adjust"
VERIFICATION_CHOICES = choice_list(
    [
        (CONFIRM, "Confirm: the evidence supports the answer the provider gave"),
        (ADJUST, "Adjust: the evidence supports a different answer"),
    ]
)
_CHOOSE_SCORE = "Choose a score from Unacceptable (0) to Excellent (4)"
_CHOOSE_SUFFICIENCY = "Choose whether the evidence is sufficient, partly sufficient or not sufficient"
_RATIONALE_LENGTH = Length(
    max=evaluation.RATIONALE_MAX_LENGTH, message="Shorten the rationale to 5,000 characters or fewer"
)


class VerdictForm(CleanTextForm):
    """An evaluator's verdict or the moderator's consensus on one answer, in the form its question needs
    (``evaluation.verdict_kind``); built for each question by ``verdict_form_class``.

    Checks that depend on another field (where in the evidence, the adjusted answer, a rationale
    when adjusting) are made here too, so that every problem is shown at once; the services make
    them again for any other caller.
    """

    # Methods and attributes must not share a name with a field: "verdict" and "rationale" are fields.
    kind: ClassVar[str]
    names: ClassVar[VerdictFields]
    question: ClassVar[Question]

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        names = self.names
        if self.kind == evaluation.VERIFICATION:
            adjusted = self[names.adjusted]
            if self[names.verdict].data != ADJUST:
                # The adjusted answer is read only when adjusting, as its revealed field suggests.
                adjusted.errors = []
            elif adjusted.errors and self.question.type != "number":
                adjusted.errors = ["Choose the answer the evidence supports from those listed"]
            elif not adjusted.errors and self.adjusted_answer() is None:
                adjusted.errors = ["Give the answer the evidence supports"]
        if self.kind == evaluation.JUDGEMENT:
            location = self[names.location]
            judged = self[names.sufficiency].data
            if judged in SUFFICIENCY_ORDER[:2] and not (location.data or "").strip() and not location.errors:
                location.errors = ["Say where in the evidence you relied on, such as a page or section"]
        rationale = self[names.rationale]
        if not rationale.errors and not (rationale.data or "").strip() and self.rationale_required():
            rationale.errors = [self.rationale_message()]
        return not self.errors

    def rationale_required(self) -> bool:
        """Always for the consensus; an evaluator may confirm an answer without one."""
        return self.names.consensus or self.kind != evaluation.VERIFICATION or self[self.names.verdict].data != CONFIRM

    def rationale_message(self) -> str:
        if self.names.consensus:
            return "Explain the consensus score" if self.kind == evaluation.SCORE else "Explain the consensus"
        return {
            evaluation.SCORE: "Explain your score",
            evaluation.JUDGEMENT: "Explain your judgement of the evidence",
        }.get(self.kind, "Explain why the evidence supports a different answer")

    def adjusted_answer(self) -> Any:
        """The adjusted answer in the engine's terms (None: none given), read as the provider's is."""
        return canonical_value(self.question, self[self.names.adjusted].data)

    def given_verdict(self, provider_answer: Any) -> evaluation.Verdict:
        """The verdict the validated form gives; the builders refuse what the services would."""
        names = self.names
        if self.kind == evaluation.JUDGEMENT:
            return evaluation.judged_verdict(self[names.sufficiency].data or "", self[names.location].data or "")
        if self.kind == evaluation.VERIFICATION:
            confirmed = self[names.verdict].data == CONFIRM
            adjusted = None if confirmed else self.adjusted_answer()
            return evaluation.verified_verdict(self.question, provider_answer, confirmed, adjusted)
        return evaluation.scored_verdict(int(self[names.score].data or -1))

    def rationale_text(self) -> str:
        return self[self.names.rationale].data or ""


def verdict_form_class(question: Question, names: VerdictFields) -> type[VerdictForm]:
    """The evaluator's (``EVALUATOR_FIELDS``) or moderator's (``CONSENSUS_FIELDS``) form for ``question``."""
    kind = evaluation.verdict_kind(question)
    consensus = names.consensus
    attrs: dict[str, Any] = {"kind": kind, "names": names, "question": question}
    if kind == evaluation.SCORE:
        attrs[names.score] = RadioField(
            "Consensus score" if consensus else "Your score",
            choices=SCALE_CHOICES,
            validators=[InputRequired("Choose the consensus score" if consensus else _CHOOSE_SCORE)],
        )
    elif kind == evaluation.JUDGEMENT:
        attrs[names.sufficiency] = RadioField(
            "Is the evidence sufficient?",
            choices=SUFFICIENCY_CHOICES,
            validators=[InputRequired(_CHOOSE_SUFFICIENCY)],
        )
        attrs[names.location] = StringField(
            "Where in the evidence you relied on",
            validators=[
                Length(
                    max=evaluation.LOCATION_MAX_LENGTH,
                    message=f"Shorten the location to {evaluation.LOCATION_MAX_LENGTH} characters or fewer",
                )
            ],
        )
    else:
        attrs[names.verdict] = RadioField(
            "Does the evidence support the provider's answer?",
            choices=VERIFICATION_CHOICES,
            validators=[InputRequired("Choose whether to confirm the provider's answer or adjust it")],
        )
        # The provider's own input for the question: it looks and parses exactly as theirs does.
        attrs[names.adjusted] = answer_field(question)
    attrs[names.rationale] = TextAreaField("Rationale", validators=[_RATIONALE_LENGTH])
    if not consensus:
        # Needed only for a change after other evaluators' verdicts could be read; the service decides.
        attrs["change_reason"] = TextAreaField(
            "Why are you changing your verdict?",
            validators=[
                Optional(),
                Length(max=evaluation.RATIONALE_MAX_LENGTH, message="Shorten the reason to 5,000 characters or fewer"),
            ],
        )
    return type("QuestionVerdictForm", (VerdictForm,), attrs)


class ClarificationForm(CleanTextForm):
    about = HiddenField()
    clarification = TextAreaField(
        "Question for the provider",
        validators=[
            DataRequired("Enter the question for the provider"),
            Length(max=clarifications.QUESTION_MAX_LENGTH, message="Shorten the question to 2,000 characters or fewer"),
        ],
    )
    # Empty: five working days from today (the service's default, shown in the field).
    reply_by = DateField("Reply by", validators=[Optional()])


class ReopenForm(CleanTextForm):
    reason = TextAreaField("Reason for reopening", validators=[DataRequired("Give a reason"), Length(max=2000)])


# --------------------------------------------------------------------------------------------------
# Rounds, applicants and invitations


class RoundForm(CleanTextForm):
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


class RoundSettingsForm(CleanTextForm):
    deadline = DateField("Deadline for submissions", validators=[Optional()])
    status = RadioField(
        "Round status",
        choices=choice_list(
            [
                (RoundStatus.OPEN, "Open: providers can edit drafts"),
                (RoundStatus.CLOSED, "Closed: drafts can no longer change"),
            ]
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
    # Left unchosen, the round keeps its scope.
    verification_scope = RadioField(  # type: ignore[call-arg]  # invalid_choice_message is newer than the stubs
        "What evaluators must verify before the panel decides",
        choices=choice_list(VERIFICATION_SCOPE_LABELS.items()),
        validators=[Optional()],
        invalid_choice_message="Choose what evaluators must verify",
    )


class ApplicantForm(CleanTextForm):
    applicant_name = StringField(
        "Applicant name", validators=[DataRequired("Enter the applicant's name"), Length(max=200)]
    )
    lead_name = StringField(
        "Lead organisation", validators=[DataRequired("Enter the lead organisation"), Length(max=200)]
    )
    lead_kind = SelectField("Kind of lead organisation", validators=[InputRequired("Choose the kind")])
    partners = TextAreaField("Partner organisations", validators=[Optional(), Length(max=5000)])


class ProviderInvitationForm(InvitationForm):
    organisation_id = SelectField(
        "Organisation", coerce=int, validators=[InputRequired("Choose the organisation the person works for")]
    )


# --------------------------------------------------------------------------------------------------
# Panel decisions and their conditions


class ConditionForm(CleanTextSubform):
    text = TextAreaField("Condition", validators=[Optional(), Length(max=2000, message="Shorten the condition")])
    owner = StringField("Owner", validators=[Optional(), Length(max=200, message="Shorten the owner's name")])
    due_on = DateField("Due date", validators=[Optional()])


class DecisionForm(CleanTextForm):
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
    def _given(field: Field) -> bool:
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


def decision_form_class(gates: Iterable[Gate], condition_rows: int) -> type[DecisionForm]:
    """A decision form with one radio per gate of the framework and room for ``condition_rows`` conditions."""
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


# --------------------------------------------------------------------------------------------------
# Actions and bank holidays


class ActionForm(CleanTextForm):
    urgency = RadioField(
        "How urgent is it?",
        choices=choice_list(ACTION_URGENCIES.items()),
        validators=[InputRequired("Choose how urgent the action is")],
    )
    text = TextAreaField("What the applicant should do", validators=[Optional()])
    owner = StringField("Owner", validators=[Optional()])
    due_on = DateField("Date it is due", validators=[Optional()])


class BankHolidayForm(CleanTextForm):
    day = DateField("Date", validators=[InputRequired("Enter the date of the bank holiday")])
    name = StringField("Name", validators=[DataRequired("Enter the name of the bank holiday"), Length(max=100)])
