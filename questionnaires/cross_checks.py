"""Checks that need the whole file, run on the plain data so they still report when pydantic refuses it.

Pydantic checks each value against its declared type, one at a time.  What makes a definition
unusable is often a relation between values instead: two questions with the same id, a show_if that
points at a later question or at an answer the question cannot give, number bands that overlap, a
criterion that reads a question the questionnaire does not have.  Each check here adds to the same
report as pydantic's errors so the author sees every problem in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .messages import format_number, is_number, show_value, with_article
from .model import DECLARATION_TYPES, PER_MEMBER_TYPES, QUESTION_TYPES, Questionnaire
from .problems import Loc, format_path
from .yaml_reading import Document

__all__ = ["APPLICANT_TYPES", "check_framework", "check_questionnaire"]

# The options of an ``answered_by: applicant`` question, as Gateway fills it in from the applicant
# record: an alliance of several member organisations, or a single organisation.
APPLICANT_TYPES = ("alliance", "single")

# Keys that only mean something for some question types; on any other type they would be ignored by
# the scoring engine, which almost always means the author put them on the wrong question.
_TYPE_ONLY_KEYS: dict[str, tuple[str, ...]] = {
    "levels": ("scale",),
    "options": ("choice", "multichoice"),
    "bands": ("number",),
    "unit": ("number",),
    "scores": ("yesno",),
}


def _where(doc: Document, loc: Loc) -> str:
    line = doc.report.line_of(loc)
    return f"{format_path(loc)}, line {line}" if line else format_path(loc)


def _claim_id(doc: Document, what: str, value: Any, loc: Loc, first_use: dict[str, Loc]) -> bool:
    """Notes where an id is first used and reports any later use against it; True for a first use."""
    if not isinstance(value, str):
        return False
    if value in first_use:
        doc.report.add(
            loc + ("id",),
            f"duplicate {what} id '{value}' (already used at {_where(doc, first_use[value] + ('id',))})",
        )
        return False
    first_use[value] = loc
    return True


@dataclass
class _QuestionEntry:
    position: int
    loc: Loc
    data: dict[str, Any]
    domain_id: Any = None
    per_member: bool = False


def check_questionnaire(doc: Document) -> None:
    domains = doc.data.get("domains")
    if not isinstance(domains, list):
        return
    domain_ids: dict[str, Loc] = {}
    question_ids: dict[str, Loc] = {}
    questions: dict[str, _QuestionEntry] = {}
    in_order: list[_QuestionEntry] = []
    for d_index, domain in enumerate(domains):
        if not isinstance(domain, dict):
            continue
        d_loc: Loc = ("domains", d_index)
        domain_id = domain.get("id")
        _claim_id(doc, "domain", domain_id, d_loc, domain_ids)
        per_member = domain.get("per_member") is True
        if per_member and "weight" in domain:
            doc.report.add(d_loc + ("weight",), "a per_member domain is not scored, so it takes no 'weight'")
        domain_questions = domain.get("questions")
        if not isinstance(domain_questions, list):
            continue
        if per_member:
            _check_member_domain(doc, d_loc, domain_questions)
        for q_index, question in enumerate(domain_questions):
            if not isinstance(question, dict):
                continue
            entry = _QuestionEntry(len(in_order), d_loc + ("questions", q_index), question, domain_id, per_member)
            in_order.append(entry)
            if _claim_id(doc, "question", question.get("id"), entry.loc, question_ids):
                questions[question["id"]] = entry
            _check_question_shape(doc, entry)
            _check_answered_by(doc, entry)
    for entry in in_order:
        _check_show_if(doc, entry, questions)


def _check_member_domain(doc: Document, loc: Loc, questions: list[Any]) -> None:
    """Rules for a per_member domain: declarations (yes/no, choice) and their explanations (text),
    never weighted, and every declaration must have an answer that counts as clear."""
    kinds = [q.get("type") for q in questions if isinstance(q, dict)]
    if questions and not any(kind in DECLARATION_TYPES for kind in kinds):
        doc.report.add(
            loc + ("questions",),
            "a per_member domain needs at least one yesno or choice question: "
            "those decide whether a member organisation's declarations are clear",
        )
    for q_index, question in enumerate(questions):
        if not isinstance(question, dict):
            continue
        q_loc = loc + ("questions", q_index)
        kind = question.get("type")
        if kind in QUESTION_TYPES and kind not in PER_MEMBER_TYPES:
            doc.report.add(
                q_loc + ("type",),
                f"a per_member domain may only hold yesno and choice declarations and "
                f"text explanations, not {with_article(kind)} question",
            )
        if "weight" in question:
            doc.report.add(
                q_loc + ("weight",), "questions in a per_member domain are not scored, so they take no 'weight'"
            )
        if kind == "yesno":
            scores = question.get("scores")
            if isinstance(scores, dict):
                values = [scores.get("yes", 1.0), scores.get("no", 0.0)]
                if all(is_number(v) for v in values) and not any(v == 1 for v in values):
                    doc.report.add(q_loc + ("scores",), _NO_CLEAR_ANSWER)
        elif kind == "choice":
            options = question.get("options")
            if isinstance(options, list) and options:
                values = [o.get("score", 0.0) for o in options if isinstance(o, dict)]
                if all(is_number(v) for v in values) and not any(v == 1 for v in values):
                    doc.report.add(q_loc + ("options",), _NO_CLEAR_ANSWER)


_NO_CLEAR_ANSWER = (
    "no answer to this declaration scores 1, so no member organisation could pass it "
    "(a member's declarations are clear only when every answer scores 1)"
)


def _check_question_shape(doc: Document, entry: _QuestionEntry) -> None:
    question, loc = entry.data, entry.loc
    kind = question.get("type")
    if kind not in QUESTION_TYPES:
        return  # pydantic already reports the unknown type; anything more would be guesswork
    for key, kinds in _TYPE_ONLY_KEYS.items():
        if key in question and kind not in kinds:
            doc.report.add(
                loc + (key,),
                f"'{key}' does not apply to {with_article(kind)} question (only to {' and '.join(kinds)} questions)",
            )
    if kind == "scale":
        _check_list_length(doc, question, loc, "levels", "a scale question", "levels")
    elif kind in ("choice", "multichoice"):
        options = _check_list_length(doc, question, loc, "options", f"a {kind} question", "options")
        first_at: dict[Any, int] = {}
        for o_index, option in enumerate(options or ()):
            value = option.get("value") if isinstance(option, dict) else None
            if not isinstance(value, str):
                continue
            if value in first_at:
                doc.report.add(
                    loc + ("options", o_index, "value"),
                    f"duplicate option value '{value}' (already used by options[{first_at[value]}])",
                )
            else:
                first_at[value] = o_index
    elif kind == "number" and "bands" in question:
        bands = question["bands"]
        if isinstance(bands, list):
            if not bands:
                doc.report.add(loc + ("bands",), "'bands' is empty: list at least one band or leave the key out")
            _check_bands(doc, loc + ("bands",), bands)


def _check_list_length(
    doc: Document, question: dict[str, Any], loc: Loc, key: str, what: str, noun: str
) -> list[Any] | None:
    value = question.get(key)
    if value is None:
        doc.report.add(loc + (key,) if key in question else loc, f"{what} needs '{key}' (at least 2 {noun})")
        return None
    if not isinstance(value, list):
        return None  # pydantic reports the wrong type
    if len(value) < 2:
        doc.report.add(loc + (key,), f"{what} needs at least 2 {noun}, got {len(value)}")
    return value


def _check_bands(doc: Document, loc: Loc, bands: list[Any]) -> None:
    previous: tuple[int, float, float | None] | None = None
    for index, band in enumerate(bands):
        if not isinstance(band, dict):
            continue
        low, high = band.get("min"), band.get("max")
        if not is_number(low) or not (high is None or is_number(high)):
            continue  # pydantic reports the wrong types
        band_loc = loc + (index,)
        if high is not None and low >= high:
            doc.report.add(band_loc, f"band min {format_number(low)} must be less than its max {format_number(high)}")
        if previous is not None:
            p_index, p_low, p_high = previous
            if low < p_low:
                doc.report.add(
                    band_loc,
                    f"bands must be in order of min: this band starts at {format_number(low)}, "
                    f"below bands[{p_index}] which starts at {format_number(p_low)}",
                )
            elif p_high is None:
                doc.report.add(
                    band_loc,
                    f"bands overlap: bands[{p_index}] has no max, so it already covers "
                    f"{format_number(low)} and everything above it",
                )
            elif low < p_high:
                doc.report.add(
                    band_loc,
                    f"bands overlap: bands[{p_index}] covers {format_number(p_low)} up to "
                    f"{format_number(p_high)}, but this band starts at {format_number(low)}",
                )
        previous = (index, low, high)


# What each kind of answerer is called in messages.
_ANSWERER = {"round": "the round administrator", "applicant": "Gateway from the applicant record"}


def _answered_by(question: dict[str, Any]) -> str:
    value = question.get("answered_by", "provider")
    return value if isinstance(value, str) else "provider"


def _check_answered_by(doc: Document, entry: _QuestionEntry) -> None:
    """Rules for questions the provider does not answer (``answered_by: round`` or ``applicant``).

    Such an answer describes the contract or the applicant rather than the applicant's readiness, so it
    is never scored; the round's answers are typed in once per round, so they cannot be files; and the
    applicant's type is filled in by Gateway as one of the options it knows."""
    question, loc = entry.data, entry.loc
    who = _answered_by(question)
    if who not in _ANSWERER:
        return  # provider, or a value pydantic already refuses
    if entry.per_member:
        doc.report.add(
            loc + ("answered_by",),
            f"a question in per_member domain '{entry.domain_id}' is answered by each member organisation, "
            f"so it cannot be answered_by: {who}",
        )
        return
    weight = question.get("weight")
    if "weight" not in question:
        doc.report.add(
            loc + ("answered_by",),
            f"a question answered by {_ANSWERER[who]} is never scored, so it needs 'weight: 0' "
            "(without it the weight would be 1)",
        )
    elif is_number(weight) and weight > 0:
        doc.report.add(
            loc + ("weight",),
            f"a question answered by {_ANSWERER[who]} is never scored, so its weight must be 0, "
            f"not {format_number(weight)}",
        )
    kind = question.get("type")
    if who == "round" and kind == "evidence":
        doc.report.add(
            loc + ("type",),
            "a question answered by the round administrator cannot be an evidence question: "
            "nobody uploads files for a round",
        )
    if who == "applicant":
        options = question.get("options")
        values = [o.get("value") for o in options if isinstance(o, dict)] if isinstance(options, list) else []
        if kind != "choice" or len(values) != len(APPLICANT_TYPES) or set(values) != set(APPLICANT_TYPES):
            doc.report.add(
                loc + ("type",),
                "a question answered by Gateway from the applicant record must be a choice question with "
                "exactly the options 'alliance' and 'single' (the applicant's type, which Gateway fills in)",
            )
        if "show_if" in question:
            doc.report.add(
                loc + ("show_if",),
                "a question answered by Gateway from the applicant record is always answered, so it takes no show_if",
            )


