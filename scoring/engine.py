"""Score one submission: answers (+ evaluators' moderation) -> domain scores, gates, recommendation.

The per-question rules, visibility and criterion checks are small functions because the what-if
search (``scoring.whatif``) re-uses them on partial changes; the vectorised cohort path
(``scoring.cohort``) re-implements the same rules column-wise and is tested for equality with this
module, which is the reference.  The plan and the per-question rules live in ``scoring.rules`` and
the plain-words explanations in ``scoring.explanations``, both below this module so that neither
imports it; this module re-exports their public names, so callers need import only from here.

Threshold comparisons allow ``TOLERANCE`` (absolute, 1e-9) below the threshold; ``scoring.rules``
says why.

Per-member declarations: a domain marked ``per_member`` is answered separately by every member
organisation of the applicant (``member_answers``: member name -> {question id -> answer}).  Such a
domain is never scored and its questions are not applicable to the joint answers (any joint answer
to them is ignored).  A member's declarations in a domain are clear when every visible yes/no or
choice question is answered with an answer scoring 1; a ``member_declarations`` criterion passes
when there is at least one member and every member's declarations are clear.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from questionnaires import (
    DECLARATION_TYPES,
    SUFFICIENCY_SCORES,
    Criterion,
    Domain,
    Framework,
    Gate,
    Question,
    Questionnaire,
)

from .explanations import default_title as default_title
from .explanations import explain as explain
from .explanations import explain_declarations as explain_declarations
from .explanations import format_number as format_number
from .results import (
    RECOMMENDATION_ORDER,
    CriterionResult,
    DomainResult,
    GateResult,
    MemberDeclarationResult,
    QuestionScore,
    ScoreResult,
)
from .rules import TOLERANCE as TOLERANCE
from .rules import Declarations as Declarations
from .rules import Evaluation as Evaluation
from .rules import QuestionState as QuestionState
from .rules import ScoringPlan as ScoringPlan
from .rules import VisibilityRules as VisibilityRules
from .rules import answer_score as answer_score
from .rules import compute_visibility as compute_visibility
from .rules import evaluate_question as evaluate_question
from .rules import is_answered as is_answered
from .rules import meets as meets
from .rules import plan_for as plan_for
from .rules import split_moderation as split_moderation
from .states import GateOutcome, Recommendation

# --------------------------------------------------------------------------------------------------
# Aggregation


def domain_score(terms: Iterable[tuple[float, float]]) -> float | None:
    """100 × Σ(w·s)/Σw over (weight, score) pairs; None when there is nothing to score.

    ``math.fsum`` is exactly rounded, so the result does not depend on question order.  The clamp
    only removes a possible last-bit overshoot of (100·Σw)/Σw.
    """
    terms = list(terms)
    total_weight = math.fsum(w for w, _ in terms)
    if total_weight <= 0:
        return None
    return min(100.0, 100.0 * math.fsum(w * s for w, s in terms) / total_weight)


def overall_score(weighted_domain_scores: Iterable[tuple[float, float | None]]) -> float | None:
    scored = [(w, s) for w, s in weighted_domain_scores if s is not None]
    if not scored:
        return None
    return min(100.0, math.fsum(w * s for w, s in scored) / math.fsum(w for w, _ in scored))


def _not_applicable(question: Question) -> QuestionState:
    return QuestionState(question, False, False, None, None, None, None, False, None, None)


def evaluate(
    plan: ScoringPlan,
    answers: Mapping[str, Any],
    moderation: Mapping[str, Any],
    member_answers: Mapping[str, Mapping[str, Any]] | None = None,
) -> Evaluation:
    """``moderation``: question id -> consensus, in any form ``split_moderation`` reads."""
    scores, verified_answers = split_moderation(moderation)
    verified_answers = {k: v for k, v in verified_answers.items() if k not in plan.member_question_ids}
    # A verified answer replaces the provider's everywhere, show_if included.
    read = {**answers, **verified_answers} if verified_answers else answers
    visible = compute_visibility(plan, read)
    states = {
        q.id: (
            _not_applicable(q)
            if q.id in plan.member_question_ids
            else evaluate_question(
                q, read.get(q.id), scores.get(q.id), visible[q.id], plan.needs_evaluation(q), q.id in verified_answers
            )
        )
        for q in plan.questions
    }
    for question_id in verified_answers:
        state = states.get(question_id)
        if state is not None and state.visible:
            # The self-score stays the provider's claim; the verified answer's score is what counts.
            states[question_id] = replace(state, self_score=_claimed_score(state.question, answers.get(question_id)))
    domain_scores = {d.id: None if d.per_member else domain_score(domain_terms(d, states)) for d in plan.domains}
    overall = overall_score((d.weight, domain_scores[d.id]) for d in plan.joint_domains)
    settled_scores: dict[str, float | None] | None = None
    settled_overall = overall
    if any(s.settled_value != s.domain_value for s in states.values()):
        settled_scores = {
            d.id: None if d.per_member else domain_score(domain_terms(d, states, settled=True)) for d in plan.domains
        }
        settled_overall = overall_score((d.weight, settled_scores[d.id]) for d in plan.joint_domains)
    members = sorted_members(member_answers)
    return Evaluation(
        states,
        domain_scores,
        overall,
        evaluate_declarations(plan, members),
        members,
        settled_scores,
        settled_overall,
    )


def _claimed_score(question: Question, value: Any) -> float | None:
    """The self-score of the provider's own answer (0 when it gave none, as for any unanswered question)."""
    return answer_score(question, value) if is_answered(question, value) else 0.0


