"""Moderated (consensus) scores: the only commissioner input that feeds the engine."""
from __future__ import annotations

from ..extensions import db
from ..models import ModeratedScore, Submission, User, utcnow
from .audit import record
from .definitions import questionnaire_for
from .submissions import NotAllowed


def moderate(submission: Submission, question_id: str, score: float, rationale: str, user: User) -> ModeratedScore:
    question = questionnaire_for(submission.round).question(question_id)
    if question is None or not question.scored:
        raise NotAllowed(f"{question_id} is not a scored question in this questionnaire.")
    if submission.status == "draft":
        raise NotAllowed("A draft cannot be moderated: wait until the provider submits it.")
    if not 0.0 <= score <= 1.0:
        raise NotAllowed("A moderated score must be between 0 and 1.")
    row = db.session.scalar(db.select(ModeratedScore).filter_by(submission_id=submission.id, question_id=question_id))
    old = None if row is None else {"score": row.score, "rationale": row.rationale}
    if row is None:
        row = ModeratedScore(submission_id=submission.id, question_id=question_id, score=score,
                             rationale=rationale.strip(), moderator_id=user.id)
        db.session.add(row)
    else:
        row.score, row.rationale, row.moderator_id, row.updated_at = score, rationale.strip(), user.id, utcnow()
    if submission.status == "submitted":
        submission.status = "under_review"
    record("moderation.scored", user=user, submission_id=submission.id, question=question_id, old=old,
           new={"score": score, "rationale": rationale.strip()})
    return row
