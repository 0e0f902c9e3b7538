"""Running as a scaled service: config checks, health endpoints, request ids, background jobs on Redis,
and two app instances sharing one database and one Redis."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from assessor.config import ConfigError, build_config
from assessor.extensions import db
from assessor.models import ReportJob, Submission, User
from tests.web_client import DEMO_PASSWORD, csrf_token

REPO = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/0"
BIN = Path(sys.executable).parent


def _redis_or_skip() -> None:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")


@pytest.mark.parametrize(
    "environment, message",
    [
        ({"GATEWAY_ENV": "production"}, "SECRET_KEY must be set"),
        (
            {"GATEWAY_ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "mysql://db/x"},
            "DATABASE_URL must be a SQLite or PostgreSQL URL",
        ),
        (
            {"GATEWAY_ENV": "production", "SECRET_KEY": "x" * 40, "REDIS_URL": "http://cache"},
            "REDIS_URL must be a redis://",
        ),
        ({"GATEWAY_ENV": "production", "SECRET_KEY": "x" * 40}, "RATELIMIT_STORAGE_URI must point at Redis"),
        ({"GATEWAY_ENV": "development", "MAX_UPLOAD_BYTES": "twenty"}, "MAX_UPLOAD_BYTES must be a whole number"),
        ({"GATEWAY_ENV": "development", "DISPLAY_TIMEZONE": "Europe/Londres"}, "DISPLAY_TIMEZONE must be a time zone"),
    ],
)
def test_start_up_refuses_a_broken_environment_with_a_clear_message(monkeypatch, environment, message):
    for key in (
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "RATELIMIT_STORAGE_URI",
        "MAX_UPLOAD_BYTES",
        "DISPLAY_TIMEZONE",
    ):
        monkeypatch.delenv(key, raising=False)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=message):
        build_config()


def test_production_config_with_everything_set_is_accepted(monkeypatch):
    monkeypatch.setenv("GATEWAY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("DATABASE_URL", "postgresql://gateway@db/gateway")
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", REDIS_URL)
    config = build_config()
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert config["SESSION_COOKIE_SECURE"] is True and config["JSON_LOGS"] is True


def test_health_and_readiness(app):
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"] == {"database": "ok"}
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.get_json()["checks"]["redis"] == "unreachable"


def test_every_response_carries_a_request_id_and_json_logs_name_it(app, caplog):
    client = app.test_client()
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "lb-123"}).headers["X-Request-ID"] == "lb-123"
    hostile = client.get("/healthz", headers={"X-Request-ID": "<script>x</script>"}).headers["X-Request-ID"]
    assert "<" not in hostile and len(hostile) == 32

    from assessor.observability import JsonLinesFormatter

    app.config["JSON_LOGS"] = True
    with caplog.at_level(logging.INFO, logger="gateway.requests"):
        client.get("/healthz", headers={"X-Request-ID": "trace-42"})
    record = next(r for r in caplog.records if r.name == "gateway.requests")
    with app.test_request_context(headers={"X-Request-ID": "trace-42"}):
        from flask import g

        g.request_id = "trace-42"
        line = json.loads(JsonLinesFormatter().format(record))
    assert line["request_id"] == "trace-42" and line["path"] == "/healthz" and line["status"] == 200


def test_without_redis_a_report_is_prepared_in_the_request(demo, data, browser):
    with data() as session:
        submission_id = session.query(Submission).filter_by(status="under_review").one().id
    browser.login("moderator@northshire-icb.example")
    response = browser.post(
        "/jobs/new/panel_report", {"submission_id": submission_id}, page=f"/review/submissions/{submission_id}"
    )
    assert response.status_code == 302
    status = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your file is ready" in status
    job_url = response.headers["Location"]
    download = browser.get(job_url + "/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    # Another commissioner cannot pick up someone else's prepared report.
    other = type(browser)(demo.test_client())
    other.login("evaluator@northshire-icb.example")
    assert other.get(job_url).status_code == 404
    assert other.get(job_url + "/download").status_code == 404


def test_providers_cannot_request_a_panel_report_job(demo, data, browser):
    with data() as session:
        submission_id = (
            session.query(Submission).join(Submission.applicant).filter_by(name="Northshire Care Alliance").one().id
        )
    browser.login("lead@northshire-trust.example")
    response = browser.post("/jobs/new/panel_report", {"submission_id": submission_id}, page="/provider/")
    assert response.status_code == 403


def _worker_env(app, **extra) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "UPLOAD_STORAGE": app.config["UPLOAD_FOLDER"],
            "GATEWAY_ENV": "testing",
            "PYTHONPATH": str(REPO),
            "GATEWAY_JOB_MODULES": "tests.job_kinds_for_tests",
        }
    )
    env.update(extra)
    return env


def _job(data, job_id) -> dict:
    with data() as session:
        job = session.get(ReportJob, job_id)
        return {"status": job.status, "attempts": job.attempts, "progress": job.progress}


def _wait_for(predicate, seconds: float, message: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(message)


@pytest.fixture
def redis_jobs(demo):
    _redis_or_skip()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    demo.config.update(REDIS_URL=REDIS_URL, JOB_QUEUE=queue)
    from assessor.services.jobs import JOB_KINDS
    from tests.job_kinds_for_tests import SLOW_KIND

    # The app process must know the slow kind for this test only; other tests enumerate job kinds.
    JOB_KINDS["slow_test"] = SLOW_KIND
    yield queue
    JOB_KINDS.pop("slow_test", None)
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"rq:*{queue}*"):
        connection.delete(key)


def test_report_job_runs_in_a_separate_worker_process(demo, data, browser, redis_jobs):
    with data() as session:
        submission_id = session.query(Submission).filter_by(status="under_review").one().id
    browser.login("moderator@northshire-icb.example")
    response = browser.post(
        "/jobs/new/panel_report", {"submission_id": submission_id}, page=f"/review/submissions/{submission_id}"
    )
    job_url = response.headers["Location"]
    job_id = job_url.rsplit("/", 1)[-1]
    waiting = browser.get(job_url).get_data(as_text=True)
    assert "Preparing report…" in waiting and 'http-equiv="refresh"' in waiting
    assert _job(data, job_id)["status"] == "queued"

    worker = subprocess.run(
        [str(BIN / "rq"), "worker", "--burst", "--url", REDIS_URL, redis_jobs],
        cwd=REPO,
        env=_worker_env(demo),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert _job(data, job_id)["status"] == "finished"
    assert "Your file is ready" in browser.get(job_url).get_data(as_text=True)
    pdf = browser.get(job_url + "/download")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_job_whose_worker_dies_is_not_lost(demo, data, browser, redis_jobs):
    demo.config["JOB_STALE_SECONDS"] = 1
    browser.login("moderator@northshire-icb.example")
    response = browser.post("/jobs/new/slow_test", {"round_id": "1"}, page="/review/")
    job_url = response.headers["Location"]
    job_id = job_url.rsplit("/", 1)[-1]

    worker = subprocess.Popen(
        [str(BIN / "rq"), "worker", "--url", REDIS_URL, redis_jobs],
        cwd=REPO,
        env=_worker_env(demo),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: _job(data, job_id)["status"] == "running", 60, "the worker never started the job")
    finally:
        # RQ runs each job in a work horse that it forks into a process group of its own, so the
        # worker's group alone would leave the horse running on to finish the job.
        for horse in _child_pids(worker.pid):
            os.killpg(horse, signal.SIGKILL)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    assert _job(data, job_id)["status"] == "running"

    time.sleep(1.5)  # past the heartbeat limit
    page = browser.get(job_url).get_data(as_text=True)
    assert "Preparing report…" in page
    assert _job(data, job_id)["status"] == "queued"
    rerun = subprocess.run(
        [str(BIN / "rq"), "worker", "--burst", "--url", REDIS_URL, redis_jobs],
        cwd=REPO,
        env=_worker_env(demo),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    job = _job(data, job_id)
    assert job["status"] == "finished" and job["attempts"] == 2
    assert browser.get(job_url + "/download").data == b"finished after a pause"


def _child_pids(parent: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # not a process, or one that has just ended
        if int(fields[1]) == parent:  # field 4 of stat: the parent's pid
            children.append(int(entry))
    return children


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_instances_share_sessions_and_the_login_limit(demo, tmp_path):
    _redis_or_skip()
    import requests

    prefix = f"gw-test-{uuid.uuid4().hex[:8]}"
    env = _worker_env(
        demo,
        SECRET_KEY="shared-secret-for-both-instances",
        GATEWAY_ENV="development",
        RATELIMIT_STORAGE_URI=REDIS_URL,
        LOGIN_RATE_LIMIT="3 per minute",
        RATELIMIT_KEY_PREFIX=prefix,
    )
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            _wait_for(lambda base=base: _up(requests, base), 60, f"{base} did not start")

        person = requests.Session()
        page = person.get(bases[0] + "/login").text
        signed_in = person.post(
            bases[0] + "/login",
            data={"email": "lead@eastbrook.example", "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)},
            allow_redirects=False,
        )
        assert signed_in.status_code == 302
        other_instance = person.get(bases[1] + "/provider/", allow_redirects=False)
        assert other_instance.status_code == 200 and "Eastbrook Community Partnership" in other_instance.text

        attacker = requests.Session()
        codes = []
        for attempt in range(4):
            base = bases[attempt % 2]
            token = csrf_token(attacker.get(base + "/login").text)
            codes.append(
                attacker.post(
                    base + "/login",
                    data={"email": "lead@eastbrook.example", "password": "wrong-password-guess", "csrf_token": token},
                ).status_code
            )
        # The person's sign-in was the first of 3 allowed attempts; two more pass, then both instances
        # refuse. Counters kept per instance would have allowed all four (A saw 3 posts, B saw 2).
        assert codes == [200, 200, 429, 429]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


def _up(requests, base) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def test_round_export_job_gives_the_same_workbook_rows_as_the_direct_export(demo, data, browser):
    import io

    import pandas as pd

    browser.login("moderator@northshire-icb.example")
    response = browser.post("/jobs/new/round_export", {"round_id": "1"}, page="/review/")
    job_url = response.headers["Location"]
    assert "Your file is ready" in browser.get(job_url).get_data(as_text=True)
    from_job = pd.read_excel(io.BytesIO(browser.get(job_url + "/download").data), sheet_name=None)
    direct = pd.read_excel(io.BytesIO(browser.get("/review/rounds/1/export/round.xlsx").data), sheet_name=None)
    assert set(from_job) == {"Submissions", "Answers"}
    for sheet in from_job:
        pd.testing.assert_frame_equal(from_job[sheet], direct[sheet])


def test_a_reviewer_who_has_not_declared_conflicts_cannot_get_round_reports_as_jobs(demo, data, browser):
    import secrets

    from assessor.models import User
    from assessor.passwords import hash_password

    # A newly added evaluator has not declared on any applicant of the demo round yet.
    with data() as session:
        session.add(
            User(
                email="new-evaluator@northshire-icb.example",
                name="New Evaluator",
                role="evaluator",
                password_hash=hash_password(DEMO_PASSWORD),
                session_token=secrets.token_hex(16),
            )
        )
        session.commit()
    browser.login("new-evaluator@northshire-icb.example")
    response = browser.post("/jobs/new/programme_summary", {"round_id": "1"}, page="/provider/")
    assert response.status_code == 403


def test_report_buttons_use_background_jobs_only_when_a_queue_is_configured(demo, data, browser):
    with data() as session:
        submission_id = session.query(Submission).filter_by(status="under_review").one().id
    browser.login("moderator@northshire-icb.example")
    direct = browser.get(f"/review/submissions/{submission_id}").get_data(as_text=True)
    assert f'href="/review/submissions/{submission_id}/report.pdf"' in direct
    demo.config["REDIS_URL"] = REDIS_URL
    queued = browser.get(f"/review/submissions/{submission_id}").get_data(as_text=True)
    assert 'action="/jobs/new/panel_report"' in queued
    dashboard = browser.get("/review/rounds/1").get_data(as_text=True)
    for kind in ("round_export", "programme_summary", "panel_pack"):
        assert f'action="/jobs/new/{kind}"' in dashboard


def test_request_logs_name_the_signed_in_user_even_after_the_view_commits(demo, data, caplog):
    from tests.web_client import Browser

    with data() as session:
        lead_id = session.scalar(db.select(User.id).filter_by(email="lead@eastbrook.example"))
        submission_id = session.scalar(
            db.select(Submission.id).join(Submission.applicant).filter_by(name="Eastbrook Community Partnership")
        )
    browser = Browser(demo.test_client())
    browser.login("lead@eastbrook.example")
    overview = f"/provider/submissions/{submission_id}"
    demo.config["JSON_LOGS"] = True
    with caplog.at_level(logging.INFO, logger="gateway.requests"):
        token = csrf_token(browser.get(overview).get_data(as_text=True))  # rescoring commits before it answers
        browser.client.post("/logout", data={"csrf_token": token})
        browser.get("/login")
    by_path = [(r.path, r.user_id) for r in caplog.records if r.name == "gateway.requests"]
    assert (overview, str(lead_id)) in by_path
    assert by_path[-1] == ("/login", None)
