"""The ``flask questionnaire validate`` command's checks: many files at once, each with a verdict.

An author usually edits a questionnaire and its framework together, so files given on one command
line are checked together: a framework is cross-checked against the questionnaire it names, whether
that file comes before or after it, and only falls back to the shipped questionnaire when none of the
given files is the one it is for.  A broken file never stops the others being checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .loader import DEFAULT_QUESTIONNAIRE_PATH, load_questionnaire, parse_framework, parse_questionnaire, summarise
from .messages import plural
from .model import Framework, Questionnaire
from .problems import DefinitionError, DefinitionProblem
from .yaml_reading import read_definition_text, read_yaml

__all__ = ["validate_files"]


@dataclass
class _FileResult:
    path: str
    kind: str | None = None
    text: str = ""
    declared_id: Any = None
    definition: Questionnaire | Framework | None = None
    problems: list[DefinitionProblem] | None = None
    note: str | None = None


def validate_files(paths: list[str]) -> tuple[bool, str]:
    """Check definition files for the `flask questionnaire validate` command.

    Questionnaires are checked first, whatever order the files are given in, so that a framework can
    be cross-checked against a questionnaire named later on the same command line."""
    if not paths:
        return False, "no definition files given"
    results = [_FileResult(str(p)) for p in paths]
    for result in results:
        _classify(result)

    for result in results:
        if result.kind == "questionnaire":
            try:
                result.definition = parse_questionnaire(result.text, result.path)
            except DefinitionError as exc:
                result.problems = exc.problems

    given = {Path(r.path).resolve() for r in results}
    for result in results:
        if result.kind != "framework":
            continue
        questionnaire, result.note = _questionnaire_for(result.declared_id, results, given)
        try:
            result.definition = parse_framework(result.text, result.path, questionnaire)
        except DefinitionError as exc:
            result.problems = exc.problems

    all_ok = not any(r.problems for r in results)
    return all_ok, "\n".join(_verdict(result) for result in results)


def _classify(result: _FileResult) -> None:
    """Reads a file just far enough to tell a questionnaire from a framework, and to note the
    questionnaire id it declares (a questionnaire) or is written for (a framework)."""
    try:
        result.text, _ = read_definition_text(result.path)
        data = read_yaml(result.text, result.path).data
    except DefinitionError as exc:
        result.problems = exc.problems
        return
    if "domains" in data:
        result.kind = "questionnaire"
    elif "gates" in data:
        result.kind = "framework"
    else:
        result.problems = [
            DefinitionProblem(
                result.path,
                1,
                "",
                "this is neither a questionnaire (it has no "
                "'domains' key) nor a gateway framework (it has no 'gates' key)",
            )
        ]
    result.declared_id = data.get("id") if result.kind == "questionnaire" else data.get("questionnaire")


def _verdict(result: _FileResult) -> str:
    """One file's block of the command's output: its summary, or every problem found in it."""
    if result.problems:
        lines = [f"{result.path}: FAILED, {plural(len(result.problems), 'problem')}"]
        lines += [f"  {problem}" for problem in result.problems]
    else:
        assert result.definition is not None  # a file is either refused with problems or parsed
        lines = [f"{result.path}: {summarise(result.definition)}"]
    if result.note:
        lines.append(f"  ({result.note})")
    return "\n".join(lines)


def _questionnaire_for(wanted: Any, results: list[_FileResult], given: set[Path]) -> tuple[Questionnaire | None, str]:
    for other in results:
        if other.kind == "questionnaire" and other.declared_id == wanted:
            # A questionnaire file's definition is its parsed Questionnaire, or None if it was refused.
            if not isinstance(other.definition, Questionnaire):
                return None, f"not cross-checked: questionnaire '{wanted}' in {other.path} has problems"
            return other.definition, f"cross-checked against {other.path}"
    default = DEFAULT_QUESTIONNAIRE_PATH
    if default.exists() and default.resolve() not in given:
        try:
            questionnaire = load_questionnaire(default)
        except DefinitionError:
            return None, f"not cross-checked: the default questionnaire {default} has problems"
        if questionnaire.id == wanted:
            return questionnaire, f"cross-checked against {default}"
    return None, f"not cross-checked: no questionnaire '{wanted}' was given or found"