def sorted_members(member_answers: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Mapping[str, Any]]:
    """Member name -> answers, sorted by name so results never depend on the order given."""
    out: dict[str, Mapping[str, Any]] = {}
    given_answers = member_answers or {}
    for member in sorted(given_answers, key=str):
        given = given_answers[member]
        out[member] = given if isinstance(given, Mapping) else {}
    return out


def declaration_passes(question: Question, value: Any) -> bool:
    """A declaration is clear when it is answered with an answer scoring 1 (within TOLERANCE)."""
    if not is_answered(question, value):
        return False
    score = answer_score(question, value)
    return score is not None and meets(score, 1.0)


def member_declaration(
    member: str, domains: Iterable[Domain], answers: Mapping[str, Any], visible: Mapping[str, bool]
) -> MemberDeclarationResult:
    failing: list[str] = []
    answered = required = 0
    for domain in domains:
        for question in domain.questions:
            if question.type not in DECLARATION_TYPES or not visible.get(question.id, False):
                continue
            required += 1
            value = answers.get(question.id)
            answered += is_answered(question, value)
            if not declaration_passes(question, value):
                failing.append(question.id)
    return MemberDeclarationResult(member, not failing, tuple(failing), answered, required)


def evaluate_declarations(
    plan: ScoringPlan, members: Mapping[str, Mapping[str, Any]]
) -> dict[str, tuple[MemberDeclarationResult, ...]]:
    """Per per_member domain, each member's result (members already sorted)."""
    by_domain: dict[str, list[MemberDeclarationResult]] = {d.id: [] for d in plan.member_domains}
    if not plan.member_domains:
        return {}
    for member, answers in members.items():
        # show_if in a per_member domain only points inside that domain, so a member's own
        # answers decide what it is asked.
        visible = compute_visibility(plan, answers, plan.member_visibility_order)
        for domain in plan.member_domains:
            by_domain[domain.id].append(member_declaration(member, (domain,), answers, visible))
    return {domain_id: tuple(results) for domain_id, results in by_domain.items()}


