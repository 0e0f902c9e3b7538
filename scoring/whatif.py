"""What would it take? The fewest answer changes that lift a submission to the next recommendation.

A change moves one question to a strictly better answer: a higher level, 'Yes', a better option,
more options, a number in a better band (the band's minimum) or up to a number_min threshold, an
attached file, or - for text and already-moderated questions - a higher moderated score (in steps
of 0.25, plus any question_min threshold on that question).  ``scoring.whatif_moves`` builds these
candidate moves; this module searches among them.

The answer is exact: the fewest changes, then the smallest total increase in question scores (each
on its 0..1 scale), within ``max_changes``.  It is found by a branch-and-bound search that is fast
because of three facts about the rules:

* Only failing criteria can be the obstacle, so only questions that can move them are tried:
  questions those criteria name, weighted questions in failing domains (all of them when the
  overall minimum fails), and the show_if controllers that could reveal or hide any of those.
* Apart from show_if controllers, an improvement never lowers anything: domain scores and gate
  values only rise.  So each combination of controller changes is fixed first (a "context", with
  visibility re-computed), and inside it every domain/overall shortfall is a linear covering
  problem whose best-case gain and cheapest cost can be bounded from the remaining candidates.
* A question named by a failing question_min/number_min/evidence_required criterion must itself
  change (nothing else can make that criterion pass), and only to an answer that passes it.

Bounds use a slack far above float noise and every candidate set that survives is scored exactly
with the same functions as ``score_submission``, so float rounding cannot change the answer; the
final set is re-scored with ``score_submission`` as a guard.

Member declarations are never changed.  A member organisation's declarations (insolvency,
convictions, ...) are facts about the applicant, not answers it could improve, so a failing
``member_declarations`` criterion cannot be part of "what it would take": when one stands between
the submission and the next recommendation, ``what_if`` returns None, whatever else could change.
Joint answers given for per_member questions are ignored here as they are when scoring.
"""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from itertools import combinations, product
from typing import Any

from questionnaires import Criterion, Framework, Gate, Questionnaire

from .engine import (
    TOLERANCE,
    Declarations,
    Evaluation,
    ScoringPlan,
    criterion_check,
    domain_score,
    domain_terms,
    evaluate,
    gate_outcome,
    overall_score,
    plan_for,
    recommendation_for,
    required_criteria,
    score_submission,
    split_moderation,
)
from .results import RECOMMENDATION_LABELS, RECOMMENDATION_ORDER, ScoreResult
from .states import GateOutcome, Recommendation
from .whatif_moves import COST_EPS, KEEP, Move, moves_for
from .whatif_moves import MODERATION_STEPS as MODERATION_STEPS
from .whatif_moves import PLACEHOLDER_FILE as PLACEHOLDER_FILE
from .whatif_moves import Change as Change

# Linear gain estimates differ from the exact fsum-based scores by ~1e-13; bounds give this much
# benefit of the doubt so they never discard a set the exact check would accept.
_SLACK = 1e-7


