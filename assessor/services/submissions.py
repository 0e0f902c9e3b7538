"""Submission life cycle: evidence, submit, reopen."""
from __future__ import annotations

from flask import current_app

from ..extensions import db
from ..models import Evidence, Submission, User, utcnow
from ..uploads import CheckedUpload, LocalStorage
from .audit import record
from .scores import missing_required, score


class NotAllowed(Exception):
    """The action is refused in the submission's current state; the message says why."""


def storage() -> LocalStorage:
    return LocalStorage(current_app.config["UPLOAD_FOLDER"])


def attach_evidence(submission: Submission, question_id: str, upload: CheckedUpload, user: User) -> Evidence:
    stored_name = storage().save(upload.data)
    evidence = Evidence(
        submission_id=submission.id, question_id=question_id, original_name=upload.original_name,
        stored_name=stored_name, content_type=upload.content_type, size=len(upload.data),
        sha256=upload.sha256, uploaded_by_id=user.id,
    )
    db.session.add(evidence)
    record("evidence.attached", user=user, submission_id=submission.id, question=question_id,
           file=upload.original_name, sha256=upload.sha256, size=len(upload.data))
    return evidence


def remove_evidence(submission: Submission, evidence: Evidence, user: User) -> None:
    # The file and row stay: an audit trail that points at a vanished file would prove nothing.
    evidence.removed_at = utcnow()
    record("evidence.removed", user=user, submission_id=submission.id, question=evidence.question_id,
           file=evidence.original_name, sha256=evidence.sha256)


def submit(submission: Submission, user: User) -> None:
    if not submission.editable:
        raise NotAllowed("This submission has already been submitted or the round has closed.")
    inputs, result = score(submission)
    missing = missing_required(inputs.questionnaire, result)
    if missing:
        raise NotAllowed(f"{len(missing)} required questions are still unanswered.")
    submission.status = "submitted"
    submission.submitted_at = utcnow()
    submission.submitted_by_id = user.id
    record("submission.submitted", user=user, submission_id=submission.id, old="draft", new="submitted",
           inputs_hash=inputs.inputs_hash, recommendation=result.recommendation)


def reopen(submission: Submission, user: User, reason: str) -> None:
    if submission.status == "draft":
        raise NotAllowed("This submission is already open for editing.")
    if not reason.strip():
        raise NotAllowed("Give a reason for reopening the submission.")
    old = submission.status
    submission.status = "draft"
    record("submission.reopened", user=user, submission_id=submission.id, old=old, new="draft",
           reason=reason.strip())
