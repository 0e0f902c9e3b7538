"""Gathers what a report shows from the database and the one scoring path, then hands it to reports/.

Nothing here lays out a page: reports/ renders; this module decides what each audience may see.
"""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import func

from reports.content import (
    ApplicantSummary,
    AuditLine,
    ClarificationNote,
    Condition,
    Decision,
    EvaluatorNote,
    ModerationNote,
    Organisation,
    Provenance,
    scored_domains,
)
from reports.feedback import FeedbackReport, PublishedDecision, render_feedback_pdf
from reports.pack import render_pack_pdf
from reports.panel import (
    Action,
    Change,
    CheckpointSummary,
    CommitteeMember,
    EarlierCondition,
    PanelReport,
    RepresentationNote,
    StandstillSummary,
    render_panel_pdf,
)
from reports.programme import CohortStatistic, ProgrammeEntry, ProgrammeReport, render_programme_pdf
from scoring import ScoreResult

from ..extensions import db
from ..models import (
    DECISION_OUTCOMES,
    AuditEvent,
    ModeratedScore,
    PanelDecision,
    Round,
    Submission,
    User,
    utcnow,
)
from ..states import ConditionStatus, RoundStatus, SubmissionStatus
from . import actions, checkpoints, clarifications, conflicts, decisions, evaluation, review_status, standstill
from .answers import evidence_rows
from .audit import describe_event, record
from .definitions import questionnaire_for
from .errors import Refused
from .scores import EngineInputs, score, what_if_inputs

# The what-if search is exact but grows quickly with the number of changes; four covers the cases a
# panel can act on and keeps rendering well under a second.
WHAT_IF_LIMIT = 4


class ReportNotAvailable(Refused):
    """The report exists but this reader may not have it yet; the message says when it will be."""


def _applicant(submission: Submission) -> ApplicantSummary:
    applicant = submission.applicant
    lead = applicant.lead_organisation
    return ApplicantSummary(
        name=applicant.name,
        lead=Organisation(lead.name, lead.kind_label),
        partners=tuple(Organisation(o.name, o.kind_label) for o in applicant.partners),
    )


def _provenance(round_: Round, inputs_hash: str | None) -> Provenance:
    questionnaire, framework = round_.questionnaire, round_.framework
    return Provenance(
        questionnaire_id=questionnaire.key,
        questionnaire_version=questionnaire.version,
        questionnaire_hash=questionnaire.content_hash,
        framework_id=framework.key,
        framework_version=framework.version,
        framework_hash=framework.content_hash,
        inputs_hash=inputs_hash,
        generated_at=utcnow(),
    )


def _what_if(inputs: EngineInputs):
    return what_if_inputs(inputs, max_changes=WHAT_IF_LIMIT)


def _evidence(submission: Submission) -> dict[str, list[tuple[str, str]]]:
    return {qid: [(f.original_name, f.sha256) for f in files] for qid, files in evidence_rows(submission).items()}


def _moderation_notes(submission: Submission, viewer: User | None = None) -> dict[str, ModerationNote]:
    """Consensus scores; for an evaluator, only on the answers they have scored themselves, as on screen."""
    rows = {
        row.question_id: row
        for row in db.session.scalars(db.select(ModeratedScore).filter_by(submission_id=submission.id))
    }
    hidden = evaluation.consensus_hidden(submission, viewer, rows) if viewer is not None else frozenset()
    questionnaire = questionnaire_for(submission.round)
    return {
        qid: ModerationNote(row.score, row.rationale, evaluation.describe_verdict(row, questionnaire.question(qid)))
        for qid, row in rows.items()
        if qid not in hidden
    }


def _evaluator_notes(
    submission: Submission, viewer: User | None
) -> tuple[dict[str, list[EvaluatorNote]], dict[str, int]]:
    """Evaluator scores the viewer may read, and per question how many are withheld from them.

    An evaluator sees colleagues' scores only after scoring the answer themselves, in a report as on
    screen; without a viewer (the command line) every score is shown.
    """
    if viewer is None:
        readable = {qid: (tuple(rows), 0) for qid, rows in evaluation.scores_by_question(submission).items()}
    else:
        readable = {
            qid: (view.visible, view.hidden_count)
            for qid, view in evaluation.evaluations_for(submission, viewer).items()
        }
    questionnaire = questionnaire_for(submission.round)
    notes = {
        qid: [
            EvaluatorNote(
                row.evaluator.name,
                row.score,
                evaluation.describe_verdict(row, questionnaire.question(qid)),
                row.rationale,
            )
            for row in sorted(rows, key=lambda r: (r.evaluator.name, r.id))
        ]
        for qid, (rows, _) in readable.items()
        if rows
    }
    withheld = {qid: hidden for qid, (_, hidden) in readable.items() if hidden}
    return notes, withheld


