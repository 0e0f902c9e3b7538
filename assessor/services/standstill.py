"""Publishing a decision to the applicant, the standstill period and representations against it.

Periods run in working days (``assessor.workdays``): weekends and the bank holidays listed in the
``bank_holiday`` table do not count.  A representation may be made up to and including the last day
of the standstill period; once the round administrator has reviewed it, a further period runs before
the decision is final.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..extensions import db
from ..models import BankHoliday, DecisionPublication, PanelDecision, Representation, Submission, User, utcnow
from ..states import RepresentationOutcome, SubmissionStatus
from ..workdays import add_working_days, is_working_day
from . import conflicts
from .audit import record
from .errors import NotAllowed

REPRESENTATION_MAX_LENGTH = 20_000
NOTE_MAX_LENGTH = 10_000
# Review outcomes after which the published decision cannot stand.
CHANGES_DECISION = frozenset({RepresentationOutcome.UPHELD, RepresentationOutcome.SENT_BACK})
REVIEW_OUTCOMES: dict[str, str] = {
    RepresentationOutcome.NOT_UPHELD: "Not upheld: the decision stands",
    RepresentationOutcome.UPHELD: "Upheld: the decision will be changed",
    RepresentationOutcome.SENT_BACK: "Sent back to moderation for a new decision",
}


def today() -> date:
    """The date the standstill rules are judged on; a function so tests can move the calendar."""
    return date.today()


def holidays() -> list[date]:
    return list(db.session.scalars(db.select(BankHoliday.day)))


def bank_holidays() -> list[BankHoliday]:
    return list(db.session.scalars(db.select(BankHoliday).order_by(BankHoliday.day)))


def add_bank_holiday(day: date, name: str, user: User) -> BankHoliday:
    name = (name or "").strip()
    if not name:
        raise NotAllowed("Enter the name of the bank holiday")
    if len(name) > 100:
        raise NotAllowed("The name must be 100 characters or fewer")
    if db.session.scalar(db.select(BankHoliday.id).filter_by(day=day)) is not None:
        raise NotAllowed(f"{day:%-d %B %Y} is already listed as a bank holiday")
    holiday = BankHoliday(day=day, name=name)
    db.session.add(holiday)
    db.session.flush()
    record("bank_holiday.added", user=user, day=day, name=name)
    return holiday


def _periods_counting(day: date) -> list[str]:
    """Every period already given to an applicant whose end was pushed back by ``day`` being a holiday.

    A weekend was never a working day, so taking one off the list moves nothing.
    """
    if not is_working_day(day, frozenset()):
        return []
    periods = []
    for publication in db.session.scalars(
        db.select(DecisionPublication)
        .where(DecisionPublication.published_on < day, DecisionPublication.standstill_ends_on >= day)
        .order_by(DecisionPublication.published_on, DecisionPublication.id)
    ):
        applicant = db.session.get_one(Submission, publication.submission_id).applicant.name
        periods.append(
            f"the standstill period of the decision published to {applicant} on "
            f"{publication.published_on:%-d %B %Y}, which ends on "
            f"{publication.standstill_ends_on:%-d %B %Y}"
        )
    for representation in db.session.scalars(
        db.select(Representation)
        .where(Representation.reviewed_at.is_not(None), Representation.further_period_ends_on >= day)
        .order_by(Representation.id)
    ):
        # The further period was counted from the review date as the server's calendar saw it, which
        # is not stored; the UTC time of the review is within a day of it either way, so a day's margin
        # errs on the side of keeping the end date the applicant was given.
        if day < representation.reviewed_at.date() - timedelta(days=1):
            continue
        applicant = db.session.get_one(Submission, representation.publication.submission_id).applicant.name
        periods.append(
            f"the further period after {applicant}'s representation, which ends on "
            f"{representation.further_period_ends_on:%-d %B %Y}"
        )
    return periods


def remove_bank_holiday(holiday: BankHoliday, user: User) -> None:
    """Take a day off the list, unless a period already published to an applicant was counted without it.

    Published end dates are stored and never recalculated, so removing such a day would leave the
    list disagreeing with a deadline the applicant relies on.
    """
    periods = _periods_counting(holiday.day)
    if periods:
        others = len(periods) - 1
        more = f" (and {others} other published period{'s' if others > 1 else ''})" if others else ""
        raise NotAllowed(
            f"{holiday.name} ({holiday.day:%-d %B %Y}) cannot be removed: it is not counted as a "
            f"working day in {periods[0]}{more}. Removing it would move a deadline the "
            "applicant has already been given."
        )
    day, name = holiday.day, holiday.name
    db.session.delete(holiday)
    db.session.flush()
    record("bank_holiday.removed", user=user, day=day, name=name)


def publication_for(submission: Submission) -> DecisionPublication | None:
    """The latest publication of a decision on this submission, if there has been one."""
    return db.session.scalar(
        db.select(DecisionPublication)
        .filter_by(submission_id=submission.id)
        .order_by(DecisionPublication.id.desc())
        .limit(1)
    )


def representations_for(publication: DecisionPublication) -> list[Representation]:
    return list(
        db.session.scalars(
            db.select(Representation).filter_by(publication_id=publication.id).order_by(Representation.id)
        )
    )


def decision_can_change(submission: Submission) -> bool:
    """Whether the panel may record a new version: never once published, unless a representation succeeded.

    The applicant relies on the published decision and its standstill period; the sanctioned way to
    change it is a representation the round administrator upheld or sent back.
    """
    publication = publication_for(submission)
    return publication is None or any(r.outcome in CHANGES_DECISION for r in representations_for(publication))


def check_decision_can_change(submission: Submission) -> None:
    """Refuse a new version of a published decision unless a representation succeeded against it."""
    if not decision_can_change(submission):
        raise NotAllowed(
            "This decision has been published to the applicant, so it cannot be corrected. "
            "It can only be changed after a representation about it is upheld or sent back.",
            field="outcome",
        )


def window_open(publication: DecisionPublication) -> bool:
    return today() <= publication.standstill_ends_on


def publish(submission: Submission, decision: PanelDecision, user: User) -> DecisionPublication:
    """Make the recorded decision known to the applicant, which starts the standstill period."""
    conflicts.check_not_conflicted(submission, user)
    if submission.status != SubmissionStatus.DECIDED or decision.submission_id != submission.id:
        raise NotAllowed("Only a recorded decision can be published to the applicant.")
    latest = publication_for(submission)
    if latest is not None and latest.decision_id == decision.id:
        raise NotAllowed(
            f"Version {decision.version} of the decision was already published on {latest.published_on:%-d %B %Y}."
        )
    published_on = today()
    publication = DecisionPublication(
        submission_id=submission.id,
        decision_id=decision.id,
        published_on=published_on,
        standstill_ends_on=add_working_days(published_on, submission.round.standstill_days, holidays()),
        published_by_id=user.id,
    )
    db.session.add(publication)
    db.session.flush()
    record(
        "decision.published",
        user=user,
        submission_id=submission.id,
        version=decision.version,
        published_on=published_on,
        standstill_ends_on=publication.standstill_ends_on,
        standstill_days=submission.round.standstill_days,
    )
    return publication


def submit_representation(publication: DecisionPublication, user: User, text: str) -> Representation:
    if not window_open(publication):
        raise NotAllowed(
            f"The standstill period ended on {publication.standstill_ends_on:%-d %B %Y}, "
            "so representations can no longer be made on this decision."
        )
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise NotAllowed("Enter your representation")
    if len(text) > REPRESENTATION_MAX_LENGTH:
        raise NotAllowed(f"Your representation must be {REPRESENTATION_MAX_LENGTH:,} characters or fewer")
    representation = Representation(publication_id=publication.id, submitted_by_id=user.id, text=text)
    db.session.add(representation)
    db.session.flush()
    record(
        "representation.submitted",
        user=user,
        submission_id=publication.submission_id,
        publication_id=publication.id,
        representation_id=representation.id,
        text=text,
    )
    return representation


def review_representation(representation: Representation, outcome: str, note: str, user: User) -> Representation:
    """Record the round administrator's review; "sent back" reopens the submission for a new decision."""
    publication = representation.publication
    submission = db.session.get_one(Submission, publication.submission_id)
    conflicts.check_not_conflicted(submission, user)
    if representation.outcome is not None:
        raise NotAllowed("This representation has already been reviewed.")
    if outcome not in REVIEW_OUTCOMES:
        raise NotAllowed("Choose the outcome of the review")
    note = (note or "").strip()
    if not note:
        raise NotAllowed("Explain the outcome of the review")
    if len(note) > NOTE_MAX_LENGTH:
        raise NotAllowed(f"Shorten the note to {NOTE_MAX_LENGTH:,} characters or fewer")
    reviewed_on = today()
    representation.outcome, representation.review_note = outcome, note
    representation.reviewed_by_id, representation.reviewed_at = user.id, utcnow()
    representation.further_period_ends_on = add_working_days(
        reviewed_on, submission.round.further_period_days, holidays()
    )
    old_status = submission.status
    if outcome == RepresentationOutcome.SENT_BACK:
        # The published decision no longer stands: the panel must record a new version.
        submission.status = SubmissionStatus.UNDER_REVIEW
    record(
        "representation.reviewed",
        user=user,
        submission_id=submission.id,
        representation_id=representation.id,
        outcome=outcome,
        note=note,
        further_period_ends_on=representation.further_period_ends_on,
        old_status=old_status,
        new_status=submission.status,
    )
    return representation


