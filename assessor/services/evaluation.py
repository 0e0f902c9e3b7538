"""Independent evaluator scores on the 0–4 scale, hidden from other evaluators until they score too.

An evaluator who has not scored an answer sees neither the other evaluators' scores nor the
moderator's consensus on it.  Once they have scored and others' scores can be read, their own score
is no longer independent: changing it needs a reason, and the score given before stays on record
for the moderator (``EvaluatorScore.original_score``).

Evaluator scores never reach the engine: they inform the moderator, whose consensus score
(``services.moderation``) is the only commissioner input the engine reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeGuard

from questionnaires import Question
from scoring import visible_question_ids

from ..extensions import db
from ..models import EvaluatorScore, Submission, User, utcnow
from ..states import SubmissionStatus
from . import conflicts
from .answers import engine_answers
from .audit import record
from .definitions import questionnaire_for
from .errors import NotAllowed


@dataclass(frozen=True)
class ScaleStep:
    step: int
    label: str
    score: float


SCALE = (
    ScaleStep(0, "Unacceptable", 0.0),
    ScaleStep(1, "Poor", 0.25),
    ScaleStep(2, "Acceptable", 0.5),
    ScaleStep(3, "Good", 0.75),
    ScaleStep(4, "Excellent", 1.0),
)
ONE_STEP = 0.25
# Scores are stored as floats; a gap of exactly one step must not count as "more than one step".
_EPSILON = 1e-9
RATIONALE_MAX_LENGTH = 5000

# Roles that do not score answers themselves, so seeing every evaluator's score biases no one.
ROLES_SEEING_ALL_SCORES = frozenset({"moderator", "panel", "round_admin", "site_admin"})


def step_for(score: float | None) -> ScaleStep | None:
    """The scale step a stored score sits on, or None for a score between steps (older data)."""
    if score is None:
        return None
    return next((s for s in SCALE if abs(s.score - score) < _EPSILON), None)


def describe(score: float | None) -> str:
    step = step_for(score)
    if step is not None:
        return f"{step.label} ({step.step})"
    return "–" if score is None else f"{score:.2f} on a 0 to 1 scale"


def evaluable(question: Question | None) -> TypeGuard[Question]:
    """Narrative answers and every self-scored answer can be scored; unweighted questions count for nothing."""
    return question is not None and question.scored


@dataclass(frozen=True)
class QuestionEvaluations:
    """What one user may see of the evaluator scores for one question."""

    own: EvaluatorScore | None
    visible: tuple[EvaluatorScore, ...]  # every score this user may read, their own included
    hidden_count: int  # other evaluators' scores withheld until this user scores

    @property
    def count(self) -> int:
        return len(self.visible) + self.hidden_count

    @property
    def spread(self) -> float | None:
        if len(self.visible) < 2:
            return None
        scores = [row.score for row in self.visible]
        return max(scores) - min(scores)

    @property
    def divergent(self) -> bool:
        """More than a step apart now, or as first given: a score moved onto a colleague's after
        reading it does not hide the disagreement from the moderator."""
        if len(self.visible) < 2:
            return False
        spreads = (self.spread or 0.0, _spread([row.independent_score for row in self.visible]))
        return any(spread > ONE_STEP + _EPSILON for spread in spreads)

    @property
    def spread_steps(self) -> float:
        return (self.spread or 0.0) / ONE_STEP


def _spread(scores: list[float]) -> float:
    return max(scores) - min(scores) if scores else 0.0


def scores_by_question(submission: Submission) -> dict[str, list[EvaluatorScore]]:
    rows = db.session.scalars(
        db.select(EvaluatorScore)
        .filter_by(submission_id=submission.id)
        .order_by(EvaluatorScore.question_id, EvaluatorScore.id)
    )
    grouped: dict[str, list[EvaluatorScore]] = {}
    for row in rows:
        grouped.setdefault(row.question_id, []).append(row)
    return grouped


def evaluations_for(submission: Submission, user: User) -> dict[str, QuestionEvaluations]:
    """Per question, the scores ``user`` may read: evaluators see the others only after scoring it."""
    sees_all = user.role in ROLES_SEEING_ALL_SCORES
    views = {}
    for question_id, rows in scores_by_question(submission).items():
        own = next((row for row in rows if row.evaluator_id == user.id), None)
        if sees_all or own is not None:
            views[question_id] = QuestionEvaluations(own, tuple(rows), 0)
        else:
            views[question_id] = QuestionEvaluations(None, (), len(rows))
    return views


def consensus_hidden(submission: Submission, user: User, moderated: Iterable[str]) -> frozenset[str]:
    """Of the ``moderated`` questions, those whose consensus ``user`` may not see yet.

    The consensus is an aggregate of the evaluators' scores, so an evaluator who has not scored the
    answer would be anchored by it just as by the scores themselves.
    """
    if user.role in ROLES_SEEING_ALL_SCORES:
        return frozenset()
    own = set(
        db.session.scalars(
            db.select(EvaluatorScore.question_id).filter_by(submission_id=submission.id, evaluator_id=user.id)
        )
    )
    return frozenset(qid for qid in moderated if qid not in own)


def divergent_questions(submission: Submission) -> list[str]:
    """Questions whose evaluators differ by more than one step, for the moderator's attention."""
    return [
        qid
        for qid, rows in scores_by_question(submission).items()
        if QuestionEvaluations(None, tuple(rows), 0).divergent
    ]


