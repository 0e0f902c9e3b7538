"""What a page does with a service's refusal: the GOV.UK error summary, or a flash on the page it returns to.

Services name logical fields (``outcome``, ``conditions[1].due_on``); this module is the one place that
turns them into the ids of the form controls the error summary links to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from flask import flash

from .extensions import db
from .services.errors import Problem, Refused

# WTForms names the controls of list entries ``conditions-0-text``; services say ``conditions[0].text``.
_LIST_ENTRY = re.compile(r"\[(\d+)\]\.?")

Result = TypeVar("Result")


def anchor(field: str | None, anchors: Mapping[str, str] | None = None, default: str = "") -> str:
    """The id of the control a message about ``field`` links to."""
    if not field:
        return default
    if anchors and field in anchors:
        return anchors[field]
    return _LIST_ENTRY.sub(lambda match: f"-{match.group(1)}-", field).rstrip("-")


def error_summary(
    refusal: Refused | list[Problem], anchors: Mapping[str, str] | None = None, default: str = ""
) -> list[tuple[str, str]]:
    """(control id, message) pairs for the error summary; problems about the whole action link to ``default``."""
    problems = refusal.problems if isinstance(refusal, Refused) else refusal
    return [(anchor(problem.field, anchors, default), problem.message) for problem in problems]


def refused(refusal: Refused) -> None:
    """Undo what the refused action had written and tell the person why, on the page they return to."""
    db.session.rollback()
    flash(refusal.message, "error")


def carry_out(action: Callable[[], object], done: str) -> bool:
    """Run a state-changing service call: commit and say ``done``, or roll back and say why it was refused."""
    return carry_out_and_say(action, lambda _: done)


def refused_summary(
    refusal: Refused, anchors: Mapping[str, str] | None = None, default: str = ""
) -> list[tuple[str, str]]:
    """Undo what the refused action had written; its problems for the error summary of the page shown again."""
    db.session.rollback()
    return error_summary(refusal, anchors, default)


def carry_out_and_say(action: Callable[[], Result], say: Callable[[Result], str]) -> bool:
    """``carry_out`` for a confirmation that tells what the action did: ``say`` is given its result."""
    try:
        result = action()
    except Refused as refusal:
        refused(refusal)
        return False
    db.session.commit()
    flash(say(result))
    return True
