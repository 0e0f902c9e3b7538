"""Which questions a set of answers shows: the same show_if rules the engine scores with."""
from __future__ import annotations

from typing import Any, Mapping

from questionnaires.model import Questionnaire

from .engine import ScoringPlan, compute_visibility


class _VisibilityPlan(ScoringPlan):
    # Visibility depends on the questionnaire alone; skip the framework-dependent parts of the plan.
    def __init__(self, questionnaire: Questionnaire):
        from .engine import _visibility_order

        self.questionnaire = questionnaire
        self.questions = questionnaire.questions()
        self.question_index = {q.id: q for q in self.questions}
        self.visibility_order, self.cyclic = _visibility_order(self.questions, self.question_index)


def visible_question_ids(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> set[str]:
    """Ids of the questions the given answers show.

    show_if in a per_member domain only points inside that domain, so for a member organisation's
    declarations pass that member's answers and read the per_member question ids from the result;
    for the joint sections pass the joint answers (per_member questions are not applicable there,
    whatever this returns for them)."""
    visibility = compute_visibility(_VisibilityPlan(questionnaire), answers)
    return {question_id for question_id, shown in visibility.items() if shown}
