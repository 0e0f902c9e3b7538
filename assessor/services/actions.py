"""Actions: what reviewers ask an applicant to do, and the conditions of a decision, tracked to closure."""

from __future__ import annotations

from datetime import date

from ..extensions import db
from ..models import (
    ACTION_URGENCIES,
    DecisionCondition,
    PanelDecision,
    ReviewAction,
    Submission,
    User,
    utcnow,
)
from ..states import ActionStatus, ConditionStatus
from . import conflicts
from .audit import record
from .errors import NotAllowed, Problem

TEXT_MAX_LENGTH = 5000
ACTION_ROLES = frozenset({"moderator", "panel", "round_admin", "site_admin"})
CONDITION_CLOSING_ROLES = frozenset({"panel", "round_admin", "site_admin"})


def for_submission(submission: Submission) -> list[ReviewAction]:
    order = {key: index for index, key in enumerate(ACTION_URGENCIES)}
    rows = db.session.scalars(db.select(ReviewAction).filter_by(submission_id=submission.id).order_by(ReviewAction.id))
    return sorted(rows, key=lambda r: (r.status != ActionStatus.OPEN, order.get(r.urgency, 9), r.id))


def add(submission: Submission, urgency: str, text: str, owner: str, due_on: date | None, user: User) -> ReviewAction:
    """A new action; every problem with the input is reported at once."""
    conflicts.check_not_conflicted(submission, user)
    text, owner = (text or "").strip(), (owner or "").strip()
    problems = []
    if urgency not in ACTION_URGENCIES:
        problems.append(Problem("urgency", "Choose how urgent the action is"))
    if not text:
        problems.append(Problem("text", "Describe what the applicant should do"))
    elif len(text) > TEXT_MAX_LENGTH:
        problems.append(Problem("text", f"Shorten the action to {TEXT_MAX_LENGTH:,} characters or fewer"))
    if not owner:
        problems.append(Problem("owner", "Say who owns the action"))
    elif len(owner) > 200:
        problems.append(Problem("owner", "Shorten the owner's name to 200 characters or fewer"))
    if urgency == "essential" and due_on is None:
        problems.append(Problem("due_on", "An essential action needs the date it must be done by"))
    if problems:
        raise NotAllowed(problems=problems)
    # Critical means now: dated today unless the reviewer gave a date.
    if urgency == "critical" and due_on is None:
        due_on = date.today()
    row = ReviewAction(
        submission_id=submission.id, urgency=urgency, text=text, owner=owner, due_on=due_on, created_by_id=user.id
    )
    db.session.add(row)
    db.session.flush()
    # Stored audit trails hold this event name and detail key (recommendation = the action's id): keep both.
    record(
        "recommendation.added",
        user=user,
        submission_id=submission.id,
        recommendation=row.id,
        urgency=urgency,
        text=text,
        owner=owner,
        due_on=due_on,
    )
    return row


def _closure_note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise NotAllowed("Say how it was done and where the evidence is", field="closure_note")
    if len(note) > TEXT_MAX_LENGTH:
        raise NotAllowed(f"Shorten the note to {TEXT_MAX_LENGTH:,} characters or fewer", field="closure_note")
    return note


def close(row: ReviewAction, note: str, user: User) -> None:
    conflicts.check_not_conflicted(db.session.get_one(Submission, row.submission_id), user)
    if row.status != ActionStatus.OPEN:
        raise NotAllowed("This action is already closed", field="closure_note")
    row.closure_note, row.status, row.closed_at = _closure_note(note), ActionStatus.CLOSED, utcnow()
    # Stored audit trails hold this event name and detail key, as for recommendation.added: keep both.
    record(
        "recommendation.closed",
        user=user,
        submission_id=row.submission_id,
        recommendation=row.id,
        note=row.closure_note,
    )


def condition_of(submission: Submission, condition_id: int) -> DecisionCondition | None:
    return db.session.scalar(
        db.select(DecisionCondition)
        .join(PanelDecision)
        .where(PanelDecision.submission_id == submission.id, DecisionCondition.id == condition_id)
    )


def close_condition(condition: DecisionCondition, note: str, user: User) -> None:
    """Mark a decision's condition met, with the evidence; conditions are outside the append-only table."""
    decision = db.session.get_one(PanelDecision, condition.decision_id)
    conflicts.check_not_conflicted(db.session.get_one(Submission, decision.submission_id), user)
    if condition.status == ConditionStatus.MET:
        raise NotAllowed("This condition is already met", field="closure_note")
    condition.closure_note, condition.status, condition.closed_at = _closure_note(note), ConditionStatus.MET, utcnow()
    record(
        "condition.met",
        user=user,
        submission_id=condition.decision.submission_id,
        condition=condition.id,
        text=condition.text,
        note=condition.closure_note,
    )
