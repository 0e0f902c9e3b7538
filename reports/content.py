"""Plain values the services hand to the report templates, and selections every report shares.

Everything here is data already gathered from the database; nothing is queried or rescored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from questionnaires import Question, Questionnaire
from scoring import DomainResult, GateOutcome, QuestionScore, Recommendation, ScoreResult

CONFIDENTIAL_MARKING = "OFFICIAL-SENSITIVE: COMMERCIAL"


def recommendation_sentence(result: ScoreResult) -> str:
    """Why the engine recommends what it does, in one sentence, including a gate failed by too many
    conditions (no must-have unmet) and a result still awaiting evaluation."""
    sentence = RECOMMENDATION_SENTENCES[result.recommendation]
    if result.recommendation == Recommendation.OPEN_PROCUREMENT:
        must_have_unmet = any(not c.passed and c.on_fail == "fail" for g in result.gates for c in g.criteria)
        limited = [g for g in result.gates if g.note]
        if limited and not must_have_unmet:
            names = ", ".join(g.title for g in limited)
            sentence = (
                f"More criteria are unmet than the gate allows conditions for ({names}), so the panel is "
                "recommended to default to open procurement."
            )
        elif limited:
            names = ", ".join(g.title for g in limited)
            sentence += f" {names} also has more unmet criteria than it allows conditions for."
    if result.provisional:
        sentence += " This is provisional: some criteria are unmet only because answers still await evaluation."
    return sentence


RECOMMENDATION_SENTENCES = {
    Recommendation.PROCEED: "The applicant meets every gateway criterion, so the panel is recommended to proceed.",
    Recommendation.PROCEED_WITH_CONDITIONS: (
        "No gate fails but some criteria are not met, so the panel is recommended to proceed with "
        "conditions that must be met before the contract goes live."
    ),
    Recommendation.OPEN_PROCUREMENT: (
        "At least one must-have criterion is not met, so the panel is recommended to default to open procurement."
    ),
}


def awaiting_evaluation(result: ScoreResult) -> tuple[str, ...]:
    """The answers of a result that still wait for evaluators, read the one way every status and rule reads it.

    These are the written answers without a consensus and the evidence nobody has judged.  The stored summary keeps
    the count of the same list (``Submission.awaiting_count``).
    """
    return tuple(result.awaiting_evaluation)


class ReviewState(StrEnum):
    """Where a submission's review stands (``ReviewStatus``); recorded in the audit trail as the value."""

    NOT_SUBMITTED = "not_submitted"
    DRAFT = "draft"  # submitted, but answers await evaluation or clarifications are open
    EVALUATED = "evaluated"  # nothing awaited: for the panel to decide
    DECIDED = "decided"


