"""The one scoring path used by web pages, reports and the CLI: database rows in, engine result out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm.attributes import set_committed_value

from questionnaires import Framework, Questionnaire
from scoring import ScoreResult, inputs_hash, score_submission, what_if

from ..extensions import db
from ..models import ApplicantMember, MemberAnswer, ModeratedScore, Organisation, Submission, utcnow
from . import verification
from .answers import answered_by_provider, engine_answers, questions_given_elsewhere
from .definitions import framework_for, questionnaire_for
from .moderation import consensus_value
from .rows import plain_rows


@dataclass(frozen=True)
class EngineInputs:
    questionnaire: Questionnaire
    framework: Framework
    answers: dict
    moderation: dict[str, Any]
    member_answers: dict[str, dict]
    inputs_hash: str


_MODERATED = db.select(
    ModeratedScore.question_id, ModeratedScore.score, ModeratedScore.verified_answer_json, ModeratedScore.sufficiency
).where(ModeratedScore.submission_id == bindparam("submission_id"))
_MEMBERS = (
    db.select(ApplicantMember.organisation_id, Organisation.name)
    .join(Organisation, Organisation.id == ApplicantMember.organisation_id)
    .where(ApplicantMember.applicant_id == bindparam("applicant_id"))
    .order_by(ApplicantMember.id)
)
_DECLARED = db.select(MemberAnswer.organisation_id, MemberAnswer.question_id, MemberAnswer.value_json).where(
    MemberAnswer.submission_id == bindparam("submission_id")
)


def moderation_for(submission: Submission) -> dict[str, Any]:
    """Question id -> the consensus as the engine reads it (a score, a judgement or a verified answer)."""
    rows = plain_rows(_MODERATED, submission_id=submission.id)
    return {question_id: consensus_value(score, answer, judgement) for question_id, score, answer, judgement in rows}


def member_answers_for(submission: Submission, questionnaire: Questionnaire) -> dict[str, dict]:
    """Each member organisation's own declarations, keyed by organisation name.

    Every member is present even before it has answered, so a missing declaration counts against
    the applicant instead of being overlooked.
    """
    if not questionnaire.member_domains():
        return {}
    members = dict(plain_rows(_MEMBERS, applicant_id=submission.applicant_id).all())
    declared: dict[str, dict] = {name: {} for name in members.values()}
    rows = plain_rows(_DECLARED, submission_id=submission.id)
    for organisation_id, question_id, raw in rows:
        value = json.loads(raw)
        if organisation_id in members and value is not None:
            declared[members[organisation_id]][question_id] = value
    return declared


def engine_inputs(submission: Submission) -> EngineInputs:
    questionnaire = questionnaire_for(submission.round)
    framework = framework_for(submission.round)
    answers = engine_answers(submission)
    moderation = moderation_for(submission)
    # The round's contract parameters and the applicant type are set by the commissioner and the
    # applicant record, not claimed by the provider: the engine reads them as verified answers.
    for question_id in questions_given_elsewhere(questionnaire):
        if answers.get(question_id) is not None:
            moderation[question_id] = {"answer": answers[question_id]}
    members = member_answers_for(submission, questionnaire)
    digest = inputs_hash(
        submission.round.questionnaire_hash,
        submission.round.framework_hash,
        answers,
        moderation,
        members,
    )
    return EngineInputs(questionnaire, framework, answers, moderation, members, digest)


def score_inputs(inputs: EngineInputs, *, moderated: bool = True) -> ScoreResult:
    """The engine on gathered inputs; ``moderated=False`` gives the applicant's own self-assessment."""
    return score_submission(
        inputs.questionnaire,
        inputs.framework,
        inputs.answers,
        inputs.moderation if moderated else {},
        inputs.member_answers,
    )


