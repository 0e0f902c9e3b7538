"""Saving answers without ever losing one: optimistic locking on a per-answer version."""

from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError

from questionnaires import Questionnaire

from ..extensions import db
from ..models import Answer, Evidence, MemberAnswer, Submission, User, utcnow
from .audit import record
from .rows import changed_rows, plain_rows


def fingerprint(value: Any) -> str:
    """A short digest of a canonical answer, carried by the form to tell 'untouched' from 'changed'."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Conflict:
    question_id: str
    yours: Any
    theirs: Any
    their_version: int
    by: str
    at: datetime | None


@dataclass(frozen=True)
class Saved:
    question_id: str
    version: int


@dataclass(frozen=True)
class Unchanged:
    question_id: str
    version: int
    stored: Any = None  # the value the row holds, which a form shows next


@dataclass(frozen=True)
class Author:
    name: str


@dataclass(frozen=True)
class StoredAnswer:
    """An answer as it stands, for reading: pages show dozens at a time and change none of them."""

    question_id: str
    value: Any
    version: int
    updated_at: datetime
    updated_by: Author | None
    carried_from_round_id: int | None


_STORED_ANSWERS = (
    db.select(
        Answer.question_id,
        Answer.value_json,
        Answer.version,
        Answer.updated_at,
        Answer.carried_from_round_id,
        User.name,
    )
    .outerjoin(User, User.id == Answer.updated_by_id)
    .where(Answer.submission_id == bindparam("submission_id"))
)


def answer_rows(submission: Submission) -> dict[str, StoredAnswer]:
    # Plain columns, each value decoded once: building ORM objects for every answer of a submission
    # was a large share of a domain page's time.
    rows = plain_rows(_STORED_ANSWERS, submission_id=submission.id)
    return {
        question_id: StoredAnswer(
            question_id,
            json.loads(raw),
            version,
            updated_at,
            Author(author) if author is not None else None,
            carried_from,
        )
        for question_id, raw, version, updated_at, carried_from, author in rows
    }


def authors_by_domain(questionnaire: Questionnaire, rows: dict[str, StoredAnswer]) -> dict[str, list[tuple[str, int]]]:
    """Per domain, who gave the answers as they stand now and how many each, most first."""
    authors: dict[str, list[tuple[str, int]]] = {}
    for domain in questionnaire.domains:
        counts = Counter(
            author.name for q in domain.questions if q.id in rows and (author := rows[q.id].updated_by) is not None
        )
        authors[domain.id] = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return authors


@dataclass(frozen=True)
class LastChange:
    at: datetime
    by: str | None


def last_changes(
    questionnaire: Questionnaire, rows: dict[str, StoredAnswer], evidence: dict[str, list[StoredEvidence]]
) -> dict[str, LastChange | None]:
    """Per domain, the latest answer change or upload and who made it."""
    latest: dict[str, LastChange | None] = {}
    for domain in questionnaire.domains:
        changes = [
            LastChange(row.updated_at, row.updated_by.name if row.updated_by else None)
            for q in domain.questions
            if (row := rows.get(q.id)) is not None
        ]
        changes += [
            LastChange(f.uploaded_at, f.uploaded_by.name if f.uploaded_by else None)
            for q in domain.questions
            for f in evidence.get(q.id, [])
        ]
        latest[domain.id] = max(changes, key=lambda change: change.at, default=None)
    return latest


@dataclass(frozen=True)
class StoredEvidence:
    """An attached file as pages and reports show it; the file itself stays in storage."""

    id: int
    question_id: str
    original_name: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: Author | None


_ATTACHED_EVIDENCE = (
    db.select(
        Evidence.id,
        Evidence.question_id,
        Evidence.original_name,
        Evidence.size,
        Evidence.sha256,
        Evidence.uploaded_at,
        User.name,
    )
    .outerjoin(User, User.id == Evidence.uploaded_by_id)
    .where(Evidence.submission_id == bindparam("submission_id"), Evidence.removed_at.is_(None))
    .order_by(Evidence.id)
)


def evidence_rows(submission: Submission) -> dict[str, list[StoredEvidence]]:
    """The files attached to each question, oldest first, removed ones left out."""
    grouped: dict[str, list[StoredEvidence]] = {}
    for id_, question_id, name, size, sha256, uploaded_at, uploader in plain_rows(
        _ATTACHED_EVIDENCE, submission_id=submission.id
    ):
        grouped.setdefault(question_id, []).append(
            StoredEvidence(
                id_, question_id, name, size, sha256, uploaded_at, Author(uploader) if uploader is not None else None
            )
        )
    return grouped


_ENGINE_ANSWERS = db.select(Answer.question_id, Answer.value_json).where(
    Answer.submission_id == bindparam("submission_id")
)
_ENGINE_EVIDENCE = (
    db.select(Evidence.question_id, Evidence.original_name)
    .where(Evidence.submission_id == bindparam("submission_id"), Evidence.removed_at.is_(None))
    .order_by(Evidence.id)
)


def engine_answers(submission: Submission) -> dict[str, Any]:
    """Answers in the scoring engine's encoding; evidence questions list their attached files.

    Read as plain columns rather than ORM rows: every autosave rescores, and building a hundred
    objects only to read two fields of each was most of that cost.
    """
    stored = plain_rows(_ENGINE_ANSWERS, submission_id=submission.id)
    answers = {qid: value for qid, raw in stored if (value := json.loads(raw)) is not None}
    files = plain_rows(_ENGINE_EVIDENCE, submission_id=submission.id)
    attached: dict[str, list[str]] = {}
    for qid, name in files:
        attached.setdefault(qid, []).append(name)
    answers.update(attached)
    return answers


def save_answer(
    submission: Submission,
    question_id: str,
    value: Any,
    *,
    base_version: int,
    base_fingerprint: str | None,
    user: User,
) -> Saved | Unchanged | Conflict:
    """Write ``value`` unless a colleague changed the answer since this user loaded version ``base_version``."""
    outcome, old = save_versioned(
        Answer,
        {"submission_id": submission.id, "question_id": question_id},
        value,
        base_version=base_version,
        base_fingerprint=base_fingerprint,
        user=user,
    )
    if isinstance(outcome, Saved):
        record(
            "answer.changed",
            user=user,
            submission_id=submission.id,
            question=question_id,
            old=old,
            new=value,
            version=outcome.version,
        )
    return outcome


@functools.cache
def _versioned_statements(model: type[Answer] | type[MemberAnswer], keys: tuple[str, ...]):
    """The read and the compare-and-set update for one versioned model, built once per model."""
    by_identity = (
        db.select(model)
        .where(*(getattr(model, key) == bindparam(key) for key in keys))
        .execution_options(populate_existing=True)
    )
    versioned_update = (
        update(model)
        .where(model.id == bindparam("row_id"), model.version == bindparam("base_version"))
        .values(
            value_json=bindparam("value_json"),
            version=bindparam("version"),
            updated_by_id=bindparam("updated_by_id"),
            updated_at=bindparam("updated_at"),
        )
        .execution_options(synchronize_session=False)
    )
    return by_identity, versioned_update


def save_versioned(
    model: type[Answer] | type[MemberAnswer],
    identity: dict[str, Any],
    value: Any,
    *,
    base_version: int,
    base_fingerprint: str | None,
    user: User,
) -> tuple[Saved | Unchanged | Conflict, Any]:
    """Optimistic locking for one versioned answer row (joint answers and member declarations alike).

    ``identity`` names the row (its unique key). ``base_fingerprint`` is the digest of the value the
    user was shown: when the posted value still equals it the user did not touch the field, so a
    colleague's newer answer is left alone. Returns the outcome and the value it replaced.
    """
    question_id = identity["question_id"]
    by_identity, versioned_update = _versioned_statements(model, tuple(sorted(identity)))

    def load():
        return db.session.scalar(by_identity, identity)

    row = load()
    current_version = row.version if row is not None else 0
    current_value = row.value if row is not None else None
    if base_fingerprint is not None and fingerprint(value) == base_fingerprint:
        return Unchanged(question_id, current_version, current_value), current_value
    if current_value == value:
        return Unchanged(question_id, current_version, current_value), current_value
    if current_version != base_version:
        return conflict_with(row, question_id, value), current_value

    now = utcnow()
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    model(**identity, value_json=json.dumps(value), version=1, updated_by_id=user.id, updated_at=now)
                )
        except IntegrityError:
            # A colleague created this answer between our read and our insert.
            return conflict_with(load(), question_id, value), current_value
        return Saved(question_id, 1), current_value
    changed = changed_rows(
        versioned_update,
        {
            "row_id": row.id,
            "base_version": base_version,
            "value_json": json.dumps(value),
            "version": base_version + 1,
            "updated_by_id": user.id,
            "updated_at": now,
        },
    )
    if changed != 1:
        return conflict_with(load(), question_id, value), current_value
    return Saved(question_id, base_version + 1), current_value


def conflict_with(row: Answer | StoredAnswer | None, question_id: str, yours: Any) -> Conflict:
    """The colleague's stored answer set against what this user tried to save."""
    return Conflict(
        question_id=question_id,
        yours=yours,
        theirs=row.value if row is not None else None,
        their_version=row.version if row is not None else 0,
        by=row.updated_by.name if row is not None and row.updated_by else "a colleague",
        at=row.updated_at if row is not None else None,
    )
