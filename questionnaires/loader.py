"""Read questionnaire and gateway-framework definitions from YAML and explain everything wrong with them.

Definitions are written by hand by people who are not programmers, so the loader's job is as much
about the error report as about the result: every problem in a file is collected in one pass, each with
the file, line, path (``domains[2].questions[4].bands[1]``) and a message in plain words.  Nothing is
fixed up silently: a definition either loads exactly as written or is refused.

Safety: definition files may be uploaded or edited outside code review, so YAML is only ever composed
with PyYAML's SafeLoader, any explicit non-standard tag (``!!python/object/...``, ``!custom``) is refused
before anything is constructed, files over 1 MB are refused before parsing, and alias expansion is
bounded so a "billion laughs" file cannot exhaust memory.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import types
from dataclasses import dataclass
from datetime import date
from os import PathLike
from pathlib import Path
from typing import Annotated, Any, Callable, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from .model import DECLARATION_TYPES, PER_MEMBER_TYPES, QUESTION_TYPES, Framework, Questionnaire

__all__ = [
    "DEFAULT_FRAMEWORK_PATH",
    "DEFAULT_QUESTIONNAIRE_PATH",
    "DEFINITIONS_DIR",
    "MAX_DEFINITION_BYTES",
    "DefinitionError",
    "DefinitionProblem",
    "content_hash",
    "load_framework",
    "load_questionnaire",
    "parse_framework",
    "parse_questionnaire",
    "summarise",
    "validate_files",
]

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
DEFAULT_QUESTIONNAIRE_PATH = DEFINITIONS_DIR / "acr-readiness.yaml"
DEFAULT_FRAMEWORK_PATH = DEFINITIONS_DIR / "acr-gateways.yaml"

MAX_DEFINITION_BYTES = 1024 * 1024
# A real questionnaire is a few thousand YAML values; the cap only exists to stop aliases that
# expand exponentially, and is far above anything a hand-written definition needs.
MAX_VALUES = 100_000
MAX_DEPTH = 50

Loc = tuple[Union[str, int], ...]
PathArg = Union[str, "PathLike[str]"]

_STD = "tag:yaml.org,2002:"
# The tags SafeLoader resolves plain scalars and collections to.  Anything else can only appear when
# written explicitly, and definitions have no legitimate use for explicit tags.
_ALLOWED_TAGS = {_STD + name for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
_MERGE_TAG = _STD + "merge"

# Keys that only mean something for some question types; on any other type they would be ignored by
# the scoring engine, which almost always means the author put them on the wrong question.
_TYPE_ONLY_KEYS: dict[str, tuple[str, ...]] = {
    "levels": ("scale",),
    "options": ("choice", "multichoice"),
    "bands": ("number",),
    "unit": ("number",),
    "scores": ("yesno",),
}


# --------------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class DefinitionProblem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class DefinitionError(Exception):
    """A definition was refused; ``problems`` holds every reason found, not just the first."""

    def __init__(self, problems: list[DefinitionProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def format_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Report:
    """Collects problems by path and turns them into DefinitionProblems with line numbers at the end,
    once the whole path→line map is known."""

    def __init__(self, source: str, lines: dict[Loc, int] | None = None):
        self.source = source
        self.lines = lines or {}
        self._items: list[tuple[Loc, str, int | None, bool]] = []

    def add(self, loc: Loc, message: str, line: int | None = None, exclusive: bool = False) -> None:
        """``exclusive`` marks a problem that makes any other complaint about the same value noise
        (a .nan weight is not usefully also "below 0")."""
        self._items.append((tuple(loc), message, line, exclusive))

    def line_of(self, loc: Loc) -> int | None:
        # Errors about a missing key point at a path that does not exist; the nearest enclosing
        # value that does exist (the mapping the key is missing from) is where the author should look.
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return None

    def problems(self) -> list[DefinitionProblem]:
        seen: set[tuple[int | None, str, str]] = set()
        out = []
        silenced = {loc for loc, _, _, exclusive in self._items if exclusive}
        for loc, message, line, exclusive in self._items:
            if loc in silenced and not exclusive:
                continue
            problem = DefinitionProblem(
                self.source, line if line is not None else self.line_of(loc), format_path(loc), message
            )
            key = (problem.line, problem.path, problem.message)
            if key not in seen:
                seen.add(key)
                out.append(problem)
        # Sorted by line so the report reads top to bottom like the file; file-level problems first.
        out.sort(key=lambda p: -1 if p.line is None else p.line)
        return out

    def raise_if_any(self) -> None:
        problems = self.problems()
        if problems:
            raise DefinitionError(problems)


def _fail(source: str, message: str, line: int | None = None) -> DefinitionError:
    return DefinitionError([DefinitionProblem(source, line, "", message)])


# --------------------------------------------------------------------------------------------------
# Small formatting helpers


def _num(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_number(value: Any) -> bool:
    # bool is an int subclass in Python, but `true` is never a sensible number in a definition;
    # .nan/.inf are reported once when read and would only make every comparison misleading.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _show(value: Any) -> str:
    """A value as the author would have written it in YAML."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return _num(value)
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 60 else f"'{value[:57]}...'"
    if isinstance(value, float):
        return str(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return str(value)


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


# --------------------------------------------------------------------------------------------------
# YAML → plain data plus a path→line map


@dataclass
class _Document:
    data: dict[str, Any]
    lines: dict[Loc, int]
    raw: dict[Loc, str]  # scalar text as written, to quote it back in messages (2026.10 vs 2026.1)
    report: _Report


class _Abort(Exception):
    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _Builder:
    """Turns composed YAML nodes into plain dicts/lists while recording where each value came from.

    Construction is done here rather than by yaml.safe_load because the loader needs things safe_load
    cannot give: line numbers per path, refusal of duplicate keys (YAML silently keeps the last one),
    and mapping keys kept as the text written (YAML 1.1 would turn the key ``yes:`` into True, which
    would make ``scores: {yes: 1, no: 0}`` unusable)."""

    def __init__(self, loader: yaml.SafeLoader, report: _Report):
        self.loader = loader
        self.report = report
        self.lines: dict[Loc, int] = {}
        self.raw: dict[Loc, str] = {}
        self.count = 0
        self._active: set[int] = set()
        self._dup_checked: set[int] = set()

    def build(self, node: yaml.Node, loc: Loc = (), depth: int = 0) -> Any:
        line = node.start_mark.line + 1
        self.count += 1
        if self.count > MAX_VALUES:
            raise _Abort(
                None,
                f"the file expands to more than {MAX_VALUES:,} values (through YAML aliases?); "
                "definitions must be smaller",
            )
        if depth > MAX_DEPTH:
            raise _Abort(line, f"values are nested more than {MAX_DEPTH} levels deep")
        if id(node) in self._active:
            raise _Abort(line, "a YAML alias refers to a value that contains itself")
        self.lines.setdefault(loc, line)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, loc)
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(child, loc + (i,), depth + 1) for i, child in enumerate(node.value)]
            return self._mapping(node, loc, depth)
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, loc: Loc) -> Any:
        self.raw[loc] = node.value
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.report.add(loc, f"cannot read value {node.value!r}: {getattr(exc, 'problem', None) or exc}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.report.add(
                loc,
                f"{node.value} is read as a number that cannot be used (not-a-number or "
                "infinity); write a real number, or put it in quotes if it is text",
                exclusive=True,
            )
        return value

    def _mapping(self, node: yaml.MappingNode, loc: Loc, depth: int) -> dict[str, Any]:
        if id(node) not in self._dup_checked:
            # Checked before merging (<<) because overriding a merged key is the point of a merge,
            # whereas the same key written twice in one mapping is a mistake.
            self._dup_checked.add(id(node))
            first_line: dict[str, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
                    continue
                key_line = key_node.start_mark.line + 1
                if key_node.value in first_line:
                    self.report.add(
                        loc + (key_node.value,),
                        f"duplicate key '{key_node.value}' (already given on line {first_line[key_node.value]})",
                        line=key_line,
                    )
                else:
                    first_line[key_node.value] = key_line
            try:
                self.loader.flatten_mapping(node)
            except yaml.MarkedYAMLError as exc:
                raise _Abort(
                    exc.problem_mark.line + 1 if exc.problem_mark else None, f"cannot merge with '<<': {exc.problem}"
                ) from None
        winners: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.report.add(
                    loc, "keys must be plain words, not lists or mappings", line=key_node.start_mark.line + 1
                )
                continue
            winners[key_node.value] = (key_node, value_node)
        result: dict[str, Any] = {}
        for key, (key_node, value_node) in winners.items():
            key_loc = loc + (key,)
            # An entry's line is its key's line: for "levels:" followed by an indented list, the
            # key line is where the author looks, not the first list item below it.
            self.lines[key_loc] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, key_loc, depth + 1)
        return result