def _check_show_if(doc: Document, entry: _QuestionEntry, questions: dict[str, _QuestionEntry]) -> None:
    show_if = entry.data.get("show_if")
    if not isinstance(show_if, dict):
        return
    loc = entry.loc + ("show_if",)
    target = show_if.get("question")
    if not isinstance(target, str):
        return
    if target == entry.data.get("id"):
        doc.report.add(loc + ("question",), "show_if refers to the question itself")
        return
    controller = questions.get(target)
    if controller is None:
        doc.report.add(loc + ("question",), f"show_if refers to unknown question '{target}'")
        return
    problem = _show_if_reference_problem(doc, entry, controller, target)
    if problem:
        doc.report.add(loc + ("question",), problem)
        return

    candidates = _show_if_values(doc, show_if, loc)
    kind = controller.data.get("type")
    if kind == "evidence":
        doc.report.add(
            loc + ("question",),
            f"show_if cannot depend on evidence question '{target}': its answer is a document, not a value to compare",
        )
        return
    for value_loc, value in candidates:
        problem = _show_if_value_problem(kind, controller.data, target, value)
        if problem:
            doc.report.add(value_loc, problem)


def _show_if_reference_problem(
    doc: Document, entry: _QuestionEntry, controller: _QuestionEntry, target: str
) -> str | None:
    """Why a question may not depend on the (existing) question its show_if names, if it may not."""
    if entry.per_member and controller.domain_id != entry.domain_id:
        return (
            f"show_if refers to question '{target}' outside per_member domain '{entry.domain_id}'; "
            "a question answered by each member organisation can only depend on another question "
            "of the same domain"
        )
    if controller.per_member and not entry.per_member:
        return (
            f"show_if refers to question '{target}', which each member organisation answers "
            f"separately (per_member domain '{controller.domain_id}'); a question answered jointly "
            "cannot depend on it"
        )
    if _answered_by(entry.data) == "round" and _answered_by(controller.data) != "round":
        return (
            f"show_if refers to question '{target}', which is not answered by the round administrator; "
            "a question answered once for the whole round can only depend on another such question"
        )
    if controller.position > entry.position:
        return (
            f"show_if refers to question '{target}', which comes later in the file "
            f"(at {_where(doc, controller.loc)}); a question can only depend on an earlier one"
        )
    return None


