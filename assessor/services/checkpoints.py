"""Checkpoint rounds: a round that follows an earlier one (selection → preferred bidder → service start).

Starting a checkpoint gives every applicant of the previous round a draft whose answers and evidence
are copied from its earlier submission, for the provider to confirm or update.  Each copied answer
remembers the round it came from until someone confirms or changes it.  The round's contract
parameters are copied too, for the round administrator to keep or change; a provider's earlier answer
to a question the checkpoint's questionnaire gives to the round (or to the applicant record) is not
copied, since it was never the commissioner's setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scoring import OUTCOME_LABELS, ScoreResult

from ..extensions import db
from ..models import Answer, DecisionCondition, Evidence, Round, Submission, User
from ..states import SubmissionStatus
from . import decisions, round_answers
from .audit import record
from .definitions import questionnaire_for
from .errors import RoundProblem
from .rounds import create_round
from .scores import score
from .submissions import storage


def create_checkpoint(
    previous: Round | None,
    label: str,
    name: str,
    description: str,
    questionnaire_id: int,
    framework_id: int,
    deadline: date | None,
    user: User,
) -> Round:
    """A new round following ``previous``, started at once so every earlier applicant has its draft."""
    label = (label or "").strip()
    if previous is None:
        raise RoundProblem(field="previous_round_id", message="Choose the round this checkpoint follows")
    if not label:
        raise RoundProblem(field="checkpoint_label", message="Name the checkpoint, for example ‘Preferred bidder’")
    if len(label) > 100:
        raise RoundProblem(field="checkpoint_label", message="Shorten the checkpoint name to 100 characters or fewer")
    round_ = create_round(name, description, questionnaire_id, framework_id, deadline, user)
    round_.previous_round_id, round_.checkpoint_label = previous.id, label
    record("round.checkpoint_created", user=user, round=round_.id, previous_round=previous.id, label=label)
    start_checkpoint(round_, user)
    return round_


def start_checkpoint(round_: Round, user: User) -> list[Submission]:
    """Drafts for the previous round's applicants that do not have one yet; returns the new drafts."""
    if round_.previous_round_id is None:
        raise RoundProblem(field="previous_round_id", message="This round does not follow an earlier round")
    previous = db.session.get_one(Round, round_.previous_round_id)
    round_answers.carry_forward(previous, round_, user)
    not_the_providers = {q.id for q in questionnaire_for(round_).questions() if q.answered_by != "provider"}
    present = set(db.session.scalars(db.select(Submission.applicant_id).filter_by(round_id=round_.id)))
    earlier = db.session.scalars(
        db.select(Submission).filter_by(round_id=round_.previous_round_id).order_by(Submission.id)
    ).all()
    created = []
    for old in earlier:
        if old.applicant_id in present:
            continue
        new = Submission(round_id=round_.id, applicant_id=old.applicant_id, status=SubmissionStatus.DRAFT)
        db.session.add(new)
        db.session.flush()
        answers = [
            answer
            for answer in db.session.scalars(db.select(Answer).filter_by(submission_id=old.id))
            if answer.question_id not in not_the_providers
        ]
        for answer in answers:
            db.session.add(
                Answer(
                    submission_id=new.id,
                    question_id=answer.question_id,
                    value_json=answer.value_json,
                    version=1,
                    updated_by_id=answer.updated_by_id,
                    carried_from_round_id=round_.previous_round_id,
                )
            )
        files = db.session.scalars(db.select(Evidence).filter_by(submission_id=old.id, removed_at=None)).all()
        for evidence in files:
            # A copy under a new name: removing the file from one round must not remove it from the other.
            stored_name = storage().save(storage().read(evidence.stored_name))
            db.session.add(
                Evidence(
                    submission_id=new.id,
                    question_id=evidence.question_id,
                    original_name=evidence.original_name,
                    stored_name=stored_name,
                    content_type=evidence.content_type,
                    size=evidence.size,
                    sha256=evidence.sha256,
                    uploaded_by_id=evidence.uploaded_by_id,
                    uploaded_at=evidence.uploaded_at,
                )
            )
        db.session.flush()
        db.session.refresh(new)
        score(new)
        record(
            "checkpoint.carried_forward",
            user=user,
            submission_id=new.id,
            round=round_.id,
            previous_submission=old.id,
            answers=len(answers),
            evidence=len(files),
        )
        created.append(new)
    record("round.checkpoint_started", user=user, round=round_.id, drafts=len(created))
    return created


def previous_submission(submission: Submission) -> Submission | None:
    round_ = submission.round
    if round_.previous_round_id is None:
        return None
    return db.session.scalar(
        db.select(Submission).filter_by(round_id=round_.previous_round_id, applicant_id=submission.applicant_id)
    )


def previous_submissions(round_: Round) -> dict[int, Submission]:
    """The previous round's submissions by applicant, for the dashboard's then → now column."""
    if round_.previous_round_id is None:
        return {}
    rows = db.session.scalars(db.select(Submission).filter_by(round_id=round_.previous_round_id))
    return {row.applicant_id: row for row in rows}


@dataclass(frozen=True)
class Change:
    id: str
    title: str
    then: str
    now: str

    @property
    def changed(self) -> bool:
        return self.then != self.now


@dataclass(frozen=True)
class CheckpointComparison:
    previous_round_name: str
    label: str
    previous_submission_id: int
    domains: tuple[Change, ...]
    gates: tuple[Change, ...]
    overall: Change
    conditions: tuple[DecisionCondition, ...]  # set at the previous checkpoint, with whether each is met


def _score_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def compare(submission: Submission, result: ScoreResult) -> CheckpointComparison | None:
    """How ``result`` (this submission's current result) moved since the previous checkpoint."""
    earlier = previous_submission(submission)
    if earlier is None:
        return None
    _, before = score(earlier)
    then_domains = {d.id: d for d in before.domains}
    then_gates = {g.id: g for g in before.gates}
    domains = tuple(
        Change(
            d.id,
            d.title,
            _score_text(then_domains[d.id].score) if d.id in then_domains else "not assessed",
            _score_text(d.score),
        )
        for d in result.domains
        if not d.per_member
    )
    gates = tuple(
        Change(
            g.id,
            g.title,
            OUTCOME_LABELS[then_gates[g.id].outcome] if g.id in then_gates else "not assessed",
            OUTCOME_LABELS[g.outcome],
        )
        for g in result.gates
    )
    decision = decisions.current(earlier)
    return CheckpointComparison(
        previous_round_name=earlier.round.name,
        label=submission.round.checkpoint_label or "",
        previous_submission_id=earlier.id,
        domains=domains,
        gates=gates,
        overall=Change("overall", "Overall (weighted)", _score_text(before.overall), _score_text(result.overall)),
        conditions=tuple(decision.conditions) if decision else (),
    )
