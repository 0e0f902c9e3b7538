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
    self_result: ScoreResult
    moderation: dict[str, ModerationNote]
    decision: PublishedDecision | None
    what_if: WhatIfResult | None
    what_if_limit: int
    provenance: Provenance


def render_feedback_html(report: FeedbackReport) -> str:
    strengths, weaknesses = ranked_questions(report.result, report.questionnaire, count=6)
    domains = scored_domains(report.result)
    self_scores = {d.id: d.score for d in report.self_result.domains}
    radar = radar_chart(
        [d.title for d in domains],
        [
            ("Your self-assessment", [self_scores[d.id] for d in domains]),
            ("After moderation", [d.score for d in domains]),
        ],
        title="Your domain scores: self-assessed and moderated (0 to 100)",
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
        self_domains={d.id: d for d in report.self_result.domains},
        domains=domains,
        has_member_domains=any(d.per_member for d in report.result.domains),
        radar=radar,
        question_index=report.questionnaire.question_index,
    )


def render_feedback_pdf(report: FeedbackReport) -> bytes:
    return documents_to_pdf([html_to_document(render_feedback_html(report))])
