"""Immutable results of scoring one submission, with JSON-safe ``to_dict`` views.

Scores are kept at full precision here; rounding is a presentation concern (the explanation
sentences round, the numbers stay exact so that reports can be reproduced bit for bit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .states import GateOutcome, Recommendation

RECOMMENDATION_LABELS: dict[str, str] = {
    Recommendation.PROCEED: "Proceed",
    Recommendation.PROCEED_WITH_CONDITIONS: "Proceed with conditions",
    Recommendation.OPEN_PROCUREMENT: "Default to open procurement",
}

OUTCOME_LABELS: dict[str, str] = {
    GateOutcome.PASS: "Pass",
    GateOutcome.CONDITIONAL: "Conditional",
    GateOutcome.FAIL: "Fail",
}

# Worst first, so that the index doubles as a rank for "did this get better or worse".
RECOMMENDATION_ORDER: tuple[Recommendation, ...] = (
    Recommendation.OPEN_PROCUREMENT,
    Recommendation.PROCEED_WITH_CONDITIONS,
    Recommendation.PROCEED,
)
OUTCOME_ORDER: tuple[GateOutcome, ...] = (GateOutcome.FAIL, GateOutcome.CONDITIONAL, GateOutcome.PASS)


@dataclass(frozen=True)
class QuestionScore:
    id: str
    domain_id: str
    visible: bool
    answered: bool
    weight: float
    self_score: float | None
    moderated: float | None
    score: float | None
    contribution: float
    awaiting_evaluation: bool
    # Evaluators agreed a consensus on this answer (a score, a judgement of its files, or the
    # answer the evidence supports); otherwise the score is the provider's own claim.
    verified: bool = False
    # Evidence questions: the consensus judgement of the files (SUFFICIENCY_SCORES), when agreed.
    sufficiency: str | None = None
    # The provider claims something here that could be checked: an answer, or at least one file.
    claimed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed,
            "verified": self.verified,
            "sufficiency": self.sufficiency,
            "id": self.id,
            "domain_id": self.domain_id,
            "visible": self.visible,
            "answered": self.answered,
            "weight": self.weight,
            "self_score": self.self_score,
            "moderated": self.moderated,
            "score": self.score,
            "contribution": self.contribution,
            "awaiting_evaluation": self.awaiting_evaluation,
        }


@dataclass(frozen=True)
class DomainResult:
    id: str
    title: str
    weight: float
    score: float | None
    questions: tuple[QuestionScore, ...]
    # A per_member domain is answered by each member organisation, never scored (score None,
    # weight 0); its questions are not applicable to the joint answers, and what the members
    # declared is in ScoreResult.members.
    per_member: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "weight": self.weight,
            "score": self.score,
            "per_member": self.per_member,
            "questions": [q.to_dict() for q in self.questions],
        }


@dataclass(frozen=True)
class MemberDeclarationResult:
    """One member organisation's declarations (all per_member domains, or one criterion's domain).

    ``passed``: every visible declaration question (yes/no or choice) is answered with an answer
    scoring 1.  ``failing``: the ids of those that are not, in questionnaire order (unanswered ones
    included).  ``answered``/``required``: visible declaration questions answered / asked.
    """

    member: str
    passed: bool
    failing: tuple[str, ...]
    answered: int
    required: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "member": self.member,
            "passed": self.passed,
            "failing": list(self.failing),
            "answered": self.answered,
            "required": self.required,
        }


@dataclass(frozen=True)
class CriterionResult:
    id: str
    title: str
    type: str
    passed: bool
    # "passed", "failed" or "awaiting_evaluation" (not passed: an answer it reads is not judged yet).
    status: str
    value: float | None
    threshold: float | None
    on_fail: str
    explanation: str
    rationale: str | None
    # member_declarations only: each member organisation's result for the criterion's domain.
    members: tuple[MemberDeclarationResult, ...] = ()
    # evidence_required only: the least judgement of the files that meets it (SUFFICIENCY_SCORES).
    required_sufficiency: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "title": self.title,
            "type": self.type,
            "passed": self.passed,
            "status": self.status,
            "value": self.value,
            "threshold": self.threshold,
            "on_fail": self.on_fail,
            "explanation": self.explanation,
            "rationale": self.rationale,
        }
        if self.type == "member_declarations":
            data["members"] = [m.to_dict() for m in self.members]
        if self.type == "evidence_required":
            data["required_sufficiency"] = self.required_sufficiency
        return data


@dataclass(frozen=True)
class GateResult:
    id: str
    title: str
    outcome: GateOutcome
    criteria: tuple[CriterionResult, ...]
    # Why the gate failed when no must-have did (more unmet conditions than the gate allows).
    note: str | None = None

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "outcome": self.outcome,
            "note": self.note,
            "criteria": [c.to_dict() for c in self.criteria],
        }


@dataclass(frozen=True)
class ScoreResult:
    overall: float | None
    rag: str | None
    domains: tuple[DomainResult, ...]
    gates: tuple[GateResult, ...]
    recommendation: Recommendation
    awaiting_evaluation: tuple[str, ...]
    # Every member organisation whose declarations were given, sorted by name, across all
    # per_member domains.  Empty when no member answers were passed.
    members: tuple[MemberDeclarationResult, ...] = ()
    # The fraction (0-1) of the weighted overall score resting on answers evaluators verified.
    verified_share: float | None = None
    # Answered questions a criterion reads directly that no evaluator has verified.
    unverified_gate_answers: tuple[str, ...] = ()

    @property
    def provisional(self) -> bool:
        """Some criterion is unmet only because an answer it reads awaits evaluation: the
        recommendation may still change, so it must not be presented as settled."""
        return any(c.status == "awaiting_evaluation" for g in self.gates for c in g.criteria)

    @property
    def recommendation_label(self) -> str:
        return RECOMMENDATION_LABELS[self.recommendation]

    def member(self, name: str) -> MemberDeclarationResult:
        for member in self.members:
            if member.member == name:
                return member
        raise KeyError(name)

    def domain(self, domain_id: str) -> DomainResult:
        for domain in self.domains:
            if domain.id == domain_id:
                return domain
        raise KeyError(domain_id)

    def question(self, question_id: str) -> QuestionScore:
        for domain in self.domains:
            for question in domain.questions:
                if question.id == question_id:
                    return question
        raise KeyError(question_id)

    def gate(self, gate_id: str) -> GateResult:
        for gate in self.gates:
            if gate.id == gate_id:
                return gate
        raise KeyError(gate_id)

    def to_dict(self) -> dict[str, Any]:
        """The stable summary shape printed by ``python -m scoring`` and stored with reports."""
        return {
            "overall": self.overall,
            "rag": self.rag,
            "domains": {d.id: d.score for d in self.domains},
            "gates": [g.to_dict() for g in self.gates],
            "recommendation": self.recommendation,
            "provisional": self.provisional,
            "verified_share": self.verified_share,
            "unverified_gate_answers": list(self.unverified_gate_answers),
            "awaiting_evaluation": list(self.awaiting_evaluation),
            "members": [m.to_dict() for m in self.members],
        }

    def to_trace_dict(self) -> dict[str, Any]:
        """Everything behind the numbers, question by question, for audit and for the UI."""
        return {
            "overall": self.overall,
            "rag": self.rag,
            "recommendation": self.recommendation,
            "recommendation_label": self.recommendation_label,
            "provisional": self.provisional,
            "verified_share": self.verified_share,
            "unverified_gate_answers": list(self.unverified_gate_answers),
            "domains": [d.to_dict() for d in self.domains],
            "gates": [g.to_dict() for g in self.gates],
            "awaiting_evaluation": list(self.awaiting_evaluation),
            "members": [m.to_dict() for m in self.members],
        }

    trace = to_trace_dict
