"""Submission life cycle: evidence, submit, reopen, and the history of changes providers read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, func, select

from questionnaires import Questionnaire
from reports.rendering import format_answer

from ..extensions import db
from ..models import SUBMISSION_STATUSES, AuditEvent, Evidence, PanelDecision, Submission, User, utcnow
from ..states import SubmissionStatus
from ..uploads import CheckedUpload, LocalStorage, UploadRejected, size_label
from . import conflicts
from .audit import record
from .confirmations import unconfirmed
from .definitions import questionnaire_for
from .errors import NotAllowed
from .member_declarations import incomplete
from .rows import plain_rows
from .scores import missing_required, score


def storage() -> LocalStorage:
    return LocalStorage(current_app.config["UPLOAD_FOLDER"])


def storage_quota() -> int:
    return int(current_app.config["SUBMISSION_STORAGE_QUOTA_BYTES"])


_STORED_BYTES = select(func.coalesce(func.sum(Evidence.size), 0)).where(
    Evidence.submission_id == bindparam("quota_submission_id")
)
_LOCK_SUBMISSION = (
    select(Submission.__table__.c.id)
    .where(Submission.__table__.c.id == bindparam("locked_submission_id"))
    .with_for_update()
)


def storage_used(submission: Submission) -> int:
    """Bytes of evidence kept for the submission, removed files included: they stay on disk for the audit trail."""
    return int(plain_rows(_STORED_BYTES, quota_submission_id=submission.id).scalar_one())


@dataclass(frozen=True)
class StorageRoom:
    used: int
    quota: int

    @property
    def label(self) -> str:
        return f"{size_label(self.used)} of {size_label(self.quota)} used"


def storage_room(submission: Submission) -> StorageRoom:
    return StorageRoom(storage_used(submission), storage_quota())


class StorageFull(UploadRejected):
    """A file would take the submission past its storage quota; ``upload`` is the file."""

    def __init__(self, upload: CheckedUpload, room: StorageRoom):
        super().__init__(
            f"'{upload.original_name}' cannot be added: it would take this assessment's files past their "
            f"{size_label(room.quota)} limit ({size_label(room.used)} is used already, including files removed "
            "from the assessment, which are kept for the record). Upload a smaller file, or contact the commissioners"
        )
        self.upload = upload


def check_storage_room(submission: Submission, uploads: Sequence[CheckedUpload]) -> None:
    """Refuse files that would take the submission's evidence past its storage quota, naming the first that does.

    The quota stops one applicant filling the disk that every applicant's files share.
    """
    room = storage_room(submission)
    used = room.used
    for upload in uploads:
        used += len(upload.data)
        if used > room.quota:
            raise StorageFull(upload, room)


def attach_evidence(submission: Submission, question_id: str, upload: CheckedUpload, user: User) -> Evidence:
    if db.session.get_bind().dialect.name != "sqlite":
        # Two uploads at once must not both fit the quota's last few megabytes; SQLite's writers
        # already queue at BEGIN IMMEDIATE.
        plain_rows(_LOCK_SUBMISSION, locked_submission_id=submission.id)
    check_storage_room(submission, [upload])
    stored_name = storage().save(upload.data)
    evidence = Evidence(
        submission_id=submission.id,
        question_id=question_id,
        original_name=upload.original_name,
        stored_name=stored_name,
        content_type=upload.content_type,
        size=len(upload.data),
        sha256=upload.sha256,
        uploaded_by_id=user.id,
    )
    db.session.add(evidence)
    record(
        "evidence.attached",
        user=user,
        submission_id=submission.id,
        question=question_id,
        file=upload.original_name,
        sha256=upload.sha256,
        size=len(upload.data),
    )
    return evidence


def remove_evidence(submission: Submission, evidence: Evidence, user: User) -> None:
    # The file and row stay: an audit trail that points at a vanished file would prove nothing.
    evidence.removed_at = utcnow()
    record(
        "evidence.removed",
        user=user,
        submission_id=submission.id,
        question=evidence.question_id,
        file=evidence.original_name,
        sha256=evidence.sha256,
    )


def submit(submission: Submission, user: User) -> None:
    if not submission.editable:
        raise NotAllowed("This submission has already been submitted or the round has closed.")
    inputs, result = score(submission)
    missing = missing_required(inputs.questionnaire, result)
    if missing:
        raise NotAllowed(f"{len(missing)} required questions are still unanswered.")
    waiting = incomplete(submission, inputs.questionnaire)
    if waiting:
        names = ", ".join(member.organisation.name for member in waiting)
        raise NotAllowed(f"Every member organisation must complete its declarations first; still to finish: {names}.")
    carried = unconfirmed(submission, inputs.questionnaire)
    if carried:
        raise NotAllowed(f"{len(carried)} answers carried forward from an earlier round are not yet confirmed.")
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_at = utcnow()
    submission.submitted_by_id = user.id
    record(
        "submission.submitted",
        user=user,
        submission_id=submission.id,
        old=SubmissionStatus.DRAFT,
        new=SubmissionStatus.SUBMITTED,
        inputs_hash=inputs.inputs_hash,
        recommendation=result.recommendation,
    )


# Only a submission still being reviewed can go back to the provider.  Once the panel has recorded a
# decision the answers it was based on must not change: the one way back is a representation sent
# back to moderation (``standstill.review_representation``), which keeps the decision's history.
REOPENABLE = frozenset({SubmissionStatus.SUBMITTED, SubmissionStatus.UNDER_REVIEW})


def reopen(submission: Submission, user: User, reason: str) -> None:
    conflicts.check_not_conflicted(submission, user)
    if submission.status == SubmissionStatus.DRAFT:
        raise NotAllowed("This submission is already open for editing.")
    decided = db.session.scalar(db.select(PanelDecision.id).filter_by(submission_id=submission.id).limit(1))
    if submission.status not in REOPENABLE or decided is not None:
        raise NotAllowed(
            "The panel has recorded a decision on this submission, so it cannot be reopened. "
            "A decision can only be changed after a representation about it."
        )
    if not reason.strip():
        raise NotAllowed("Give a reason for reopening the submission.")
    old = submission.status
    submission.status = SubmissionStatus.DRAFT
    record(
        "submission.reopened",
        user=user,
        submission_id=submission.id,
        old=old,
        new=SubmissionStatus.DRAFT,
        reason=reason.strip(),
    )


HISTORY_TEXT_LIMIT = 300
# Commissioners' own working (scoring, moderation, reports) is theirs; providers see what happened to
# their answers.  An allow-list of the audit events' full stored names, not prefixes, so that a new
# commissioner event (such as "submission.review_started") never reaches providers by accident.
# "section." events are about domains, once called sections.
_ACTION_LABELS = {
    "answer.changed": "Changed an answer",
    "answer.confirmed": "Confirmed a carried-forward answer",
    "declaration.changed": "Changed a member declaration",
    "representation.submitted": "Made a representation about the decision",
    "evidence.attached": "Uploaded a file",
    "evidence.removed": "Removed a file",
    "submission.submitted": "Submitted the assessment",
    "submission.reopened": "Reopened the assessment for changes",
    "section.assigned": "Assigned a domain",
    "clarification.asked": "Asked a clarification question",
    "clarification.replied": "Replied to a clarification question",
}
PROVIDER_HISTORY_ACTIONS = frozenset(_ACTION_LABELS)
# Providers never learn which commissioner did what: blind evaluation protects the reviewers, and the
# feedback report likewise names no commissioner.
COMMISSIONERS_TO_PROVIDERS = "The evaluation team"


def name_for_provider(user: User | None) -> str:
    """How a person who acted on a submission is named on a page or report for its provider."""
    if user is None:
        return "Gateway"
    return user.name if user.is_provider else COMMISSIONERS_TO_PROVIDERS


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    what: str
    domain: str | None = None
    subject: str | None = None
    old: str | None = None
    new: str | None = None
    note: str | None = None


def change_history(submission: Submission, page: int = 1, per_page: int = 100) -> tuple[list[HistoryEntry], int]:
    """One page of the submission's provider-visible audit trail in words, newest first, and the total."""
    query = db.select(AuditEvent).where(
        AuditEvent.submission_id == submission.id, AuditEvent.action.in_(sorted(PROVIDER_HISTORY_ACTIONS))
    )
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    events = db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(per_page).offset((page - 1) * per_page))
    questionnaire = questionnaire_for(submission.round)
    return [_describe(event, questionnaire) for event in events], total


