"""Clarification questions from commissioners to the provider, and the provider's replies.

Both sides are kept with the submission and in the audit trail; a reply is final, so a follow-up
is a new clarification rather than an edit.
"""

from __future__ import annotations

from sqlalchemy import update

from ..extensions import db
from ..models import ApplicantMember, Clarification, Submission, User, utcnow
from ..states import SubmissionStatus
from . import conflicts
from .audit import record
from .definitions import questionnaire_for
from .errors import NotAllowed
from .rows import changed_rows

QUESTION_MAX_LENGTH = 2000
REPLY_MAX_LENGTH = 10_000


def for_submission(submission: Submission) -> list[Clarification]:
    return list(
        db.session.scalars(db.select(Clarification).filter_by(submission_id=submission.id).order_by(Clarification.id))
    )


def by_question(clarifications: list[Clarification]) -> dict[str | None, list[Clarification]]:
    grouped: dict[str | None, list[Clarification]] = {}
    for clarification in clarifications:
        grouped.setdefault(clarification.question_id, []).append(clarification)
    return grouped


def open_for_questions(submission: Submission) -> bool:
    """Whether clarifications can be asked: only while a submitted assessment is being reviewed."""
    return submission.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.UNDER_REVIEW)


def ask(submission: Submission, question_id: str | None, text: str, user: User) -> Clarification:
    conflicts.check_not_conflicted(submission, user)
    if not open_for_questions(submission):
        raise NotAllowed("Clarifications can be asked only while a submitted assessment is being reviewed.")
    if question_id and questionnaire_for(submission.round).question(question_id) is None:
        raise NotAllowed(f"{question_id} is not a question in this questionnaire.")
    text = text.strip()
    if not text:
        raise NotAllowed("Enter the question for the provider.")
    if len(text) > QUESTION_MAX_LENGTH:
        raise NotAllowed(f"The question must be {QUESTION_MAX_LENGTH:,} characters or fewer.")
    clarification = Clarification(
        submission_id=submission.id, question_id=question_id or None, question_text=text, asked_by_id=user.id
    )
    db.session.add(clarification)
    db.session.flush()
    record(
        "clarification.asked",
        user=user,
        submission_id=submission.id,
        clarification=clarification.id,
        question=question_id or None,
        text=text,
    )
    return clarification


def reply(submission: Submission, clarification_id: int, text: str, user: User) -> Clarification:
    """The provider's answer; any user of one of the applicant's organisations may give it."""
    clarification = db.session.get(Clarification, clarification_id)
    if clarification is None or clarification.submission_id != submission.id:
        raise NotAllowed("There is no such clarification for this assessment.")
    member = db.session.scalar(
        db.select(ApplicantMember.id).filter_by(
            applicant_id=submission.applicant_id, organisation_id=user.organisation_id
        )
    )
    if not user.is_provider or member is None:
        raise NotAllowed("Only people from the applicant's organisations can reply.")
    if clarification.reply_text is not None:
        raise NotAllowed("This clarification has already been answered; the commissioners can ask another.")
    text = text.strip()
    if not text:
        raise NotAllowed("Enter your reply.")
    if len(text) > REPLY_MAX_LENGTH:
        raise NotAllowed(f"The reply must be {REPLY_MAX_LENGTH:,} characters or fewer.")
    # Conditional on "not yet answered" so that of two colleagues replying at once, one reply wins whole.
    written = changed_rows(
        update(Clarification)
        .where(Clarification.id == clarification.id, Clarification.reply_text.is_(None))
        .values(reply_text=text, replied_by_id=user.id, replied_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if written != 1:
        raise NotAllowed("A colleague answered this clarification a moment ago; read their reply below.")
    db.session.refresh(clarification)
    record(
        "clarification.replied",
        user=user,
        submission_id=submission.id,
        clarification=clarification.id,
        question=clarification.question_id,
        text=text,
    )
    return clarification
