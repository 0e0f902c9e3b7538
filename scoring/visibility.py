"""Which questions a set of answers shows: the same show_if rules the engine scores with."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from questionnaires import Questionnaire

from .engine import VisibilityRules, compute_visibility


@lru_cache(maxsize=16)
def _rules(questionnaire: Questionnaire) -> VisibilityRules:
    # Domain pages and autosave ask on every request; the ordering depends on the definition only.
    return VisibilityRules.of(questionnaire)


def visible_question_ids(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> set[str]:
    """Ids of the questions the given answers show.

    show_if in a per_member domain only points inside that domain, so for a member organisation's
    declarations pass that member's answers and read the per_member question ids from the result;
    for the joint domains pass the joint answers (per_member questions are not applicable there,
    whatever this returns for them)."""
    visibility = compute_visibility(_rules(questionnaire), answers)
    return {question_id for question_id, shown in visibility.items() if shown}