def _clarifications(submission: Submission) -> dict[str | None, list[ClarificationNote]]:
    today = standstill.today()
    return {
        qid: [
            ClarificationNote(
                row.question_text,
                row.asked_at,
                row.reply_text,
                row.replied_at,
                reply_by=row.reply_by,
                open=clarifications.is_open(row, today),
                went_unanswered=clarifications.went_unanswered(row, today),
                late=clarifications.replied_late(row),
            )
            for row in rows
        ]
        for qid, rows in clarifications.by_question(clarifications.for_submission(submission)).items()
    }


def _conditions(decision: PanelDecision) -> tuple[Condition, ...]:
    return tuple(Condition(c.text, c.owner, c.due_on, c.status) for c in decision.conditions)


def _decision(submission: Submission) -> Decision | None:
    row = decisions.current(submission)
    if row is None:
        return None
    return Decision(
        version=row.version,
        outcome=row.outcome,
        outcome_label=row.outcome_label,
        decided_on=row.decided_on,
        panel_members=row.panel_members,
        minutes=row.minutes,
        recommendation_at_decision=row.recommendation_at_decision,
        inputs_hash_at_decision=row.inputs_hash_at_decision,
        differs_reason=row.differs_reason,
        correction_reason=row.correction_reason,
        recorded_at=row.recorded_at,
        conditions=_conditions(row),
    )


def _committee(submission: Submission) -> tuple[CommitteeMember, ...]:
    return tuple(
        CommitteeMember(
            name=m.name,
            role=m.role,
            parts=m.parts,
            declared=m.declaration is not None,
            conflict=m.declaration.description if m.declaration is not None and m.declaration.has_conflict else None,
            mitigation=m.declaration.mitigation if m.declaration is not None else None,
        )
        for m in conflicts.committee(submission)
    )


def _actions(submission: Submission) -> tuple[Action, ...]:
    return tuple(
        Action(r.urgency_label, r.text, r.owner, r.due_on, r.status, r.closure_note)
        for r in actions.for_submission(submission)
    )


def _checkpoint(submission: Submission, result) -> CheckpointSummary | None:
    comparison = checkpoints.compare(submission, result)
    if comparison is None:
        return None
    return CheckpointSummary(
        label=comparison.label,
        previous_round_name=comparison.previous_round_name,
        overall=Change(comparison.overall.title, comparison.overall.then, comparison.overall.now),
        domains=tuple(Change(c.title, c.then, c.now) for c in comparison.domains),
        gates=tuple(Change(f"{c.id} {c.title}", c.then, c.now) for c in comparison.gates),
        conditions=tuple(
            EarlierCondition(c.text, c.owner, c.due_on, c.status == ConditionStatus.MET, c.closure_note)
            for c in comparison.conditions
        ),
    )


def _standstill(submission: Submission) -> StandstillSummary | None:
    publication = standstill.publication_for(submission)
    if publication is None:
        return None
    return StandstillSummary(
        published_on=publication.published_on,
        decision_version=publication.decision.version,
        standstill_days=submission.round.standstill_days,
        standstill_ends_on=publication.standstill_ends_on,
        status=standstill.status(publication),
        final_on=standstill.final_on(publication),
        representations=tuple(
            RepresentationNote(
                r.submitted_at,
                standstill.REVIEW_OUTCOMES.get(r.outcome) if r.outcome else None,
                r.review_note,
                r.further_period_ends_on,
            )
            for r in standstill.representations_for(publication)
        ),
    )


def _follow_up(submission: Submission):
    decision = decisions.current(submission)
    return decision.follow_up_on if decision is not None else None


def _audit_summary(submission: Submission) -> tuple[AuditLine, ...]:
    # Report downloads are left out so that rendering a report does not change the next one.
    rows = db.session.execute(
        db.select(AuditEvent.action, func.count(), func.min(AuditEvent.at), func.max(AuditEvent.at))
        .where(AuditEvent.submission_id == submission.id, ~AuditEvent.action.startswith("report."))
        .group_by(AuditEvent.action)
        .order_by(func.min(AuditEvent.at), AuditEvent.action)
    )
    return tuple(
        AuditLine(action=action, label=describe_event(action), count=count, first=first, last=last)
        for action, count, first, last in rows
    )


