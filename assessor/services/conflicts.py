"""Conflicts of interest: reviewers declare, per applicant, before seeing any submission of a round.

A declared conflict stops that person scoring, moderating or deciding on that applicant until a
round administrator records how the conflict is mitigated.  Round and site administrators run the
process rather than judge applicants, so they do not declare.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..extensions import db
from ..models import (
    ROLE_LABELS,
    Applicant,
    ConflictDeclaration,
    EvaluatorScore,
    ModeratedScore,
    PanelDecision,
    Round,
    Submission,
    User,
    utcnow,
)
from .audit import record
from .errors import NotAllowed

DECLARING_ROLES = frozenset({"evaluator", "moderator", "panel"})
TEXT_MAX_LENGTH = 5000


def applicants(round_: Round) -> list[Applicant]:
    return list(
        db.session.scalars(
            db.select(Applicant)
            .join(Submission, Submission.applicant_id == Applicant.id)
            .where(Submission.round_id == round_.id)
            .order_by(Applicant.name, Applicant.id)
        )
    )


def declarations_of(round_: Round, user: User) -> dict[int, ConflictDeclaration]:
    rows = db.session.scalars(db.select(ConflictDeclaration).filter_by(round_id=round_.id, user_id=user.id))
    return {row.applicant_id: row for row in rows}


def must_declare(round_: Round, user: User) -> bool:
    """True while ``user`` has to declare for some applicant before seeing the round's submissions."""
    if user.role not in DECLARING_ROLES:
        return False
    # Asked of the database in one query: this runs before every page of the round, and loading
    # every applicant and declaration of a large round took most of a dashboard's time.
    declared = db.select(ConflictDeclaration.id).where(
        ConflictDeclaration.round_id == round_.id,
        ConflictDeclaration.user_id == user.id,
        ConflictDeclaration.applicant_id == Submission.applicant_id,
    )
    undeclared = db.select(Submission.id).where(Submission.round_id == round_.id, ~declared.exists()).limit(1)
    return db.session.scalar(undeclared) is not None


@dataclass(frozen=True)
class DeclarationInput:
    applicant_id: int
    has_conflict: bool
    description: str


def declare(round_: Round, user: User, entries: list[DeclarationInput]) -> list[tuple[int, str]]:
    """Save ``user``'s declarations; returns (applicant id, problem) pairs and saves nothing if any.

    Changing a declaration clears its mitigation, which was agreed for what was declared before.
    """
    if user.role not in DECLARING_ROLES:
        raise NotAllowed("Only evaluators, moderators and panel members declare conflicts of interest.")
    known = {a.id: a for a in applicants(round_)}
    given = {entry.applicant_id: entry for entry in entries if entry.applicant_id in known}
    problems = []
    for applicant_id, applicant in known.items():
        entry = given.get(applicant_id)
        if entry is None:
            problems.append((applicant_id, f"Say whether you have a conflict of interest with {applicant.name}"))
        elif entry.has_conflict and not entry.description.strip():
            problems.append((applicant_id, f"Describe your conflict of interest with {applicant.name}"))
        elif len(entry.description) > TEXT_MAX_LENGTH:
            problems.append(
                (
                    applicant_id,
                    f"Shorten the description for {applicant.name} to {TEXT_MAX_LENGTH:,} characters or fewer",
                )
            )
    if problems:
        return problems
    existing = declarations_of(round_, user)
    for applicant_id, entry in given.items():
        description = entry.description.strip() if entry.has_conflict else ""
        row = existing.get(applicant_id)
        if row is not None and (row.has_conflict, row.description) == (entry.has_conflict, description):
            continue
        old = (
            None
            if row is None
            else {"has_conflict": row.has_conflict, "description": row.description, "mitigation": row.mitigation}
        )
        if row is None:
            row = ConflictDeclaration(round_id=round_.id, user_id=user.id, applicant_id=applicant_id)
            db.session.add(row)
        row.has_conflict, row.description, row.declared_at = entry.has_conflict, description, utcnow()
        row.mitigation = row.mitigated_by_id = row.mitigated_at = None
        db.session.flush()
        submission_id = db.session.scalar(
            db.select(Submission.id).filter_by(round_id=round_.id, applicant_id=applicant_id)
        )
        record(
            "conflict.declared",
            user=user,
            submission_id=submission_id,
            round=round_.id,
            applicant=known[applicant_id].name,
            old=old,
            new={"has_conflict": entry.has_conflict, "description": description},
        )
    return []


