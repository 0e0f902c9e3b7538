"""Clarification questions from commissioners to the provider, and the provider's replies.

Both sides are kept with the submission and in the audit trail; a reply is final, so a follow-up
is a new clarification rather than an edit.

Each question carries a reply-by date, counted in working days like the standstill period.  A
clarification is **open** while it is unanswered and its reply-by date has not passed (the day
itself counts): the panel waits for it.  Once the date has passed unanswered it no longer holds
anything up, and the panel report lists it as unanswered.  A reply after the date is still taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, or_, update

from ..extensions import db
from ..models import ApplicantMember, Clarification, Submission, User, utcnow
from ..states import SubmissionStatus
from ..workdays import add_working_days
from . import conflicts, standstill
from .audit import record
from .definitions import questionnaire_for
from .errors import NotAllowed
from .rows import changed_rows

QUESTION_MAX_LENGTH = 2000
REPLY_MAX_LENGTH = 10_000
# The reply-by date offered when a question is asked, in working days from today.
DEFAULT_REPLY_DAYS = 5
# The longest a commissioner may give, so that a mistyped year cannot hold up the panel for ever.
MAX_REPLY_DAYS = 60
# Who may ask the provider (the review pages declare the same; this is checked again here).
ASKING_ROLES = frozenset({"evaluator", "moderator", "site_admin"})


def default_reply_by() -> date:
    """Five working days from today, skipping weekends and the listed bank holidays."""
    return add_working_days(standstill.today(), DEFAULT_REPLY_DAYS, standstill.holidays())


def is_open(clarification: Clarification, today: date | None = None) -> bool:
    """Unanswered, and its reply-by date (if it has one) has not passed."""
    if clarification.reply_text is not None:
        return False
    return clarification.reply_by is None or (today or standstill.today()) <= clarification.reply_by


def went_unanswered(clarification: Clarification, today: date | None = None) -> bool:
    """Unanswered when its reply-by date passed: the panel may proceed without the reply."""
    return (
        clarification.reply_text is None
        and clarification.reply_by is not None
        and (today or standstill.today()) > clarification.reply_by
    )


def replied_late(clarification: Clarification) -> bool:
    return (
        clarification.replied_at is not None
        and clarification.reply_by is not None
        and clarification.replied_at.date() > clarification.reply_by
    )


def open_ones(submission: Submission) -> list[Clarification]:
    """The submission's open clarifications, soonest reply-by date first."""
    today = standstill.today()
    return sorted(
        (c for c in for_submission(submission) if is_open(c, today)),
        key=lambda c: (c.reply_by or date.max, c.id),
    )


def open_counts(submission_ids: Iterable[int]) -> dict[int, int]:
    """How many open clarifications each of these submissions has (absent: none), in one query."""
    ids = list(submission_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(Clarification.submission_id, func.count(Clarification.id))
        .where(
            Clarification.submission_id.in_(ids),
            Clarification.reply_text.is_(None),
            or_(Clarification.reply_by.is_(None), Clarification.reply_by >= standstill.today()),
        )
        .group_by(Clarification.submission_id)
    )
    return {submission_id: count for submission_id, count in rows}


def describe_open(open_clarifications: list[Clarification]) -> str:
    """'1 clarification is open (reply by 12 March 2027)' and the like, for the people who wait for it."""
    count = len(open_clarifications)
    dates = sorted(c.reply_by for c in open_clarifications if c.reply_by is not None)
    undated = count - len(dates)
    if count == 1:
        when = f"reply by {dates[0]:%-d %B %Y}" if dates else "no reply-by date"
        return f"1 clarification is open ({when})"
    if not dates:
        when = "none has a reply-by date"
    else:
        when = f"the last reply-by date is {dates[-1]:%-d %B %Y}"
        if undated:
            when += f"; {undated} {'has' if undated == 1 else 'have'} no reply-by date"
    return f"{count} clarifications are open ({when})"


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


def ask(
    submission: Submission, question_id: str | None, text: str, user: User, reply_by: date | None = None
) -> Clarification:
    """Ask the provider; ``reply_by`` defaults to five working days from today."""
    if user.role not in ASKING_ROLES:
        raise NotAllowed("Only evaluators and moderators can ask the provider a clarification question.", status=403)
    conflicts.check_not_conflicted(submission, user)
    if not open_for_questions(submission):
        raise NotAllowed("Clarifications can be asked only while a submitted assessment is being reviewed.")
    if question_id and questionnaire_for(submission.round).question(question_id) is None:
        raise NotAllowed(f"{question_id} is not a question in this questionnaire.")
    text = text.strip()
    if not text:
        raise NotAllowed("Enter the question for the provider.", field="clarification")
    if len(text) > QUESTION_MAX_LENGTH:
        raise NotAllowed(f"The question must be {QUESTION_MAX_LENGTH:,} characters or fewer.", field="clarification")
    today = standstill.today()
    reply_by = reply_by or default_reply_by()
    if reply_by <= today:
        raise NotAllowed("The reply-by date must be after today.", field="reply_by")
    latest = add_working_days(today, MAX_REPLY_DAYS, standstill.holidays())
    if reply_by > latest:
        raise NotAllowed(
            f"The reply-by date can be at most {MAX_REPLY_DAYS} working days away ({latest:%-d %B %Y}).",
            field="reply_by",
        )
    clarification = Clarification(
        submission_id=submission.id,
        question_id=question_id or None,
        question_text=text,
        asked_by_id=user.id,
        reply_by=reply_by,
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
        reply_by=reply_by,
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