def _counted(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


@dataclass(frozen=True)
class ReviewStatus:
    """A submission's review status as people read it on every page and report, decided in one place (``of``).

    *Not submitted*, *Draft — N answers awaiting evaluation / M clarifications open* (only the parts
    that are not zero), *Evaluated, for the panel* or *Decided (version n)*.  Nothing is ever called
    evaluated or decided while an answer awaits evaluation or a clarification is open.
    """

    state: ReviewState
    awaiting: int = 0  # answers awaiting evaluation
    open_clarifications: int = 0  # unanswered, and their reply-by date has not passed
    decision_version: int | None = None  # the current decision's version once decided
    unverified: int = 0  # self-assessed answers the round requires verified that nobody has

    @classmethod
    def of(
        cls,
        *,
        submitted: bool,
        awaiting: int,
        open_clarifications: int,
        decided_version: int | None,
        unverified: int = 0,
    ) -> ReviewStatus:
        """The status of a submission; ``decided_version`` is the current decision's version if the
        submission stands decided (not while a representation sent it back)."""
        if not submitted:
            return cls(ReviewState.NOT_SUBMITTED)
        if awaiting or open_clarifications or unverified:
            return cls(ReviewState.DRAFT, awaiting, open_clarifications, unverified=unverified)
        if decided_version is not None:
            return cls(ReviewState.DECIDED, decision_version=decided_version)
        return cls(ReviewState.EVALUATED)

    @property
    def awaited(self) -> list[str]:
        """What is still awaited, in words: each part that is not zero."""
        parts = []
        if self.awaiting:
            parts.append(_counted(self.awaiting, "answer", "answers") + " awaiting evaluation")
        if self.unverified:
            parts.append(_counted(self.unverified, "answer", "answers") + " not yet verified")
        if self.open_clarifications:
            parts.append(_counted(self.open_clarifications, "clarification", "clarifications") + " open")
        return parts

    @property
    def label(self) -> str:
        if self.state == ReviewState.NOT_SUBMITTED:
            return "Not submitted"
        if self.state == ReviewState.DRAFT:
            return "Draft — " + " / ".join(self.awaited)
        if self.state == ReviewState.DECIDED:
            return f"Decided (version {self.decision_version})"
        return "Evaluated, for the panel"

    @property
    def submitted(self) -> bool:
        return self.state != ReviewState.NOT_SUBMITTED

    @property
    def is_draft(self) -> bool:
        """Whether the figures can still change: not submitted, or something is awaited."""
        return self.state in (ReviewState.NOT_SUBMITTED, ReviewState.DRAFT)


@dataclass(frozen=True)
class Organisation:
    name: str
    kind: str


@dataclass(frozen=True)
class ApplicantSummary:
    name: str
    lead: Organisation
    partners: tuple[Organisation, ...]

    @property
    def is_alliance(self) -> bool:
        return bool(self.partners)


@dataclass(frozen=True)
class EvaluatorNote:
    evaluator: str
    score: float
    scale_label: str
    rationale: str


@dataclass(frozen=True)
class ModerationNote:
    score: float
    rationale: str
    # The consensus in words: a score, a judgement of evidence or the verified answer.
    words: str = ""


@dataclass(frozen=True)
class ClarificationNote:
    question_text: str
    asked_at: datetime
    reply_text: str | None
    replied_at: datetime | None
    # The date the provider was asked to reply by; None for questions asked before there were such dates.
    reply_by: date | None = None
    # Unanswered and the reply-by date has not passed: the panel waits for it.
    open: bool = False
    # Unanswered and the reply-by date has passed: the panel may proceed without it.
    went_unanswered: bool = False
    # Answered, but after the reply-by date.
    late: bool = False


@dataclass(frozen=True)
class Condition:
    text: str
    owner: str
    due_on: date
    status: str


@dataclass(frozen=True)
class Decision:
    version: int
    outcome: str
    outcome_label: str
    decided_on: date
    panel_members: str
    minutes: str
    recommendation_at_decision: str
    inputs_hash_at_decision: str | None
    differs_reason: str | None
    correction_reason: str | None
    recorded_at: datetime
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AuditLine:
    action: str  # the event's stored name
    label: str  # the same in words
    count: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Provenance:
    questionnaire_id: str
    questionnaire_version: str
    questionnaire_hash: str
    framework_id: str
    framework_version: str
    framework_hash: str
    inputs_hash: str | None
    generated_at: datetime


@dataclass(frozen=True)
class RankedQuestion:
    score: QuestionScore
    question: Question
    domain_title: str

    @property
    def fraction(self) -> float:
        """The answer's score from 0 to 1; only scored answers are ranked, so it is never missing."""
        return self.score.score or 0.0


def ranked_questions(
    result: ScoreResult, questionnaire: Questionnaire, count: int = 5
) -> tuple[list[RankedQuestion], list[RankedQuestion]]:
    """(strengths, weaknesses): the highest and the lowest scoring weighted questions.

    Only visible, weighted questions with a settled score take part: an answer still awaiting
    evaluation counts as 0 in the engine but is not yet a judgement, so it is neither.  A question
    scoring 0 is never a strength and one scoring full marks never a weakness.  Ties go to the
    answer worth most points in its domain (gained for strengths, lost for weaknesses), then to
    questionnaire order, so the choice is stable.
    """
    order = {q.id: i for i, q in enumerate(questionnaire.questions())}
    candidates, points_at_full_marks = [], {}
    for domain in scored_domains(result):
        weighted = [qs for qs in domain.questions if qs.visible and qs.weight > 0 and qs.score is not None]
        total_weight = sum(qs.weight for qs in weighted)
        for qs in weighted:
            points_at_full_marks[qs.id] = 100.0 * qs.weight / total_weight
            if not qs.awaiting_evaluation:
                candidates.append(RankedQuestion(qs, questionnaire.question_index[qs.id], domain.title))

    def points_lost(r: RankedQuestion) -> float:
        return points_at_full_marks[r.score.id] * (1.0 - r.fraction)

    best_first = sorted(candidates, key=lambda r: (-r.fraction, -r.score.contribution, order[r.score.id]))
    strengths = [r for r in best_first if r.fraction > 0][:count]
    chosen = {r.score.id for r in strengths}
    worst_first = sorted(candidates, key=lambda r: (r.fraction, -points_lost(r), order[r.score.id]))
    weaknesses = [r for r in worst_first if r.fraction < 1 and r.score.id not in chosen][:count]
    return strengths, weaknesses


def scored_domains(result: ScoreResult) -> list[DomainResult]:
    """The domains answered jointly and scored; per-member declaration domains are never scored."""
    return [d for d in result.domains if not d.per_member]


def unmet_criteria(result: ScoreResult):
    """(gate, criterion) for every criterion not met, must-haves first."""
    unmet = [(gate, c) for gate in result.gates for c in gate.criteria if not c.passed]
    return sorted(unmet, key=lambda pair: pair[1].on_fail != GateOutcome.FAIL)


@dataclass(frozen=True)
class SelfComparison:
    """One domain's self-assessed and moderated scores over the same answers: those that have a self-score.

    An answer with no self-score (a written answer, which only evaluators score) is left out of both
    sides, never counted as 0, so the difference is what moderation changed and nothing else.
    """

    id: str
    title: str
    weight: float
    self_assessed: float | None
    moderated: float | None
    compared: int  # weighted answers with a self-score
    not_self_scored: int  # weighted answers left out for having none

    @property
    def difference(self) -> float | None:
        if self.self_assessed is None or self.moderated is None:
            return None
        return self.moderated - self.self_assessed


@dataclass(frozen=True)
class SelfComparisonTable:
    domains: tuple[SelfComparison, ...]
    overall_self_assessed: float | None
    overall_moderated: float | None

    @property
    def not_self_scored(self) -> int:
        return sum(d.not_self_scored for d in self.domains)

    def domain(self, domain_id: str) -> SelfComparison:
        return next(d for d in self.domains if d.id == domain_id)


def _weighted_mean(pairs: list[tuple[float, float]]) -> float | None:
    total = sum(w for w, _ in pairs)
    return None if total <= 0 else sum(w * v for w, v in pairs) / total


def compare_self_assessed(result: ScoreResult) -> SelfComparisonTable:
    """Self-assessed against moderated, like with like: per domain over the weighted answers that have a
    self-score, on the 0 to 100 scale; overall weighted by domain weight over domains with both."""
    rows = []
    for domain in scored_domains(result):
        weighted = [qs for qs in domain.questions if qs.visible and qs.weight > 0]
        compared = [qs for qs in weighted if qs.self_score is not None and qs.score is not None]
        own = _weighted_mean([(qs.weight, qs.self_score or 0.0) for qs in compared])
        moderated = _weighted_mean([(qs.weight, qs.score or 0.0) for qs in compared])
        rows.append(
            SelfComparison(
                id=domain.id,
                title=domain.title,
                weight=domain.weight,
                self_assessed=None if own is None else 100.0 * own,
                moderated=None if moderated is None else 100.0 * moderated,
                compared=len(compared),
                not_self_scored=len(weighted) - len(compared),
            )
        )
    both = [r for r in rows if r.self_assessed is not None and r.moderated is not None]
    return SelfComparisonTable(
        domains=tuple(rows),
        overall_self_assessed=_weighted_mean([(r.weight, r.self_assessed or 0.0) for r in both]),
        overall_moderated=_weighted_mean([(r.weight, r.moderated or 0.0) for r in both]),
    )


def moderation_changes(result: ScoreResult, questionnaire: Questionnaire) -> list[RankedQuestion]:
    """Answers whose consensus score differs from their self-score, biggest change first.

    Answers with no self-score have nothing to differ from and are never listed.
    """
    changed = []
    for domain in scored_domains(result):
        for qs in domain.questions:
            # Any consensus counts: a score, a judgement of evidence or a verified answer.
            if not qs.visible or qs.self_score is None or not qs.verified or qs.score is None:
                continue
            if abs(qs.score - qs.self_score) > 1e-9:
                changed.append(RankedQuestion(qs, questionnaire.question_index[qs.id], domain.title))
    order = {q.id: i for i, q in enumerate(questionnaire.questions())}
    return sorted(
        changed,
        key=lambda r: (-abs((r.score.score or 0.0) - (r.score.self_score or 0.0)), order[r.score.id]),
    )
