"""A submission's review status for people: the one place pages and reports learn it from.

*Not submitted*, *Draft — N answers awaiting evaluation / M clarifications open*, *Evaluated, for
the panel* or *Decided (version n)* (``reports.content.ReviewStatus`` words it).  What awaits
evaluation is read from the engine's result, or from the stored summary's count of the same list,
through ``awaiting_evaluation`` and ``stored_awaiting_count`` only, so whatever the engine comes to
count as awaiting evaluation is awaited everywhere at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func

from reports.content import ReviewState, ReviewStatus, awaiting_evaluation
from scoring import ScoreResult

from ..extensions import db
from ..models import PanelDecision, Submission
from ..states import SubmissionStatus
from . import clarifications, verification
from .definitions import framework_for

__all__ = [
    "ReviewState",
    "ReviewStatus",
    "awaiting_evaluation",
    "status",
    "statuses",
    "stored_awaiting_count",
]


def stored_awaiting_count(submission: Submission) -> int:
    """How many answers awaited evaluation when the summary was last stored (``services.scores``)."""
    return submission.awaiting_count or 0


def _decision_versions(submission_ids: list[int]) -> dict[int, int]:
    if not submission_ids:
        return {}
    rows = db.session.execute(
        db.select(PanelDecision.submission_id, func.max(PanelDecision.version))
        .where(PanelDecision.submission_id.in_(submission_ids))
        .group_by(PanelDecision.submission_id)
    )
    return {submission_id: version for submission_id, version in rows}


def _of(submission: Submission, awaiting: int, open_count: int, version: int | None, unverified: int) -> ReviewStatus:
    return ReviewStatus.of(
        submitted=submission.status != SubmissionStatus.DRAFT,
        awaiting=awaiting,
        open_clarifications=open_count,
        unverified=unverified,
        # A decision sent back after a representation no longer stands: the submission is under review.
        decided_version=version if submission.status == SubmissionStatus.DECIDED else None,
    )


def status(submission: Submission, result: ScoreResult) -> ReviewStatus:
    """The status of one submission, from a result the caller has just scored."""
    return _of(
        submission,
        len(awaiting_evaluation(result)),
        clarifications.open_counts([submission.id]).get(submission.id, 0),
        _decision_versions([submission.id]).get(submission.id),
        len(verification.status(result, framework_for(submission.round), submission.round).unverified),
    )


def statuses(submissions: Iterable[Submission]) -> dict[int, ReviewStatus]:
    """The status of many submissions from their stored summaries, in a fixed number of queries (dashboards)."""
    rows = list(submissions)
    ids = [s.id for s in rows]
    open_counts = clarifications.open_counts(ids)
    versions = _decision_versions(ids)
    return {
        s.id: _of(s, stored_awaiting_count(s), open_counts.get(s.id, 0), versions.get(s.id), s.unverified_count or 0)
        for s in rows
    }
