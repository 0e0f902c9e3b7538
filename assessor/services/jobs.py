"""Reports and exports prepared in the background (RQ on Redis) or, without Redis, in the request.

The database row is the request's durable record: a queue entry can vanish with a dead worker, the
row cannot, so an abandoned job is noticed by its stale heartbeat and queued again.
"""

from __future__ import annotations

import importlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import abort, current_app

from ..extensions import db
from ..models import ReportJob, User, utcnow
from ..states import JobStatus
from ..uploads import LocalStorage
from .audit import record

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class JobOutput:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class JobKind:
    label: str
    # Raises (404/403) when the user may not have this output; called when the job is requested.
    authorise: Callable[[User, dict[str, Any]], None]
    build: Callable[[dict[str, Any], User, Progress], JobOutput]
    # The posted ids the kind uses; others are dropped, so none that was never checked reaches the audit trail.
    takes: tuple[str, ...] = ("submission_id", "round_id")


JOB_KINDS: dict[str, JobKind] = {}


def register(name: str, kind: JobKind) -> None:
    JOB_KINDS[name] = kind


def load_extra_kinds() -> None:
    """Import modules named in GATEWAY_JOB_MODULES, which register further job kinds."""
    for module in filter(None, (os.environ.get("GATEWAY_JOB_MODULES") or "").split(",")):
        importlib.import_module(module.strip())


class Progress:
    """Handed to a job's build function: each step is shown to the user and refreshes the heartbeat."""

    def __init__(self, job: ReportJob):
        self.job = job

    def __call__(self, message: str) -> None:
        self.job.progress = message[:200]
        self.job.heartbeat_at = utcnow()
        db.session.commit()


def report_storage() -> LocalStorage:
    return LocalStorage(os.path.join(current_app.config["UPLOAD_FOLDER"], "reports"))


def _queue():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from rq import Queue

    return Queue(current_app.config["JOB_QUEUE"], connection=Redis.from_url(url))


def request_job(kind_name: str, params: dict[str, Any], user: User) -> ReportJob:
    kind = JOB_KINDS.get(kind_name)
    if kind is None:
        abort(404)
    params = {key: value for key, value in params.items() if key in kind.takes}
    kind.authorise(user, params)
    import json

    job = ReportJob(
        id=str(uuid.uuid4()), kind=kind_name, params_json=json.dumps(params, sort_keys=True), requested_by_id=user.id
    )
    db.session.add(job)
    record("job.requested", user=user, submission_id=params.get("submission_id"), job=job.id, kind=kind_name)
    db.session.commit()
    _dispatch(job)
    return job


def _dispatch(job: ReportJob) -> None:
    queue = _queue()
    if queue is None:
        run_job(job.id)
        return
    job.status, job.progress, job.heartbeat_at = JobStatus.QUEUED, "Waiting for a worker", utcnow()
    db.session.commit()
    queue.enqueue(
        "assessor.services.jobs.run_in_worker",
        job.id,
        job_id=f"{job.id}-{job.attempts}",
        job_timeout=current_app.config.get("JOB_TIMEOUT_SECONDS", 600),
    )


JOB_FAILED_MESSAGE = (
    "Something went wrong while preparing it. Try again. If it fails again, "
    "give the reference below to your Gateway administrator."
)


def run_job(job_id: str) -> None:
    """Prepare one job's output inside the current app context; failures are recorded, not raised."""
    job = db.session.get(ReportJob, job_id)
    if job is None or job.status == JobStatus.FINISHED:
        return
    job.status, job.attempts = JobStatus.RUNNING, job.attempts + 1
    progress = Progress(job)
    progress("Started")
    try:
        output = JOB_KINDS[job.kind].build(job.params, job.requested_by, progress)
    except Exception as exc:  # the user needs a message and a retry button, whatever went wrong
        db.session.rollback()
        job = db.session.get_one(ReportJob, job_id)
        job.status = JobStatus.FAILED
        # The exception's text can hold anything (data, paths, library internals): it goes to the log,
        # and the person sees a plain message with the job's reference, which finds it there.
        job.error = getattr(exc, "user_message", None) or JOB_FAILED_MESSAGE
        job.finished_at = utcnow()
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        db.session.commit()
        return
    job.stored_name = report_storage().save(output.data)
    job.filename, job.content_type = output.filename, output.content_type
    job.status, job.progress, job.finished_at = JobStatus.FINISHED, "Ready", utcnow()
    db.session.commit()


_worker_app = None


def run_in_worker(job_id: str) -> None:
    """Entry point for RQ workers: one app per worker process, configured from the environment."""
    global _worker_app
    if _worker_app is None:
        from .. import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        run_job(job_id)
        db.session.remove()


def job_for(user: User, job_id: str) -> ReportJob:
    """A job is visible only to the person who asked for it (it may hold another applicant's data)."""
    job = db.session.get(ReportJob, job_id)
    if job is None or job.requested_by_id != user.id:
        abort(404)
    return job


def is_abandoned(job: ReportJob) -> bool:
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING) or job.heartbeat_at is None:
        return False
    limit = timedelta(seconds=current_app.config.get("JOB_STALE_SECONDS", 900))
    return utcnow() - job.heartbeat_at > limit


def retry(job: ReportJob, user: User) -> None:
    if job.status == JobStatus.FINISHED:
        return
    if job.attempts >= MAX_ATTEMPTS and job.status == JobStatus.FAILED:
        job.error = f"Stopped after {MAX_ATTEMPTS} attempts. Contact support with reference {job.id}."
        db.session.commit()
        return
    job.status, job.error = JobStatus.QUEUED, None
    record("job.retried", user=user, job=job.id, kind=job.kind, attempts=job.attempts)
    db.session.commit()
    _dispatch(job)


def recover_abandoned(job: ReportJob) -> bool:
    """Queue again a job whose worker died; True when it did."""
    if not is_abandoned(job):
        return False
    current_app.logger.warning("job %s abandoned after %s attempts; queueing again", job.id, job.attempts)
    job.status = JobStatus.QUEUED
    db.session.commit()
    _dispatch(job)
    return True
