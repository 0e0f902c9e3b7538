"""The append-only audit trail: who did what, when, with old and new values."""
from __future__ import annotations

import json
from typing import Any

from ..extensions import db
from ..models import AuditEvent, User


def record(action: str, *, user: User | None = None, submission_id: int | None = None, **detail: Any) -> AuditEvent:
    event = AuditEvent(
        action=action,
        user_id=user.id if user is not None else None,
        submission_id=submission_id,
        detail_json=json.dumps(detail, sort_keys=True, default=str),
    )
    db.session.add(event)
    return event


def history(submission_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            db.select(AuditEvent).filter_by(submission_id=submission_id).order_by(AuditEvent.id.desc())
        )
    )
