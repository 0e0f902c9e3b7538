"""What evaluators have verified of a submission, and what must still be before the panel decides.

The round sets the scope (``states.VerificationScope``): by default every answer a gate criterion
reads directly must be verified; a round may require every answer that counts towards a score.
Answers awaiting evaluation (written answers, and evidence nobody has judged) always must be.
Evaluators may verify more than the scope asks ("sampling"), and that is shown as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from questionnaires import Framework
from scoring import ScoreResult

from ..models import Round
from ..states import VerificationScope


@dataclass(frozen=True)
class VerificationStatus:
    """One submission's verification, as the dashboard, the submission page and the panel read it."""

    share: float | None  # of the weighted overall score, verified (``ScoreResult.verified_share``)
    awaiting: tuple[str, ...]  # written answers and evidence awaiting evaluation
    unverified: tuple[str, ...]  # self-assessed answers in the round's scope nobody has verified
    required: int  # self-assessed answers in scope
    sampled: int  # verified answers beyond the scope

    @property
    def complete(self) -> bool:
        return not self.awaiting and not self.unverified

    def blocking_message(self) -> str | None:
        """Why the panel cannot decide yet, in one sentence; None when it can."""
        parts = []
        if self.awaiting:
            count = len(self.awaiting)
            parts.append(f"{count} answer{' awaits' if count == 1 else 's await'} evaluation")
        if self.unverified:
            count = len(self.unverified)
            parts.append(f"{count} self-assessed answer{' is' if count == 1 else 's are'} not yet verified")
        if not parts:
            return None
        return " and ".join(parts) + ": the recommendation is not final until evaluators have checked them."


def gate_questions(framework: Framework) -> frozenset[str]:
    """The questions a criterion reads directly (question_min, number_min, evidence_required)."""
    return frozenset(
        c.question
        for g in framework.gates
        for c in g.criteria
        if c.type in ("question_min", "number_min", "evidence_required") and c.question
    )


def status(result: ScoreResult, framework: Framework, verification_round: Round) -> VerificationStatus:
    awaiting = tuple(result.awaiting_evaluation)
    questions = [q for d in result.domains if not d.per_member for q in d.questions]
    # Claims evaluators could check that do not wait for them: answers and files, not written answers.
    checkable = [q for q in questions if q.visible and q.claimed and q.id not in awaiting]
    gate_read = gate_questions(framework)
    if verification_round.verification_scope == VerificationScope.ALL_WEIGHTED:
        in_scope = {q.id for q in checkable if q.weight > 0 or q.id in gate_read}
    else:
        in_scope = {q.id for q in checkable if q.id in gate_read}
    verified = {q.id for q in checkable if q.verified}
    return VerificationStatus(
        share=result.verified_share,
        awaiting=awaiting,
        unverified=tuple(q.id for q in checkable if q.id in in_scope and q.id not in verified),
        required=len(in_scope),
        sampled=len({q.id for q in checkable if q.weight > 0} & verified - in_scope),
    )
