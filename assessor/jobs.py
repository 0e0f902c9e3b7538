"""Pages for reports and exports prepared in the background: request, progress, download, retry."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from .extensions import db
from .ids import parse_id
from .services import job_kinds  # noqa: F401  (registers the job kinds)
from .services.jobs import JOB_KINDS, job_for, load_extra_kinds, recover_abandoned, report_storage, request_job, retry
from .states import JobStatus

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
load_extra_kinds()


@bp.before_request
@login_required
def _signed_in_only():
    # Object-level rules live with each job kind (who may ask) and job_for (only the requester sees it).
    return None


@bp.route("/new/<kind>", methods=["POST"])
def new(kind: str):
    if kind not in JOB_KINDS or not FlaskForm().validate_on_submit():
        abort(404 if kind not in JOB_KINDS else 400)
    # Only ids the database can hold go further: the audit event names the submission as posted.
    posted = {key: parse_id(request.form.get(key, "")) for key in ("submission_id", "round_id")}
    params = {key: str(number) for key, number in posted.items() if number is not None}
    job = request_job(kind, params, current_user)
    return redirect(url_for(".status", job_id=job.id))


@bp.route("/<job_id>")
def status(job_id: str):
    job = job_for(current_user, job_id)
    recover_abandoned(job)
    return render_template("jobs/status.html", job=job, label=JOB_KINDS[job.kind].label, form=FlaskForm())


@bp.route("/<job_id>/download")
def download(job_id: str):
    job = job_for(current_user, job_id)
    if job.status != JobStatus.FINISHED or job.stored_name is None:
        abort(409, description="This file is not ready yet.")
    return send_file(
        report_storage().path(job.stored_name),
        mimetype=job.content_type,
        as_attachment=True,
        download_name=job.filename,
    )


@bp.route("/<job_id>/retry", methods=["POST"])
def retry_job(job_id: str):
    job = job_for(current_user, job_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    retry(job, current_user)
    db.session.commit()
    return redirect(url_for(".status", job_id=job.id))