def _explicit_tag_problems(root: yaml.Node) -> list[tuple[int, str]]:
    """Every node carrying a tag outside the plain set.  Walks the node graph once (aliases share
    nodes), so it is linear in file size and runs before anything is constructed."""
    found: list[tuple[int, str]] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in _ALLOWED_TAGS and node.tag != _MERGE_TAG:
            shown = "!!" + node.tag[len(_STD) :] if node.tag.startswith(_STD) else node.tag
            found.append(
                (
                    node.start_mark.line + 1,
                    f"YAML tag '{shown}' is not allowed: definitions may only contain plain "
                    "mappings, lists, text, numbers, true/false and null",
                )
            )
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                stack.extend((key_node, value_node))
    found.sort()
    return found


def _read_yaml(text: str, source: str) -> _Document:
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_DEFINITION_BYTES:
        raise _too_big(source, size)
    try:
        # The Reader checks for control characters already in the constructor, so that is inside the try.
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:
        raise _fail(source, _yaml_reason(exc), _yaml_line(exc, text)) from None
    try:
        try:
            root = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise _fail(source, _yaml_reason(exc), _yaml_line(exc, text)) from None
        except RecursionError:
            raise _fail(source, "not valid YAML: values are nested too deeply") from None
        if root is None:
            raise _fail(source, "the file is empty; expected a mapping of keys such as 'id:' and 'version:'")
        tag_problems = _explicit_tag_problems(root)
        if tag_problems:
            raise DefinitionError([DefinitionProblem(source, line, "", msg) for line, msg in tag_problems])
        if not isinstance(root, yaml.MappingNode):
            kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
            raise _fail(
                source,
                f"the top level must be a mapping of keys such as 'id:' and 'version:', not {kind}",
                root.start_mark.line + 1,
            )
        report = _Report(source)
        builder = _Builder(loader, report)
        try:
            data = builder.build(root)
        except _Abort as exc:
            raise _fail(source, exc.message, exc.line) from None
        except RecursionError:
            raise _fail(source, "values are nested too deeply") from None
    finally:
        loader.dispose()
    report.lines = builder.lines
    return _Document(data, builder.lines, builder.raw, report)


