"""The gateway panel report for one submission."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from questionnaires.model import Framework, Questionnaire
from scoring import OUTCOME_LABELS, RECOMMENDATION_LABELS, ScoreResult

from .charts import domain_bar_chart
from .rendering import html_to_pdf, render_html

RECOMMENDATION_SENTENCES = {
    "proceed": "The applicant meets every gateway criterion: the panel is recommended to proceed.",
    "proceed_with_conditions": (
        "No gate fails, but some criteria are not met: the panel is recommended to proceed with conditions."
    ),
    "open_procurement": (
        "At least one gate fails: the panel is recommended to default to open procurement."
    ),
}


@dataclass(frozen=True)
class PanelReport:
    round_name: str
    applicant_name: str
    lead_organisation: str
    partners: list[str]
    status_label: str
    questionnaire: Questionnaire
    framework: Framework
    result: ScoreResult
    answers: dict[str, Any]
    evidence: dict[str, list[tuple[str, str]]]
    questionnaire_hash: str
    framework_hash: str
    inputs_hash: str
    generated_at: datetime
    audit_event_count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_draft(self) -> bool:
        return bool(self.result.awaiting_evaluation)


def render_panel_html(report: PanelReport) -> str:
    result = report.result
    chart = domain_bar_chart(
        [(d.title, d.score) for d in result.domains],
        title="Domain scores (0 to 100)",
    )
    return render_html(
        "panel.html",
        report=report,
        result=result,
        recommendation_label=RECOMMENDATION_LABELS[result.recommendation],
        recommendation_sentence=RECOMMENDATION_SENTENCES[result.recommendation],
        outcome_labels=OUTCOME_LABELS,
        domain_chart=chart,
        question_index=report.questionnaire.question_index,
    )


def render_panel_pdf(report: PanelReport) -> bytes:
    return html_to_pdf(render_panel_html(report))
