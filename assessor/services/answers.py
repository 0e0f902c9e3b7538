"""Saving answers without ever losing one (optimistic locking on a per-answer version), and reading them.

A submission's answers are the provider's own plus the answers nobody in the applicant gives: the
contract parameters the round administrator sets once for the round (``answered_by: round``) and the
applicant's type, filled in from the applicant record (``answered_by: applicant``).  ``answer_rows``
and ``engine_answers`` are where the two are put together, so every page, export and score sees the
same answers; a provider's stored answer to such a question is never read.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlalchemy.exc import IntegrityError

from questionnaires import Question, Questionnaire

from ..extensions import db
from ..models import Answer, ApplicantMember, Evidence, MemberAnswer, RoundAnswer, Submission, User, utcnow
from .audit import record
from .definitions import questionnaire_for
from .errors import NotAllowed
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


def answered_by_provider(question: Question) -> bool:
    """Whether the provider gives this answer; otherwise the round or the applicant record does."""
    return question.answered_by == "provider"


def questions_given_elsewhere(questionnaire: Questionnaire) -> frozenset[str]:
    """Ids of the questions the provider does not answer."""
    return frozenset(q.id for q in questionnaire.questions() if not answered_by_provider(q))


def answer_rows(submission: Submission) -> dict[str, StoredAnswer]:
    """Every answer of the submission as it stands: the provider's, the round's and the applicant type."""
    # Plain columns, each value decoded once: building ORM objects for every answer of a submission
    # was a large share of a domain page's time.
    questionnaire = questionnaire_for(submission.round)
    elsewhere = questions_given_elsewhere(questionnaire)
    rows = plain_rows(_STORED_ANSWERS, submission_id=submission.id)
    answers = {
        question_id: StoredAnswer(
            question_id,
            json.loads(raw),
            version,
            updated_at,
            Author(author) if author is not None else None,
            carried_from,
        )
        for question_id, raw, version, updated_at, carried_from, author in rows
        if question_id not in elsewhere
    }
    if elsewhere:
        answers.update(given_elsewhere(submission, questionnaire))
    return answers


_ROUND_ANSWERS = (
    db.select(RoundAnswer.question_id, RoundAnswer.value_json, RoundAnswer.version, RoundAnswer.updated_at, User.name)
    .outerjoin(User, User.id == RoundAnswer.updated_by_id)
    .where(RoundAnswer.round_id == bindparam("round_id"))
)
_MEMBER_COUNT = db.select(func.count(ApplicantMember.id)).where(
    ApplicantMember.applicant_id == bindparam("applicant_id")
)


def round_answer_rows(round_id: int, questionnaire: Questionnaire) -> dict[str, StoredAnswer]:
    """The round administrator's answers to the round's ``answered_by: round`` questions."""
    wanted = {q.id for q in questionnaire.questions() if q.answered_by == "round"}
    if not wanted:
        return {}
    return {
        question_id: StoredAnswer(
            question_id, value, version, updated_at, Author(author) if author is not None else None, None
        )
        for question_id, raw, version, updated_at, author in plain_rows(_ROUND_ANSWERS, round_id=round_id)
        if question_id in wanted and (value := json.loads(raw)) is not None
    }


def applicant_type(submission: Submission) -> str:
    """'alliance' for an applicant with more than one member organisation, else 'single'.

    The same rule as ``Applicant.is_alliance``, counted in the database rather than by loading members."""
    members = plain_rows(_MEMBER_COUNT, applicant_id=submission.applicant_id).scalar_one()
    return "alliance" if members > 1 else "single"


def given_elsewhere(submission: Submission, questionnaire: Questionnaire) -> dict[str, StoredAnswer]:
    """The answers the provider does not give: the round's contract parameters and the applicant type."""
    answers = round_answer_rows(submission.round_id, questionnaire)
    applicant_questions = [q.id for q in questionnaire.questions() if q.answered_by == "applicant"]
    if applicant_questions:
        kind = applicant_type(submission)
        for question_id in applicant_questions:
            answers[question_id] = StoredAnswer(question_id, kind, 0, submission.created_at, None, None)
    return answers


def authors_by_domain(questionnaire: Questionnaire, rows: dict[str, StoredAnswer]) -> dict[str, list[tuple[str, int]]]:
    """Per domain, who in the applicant gave the answers as they stand now and how many each, most first."""
    authors: dict[str, list[tuple[str, int]]] = {}
    for domain in questionnaire.domains:
        counts = Counter(
            author.name
            for q in domain.questions
            if q.id in rows and answered_by_provider(q) and (author := rows[q.id].updated_by) is not None
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
    """Per domain, the latest change the applicant made to an answer or upload, and who made it."""
    latest: dict[str, LastChange | None] = {}
    for domain in questionnaire.domains:
        changes = [
            LastChange(row.updated_at, row.updated_by.name if row.updated_by else None)
            for q in domain.questions
            if answered_by_provider(q) and (row := rows.get(q.id)) is not None
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

    The one place the engine's answers are built: the provider's answers, with the round's contract
    parameters and the applicant type merged in (``given_elsewhere``).

    Read as plain columns rather than ORM rows: every autosave rescores, and building a hundred
    objects only to read two fields of each was most of that cost.
    """
    questionnaire = questionnaire_for(submission.round)
    elsewhere = questions_given_elsewhere(questionnaire)
    stored = plain_rows(_ENGINE_ANSWERS, submission_id=submission.id)
    answers = {qid: value for qid, raw in stored if qid not in elsewhere and (value := json.loads(raw)) is not None}
    files = plain_rows(_ENGINE_EVIDENCE, submission_id=submission.id)
    attached: dict[str, list[str]] = {}
    for qid, name in files:
        attached.setdefault(qid, []).append(name)
    answers.update(attached)
    if elsewhere:
        answers.update({qid: row.value for qid, row in given_elsewhere(submission, questionnaire).items()})
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
    """Write ``value`` unless a colleague changed the answer since this user loaded version ``base_version``.

    Refused for a question the provider does not answer (a contract parameter set on the round, or
    the applicant type): those are never the provider's to change."""
    question = questionnaire_for(submission.round).question(question_id)
    if question is not None and not answered_by_provider(question):
        who = "the commissioner for the whole round" if question.answered_by == "round" else "the applicant record"
        raise NotAllowed(f"This answer is set by {who}, so it cannot be changed here.", field=question_id, status=403)
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
def _versioned_statements(model: type[Answer] | type[MemberAnswer] | type[RoundAnswer], keys: tuple[str, ...]):
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
    model: type[Answer] | type[MemberAnswer] | type[RoundAnswer],
    identity: dict[str, Any],
    value: Any,
    *,
    base_version: int,
    base_fingerprint: str | None,
    user: User,
) -> tuple[Saved | Unchanged | Conflict, Any]:
    """Optimistic locking for one versioned answer row (joint answers, member declarations and round answers alike).

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


def conflict_with(row: Answer | RoundAnswer | StoredAnswer | None, question_id: str, yours: Any) -> Conflict:
    """The colleague's stored answer set against what this user tried to save."""
    return Conflict(
        question_id=question_id,
        yours=yours,
        theirs=row.value if row is not None else None,
        their_version=row.version if row is not None else 0,
        by=row.updated_by.name if row is not None and row.updated_by else "a colleague",
        at=row.updated_at if row is not None else None,
    )