def _yaml_line(exc: yaml.YAMLError, text: str) -> int | None:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        return mark.line + 1 if mark else None
    position = getattr(exc, "position", None)  # ReaderError counts characters, not lines
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else None


def _yaml_reason(exc: yaml.YAMLError) -> str:
    if not isinstance(exc, yaml.MarkedYAMLError):
        reason = str(exc).splitlines()[0]
    elif exc.problem and exc.context and exc.problem.startswith("but "):
        # ComposerError reads "expected a single document ... / but found another document".
        reason = f"{exc.context} {exc.problem}"
    elif exc.context:
        where = ""
        if exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            where = f" that started on line {exc.context_mark.line + 1}"
        reason = f"{exc.problem} ({exc.context}{where})"
    else:
        reason = exc.problem or "malformed YAML"
    return f"not valid YAML: {reason}"


def _too_big(source: str, size: int) -> DefinitionError:
    return _fail(
        source, f"the file is {size:,} bytes; definitions are limited to 1 MB ({MAX_DEFINITION_BYTES:,} bytes)"
    )


# --------------------------------------------------------------------------------------------------
# Pydantic errors → plain words


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _as_model(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def _annotation_at(root: type[BaseModel], loc: Loc) -> Any:
    """The declared type at a path, following model fields and list items; None if unknown."""
    annotation: Any = root
    for part in loc:
        if isinstance(part, int):
            annotation = _unwrap(annotation)
            if get_origin(annotation) is not list:
                return None
            annotation = get_args(annotation)[0]
        else:
            model = _as_model(annotation)
            info = _field(model, part) if model else None
            if info is None:
                return None
            annotation = info.annotation
    return annotation


def _allowed_keys(root: type[BaseModel], loc: Loc) -> list[str]:
    model = _as_model(_annotation_at(root, loc))
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _bounds(root: type[BaseModel], loc: Loc) -> dict[str, float]:
    if not loc or not isinstance(loc[-1], str):
        return {}
    model = _as_model(_annotation_at(root, loc[:-1]))
    info = _field(model, loc[-1]) if model else None
    found: dict[str, float] = {}
    for item in info.metadata if info else ():
        for name in ("ge", "gt", "le", "lt"):
            if getattr(item, name, None) is not None:
                found[name] = getattr(item, name)
    return found


def _subject(loc: Loc) -> str:
    """What the error is about, as the author would name it: the last key plus any list index after it."""
    tail: list[Union[str, int]] = []
    for part in reversed(loc):
        tail.insert(0, part)
        if isinstance(part, str):
            break
    return format_path(tuple(tail)) if tail else "the file"


def _not_text_hint(value: Any, raw: str | None) -> str:
    written = raw if raw is not None else _show(value)
    if isinstance(value, bool):
        return f', but {written} is read as true/false; put it in quotes: "{written}"'
    if _is_number(value) or isinstance(value, date):
        return (
            f', but {written} is read as a {"number" if _is_number(value) else "date"}; put it in quotes: "{written}"'
        )
    return f", got {_show(value)}"


def _message(error: dict[str, Any], root: type[BaseModel], raw: dict[Loc, str]) -> str:
    kind = error["type"]
    loc: Loc = tuple(error["loc"])
    value = error.get("input")
    ctx = error.get("ctx") or {}
    subject = _subject(loc)
    # Numbers and true/false are quoted back as written (2026.10, yes), not as Python read them.
    written = raw.get(loc)
    shown = written if written and isinstance(value, (bool, int, float)) else _show(value)

    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(root, loc[:-1])
        guess = difflib.get_close_matches(key, allowed, n=1)
        hint = f", did you mean '{guess[0]}'?" if guess else ""
        return f"unknown key '{key}'{hint} (allowed: {', '.join(allowed)})"
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bounds = _bounds(root, loc) or ctx
        low = bounds.get("ge", bounds.get("gt"))
        high = bounds.get("le", bounds.get("lt"))
        if low is not None and high is not None:
            return f"{subject} {shown} is outside {_num(low)} to {_num(high)}"
        if "gt" in bounds:
            return f"{subject} {shown} must be more than {_num(bounds['gt'])}"
        if "ge" in bounds:
            return f"{subject} {shown} must be at least {_num(bounds['ge'])}"
        if "lt" in bounds:
            return f"{subject} {shown} must be less than {_num(bounds['lt'])}"
        return f"{subject} {shown} must be at most {_num(high)}"
    if kind == "string_type":
        return f"{subject} should be text{_not_text_hint(value, raw.get(loc))}"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing", "finite_number"):
        return f"{subject} should be a number, got {_show(value)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"{subject} should be true or false, got {_show(value)}"
    if kind == "literal_error":
        expected = ctx.get("expected", "the allowed values")
        if isinstance(value, (list, dict)) or value is None:
            return f"{subject} should be one of {expected}, got {shown}"
        return f"{subject} {shown} is not one of {expected}"
    if kind == "string_pattern_mismatch":
        letters = "letters" if "A-Z" in str(ctx.get("pattern", "")) else "lower-case letters"
        return f"{subject} {shown} may only contain {letters}, digits, '.', '_' and '-'"
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return f"{subject} must not be empty"
        return f"{subject} must be at least {_plural(ctx.get('min_length', 0), 'character')} long"
    if kind == "string_too_long":
        return f"{subject} is longer than {_plural(ctx.get('max_length', 0), 'character')}"
    if kind == "too_short":
        return f"{subject} needs at least {_plural(ctx.get('min_length', 1), 'entry', 'entries')}"
    if kind == "list_type":
        return f"{subject} should be a list, got {_show(value)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{subject} should be a mapping of keys to values, got {_show(value)}"
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    message = str(error.get("msg", "invalid value"))
    return f"{subject}: {message}" if loc else message


def _validate(model: type[BaseModel], doc: _Document) -> Any:
    # strict: YAML already gives real types, so a quoted "2" weight or a `yes` option value is a
    # mistake to report, not something to coerce quietly.
    try:
        return model.model_validate(doc.data, strict=True)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            # A missing key has no place in the file; the mapping it is missing from does.
            where = loc[:-1] if error["type"] == "missing" else loc
            doc.report.add(where, _message(error, model, doc.raw))
        return None


# --------------------------------------------------------------------------------------------------
# Whole-file checks, run on the raw data so they still report when the pydantic model is refused


def _where(doc: _Document, loc: Loc) -> str:
    line = doc.report.line_of(loc)
    return f"{format_path(loc)}, line {line}" if line else format_path(loc)


@dataclass
class _QuestionEntry:
    position: int
    loc: Loc
    data: dict[str, Any]
    domain_id: Any = None
    per_member: bool = False


def _check_questionnaire(doc: _Document) -> None:
    domains = doc.data.get("domains")
    if not isinstance(domains, list):
        return
    domain_ids: dict[str, Loc] = {}
    questions: dict[str, _QuestionEntry] = {}
    in_order: list[_QuestionEntry] = []
    for d_index, domain in enumerate(domains):
        if not isinstance(domain, dict):
            continue
        d_loc: Loc = ("domains", d_index)
        domain_id = domain.get("id")
        if isinstance(domain_id, str):
            if domain_id in domain_ids:
                doc.report.add(
                    d_loc + ("id",),
                    f"duplicate domain id '{domain_id}' "
                    f"(already used at {_where(doc, domain_ids[domain_id] + ('id',))})",
                )
            else:
                domain_ids[domain_id] = d_loc
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
            question_id = question.get("id")
            if isinstance(question_id, str):
                if question_id in questions:
                    first = questions[question_id].loc + ("id",)
                    doc.report.add(
                        entry.loc + ("id",),
                        f"duplicate question id '{question_id}' (already used at {_where(doc, first)})",
                    )
                else:
                    questions[question_id] = entry
            _check_question_shape(doc, entry)
    for entry in in_order:
        _check_show_if(doc, entry, questions)


def _check_member_domain(doc: _Document, loc: Loc, questions: list[Any]) -> None:
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
                f"text explanations, not {_a(kind)} question",
            )
        if "weight" in question:
            doc.report.add(
                q_loc + ("weight",), "questions in a per_member domain are not scored, so they take no 'weight'"
            )
        if kind == "yesno":
            scores = question.get("scores")
            if isinstance(scores, dict):
                values = [scores.get("yes", 1.0), scores.get("no", 0.0)]
                if all(_is_number(v) for v in values) and not any(v == 1 for v in values):
                    doc.report.add(q_loc + ("scores",), _NO_CLEAR_ANSWER)
        elif kind == "choice":
            options = question.get("options")
            if isinstance(options, list) and options:
                values = [o.get("score", 0.0) for o in options if isinstance(o, dict)]
                if all(_is_number(v) for v in values) and not any(v == 1 for v in values):
                    doc.report.add(q_loc + ("options",), _NO_CLEAR_ANSWER)


