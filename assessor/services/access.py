"""Who may see which submission: the one place organisation-level access is decided."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, bindparam
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ApplicantMember, Evidence, Submission, User


def _member_of(organisation_id) -> Select:
    return db.select(ApplicantMember.applicant_id).where(ApplicantMember.organisation_id == organisation_id)


def visible_submissions(user: User) -> Select:
    query = db.select(Submission).order_by(Submission.id)
    if user.is_commissioner:
        return query
    if not user.is_provider or user.organisation_id is None:
        return query.where(False)
    return query.where(Submission.applicant_id.in_(_member_of(user.organisation_id)))


def _one_submission(*conditions) -> Select:
    # Every page about a submission needs its round (which brings its definitions' hashes) and its
    # applicant: one query.
    return (
        db.select(Submission)
        .where(Submission.id == bindparam("submission_id"), *conditions)
        .options(joinedload(Submission.round), joinedload(Submission.applicant))
    )


# Built once rather than per request: SQLAlchemy keeps a statement's cache key on the statement object,
# so reusing it skips rebuilding the key on every page.  The rule is visible_submissions' rule.
_ANY_SUBMISSION = _one_submission()
_MEMBER_SUBMISSION = _one_submission(Submission.applicant_id.in_(_member_of(bindparam("organisation_id"))))


def submission_for(user: User, submission_id: int) -> Submission:
    """The submission if ``user`` may see it; otherwise 404, so existence is never disclosed."""
    submission = None
    if user.is_commissioner:
        submission = db.session.scalar(_ANY_SUBMISSION, {"submission_id": submission_id})
    elif user.is_provider and user.organisation_id is not None:
        submission = db.session.scalar(
            _MEMBER_SUBMISSION, {"submission_id": submission_id, "organisation_id": user.organisation_id}
        )
    if submission is None:
        abort(404)
    return submission


def evidence_for(user: User, submission_id: int, evidence_id: int) -> tuple[Submission, Evidence]:
    submission = submission_for(user, submission_id)
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.submission_id != submission.id or evidence.removed_at is not None:
        abort(404)
    return submission, evidence


def can_submit(user: User, submission: Submission) -> bool:
    """Only the lead organisation's lead users may submit on behalf of an alliance."""
    return user.role == "lead" and user.organisation_id == submission.applicant.lead_organisation_id
