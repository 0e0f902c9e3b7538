"""Read questionnaire and gateway-framework definitions from YAML and explain everything wrong with them.

Definitions are written by hand by people who are not programmers, so the loader's job is as much
about the error report as about the result: every problem in a file is collected in one pass, each with
the file, line, path (``domains[2].questions[4].bands[1]``) and a message in plain words.  Nothing is
fixed up silently: a definition either loads exactly as written or is refused.

This module is the entry point; the work is done by ``yaml_reading`` (safe YAML with line numbers),
``messages`` (pydantic's errors in plain words) and ``cross_checks`` (rules that need the whole file).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from .cross_checks import check_framework, check_questionnaire
from .messages import plural, validate_model
from .model import Framework, Questionnaire
from .yaml_reading import Document, PathArg, read_definition_text, read_yaml

__all__ = [
    "DEFAULT_FRAMEWORK_PATH",
    "DEFAULT_QUESTIONNAIRE_PATH",
    "DEFINITIONS_DIR",
    "content_hash",
    "load_framework",
    "load_questionnaire",
    "parse_framework",
    "parse_questionnaire",
    "summarise",
]

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
DEFAULT_QUESTIONNAIRE_PATH = DEFINITIONS_DIR / "acr-readiness.yaml"
DEFAULT_FRAMEWORK_PATH = DEFINITIONS_DIR / "acr-gateways.yaml"

ModelT = TypeVar("ModelT", bound=BaseModel)


def _parse(text: str, source: str, model: type[ModelT], check: Callable[[Document], None]) -> ModelT:
    doc = read_yaml(text, source)
    result = validate_model(model, doc)
    check(doc)
    doc.report.raise_if_any()
    assert result is not None  # a refused model leaves at least one problem, so raise_if_any raised
    return result


def parse_questionnaire(text: str, source: str = "<string>") -> Questionnaire:
    return _parse(text, source, Questionnaire, check_questionnaire)


def parse_framework(text: str, source: str = "<string>", questionnaire: Questionnaire | None = None) -> Framework:
    return _parse(text, source, Framework, lambda doc: check_framework(doc, questionnaire))


def load_questionnaire(path: PathArg) -> Questionnaire:
    text, source = read_definition_text(path)
    return parse_questionnaire(text, source)


def load_framework(path: PathArg, questionnaire: Questionnaire | None = None) -> Framework:
    text, source = read_definition_text(path)
    return parse_framework(text, source, questionnaire)


def _drop_defaults(item: dict[str, Any], added_keys: dict[str, Any]) -> None:
    """Leave out keys added to the format later while they hold the default they were added with."""
    for key, default in added_keys.items():
        if key in item and item[key] == default and type(item[key]) is type(default):
            del item[key]


def content_hash(definition: Questionnaire | Framework) -> str:
    """Fingerprint of what a definition says, not how it is written: assessments record it so a
    later edit to the weights or wording can be detected, while reformatting or comments cannot.

    Keys added to the model later are left out while they hold their default (``per_member: false``,
    ``answered_by: provider``), so a definition written before they existed keeps the hash it was
    imported with."""
    data = definition.model_dump(mode="json", by_alias=True)
    if isinstance(definition, Questionnaire):
        for domain in data.get("domains", ()):
            _drop_defaults(domain, {"per_member": False})
            for question in domain.get("questions", ()):
                _drop_defaults(question, {"answered_by": "provider"})
    else:
        for gate in data.get("gates", ()):
            _drop_defaults(gate, {"max_conditional": None})
            for criterion in gate.get("criteria", ()):
                _drop_defaults(criterion, {"min_sufficiency": None})
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def summarise(definition: Questionnaire | Framework) -> str:
    if isinstance(definition, Framework):
        criteria = sum(len(g.criteria) for g in definition.gates)
        lines = [
            f"OK: {definition.id} {definition.version} for questionnaire {definition.questionnaire}, "
            f"{plural(len(definition.gates), 'gate')}, {plural(criteria, 'criterion', 'criteria')}"
        ]
        lines += [f"  {g.id}: {plural(len(g.criteria), 'criterion', 'criteria')}" for g in definition.gates]
        return "\n".join(lines)
    lines = [f"OK: {definition.id} {definition.version}, {plural(len(definition.questions()), 'question')}"]
    for domain in definition.domains:
        if domain.per_member:
            declarations = len(domain.declaration_questions())
            lines.append(
                f"  {domain.id}: {plural(len(domain.questions), 'question')} "
                f"(answered per member, {plural(declarations, 'declaration')}, not scored)"
            )
            continue
        scored = sum(1 for q in domain.questions if q.scored)
        lines.append(f"  {domain.id}: {plural(len(domain.questions), 'question')} ({scored} scored)")
    return "\n".join(lines)
