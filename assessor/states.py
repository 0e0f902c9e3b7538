"""Every named state the application stores or compares, in one place to import from.

The application's own states are defined here; the engine's (gate outcome, recommendation) are
defined in ``scoring.states`` and a submission's review state (not submitted, draft, evaluated,
decided) in ``reports.content``, because those packages must not import the application, and all
are re-exported here.

Each member's value is exactly the string stored in the database and in stored JSON, so nothing is
migrated: a member equals its value (``SubmissionStatus.DRAFT == "draft"``), prints and formats as
it, and ``json.dumps`` writes it.  Values loaded from the database stay plain strings, which compare
equal to the members.  Human labels stay in their dictionaries, keyed by these members
(``models.SUBMISSION_STATUSES``, ``scoring.RECOMMENDATION_LABELS``, ``standstill.REVIEW_OUTCOMES``...).

Membership of a plain string is tested against those dictionaries or a set of members, never with
``value in SomeState``, which raises TypeError for a string that is not a member on Python 3.11.
"""

from __future__ import annotations

from enum import StrEnum

from reports.content import ReviewState
from scoring.states import GateOutcome, Recommendation

# The panel decides among the outcomes the engine recommends (``PanelDecision.outcome``).
DecisionOutcome = Recommendation


class SubmissionStatus(StrEnum):
    """``Submission.status``, in the order a submission moves through them."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    DECIDED = "decided"


class RoundStatus(StrEnum):
    """``Round.status``: providers can edit drafts only while the round is open."""

    OPEN = "open"
    CLOSED = "closed"


class JobStatus(StrEnum):
    """``ReportJob.status``: a report or export prepared in the background."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class ActionStatus(StrEnum):
    """``ReviewAction.status``: an action, an improvement reviewers asked of an applicant."""

    OPEN = "open"
    CLOSED = "closed"


class ConditionStatus(StrEnum):
    """``DecisionCondition.status``: a condition attached to a decision to proceed with conditions."""

    OPEN = "open"
    MET = "met"


class VerificationScope(StrEnum):
    """``Round.verification_scope``: which self-assessed answers evaluators must verify before the
    panel may record a decision (answers awaiting evaluation always must be)."""

    GATE_ANSWERS = "gate_answers"  # every answer a gate criterion reads directly
    ALL_WEIGHTED = "all_weighted"  # every answer that counts towards a score


VERIFICATION_SCOPE_LABELS: dict[str, str] = {
    VerificationScope.GATE_ANSWERS: "Every answer a gate criterion reads (evaluators may sample the rest)",
    VerificationScope.ALL_WEIGHTED: "Every answer that counts towards a score",
}


class RepresentationOutcome(StrEnum):
    """``Representation.outcome`` once reviewed (None until then)."""

    NOT_UPHELD = "not_upheld"
    UPHELD = "upheld"
    SENT_BACK = "sent_back"


# RAG bands are not states: their labels are content, read from each framework's ``rag`` list.  The
# follow-up rule (``services.decisions.FOLLOW_UP_MONTHS``) is the one place that knows labels by name.
RAG_RED = "Red"
RAG_AMBER_RED = "Amber/Red"

# Made available to every page template under these names (``create_app``).
TEMPLATE_GLOBALS: dict[str, type[StrEnum]] = {
    "SubmissionStatus": SubmissionStatus,
    "RoundStatus": RoundStatus,
    "JobStatus": JobStatus,
    "ActionStatus": ActionStatus,
    "ConditionStatus": ConditionStatus,
    "RepresentationOutcome": RepresentationOutcome,
    "VerificationScope": VerificationScope,
    "ReviewState": ReviewState,
    "Recommendation": Recommendation,
    "DecisionOutcome": DecisionOutcome,
    "GateOutcome": GateOutcome,
}

__all__ = [
    "RAG_AMBER_RED",
    "RAG_RED",
    "TEMPLATE_GLOBALS",
    "ActionStatus",
    "ConditionStatus",
    "DecisionOutcome",
    "GateOutcome",
    "JobStatus",
    "Recommendation",
    "RepresentationOutcome",
    "ReviewState",
    "RoundStatus",
    "SubmissionStatus",
    "VERIFICATION_SCOPE_LABELS",
    "VerificationScope",
]
