"""The gateway panel report for one submission: the paper a decision panel reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from questionnaires import Framework, Questionnaire
from scoring import OUTCOME_LABELS, RECOMMENDATION_LABELS, ScoreResult, WhatIfResult

from .charts import domain_bar_chart, radar_chart
from .content import (
    CONFIDENTIAL_MARKING,
    RECOMMENDATION_SENTENCES,
    ApplicantSummary,
    AuditLine,
    ClarificationNote,
    Decision,
    EvaluatorNote,
    ModerationNote,
    Provenance,
    ReviewState,
    ReviewStatus,
    awaiting_evaluation,
    compare_self_assessed,
    moderation_changes,
    ranked_questions,
    scored_domains,
    unmet_criteria,
)
from .rendering import documents_to_pdf, html_to_document, render_html

if TYPE_CHECKING:
    from weasyprint import Document


@dataclass(frozen=True)
class CommitteeMember:
    """Someone who scored, moderated or recorded the decision, with what they declared about the applicant."""

    name: str
    role: str
    parts: tuple[str, ...]
    declared: bool  # whether they made a declaration about this applicant at all
    conflict: str | None  # the conflict they described; None for "no conflict"
    mitigation: str | None


@dataclass(frozen=True)
class Action:
    """An action the review asked of the applicant (not the engine's recommendation)."""

    urgency_label: str
    text: str
    owner: str
    due_on: date | None
    status: str
    closure_note: str | None


@dataclass(frozen=True)
class Change:
    title: str
    then: str
    now: str


@dataclass(frozen=True)
class EarlierCondition:
    text: str
    owner: str
    due_on: date
    met: bool
    closure_note: str | None


@dataclass(frozen=True)
class CheckpointSummary:
    label: str
    previous_round_name: str
    overall: Change
    domains: tuple[Change, ...]
    gates: tuple[Change, ...]
    conditions: tuple[EarlierCondition, ...]


@dataclass(frozen=True)
class RepresentationNote:
    submitted_at: datetime
    outcome_label: str | None
    review_note: str | None
    further_period_ends_on: date | None


@dataclass(frozen=True)
class StandstillSummary:
    published_on: date
    decision_version: int
    standstill_days: int
    standstill_ends_on: date
    status: str
    final_on: date | None
    representations: tuple[RepresentationNote, ...]


@dataclass(frozen=True)
class PanelReport:
    round_name: str
    applicant: ApplicantSummary
    submission_status: str
    # Not submitted, draft (what is awaited), evaluated for the panel, or decided: the report's status.
    status: ReviewStatus
    questionnaire: Questionnaire
    framework: Framework
    result: ScoreResult
    answers: dict[str, Any]
    evidence: dict[str, list[tuple[str, str]]]
    evaluations: dict[str, list[EvaluatorNote]]
    # Scores hidden from the reader (an evaluator who has not yet scored that answer), by question.
    evaluations_withheld: dict[str, int]
    moderation: dict[str, ModerationNote]
    # Keyed by question id; None holds clarifications about the submission as a whole.
    clarifications: dict[str | None, list[ClarificationNote]]
    decision: Decision | None
    what_if: WhatIfResult | None
    what_if_limit: int
    round_medians: dict[str, float | None]
    round_overall_median: float | None
    round_size: int
    audit: tuple[AuditLine, ...]
    provenance: Provenance
    # The decision process: who judged and their conflicts, what was asked of the applicant, how the
    # applicant moved since the previous checkpoint, and the standstill after publication.
    committee: tuple[CommitteeMember, ...] = ()
    actions: tuple[Action, ...] = ()
    follow_up_on: date | None = None
    checkpoint: CheckpointSummary | None = None
    standstill: StandstillSummary | None = None

    @property
    def report_status(self) -> ReviewState:
        """The status recorded in the audit trail when the report is generated."""
        return self.status.state

    @property
    def unanswered_clarifications(self) -> list[ClarificationNote]:
        """Questions whose reply-by date passed with no reply: the panel may proceed without them."""
        return [c for notes in self.clarifications.values() for c in notes if c.went_unanswered]

    @property
    def open_clarifications(self) -> list[ClarificationNote]:
        return [c for notes in self.clarifications.values() for c in notes if c.open]


def _charts(report: PanelReport) -> dict[str, str]:
    domains = scored_domains(report.result)
    compared = compare_self_assessed(report.result)
    radar = radar_chart(
        [d.title for d in domains],
        [
            ("Self-assessed (answers with a self-score)", [compared.domain(d.id).self_assessed for d in domains]),
            ("Moderated (the same answers)", [compared.domain(d.id).moderated for d in domains]),
        ],
        title="Domain profile: self-assessed and moderated scores over the same answers (0 to 100)",
    )
    bars = domain_bar_chart(
        [(d.title, d.score) for d in domains],
        title="Moderated domain scores against the round median",
        reference=[report.round_medians.get(d.id) for d in domains] if report.round_size else None,
        reference_label=f"median of the {report.round_size} submitted applicant"
        f"{'s' if report.round_size != 1 else ''} in this round",
    )
    return {"radar": radar, "bars": bars}


def render_panel_html(report: PanelReport) -> str:
    strengths, weaknesses = ranked_questions(report.result, report.questionnaire, count=3)
    return render_html(
        "panel.html",
        report=report,
        result=report.result,
        status=report.status,
        awaiting=awaiting_evaluation(report.result),
        compared=compare_self_assessed(report.result),
        changes=moderation_changes(report.result, report.questionnaire),
        marking=CONFIDENTIAL_MARKING,
        recommendation_label=RECOMMENDATION_LABELS[report.result.recommendation],
        recommendation_labels=RECOMMENDATION_LABELS,
        recommendation_sentence=RECOMMENDATION_SENTENCES[report.result.recommendation],
        outcome_labels=OUTCOME_LABELS,
        strengths=strengths,
        weaknesses=weaknesses,
        unmet=unmet_criteria(report.result),
        domains=scored_domains(report.result),
        member_domains=[d for d in report.result.domains if d.per_member],
        gates={g.id: g for g in report.framework.gates},
        charts=_charts(report),
        question_index=report.questionnaire.question_index,
    )


def panel_document(report: PanelReport) -> Document:
    return html_to_document(render_panel_html(report))


def render_panel_pdf(report: PanelReport) -> bytes:
    return documents_to_pdf([panel_document(report)])
