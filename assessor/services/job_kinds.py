"""The reports that can be prepared as jobs, with who may ask for each.

A job renders exactly what its requester would get from the direct download: the same access
checks, and the requester as the viewer (an evaluator's report stays blind to colleagues' scores).
"""

from __future__ import annotations

from typing import Any

from flask import abort

from ..extensions import db
from ..ids import parse_id
from ..models import Round, Submission, User
from . import access, conflicts, round_exports
from .jobs import JobKind, JobOutput, Progress, register


def _int_param(params: dict[str, Any], name: str) -> int:
    number = parse_id(params.get(name))
    if number is None:
        abort(404)
    return number


def _declared(user: User, round_: Round) -> None:
    # As on the review pages: nothing of a round is shown before conflicts of interest are declared.
    if conflicts.must_declare(round_, user):
        abort(403, description="Declare any conflicts of interest for this round before opening its reports.")


def _commissioner_submission(user: User, params: dict[str, Any]) -> None:
    if not user.is_commissioner:
        abort(403)
    _declared(user, access.submission_for(user, _int_param(params, "submission_id")).round)


def _commissioner_round(user: User, params: dict[str, Any]) -> None:
    if not user.is_commissioner:
        abort(403)
    round_ = db.session.get(Round, _int_param(params, "round_id"))
    if round_ is None:
        abort(404)
    _declared(user, round_)


def _panel_report(params: dict[str, Any], user: User, progress: Progress) -> JobOutput:
    from .reporting import panel_report_pdf

    submission = db.session.get_one(Submission, _int_param(params, "submission_id"))
    progress("Scoring the submission and drawing the report")
    return JobOutput(f"panel-report-{submission.id}.pdf", "application/pdf", panel_report_pdf(submission, user))


def _programme_summary(params: dict[str, Any], user: User, progress: Progress) -> JobOutput:
    from .reporting import programme_report_pdf

    round_ = db.session.get_one(Round, _int_param(params, "round_id"))
    progress("Comparing every applicant in the round")
    return JobOutput(f"programme-summary-round-{round_.id}.pdf", "application/pdf", programme_report_pdf(round_, user))


def _panel_pack(params: dict[str, Any], user: User, progress: Progress) -> JobOutput:
    from .reporting import panel_pack_pdf

    round_ = db.session.get_one(Round, _int_param(params, "round_id"))
    progress("Drawing every applicant's panel report into one pack")
    return JobOutput(f"panel-pack-round-{round_.id}.pdf", "application/pdf", panel_pack_pdf(round_, user))


def _round_export(params: dict[str, Any], user: User, progress: Progress) -> JobOutput:
    from reports.exports import to_xlsx

    round_ = db.session.get_one(Round, _int_param(params, "round_id"))
    progress("Scoring every submission and writing the workbook")
    workbook = to_xlsx(
        {"Submissions": round_exports.submission_table(round_), "Answers": round_exports.answer_table(round_, user)}
    )
    return JobOutput(
        f"round-{round_.id}-export.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", workbook
    )


_SUBMISSION, _ROUND = ("submission_id",), ("round_id",)
register("panel_report", JobKind("Gateway panel report", _commissioner_submission, _panel_report, _SUBMISSION))
register("programme_summary", JobKind("Programme summary", _commissioner_round, _programme_summary, _ROUND))
register("panel_pack", JobKind("Panel pack", _commissioner_round, _panel_pack, _ROUND))
register("round_export", JobKind("Round export (Excel)", _commissioner_round, _round_export, _ROUND))
