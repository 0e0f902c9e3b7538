"""Scoring engine: pure, deterministic scoring of questionnaire submissions against a gateway framework.

No web framework or database code lives here; callers pass definitions (``questionnaires.model``)
and plain answer mappings, and get back immutable results.
"""

from .cohort import score_cohort
from .engine import TOLERANCE, answer_score, score_submission
from .hashing import inputs_hash
from .results import (
    OUTCOME_LABELS,
    RECOMMENDATION_LABELS,
    CriterionResult,
    DomainResult,
    GateResult,
    MemberDeclarationResult,
    QuestionScore,
    ScoreResult,
)
from .states import GateOutcome, Recommendation
from .validation import AnswerProblem, consensus_problem, validate_answers
from .visibility import visible_question_ids
from .whatif import Change, WhatIfResult, what_if

__all__ = [
    "OUTCOME_LABELS",
    "RECOMMENDATION_LABELS",
    "TOLERANCE",
    "AnswerProblem",
    "Change",
    "CriterionResult",
    "DomainResult",
    "GateOutcome",
    "GateResult",
    "MemberDeclarationResult",
    "QuestionScore",
    "Recommendation",
    "ScoreResult",
    "WhatIfResult",
    "answer_score",
    "consensus_problem",
    "inputs_hash",
    "score_cohort",
    "score_submission",
    "validate_answers",
    "visible_question_ids",
    "what_if",
]