def member_summaries(plan: ScoringPlan, evaluation: Evaluation) -> tuple[MemberDeclarationResult, ...]:
    """One result per member across every per_member domain."""
    out = []
    for member in evaluation.member_answers:
        parts = [r for results in evaluation.declarations.values() for r in results if r.member == member]
        failing = tuple(qid for r in parts for qid in r.failing)
        out.append(
            MemberDeclarationResult(
                member, not failing, failing, sum(r.answered for r in parts), sum(r.required for r in parts)
            )
        )
    return tuple(out)


def domain_terms(
    domain: Domain, states: Mapping[str, QuestionState], settled: bool = False
) -> list[tuple[float, float]]:
    """(weight, value) of each question counted in the domain; ``settled`` counts awaited answers as 0."""
    out = []
    for question in domain.questions:
        state = states[question.id]
        value = state.settled_value if settled else state.domain_value
        if value is not None:
            out.append((question.weight, value))
    return out


def verified_share(plan: ScoringPlan, evaluation: Evaluation) -> float | None:
    """The fraction of the weighted overall score that rests on answers evaluators have verified.

    Each joint domain with a score contributes its share of the overall weight times the share of
    its question weight that is verified.  An unanswered question (or one with no file attached)
    counts as verified: it scores 0 and claims nothing anyone could check.  None when there is no
    overall score.
    """
    scored = [d for d in plan.joint_domains if evaluation.domain_scores[d.id] is not None]
    total = math.fsum(d.weight for d in scored)
    if total <= 0:
        return None
    parts = []
    for domain in scored:
        weights = [(q.weight, evaluation.states[q.id]) for q in domain.questions]
        counted = [(w, s) for w, s in weights if s.domain_value is not None]
        domain_weight = math.fsum(w for w, _ in counted)
        checked = math.fsum(w for w, s in counted if s.verified or not s.claims)
        parts.append(domain.weight * checked / domain_weight)
    return min(1.0, math.fsum(parts) / total)


def unverified_gate_answers(plan: ScoringPlan, states: Mapping[str, QuestionState]) -> tuple[str, ...]:
    """Questions a criterion reads directly whose answer (or files) no evaluator has verified, in order."""
    read = {c.question for c in plan.criteria if c.type in QUESTION_CRITERIA and c.question}
    return tuple(
        q.id
        for q in plan.questions
        if q.id in read and states[q.id].visible and states[q.id].claims and not states[q.id].verified
    )


QUESTION_CRITERIA = ("question_min", "number_min", "evidence_required")


# --------------------------------------------------------------------------------------------------
# Criteria


def criterion_check(
    criterion: Criterion,
    states: Mapping[str, QuestionState],
    domain_scores: Mapping[str, float | None],
    overall: float | None,
    declarations: Declarations | None = None,
) -> tuple[bool, float | None]:
    """(passed, value the threshold was compared with).

    ``domain_scores`` and ``overall`` are the settled scores (``Evaluation.gate_domain_scores``):
    an answer awaiting evaluation counts 0, so a criterion can never pass on it.
    member_declarations: the value is the number of members whose declarations are clear, and it
    passes when there is at least one member and all of them are clear.  evidence_required: the
    value is the number of files; it passes when the consensus judgement of them is at least the
    criterion's ``min_sufficiency``."""
    kind = criterion.type
    if kind == "member_declarations":
        results = (declarations or {}).get(criterion.domain_id, ())
        clear = sum(1 for r in results if r.passed)
        return (len(results) > 0 and clear == len(results)), float(clear)
    if kind == "domain_min":
        value = domain_scores.get(criterion.domain_id)
        return (value is not None and meets(value, criterion.minimum)), value
    if kind == "overall_min":
        return (overall is not None and meets(overall, criterion.minimum)), overall
    state = states.get(criterion.question_id)
    if state is None or not state.visible:
        return False, None
    if kind == "question_min":
        gate_value = state.gate_value
        assert gate_value is not None  # a visible question always has a gate value (evaluate_question)
        return meets(gate_value, criterion.minimum), gate_value
    if kind == "number_min":
        if state.number is None:
            return False, None
        return meets(state.number, criterion.minimum), float(state.number)
    if kind == "evidence_required":
        files = float(state.file_count or 0)
        if not files or state.moderated is None:
            return False, files
        return meets(state.moderated, SUFFICIENCY_SCORES[criterion.required_sufficiency]), files
    return False, None