def round_medians(round_: Round) -> tuple[dict[str, float | None], float | None, int]:
    """Median domain and overall scores of the round's submitted applicants, from their stored results."""
    stored = db.session.scalars(
        db.select(Submission.result_json).where(
            Submission.round_id == round_.id,
            Submission.status != SubmissionStatus.DRAFT,
            Submission.result_json.is_not(None),
        )
    ).all()
    records = []
    for text in stored:
        result = json.loads(text)
        records.append({**result["domains"], "overall": result["overall"]})
    if not records:
        return {}, None, 0
    medians = pd.DataFrame.from_records(records).astype(float).median(skipna=True)
    as_dict = {str(key): (None if pd.isna(value) else float(value)) for key, value in medians.items()}
    overall = as_dict.pop("overall", None)
    return as_dict, overall, len(records)


def panel_report(submission: Submission, viewer: User | None = None) -> PanelReport:
    inputs, result = score(submission)
    # Flush the refreshed stored result so the round median includes this applicant's current scores.
    db.session.flush()
    medians, overall_median, round_size = round_medians(submission.round)
    notes, withheld = _evaluator_notes(submission, viewer)
    return PanelReport(
        round_name=submission.round.name,
        applicant=_applicant(submission),
        submission_status=submission.status_label,
        status=review_status.status(submission, result),
        questionnaire=inputs.questionnaire,
        framework=inputs.framework,
        result=result,
        answers=inputs.answers,
        evidence=_evidence(submission),
        evaluations=notes,
        evaluations_withheld=withheld,
        moderation=_moderation_notes(submission, viewer),
        clarifications=_clarifications(submission),
        decision=_decision(submission),
        what_if=_what_if(inputs),
        what_if_limit=WHAT_IF_LIMIT,
        round_medians=medians,
        round_overall_median=overall_median,
        round_size=round_size,
        audit=_audit_summary(submission),
        provenance=_provenance(submission.round, inputs.inputs_hash),
        committee=_committee(submission),
        actions=_actions(submission),
        follow_up_on=_follow_up(submission),
        checkpoint=_checkpoint(submission, result),
        standstill=_standstill(submission),
    )


def panel_report_pdf(submission: Submission, user: User | None) -> bytes:
    report = panel_report(submission, user)
    pdf = render_panel_pdf(report)
    record(
        "report.panel_generated",
        user=user,
        submission_id=submission.id,
        inputs_hash=report.provenance.inputs_hash,
        status=report.report_status,
    )
    return pdf


def feedback_waiting_for(submission: Submission, result: ScoreResult | None = None) -> list[str]:
    """What the provider's feedback waits for, in words the provider reads; empty once it can be issued.

    Feedback goes out only with a decision published to the applicant (the standstill period is
    counted from publication, and until then the panel may still correct it), and never while an
    answer awaits evaluation or a clarification is open: its figures would still change.
    """
    if result is None:
        _, result = score(submission)
    status = review_status.status(submission, result)
    reasons = []
    if not status.submitted:
        reasons.append("the assessment has not been submitted")
    if status.awaiting:
        reasons.append(f"{status.awaiting} answer{'s are' if status.awaiting != 1 else ' is'} still being evaluated")
    if status.open_clarifications:
        reasons.append(clarifications.describe_open(clarifications.open_ones(submission)))
    if standstill.publication_for(submission) is None:
        reasons.append("the panel's decision has not been published")
    return reasons


def feedback_available(submission: Submission) -> bool:
    return not feedback_waiting_for(submission)


def feedback_not_available_message(waiting: list[str]) -> str:
    return "Your feedback report is not available yet: " + "; ".join(waiting) + "."


def feedback_report(submission: Submission) -> FeedbackReport:
    """The provider's own results. Built only from this submission, and carries no commissioner's name.

    The outcome is the decision published to the applicant, never merely the latest recorded and
    never the engine's recommendation: an unpublished decision or correction is the commissioners'
    until they publish it.
    """
    inputs, result = score(submission)
    publication = standstill.publication_for(submission)
    decision = publication.decision if publication is not None else None
    return FeedbackReport(
        round_name=submission.round.name,
        applicant=_applicant(submission),
        submission_status=submission.status_label,
        questionnaire=inputs.questionnaire,
        framework=inputs.framework,
        result=result,
        moderation=_moderation_notes(submission),
        decision=None
        if decision is None
        else PublishedDecision(
            outcome=decision.outcome,
            outcome_label=decision.outcome_label,
            decided_on=decision.decided_on,
            conditions=_conditions(decision),
        ),
        what_if=_what_if(inputs),
        what_if_limit=WHAT_IF_LIMIT,
        provenance=_provenance(submission.round, inputs.inputs_hash),
        not_issued=tuple(feedback_waiting_for(submission, result)),
    )


