"""Member declarations, each member organisation's own answers to the exclusion-ground questions of the
per-member domain: who may give them, saving them safely, and completeness.  Not to be confused with
commissioners' conflict declarations (``services/conflicts.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from questionnaires import Question, Questionnaire
from scoring import visible_question_ids

from ..extensions import db
from ..models import MemberAnswer, Organisation, Submission, User
from .answers import Conflict, Saved, Unchanged, save_versioned
from .audit import record


@dataclass(frozen=True)
class MemberDeclarations:
    """One member organisation's declarations as they stand."""

    organisation: Organisation
    is_lead: bool
    answered: int
    required: int
    declared_by: str | None
    declared_at: datetime | None

    @property
    def complete(self) -> bool:
        return self.answered >= self.required

    @property
    def status(self) -> str:
        if self.complete:
            return "Complete"
        return "In progress" if self.declared_at else "Not started"


def declaration_questions(questionnaire: Questionnaire) -> list[Question]:
    return [q for domain in questionnaire.member_domains() for q in domain.questions]


def members_of(submission: Submission) -> list[Organisation]:
    """The applicant's member organisations, the lead organisation first, then by name."""
    lead_id = submission.applicant.lead_organisation_id
    organisations = [m.organisation for m in submission.applicant.members]
    return sorted(organisations, key=lambda org: (org.id != lead_id, org.name))


def member_organisation(submission: Submission, organisation_id: int) -> Organisation | None:
    return next((org for org in members_of(submission) if org.id == organisation_id), None)


def can_declare(user: User, organisation: Organisation) -> bool:
    """A member's declarations are made by that organisation's own people and nobody else's."""
    return user.is_provider and user.organisation_id == organisation.id


def declaration_rows(submission: Submission, organisation_id: int) -> dict[str, MemberAnswer]:
    rows = db.session.scalars(
        db.select(MemberAnswer)
        .filter_by(submission_id=submission.id, organisation_id=organisation_id)
        .execution_options(populate_existing=True)
    )
    return {row.question_id: row for row in rows}


def visible_declarations(questionnaire: Questionnaire, answers: dict[str, Any]) -> set[str]:
    """The member questions one organisation's own answers show (explanations follow adverse answers)."""
    member_ids = questionnaire.member_question_ids
    return visible_question_ids(questionnaire, answers) & member_ids


def missing_declarations(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[Question]:
    visible = visible_declarations(questionnaire, answers)
    return [
        q for q in declaration_questions(questionnaire) if q.required and q.id in visible and answers.get(q.id) is None
    ]


def statuses(submission: Submission, questionnaire: Questionnaire) -> list[MemberDeclarations]:
    """Every member organisation with how far its declarations have got; members who never started included."""
    if not questionnaire.member_domains():
        return []
    lead_id = submission.applicant.lead_organisation_id
    result = []
    for organisation in members_of(submission):
        rows = declaration_rows(submission, organisation.id)
        answers = {qid: row.value for qid, row in rows.items() if row.value is not None}
        visible = visible_declarations(questionnaire, answers)
        required = [q for q in declaration_questions(questionnaire) if q.required and q.id in visible]
        latest = max(rows.values(), key=lambda row: row.updated_at, default=None)
        result.append(
            MemberDeclarations(
                organisation=organisation,
                is_lead=organisation.id == lead_id,
                answered=sum(1 for q in required if answers.get(q.id) is not None),
                required=len(required),
                declared_by=latest.updated_by.name if latest is not None and latest.updated_by else None,
                declared_at=latest.updated_at if latest is not None else None,
            )
        )
    return result


def incomplete(submission: Submission, questionnaire: Questionnaire) -> list[MemberDeclarations]:
    return [member for member in statuses(submission, questionnaire) if not member.complete]


def save_declaration(
    submission: Submission,
    organisation: Organisation,
    question_id: str,
    value: Any,
    *,
    base_version: int,
    base_fingerprint: str | None,
    user: User,
) -> Saved | Unchanged | Conflict:
    """Write one member's answer unless a colleague changed it since ``base_version`` (as answers do)."""
    identity = {"submission_id": submission.id, "organisation_id": organisation.id, "question_id": question_id}
    outcome, old = save_versioned(
        MemberAnswer, identity, value, base_version=base_version, base_fingerprint=base_fingerprint, user=user
    )
    if isinstance(outcome, Saved):
        # The event keeps its stored name: audit trails already hold "declaration.changed".
        record(
            "declaration.changed",
            user=user,
            submission_id=submission.id,
            organisation=organisation.name,
            organisation_id=organisation.id,
            question=question_id,
            old=old,
            new=value,
            version=outcome.version,
        )
    return outcome
