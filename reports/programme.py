"""The programme summary for a round: every applicant's outcome side by side, with cohort statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from scoring import OUTCOME_LABELS, RECOMMENDATION_LABELS, ScoreResult

from .charts import dot_chart
from .content import CONFIDENTIAL_MARKING, ApplicantSummary, Provenance, scored_domains
from .rendering import documents_to_pdf, html_to_document, render_html

if TYPE_CHECKING:
    from weasyprint import Document


@dataclass(frozen=True)
class ProgrammeEntry:
    submission_id: int
    applicant: ApplicantSummary
    status: str
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
    def awaiting_moderation(self) -> int:
        """Submitted applicants with written answers still awaiting moderation."""
        return sum(1 for _, result in self.scored if result.awaiting_evaluation)

    @property
    def is_draft(self) -> bool:
        return len(self.scored) < len(self.entries) or self.awaiting_moderation > 0


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
