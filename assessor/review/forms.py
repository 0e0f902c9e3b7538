"""The review pages' forms: scoring and moderation, clarifications, reopening, rounds and applicants,
inviting providers, panel decisions with their conditions, actions for the applicant and bank holidays."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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

from questionnaires import Gate
from scoring import OUTCOME_LABELS

from ..forms import CleanTextForm, CleanTextSubform, InvitationForm, choice_list
from ..models import ACTION_URGENCIES, DECISION_OUTCOMES
from ..services import clarifications, decisions, evaluation
from ..states import RoundStatus

SCALE_CHOICES = choice_list((str(s.step), f"{s.label} ({s.step})") for s in evaluation.SCALE)

# --------------------------------------------------------------------------------------------------
# Scoring, moderation, clarifications and reopening


class EvaluationForm(CleanTextForm):
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
    # Needed only for a change after other evaluators' scores could be read; the service decides.
    change_reason = TextAreaField(
        "Why are you changing your score?",
        validators=[
            Optional(),
            Length(max=evaluation.RATIONALE_MAX_LENGTH, message="Shorten the reason to 5,000 characters or fewer"),
        ],
    )


class ModerationForm(CleanTextForm):
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
