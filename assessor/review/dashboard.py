"""A round's dashboard of submissions and the comparison of its applicants against the cohort."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from reports.charts import MAX_COMPARISON_SERIES, comparison_chart

from ..models import SUBMISSION_STATUSES
from ..services import checkpoints, round_overview
from . import COMMISSIONERS, allow, bp
from .common import round_for_review


@bp.route("/rounds/<int:round_id>")
@allow(*COMMISSIONERS)
def dashboard(round_id: int) -> ResponseReturnValue:
    round_ = round_for_review(round_id)
    labels = round_overview.rag_labels(round_)
    query = round_overview.DashboardQuery.from_args(request.args, labels)
    page = round_overview.dashboard(round_, query)
    return render_template(
        "review/dashboard.html",
        round=round_,
        page=page,
        query=query,
        statuses=SUBMISSION_STATUSES,
        rag_labels=labels,
        previous=checkpoints.previous_submissions(round_),
    )


@bp.route("/rounds/<int:round_id>/compare")
@allow(*COMMISSIONERS)
def compare(round_id: int) -> ResponseReturnValue:
    round_ = round_for_review(round_id)
    result = round_overview.comparison(round_)
    table = result.table(round_overview.ComparisonQuery.from_args(request.args, result.domains))
    domains, series, bands = result.chart_inputs(table.chosen)
    chart = comparison_chart(
        domains, series, cohort=bands, title="Domain scores of the chosen applicants against the cohort (0 to 100)"
    )
    return render_template(
        "review/compare.html",
        round=round_,
        domains=result.domains,
        columns=result.columns,
        table=table,
        query=table.query,
        quartiles=result.quartiles(),
        counts=result.counts(),
        names=result.names,
        chart=chart,
        max_series=MAX_COMPARISON_SERIES,
        filter_max_length=round_overview.FILTER_MAX_LENGTH,
        resort_field=round_overview.RESORT_FIELD,
        clear_field=round_overview.CLEAR_FIELD,
    )
