"""Verdicts as the review pages show them: the forms filled from a stored verdict, a verdict in words,
and what the engine uses for an answer (the provider's unverified claim, a verified answer or a judgement).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from questionnaires import Question
from reports.rendering import format_answer
from scoring import QuestionScore

from ..forms import to_field_value
from ..models import EvaluatorScore, ModeratedScore
from ..services import evaluation
from .forms import ADJUST, CONFIRM, CONSENSUS_FIELDS, EVALUATOR_FIELDS, VerdictFields, VerdictForm, verdict_form_class

Row = EvaluatorScore | ModeratedScore

# How each answer of a submission stands, as its page lists them.
VERIFIED, NOT_VERIFIED, AWAITING = "Verified", "Not verified", "Awaiting evaluation"


def confirms(row: Row, provider_answer: Any) -> bool:
    """Whether a verification keeps the answer the provider gave."""
    return row.verified_answer_json is not None and evaluation.verified_answer(row) == provider_answer


def _form_data(row: Row | None, question: Question, provider_answer: Any, names: VerdictFields) -> dict[str, Any]:
    if row is None:
        return {}
    kind = evaluation.verdict_kind(question)
    if kind == evaluation.JUDGEMENT:
        return {names.sufficiency: row.sufficiency, names.location: row.evidence_location or ""}
    if kind == evaluation.VERIFICATION and row.verified_answer_json is not None:
        if confirms(row, provider_answer):
            return {names.verdict: CONFIRM}
        return {names.verdict: ADJUST, names.adjusted: to_field_value(question, evaluation.verified_answer(row))}
    step = evaluation.step_for(row.score)
    return {names.score: str(step.step)} if step and kind == evaluation.SCORE else {}


def own_verdict_form(own: EvaluatorScore | None, question: Question, provider_answer: Any) -> VerdictForm:
    """The evaluator's form, holding the verdict and rationale they gave before, if any."""
    data = _form_data(own, question, provider_answer, EVALUATOR_FIELDS)
    data[EVALUATOR_FIELDS.rationale] = own.rationale if own else ""
    return verdict_form_class(question, EVALUATOR_FIELDS)(formdata=None, data=data)


def consensus_form(moderated: ModeratedScore | None, question: Question, provider_answer: Any) -> VerdictForm:
    """The moderator's form, on the consensus recorded so far; the rationale is written afresh."""
    data = _form_data(moderated, question, provider_answer, CONSENSUS_FIELDS)
    data[CONSENSUS_FIELDS.rationale] = ""
    return verdict_form_class(question, CONSENSUS_FIELDS)(formdata=None, data=data)


def verdict_words(row: Row | None, question: Question, provider_answer: Any) -> str:
    """A stored verdict in words, saying whether a verification confirmed or adjusted the answer."""
    text = evaluation.describe_verdict(row, question)
    if row is None or row.verified_answer_json is None:
        return text
    if confirms(row, provider_answer):
        return f"{text} (confirms the provider's answer)"
    return f"{text} (adjusted from the provider's ‘{format_answer(provider_answer, question)}’)"


def first_verdict_words(row: EvaluatorScore, question: Question) -> str:
    """The verdict an evaluator gave before reading the others' and changing it, in words."""
    first = SimpleNamespace(
        score=row.original_score,
        sufficiency=row.original_sufficiency,
        evidence_location=None,
        verified_answer_json=row.original_verified_answer_json,
    )
    return evaluation.describe_verdict(first, question)


def answer_mark(detail: QuestionScore) -> str | None:
    """Verified, not verified or awaiting evaluation; None for an answer there is nothing to check in."""
    if not detail.visible:
        return None
    if detail.awaiting_evaluation:
        return AWAITING
    if detail.verified:
        return VERIFIED
    # An evidence answer with no file claims nothing to check, like an unanswered question.
    return NOT_VERIFIED if detail.claimed else None


@dataclass(frozen=True)
class EngineReading:
    """What the engine uses for one answer, in words; ``provider`` and ``verified`` side by side when they differ."""

    mark: str | None
    sentence: str
    provider: str | None = None
    verified: str | None = None


def engine_reading(
    question: Question, detail: QuestionScore, moderated: ModeratedScore | None, provider_answer: Any
) -> EngineReading:
    mark = answer_mark(detail)
    kind = evaluation.verdict_kind(question)
    if not detail.visible:
        return EngineReading(None, "Nothing: the question does not apply to this submission.")
    if moderated is not None and moderated.sufficiency is None and moderated.verified_answer_json is None:
        # A consensus score on any answer, as recorded before answers were verified and evidence judged.
        return EngineReading(mark, f"The consensus score: {evaluation.describe(moderated.score)}.")
    if kind == evaluation.JUDGEMENT:
        if moderated is not None and moderated.sufficiency:
            words = evaluation.describe_verdict(moderated, question)
            return EngineReading(mark, f"A judgement of the evidence: the evaluators' consensus is ‘{words}’.")
        if detail.awaiting_evaluation:
            return EngineReading(
                mark,
                "Nothing yet: the files await a judgement, so no criterion that reads them can be met "
                "until the evaluators agree one.",
            )
        return EngineReading(mark, "No file is attached, so the answer scores 0.")
    if kind == evaluation.SCORE:
        if detail.awaiting_evaluation:
            return EngineReading(mark, "Nothing yet: a written answer counts as 0 until the evaluators agree a score.")
        return EngineReading(mark, "Nothing: the question was not answered.")
    if moderated is not None and moderated.verified_answer_json is not None:
        verified = format_answer(evaluation.verified_answer(moderated), question)
        if confirms(moderated, provider_answer):
            return EngineReading(mark, f"The verified answer: the evaluators confirmed the provider's ‘{verified}’.")
        return EngineReading(
            mark,
            "The verified answer, which differs from the provider's: the evaluators adjusted it to what the "
            "evidence supports.",
            provider=format_answer(provider_answer, question),
            verified=verified,
        )
    if provider_answer is None:
        return EngineReading(mark, "Nothing: the question was not answered, so it scores 0.")
    return EngineReading(
        mark,
        "The provider's unverified claim: no evaluator consensus has verified it, "
        "so the engine uses the answer as the provider gave it.",
    )