@dataclass(frozen=True)
class WhatIfResult:
    current: Recommendation
    target: Recommendation
    changes: tuple[Change, ...]
    result: ScoreResult = field(repr=False)

    @property
    def target_label(self) -> str:
        return RECOMMENDATION_LABELS[self.target]

    def apply(
        self, answers: Mapping[str, Any], moderation: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        new_answers, new_moderation = dict(answers), dict(moderation or {})
        for change in self.changes:
            (new_moderation if change.applies_to == "moderation" else new_answers)[change.question_id] = change.to_value
            if change.judgement is not None:
                new_moderation[change.question_id] = change.judgement
        return new_answers, new_moderation

    def to_dict(self) -> dict[str, Any]:
        return {
            "current": self.current,
            "target": self.target,
            "target_label": self.target_label,
            "changes": [c.to_dict() for c in self.changes],
        }


# --------------------------------------------------------------------------------------------------
# Search


@dataclass
class _Constraint:
    domain_id: str | None  # None: the overall score
    need: float  # how far the score is below its threshold


class _Context:
    """The submission with one combination of show_if-controller changes applied.

    Visibility is fixed inside a context, which is what makes the linear bounds valid.
    """

    def __init__(self, search: _Search, controller_moves: tuple[Move, ...]):
        self.moves = controller_moves
        self.cost = math.fsum(m.cost for m in controller_moves)
        answers, moderation = search.apply(controller_moves)
        plan = search.plan
        self.evaluation: Evaluation = evaluate(plan, answers, moderation)
        states = self.evaluation.states
        self.feasible = True
        self.forced: list[list[Move]] = []
        self.free: list[list[Move]] = []
        self.constraints: list[_Constraint] = []

        changed = {m.question.id for m in controller_moves}
        named_failing: list[str] = []
        constraint_domains: set[str] = set()
        for criterion in search.required:
            passed, value = criterion_check(
                criterion, states, self.evaluation.gate_domain_scores, self.evaluation.gate_overall
            )
            if passed:
                continue
            if criterion.type in ("domain_min", "overall_min"):
                need = math.inf if value is None else criterion.minimum - TOLERANCE - value
                self.constraints.append(_Constraint(criterion.domain, need))
                constraint_domains.update([criterion.domain] if criterion.domain else [d.id for d in plan.domains])
                continue
            qid = criterion.question_id
            state = states.get(qid)
            # Only a visible, not-yet-changed, non-controller question can still be fixed here.
            if state is None or not state.visible or qid in changed or qid in plan.controllers:
                self.feasible = False
                return
            if qid not in named_failing:
                named_failing.append(qid)

        for qid in named_failing:
            moves = search.moves(qid)
            if not moves:
                self.feasible = False
                return
            self.forced.append(moves)

        candidates = self._candidates(search, constraint_domains, named_failing)
        self._den = {d.id: math.fsum(w for w, _ in domain_terms(d, states)) for d in plan.domains}
        scored = [(d.weight, d.id) for d in plan.domains if self.evaluation.domain_scores[d.id] is not None]
        total_domain_weight = math.fsum(w for w, _ in scored)
        self._overall_share = {d: w / total_domain_weight for w, d in scored} if scored else {}
        self.gains: dict[int, tuple[float, ...]] = {}
        for moves in self.forced + candidates:
            for move in moves:
                self.gains[id(move)] = self._gains_of(search, move)

        def promise(moves: list[Move]) -> tuple[float, float, int]:
            best = max((sum(self.gains[id(m)]) for m in moves), default=0.0)
            return (-best, moves[0].cost, moves[0].order)

        self.free = sorted(candidates, key=promise)
        self._build_bounds(search.max_changes)

    def _candidates(self, search: _Search, constraint_domains: set[str], named_failing: list[str]) -> list[list[Move]]:
        """The moves of every question that could raise a failing domain or overall score, by question."""
        states = self.evaluation.states
        plan = search.plan
        candidates = []
        for domain in plan.domains:
            if domain.id not in constraint_domains:
                continue
            for question in domain.questions:
                qid = question.id
                if (
                    question.weight > 0
                    and states[qid].visible
                    and qid not in plan.controllers
                    and qid not in named_failing
                ):
                    moves = search.moves(qid)
                    if moves:
                        candidates.append(moves)
        return candidates

    def _gains_of(self, search: _Search, move: Move) -> tuple[float, ...]:
        question = move.question
        # Gates read settled scores (answers awaiting evaluation count 0), so gains are measured on them.
        before = self.evaluation.states[question.id].settled_value
        after = move.state.settled_value
        domain_id = search.plan.domain_of[question.id].id
        if before is None or after is None:
            return tuple(0.0 for _ in self.constraints)
        domain_gain = 100.0 * question.weight * (after - before) / self._den[domain_id]
        out = []
        for constraint in self.constraints:
            if constraint.domain_id is None:
                out.append(self._overall_share.get(domain_id, 0.0) * domain_gain)
            else:
                out.append(domain_gain if constraint.domain_id == domain_id else 0.0)
        return tuple(out)

    def _build_bounds(self, max_slots: int) -> None:
        """Suffix tables over ``self.free``: best total gain of r more picks, cheapest move, best gain per cost."""
        n, k = len(self.free), len(self.constraints)
        self.top_gain = [[[0.0] * (max_slots + 1) for _ in range(k)] for _ in range(n + 1)]
        self.min_cost = [math.inf] * (n + 1)
        self.max_efficiency = [[0.0] * k for _ in range(n + 1)]
        best_per_constraint: list[list[float]] = [[] for _ in range(k)]
        for j in range(n - 1, -1, -1):
            moves = self.free[j]
            self.min_cost[j] = min(self.min_cost[j + 1], min(m.cost for m in moves))
            for c in range(k):
                gain = max(self.gains[id(m)][c] for m in moves)
                tops = sorted(best_per_constraint[c] + [gain], reverse=True)[:max_slots]
                best_per_constraint[c] = tops
                running = 0.0
                for r in range(1, max_slots + 1):
                    running += tops[r - 1] if r <= len(tops) else 0.0
                    self.top_gain[j][c][r] = running
                efficiency = max(
                    (self.gains[id(m)][c] / m.cost if m.cost > 0 else (math.inf if self.gains[id(m)][c] > 0 else 0.0))
                    for m in moves
                )
                self.max_efficiency[j][c] = max(self.max_efficiency[j + 1][c], efficiency)


class _Search:
    def __init__(
        self,
        plan: ScoringPlan,
        answers: dict[str, Any],
        moderation: dict[str, float],
        required: list[Criterion],
        max_changes: int,
        limited_gates: tuple[Gate, ...] = (),
        declarations: Declarations | None = None,
        fixed: frozenset[str] = frozenset(),
    ):
        self.plan = plan
        self.answers = answers
        self.moderation = moderation
        self.required = required
        self.limited_gates = limited_gates
        # Members' declarations never change here; the limited gates' checks read them as they are.
        self.declarations = declarations or {}
        self.fixed = fixed
        self.max_changes = max_changes
        self.order = {q.id: i for i, q in enumerate(plan.questions)}
        self._moves: dict[str, list[Move]] = {}
        self._contexts: dict[tuple[int, ...], _Context] = {}
        self.best_cost = math.inf
        self.best: tuple[Move, ...] | None = None

    def moves(self, qid: str) -> list[Move]:
        if qid in self.fixed:
            return []
        if qid not in self._moves:
            question = self.plan.question_index[qid]
            own = [c for c in self.required if c.question == qid]
            self._moves[qid] = moves_for(
                self.plan, question, self.order[qid], self.answers.get(qid), self.moderation.get(qid), own
            )
        return self._moves[qid]

    def apply(self, moves: tuple[Move, ...]) -> tuple[dict[str, Any], dict[str, float]]:
        answers, moderation = dict(self.answers), dict(self.moderation)
        for move in moves:
            if move.answer is not KEEP:
                answers[move.question.id] = move.answer
            if move.moderation is not KEEP:
                moderation[move.question.id] = move.moderation
        return answers, moderation

    def context(self, controller_moves: tuple[Move, ...]) -> _Context:
        key = tuple(id(m) for m in controller_moves)
        if key not in self._contexts:
            self._contexts[key] = _Context(self, controller_moves)
        return self._contexts[key]

    def run(self) -> tuple[Move, ...] | None:
        controllers = [qid for qid in self.plan.controllers if self.moves(qid)]
        controllers.sort(key=self.order.__getitem__)
        for size in range(1, self.max_changes + 1):
            self.best_cost, self.best = math.inf, None
            for controller_count in range(0, size + 1):
                for chosen in combinations(controllers, controller_count):
                    for controller_moves in product(*(self.moves(q) for q in chosen)):
                        self._search_context(controller_moves, size - controller_count)
            if self.best is not None:
                return self.best
        return None

    def _search_context(self, controller_moves: tuple[Move, ...], slots: int) -> None:
        if math.fsum(m.cost for m in controller_moves) >= self.best_cost - COST_EPS and controller_moves:
            return
        context = self.context(controller_moves)
        if not context.feasible or len(context.forced) > slots:
            return
        free_slots = slots - len(context.forced)
        if free_slots > len(context.free):
            return
        zero = tuple(0.0 for _ in context.constraints)
        self._choose_forced(context, 0, free_slots, context.cost, zero, controller_moves)

    def _choose_forced(
        self,
        context: _Context,
        i: int,
        free_slots: int,
        cost: float,
        gains: tuple[float, ...],
        chosen: tuple[Move, ...],
    ) -> None:
        if i == len(context.forced):
            self._choose_free(context, 0, free_slots, cost, gains, chosen)
            return
        for move in context.forced[i]:
            new_cost = cost + move.cost
            if new_cost >= self.best_cost - COST_EPS:
                break
            self._choose_forced(
                context, i + 1, free_slots, new_cost, _add(gains, context.gains[id(move)]), chosen + (move,)
            )

    def _choose_free(
        self,
        context: _Context,
        start: int,
        slots: int,
        cost: float,
        gains: tuple[float, ...],
        chosen: tuple[Move, ...],
    ) -> None:
        constraints = context.constraints
        if slots == 0:
            needs_met = all(g >= c.need - _SLACK for g, c in zip(gains, constraints, strict=True))
            if needs_met and self._reaches(context, chosen):
                self.best_cost, self.best = cost, chosen
            return
        for j in range(start, len(context.free) - slots + 1):
            # Suffix tables only shrink as j grows, so once a bound fails it fails for every later j.
            if any(
                g + context.top_gain[j][c][slots] < constraint.need - _SLACK
                for c, (g, constraint) in enumerate(zip(gains, constraints, strict=True))
            ):
                break
            lower_bound = slots * context.min_cost[j]
            for c, (g, constraint) in enumerate(zip(gains, constraints, strict=True)):
                missing = constraint.need - _SLACK - g
                if missing > 0:
                    efficiency = context.max_efficiency[j][c]
                    lower_bound = max(lower_bound, missing / efficiency if efficiency > 0 else math.inf)
            if cost + lower_bound >= self.best_cost - COST_EPS:
                break
            for move in context.free[j]:
                new_cost = cost + move.cost
                if new_cost >= self.best_cost - COST_EPS:
                    break
                self._choose_free(
                    context, j + 1, slots - 1, new_cost, _add(gains, context.gains[id(move)]), chosen + (move,)
                )

    def _reaches(self, context: _Context, chosen: tuple[Move, ...]) -> bool:
        """Exact check, with the engine's own functions, that ``chosen`` meets every required criterion."""
        plan = self.plan
        controller_ids = {id(m) for m in context.moves}
        changed = {m.question.id: m.state for m in chosen if id(m) not in controller_ids}
        states = ChainMap(changed, context.evaluation.states)
        domain_scores = dict(context.evaluation.gate_domain_scores)
        for qid in changed:
            domain = plan.domain_of[qid]
            domain_scores[domain.id] = domain_score(domain_terms(domain, states, settled=True))
        overall = overall_score((d.weight, domain_scores[d.id]) for d in plan.domains)
        if not all(criterion_check(c, states, domain_scores, overall)[0] for c in self.required):
            return False
        if not self.limited_gates:
            return True
        # A gate that allows only so many conditions: the criteria above pass, but too many others
        # could still be unmet (a show_if change can hide what a condition reads).
        declarations = self.declarations
        return all(
            gate_outcome(
                ((c, criterion_check(c, states, domain_scores, overall, declarations)[0]) for c in gate.criteria),
                gate.max_conditional,
            )
            != GateOutcome.FAIL
            for gate in self.limited_gates
        )


def _add(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def what_if(
    questionnaire: Questionnaire,
    framework: Framework,
    answers: Mapping[str, Any],
    moderation: Mapping[str, Any] | None = None,
    max_changes: int = 4,
    member_answers: Mapping[str, Mapping[str, Any]] | None = None,
    fixed: frozenset[str] = frozenset(),
) -> WhatIfResult | None:
    """The smallest set of improvements that reaches the next better recommendation, or None when the
    submission already proceeds, when no set of at most ``max_changes`` changes is enough, or when a
    failing member_declarations criterion blocks the next recommendation (declarations are facts,
    never changed here; without ``member_answers`` every member_declarations criterion fails).

    ``fixed`` names questions whose answers are facts rather than claims (set by the commissioner,
    say): like declarations, they are never changed, so a criterion only they could meet blocks."""
    plan = plan_for(questionnaire, framework)
    scores, verified = split_moderation(moderation or {})
    verified = {k: v for k, v in verified.items() if k not in plan.member_question_ids}
    # The search works on the answers the engine reads: where evaluators verified an answer, theirs.
    read = {**dict(answers or {}), **verified}
    base = evaluate(plan, read, scores, member_answers)
    declarations = base.declarations

    def passes(criterion: Criterion) -> bool:
        return criterion_check(criterion, base.states, base.gate_domain_scores, base.gate_overall, declarations)[0]

    outcomes = [gate_outcome(((c, passes(c)) for c in gate.criteria), gate.max_conditional) for gate in framework.gates]
    current = recommendation_for(outcomes)
    rank = RECOMMENDATION_ORDER.index(current)
    if rank == len(RECOMMENDATION_ORDER) - 1 or max_changes < 1:
        return None
    target = RECOMMENDATION_ORDER[rank + 1]
    required = required_criteria(plan, target)
    declared = [c for c in required if c.type == "member_declarations"]
    if any(not passes(c) for c in declared):
        return None
    # The remaining member_declarations criteria pass, and no change below can affect them.
    required = [c for c in required if c.type != "member_declarations"]
    best: tuple[tuple[int, float], tuple[Move, ...], _Search] | None = None
    limit = max_changes
    options = _conditions_to_meet(framework, target, passes)
    # Every choice of conditions to meet includes the must-haves: when they alone cannot be met within
    # the limit, no choice can, and the many choices need not be searched one by one.
    if (
        options != [()]
        and not all(passes(c) for c in required)
        and _Search(plan, read, scores, required, limit, (), declarations, fixed).run() is None
    ):
        return None
    for extra in options:
        if any(c.question in fixed for c in extra if c.question):
            continue  # a condition on a fact cannot be met by changing it
        search = _Search(
            plan,
            read,
            scores,
            required + list(extra),
            limit,
            _limited_gates(framework, target),
            declarations,
            fixed,
        )
        found = search.run()
        if found is None:
            continue
        key = (len(found), math.fsum(m.cost for m in found))
        if best is None or key[0] < best[0][0] or (key[0] == best[0][0] and key[1] < best[0][1] - COST_EPS):
            best = (key, found, search)
            # No later choice needs to be searched beyond the fewest changes found so far.
            limit = key[0]
    if best is None:
        return None
    _, found, search = best
    chosen = sorted(found, key=lambda m: m.order)
    new_read, new_scores = search.apply(tuple(chosen))
    new_answers, new_moderation = _as_inputs(dict(answers or {}), new_read, new_scores, moderation or {}, verified)
    result = score_submission(questionnaire, framework, new_answers, new_moderation, member_answers)
    if RECOMMENDATION_ORDER.index(result.recommendation) < rank + 1:
        raise RuntimeError("what-if search disagrees with score_submission; this is a bug in scoring.whatif")
    changes = tuple(_verified_change(m.change) if m.question.id in verified else m.change for m in chosen)
    return WhatIfResult(current, target, changes, result)


def _limited_gates(framework: Framework, target: Recommendation) -> tuple[Gate, ...]:
    if target != Recommendation.PROCEED_WITH_CONDITIONS:
        return ()
    return tuple(g for g in framework.gates if g.max_conditional is not None)


def _conditions_to_meet(
    framework: Framework, target: Recommendation, passes: Callable[[Criterion], bool]
) -> list[tuple[Criterion, ...]]:
    """For "proceed with conditions", the choices of unmet conditional criteria to meet so that no
    gate has more unmet conditions than it allows: every way of meeting just enough of them (member
    declarations are facts, so never among them).  One empty choice when nothing needs meeting."""
    choices: list[list[tuple[Criterion, ...]]] = []
    for gate in _limited_gates(framework, target):
        assert gate.max_conditional is not None  # _limited_gates keeps only gates with a limit
        unmet = [c for c in gate.criteria if c.on_fail != GateOutcome.FAIL.value and not passes(c)]
        excess = len(unmet) - gate.max_conditional
        if excess <= 0:
            continue
        fixable = [c for c in unmet if c.type != "member_declarations"]
        choices.append(list(combinations(fixable, excess)))
    return [tuple(c for part in combo for c in part) for combo in product(*choices)]


def _as_inputs(
    answers: dict[str, Any],
    read: dict[str, Any],
    scores: dict[str, float],
    moderation: Mapping[str, Any],
    verified: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The search's answers and scores turned back into engine inputs: a changed verified answer
    stays the evaluators' (``{"answer": value}``), and the provider's answer stays as given."""
    new_answers = {qid: value for qid, value in read.items() if qid not in verified}
    new_answers.update({qid: answers[qid] for qid in verified if qid in answers})
    new_moderation: dict[str, Any] = {k: v for k, v in moderation.items() if v is not None}
    new_moderation.update({qid: {"answer": read[qid]} for qid in verified})
    for qid, score in scores.items():
        if qid not in verified:
            original = moderation.get(qid)
            if original is None or isinstance(original, dict) or _score_of(original) != score:
                new_moderation[qid] = score
    return new_answers, new_moderation


def _score_of(value: Any) -> float:
    scores, _ = split_moderation({"q": value})
    return scores.get("q", math.nan)


def _verified_change(change: Change) -> Change:
    """A change to an answer evaluators verified is a change to what the evidence must show."""
    if change.applies_to != "answer":
        return change
    return replace(
        change,
        from_value={"answer": change.from_value},
        to_value={"answer": change.to_value},
        description=f"{change.description} (evaluators verified this answer, so the evidence must support the change)",
        applies_to="moderation",
    )