def _describe(event: AuditEvent, questionnaire: Questionnaire) -> HistoryEntry:
    detail = event.detail
    who = name_for_provider(event.user)
    what = _ACTION_LABELS[event.action]
    question = questionnaire.question(detail["question"]) if isinstance(detail.get("question"), str) else None
    domain = questionnaire.domain_of(question.id) if question is not None else None
    domain_title = domain.title if domain is not None else detail.get("section_title")
    subject = question.text if question is not None else detail.get("question")
    if event.action in ("answer.changed", "declaration.changed"):
        # A member declaration also names the organisation it was made for; an answer has none.
        return HistoryEntry(
            event.at,
            who,
            what,
            domain_title,
            subject,
            _answer_text(detail.get("old"), question),
            _answer_text(detail.get("new"), question),
            note=detail.get("organisation"),
        )
    if event.action.startswith("evidence."):
        return HistoryEntry(event.at, who, what, domain_title, subject, note=detail.get("file"))
    if event.action.startswith("submission."):
        return HistoryEntry(
            event.at,
            who,
            what,
            old=_status(detail.get("old")),
            new=_status(detail.get("new")),
            note=detail.get("reason"),
        )
    if event.action == "section.assigned":
        return HistoryEntry(
            event.at, who, what, domain_title, old=detail.get("old") or "Nobody", new=detail.get("new") or "Nobody"
        )
    note = next((detail[key] for key in ("text", "reply", "reason") if isinstance(detail.get(key), str)), None)
    return HistoryEntry(event.at, who, what, domain_title, subject, note=_shorten(note) if note else None)


def _answer_text(value: Any, question) -> str:
    if value is None:
        return "Not answered"
    if question is None:
        return _shorten(str(value))
    return _shorten(format_answer(value, question))


def _status(value: Any) -> str | None:
    return SUBMISSION_STATUSES.get(value, value) if value else None


def _shorten(text: str) -> str:
    return text if len(text) <= HISTORY_TEXT_LIMIT else text[:HISTORY_TEXT_LIMIT].rstrip() + "…"
