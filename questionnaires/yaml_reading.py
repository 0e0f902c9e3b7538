"""Definition files → plain data, read safely and with a note of the line every value came from.

Definition files may be uploaded or edited outside code review, so this is the one place that turns
their bytes into Python values: files over 1 MB are refused before parsing, YAML is only ever composed
with PyYAML's SafeLoader, any explicit non-standard tag (``!!python/object/...``, ``!custom``) is
refused before anything is constructed, and alias expansion is bounded so a "billion laughs" file
cannot exhaust memory.  The path→line map recorded on the way lets every later check name the line
an author has to fix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, TypeAlias

import yaml

from .problems import DefinitionError, DefinitionProblem, Loc, ProblemReport, fail

__all__ = ["MAX_DEFINITION_BYTES", "Document", "PathArg", "read_definition_text", "read_yaml"]

MAX_DEFINITION_BYTES = 1024 * 1024
# A real questionnaire is a few thousand YAML values; the cap only exists to stop aliases that
# expand exponentially, and is far above anything a hand-written definition needs.
MAX_VALUES = 100_000
MAX_DEPTH = 50

PathArg: TypeAlias = str | PathLike[str]

_STD = "tag:yaml.org,2002:"
# The tags SafeLoader resolves plain scalars and collections to.  Anything else can only appear when
# written explicitly, and definitions have no legitimate use for explicit tags.
_ALLOWED_TAGS = {_STD + name for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
_MERGE_TAG = _STD + "merge"


@dataclass
class Document:
    data: dict[str, Any]
    lines: dict[Loc, int]
    raw: dict[Loc, str]  # scalar text as written, to quote it back in messages (2026.10 vs 2026.1)
    report: ProblemReport


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

    def __init__(self, loader: yaml.SafeLoader, report: ProblemReport):
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
            assert isinstance(node, yaml.MappingNode)  # the composer makes no other kind of node
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


def read_yaml(text: str, source: str) -> Document:
    """Plain data, path→line map and an empty report for one definition; raises DefinitionError
    when the text cannot be read as a YAML mapping at all."""
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_DEFINITION_BYTES:
        raise too_big(source, size)
    try:
        # The Reader checks for control characters already in the constructor, so that is inside the try.
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:
        raise fail(source, _yaml_reason(exc), _yaml_line(exc, text)) from None
    try:
        try:
            root = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise fail(source, _yaml_reason(exc), _yaml_line(exc, text)) from None
        except RecursionError:
            raise fail(source, "not valid YAML: values are nested too deeply") from None
        if root is None:
            raise fail(source, "the file is empty; expected a mapping of keys such as 'id:' and 'version:'")
        tag_problems = _explicit_tag_problems(root)
        if tag_problems:
            raise DefinitionError([DefinitionProblem(source, line, "", msg) for line, msg in tag_problems])
        if not isinstance(root, yaml.MappingNode):
            kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
            raise fail(
                source,
                f"the top level must be a mapping of keys such as 'id:' and 'version:', not {kind}",
                root.start_mark.line + 1,
            )
        report = ProblemReport(source)
        builder = _Builder(loader, report)
        try:
            data = builder.build(root)
        except _Abort as exc:
            raise fail(source, exc.message, exc.line) from None
        except RecursionError:
            raise fail(source, "values are nested too deeply") from None
    finally:
        loader.dispose()
    report.lines = builder.lines
    return Document(data, builder.lines, builder.raw, report)


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


def too_big(source: str, size: int) -> DefinitionError:
    return fail(source, f"the file is {size:,} bytes; definitions are limited to 1 MB ({MAX_DEFINITION_BYTES:,} bytes)")


def read_definition_text(path: PathArg) -> tuple[str, str]:
    """The text of a definition file and the name to report it under, with the size limit applied
    before reading and a bad encoding refused as a DefinitionError rather than a crash."""
    source = str(path)
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_DEFINITION_BYTES:
            raise too_big(source, size)
        with file.open("rb") as handle:
            # Read one byte past the limit in case the file grew after stat().
            content = handle.read(MAX_DEFINITION_BYTES + 1)
    except OSError as exc:
        raise fail(source, f"cannot read the file: {exc.strerror or exc}") from None
    if len(content) > MAX_DEFINITION_BYTES:
        raise too_big(source, len(content))
    try:
        return content.decode("utf-8-sig"), source  # -sig: editors on Windows like to add a BOM
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise fail(
            source, f"the file is not UTF-8 text (byte 0x{content[exc.start]:02x} at position {exc.start})", line
        ) from None
