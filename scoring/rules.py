"""The scoring plan and the per-question rules (answered, score, state, visibility) the rest of scoring builds on."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from questionnaires import SUFFICIENCY_SCORES, Criterion, Domain, Framework, Question, Questionnaire

from .results import MemberDeclarationResult

# Threshold comparisons allow TOLERANCE (absolute) below the threshold.  Domain scores are ratios of
# float sums, so a submission that "exactly" meets a minimum of 50 can come out as 49.99999999999999
# depending on summation order; without the tolerance that artefact would flip a gate.  1e-9 is far
# below anything visible (scores display to 1 dp, question scores to 2 dp) and far above float noise
# on the 0..100 and 0..1 scales and on the whole-number thresholds used for number_min.
TOLERANCE = 1e-9


def meets(value: float, threshold: float) -> bool:
    return value >= threshold - TOLERANCE


# Answers whose score comes only from evaluators: a text answer has none of its own, and a file's
# presence says nothing about whether it shows what it should.
JUDGED_TYPES = ("text", "evidence")


def split_moderation(moderation: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, Any]]:
    """The evaluators' consensus as (scores, verified answers), both keyed by question id.

    A consensus is a score from 0 to 1, a judgement of evidence (``SUFFICIENCY_SCORES``, which
    becomes the score it gives), or ``{"answer": value}``: the answer the evidence supports, which
    replaces the provider's.  ``scoring.validation`` refuses anything else; here unknown shapes are
    skipped so the engine stays total.
    """
    scores: dict[str, float] = {}
    verified: dict[str, Any] = {}
    for question_id, value in moderation.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            if value.get("answer") is not None:
                verified[question_id] = value["answer"]
        elif isinstance(value, str):
            if value in SUFFICIENCY_SCORES:
                scores[question_id] = SUFFICIENCY_SCORES[value]
        else:
            scores[question_id] = float(value)
    return scores, verified


def sufficiency_of(score: float) -> str:
    """The judgement a consensus score of an evidence question stands for: the best level it reaches."""
    reached = [level for level, level_score in SUFFICIENCY_SCORES.items() if meets(score, level_score)]
    return reached[-1] if reached else "not_sufficient"


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
        # Text answers and evidence files have no score anyone can trust until evaluators judge
        # them, so they await evaluation when they are weighted or a gate reads them directly; in
        # both cases an unjudged answer is a gap the panel has to fill.  Members' explanations are
        # read by the panel but never scored, so they are not evaluated.
        self.evaluated: frozenset[str] = (
            frozenset(
                [q.id for q in self.questions if q.type in JUDGED_TYPES and q.weight > 0]
                + [c.question for c in self.criteria if c.type in ("question_min", "evidence_required") and c.question]
            )
            - self.member_question_ids
        )
        self.visibility_order, self.cyclic = _visibility_order(self.questions, self.question_index)
        self.member_visibility_order: list[Question] = [
            q for q in self.visibility_order if q.id in self.member_question_ids
        ]

    def needs_evaluation(self, question: Question) -> bool:
        return question.type in JUDGED_TYPES and question.id in self.evaluated


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
    # Evaluators agreed a consensus on it: a score, a judgement of its evidence or a verified answer.
    verified: bool = False

    @property
    def claims(self) -> bool:
        """The provider claims something here that could be checked: an answer, or at least one file."""
        return self.answered and (self.file_count is None or self.file_count > 0)

    @property
    def settled_value(self) -> float | None:
        """The domain value counting an answer awaiting evaluation as 0: what it is sure to give."""
        if self.domain_value is None or not self.awaiting:
            return self.domain_value
        return 0.0

    @property
    def sufficiency(self) -> str | None:
        """The consensus judgement of an evidence question's files, when one was agreed."""
        if self.question.type != "evidence" or self.moderated is None:
            return None
        return sufficiency_of(self.moderated)


def evaluate_question(
    question: Question,
    value: Any,
    moderated: float | None,
    visible: bool,
    needs_evaluation: bool,
    verified_answer: bool = False,
) -> QuestionState:
    """``value`` is the answer the engine reads: the evaluators' verified answer when
    ``verified_answer``, the provider's otherwise."""
    answered = is_answered(question, value)
    if not visible:
        return QuestionState(question, False, answered, None, None, None, None, False, None, None)
    # Unanswered, a question scores 0, except a text question, which has no score of its own.
    own = answer_score(question, value) if answered else (None if question.type == "text" else 0.0)
    effective = float(moderated) if moderated is not None else (own if own is not None else 0.0)
    file_count = (len(value) if answered else 0) if question.type == "evidence" else None
    # Something to judge (written text, or at least one file) that nobody has judged yet.
    has_material = answered and (file_count is None or file_count > 0)
    awaiting = question.type in JUDGED_TYPES and needs_evaluation and has_material and moderated is None
    number = value if question.type == "number" and answered else None
    return QuestionState(
        question=question,
        visible=True,
        answered=answered,
        self_score=own,
        moderated=None if moderated is None else float(moderated),
        # A gate never reads an unjudged answer's own score: it counts as 0 until judged.
        gate_value=0.0 if awaiting else effective,
        # The domain counts it as before (a written answer 0, attached files 1) and lists it as awaited.
        domain_value=effective if question.weight > 0 else None,
        awaiting=awaiting,
        number=number,
        file_count=file_count,
        verified=moderated is not None or verified_answer,
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
# A whole submission evaluated: what aggregation, criteria and explanations read.


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
    # The scores gates read: answers awaiting evaluation count 0 (``QuestionState.settled_value``),
    # so no gate passes on files nobody has judged.  The same objects as the shown scores when
    # nothing awaited counts for more than 0.
    settled_domain_scores: dict[str, float | None] | None = None
    settled_overall: float | None = None

    @property
    def gate_domain_scores(self) -> dict[str, float | None]:
        return self.domain_scores if self.settled_domain_scores is None else self.settled_domain_scores

    @property
    def gate_overall(self) -> float | None:
        return self.overall if self.settled_domain_scores is None else self.settled_overall