def check_can_score(submission: Submission, question_id: str) -> Question:
    """The question, if answers to it can still be scored by commissioners; NotAllowed says why not."""
    questionnaire = questionnaire_for(submission.round)
    question = questionnaire.question(question_id)
    if not evaluable(question):
        raise NotAllowed(f"{question_id} is not a scored question in this questionnaire.")
    if submission.status == SubmissionStatus.DRAFT:
        raise NotAllowed("A draft cannot be scored: wait until the provider submits it.")
    if submission.status == SubmissionStatus.DECIDED:
        raise NotAllowed("The panel has recorded its decision, so scores can no longer change.")
    if question_id not in visible_question_ids(questionnaire, engine_answers(submission)):
        raise NotAllowed("This question does not apply to this submission, so it cannot be scored.")
    return question


def start_review(submission: Submission, user: User) -> None:
    """The first commissioner score moves a submitted assessment into moderation."""
    if submission.status == SubmissionStatus.SUBMITTED:
        submission.status = SubmissionStatus.UNDER_REVIEW
        record(
            "submission.review_started",
            user=user,
            submission_id=submission.id,
            old=SubmissionStatus.SUBMITTED,
            new=SubmissionStatus.UNDER_REVIEW,
        )


def others_scored(submission: Submission, question_id: str, user: User) -> bool:
    """Whether other evaluators' scores for this answer can be read by ``user`` once they have scored."""
    return (
        db.session.scalar(
            db.select(EvaluatorScore.id)
            .filter_by(submission_id=submission.id, question_id=question_id)
            .where(EvaluatorScore.evaluator_id != user.id)
            .limit(1)
        )
        is not None
    )


def record_score(
    submission: Submission, question_id: str, step: int, rationale: str, user: User, change_reason: str = ""
) -> EvaluatorScore:
    """Save ``user``'s own score for one answer; scoring again replaces their earlier score.

    Once other evaluators' scores could be read (the user has scored and someone else has too), a
    change needs ``change_reason`` and the score given before is kept: otherwise a placeholder score
    would unlock the others' and a rescore copy them, unseen by the moderator.
    """
    # Checked here as well as in the view so that no other caller (a command, a job) can score past
    # an unmitigated conflict of interest.
    conflicts.check_not_conflicted(submission, user)
    check_can_score(submission, question_id)
    scale_step = next((s for s in SCALE if s.step == step), None)
    if scale_step is None:
        raise NotAllowed("Choose a score from Unacceptable (0) to Excellent (4).")
    rationale = rationale.strip()
    if not rationale:
        raise NotAllowed("Explain your score.")
    if len(rationale) > RATIONALE_MAX_LENGTH:
        raise NotAllowed(f"The rationale must be {RATIONALE_MAX_LENGTH:,} characters or fewer.")
    row = db.session.scalar(
        db.select(EvaluatorScore).filter_by(submission_id=submission.id, question_id=question_id, evaluator_id=user.id)
    )
    old = None if row is None else {"score": row.score, "rationale": row.rationale}
    reason = None
    if row is None:
        row = EvaluatorScore(
            submission_id=submission.id,
            question_id=question_id,
            evaluator_id=user.id,
            score=scale_step.score,
            rationale=rationale,
        )
        db.session.add(row)
    elif (row.score, row.rationale) != (scale_step.score, rationale):
        if others_scored(submission, question_id, user):
            reason = (change_reason or "").strip()
            if not reason:
                raise NotAllowed(
                    "You have seen other evaluators' scores for this answer: explain why you are changing your score",
                    field="change_reason",
                )
            if len(reason) > RATIONALE_MAX_LENGTH:
                raise NotAllowed(
                    f"The reason must be {RATIONALE_MAX_LENGTH:,} characters or fewer.", field="change_reason"
                )
            if row.original_score is None:
                row.original_score, row.original_rationale = row.score, row.rationale
            row.change_reason = reason
        row.score, row.rationale, row.updated_at = scale_step.score, rationale, utcnow()
    start_review(submission, user)
    record(
        "evaluation.scored",
        user=user,
        submission_id=submission.id,
        question=question_id,
        old=old,
        new={"score": scale_step.score, "rationale": rationale},
        change_reason=reason,
    )
    return row
