"""Gathers what a report shows from the database and the one scoring path, then hands it to reports/."""
from __future__ import annotations

from reports.panel import PanelReport, render_panel_pdf

from ..models import Submission, User, utcnow
from .answers import answer_rows, evidence_rows
from .audit import history, record
from .scores import score


def panel_report(submission: Submission) -> PanelReport:
    inputs, result = score(submission)
    applicant = submission.applicant
    return PanelReport(
        round_name=submission.round.name,
        applicant_name=applicant.name,
        lead_organisation=applicant.lead_organisation.name,
        partners=[org.name for org in applicant.partners],
        status_label=submission.status_label,
        questionnaire=inputs.questionnaire,
        framework=inputs.framework,
        result=result,
        answers={qid: row.value for qid, row in answer_rows(submission).items()},
        evidence={qid: [(f.original_name, f.sha256) for f in files] for qid, files in evidence_rows(submission).items()},
        questionnaire_hash=submission.round.questionnaire.content_hash,
        framework_hash=submission.round.framework.content_hash,
        inputs_hash=inputs.inputs_hash,
        generated_at=utcnow(),
        audit_event_count=len(history(submission.id)),
    )


def panel_report_pdf(submission: Submission, user: User) -> bytes:
    report = panel_report(submission)
    pdf = render_panel_pdf(report)
    record("report.panel_generated", user=user, submission_id=submission.id, inputs_hash=report.inputs_hash)
    return pdf
