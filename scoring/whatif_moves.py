"""Candidate moves for the what-if search: each question's strictly better answers or moderated scores."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from questionnaires import SUFFICIENCY_LABELS, SUFFICIENCY_SCORES, Criterion, Question

from .engine import QuestionState, ScoringPlan, criterion_check, evaluate_question, format_number, is_answered
from .rules import sufficiency_of

PLACEHOLDER_FILE = "file-to-be-attached"
MODERATION_STEPS = (0.25, 0.5, 0.75, 1.0)
# Largest multichoice remainder for which every superset of the current selection is tried; beyond
# it only up to three extra options are considered, to keep the candidate list small.
_MAX_EXHAUSTIVE_OPTIONS = 10
# Costs and scores closer than this are treated as equal: the difference is float noise.
COST_EPS = 1e-12

# Marks the input a move leaves as it is (its answer or its moderated score); None cannot, being a
# value of both (unanswered, not moderated).
KEEP = object()


@dataclass(frozen=True)
class Change:
    question_id: str
    question_text: str
    from_value: Any
    to_value: Any
    description: str
    # "answer" or "moderation": which of the two inputs this change edits.
    applies_to: str = "answer"
    # A file to attach counts only once evaluators judge it: the consensus the change also needs.
    judgement: Any = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "question_id": self.question_id,
            "question_text": self.question_text,
            "from_value": self.from_value,
            "to_value": self.to_value,
            "description": self.description,
            "applies_to": self.applies_to,
        }
        if self.judgement is not None:
            data["judgement"] = self.judgement
        return data


@dataclass(frozen=True, slots=True)
class Move:
    question: Question
    order: int
    answer: Any
    moderation: Any
    state: QuestionState  # the question's state after the move, when visible
    cost: float
    change: Change


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= COST_EPS


def _answer_candidates(plan: ScoringPlan, question: Question, answer: Any) -> list[tuple[Any, bool]]:
    """(value, is_number_min_threshold) pairs, most conservative edits first."""
    kind = question.type
    if kind == "scale":
        return [(level, False) for level in range(len(question.levels or ()))]
    if kind == "yesno":
        return [(True, False), (False, False)]
    if kind == "choice":
        return [(o.value, False) for o in question.options or ()]
    if kind == "multichoice":
        chosen = list(answer) if is_answered(question, answer) else []
        remaining = [o.value for o in question.options or () if o.value not in chosen]
        largest = len(remaining) if len(remaining) <= _MAX_EXHAUSTIVE_OPTIONS else 3
        # Fewest extra options first, so the representative of each score level is the smallest edit.
        return [
            (chosen + list(extra), False) for size in range(1, largest + 1) for extra in combinations(remaining, size)
        ]
    if kind == "number":

        def tidy(v: float) -> float:
            return int(v) if float(v).is_integer() else v

        values = [(tidy(band.min), False) for band in question.bands or ()]
        values += [
            (tidy(c.minimum), True) for c in plan.criteria if c.type == "number_min" and c.question == question.id
        ]
        return values
    if kind == "evidence":
        has_file = is_answered(question, answer) and len(answer) > 0
        return [] if has_file else [([PLACEHOLDER_FILE], False)]
    return []


# Judgements of evidence worth suggesting, as the consensus scores they give.
_JUDGEMENT_LEVELS = tuple(score for score in SUFFICIENCY_SCORES.values() if score > 0)


def moves_for(
    plan: ScoringPlan,
    question: Question,
    order: int,
    answer: Any,
    moderated: float | None,
    own_criteria: list[Criterion],
) -> list[Move]:
    needs_evaluation = plan.needs_evaluation(question)
    now = evaluate_question(question, answer, moderated, True, needs_evaluation)
    now_gate = _visible_gate_value(now)
    moves: list[Move] = []

    def add(new_answer: Any, new_moderation: Any) -> None:
        state = evaluate_question(
            question,
            answer if new_answer is KEEP else new_answer,
            moderated if new_moderation is KEEP else new_moderation,
            True,
            needs_evaluation,
        )
        # A move that breaks a criterion on its own question can never be part of a solution.
        if all(criterion_check(c, {question.id: state}, {}, None)[0] for c in own_criteria):
            cost = _visible_gate_value(state) - now_gate
            moves.append(
                Move(
                    question,
                    order,
                    new_answer,
                    new_moderation,
                    state,
                    cost,
                    _change(question, answer, moderated, new_answer, new_moderation, now),
                )
            )

    is_evidence = question.type == "evidence"
    moderated_by_panel = moderated is not None or question.type == "text" or (is_evidence and bool(now.file_count))
    if moderated_by_panel:
        for level in _panel_levels(question, moderated, own_criteria, now_gate):
            add(KEEP, level)

    # With a moderated score in place a new answer no longer moves the score, so it is only worth
    # suggesting for what the raw answer still decides: visibility, attached files, raw numbers.
    answer_matters = (
        not moderated_by_panel or question.id in plan.controllers or question.type in ("evidence", "number")
    )
    if not answer_matters:
        return moves
    for candidate in _better_answers(plan, question, answer, now):
        if is_evidence and moderated is None:
            # An attached file counts for a gate only once evaluators judge it.
            for level in _JUDGEMENT_LEVELS:
                add(candidate, level)
        else:
            add(candidate, KEEP)
    moves.sort(key=lambda m: m.cost)
    return moves


def _better_answers(plan: ScoringPlan, question: Question, answer: Any, now: QuestionState) -> list[Any]:
    """The answers worth suggesting: strictly better than ``answer``, one per score level except
    for show_if controllers, and number_min thresholds."""
    needs_evaluation = plan.needs_evaluation(question)
    current_own = now.self_score if now.self_score is not None else 0.0
    # Any better value of a show_if controller may matter (options with equal scores can show
    # different questions); elsewhere one representative per score level is enough.
    distinct_only = question.id not in plan.controllers
    seen_scores: list[float] = []
    seen_values: list[Any] = []
    for candidate, is_threshold in _answer_candidates(plan, question, answer):
        own = evaluate_question(question, candidate, None, True, needs_evaluation).self_score
        if own is None or candidate in seen_values:
            continue
        if is_threshold:
            # Reaching a number_min threshold is an improvement even within the same band.
            if (now.number is not None and candidate <= now.number) or own < current_own - COST_EPS:
                continue
        else:
            if own <= current_own + COST_EPS:
                continue
            if distinct_only and any(_same(own, s) for s in seen_scores):
                continue
            seen_scores.append(own)
        seen_values.append(candidate)
    return seen_values


def _panel_levels(
    question: Question, moderated: float | None, own_criteria: list[Criterion], now: float
) -> list[float]:
    """The consensus scores worth suggesting: judgements for evidence, score steps otherwise."""
    if question.type != "evidence":
        return _moderation_levels(own_criteria, now)
    current = moderated if moderated is not None else 0.0
    return [level for level in _JUDGEMENT_LEVELS if level > current + COST_EPS]


def _visible_gate_value(state: QuestionState) -> float:
    gate_value = state.gate_value
    assert gate_value is not None  # moves are evaluated as visible, and a visible question has a gate value
    return gate_value


def _moderation_levels(own_criteria: list[Criterion], current: float) -> list[float]:
    """Moderated scores worth suggesting, lowest first: the usual steps and the question's own
    question_min thresholds, wherever they are above the current score."""
    levels = set(MODERATION_STEPS)
    levels.update(c.minimum for c in own_criteria if c.type == "question_min" and 0 < c.minimum <= 1)
    return [level for level in sorted(levels) if level > current + COST_EPS]


def _level_text(value: Any) -> str:
    return "0" if value is None else f"{value:g}"


def _change(
    question: Question, answer: Any, moderated: float | None, new_answer: Any, new_moderation: Any, now: QuestionState
) -> Change:
    qid = question.id
    if new_answer is KEEP:
        return _consensus_change(question, moderated, new_moderation, now)
    answered = is_answered(question, answer)
    kind = question.type
    if kind == "scale":
        text = f"Raise {qid} from level {answer} to {new_answer}" if answered else f"Answer {qid} at level {new_answer}"
    elif kind == "yesno":
        text = f"Answer '{'Yes' if new_answer else 'No'}' to {qid}"
    elif kind == "choice":
        text = f"Choose '{_option_label(question, new_answer)}' for {qid}"
        if answered and (old_option := question.option(answer)) is not None:
            text += f" instead of '{old_option.label}'"
    elif kind == "multichoice":
        before = set(answer) if answered else set()
        added = [_option_label(question, v) for v in new_answer if v not in before]
        verb = "Also select" if before else "Select"
        text = f"{verb} {', '.join(repr(a) for a in added)} for {qid}"
    elif kind == "number":
        if answered:
            verb = "Raise" if new_answer > answer else "Change"
            text = f"{verb} {qid} from {format_number(answer)} to {format_number(new_answer)}"
        else:
            text = f"Enter {format_number(new_answer)} for {qid}"
    elif kind == "evidence":
        text = f"Attach a file for {qid}"
        if new_moderation is not KEEP:
            text += f" that evaluators judge {_judgement_text(new_moderation)}"
            return Change(qid, question.text, answer if answered else None, new_answer, text, "answer", new_moderation)
    else:
        text = f"Change the answer to {qid}"
    return Change(qid, question.text, answer if answered else None, new_answer, text, "answer")


def _consensus_change(question: Question, moderated: float | None, new_moderation: float, now: QuestionState) -> Change:
    """A change the evaluators make: a higher consensus score, or a better judgement of evidence."""
    qid = question.id
    if question.type == "evidence":
        text = f"Evidence for {qid} judged {_judgement_text(new_moderation)}"
        if moderated is None:
            text += " (it is awaiting evaluation)"
        else:
            text += f" instead of {_judgement_text(moderated)}"
        return Change(qid, question.text, moderated, new_moderation, text, "moderation")
    text = f"Raise the moderated score of {qid} from {_level_text(moderated)} to {new_moderation:g}"
    if moderated is None and now.awaiting:
        text += " (it is awaiting evaluation)"
    return Change(qid, question.text, moderated, new_moderation, text, "moderation")


def _judgement_text(score: float) -> str:
    return SUFFICIENCY_LABELS[sufficiency_of(score)].lower()


def _option_label(question: Question, value: Any) -> str:
    option = question.option(value)
    assert option is not None  # suggested answers are drawn from the question's own options
    return option.label
