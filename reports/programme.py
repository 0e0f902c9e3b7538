"""The programme summary for a round: every applicant's outcome side by side, with cohort statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from scoring import OUTCOME_LABELS, RECOMMENDATION_LABELS, ScoreResult

from .charts import dot_chart
from .content import CONFIDENTIAL_MARKING, ApplicantSummary, Provenance, ReviewState, ReviewStatus, scored_domains
from .rendering import documents_to_pdf, html_to_document, render_html

if TYPE_CHECKING:
    from weasyprint import Document


@dataclass(frozen=True)
class ProgrammeEntry:
    submission_id: int
    applicant: ApplicantSummary
    status: ReviewStatus
    # None while the applicant has not submitted: a draft's partial scores are not compared.
    result: ScoreResult | None
    decision_label: str | None


@dataclass(frozen=True)
class CohortStatistic:
    title: str
    count: int
    mean: float | None
    median: float | None
    std: float | None
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True)
class ProgrammeReport:
    round_name: str
    round_description: str
    round_status: str
    deadline: date | None
    entries: tuple[ProgrammeEntry, ...]
    domains: tuple[tuple[str, str], ...]
    statistics: tuple[CohortStatistic, ...]
    outcome_counts: dict[str, int]
    provenance: Provenance

    @property
    def scored(self) -> list[tuple[ProgrammeEntry, ScoreResult]]:
        """Each submitted applicant with its result; drafts have none."""
        return [(e, e.result) for e in self.entries if e.result is not None]

    @property
    def awaited(self) -> list[str]:
        """What the round still waits for, across its applicants; empty when nothing."""
        not_submitted = sum(1 for e in self.entries if not e.status.submitted)
        awaiting = sum(e.status.awaiting for e in self.entries if e.status.submitted)
        open_clarifications = sum(e.status.open_clarifications for e in self.entries if e.status.submitted)
        parts = []
        if not_submitted:
            parts.append(f"{not_submitted} applicant{'s' if not_submitted != 1 else ''} not submitted")
        if awaiting:
            parts.append(f"{awaiting} answer{'s' if awaiting != 1 else ''} awaiting evaluation")
        if open_clarifications:
            parts.append(f"{open_clarifications} clarification{'s' if open_clarifications != 1 else ''} open")
        return parts

    @property
    def decided(self) -> int:
        return sum(1 for e in self.entries if e.status.state == ReviewState.DECIDED)

    @property
    def status_label(self) -> str:
        """The round's status in the words of each applicant's status; never final while anything is awaited."""
        if self.awaited:
            return "Draft — " + " / ".join(self.awaited)
        if self.entries and self.decided == len(self.entries):
            return "Decided"
        return "Evaluated, for the panel"

    @property
    def is_draft(self) -> bool:
        return bool(self.awaited)


def _comparison_chart(report: ProgrammeReport) -> str | None:
    scored = report.scored
    if not scored:
        return None
    rows = [title for _, title in report.domains] + ["Overall"]
    series = [(e.applicant.name, [d.score for d in scored_domains(r)] + [r.overall]) for e, r in scored]
    medians = [s.median for s in report.statistics]
    return dot_chart(
        rows,
        series,
        title="Domain and overall scores by applicant (0 to 100)",
        reference=medians,
        reference_label="median of the submitted applicants",
    )


def render_programme_html(report: ProgrammeReport) -> str:
    gate_ids = [g.id for g in report.scored[0][1].gates] if report.scored else []
    return render_html(
        "programme.html",
        report=report,
        marking=CONFIDENTIAL_MARKING,
        recommendation_labels=RECOMMENDATION_LABELS,
        outcome_labels=OUTCOME_LABELS,
        gate_ids=gate_ids,
        chart=_comparison_chart(report),
    )


def programme_document(report: ProgrammeReport) -> Document:
    return html_to_document(render_programme_html(report))


def render_programme_pdf(report: ProgrammeReport) -> bytes:
    return documents_to_pdf([programme_document(report)])
