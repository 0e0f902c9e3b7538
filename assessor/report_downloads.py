"""Sending a rendered report as a download, or a page that says plainly why it could not be made."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from flask import Response, current_app, render_template, send_file

from reports.rendering import ReportError

from .extensions import db
from .models import Evidence
from .services.submissions import storage
from .uploads import csv_safe_to_open


def pdf_download(render: Callable[[], bytes], filename: str, title: str) -> Response | tuple[str, int]:
    """Run ``render`` (which records its audit event) and send the PDF; on failure roll back and explain."""
    try:
        pdf = render()
    except ReportError as exc:
        db.session.rollback()
        current_app.logger.exception("report %s could not be rendered", filename)
        return render_template("reports/error.html", title=title, reason=str(exc)), 500
    db.session.commit()
    # Reports are confidential: no shared cache may keep a copy.
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def evidence_download(evidence: Evidence) -> Response:
    """An evidence file as an attachment; a CSV file's formula-like cells are quoted on the way out."""
    path = storage().path(evidence.stored_name)
    source = BytesIO(csv_safe_to_open(path.read_bytes())) if evidence.content_type == "text/csv" else path
    return send_file(source, mimetype=evidence.content_type, as_attachment=True, download_name=evidence.original_name)