def what_if_inputs(inputs: EngineInputs, max_changes: int = 4):
    """The engine's fewest changes to the next recommendation, or None.

    Answers the provider does not give (a contract parameter the round sets, or the applicant type)
    are facts about the contract and the applicant, not answers it could improve: the search never
    changes them, as it never changes a member's declarations."""
    return what_if(
        inputs.questionnaire,
        inputs.framework,
        inputs.answers,
        inputs.moderation,
        max_changes=max_changes,
        member_answers=inputs.member_answers,
        fixed=questions_given_elsewhere(inputs.questionnaire),
    )


def score(submission: Submission) -> tuple[EngineInputs, ScoreResult]:
    """Score from the current answers and keep the summary on the submission row for dashboards.

    The stored summary is a cache of this function's result, named by ``inputs_hash``.  A summary
    whose hash is empty is out of date (or was never computed) and is refreshed by whoever reads
    stored summaries next (``refresh_summaries``).
    """
    inputs = engine_inputs(submission)
    result = score_inputs(inputs)
    if submission.inputs_hash != inputs.inputs_hash:
        inputs, result = _store_latest(submission, inputs, result)
    return inputs, result


_LOCK_SUBMISSION = (
    db.select(Submission.__table__.c.id)
    .where(Submission.__table__.c.id == bindparam("locked_submission_id"))
    .with_for_update()
)


def _store_latest(
    submission: Submission, inputs: EngineInputs, result: ScoreResult
) -> tuple[EngineInputs, ScoreResult]:
    """Store the summary of the inputs as they are once this transaction holds the submission.

    On PostgreSQL two moderators scoring different answers of one submission at once would each
    read the inputs without the other's uncommitted score, and the later commit would store a
    summary missing the earlier one's score, under a hash that calls it up to date.  So the row is
    locked first and the inputs read again if they moved meanwhile.  SQLite writers already hold the
    whole database from their first statement, so there is nothing to wait for there.
    """
    if db.session.get_bind().dialect.name != "sqlite":
        plain_rows(_LOCK_SUBMISSION, locked_submission_id=submission.id)
        latest = engine_inputs(submission)
        if latest.inputs_hash != inputs.inputs_hash:
            inputs, result = latest, score_inputs(latest)
    _store(submission, inputs, result)
    return inputs, result


# The mapped class's table: declarative types it as any FromClause, but it is a Table.
_SUBMISSIONS = cast(Table, Submission.__table__)
_STORE_SUMMARY = (
    update(_SUBMISSIONS)
    .where(_SUBMISSIONS.c.id == bindparam("stored_submission_id"))
    .execution_options(synchronize_session=False)
)


def _store(submission: Submission, inputs: EngineInputs, result: ScoreResult) -> None:
    progress = domain_progress(inputs.questionnaire, result)
    summary = {
        "overall": result.overall,
        "rag": result.rag,
        "recommendation": result.recommendation,
        "awaiting_count": len(result.awaiting_evaluation),
        "unverified_count": len(verification.status(result, inputs.framework, submission.round).unverified),
        "answered_count": sum(p.answered for p in progress.values()),
        "required_count": sum(p.required for p in progress.values()),
        "result_json": json.dumps(result.to_dict(), sort_keys=True),
        "inputs_hash": inputs.inputs_hash,
        "scored_at": utcnow(),
    }
    # One plain UPDATE now, in the caller's transaction, instead of a unit-of-work flush at commit
    # (every autosave stores a summary); the loaded object is told the same values as already saved.
    plain_rows(_STORE_SUMMARY, stored_submission_id=submission.id, **summary)
    for name, value in summary.items():
        set_committed_value(submission, name, value)