def criterion_status(criterion: Criterion, passed: bool, evaluation: Evaluation, plan: ScoringPlan) -> str:
    """ "passed", "failed", or "awaiting_evaluation": not passed, and an answer it reads is not judged yet."""
    if passed:
        return "passed"
    states = evaluation.states
    kind = criterion.type
    if kind in QUESTION_CRITERIA:
        state = states.get(criterion.question_id)
        awaited = state is not None and state.visible and state.awaiting
    elif kind == "domain_min":
        domain = plan.domain_index.get(criterion.domain_id)
        awaited = domain is not None and any(states[q.id].awaiting for q in domain.questions)
    elif kind == "overall_min":
        awaited = any(states[q.id].awaiting for d in plan.joint_domains for q in d.questions)
    else:
        awaited = False
    return AWAITING if awaited else "failed"


AWAITING = "awaiting_evaluation"


def gate_outcome(results: Iterable[tuple[Criterion, bool]], max_conditional: int | None = None) -> GateOutcome:
    """Fail on any unmet must-have, or on more unmet conditional criteria than ``max_conditional``."""
    conditions = 0
    for criterion, passed in results:
        if not passed:
            if criterion.on_fail == GateOutcome.FAIL.value:
                return GateOutcome.FAIL
            conditions += 1
    if max_conditional is not None and conditions > max_conditional:
        return GateOutcome.FAIL
    return GateOutcome.CONDITIONAL if conditions else GateOutcome.PASS


def gate_note(gate: Gate, criteria: Iterable[tuple[Criterion, bool]]) -> str | None:
    """Why a gate failed although none of its must-haves did: too many conditions."""
    unmet = [c for c, passed in criteria if not passed]
    if gate.max_conditional is None or any(c.on_fail == GateOutcome.FAIL.value for c in unmet):
        return None
    if len(unmet) <= gate.max_conditional:
        return None
    return (
        f"{len(unmet)} criteria are unmet with conditions, more than the {gate.max_conditional} this gate allows, "
        "so the gate fails: that many conditions means the applicant is not ready."
    )


def recommendation_for(outcomes: Iterable[str]) -> Recommendation:
    outcomes = set(outcomes)
    if GateOutcome.FAIL in outcomes:
        return Recommendation.OPEN_PROCUREMENT
    if GateOutcome.CONDITIONAL in outcomes:
        return Recommendation.PROCEED_WITH_CONDITIONS
    return Recommendation.PROCEED


def required_criteria(plan: ScoringPlan, recommendation: str) -> list[Criterion]:
    """The criteria that must all pass for a recommendation at least as good as ``recommendation``.

    For "proceed with conditions" a gate with ``max_conditional`` makes no single conditional
    criterion required, so this list is what must pass, not always all that must: callers check
    the outcome with ``gate_outcome`` as well."""
    rank = RECOMMENDATION_ORDER.index(recommendation)
    if rank == 0:
        return []
    if rank == 1:
        return [c for c in plan.criteria if c.on_fail == GateOutcome.FAIL.value]
    return list(plan.criteria)


# --------------------------------------------------------------------------------------------------
# Public entry point


