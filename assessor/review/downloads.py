"""Files from the review pages: a round's exports, evidence the provider uploaded and the PDF reports."""

from __future__ import annotations

import pandas as pd
from flask import Response
from flask.typing import ResponseReturnValue
from flask_login import current_user

from reports.exports import to_csv, to_xlsx

from ..extensions import db
from ..models import Round
from ..report_downloads import evidence_download, pdf_download
from ..services import access, round_exports
from ..services.reporting import panel_pack_pdf, panel_report_pdf, programme_report_pdf
from . import COMMISSIONERS, allow, bp
from .common import require_declarations, round_for_review, submission_for_review


def _export_name(round_: Round, what: str, extension: str) -> str:
    return f"round-{round_.id}-{what}.{extension}"


def _csv_download(round_: Round, frame: pd.DataFrame, what: str) -> Response:
    # Building the tables rescores stale submissions; the summaries are kept.
    db.session.commit()
    return Response(
        to_csv(frame),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(round_, what, "csv")}"'},
    )


@bp.route("/rounds/<int:round_id>/export/submissions.csv")
@allow(*COMMISSIONERS)
def export_submissions_csv(round_id: int) -> ResponseReturnValue:
    round_ = round_for_review(round_id)
    return _csv_download(round_, round_exports.submission_table(round_), "submissions")


@bp.route("/rounds/<int:round_id>/export/answers.csv")
@allow(*COMMISSIONERS)
def export_answers_csv(round_id: int) -> ResponseReturnValue:
    round_ = round_for_review(round_id)
    return _csv_download(round_, round_exports.answer_table(round_, current_user), "answers")


@bp.route("/rounds/<int:round_id>/export/round.xlsx")
@allow(*COMMISSIONERS)
def export_xlsx(round_id: int) -> ResponseReturnValue:
    round_ = round_for_review(round_id)
    workbook = to_xlsx(
        {
            "Submissions": round_exports.submission_table(round_),
            "Answers": round_exports.answer_table(round_, current_user),
        }
    )
    db.session.commit()
    return Response(
        workbook,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(round_, "export", "xlsx")}"'},
    )


@bp.route("/submissions/<int:submission_id>/evidence/<int:evidence_id>")
@allow(*COMMISSIONERS)
def download_evidence(submission_id: int, evidence_id: int) -> ResponseReturnValue:
    submission, evidence = access.evidence_for(current_user, submission_id, evidence_id)
    require_declarations(submission.round)
    return evidence_download(evidence)


@bp.route("/submissions/<int:submission_id>/report.pdf")
@allow(*COMMISSIONERS)
def panel_report(submission_id: int) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    return pdf_download(
        lambda: panel_report_pdf(submission, current_user), f"panel-report-{submission.id}.pdf", "gateway panel report"
    )


@bp.route("/rounds/<int:round_id>/programme-summary.pdf")
@allow(*COMMISSIONERS)
def programme_report(round_id: int) -> ResponseReturnValue:
    round_ = round_for_review(round_id)
    return pdf_download(
        lambda: programme_report_pdf(round_, current_user),
        f"programme-summary-round-{round_.id}.pdf",
        "programme summary",
    )


@bp.route("/rounds/<int:round_id>/panel-pack.pdf")
@allow(*COMMISSIONERS)
def panel_pack(round_id: int) -> ResponseReturnValue:
    round_ = round_for_review(round_id)
    return pdf_download(lambda: panel_pack_pdf(round_, current_user), f"panel-pack-round-{round_.id}.pdf", "panel pack")
