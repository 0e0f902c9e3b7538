"""Who answers which domain: the people coordinating a submission hand each domain to a named colleague."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import PROVIDER_ROLES, ApplicantMember, DomainAssignment, Organisation, Submission, User, utcnow
from .access import can_submit
from .audit import record
from .definitions import questionnaire_for
from .errors import NotAllowed
from .rows import plain_rows


def can_assign(user: User, submission: Submission) -> bool:
    """Whoever may submit for the applicant also decides who answers what."""
    return can_submit(user, submission)


def assignable_people(submission: Submission) -> list[User]:
    """Active provider users of every member organisation, lead organisation first."""
    members = db.select(ApplicantMember.organisation_id).where(ApplicantMember.applicant_id == submission.applicant_id)
    people = db.session.scalars(
        db.select(User)
        .join(Organisation, User.organisation_id == Organisation.id)
        .where(User.organisation_id.in_(members), User.role.in_(PROVIDER_ROLES), User.active.is_(True))
        .order_by(Organisation.name, User.name)
    ).all()
    lead = submission.applicant.lead_organisation_id
    return sorted(people, key=lambda person: person.organisation_id != lead)


_ASSIGNMENTS = (
    db.select(DomainAssignment)
    .where(DomainAssignment.submission_id == bindparam("submission_id"))
    .options(joinedload(DomainAssignment.user))
)


def assignments_for(submission: Submission) -> dict[str, DomainAssignment]:
    rows = db.session.scalars(_ASSIGNMENTS, {"submission_id": submission.id})
    return {row.domain_id: row for row in rows}


@dataclass(frozen=True)
class Assignee:
    id: int
    name: str


_ASSIGNEE = (
    db.select(User.id, User.name)
    .join(DomainAssignment, DomainAssignment.user_id == User.id)
    .where(
        DomainAssignment.submission_id == bindparam("submission_id"),
        DomainAssignment.domain_id == bindparam("domain_id"),
    )
)


def domain_assignee(submission: Submission, domain_id: str) -> Assignee | None:
    """Who the domain is assigned to, read as plain columns: every domain page shows it."""
    row = plain_rows(_ASSIGNEE, submission_id=submission.id, domain_id=domain_id).first()
    return Assignee(*row) if row is not None else None


def domains_assigned_to(user: User) -> list[DomainAssignment]:
    return list(
        db.session.scalars(
            db.select(DomainAssignment)
            .filter_by(user_id=user.id)
            .order_by(DomainAssignment.submission_id, DomainAssignment.id)
        )
    )


def assign_domain(submission: Submission, domain_id: str, assignee: User | None, by: User) -> bool:
    """Give the domain to ``assignee`` (None: to nobody).  Returns whether anything changed."""
    if not can_assign(by, submission):
        raise NotAllowed("Only a lead user of the lead organisation can assign domains.")
    if not submission.editable:
        raise NotAllowed("Domains cannot be reassigned once the assessment has been submitted.")
    domain = next((d for d in questionnaire_for(submission.round).joint_domains() if d.id == domain_id), None)
    if domain is None:
        raise NotAllowed("There is no such domain in this assessment.")
    if assignee is not None and assignee.id not in {person.id for person in assignable_people(submission)}:
        raise NotAllowed("Choose someone from one of the applicant's organisations.")

    current = assignments_for(submission).get(domain_id)
    old_name = current.user.name if current is not None else None
    if (current.user_id if current is not None else None) == (assignee.id if assignee is not None else None):
        return False
    if assignee is None:
        db.session.delete(current)
    elif current is not None:
        current.user_id = assignee.id
        current.assigned_by_id = by.id
        current.assigned_at = utcnow()
    else:
        try:
            with db.session.begin_nested():
                db.session.add(
                    DomainAssignment(
                        submission_id=submission.id, domain_id=domain_id, user_id=assignee.id, assigned_by_id=by.id
                    )
                )
        except IntegrityError:
            # A colleague assigned the domain at the same moment; the later choice wins, as on a re-save.
            row = db.session.scalar(
                db.select(DomainAssignment).filter_by(submission_id=submission.id, domain_id=domain_id)
            )
            old_name = row.user.name
            row.user_id, row.assigned_by_id, row.assigned_at = assignee.id, by.id, utcnow()
    # The event's name and its "section" keys are as audit trails already store them (domains were
    # called sections then); change_history reads them and says "domain".
    record(
        "section.assigned",
        user=by,
        submission_id=submission.id,
        section=domain_id,
        section_title=domain.title,
        old=old_name,
        new=assignee.name if assignee is not None else None,
    )
    return True
