"""The gateway panel's decision: recorded once, locked, and corrected only by a new version.

The ``panel_decision`` table refuses UPDATE and DELETE (database triggers), so nothing here ever
changes a decision row: conditions are written in the same transaction as their decision, and a
correction inserts the next version while every earlier version stays as history.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import IntegrityError

from scoring import OUTCOME_LABELS, RECOMMENDATION_LABELS, ScoreResult, WhatIfResult
from scoring.results import OUTCOME_ORDER, RECOMMENDATION_ORDER

from ..extensions import db
from ..models import DECISION_OUTCOMES, DecisionCondition, PanelDecision, Submission, User
from ..states import RAG_AMBER_RED, RAG_RED, DecisionOutcome, SubmissionStatus
from . import clarifications, conflicts, standstill, verification
from .audit import record
from .definitions import framework_for
from .errors import DecisionRefused, Problem
from .scores import EngineInputs, score, what_if_inputs

TEXT_MAX_LENGTH = 10_000
# Who may record a decision (the decision page declares the same; this is checked again here).
DECIDING_ROLES = frozenset({"panel", "site_admin"})


@dataclass(frozen=True)
class ConditionInput:
    text: str
    owner: str
    due_on: date


@dataclass(frozen=True)
class DecisionInput:
    outcome: str
    gate_outcomes: dict[str, str]
    decided_on: date
    panel_members: str
    minutes: str = ""
    differs_reason: str = ""
    conditions: list[ConditionInput] = field(default_factory=list)
    correction_reason: str = ""
    # The version the panel member was looking at: a decision recorded meanwhile is never overwritten blind.
    based_on_version: int = 0
    follow_up_on: date | None = None


def history(submission: Submission) -> list[PanelDecision]:
    """Every version of the decision, newest first."""
    return list(
        db.session.scalars(
            db.select(PanelDecision).filter_by(submission_id=submission.id).order_by(PanelDecision.version.desc())
        )
    )


def current(submission: Submission) -> PanelDecision | None:
    return db.session.scalar(
        db.select(PanelDecision).filter_by(submission_id=submission.id).order_by(PanelDecision.version.desc()).limit(1)
    )


# A weak overall rating calls for a follow-up review; the weaker the rating, the sooner.
FOLLOW_UP_MONTHS = {RAG_RED: 6, RAG_AMBER_RED: 9}


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    # The 31st of a shorter month falls back to that month's last day.
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_months(rag: str | None) -> int | None:
    """How many months after the decision a rating's follow-up review is due; None when none is needed."""
    return FOLLOW_UP_MONTHS.get(rag or "")


def proposed_follow_up(rag: str | None, decided_on: date) -> date | None:
    """The follow-up review date a Red or Amber/Red rating proposes; None when none is needed."""
    months = follow_up_months(rag)
    return None if months is None else _add_months(decided_on, months)


def needs_follow_up(rag: str | None) -> bool:
    return follow_up_months(rag) is not None


def implied_outcome(gate_outcomes: dict[str, str]) -> str:
    """The best overall outcome gate decisions allow, by the rule the engine applies to gate results."""
    worst = min((OUTCOME_ORDER.index(o) for o in gate_outcomes.values()), default=len(OUTCOME_ORDER) - 1)
    return RECOMMENDATION_ORDER[worst]


def what_if_for(inputs: EngineInputs) -> WhatIfResult | None:
    """The fewest improvements that would lift the recommendation one step, to inform the panel."""
    return what_if_inputs(inputs)


def can_record(submission: Submission) -> bool:
    return submission.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.UNDER_REVIEW, SubmissionStatus.DECIDED)


def waiting_for(submission: Submission, result: ScoreResult) -> list[str]:
    """What the panel must wait for before recording a decision; empty when nothing.

    Answers awaiting evaluation or not yet verified (``services.verification``), and clarifications
    that are open (unanswered before their reply-by date).  One rule for the decision page, which
    says why, and for ``record_decision``, which refuses.
    """
    reasons = []
    unchecked = verification.status(result, framework_for(submission.round), submission.round).blocking_message()
    if unchecked:
        reasons.append(unchecked)
    still_open = clarifications.open_ones(submission)
    if still_open:
        reasons.append(
            f"{clarifications.describe_open(still_open)}: wait for the provider's reply, "
            "or until the reply-by date has passed."
        )
    return reasons


def _refuse_if_not_decidable(
    submission: Submission, data: DecisionInput, user: User, latest: PanelDecision | None, result: ScoreResult
) -> None:
    """Whether a decision can be recorded at all now, whatever the form says."""
    if user.role not in DECIDING_ROLES:
        raise DecisionRefused("Only a panel member can record the panel's decision.", field="outcome", status=403)
    if conflicts.blocking(submission, user) is not None:
        raise DecisionRefused(
            f"You declared a conflict of interest with {submission.applicant.name} "
            "that has not been mitigated, so you cannot record its decision.",
            field="outcome",
        )
    if not can_record(submission):
        raise DecisionRefused("A draft cannot be decided: wait until the provider submits it.", field="outcome")
    standstill.check_decision_can_change(submission)
    if (latest.version if latest else 0) != data.based_on_version:
        raise DecisionRefused(
            "Another decision was recorded while you were filling in this form. "
            "Read it below and correct it if it is wrong.",
            field="outcome",
        )
    waiting = waiting_for(submission, result)
    if waiting:
        raise DecisionRefused(problems=[Problem("outcome", reason) for reason in waiting])


