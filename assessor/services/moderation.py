"""Moderated (consensus) scores: the only commissioner input that feeds the engine."""

from __future__ import annotations

from ..extensions import db
from ..models import ModeratedScore, Submission, User, utcnow
from . import conflicts
from .audit import record
from .errors import NotAllowed
from .evaluation import RATIONALE_MAX_LENGTH, check_can_score, start_review


def moderated_rows(submission: Submission) -> dict[str, ModeratedScore]:
    rows = db.session.scalars(db.select(ModeratedScore).filter_by(submission_id=submission.id))
    return {row.question_id: row for row in rows}


def moderate(submission: Submission, question_id: str, score: float, rationale: str, user: User) -> ModeratedScore:
    """Record the consensus score for one answer; the caller rescores through ``services.scores``."""
    # The consensus feeds the engine, so an unmitigated conflict is refused here whoever the caller is.
    conflicts.check_not_conflicted(submission, user)
    check_can_score(submission, question_id)
    if not 0.0 <= score <= 1.0:
        raise NotAllowed("A moderated score must be between 0 and 1.")
    rationale = rationale.strip()
    if not rationale:
        raise NotAllowed("Explain the consensus score.")
    if len(rationale) > RATIONALE_MAX_LENGTH:
        raise NotAllowed(f"The rationale must be {RATIONALE_MAX_LENGTH:,} characters or fewer.")
    row = db.session.scalar(db.select(ModeratedScore).filter_by(submission_id=submission.id, question_id=question_id))
    old = None if row is None else {"score": row.score, "rationale": row.rationale}
    if row is None:
        row = ModeratedScore(
            submission_id=submission.id, question_id=question_id, score=score, rationale=rationale, moderator_id=user.id
        )
        db.session.add(row)
    else:
        row.score, row.rationale, row.moderator_id, row.updated_at = score, rationale, user.id, utcnow()
    start_review(submission, user)
    record(
        "moderation.scored",
        user=user,
        submission_id=submission.id,
        question=question_id,
        old=old,
        new={"score": score, "rationale": rationale},
    )
    return row
