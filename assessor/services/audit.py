"""The append-only audit trail: who did what, when, with old and new values."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert

from ..extensions import db
from ..models import AuditEvent, User, utcnow
from .rows import plain_rows

_APPEND = insert(AuditEvent)


def record(action: str, *, user: User | None = None, submission_id: int | None = None, **detail: Any) -> None:
    """Append one event in the caller's transaction: it commits or rolls back with the change it describes."""
    # A plain insert rather than an ORM object: every autosave records one, and nothing reads the
    # event back within the request.  plain_rows flushes first, so the rows it refers to exist.
    plain_rows(
        _APPEND,
        at=utcnow(),
        action=action,
        user_id=user.id if user is not None else None,
        submission_id=submission_id,
        detail_json=json.dumps(detail, sort_keys=True, default=str),
    )


# Events whose stored names no longer say what they are.  The names stay, because existing audit
# trails hold them; pages and reports show these words instead.
_EVENT_WORDS = {
    "recommendation.added": "Action added",
    "recommendation.closed": "Action closed",
    "section.assigned": "Domain assigned",
    "declaration.changed": "Member declaration changed",
}


def describe_event(action: str) -> str:
    """An event's name in words: ``conflict.declared`` -> "Conflict declared"."""
    return _EVENT_WORDS.get(action) or action.replace(".", " ").replace("_", " ").capitalize()


def history(submission_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(db.select(AuditEvent).filter_by(submission_id=submission_id).order_by(AuditEvent.id.desc()))
    )