def _show_if_values(doc: Document, show_if: dict[str, Any], loc: Loc) -> list[tuple[Loc, Any]]:
    """The answers a show_if compares with, each with its own path; an empty 'in' is reported."""
    candidates: list[tuple[Loc, Any]] = []
    if show_if.get("equals") is not None:
        candidates.append((loc + ("equals",), show_if["equals"]))
    if isinstance(show_if.get("in"), list):
        if not show_if["in"]:
            doc.report.add(loc + ("in",), "show_if 'in' is empty, so the question would never be shown")
        candidates.extend((loc + ("in", i), v) for i, v in enumerate(show_if["in"]))
    return candidates


def _show_if_value_problem(kind: Any, controller: dict[str, Any], target: str, value: Any) -> str | None:
    if kind == "yesno":
        if not isinstance(value, bool):
            return f"{show_value(value)} is not an answer to yesno question '{target}' (use true or false)"
    elif kind in ("choice", "multichoice"):
        options = controller.get("options")
        values = [o.get("value") for o in options if isinstance(o, dict)] if isinstance(options, list) else []
        if value not in values or not isinstance(value, str):
            listed = ", ".join(str(v) for v in values)
            return f"{show_value(value)} is not an option of {kind} question '{target}' (options: {listed})"
    elif kind == "scale":
        levels = controller.get("levels")
        count = len(levels) if isinstance(levels, list) else 0
        if not (isinstance(value, int) and not isinstance(value, bool) and 0 <= value < count):
            return (
                f"{show_value(value)} is not a level of scale question '{target}' "
                f"(use a level number from 0 to {count - 1}, counting the first level as 0)"
            )
    elif kind == "number":
        if not is_number(value):
            return f"{show_value(value)} is not a number, but '{target}' is a number question"
    elif kind == "text" and not isinstance(value, str):
        return f"{show_value(value)} is not text, but '{target}' is a text question"
    return None


