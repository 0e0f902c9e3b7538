"""Check answers and moderation against a questionnaire before scoring.

The engine itself is deliberately forgiving (a missing answer is just unanswered) so that it never
crashes on a half-finished submission; anything that would be silently mis-scored instead, such as
a string where a level index belongs or ``True`` posing as the number 1, is reported here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

from questionnaires import SUFFICIENCY_SCORES, Question, Questionnaire


@dataclass(frozen=True)
class AnswerProblem:
    question_id: str
    message: str
    # The member organisation whose answers have the problem; None for the joint answers.
    member: str | None = None

    def __str__(self) -> str:
        text = f"{self.question_id}: {self.message}" if self.question_id else self.message
        return text if self.member is None else f"member '{self.member}': {text}"


def _is_number(value: Any) -> bool:
    # bool is an int subclass in Python; in answers it always means a yes/no slipped into the wrong place.
    return isinstance(value, Real) and not isinstance(value, bool)


def _is_finite_number(value: Any) -> bool:
    return _is_number(value) and math.isfinite(value)


def _describe(value: Any) -> str:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{shown} ({type(value).__name__})"


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _answer_problem(question: Question, value: Any) -> str | None:
    check = _ANSWER_CHECKS.get(question.type)
    if check is None:
        return f"unsupported question type {question.type!r}"
    return check(question, value)


def _scale_problem(question: Question, value: Any) -> str | None:
    if not isinstance(value, Integral) or isinstance(value, bool):
        return f"a scale answer must be a level index (whole number), got {_describe(value)}"
    top = len(question.levels or ()) - 1
    if not 0 <= int(value) <= top:
        return f"level {value} is out of range: this question has levels 0 to {top}"
    return None


def _yesno_problem(question: Question, value: Any) -> str | None:
    if not isinstance(value, bool):
        return f"a yes/no answer must be true or false, got {_describe(value)}"
    return None


def _choice_problem(question: Question, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"a choice answer must be an option value (text), got {_describe(value)}"
    if question.option(value) is None:
        return f"unknown option {value!r}; expected one of {_option_list(question)}"
    return None


def _multichoice_problem(question: Question, value: Any) -> str | None:
    if not _is_list(value):
        return f"a multiple-choice answer must be a list of option values, got {_describe(value)}"
    for item in value:
        if not isinstance(item, str):
            return f"multiple-choice options must be text, got {_describe(item)}"
        if question.option(item) is None:
            return f"unknown option {item!r}; expected any of {_option_list(question)}"
    return None


def _number_problem(question: Question, value: Any) -> str | None:
    if not _is_number(value):
        return f"a number answer must be a number, got {_describe(value)}"
    if not math.isfinite(value):
        return f"a number answer must be finite, got {value!r}"
    return None


def _text_problem(question: Question, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"a text answer must be text, got {_describe(value)}"
    return None


def _evidence_problem(question: Question, value: Any) -> str | None:
    if not _is_list(value):
        return f"an evidence answer must be a list of file names, got {_describe(value)}"
    for item in value:
        if not isinstance(item, str) or not item.strip():
            return f"evidence file names must be non-empty text, got {_describe(item)}"
    return None


# One check per question type: what an answer must look like to be scored as the author meant.
_ANSWER_CHECKS: dict[str, Callable[[Question, Any], str | None]] = {
    "scale": _scale_problem,
    "yesno": _yesno_problem,
    "choice": _choice_problem,
    "multichoice": _multichoice_problem,
    "number": _number_problem,
    "text": _text_problem,
    "evidence": _evidence_problem,
}


def _option_list(question: Question) -> str:
    return ", ".join(repr(o.value) for o in question.options or ())


def validate_answers(
    questionnaire: Questionnaire, answers: Any, moderation: Any = None, member_answers: Any = None
) -> list[AnswerProblem]:
    """Every problem found, in a stable order; an empty list means the input can be scored.

    Questions of a per_member domain are answered in ``member_answers`` (member organisation name ->
    {question id -> answer}), never in the joint ``answers``; problems with a member's answers name
    the member in ``AnswerProblem.member``."""
    problems: list[AnswerProblem] = []
    index = questionnaire.question_index
    per_member = questionnaire.member_question_ids
    if not isinstance(answers, Mapping):
        problems.append(AnswerProblem("", f"answers must be an object keyed by question id, got {_describe(answers)}"))
    else:
        for key, value in answers.items():
            question = index.get(key) if isinstance(key, str) else None
            if question is None:
                problems.append(AnswerProblem(str(key), "unknown question id"))
                continue
            if value is None:
                continue
            if key in per_member:
                problems.append(
                    AnswerProblem(key, "this question is answered per member organisation, not in the joint answers")
                )
                continue
            message = _answer_problem(question, value)
            if message:
                problems.append(AnswerProblem(key, message))

    if moderation is not None:
        problems.extend(_moderation_problems(index, per_member, moderation))
    if member_answers is not None:
        problems.extend(_member_problems(index, per_member, member_answers))
    return problems


def _moderation_problems(
    index: Mapping[str, Question], per_member: frozenset[str], moderation: Any
) -> list[AnswerProblem]:
    if not isinstance(moderation, Mapping):
        return [AnswerProblem("", f"moderation must be an object keyed by question id, got {_describe(moderation)}")]
    problems = []
    for key, value in moderation.items():
        if not isinstance(key, str) or key not in index:
            problems.append(AnswerProblem(str(key), "moderation given for an unknown question id"))
        elif value is None:
            continue
        elif key in per_member:
            problems.append(AnswerProblem(key, "moderation given for a per-member declaration, which is not scored"))
        else:
            message = consensus_problem(index[key], value)
            if message:
                problems.append(AnswerProblem(key, message))
    return problems


_SUFFICIENCY_LIST = ", ".join(repr(level) for level in reversed(SUFFICIENCY_SCORES))


def consensus_problem(question: Question, value: Any) -> str | None:
    """What is wrong with one consensus: a score, a judgement of evidence or a verified answer."""
    if isinstance(value, str):
        if question.type != "evidence":
            return f"a judgement such as {value!r} is only for evidence questions; this is a {question.type} question"
        if value not in SUFFICIENCY_SCORES:
            return f"unknown judgement of evidence {value!r}; expected one of {_SUFFICIENCY_LIST}"
        return None
    if isinstance(value, Mapping):
        if set(value) != {"answer"}:
            return f'a verified answer must be {{"answer": value}} and nothing else, got {_describe(dict(value))}'
        if question.type in ("text", "evidence"):
            way = "a score from 0 to 1" if question.type == "text" else f"one of {_SUFFICIENCY_LIST}"
            return f"a {question.type} answer is not verified with an answer but with {way}"
        if value["answer"] is None:
            return "a verified answer cannot be empty: give the answer the evidence supports"
        problem = _answer_problem(question, value["answer"])
        return None if problem is None else f"verified answer: {problem}"
    if not _is_finite_number(value):
        return (
            "a consensus must be a score from 0 to 1, a judgement of evidence or "
            f'{{"answer": value}}, got {_describe(value)}'
        )
    if not 0.0 <= value <= 1.0:
        return f"a moderated score must be from 0 to 1, got {value!r}"
    return None


def _member_problems(
    index: Mapping[str, Question], per_member: frozenset[str], member_answers: Any
) -> list[AnswerProblem]:
    if not isinstance(member_answers, Mapping):
        return [
            AnswerProblem(
                "",
                f"member answers must be an object keyed by member organisation name, got {_describe(member_answers)}",
            )
        ]
    problems = []
    for member, answers in member_answers.items():
        if not isinstance(member, str) or not member.strip():
            problems.append(
                AnswerProblem("", f"a member organisation name must be non-empty text, got {_describe(member)}")
            )
            continue
        if not isinstance(answers, Mapping):
            problems.append(
                AnswerProblem("", f"answers must be an object keyed by question id, got {_describe(answers)}", member)
            )
            continue
        for key, value in answers.items():
            question = index.get(key) if isinstance(key, str) else None
            if question is None:
                problems.append(AnswerProblem(str(key), "unknown question id", member))
                continue
            if key not in per_member:
                if value is not None:
                    problems.append(
                        AnswerProblem(key, "this question is answered jointly, not per member organisation", member)
                    )
                continue
            if value is None:
                continue
            message = _answer_problem(question, value)
            if message:
                problems.append(AnswerProblem(key, message, member))
    return problems