def score_submission(
    questionnaire: Questionnaire,
    framework: Framework,
    answers: Mapping[str, Any],
    moderation: Mapping[str, Any] | None = None,
    member_answers: Mapping[str, Mapping[str, Any]] | None = None,
) -> ScoreResult:
    """Score one submission.  Assumes ``validate_answers`` found nothing wrong; missing answers are
    simply unanswered.  ``moderation`` maps question ids to the evaluators' consensus: a score from
    0 to 1, a judgement of evidence (``"sufficient"``, ``"partly"``, ``"not_sufficient"``) or
    ``{"answer": value}``, the verified answer that replaces the provider's.

    ``member_answers`` maps each member organisation's name to its answers to the per_member
    questions; answers to per_member questions in ``answers`` are ignored, as are member answers to
    joint questions.  Without member answers, every member_declarations criterion fails."""
    plan = plan_for(questionnaire, framework)
    evaluation = evaluate(plan, answers or {}, moderation or {}, member_answers)
    return build_result(plan, evaluation)


def build_result(plan: ScoringPlan, evaluation: Evaluation) -> ScoreResult:
    states = evaluation.states
    domains = []
    for domain in plan.domains:
        total_weight = math.fsum(w for w, _ in domain_terms(domain, states))
        questions = []
        for question in domain.questions:
            state = states[question.id]
            score = state.domain_value
            contribution = 100.0 * question.weight * score / total_weight if score is not None else 0.0
            questions.append(
                QuestionScore(
                    id=question.id,
                    domain_id=domain.id,
                    visible=state.visible,
                    answered=state.answered,
                    weight=0.0 if domain.per_member else question.weight,
                    self_score=state.self_score,
                    moderated=state.moderated,
                    score=score,
                    contribution=contribution,
                    awaiting_evaluation=state.awaiting,
                    verified=state.verified,
                    sufficiency=state.sufficiency,
                    claimed=state.claims,
                )
            )
        domains.append(
            DomainResult(
                domain.id,
                domain.title,
                0.0 if domain.per_member else domain.weight,
                evaluation.domain_scores[domain.id],
                tuple(questions),
                domain.per_member,
            )
        )

    gates = []
    for gate in plan.framework.gates:
        checked = []
        for criterion in gate.criteria:
            passed, value = criterion_check(
                criterion, states, evaluation.gate_domain_scores, evaluation.gate_overall, evaluation.declarations
            )
            checked.append((criterion, passed, value))
        criteria = tuple(_criterion_result(plan, evaluation, c, passed, value) for c, passed, value in checked)
        verdicts = [(c, p) for c, p, _ in checked]
        gates.append(
            GateResult(
                gate.id,
                gate.title,
                gate_outcome(verdicts, gate.max_conditional),
                criteria,
                gate_note(gate, verdicts),
            )
        )

    overall = evaluation.overall
    return ScoreResult(
        overall=overall,
        # Same tolerance as the gates, so a score that meets a gate threshold of 65 also lands in a
        # RAG band that starts at 65.
        rag=plan.framework.rag_label(overall + TOLERANCE) if overall is not None else None,
        domains=tuple(domains),
        gates=tuple(gates),
        recommendation=recommendation_for(g.outcome for g in gates),
        awaiting_evaluation=tuple(q.id for q in plan.questions if states[q.id].awaiting),
        members=member_summaries(plan, evaluation),
        verified_share=verified_share(plan, evaluation),
        unverified_gate_answers=unverified_gate_answers(plan, states),
    )


def _criterion_result(
    plan: ScoringPlan, evaluation: Evaluation, criterion: Criterion, passed: bool, value: float | None
) -> CriterionResult:
    members: tuple[MemberDeclarationResult, ...] = ()
    threshold = criterion.min
    if criterion.type == "member_declarations":
        members = evaluation.declarations.get(criterion.domain_id, ())
        threshold = float(len(members))
    return CriterionResult(
        id=criterion.id,
        title=criterion.title or default_title(plan, criterion),
        type=criterion.type,
        passed=passed,
        status=criterion_status(criterion, passed, evaluation, plan),
        value=value,
        threshold=threshold,
        on_fail=criterion.on_fail,
        explanation=explain(plan, criterion, passed, value, evaluation.states, evaluation),
        rationale=criterion.rationale,
        members=members,
        required_sufficiency=criterion.required_sufficiency if criterion.type == "evidence_required" else None,
    )