def check_framework(doc: Document, questionnaire: Questionnaire | None) -> None:
    data = doc.data
    rag = data.get("rag")
    if isinstance(rag, list) and rag:
        _check_rag(doc, rag)

    cross_check = questionnaire
    framework_for = data.get("questionnaire")
    if questionnaire is not None and isinstance(framework_for, str) and framework_for != questionnaire.id:
        doc.report.add(
            ("questionnaire",),
            f"this framework is for questionnaire '{framework_for}', but it was "
            f"checked against questionnaire '{questionnaire.id}'",
        )
        cross_check = None  # every reference would be reported as unknown, which only hides the real problem

    gates = data.get("gates")
    if not isinstance(gates, list):
        return
    gate_ids: dict[str, Loc] = {}
    criterion_ids: dict[str, Loc] = {}
    for g_index, gate in enumerate(gates):
        if not isinstance(gate, dict):
            continue
        g_loc: Loc = ("gates", g_index)
        _claim_id(doc, "gate", gate.get("id"), g_loc, gate_ids)
        criteria = gate.get("criteria")
        if not isinstance(criteria, list):
            continue
        for c_index, criterion in enumerate(criteria):
            if not isinstance(criterion, dict):
                continue
            c_loc = g_loc + ("criteria", c_index)
            _claim_id(doc, "criterion", criterion.get("id"), c_loc, criterion_ids)
            _check_criterion(doc, c_loc, criterion, cross_check)