def round_declarations(round_: Round) -> list[ConflictDeclaration]:
    return list(
        db.session.scalars(
            db.select(ConflictDeclaration)
            .filter_by(round_id=round_.id)
            .order_by(
                ConflictDeclaration.has_conflict.desc(), ConflictDeclaration.applicant_id, ConflictDeclaration.user_id
            )
        )
    )


def mitigate(declaration: ConflictDeclaration, mitigation: str, user: User) -> None:
    mitigation = (mitigation or "").strip()
    if not declaration.has_conflict:
        raise NotAllowed("Only a declared conflict needs a mitigation.")
    if not mitigation:
        raise NotAllowed("Describe how the conflict is mitigated")
    if len(mitigation) > TEXT_MAX_LENGTH:
        raise NotAllowed(f"Shorten the mitigation to {TEXT_MAX_LENGTH:,} characters or fewer")
    old = declaration.mitigation
    declaration.mitigation, declaration.mitigated_by_id, declaration.mitigated_at = mitigation, user.id, utcnow()
    submission_id = db.session.scalar(
        db.select(Submission.id).filter_by(round_id=declaration.round_id, applicant_id=declaration.applicant_id)
    )
    record(
        "conflict.mitigated",
        user=user,
        submission_id=submission_id,
        round=declaration.round_id,
        declared_by=declaration.user.name,
        applicant=declaration.applicant.name,
        old=old,
        new=mitigation,
    )


def blocking(submission: Submission, user: User) -> ConflictDeclaration | None:
    """The user's unmitigated conflict with this submission's applicant, if there is one."""
    row = db.session.scalar(
        db.select(ConflictDeclaration).filter_by(
            round_id=submission.round_id, user_id=user.id, applicant_id=submission.applicant_id
        )
    )
    return row if row is not None and row.blocks else None


def check_not_conflicted(submission: Submission, user: User) -> None:
    """Refuse any change to the submission by someone with an unmitigated conflict with its applicant.

    Every service that changes a submission's review (scores, consensus, clarifications, actions,
    conditions, reopening, decisions, publication and representations) calls this itself, so that no
    page, command or job can act past a declared conflict.  It is 403: the person is not allowed,
    whatever they post.
    """
    if blocking(submission, user) is not None:
        raise NotAllowed(
            f"You declared a conflict of interest with {submission.applicant.name}, so you cannot "
            "score, moderate, decide or take any other action on its assessment until a round "
            "administrator records how the conflict is mitigated.",
            status=403,
        )


@dataclass(frozen=True)
class CommitteeMember:
    name: str
    role: str
    parts: tuple[str, ...]  # what they did on this submission: scored, moderated, decided
    declaration: ConflictDeclaration | None


def committee(submission: Submission) -> list[CommitteeMember]:
    """Everyone who scored, moderated or recorded a decision on this submission, with their declaration."""
    parts: dict[int, list[str]] = {}
    for label, query in (
        ("scored answers", db.select(EvaluatorScore.evaluator_id).filter_by(submission_id=submission.id)),
        ("moderated answers", db.select(ModeratedScore.moderator_id).filter_by(submission_id=submission.id)),
        ("recorded the decision", db.select(PanelDecision.recorded_by_id).filter_by(submission_id=submission.id)),
    ):
        for user_id in set(db.session.scalars(query)):
            parts.setdefault(user_id, []).append(label)
    declarations = {
        row.user_id: row
        for row in db.session.scalars(
            db.select(ConflictDeclaration).filter_by(round_id=submission.round_id, applicant_id=submission.applicant_id)
        )
    }
    members = []
    for user_id, done in parts.items():
        user = db.session.get_one(User, user_id)
        members.append(
            CommitteeMember(user.name, ROLE_LABELS.get(user.role, user.role), tuple(done), declarations.get(user_id))
        )
    return sorted(members, key=lambda m: m.name)
