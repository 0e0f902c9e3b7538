"""The reports and exports that can be prepared as jobs, with who may ask for each."""
from __future__ import annotations

from typing import Any

from flask import abort

from ..extensions import db
from ..models import Submission, User
from . import access
from .jobs import JobKind, JobOutput, Progress, register


def _submission_id(params: dict[str, Any]) -> int:
    try:
        return int(params["submission_id"])
    except (KeyError, TypeError, ValueError):
        abort(404)


def _authorise_panel_report(user: User, params: dict[str, Any]) -> None:
    if not user.is_commissioner:
        abort(403)
    access.submission_for(user, _submission_id(params))


def _build_panel_report(params: dict[str, Any], progress: Progress) -> JobOutput:
    from .reporting import panel_report_pdf

    submission = db.session.get(Submission, _submission_id(params))
    progress("Scoring the submission and drawing the report")
    pdf = panel_report_pdf(submission, None)
    return JobOutput(f"panel-report-{submission.id}.pdf", "application/pdf", pdf)


register("panel_report", JobKind("Gateway panel report", _authorise_panel_report, _build_panel_report))
