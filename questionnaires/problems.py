"""What is wrong with a definition, in the form its author reads it.

Definitions are written by hand by people who are not programmers, so a refusal must list every
problem at once, each with the file, line, path (``domains[2].questions[4].bands[1]``) and a message
in plain words.  The checks only know paths while they run; the report turns those into line numbers
once the whole path→line map of the file is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

__all__ = ["DefinitionError", "DefinitionProblem", "Loc", "ProblemReport", "fail", "format_path"]

# Where a value sits in a definition: mapping keys and list indexes from the top of the file.
Loc: TypeAlias = tuple[str | int, ...]


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


class ProblemReport:
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


def fail(source: str, message: str, line: int | None = None) -> DefinitionError:
    """A refusal with a single file-level problem, for when nothing further can be read."""
    return DefinitionError([DefinitionProblem(source, line, "", message)])
