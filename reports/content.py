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


class ReportStatus(StrEnum):
    """Whether a report can still change (draft) or is final; recorded in the audit trail as the value."""

    DRAFT = "draft"
    FINAL = "final"


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


@dataclass(frozen=True)
class ClarificationNote:
    question_text: str
    asked_at: datetime
    reply_text: str | None
    replied_at: datetime | None


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