_NO_CLEAR_ANSWER = (
    "no answer to this declaration scores 1, so no member organisation could pass it "
    "(a member's declarations are clear only when every answer scores 1)"
)


def _check_question_shape(doc: _Document, entry: _QuestionEntry) -> None:
    question, loc = entry.data, entry.loc
    kind = question.get("type")
    if kind not in QUESTION_TYPES:
        return  # pydantic already reports the unknown type; anything more would be guesswork
    for key, kinds in _TYPE_ONLY_KEYS.items():
        if key in question and kind not in kinds:
            doc.report.add(
                loc + (key,), f"'{key}' does not apply to {_a(kind)} question (only to {' and '.join(kinds)} questions)"
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
    doc: _Document, question: dict[str, Any], loc: Loc, key: str, what: str, noun: str
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


def _check_bands(doc: _Document, loc: Loc, bands: list[Any]) -> None:
    previous: tuple[int, float, float | None] | None = None
    for index, band in enumerate(bands):
        if not isinstance(band, dict):
            continue
        low, high = band.get("min"), band.get("max")
        if not _is_number(low) or not (high is None or _is_number(high)):
            continue  # pydantic reports the wrong types
        band_loc = loc + (index,)
        if high is not None and low >= high:
            doc.report.add(band_loc, f"band min {_num(low)} must be less than its max {_num(high)}")
        if previous is not None:
            p_index, p_low, p_high = previous
            if low < p_low:
                doc.report.add(
                    band_loc,
                    f"bands must be in order of min: this band starts at {_num(low)}, "
                    f"below bands[{p_index}] which starts at {_num(p_low)}",
                )
            elif p_high is None:
                doc.report.add(
                    band_loc,
                    f"bands overlap: bands[{p_index}] has no max, so it already covers "
                    f"{_num(low)} and everything above it",
                )
            elif low < p_high:
                doc.report.add(
                    band_loc,
                    f"bands overlap: bands[{p_index}] covers {_num(p_low)} up to "
                    f"{_num(p_high)}, but this band starts at {_num(low)}",
                )
        previous = (index, low, high)


def _check_show_if(doc: _Document, entry: _QuestionEntry, questions: dict[str, _QuestionEntry]) -> None:
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
    if entry.per_member and controller.domain_id != entry.domain_id:
        doc.report.add(
            loc + ("question",),
            f"show_if refers to question '{target}' outside per_member domain '{entry.domain_id}'; "
            "a question answered by each member organisation can only depend on another question "
            "of the same domain",
        )
        return
    if controller.per_member and not entry.per_member:
        doc.report.add(
            loc + ("question",),
            f"show_if refers to question '{target}', which each member organisation answers "
            f"separately (per_member domain '{controller.domain_id}'); a question answered jointly "
            "cannot depend on it",
        )
        return
    if controller.position > entry.position:
        doc.report.add(
            loc + ("question",),
            f"show_if refers to question '{target}', which comes later in the file "
            f"(at {_where(doc, controller.loc)}); a question can only depend on an earlier one",
        )
        return

    candidates: list[tuple[Loc, Any]] = []
    if show_if.get("equals") is not None:
        candidates.append((loc + ("equals",), show_if["equals"]))
    if isinstance(show_if.get("in"), list):
        if not show_if["in"]:
            doc.report.add(loc + ("in",), "show_if 'in' is empty, so the question would never be shown")
        candidates.extend((loc + ("in", i), v) for i, v in enumerate(show_if["in"]))
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


def _show_if_value_problem(kind: Any, controller: dict[str, Any], target: str, value: Any) -> str | None:
    if kind == "yesno":
        if not isinstance(value, bool):
            return f"{_show(value)} is not an answer to yesno question '{target}' (use true or false)"
    elif kind in ("choice", "multichoice"):
        options = controller.get("options")
        values = [o.get("value") for o in options if isinstance(o, dict)] if isinstance(options, list) else []
        if value not in values or not isinstance(value, str):
            listed = ", ".join(str(v) for v in values)
            return f"{_show(value)} is not an option of {kind} question '{target}' (options: {listed})"
    elif kind == "scale":
        levels = controller.get("levels")
        count = len(levels) if isinstance(levels, list) else 0
        if not (isinstance(value, int) and not isinstance(value, bool) and 0 <= value < count):
            return (
                f"{_show(value)} is not a level of scale question '{target}' "
                f"(use a level number from 0 to {count - 1}, counting the first level as 0)"
            )
    elif kind == "number":
        if not _is_number(value):
            return f"{_show(value)} is not a number, but '{target}' is a number question"
    elif kind == "text":
        if not isinstance(value, str):
            return f"{_show(value)} is not text, but '{target}' is a text question"
    return None


def _check_framework(doc: _Document, questionnaire: Questionnaire | None) -> None:
    data = doc.data
    rag = data.get("rag")
    if isinstance(rag, list) and rag:
        previous: float | None = None
        last_min: Any = None
        for index, band in enumerate(rag):
            low = band.get("min") if isinstance(band, dict) else None
            last_min = low
            if not _is_number(low):
                continue
            if previous is not None and not low < previous:
                doc.report.add(
                    ("rag", index, "min"),
                    f"rag bands must go from the highest min to the lowest: min {_num(low)} "
                    f"is not below the previous band's min {_num(previous)}",
                )
            previous = low
        if _is_number(last_min) and last_min != 0:
            doc.report.add(
                ("rag", len(rag) - 1, "min"),
                f"the last rag band must have min 0 so every score gets a label (it has min {_num(last_min)})",
            )

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
        gate_id = gate.get("id")
        if isinstance(gate_id, str):
            if gate_id in gate_ids:
                doc.report.add(
                    g_loc + ("id",),
                    f"duplicate gate id '{gate_id}' (already used at {_where(doc, gate_ids[gate_id] + ('id',))})",
                )
            else:
                gate_ids[gate_id] = g_loc
        criteria = gate.get("criteria")
        if not isinstance(criteria, list):
            continue
        for c_index, criterion in enumerate(criteria):
            if not isinstance(criterion, dict):
                continue
            c_loc = g_loc + ("criteria", c_index)
            criterion_id = criterion.get("id")
            if isinstance(criterion_id, str):
                if criterion_id in criterion_ids:
                    first = criterion_ids[criterion_id] + ("id",)
                    doc.report.add(
                        c_loc + ("id",),
                        f"duplicate criterion id '{criterion_id}' (already used at {_where(doc, first)})",
                    )
                else:
                    criterion_ids[criterion_id] = c_loc
            _check_criterion(doc, c_loc, criterion, cross_check)


def _check_criterion(doc: _Document, loc: Loc, criterion: dict[str, Any], questionnaire: Questionnaire | None) -> None:
    kind = criterion.get("type")
    low = criterion.get("min")
    # These ranges follow from what is compared, so they are checked with or without a questionnaire.
    if kind == "question_min" and _is_number(low) and not 0 <= low <= 1:
        doc.report.add(
            loc + ("min",),
            f"min {_num(low)} is outside 0 to 1 (a question_min compares a question's score, which runs from 0 to 1)",
        )
    if kind in ("domain_min", "overall_min") and _is_number(low) and not 0 <= low <= 100:
        doc.report.add(loc + ("min",), f"min {_num(low)} is outside 0 to 100 ({_a(kind)} compares a percentage score)")
    if questionnaire is None:
        return
    question_id = criterion.get("question")
    if isinstance(question_id, str) and kind in ("question_min", "number_min", "evidence_required"):
        question = questionnaire.question(question_id)
        if question is None:
            doc.report.add(
                loc + ("question",), f"unknown question '{question_id}' (not in questionnaire '{questionnaire.id}')"
            )
        elif questionnaire.is_per_member(question_id):
            domain = questionnaire.domain_of(question_id)
            doc.report.add(
                loc + ("question",),
                f"'{question_id}' is answered by each member organisation separately (per_member "
                f"domain '{domain.id if domain else '?'}'), so {_a(kind)} criterion cannot read it; "
                "use a member_declarations criterion on that domain",
            )
        elif kind == "number_min" and question.type != "number":
            doc.report.add(
                loc + ("question",),
                f"a number_min criterion needs a number question, but '{question_id}' is a {question.type} question",
            )
        elif kind == "evidence_required" and question.type != "evidence":
            doc.report.add(
                loc + ("question",),
                f"an evidence_required criterion needs an evidence question, "
                f"but '{question_id}' is a {question.type} question",
            )
    domain_id = criterion.get("domain")
    if isinstance(domain_id, str) and kind in ("domain_min", "member_declarations"):
        domain = next((d for d in questionnaire.domains if d.id == domain_id), None)
        if domain is None:
            doc.report.add(
                loc + ("domain",), f"unknown domain '{domain_id}' (not in questionnaire '{questionnaire.id}')"
            )
        elif kind == "domain_min" and domain.per_member:
            doc.report.add(
                loc + ("domain",),
                f"domain '{domain_id}' is answered per member organisation and has "
                "no score, so a domain_min criterion cannot read it; use a "
                "member_declarations criterion",
            )
        elif kind == "member_declarations" and not domain.per_member:
            doc.report.add(
                loc + ("domain",),
                f"a member_declarations criterion needs a per_member domain, but "
                f"'{domain_id}' is answered jointly (it is not marked "
                "'per_member: true')",
            )


# --------------------------------------------------------------------------------------------------
# Public API


def _parse(text: str, source: str, model: type[BaseModel], check: Callable[[_Document], None]) -> Any:
    doc = _read_yaml(text, source)
    result = _validate(model, doc)
    check(doc)
    doc.report.raise_if_any()
    return result


def parse_questionnaire(text: str, source: str = "<string>") -> Questionnaire:
    return _parse(text, source, Questionnaire, _check_questionnaire)


def parse_framework(text: str, source: str = "<string>", questionnaire: Questionnaire | None = None) -> Framework:
    return _parse(text, source, Framework, lambda doc: _check_framework(doc, questionnaire))


def _read_text(path: PathArg) -> tuple[str, str]:
    source = str(path)
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_DEFINITION_BYTES:
            raise _too_big(source, size)
        with file.open("rb") as handle:
            # Read one byte past the limit in case the file grew after stat().
            content = handle.read(MAX_DEFINITION_BYTES + 1)
    except OSError as exc:
        raise _fail(source, f"cannot read the file: {exc.strerror or exc}") from None
    if len(content) > MAX_DEFINITION_BYTES:
        raise _too_big(source, len(content))
    try:
        return content.decode("utf-8-sig"), source  # -sig: editors on Windows like to add a BOM
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise _fail(
            source, f"the file is not UTF-8 text (byte 0x{content[exc.start]:02x} at position {exc.start})", line
        ) from None


def load_questionnaire(path: PathArg) -> Questionnaire:
    text, source = _read_text(path)
    return parse_questionnaire(text, source)


def load_framework(path: PathArg, questionnaire: Questionnaire | None = None) -> Framework:
    text, source = _read_text(path)
    return parse_framework(text, source, questionnaire)


def content_hash(definition: Questionnaire | Framework) -> str:
    """Fingerprint of what a definition says, not how it is written: assessments record it so a
    later edit to the weights or wording can be detected, while reformatting or comments cannot.

    Keys added to the model later are left out while they hold their default (``per_member: false``),
    so a definition written before they existed keeps the hash it was imported with."""
    data = definition.model_dump(mode="json", by_alias=True)
    if isinstance(definition, Questionnaire):
        for domain in data.get("domains", ()):
            if domain.get("per_member") is False:
                del domain["per_member"]
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def summarise(definition: Questionnaire | Framework) -> str:
    if isinstance(definition, Framework):
        criteria = sum(len(g.criteria) for g in definition.gates)
        lines = [
            f"OK: {definition.id} {definition.version} for questionnaire {definition.questionnaire}, "
            f"{_plural(len(definition.gates), 'gate')}, {_plural(criteria, 'criterion', 'criteria')}"
        ]
        lines += [f"  {g.id}: {_plural(len(g.criteria), 'criterion', 'criteria')}" for g in definition.gates]
        return "\n".join(lines)
    lines = [f"OK: {definition.id} {definition.version}, {_plural(len(definition.questions()), 'question')}"]
    for domain in definition.domains:
        if domain.per_member:
            declarations = len(domain.declaration_questions())
            lines.append(
                f"  {domain.id}: {_plural(len(domain.questions), 'question')} "
                f"(answered per member, {_plural(declarations, 'declaration')}, not scored)"
            )
            continue
        scored = sum(1 for q in domain.questions if q.scored)
        lines.append(f"  {domain.id}: {_plural(len(domain.questions), 'question')} ({scored} scored)")
    return "\n".join(lines)


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
        try:
            result.text, _ = _read_text(result.path)
            data = _read_yaml(result.text, result.path).data
        except DefinitionError as exc:
            result.problems = exc.problems
            continue
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

    blocks = []
    for result in results:
        if result.problems:
            lines = [f"{result.path}: FAILED, {_plural(len(result.problems), 'problem')}"]
            lines += [f"  {problem}" for problem in result.problems]
        else:
            assert result.definition is not None
            lines = [f"{result.path}: {summarise(result.definition)}"]
        if result.note:
            lines.append(f"  ({result.note})")
        blocks.append("\n".join(lines))
    all_ok = not any(r.problems for r in results)
    return all_ok, "\n".join(blocks)


def _questionnaire_for(wanted: Any, results: list[_FileResult], given: set[Path]) -> tuple[Questionnaire | None, str]:
    for other in results:
        if other.kind == "questionnaire" and other.declared_id == wanted:
            if other.definition is None:
                return None, f"not cross-checked: questionnaire '{wanted}' in {other.path} has problems"
            return other.definition, f"cross-checked against {other.path}"  # type: ignore[return-value]
    default = DEFAULT_QUESTIONNAIRE_PATH
    if default.exists() and default.resolve() not in given:
        try:
            questionnaire = load_questionnaire(default)
        except DefinitionError:
            return None, f"not cross-checked: the default questionnaire {default} has problems"
        if questionnaire.id == wanted:
            return questionnaire, f"cross-checked against {default}"
    return None, f"not cross-checked: no questionnaire '{wanted}' was given or found"
