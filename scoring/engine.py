"""Score one submission: answers (+ evaluators' moderation) -> domain scores, gates, recommendation.

The per-question rules, visibility and criterion checks live here as small functions because the
what-if search (``scoring.whatif``) re-uses them on partial changes; the vectorised cohort path
(``scoring.cohort``) re-implements the same rules column-wise and is tested for equality with this
module, which is the reference.

Threshold comparisons allow ``TOLERANCE`` (absolute, 1e-9) below the threshold.  Domain scores are
ratios of float sums, so a submission that "exactly" meets a minimum of 50 can come out as
49.99999999999999 depending on summation order; without the tolerance that artefact would flip a
gate.  1e-9 is far below anything visible (scores display to 1 dp, question scores to 2 dp) and far
above float noise on the 0..100 and 0..1 scales and on the whole-number thresholds used for
number_min.

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
from dataclasses import dataclass, field
from typing import Any

from questionnaires import DECLARATION_TYPES, Criterion, Domain, Framework, Question, Questionnaire

from .results import (
    RECOMMENDATION_ORDER,
    CriterionResult,
    DomainResult,
    GateResult,
    MemberDeclarationResult,
    QuestionScore,
    ScoreResult,
)
from .states import GateOutcome, Recommendation

TOLERANCE = 1e-9


def meets(value: float, threshold: float) -> bool:
    return value >= threshold - TOLERANCE


# --------------------------------------------------------------------------------------------------
# Plan: everything about the definitions that does not depend on the answers, computed once.


class ScoringPlan:
    def __init__(self, questionnaire: Questionnaire, framework: Framework):
        self.questionnaire = questionnaire
        self.framework = framework
        self.domains: list[Domain] = list(questionnaire.domains)
        self.questions: list[Question] = questionnaire.questions()
        self.question_index: dict[str, Question] = {q.id: q for q in self.questions}
        self.domain_of: dict[str, Domain] = {q.id: d for d in self.domains for q in d.questions}
        self.domain_index: dict[str, Domain] = {d.id: d for d in self.domains}
        self.criteria: list[Criterion] = [c for g in framework.gates for c in g.criteria]
        # Domains answered by each member organisation: never scored, read by member_declarations.
        self.member_domains: list[Domain] = [d for d in self.domains if d.per_member]
        self.joint_domains: list[Domain] = [d for d in self.domains if not d.per_member]
        self.member_question_ids: frozenset[str] = frozenset(q.id for d in self.member_domains for q in d.questions)
        # show_if controllers among the joint questions (what the what-if search may change).
        self.controllers: frozenset[str] = frozenset(
            q.show_if.question for q in self.questions if q.show_if is not None and q.id not in self.member_question_ids
        )
        # A text question is sent to evaluators when it is weighted, or when a gate reads its score
        # directly; in both cases an unmoderated answer is a gap the panel has to fill.  Members'
        # explanations are read by the panel but never scored, so they are not evaluated.
        self.evaluated: frozenset[str] = (
            frozenset(
                [q.id for q in self.questions if q.type == "text" and q.weight > 0]
                + [c.question for c in self.criteria if c.type == "question_min" and c.question]
            )
            - self.member_question_ids
        )
        self.visibility_order, self.cyclic = _visibility_order(self.questions, self.question_index)
        self.member_visibility_order: list[Question] = [
            q for q in self.visibility_order if q.id in self.member_question_ids
        ]

    def needs_evaluation(self, question: Question) -> bool:
        return question.type == "text" and question.id in self.evaluated


def _visibility_order(questions: list[Question], index: dict[str, Question]) -> tuple[list[Question], frozenset[str]]:
    """Controllers before the questions they show or hide, so visibility is one forward pass.

    The loader refuses show_if cycles; should one slip through, the questions on it are treated as
    hidden rather than recursing forever.
    """
    order: list[Question] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = placed
    cyclic: set[str] = set()

    def place(question: Question, path: list[str]) -> None:
        if state.get(question.id) == 2:
            return
        if state.get(question.id) == 1:
            cyclic.update(path[path.index(question.id) :])
            return
        state[question.id] = 1
        controller = index.get(question.show_if.question) if question.show_if else None
        if controller is not None:
            place(controller, path + [question.id])
        state[question.id] = 2
        order.append(question)

    for question in questions:
        place(question, [])
    return order, frozenset(cyclic)


@dataclass(frozen=True)
class VisibilityRules:
    """What show_if evaluation needs from a questionnaire alone, for callers without a framework
    (the provider's forms); ``compute_visibility`` accepts it wherever it accepts a plan."""

    question_index: dict[str, Question]
    visibility_order: list[Question]
    cyclic: frozenset[str]

    @classmethod
    def of(cls, questionnaire: Questionnaire) -> VisibilityRules:
        questions = questionnaire.questions()
        index = {q.id: q for q in questions}
        order, cyclic = _visibility_order(questions, index)
        return cls(index, order, cyclic)


_PLAN_CACHE: dict[tuple[int, int], tuple[Questionnaire, Framework, ScoringPlan]] = {}
_PLAN_CACHE_SIZE = 16


def plan_for(questionnaire: Questionnaire, framework: Framework) -> ScoringPlan:
    # Keyed by identity and holding strong references, so an id cannot be recycled while cached.
    key = (id(questionnaire), id(framework))
    hit = _PLAN_CACHE.get(key)
    if hit is not None and hit[0] is questionnaire and hit[1] is framework:
        return hit[2]
    plan = ScoringPlan(questionnaire, framework)
    if len(_PLAN_CACHE) >= _PLAN_CACHE_SIZE:
        _PLAN_CACHE.pop(next(iter(_PLAN_CACHE)))
    _PLAN_CACHE[key] = (questionnaire, framework, plan)
    return plan


# --------------------------------------------------------------------------------------------------
# Per-question rules


def is_answered(question: Question, value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if question.type == "text":
        # Whitespace is not an answer an evaluator could mark.
        return isinstance(value, str) and value.strip() != ""
    return True


def answer_score(question: Question, value: Any) -> float | None:
    """The self-assessed score in [0, 1] of an answered question; None for text (evaluator-only).

    A number question without bands scores 0: nothing says what a good value is.  The loader is
    where such a definition should be refused; the engine just stays total.
    """
    kind = question.type
    if kind == "scale":
        top = len(question.levels or ()) - 1
        return value / top if top > 0 else 0.0
    if kind == "yesno":
        scores = question.yes_no_scores
        return scores.yes if value else scores.no
    if kind == "choice":
        option = question.option(value)
        return option.score if option is not None else 0.0
    if kind == "multichoice":
        chosen = (question.option(v) for v in dict.fromkeys(value))
        return min(1.0, math.fsum(o.score for o in chosen if o is not None))
    if kind == "number":
        for band in question.bands or ():
            if band.contains(value):
                return band.score
        return 0.0
    if kind == "evidence":
        return 1.0 if len(value) > 0 else 0.0
    return None


@dataclass(frozen=True, slots=True)
class QuestionState:
    question: Question
    visible: bool
    answered: bool
    self_score: float | None
    moderated: float | None
    # The unweighted score gates read (question_min); None when hidden.
    gate_value: float | None
    # What the question adds to its domain's weighted mean; None when hidden or weight 0.
    domain_value: float | None
    awaiting: bool
    number: float | None
    file_count: int | None


def evaluate_question(
    question: Question, value: Any, moderated: float | None, visible: bool, needs_evaluation: bool
) -> QuestionState:
    answered = is_answered(question, value)
    if not visible:
        return QuestionState(question, False, answered, None, None, None, None, False, None, None)
    # Unanswered, a question scores 0, except a text question, which has no score of its own.
    own = answer_score(question, value) if answered else (None if question.type == "text" else 0.0)
    effective = float(moderated) if moderated is not None else (own if own is not None else 0.0)
    awaiting = question.type == "text" and needs_evaluation and answered and moderated is None
    number = value if question.type == "number" and answered else None
    file_count = (len(value) if answered else 0) if question.type == "evidence" else None
    return QuestionState(
        question=question,
        visible=True,
        answered=answered,
        self_score=own,
        moderated=None if moderated is None else float(moderated),
        gate_value=effective,
        domain_value=effective if question.weight > 0 else None,
        awaiting=awaiting,
        number=number,
        file_count=file_count,
    )


def compute_visibility(
    plan: ScoringPlan | VisibilityRules, answers: Mapping[str, Any], order: Iterable[Question] | None = None
) -> dict[str, bool]:
    """Visibility of the questions in ``order`` (default: all, controllers first)."""
    visible: dict[str, bool] = {}
    for question in plan.visibility_order if order is None else order:
        condition = question.show_if
        if question.id in plan.cyclic:
            visible[question.id] = False
        elif condition is None:
            visible[question.id] = True
        else:
            controller = plan.question_index.get(condition.question)
            answer = answers.get(condition.question)
            visible[question.id] = (
                controller is not None
                and visible.get(controller.id, False)
                and is_answered(controller, answer)
                and condition.holds(answer)
            )
    return visible


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


# Declarations, keyed by per_member domain id: one result per member organisation, sorted by name.
Declarations = Mapping[str, tuple[MemberDeclarationResult, ...]]


@dataclass(frozen=True)
class Evaluation:
    states: dict[str, QuestionState]
    domain_scores: dict[str, float | None]
    overall: float | None
    declarations: Declarations = field(default_factory=dict)
    # Member name -> that member's answers, sorted by name.
    member_answers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def _not_applicable(question: Question) -> QuestionState:
    return QuestionState(question, False, False, None, None, None, None, False, None, None)


def evaluate(
    plan: ScoringPlan,
    answers: Mapping[str, Any],
    moderation: Mapping[str, float],
    member_answers: Mapping[str, Mapping[str, Any]] | None = None,
) -> Evaluation:
    visible = compute_visibility(plan, answers)
    states = {
        q.id: (
            _not_applicable(q)
            if q.id in plan.member_question_ids
            else evaluate_question(q, answers.get(q.id), moderation.get(q.id), visible[q.id], plan.needs_evaluation(q))
        )
        for q in plan.questions
    }
    domain_scores = {d.id: None if d.per_member else domain_score(domain_terms(d, states)) for d in plan.domains}
    overall = overall_score((d.weight, domain_scores[d.id]) for d in plan.joint_domains)
    members = sorted_members(member_answers)
    return Evaluation(states, domain_scores, overall, evaluate_declarations(plan, members), members)


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


def domain_terms(domain: Domain, states: Mapping[str, QuestionState]) -> list[tuple[float, float]]:
    out = []
    for question in domain.questions:
        value = states[question.id].domain_value
        if value is not None:
            out.append((question.weight, value))
    return out


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

    member_declarations: the value is the number of members whose declarations are clear, and it
    passes when there is at least one member and all of them are clear."""
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
        return (state.file_count or 0) > 0, float(state.file_count or 0)
    return False, None


def gate_outcome(results: Iterable[tuple[Criterion, bool]]) -> GateOutcome:
    outcome = GateOutcome.PASS
    for criterion, passed in results:
        if not passed:
            if criterion.on_fail == GateOutcome.FAIL.value:
                return GateOutcome.FAIL
            outcome = GateOutcome.CONDITIONAL
    return outcome


def recommendation_for(outcomes: Iterable[str]) -> Recommendation:
    outcomes = set(outcomes)
    if GateOutcome.FAIL in outcomes:
        return Recommendation.OPEN_PROCUREMENT
    if GateOutcome.CONDITIONAL in outcomes:
        return Recommendation.PROCEED_WITH_CONDITIONS
    return Recommendation.PROCEED


def required_criteria(plan: ScoringPlan, recommendation: str) -> list[Criterion]:
    """The criteria that must all pass for a recommendation at least as good as ``recommendation``."""
    rank = RECOMMENDATION_ORDER.index(recommendation)
    if rank == 0:
        return []
    if rank == 1:
        return [c for c in plan.criteria if c.on_fail == GateOutcome.FAIL.value]
    return list(plan.criteria)


# --------------------------------------------------------------------------------------------------
# Plain-words explanations


def format_number(value: float) -> str:
    """Thousands separators, and no trailing zeros: 100000 -> '100,000', 0.5 -> '0.5'."""
    value = float(value)
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def _shown(value: float, decimals: int, threshold: float, passed: bool) -> str:
    # Rounding must not contradict the verdict ("scored 50.0, below the minimum of 50"), so add
    # decimals until the displayed value is on the right side of the threshold.
    for places in range(decimals, 10):
        text = f"{value:.{places}f}"
        if passed or float(text) < threshold:
            return text
    return repr(value)


def _consequence(criterion: Criterion) -> str:
    return "gate fails" if criterion.on_fail == GateOutcome.FAIL.value else "gate is conditional"


def default_title(plan: ScoringPlan, criterion: Criterion) -> str:
    minimum = _minimum_text(criterion)
    if criterion.type == "member_declarations":
        domain = plan.domain_index.get(criterion.domain_id)
        return f"Clear declarations from every member organisation ({domain.title if domain else criterion.domain})"
    if criterion.type == "domain_min":
        domain = plan.domain_index.get(criterion.domain_id)
        return f"{domain.title if domain else criterion.domain} score of at least {minimum}"
    if criterion.type == "overall_min":
        return f"Overall score of at least {minimum}"
    question = plan.question_index.get(criterion.question_id)
    text = question.text if question else criterion.question
    if criterion.type == "evidence_required":
        return f"File attached for '{text}'"
    return f"'{text}' at least {minimum}"


def _quoted_answer(question: Question, value: Any) -> str:
    text = question.text.strip()
    if not is_answered(question, value):
        return f"'{text}' not answered"
    if question.type == "yesno":
        return f"'{text}' answered {'Yes' if value else 'No'}"
    if question.type == "choice":
        option = question.option(value)
        return f"'{text}' answered '{option.label if option is not None else value}'"
    return f"'{text}' answered {value!r}"


def explain_declarations(
    plan: ScoringPlan,
    criterion: Criterion,
    results: tuple[MemberDeclarationResult, ...],
    member_answers: Mapping[str, Mapping[str, Any]],
) -> str:
    then = _consequence(criterion)
    if criterion.domain not in {d.id for d in plan.member_domains}:
        if criterion.domain not in plan.domain_index:
            return f"The criterion refers to an unknown domain '{criterion.domain}': {then}."
        return (
            f"The criterion refers to domain '{criterion.domain}', which is not answered per member "
            f"organisation: {then}."
        )
    if not results:
        return f"No member organisation's declarations have been given, so none can be shown to be clear: {then}."
    failing = [r for r in results if not r.passed]
    if not failing:
        if len(results) == 1:
            return f"{results[0].member} made clear declarations."
        return f"All {len(results)} member organisations made clear declarations."
    clauses = []
    for result in failing:
        answers = member_answers.get(result.member, {})
        reasons = ", ".join(_quoted_answer(plan.question_index[qid], answers.get(qid)) for qid in result.failing)
        clauses.append(f"{result.member}: {reasons}")
    return "Declarations not clear for " + "; for ".join(clauses) + f": {then}."


def explain(
    plan: ScoringPlan,
    criterion: Criterion,
    passed: bool,
    value: float | None,
    states: Mapping[str, QuestionState],
    evaluation: Evaluation | None = None,
) -> str:
    kind = criterion.type
    if kind == "member_declarations":
        declarations = evaluation.declarations if evaluation is not None else {}
        member_answers = evaluation.member_answers if evaluation is not None else {}
        return explain_declarations(plan, criterion, declarations.get(criterion.domain_id, ()), member_answers)
    if kind == "domain_min":
        return _explain_domain_min(plan, criterion, passed, value)
    if kind == "overall_min":
        return _explain_overall_min(criterion, passed, value)
    return _explain_question_criterion(plan, criterion, passed, value, states)


def _minimum_text(criterion: Criterion) -> str:
    return format_number(criterion.min) if criterion.min is not None else ""


def _explain_domain_min(plan: ScoringPlan, criterion: Criterion, passed: bool, value: float | None) -> str:
    then = _consequence(criterion)
    minimum = _minimum_text(criterion)
    domain = plan.domain_index.get(criterion.domain_id)
    if domain is None:
        return f"The criterion refers to an unknown domain '{criterion.domain}': {then}."
    if value is None:
        return (
            f"{domain.title} has no applicable scored questions, so it has no score to meet "
            f"the minimum of {minimum}: {then}."
        )
    shown = _shown(value, 1, criterion.minimum, passed)
    if passed:
        return f"{domain.title} scored {shown}, meeting the minimum of {minimum}."
    return f"{domain.title} scored {shown}, below the minimum of {minimum}: {then}."


def _explain_overall_min(criterion: Criterion, passed: bool, value: float | None) -> str:
    then = _consequence(criterion)
    minimum = _minimum_text(criterion)
    if value is None:
        return f"No domain was scored, so there is no overall score to meet the minimum of {minimum}: {then}."
    shown = _shown(value, 1, criterion.minimum, passed)
    if passed:
        return f"The overall score is {shown}, meeting the minimum of {minimum}."
    return f"The overall score is {shown}, below the minimum of {minimum}: {then}."


def _explain_question_criterion(
    plan: ScoringPlan, criterion: Criterion, passed: bool, value: float | None, states: Mapping[str, QuestionState]
) -> str:
    """question_min, number_min and evidence_required: criteria that read one question."""
    then = _consequence(criterion)
    minimum = _minimum_text(criterion)
    kind = criterion.type
    question = plan.question_index.get(criterion.question_id)
    if question is None:
        return f"The criterion refers to an unknown question '{criterion.question}': {then}."
    text = question.text.strip()
    state = states.get(question.id)
    if state is None or not state.visible:
        requirement = "no file was attached" if kind == "evidence_required" else f"the minimum of {minimum} is not met"
        return (
            f"'{text}' was not applicable to this submission (hidden by an earlier answer), so {requirement}: {then}."
        )
    if kind == "question_min":
        assert value is not None  # criterion_check gives a visible question's gate value, never None
        shown = _shown(value, 2, criterion.minimum, passed)
        how = _how_scored(state)
        if passed:
            return f"'{text}' scored {shown}{how}, meeting the minimum of {minimum}."
        return f"'{text}' scored {shown}{how}, below the minimum of {minimum}: {then}."
    if kind == "number_min":
        # Definitions phrase some number questions as labels ("Population covered") and some as
        # questions; a question has to be quoted to make a readable sentence.
        subject = f"The answer to '{text}'" if text.endswith("?") else text
        if value is None:
            return f"'{text}' was not answered, so the minimum of {minimum} is not met: {then}."
        if passed:
            return f"{subject} is {format_number(value)}, meeting the minimum of {minimum}."
        return f"{subject} is {format_number(value)}, below the minimum of {minimum}: {then}."
    if kind == "evidence_required":
        count = int(value or 0)
        if passed:
            return f"{count} file{'s' if count != 1 else ''} attached for '{text}'."
        return f"No file attached for '{text}': {then}."
    return f"Unknown criterion type '{kind}': {then}."


def _how_scored(state: QuestionState) -> str:
    """How a visible question came by its score, as a phrase to follow the score."""
    if state.awaiting:
        return " (awaiting evaluation, so it counts as 0)"
    if state.moderated is not None:
        return " after moderation"
    if not state.answered:
        return " (not answered)"
    return ""


# --------------------------------------------------------------------------------------------------
# Public entry point


def score_submission(
    questionnaire: Questionnaire,
    framework: Framework,
    answers: Mapping[str, Any],
    moderation: Mapping[str, float] | None = None,
    member_answers: Mapping[str, Mapping[str, Any]] | None = None,
) -> ScoreResult:
    """Score one submission.  Assumes ``validate_answers`` found nothing wrong; missing answers are
    simply unanswered.

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
                criterion, states, evaluation.domain_scores, evaluation.overall, evaluation.declarations
            )
            checked.append((criterion, passed, value))
        criteria = tuple(_criterion_result(plan, evaluation, c, passed, value) for c, passed, value in checked)
        gates.append(GateResult(gate.id, gate.title, gate_outcome((c, p) for c, p, _ in checked), criteria))

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
        value=value,
        threshold=threshold,
        on_fail=criterion.on_fail,
        explanation=explain(plan, criterion, passed, value, evaluation.states, evaluation),
        rationale=criterion.rationale,
        members=members,
    )
