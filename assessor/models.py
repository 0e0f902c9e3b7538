"""Database models.  The schema itself is created by the Alembic migrations in ``migrations/``.

Longer than the project's 500-line guide on purpose: this is one schema of small classes whose
relationships name each other, and it reads best top to bottom beside the migrations; split across
modules, every relationship would send the reader to another file.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from scoring import RECOMMENDATION_LABELS

from .extensions import db
from .states import ActionStatus, ConditionStatus, JobStatus, RoundStatus, SubmissionStatus

if TYPE_CHECKING:
    # flask-sqlalchemy makes db.Model at run time, which a type checker cannot follow; to mypy the
    # models are the plain SQLAlchemy declarative classes db.Model builds on.
    from sqlalchemy.orm import DeclarativeBase

    class Model(DeclarativeBase):
        pass

else:
    Model = db.Model


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


PROVIDER_ROLES = ("contributor", "lead")
COMMISSIONER_ROLES = ("evaluator", "moderator", "panel", "round_admin")
ROLES = PROVIDER_ROLES + COMMISSIONER_ROLES + ("site_admin",)
ROLE_LABELS = {
    "contributor": "Provider contributor",
    "lead": "Provider lead",
    "evaluator": "Evaluator",
    "moderator": "Moderator",
    "panel": "Panel member",
    "round_admin": "Round administrator",
    "site_admin": "Site administrator",
}

ORGANISATION_KINDS = {
    "acute_trust": "Acute trust",
    "acute_community_trust": "Acute and community trust",
    "community_trust": "Community trust",
    "gp_federation": "GP federation",
    "mental_health_trust": "Mental health trust",
    "social_care": "Adult social care",
    "voluntary": "Voluntary sector",
    "integrated_provider": "Integrated care provider",
    "commissioner": "Commissioner",
}

SUBMISSION_STATUSES: dict[str, str] = {
    SubmissionStatus.DRAFT: "Draft",
    SubmissionStatus.SUBMITTED: "Submitted",
    SubmissionStatus.UNDER_REVIEW: "Under moderation",
    SubmissionStatus.DECIDED: "Decided",
}


class Organisation(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))

    @property
    def kind_label(self) -> str:
        return ORGANISATION_KINDS.get(self.kind, self.kind)


class User(UserMixin, Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Changing this invalidates every session cookie issued before (logout everywhere).
    session_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_provider(self) -> bool:
        return self.role in PROVIDER_ROLES

    @property
    def is_commissioner(self) -> bool:
        return self.role in COMMISSIONER_ROLES or self.role == "site_admin"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class Definition(Model):
    """An imported questionnaire or framework file, pinned by rounds through its content hash."""

    __table_args__ = (UniqueConstraint("kind", "key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # questionnaire | framework
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    # Deferred: pages need only the hash (parsed definitions are cached by it), not the whole file.
    source: Mapped[str] = mapped_column(Text, deferred=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class Round(Model):
    if TYPE_CHECKING:
        # Set after the class, once Definition is mapped: the content hashes of its two definitions.
        questionnaire_hash: Mapped[str]
        framework_hash: Mapped[str]

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("definition.id"))
    framework_id: Mapped[int] = mapped_column(ForeignKey("definition.id"))
    deadline: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=RoundStatus.OPEN)
    # A checkpoint round follows an earlier one (selection → preferred bidder → before service start).
    previous_round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"))
    checkpoint_label: Mapped[str | None] = mapped_column(String(100))
    standstill_days: Mapped[int] = mapped_column(default=8)
    # What evaluators must verify before the panel may decide (states.VerificationScope).
    verification_scope: Mapped[str] = mapped_column(String(20), default="gate_answers", server_default="gate_answers")
    further_period_days: Mapped[int] = mapped_column(default=5)

    questionnaire: Mapped[Definition] = relationship(foreign_keys=[questionnaire_id])
    framework: Mapped[Definition] = relationship(foreign_keys=[framework_id])
    previous_round: Mapped[Round | None] = relationship(remote_side="Round.id")


def _definition_hash(definition_id_column):
    return column_property(
        select(Definition.content_hash)
        .where(Definition.id == definition_id_column)
        .correlate_except(Definition)
        .scalar_subquery()
    )


# The pinned definitions' content hashes come with every round as plain columns: parsed definitions
# are cached by hash, so most pages need no Definition row at all.
Round.questionnaire_hash = _definition_hash(Round.__table__.c.questionnaire_id)
Round.framework_hash = _definition_hash(Round.__table__.c.framework_id)


class RoundAnswer(Model):
    """The round administrator's answer to a question marked ``answered_by: round`` (a contract
    parameter such as the term or the capitated population): one for every applicant of the round,
    merged into each submission's answers before scoring.  Versioned like a provider's answer."""

    __table_args__ = (UniqueConstraint("round_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(100))
    value_json: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    updated_by: Mapped[User | None] = relationship()

    @property
    def value(self) -> Any:
        return json.loads(self.value_json)


class Applicant(Model):
    """One organisation applying alone, or an alliance: a lead organisation plus partners."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lead_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))

    lead_organisation: Mapped[Organisation] = relationship()
    members: Mapped[list[ApplicantMember]] = relationship(
        back_populates="applicant", cascade="all, delete-orphan", order_by="ApplicantMember.id"
    )

    @property
    def is_alliance(self) -> bool:
        return len(self.members) > 1

    @property
    def partners(self) -> list[Organisation]:
        return [m.organisation for m in self.members if m.organisation_id != self.lead_organisation_id]