def summary_out_of_date(submission: Submission) -> None:
    """Mark the stored summary stale after a provider changed answers, instead of rescoring now.

    Providers autosave every field, hundreds of times per submission, and nobody reads the stored
    summary of a draft in between: their own pages score afresh, and the commissioners' dashboard
    and exports refresh stale summaries before reading them.  Rescoring on every autosave was a
    third of its cost.  On PostgreSQL the UPDATE also takes the submission's row lock, which
    ``refresh_summaries`` waits for, so a refresh never overwrites a later change with an older one.
    """
    plain_rows(_STORE_SUMMARY, stored_submission_id=submission.id, inputs_hash=None)
    set_committed_value(submission, "inputs_hash", None)


_ROUND_SUMMARIES = (
    update(_SUBMISSIONS)
    .where(_SUBMISSIONS.c.round_id == bindparam("stale_round_id"))
    .values(inputs_hash=None)
    .execution_options(synchronize_session=False)
)


def round_summaries_out_of_date(round_id: int) -> None:
    """Mark every stored summary of a round stale after its contract parameters changed: they are
    part of every submission's answers, so each is rescored by the next reader (``refresh_summaries``)."""
    plain_rows(_ROUND_SUMMARIES, stale_round_id=round_id)
    for submission in db.session.identity_map.values():
        if isinstance(submission, Submission) and submission.round_id == round_id:
            set_committed_value(submission, "inputs_hash", None)


_STALE_IN_ROUNDS = (
    db.select(Submission)
    .where(Submission.round_id.in_(bindparam("round_ids", expanding=True)), Submission.inputs_hash.is_(None))
    .order_by(Submission.id)
    .with_for_update()
)


def refresh_summaries(*round_ids: int | None) -> int:
    """Rescore every submission of these rounds whose stored summary is out of date; commits.

    Called before anything reads stored summaries (dashboards, exports).  The rows are locked first
    (on PostgreSQL; SQLite writers take turns anyway), so an autosave that is still running either
    finishes before the refresh reads its answers or marks the summary stale again after it.  The
    refreshed summaries are committed at once, so the work is kept and the lock released even when
    the caller only reads.  Returns how many summaries were refreshed.
    """
    ids = [round_id for round_id in round_ids if round_id is not None]
    if not ids:
        return 0
    stale = db.session.scalars(_STALE_IN_ROUNDS, {"round_ids": ids}).all()
    for submission in stale:
        # Already locked, and the inputs are read after the lock: store without locking again.
        inputs = engine_inputs(submission)
        _store(submission, inputs, score_inputs(inputs))
    if stale:
        db.session.commit()
    return len(stale)


@dataclass(frozen=True)
class DomainProgress:
    answered: int
    required: int
    touched: int

    @property
    def status(self) -> str:
        if self.required and self.answered >= self.required:
            return "Complete"
        if self.touched:
            return "In progress"
        return "Not started"

    @property
    def percent(self) -> int:
        return 100 if not self.required else round(100 * self.answered / self.required)


def domain_progress(questionnaire: Questionnaire, result: ScoreResult) -> dict[str, DomainProgress]:
    """Answered / required visible questions per domain, as the overview and the submit check show."""
    details = _question_details(result)
    progress = {}
    for domain in questionnaire.domains:
        answered = required = touched = 0
        for question in domain.questions:
            detail = details.get(question.id)
            if detail is None or not detail.visible or not answered_by_provider(question):
                continue
            touched += detail.answered
            if question.required:
                required += 1
                answered += detail.answered
        progress[domain.id] = DomainProgress(answered, required, touched)
    return progress


def missing_required(questionnaire: Questionnaire, result: ScoreResult) -> list[tuple[str, str, str]]:
    """(domain id, question id, question text) for each unanswered required visible question."""
    details = _question_details(result)
    missing = []
    for domain in questionnaire.domains:
        for question in domain.questions:
            detail = details.get(question.id)
            if (
                question.required
                and answered_by_provider(question)
                and detail is not None
                and detail.visible
                and not detail.answered
            ):
                missing.append((domain.id, question.id, question.text))
    return missing


def _question_details(result: ScoreResult) -> dict:
    return {q.id: q for d in result.domains for q in d.questions}
