"""Feedback for a provider on its own submission: scores, strengths, improvement areas, what-if.

The report's inputs carry nothing about other applicants and no commissioner's name, so a template
change cannot leak them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from questionnaires import Framework, Questionnaire
from scoring import OUTCOME_LABELS, RECOMMENDATION_LABELS, ScoreResult, WhatIfResult

from .charts import radar_chart
from .content import (
    CONFIDENTIAL_MARKING,
    ApplicantSummary,
    Condition,
    ModerationNote,
    Provenance,
    compare_self_assessed,
    ranked_questions,
    scored_domains,
    unmet_criteria,
)
from .rendering import documents_to_pdf, html_to_document, render_html


@dataclass(frozen=True)
class PublishedDecision:
    """What a provider is told of the panel's decision: the outcome and its conditions."""

    outcome: str
    outcome_label: str
    decided_on: date
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class FeedbackReport:
    round_name: str
    applicant: ApplicantSummary
    submission_status: str
    questionnaire: Questionnaire
    framework: Framework
    result: ScoreResult
    moderation: dict[str, ModerationNote]
    # The outcome: only ever the decision published to the applicant, never the engine's recommendation.
    decision: PublishedDecision | None
    what_if: WhatIfResult | None
    what_if_limit: int
    provenance: Provenance
    # Why the report may not go to the applicant yet (what is awaited); empty once it may.
    not_issued: tuple[str, ...] = ()


def render_feedback_html(report: FeedbackReport) -> str:
    strengths, weaknesses = ranked_questions(report.result, report.questionnaire, count=6)
    domains = scored_domains(report.result)
    compared = compare_self_assessed(report.result)
    radar = radar_chart(
        [d.title for d in domains],
        [
            ("Your self-assessment", [compared.domain(d.id).self_assessed for d in domains]),
            ("The same answers after moderation", [compared.domain(d.id).moderated for d in domains]),
        ],
        title="Your domain scores: self-assessed and moderated, over the same answers (0 to 100)",
    )
    return render_html(
        "feedback.html",
        report=report,
        result=report.result,
        marking=CONFIDENTIAL_MARKING,
        recommendation_labels=RECOMMENDATION_LABELS,
        outcome_labels=OUTCOME_LABELS,
        strengths=strengths,
        weaknesses=weaknesses,
        unmet=unmet_criteria(report.result),
        compared=compared,
        domains=domains,
        has_member_domains=any(d.per_member for d in report.result.domains),
        radar=radar,
        question_index=report.questionnaire.question_index,
    )


def render_feedback_pdf(report: FeedbackReport) -> bytes:
    return documents_to_pdf([html_to_document(render_feedback_html(report))])