class ApplicantMember(Model):
    __table_args__ = (UniqueConstraint("applicant_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))

    applicant: Mapped[Applicant] = relationship(back_populates="members")
    organisation: Mapped[Organisation] = relationship()


class Submission(Model):
    __table_args__ = (UniqueConstraint("round_id", "applicant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"))
    status: Mapped[str] = mapped_column(String(20), default=SubmissionStatus.DRAFT)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The engine's last result, stored so dashboards never rescore a whole round per page view.
    overall: Mapped[float | None]
    rag: Mapped[str | None] = mapped_column(String(40))
    recommendation: Mapped[str | None] = mapped_column(String(40))  # states.Recommendation
    awaiting_count: Mapped[int] = mapped_column(default=0)
    # Self-assessed answers the round requires verified that nobody has (services.verification).
    unverified_count: Mapped[int] = mapped_column(default=0, server_default="0")
    answered_count: Mapped[int] = mapped_column(default=0)
    required_count: Mapped[int] = mapped_column(default=0)
    result_json: Mapped[str | None] = mapped_column(Text)
    inputs_hash: Mapped[str | None] = mapped_column(String(64))
    scored_at: Mapped[datetime | None]

    round: Mapped[Round] = relationship()
    applicant: Mapped[Applicant] = relationship()
    submitted_by: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return SUBMISSION_STATUSES.get(self.status, self.status)

    @property
    def editable(self) -> bool:
        return self.status == SubmissionStatus.DRAFT and self.round.status == RoundStatus.OPEN

    @property
    def result(self) -> dict[str, Any] | None:
        return json.loads(self.result_json) if self.result_json else None


class Answer(Model):
    __table_args__ = (UniqueConstraint("submission_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(100))
    value_json: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the answer was copied from the applicant's submission to the previous checkpoint
    # round, and cleared once a provider user confirms or changes it.
    carried_from_round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"))

    updated_by: Mapped[User | None] = relationship()

    @property
    def value(self) -> Any:
        return json.loads(self.value_json)


class Evidence(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    uploaded_by: Mapped[User | None] = relationship()


class ModeratedScore(Model):
    """The consensus score for one question, which replaces the self-score in the engine."""

    __table_args__ = (UniqueConstraint("submission_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(100))
    score: Mapped[float]
    rationale: Mapped[str] = mapped_column(Text)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the consensus is (services.evaluation.Verdict): a verified answer replaces the provider's
    # in the engine; a judgement of evidence decides its evidence_required criteria.  Neither: the
    # score alone (written answers, and consensus recorded before verification existed).
    verified_answer_json: Mapped[str | None] = mapped_column(Text)
    sufficiency: Mapped[str | None] = mapped_column(String(20))
    evidence_location: Mapped[str | None] = mapped_column(String(300))

    moderator: Mapped[User] = relationship()


class AuditEvent(Model):
    """Append-only: database triggers refuse UPDATE and DELETE on this table."""

    __table_args__ = (Index("ix_audit_event_submission", "submission_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    action: Mapped[str] = mapped_column(String(60))
    detail_json: Mapped[str] = mapped_column(Text, default="{}")

    user: Mapped[User | None] = relationship()

    @property
    def detail(self) -> dict[str, Any]:
        return json.loads(self.detail_json)


class Invitation(Model):
    """A single-use, expiring link a provider lead sends to a colleague; only its hash is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User] = relationship()

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class DomainAssignment(Model):
    """Which named person is answering a domain of a submission."""

    # Domains were called sections when the table was made; the name stays to avoid a migration.
    __tablename__ = "section_assignment"
    __table_args__ = (UniqueConstraint("submission_id", "domain_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    domain_id: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class EvaluatorScore(Model):
    """One evaluator's independent score for one answer, on the 0–4 scale stored as 0..1."""

    __table_args__ = (UniqueConstraint("submission_id", "question_id", "evaluator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(100))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    score: Mapped[float]
    rationale: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Once other evaluators' scores could be read, a change keeps the score given before it (the
    # independent one) and needs a reason; the moderator sees both (security review F6).
    original_score: Mapped[float | None]
    original_rationale: Mapped[str | None] = mapped_column(Text)
    change_reason: Mapped[str | None] = mapped_column(Text)
    # As on ModeratedScore: the answer this evaluator says the evidence supports, or their judgement
    # of the evidence and where in it they relied; ``score`` is what that verdict scores.
    verified_answer_json: Mapped[str | None] = mapped_column(Text)
    sufficiency: Mapped[str | None] = mapped_column(String(20))
    evidence_location: Mapped[str | None] = mapped_column(String(300))
    # The verdict first given, kept like original_score once others' verdicts could be read.
    original_verified_answer_json: Mapped[str | None] = mapped_column(Text)
    original_sufficiency: Mapped[str | None] = mapped_column(String(20))

    evaluator: Mapped[User] = relationship()

    @property
    def changed_after_reveal(self) -> bool:
        return self.original_score is not None

    @property
    def independent_score(self) -> float:
        """The score given before other evaluators' scores could be read."""
        return self.score if self.original_score is None else self.original_score


class Clarification(Model):
    """A commissioner's question to the provider about an answer, and the provider's reply."""

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    question_id: Mapped[str | None] = mapped_column(String(100))
    question_text: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last day the provider is asked to reply by; unanswered after it, the question no longer holds
    # up the panel.  None only for questions asked before reply-by dates existed: open until answered.
    reply_by: Mapped[date | None]
    reply_text: Mapped[str | None] = mapped_column(Text)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    replied_at: Mapped[datetime | None]

    asked_by: Mapped[User] = relationship(foreign_keys=[asked_by_id])
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])


# The panel decides among the engine's recommendations (states.DecisionOutcome), under the same labels.
DECISION_OUTCOMES = RECOMMENDATION_LABELS


class PanelDecision(Model):
    """The gateway panel's decision.  Never edited: a correction is a new version of the decision."""

    __table_args__ = (UniqueConstraint("submission_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    outcome: Mapped[str] = mapped_column(String(40))  # states.DecisionOutcome
    gate_outcomes_json: Mapped[str] = mapped_column(Text, default="{}")  # gate id -> states.GateOutcome
    recommendation_at_decision: Mapped[str] = mapped_column(String(40))  # states.Recommendation
    inputs_hash_at_decision: Mapped[str | None] = mapped_column(String(64))
    differs_reason: Mapped[str | None] = mapped_column(Text)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date]
    follow_up_on: Mapped[date | None]
    panel_members: Mapped[str] = mapped_column(Text)
    minutes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by: Mapped[User] = relationship()
    conditions: Mapped[list[DecisionCondition]] = relationship(
        back_populates="decision", order_by="DecisionCondition.id"
    )

    @property
    def gate_outcomes(self) -> dict[str, str]:
        return json.loads(self.gate_outcomes_json or "{}")

    @property
    def outcome_label(self) -> str:
        return DECISION_OUTCOMES.get(self.outcome, self.outcome)


class DecisionCondition(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("panel_decision.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default=ConditionStatus.OPEN)
    closed_at: Mapped[datetime | None]
    closure_note: Mapped[str | None] = mapped_column(Text)

    decision: Mapped[PanelDecision] = relationship(back_populates="conditions")


class ReportJob(Model):
    """A report or export being prepared; its id is also the background queue's job id."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED)
    progress: Mapped[str] = mapped_column(String(200), default="Waiting for a worker")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    stored_name: Mapped[str | None] = mapped_column(String(64))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Written by the worker as it goes; a running job whose heartbeat stops was abandoned by a dead worker.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    requested_by: Mapped[User] = relationship()

    @property
    def params(self) -> dict[str, Any]:
        return json.loads(self.params_json or "{}")


class BankHoliday(Model):
    """Days that do not count as working days in standstill periods; configured by administrators."""

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(100))


class MemberAnswer(Model):
    """An alliance member organisation's own answer to a per-member (declaration) question."""

    __table_args__ = (UniqueConstraint("submission_id", "organisation_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    question_id: Mapped[str] = mapped_column(String(100))
    value_json: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    updated_by: Mapped[User | None] = relationship()

    @property
    def value(self) -> Any:
        return json.loads(self.value_json)


class ConflictDeclaration(Model):
    """A reviewer's declaration about one applicant in a round, made before seeing any submission."""

    __table_args__ = (UniqueConstraint("round_id", "user_id", "applicant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"))
    has_conflict: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    mitigation: Mapped[str | None] = mapped_column(Text)
    mitigated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    mitigated_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    applicant: Mapped[Applicant] = relationship()
    mitigated_by: Mapped[User | None] = relationship(foreign_keys=[mitigated_by_id])

    @property
    def blocks(self) -> bool:
        return self.has_conflict and not self.mitigation


ACTION_URGENCIES = {
    "critical": "Critical (do now)",
    "essential": "Essential (do by a date)",
    "recommended": "Recommended",
}


class ReviewAction(Model):
    """An action: an improvement reviewers ask of an applicant, tracked to closure."""

    # The table keeps its first name, from when actions were called recommendations (no migration).
    __tablename__ = "review_recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    urgency: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.OPEN)
    closure_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    @property
    def urgency_label(self) -> str:
        return ACTION_URGENCIES.get(self.urgency, self.urgency)


class DecisionPublication(Model):
    """A decision made known to the applicant, which starts the standstill period."""

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("panel_decision.id"))
    published_on: Mapped[date]
    standstill_ends_on: Mapped[date]
    published_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    final_on: Mapped[date | None]

    decision: Mapped[PanelDecision] = relationship()


class Representation(Model):
    """An applicant's challenge to a published decision, made within the standstill period."""

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("decision_publication.id"), index=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(30))  # states.RepresentationOutcome
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None]
    further_period_ends_on: Mapped[date | None]

    publication: Mapped[DecisionPublication] = relationship()
