"""The moderator's consensus on an answer: the only commissioner input that feeds the engine.

A consensus takes the form of the evaluators' verdicts (``services.evaluation.Verdict``): a score
for a written answer, a judgement of evidence, or the verified answer of any other question.
``consensus_value`` turns a stored one into what the engine reads.
"""

from __future__ import annotations

import json
from typing import Any

from ..extensions import db
from ..models import ModeratedScore, Submission, User, utcnow
from . import conflicts
from .audit import record
from .errors import NotAllowed
from .evaluation import RATIONALE_MAX_LENGTH, Verdict, check_can_score, check_kind, start_review


def consensus_value(score: float, verified_answer_json: str | None, sufficiency: str | None) -> Any:
    """The engine's form of a stored consensus: a judgement, ``{"answer": value}`` or a score."""
    if sufficiency:
        return sufficiency
    if verified_answer_json is not None:
        return {"answer": json.loads(verified_answer_json)}
    return score


def moderated_rows(submission: Submission) -> dict[str, ModeratedScore]:
    rows = db.session.scalars(db.select(ModeratedScore).filter_by(submission_id=submission.id))
    return {row.question_id: row for row in rows}


def moderate(
    submission: Submission, question_id: str, consensus: float | Verdict, rationale: str, user: User
) -> ModeratedScore:
    """Record the consensus on one answer; the caller rescores through ``services.scores``."""
    # The consensus feeds the engine, so an unmitigated conflict is refused here whoever the caller is.
    conflicts.check_not_conflicted(submission, user)
    question = check_can_score(submission, question_id)
    verdict = consensus if isinstance(consensus, Verdict) else Verdict(float(consensus))
    # A bare score is only for written answers: evidence is judged and other answers verified.
    check_kind(question, verdict)
    score = verdict.score
    if not 0.0 <= score <= 1.0:
        raise NotAllowed("A moderated score must be between 0 and 1.")
    rationale = rationale.strip()
    if not rationale:
        raise NotAllowed("Explain the consensus score.")
    if len(rationale) > RATIONALE_MAX_LENGTH:
        raise NotAllowed(f"The rationale must be {RATIONALE_MAX_LENGTH:,} characters or fewer.")
    row = db.session.scalar(db.select(ModeratedScore).filter_by(submission_id=submission.id, question_id=question_id))
    stored = verdict.stored()
    old = None if row is None else {name: getattr(row, name) for name in (*stored, "rationale")}
    if row is None:
        row = ModeratedScore(
            submission_id=submission.id, question_id=question_id, rationale=rationale, moderator_id=user.id, **stored
        )
        db.session.add(row)
    else:
        for name, value in stored.items():
            setattr(row, name, value)
        row.rationale, row.moderator_id, row.updated_at = rationale, user.id, utcnow()
    start_review(submission, user)
    record(
        "moderation.scored",
        user=user,
        submission_id=submission.id,
        question=question_id,
        old=old,
        new={**stored, "rationale": rationale},
    )
    return row
