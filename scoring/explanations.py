"""Plain-words explanations of criteria: the titles and sentences a result shows for each check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from questionnaires import SUFFICIENCY_LABELS, Criterion, Question

from .results import MemberDeclarationResult
from .rules import Evaluation, QuestionState, ScoringPlan, is_answered
from .states import GateOutcome


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
        level = "At least partly sufficient" if criterion.required_sufficiency == "partly" else "Sufficient"
        return f"{level} evidence for '{text}'"
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
        text = _explain_domain_min(plan, criterion, passed, value)
        domain = plan.domain_index.get(criterion.domain_id)
        return text + _awaiting_note(list(domain.questions) if domain else [], states, passed)
    if kind == "overall_min":
        joint = [q for d in plan.joint_domains for q in d.questions]
        return _explain_overall_min(criterion, passed, value) + _awaiting_note(joint, states, passed)
    return _explain_question_criterion(plan, criterion, passed, value, states)


def _awaiting_note(questions: list[Question], states: Mapping[str, QuestionState], passed: bool) -> str:
    """When answers counted in a score still await evaluation: they count 0 until judged."""
    awaited = sum(1 for q in questions if (state := states.get(q.id)) is not None and state.awaiting)
    if not awaited or passed:
        return ""
    answers = "answer awaits" if awaited == 1 else "answers await"
    return (
        f" {awaited} {answers} evaluation and count as 0 until judged, so this is provisional: "
        "the criterion is awaiting evaluation."
    )


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
        if not count:
            return f"No file attached for '{text}': {then}."
        files = f"{count} file{'s' if count != 1 else ''}"
        required = SUFFICIENCY_LABELS[criterion.required_sufficiency].lower()
        if state.sufficiency is None:
            return (
                f"{files} attached for '{text}', not yet judged by evaluators: the criterion is awaiting evaluation "
                f"and cannot be met until the evidence is judged {required}."
            )
        judged = SUFFICIENCY_LABELS[state.sufficiency].lower()
        if passed:
            return f"The evidence for '{text}' ({files}) was judged {judged}, meeting the requirement ({required})."
        return f"The evidence for '{text}' ({files}) was judged {judged}, short of {required}: {then}."
    return f"Unknown criterion type '{kind}': {then}."


def _how_scored(state: QuestionState) -> str:
    """How a visible question came by its score, as a phrase to follow the score."""
    if state.awaiting:
        if state.question.type == "evidence":
            return " (its files are not yet judged, so it counts as 0: awaiting evaluation)"
        return " (awaiting evaluation, so it counts as 0)"
    if state.moderated is not None:
        return " after moderation"
    if state.verified:
        return " on the answer evaluators verified"
    if not state.answered:
        return " (not answered)"
    return ""