def final_on(publication: DecisionPublication) -> date | None:
    """When the published decision becomes final, or None while that cannot be known yet.

    Without representations it is final once the standstill period ends; with representations, once
    every one is reviewed and the latest further period has run.  A decision a representation
    succeeded against (upheld or sent back) never becomes final: a new version has to be recorded
    and published.
    """
    representations = representations_for(publication)
    if not representations:
        return publication.standstill_ends_on
    if any(r.outcome is None or r.outcome in CHANGES_DECISION for r in representations):
        return None
    # Every representation is reviewed here, so each has its further period.
    return max((r.further_period_ends_on for r in representations if r.further_period_ends_on), default=None)


def status(publication: DecisionPublication) -> str:
    """A short sentence on where the publication stands today."""
    representations = representations_for(publication)
    ends = final_on(publication)
    if any(r.outcome == RepresentationOutcome.SENT_BACK for r in representations):
        return "Sent back after a representation: a new decision must be recorded and published."
    if any(r.outcome == RepresentationOutcome.UPHELD for r in representations):
        return "A representation was upheld: the panel must record a corrected decision and publish it."
    if any(r.outcome is None for r in representations):
        return "A representation is waiting for review."
    if window_open(publication):
        return f"In standstill until the end of {publication.standstill_ends_on:%-d %B %Y}."
    if ends is not None and today() <= ends:
        return f"Further period after review: the decision is final after {ends:%-d %B %Y}."
    return f"Final since {ends:%-d %B %Y}." if ends else ""


def final_since(publication: DecisionPublication) -> date | None:
    """The day the published decision became final, if it has; pages work it out as they read."""
    ends = final_on(publication)
    return ends if ends is not None and today() > ends else None


def settle(publication: DecisionPublication) -> bool:
    """Store the date the decision became final once that date has passed (idempotent).

    Run by ``flask settle-decisions`` (daily), never by a page: reading a page changes nothing.
    """
    ends = final_since(publication)
    if publication.final_on is not None or ends is None:
        return False
    publication.final_on = ends
    record("decision.final", submission_id=publication.submission_id, publication_id=publication.id, final_on=ends)
    return True


def settle_all() -> int:
    """Store every published decision that has become final since the last run; how many were."""
    unsettled = db.session.scalars(db.select(DecisionPublication).where(DecisionPublication.final_on.is_(None)))
    return sum(settle(publication) for publication in unsettled)