def feedback_report_pdf(submission: Submission, user: User | None, *, check_available: bool = True) -> bytes:
    """The feedback PDF; refused (``ReportNotAvailable``, saying what is awaited) until it can be issued.

    ``check_available=False`` (the command line, for commissioners preparing feedback) renders it
    anyway, marked on its cover as not for issue with the same reasons.
    """
    if check_available:
        waiting = feedback_waiting_for(submission)
        if waiting:
            raise ReportNotAvailable(feedback_not_available_message(waiting), status=409)
    report = feedback_report(submission)
    pdf = render_feedback_pdf(report)
    record(
        "report.feedback_generated",
        user=user,
        submission_id=submission.id,
        inputs_hash=report.provenance.inputs_hash,
        issued=not report.not_issued,
    )
    return pdf


def _round_submissions(round_: Round) -> list[Submission]:
    return list(db.session.scalars(db.select(Submission).filter_by(round_id=round_.id).order_by(Submission.id)))


def programme_report(round_: Round) -> ProgrammeReport:
    submissions = sorted(_round_submissions(round_), key=lambda s: s.applicant.name.lower())
    results: dict[int, ScoreResult] = {}
    for submission in submissions:
        if submission.status != SubmissionStatus.DRAFT:
            _, results[submission.id] = score(submission)
    # Scoring has brought every submitted summary up to date, so the stored statuses are current.
    statuses = review_status.statuses(submissions)
    entries = []
    for submission in submissions:
        decision = decisions.current(submission)
        entries.append(
            ProgrammeEntry(
                submission_id=submission.id,
                applicant=_applicant(submission),
                status=statuses[submission.id],
                result=results.get(submission.id),
                decision_label=decision.outcome_label if decision else None,
            )
        )
    scored = [e.result for e in entries if e.result is not None]
    return ProgrammeReport(
        round_name=round_.name,
        round_description=round_.description,
        round_status="Closed" if round_.status == RoundStatus.CLOSED else "Open",
        deadline=round_.deadline,
        entries=tuple(entries),
        domains=tuple((d.id, d.title) for d in questionnaire_for(round_).joint_domains()),
        statistics=cohort_statistics(scored),
        outcome_counts=_outcome_counts(scored),
        provenance=_provenance(round_, None),
    )


def cohort_statistics(results: list[ScoreResult]) -> tuple[CohortStatistic, ...]:
    """Count, mean, median, spread and range of each domain and the overall score across the cohort."""
    if not results:
        return ()
    domains = scored_domains(results[0])
    frame = pd.DataFrame(
        [[d.score for d in scored_domains(r)] + [r.overall] for r in results],
        columns=[d.id for d in domains] + ["overall"],
        dtype=float,
    )
    table = frame.agg(["count", "mean", "median", "std", "min", "max"]).T
    titles = {d.id: d.title for d in domains} | {"overall": "Overall (weighted)"}

    def value(x):
        return None if pd.isna(x) else float(x)

    return tuple(
        CohortStatistic(
            titles[str(key)],
            int(row["count"]),
            value(row["mean"]),
            value(row["median"]),
            value(row["std"]),
            value(row["min"]),
            value(row["max"]),
        )
        for key, row in table.iterrows()
    )


def _outcome_counts(results: list[ScoreResult]) -> dict[str, int]:
    if not results:
        return {}
    counts = pd.Series([r.recommendation for r in results]).value_counts()
    return {key: int(counts.get(key, 0)) for key in DECISION_OUTCOMES}


def programme_report_pdf(round_: Round, user: User | None) -> bytes:
    pdf = render_programme_pdf(programme_report(round_))
    record("report.programme_generated", user=user, round_id=round_.id)
    return pdf


def panel_pack_pdf(round_: Round, user: User | None) -> bytes:
    """The programme summary followed by the panel report of every submitted applicant, as one PDF."""
    programme = programme_report(round_)
    submissions = {s.id: s for s in _round_submissions(round_)}
    panels = [panel_report(submissions[e.submission_id], user) for e in programme.entries if e.result is not None]
    pdf = render_pack_pdf(programme, panels)
    record(
        "report.pack_generated",
        user=user,
        round_id=round_.id,
        submissions=[e.submission_id for e in programme.entries if e.result is not None],
    )
    return pdf
