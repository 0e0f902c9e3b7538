"""Independent evaluator verdicts on answers, hidden from other evaluators until they give theirs too.

A verdict takes the form the question needs (``verdict_kind``): a written answer is scored on the
0–4 scale; evidence is judged sufficient, partly sufficient or not sufficient, saying where in the
files the evaluator relied; any other scored answer is verified, confirmed as the provider gave it
or adjusted to the answer the evidence supports.  Every verdict also carries the score it gives,
which is what spread and divergence compare.

An evaluator who has not scored an answer sees neither the other evaluators' scores nor the
moderator's consensus on it.  Once they have scored and others' scores can be read, their own score
is no longer independent: changing it needs a reason, and the score given before stays on record
for the moderator (``EvaluatorScore.original_score``).

Evaluator scores never reach the engine: they inform the moderator, whose consensus score
(``services.moderation``) is the only commissioner input the engine reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeGuard

from questionnaires import SUFFICIENCY_LABELS, SUFFICIENCY_SCORES, Question
from reports.rendering import format_answer
from scoring import answer_score, consensus_problem, visible_question_ids

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


LOCATION_MAX_LENGTH = 300

# The form of verdict each kind of question takes.
SCORE, JUDGEMENT, VERIFICATION = "score", "judgement", "verification"


def verdict_kind(question: Question) -> str:
    if question.type == "text":
        return SCORE
    if question.type == "evidence":
        return JUDGEMENT
    return VERIFICATION


@dataclass(frozen=True)
class Verdict:
    """What one evaluator (or the moderator's consensus) says about one answer."""

    score: float
    # VERIFICATION: the answer the evidence supports, as JSON (confirmed: the provider's own).
    verified_answer_json: str | None = None
    # JUDGEMENT: the judgement of the files (SUFFICIENCY_SCORES) and where in them it relied.
    sufficiency: str | None = None
    location: str | None = None
    confirmed: bool = False

    def stored(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "verified_answer_json": self.verified_answer_json,
            "sufficiency": self.sufficiency,
            "evidence_location": self.location,
        }


def scored_verdict(step: int) -> Verdict:
    scale_step = next((s for s in SCALE if s.step == step), None)
    if scale_step is None:
        raise NotAllowed("Choose a score from Unacceptable (0) to Excellent (4).")
    return Verdict(scale_step.score)


def judged_verdict(sufficiency: str, location: str) -> Verdict:
    if sufficiency not in SUFFICIENCY_SCORES:
        raise NotAllowed("Choose whether the evidence is sufficient, partly sufficient or not sufficient.")
    location = location.strip()
    if sufficiency != "not_sufficient" and not location:
        raise NotAllowed("Say where in the evidence you relied on, such as a page or section.", field="location")
    if len(location) > LOCATION_MAX_LENGTH:
        raise NotAllowed(f"Shorten the location to {LOCATION_MAX_LENGTH} characters or fewer.", field="location")
    return Verdict(SUFFICIENCY_SCORES[sufficiency], sufficiency=sufficiency, location=location or None)


def verified_verdict(question: Question, provider_answer: Any, confirmed: bool, adjusted: Any) -> Verdict:
    """Confirmed: the provider's answer stands; adjusted: ``adjusted`` is what the evidence supports."""
    value = provider_answer if confirmed else adjusted
    if value is None:
        if confirmed:
            raise NotAllowed("The provider gave no answer to confirm: adjust it to the answer the evidence supports.")
        raise NotAllowed("Give the answer the evidence supports.", field="adjusted")
    problem = consensus_problem(question, {"answer": value})
    if problem:
        raise NotAllowed(f"That answer cannot be used: {problem}.", field="adjusted")
    own = answer_score(question, value)
    return Verdict(
        0.0 if own is None else own,
        verified_answer_json=json.dumps(value, sort_keys=True),
        confirmed=confirmed,
    )


def verified_answer(row: Any) -> Any:
    """The answer a stored verdict verified (None when it is not a verification)."""
    raw = getattr(row, "verified_answer_json", None)
    return None if raw is None else json.loads(raw)


def describe_verdict(row: Any, question: Question | None = None) -> str:
    """A stored verdict in words: the judgement, the verified answer, or the score."""
    if row is None:
        return "–"
    if getattr(row, "sufficiency", None):
        text = SUFFICIENCY_LABELS.get(row.sufficiency, row.sufficiency)
        location = getattr(row, "evidence_location", None)
        return f"{text} (relied on: {location})" if location else text
    if getattr(row, "verified_answer_json", None) is not None:
        # In the words the provider's answer is shown in, so the two read alike side by side.
        shown = format_answer(verified_answer(row), question) if question is not None else row.verified_answer_json
        return f"Verified answer: {shown}"
    return describe(row.score)


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
    """Save ``user``'s own 0–4 score for a written answer (see ``record_verdict``)."""
    return record_verdict(submission, question_id, scored_verdict(step), rationale, user, change_reason)


def record_verdict(
    submission: Submission, question_id: str, verdict: Verdict, rationale: str, user: User, change_reason: str = ""
) -> EvaluatorScore:
    """Save ``user``'s own verdict on one answer; giving one again replaces their earlier one.

    Once other evaluators' verdicts could be read (the user has given one and someone else has
    too), a change needs ``change_reason`` and the verdict given before is kept: otherwise a
    placeholder would unlock the others' and a second verdict copy them, unseen by the moderator.
    A rationale is required, except when confirming an answer as the provider gave it.
    """
    # Checked here as well as in the view so that no other caller (a command, a job) can score past
    # an unmitigated conflict of interest.
    conflicts.check_not_conflicted(submission, user)
    question = check_can_score(submission, question_id)
    check_kind(question, verdict)
    word = "score" if verdict_kind(question) == SCORE else "verdict"
    rationale = _checked_rationale(rationale, required=not verdict.confirmed, what=f"your {word}")
    row = db.session.scalar(
        db.select(EvaluatorScore).filter_by(submission_id=submission.id, question_id=question_id, evaluator_id=user.id)
    )
    stored = verdict.stored()
    old = None if row is None else _row_values(row)
    reason = None
    if row is None:
        row = EvaluatorScore(
            submission_id=submission.id, question_id=question_id, evaluator_id=user.id, rationale=rationale, **stored
        )
        db.session.add(row)
    elif old != {**stored, "rationale": rationale}:
        if others_scored(submission, question_id, user):
            reason = _checked_reason(change_reason, word)
            if row.original_score is None:
                row.original_score, row.original_rationale = row.score, row.rationale
                row.original_verified_answer_json, row.original_sufficiency = row.verified_answer_json, row.sufficiency
            row.change_reason = reason
        for name, value in stored.items():
            setattr(row, name, value)
        row.rationale, row.updated_at = rationale, utcnow()
    start_review(submission, user)
    record(
        "evaluation.scored",
        user=user,
        submission_id=submission.id,
        question=question_id,
        old=old,
        new={**stored, "rationale": rationale},
        change_reason=reason,
    )
    return row


def _row_values(row: Any) -> dict[str, Any]:
    return {
        "score": row.score,
        "verified_answer_json": row.verified_answer_json,
        "sufficiency": row.sufficiency,
        "evidence_location": row.evidence_location,
        "rationale": row.rationale,
    }


def check_kind(question: Question, verdict: Verdict) -> None:
    kind = verdict_kind(question)
    given = JUDGEMENT if verdict.sufficiency else VERIFICATION if verdict.verified_answer_json is not None else SCORE
    if given != kind:
        wanted = {SCORE: "scored", JUDGEMENT: "judged", VERIFICATION: "verified"}[kind]
        raise NotAllowed(f"This answer is {wanted}, not given a verdict of another kind.")


def _checked_rationale(rationale: str, *, required: bool, what: str) -> str:
    rationale = (rationale or "").strip()
    if required and not rationale:
        raise NotAllowed(f"Explain {what}.", field="rationale")
    if len(rationale) > RATIONALE_MAX_LENGTH:
        raise NotAllowed(f"The rationale must be {RATIONALE_MAX_LENGTH:,} characters or fewer.", field="rationale")
    return rationale


def _checked_reason(change_reason: str, word: str) -> str:
    reason = (change_reason or "").strip()
    if not reason:
        raise NotAllowed(
            f"You have seen other evaluators' {word}s for this answer: explain why you are changing your {word}",
            field="change_reason",
        )
    if len(reason) > RATIONALE_MAX_LENGTH:
        raise NotAllowed(f"The reason must be {RATIONALE_MAX_LENGTH:,} characters or fewer.", field="change_reason")
    return reason
