"""python -m scoring --questionnaire Q.yaml --framework F.yaml --answers A.json [--moderation M.json]
                    [--members MEMBERS.json]

MEMBERS.json maps each member organisation's name to its answers to the per_member (declaration)
questions: {"Southvale GP Federation": {"declarations.insolvency": false, ...}, ...}.

Prints the score summary as JSON on stdout.  Any problem with the inputs is reported on stderr,
naming the file or question concerned, with exit status 2; nothing is printed on stdout then, so
a caller can never mistake a partial result for a real one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import score_submission, validate_answers

if TYPE_CHECKING:
    from pydantic import BaseModel

    from questionnaires import Framework, Questionnaire

ModelT = TypeVar("ModelT", bound="BaseModel")

EXIT_INVALID = 2


class InputError(Exception):
    pass


def _load_definitions(questionnaire_path: str, framework_path: str) -> tuple[Questionnaire, Framework]:
    try:
        from questionnaires import DefinitionError, load_framework, load_questionnaire
    except ImportError:  # the loader is optional for this tool; plain validation is the fallback
        return _load_definitions_plain(questionnaire_path, framework_path)
    try:
        questionnaire = load_questionnaire(questionnaire_path)
        framework = load_framework(framework_path, questionnaire)
    except DefinitionError as exc:
        raise InputError(f"invalid definition:\n{exc}") from exc
    except OSError as exc:
        raise InputError(f"cannot read definition: {exc}") from exc
    return questionnaire, framework


def _load_definitions_plain(questionnaire_path: str, framework_path: str) -> tuple[Questionnaire, Framework]:
    import yaml
    from pydantic import ValidationError

    from questionnaires import Framework, Questionnaire

    def read(path: str, model: type[ModelT]) -> ModelT:
        try:
            return model.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise InputError(f"invalid definition {path}: {exc}") from exc

    questionnaire, framework = read(questionnaire_path, Questionnaire), read(framework_path, Framework)
    if framework.questionnaire != questionnaire.id:
        raise InputError(
            f"{framework_path}: framework is for questionnaire {framework.questionnaire!r}, not {questionnaire.id!r}"
        )
    return questionnaire, framework


def _read_json(path: str, what: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} file {path}: {exc}") from exc
    try:
        # NaN/Infinity are not JSON and would only be refused later with a vaguer message.
        return json.loads(text, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        raise InputError(f"{what} file {path} is not valid JSON: {exc}") from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scoring", description="Score one submission.")
    parser.add_argument("--questionnaire", required=True, help="questionnaire definition (YAML)")
    parser.add_argument("--framework", required=True, help="gateway framework definition (YAML)")
    parser.add_argument("--answers", required=True, help="answers JSON: {question id: value}")
    parser.add_argument("--moderation", help="moderated scores JSON: {question id: 0..1}")
    parser.add_argument("--members", help="member declarations JSON: {member organisation: {question id: value}}")
    args = parser.parse_args(argv)
    try:
        questionnaire, framework = _load_definitions(args.questionnaire, args.framework)
        answers = _read_json(args.answers, "answers")
        moderation = _read_json(args.moderation, "moderation") if args.moderation else None
        members = _read_json(args.members, "members") if args.members else None
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    problems = validate_answers(questionnaire, answers, moderation, members)
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_INVALID
    result = score_submission(questionnaire, framework, answers, moderation, members)
    json.dump(result.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
