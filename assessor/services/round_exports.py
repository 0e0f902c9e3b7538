"""A round's export tables, one row per submission or per answer, handed to reports.exports for CSV and XLSX."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from reports.rendering import format_answer
from scoring import OUTCOME_LABELS, RECOMMENDATION_LABELS

from ..extensions import db
from ..models import Applicant, ApplicantMember, PanelDecision, Round, Submission, User
from . import evaluation
from .answers import answer_rows, evidence_rows
from .definitions import framework_for, questionnaire_for
from .scores import refresh_summaries, score

if TYPE_CHECKING:
    pass


def _decision_outcomes(round_: Round) -> dict[int, PanelDecision]:
    latest = (
        db.select(PanelDecision.submission_id, func.max(PanelDecision.version).label("version"))
        .join(Submission, Submission.id == PanelDecision.submission_id)
        .where(Submission.round_id == round_.id)
        .group_by(PanelDecision.submission_id)
        .subquery()
    )
    decisions = db.session.scalars(
        db.select(PanelDecision).join(
            latest,
            (PanelDecision.submission_id == latest.c.submission_id) & (PanelDecision.version == latest.c.version),
        )
    )
    return {d.submission_id: d for d in decisions}


def _round_submissions(round_: Round) -> list[Submission]:
    return list(
        db.session.scalars(
            db.select(Submission)
            .join(Submission.applicant)
            .where(Submission.round_id == round_.id)
            .order_by(Applicant.name, Submission.id)
            .options(
                selectinload(Submission.applicant)
                .selectinload(Applicant.members)
                .selectinload(ApplicantMember.organisation)
            )
        )
    )


def submission_table(round_: Round) -> pd.DataFrame:
    """One row per submission: who, status, domain scores, gate outcomes, recommendation, decision."""
    refresh_summaries(round_.id)
    questionnaire, framework = questionnaire_for(round_), framework_for(round_)
    decisions = _decision_outcomes(round_)
    records = []
    for submission in _round_submissions(round_):
        result = submission.result or {}
        applicant = submission.applicant
        decision = decisions.get(submission.id)
        record: dict[str, Any] = {
            "submission_id": submission.id,
            "applicant": applicant.name,
            "lead_organisation": applicant.lead_organisation.name,
            "partners": "; ".join(org.name for org in applicant.partners),
            "status": submission.status_label,
            "answered": submission.answered_count,
            "required": submission.required_count,
            "overall": submission.overall,
            "rag": submission.rag,
        }
        domain_results = result.get("domains", {})
        for domain in questionnaire.domains:
            record[f"domain: {domain.title}"] = domain_results.get(domain.id)
        gate_results = {g["id"]: g["outcome"] for g in result.get("gates", [])}
        for gate in framework.gates:
            outcome = gate_results.get(gate.id)
            record[f"gate {gate.id}: {gate.title}"] = OUTCOME_LABELS.get(outcome, "") if outcome else ""
        record["recommendation"] = RECOMMENDATION_LABELS.get(submission.recommendation or "", "")
        record["awaiting_evaluation"] = submission.awaiting_count
        record["panel_decision"] = decision.outcome_label if decision else ""
        record["panel_decision_version"] = decision.version if decision else None
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    if not frame.empty:
        frame["panel_decision_version"] = frame["panel_decision_version"].astype("Int64")
    return frame


def answer_table(round_: Round, viewer: User | None = None) -> pd.DataFrame:
    """Long format: one row per question per submission, with the answer, self and moderated scores.

    Question-level scores are not stored per submission, so each submission goes through the one
    scoring path here; exports are occasional and this keeps every number identical to the pages.
    For an evaluator ``viewer`` the consensus (and the score built on it) is left blank on answers
    they have not scored themselves, as on screen.
    """
    questionnaire = questionnaire_for(round_)
    records = []
    for submission in _round_submissions(round_):
        _, result = score(submission)
        answers = answer_rows(submission)
        evidence = evidence_rows(submission)
        # A verified answer is a consensus too, though it carries no moderated score.
        moderated = {
            d.id for domain in result.domains for d in domain.questions if d.moderated is not None or d.verified
        }
        hidden = evaluation.consensus_hidden(submission, viewer, moderated) if viewer is not None else frozenset()
        for domain in result.domains:
            for detail in domain.questions:
                question = questionnaire.question_index[detail.id]
                self_score = detail.self_score
                if question.type == "evidence":
                    answer_text = "; ".join(f.original_name for f in evidence.get(question.id, []))
                else:
                    row = answers.get(question.id)
                    answer_text = format_answer(row.value if row else None, question)
                records.append(
                    {
                        "submission_id": submission.id,
                        "applicant": submission.applicant.name,
                        "domain": domain.title,
                        "question_id": question.id,
                        "question": question.text,
                        "applies": "yes" if detail.visible else "no",
                        "answer": answer_text,
                        "self_score": self_score if detail.visible else detail.self_score,
                        "moderated_score": None if detail.id in hidden else detail.moderated,
                        "score_used": None if detail.id in hidden else detail.score,
                        "weight": detail.weight,
                    }
                )
    return pd.DataFrame.from_records(records)