def _check_rag(doc: Document, rag: list[Any]) -> None:
    previous: float | None = None
    last_min: Any = None
    for index, band in enumerate(rag):
        low = band.get("min") if isinstance(band, dict) else None
        last_min = low
        if not is_number(low):
            continue
        if previous is not None and not low < previous:
            doc.report.add(
                ("rag", index, "min"),
                f"rag bands must go from the highest min to the lowest: min {format_number(low)} "
                f"is not below the previous band's min {format_number(previous)}",
            )
        previous = low
    if is_number(last_min) and last_min != 0:
        doc.report.add(
            ("rag", len(rag) - 1, "min"),
            f"the last rag band must have min 0 so every score gets a label (it has min {format_number(last_min)})",
        )


def _check_criterion(doc: Document, loc: Loc, criterion: dict[str, Any], questionnaire: Questionnaire | None) -> None:
    kind = criterion.get("type")
    low = criterion.get("min")
    # These ranges follow from what is compared, so they are checked with or without a questionnaire.
    if kind == "question_min" and is_number(low) and not 0 <= low <= 1:
        doc.report.add(
            loc + ("min",),
            f"min {format_number(low)} is outside 0 to 1 "
            "(a question_min compares a question's score, which runs from 0 to 1)",
        )
    if kind in ("domain_min", "overall_min") and is_number(low) and not 0 <= low <= 100:
        doc.report.add(
            loc + ("min",),
            f"min {format_number(low)} is outside 0 to 100 ({with_article(kind)} compares a percentage score)",
        )
    if questionnaire is None:
        return
    question_id = criterion.get("question")
    if isinstance(question_id, str) and kind in ("question_min", "number_min", "evidence_required"):
        problem = _criterion_question_problem(kind, question_id, questionnaire)
        if problem:
            doc.report.add(loc + ("question",), problem)
    domain_id = criterion.get("domain")
    if isinstance(domain_id, str) and kind in ("domain_min", "member_declarations"):
        problem = _criterion_domain_problem(kind, domain_id, questionnaire)
        if problem:
            doc.report.add(loc + ("domain",), problem)


def _criterion_question_problem(kind: str, question_id: str, questionnaire: Questionnaire) -> str | None:
    """Why a question-reading criterion cannot read the question it names, if it cannot."""
    question = questionnaire.question(question_id)
    if question is None:
        return f"unknown question '{question_id}' (not in questionnaire '{questionnaire.id}')"
    if questionnaire.is_per_member(question_id):
        domain = questionnaire.domain_of(question_id)
        return (
            f"'{question_id}' is answered by each member organisation separately (per_member "
            f"domain '{domain.id if domain else '?'}'), so {with_article(kind)} criterion cannot read it; "
            "use a member_declarations criterion on that domain"
        )
    if kind == "question_min" and question.type == "text" and question.answered_by != "provider":
        return (
            f"'{question_id}' is a text question answered by {_ANSWERER.get(question.answered_by, '?')}, "
            "which evaluators never score, so a question_min criterion cannot read it"
        )
    if kind == "number_min" and question.type != "number":
        return f"a number_min criterion needs a number question, but '{question_id}' is a {question.type} question"
    if kind == "evidence_required" and question.type != "evidence":
        return (
            f"an evidence_required criterion needs an evidence question, "
            f"but '{question_id}' is a {question.type} question"
        )
    return None


def _criterion_domain_problem(kind: str, domain_id: str, questionnaire: Questionnaire) -> str | None:
    """Why a domain-reading criterion cannot read the domain it names, if it cannot."""
    domain = next((d for d in questionnaire.domains if d.id == domain_id), None)
    if domain is None:
        return f"unknown domain '{domain_id}' (not in questionnaire '{questionnaire.id}')"
    if kind == "domain_min" and domain.per_member:
        return (
            f"domain '{domain_id}' is answered per member organisation and has "
            "no score, so a domain_min criterion cannot read it; use a "
            "member_declarations criterion"
        )
    if kind == "member_declarations" and not domain.per_member:
        return (
            f"a member_declarations criterion needs a per_member domain, but "
            f"'{domain_id}' is answered jointly (it is not marked "
            "'per_member: true')"
        )
    return None