def _outcome_problems(data: DecisionInput, gate_outcomes: dict[str, str]) -> list[Problem]:
    """The overall decision and each gate's: all chosen, and the overall no better than the gates allow."""
    problems = []
    if data.outcome not in DECISION_OUTCOMES:
        problems.append(Problem("outcome", "Choose the panel's overall decision"))
    for gate_id, outcome in gate_outcomes.items():
        if outcome not in OUTCOME_LABELS:
            problems.append(Problem(f"gate_outcomes.{gate_id}", f"Choose the panel's decision for gate {gate_id}"))
    if data.outcome in DECISION_OUTCOMES and all(o in OUTCOME_LABELS for o in gate_outcomes.values()):
        allowed = implied_outcome(gate_outcomes)
        if RECOMMENDATION_ORDER.index(data.outcome) > RECOMMENDATION_ORDER.index(allowed):
            problems.append(
                Problem(
                    "outcome",
                    f"The gate decisions allow at most ‘{RECOMMENDATION_LABELS[allowed]}’: "
                    "change a gate or the overall decision",
                )
            )
    return problems


def _date_problems(data: DecisionInput, rag: str | None) -> list[Problem]:
    problems = []
    if data.decided_on > date.today():
        problems.append(Problem("decided_on", "The date of the decision must be today or in the past"))
    if needs_follow_up(rag) and data.follow_up_on is None:
        problems.append(Problem("follow_up_on", f"The overall rating is {rag}: enter the date of the follow-up review"))
    if data.follow_up_on is not None and data.follow_up_on <= data.decided_on:
        problems.append(Problem("follow_up_on", "The follow-up review must be after the date of the decision"))
    return problems


def _condition_problems(data: DecisionInput) -> list[Problem]:
    problems = []
    conditions = data.conditions
    if data.outcome == DecisionOutcome.PROCEED_WITH_CONDITIONS and not conditions:
        problems.append(Problem("conditions[0].text", "List at least one condition, with its owner and due date"))
    if data.outcome in (DecisionOutcome.PROCEED, DecisionOutcome.OPEN_PROCUREMENT) and conditions:
        problems.append(
            Problem(
                "conditions[0].text",
                "Conditions belong only to a decision to proceed with conditions: remove them or change the decision",
            )
        )
    for index, condition in enumerate(conditions):
        if condition.due_on < data.decided_on:
            problems.append(
                Problem(f"conditions[{index}].due_on", f"Condition {index + 1} is due before the date of the decision")
            )
    return problems


def record_decision(submission: Submission, data: DecisionInput, user: User) -> PanelDecision:
    inputs, result = score(submission)
    latest = current(submission)
    _refuse_if_not_decidable(submission, data, user, latest, result)

    problems: list[Problem] = []
    correction_reason = data.correction_reason.strip()
    if latest is not None and not correction_reason:
        problems.append(
            Problem("correction_reason", "The recorded decision is locked: explain why it needs correcting")
        )
    engine_gates = {gate.id: gate.outcome for gate in result.gates}
    gate_outcomes = {gate_id: data.gate_outcomes.get(gate_id, "") for gate_id in engine_gates}
    problems += _outcome_problems(data, gate_outcomes)
    problems += _date_problems(data, result.rag)
    panel_members = data.panel_members.strip()
    if not panel_members:
        problems.append(Problem("panel_members", "Enter the names of the panel members"))
    problems += _condition_problems(data)

    conditions = data.conditions
    differs = data.outcome != result.recommendation or gate_outcomes != engine_gates
    differs_reason = data.differs_reason.strip()
    if differs and not differs_reason:
        problems.append(
            Problem("differs_reason", "The decision differs from the recommendation: give the panel's reason")
        )

    for name, value in (
        ("minutes", data.minutes),
        ("differs_reason", differs_reason),
        ("correction_reason", correction_reason),
        ("panel_members", panel_members),
    ):
        if len(value) > TEXT_MAX_LENGTH:
            problems.append(Problem(name, f"Shorten this text to {TEXT_MAX_LENGTH:,} characters or fewer"))
    if problems:
        raise DecisionRefused(problems=problems)

    decision = PanelDecision(
        submission_id=submission.id,
        version=(latest.version + 1) if latest else 1,
        outcome=data.outcome,
        gate_outcomes_json=json.dumps(gate_outcomes, sort_keys=True),
        recommendation_at_decision=result.recommendation,
        inputs_hash_at_decision=inputs.inputs_hash,
        differs_reason=differs_reason if differs else None,
        correction_reason=correction_reason or None,
        decided_on=data.decided_on,
        follow_up_on=data.follow_up_on,
        panel_members=panel_members,
        minutes=data.minutes.strip(),
        recorded_by_id=user.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(decision)
            db.session.flush()
    except IntegrityError:
        # Two panel members saved at once; the other version won the number.
        raise DecisionRefused(
            "Another decision was recorded at the same moment. Read it below and correct it if it is wrong.",
            field="outcome",
        ) from None
    for condition in conditions:
        db.session.add(
            DecisionCondition(
                decision_id=decision.id,
                text=condition.text.strip(),
                owner=condition.owner.strip(),
                due_on=condition.due_on,
            )
        )
    old_status = submission.status
    submission.status = SubmissionStatus.DECIDED
    record(
        "decision.corrected" if latest else "decision.recorded",
        user=user,
        submission_id=submission.id,
        version=decision.version,
        outcome=decision.outcome,
        gates=gate_outcomes,
        recommendation=result.recommendation,
        differs=differs,
        differs_reason=decision.differs_reason,
        correction_reason=decision.correction_reason,
        conditions=len(conditions),
        follow_up_on=decision.follow_up_on,
        old_status=old_status,
        new_status=SubmissionStatus.DECIDED,
    )
    return decision
