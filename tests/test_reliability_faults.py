"""Faults: a worker killed mid-save, the database going away and coming back, a report that fails."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import weasyprint
from sqlalchemy.engine import make_url

from assessor import create_app
from assessor.extensions import db
from assessor.models import Answer, AuditEvent, Submission
from tests.app_setup import app_config
from tests.security_helpers import StubDocument
from tests.web_client import Browser, csrf_token

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "strategy.vision"


def _draft_id(data) -> int:
    with data() as session:
        return session.scalar(
            db.select(Submission.id).join(Submission.applicant).filter_by(name="Eastbrook Community Partnership")
        )


def _saved(data, submission_id):
    with data() as session:
        row = session.scalar(db.select(Answer).filter_by(submission_id=submission_id, question_id=QUESTION))
        changes = session.scalar(
            db.select(db.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.submission_id == submission_id, AuditEvent.action == "answer.changed")
        )
        return (row.value, row.version) if row else None, changes


# A worker process that signs in, then saves one answer and stops dead at KILL_POINT, where the
# parent test kills it with SIGKILL: no Python cleanup, no rollback, exactly like an OOM kill.
_WORKER = r"""
import json, re, sys, time
from sqlalchemy import event
from sqlalchemy.orm import Session
from assessor import create_app
from assessor.extensions import db

config = json.loads(sys.argv[1])
app = create_app(config)
client = app.test_client()
page = client.get("/login").get_data(as_text=True)
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
assert client.post("/login", data={"email": config["EMAIL"], "password": config["PASSWORD"],
                                   "csrf_token": token}).status_code == 302
page = client.get("/provider/").get_data(as_text=True)
token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
armed = False
answer_written = False

def note_answer_writes(conn, cursor, statement, *_):
    global answer_written
    if armed and statement.lstrip().upper().startswith(("INSERT INTO ANSWER", "UPDATE ANSWER")):
        answer_written = True

def stop_here(*args):
    # Only at the commit of the transaction that wrote the answer; for the Session, only when the
    # outermost transaction ends (savepoints inside it end too).
    if len(args) == 2 and (args[1].nested or args[1].parent is not None):
        return
    if answer_written:
        print("STOPPED", flush=True)
        time.sleep(600)

with app.app_context():
    event.listen(db.engine, "after_cursor_execute", note_answer_writes)
    if config["KILL_POINT"] == "before-commit":
        # Everything has been sent to the database; only COMMIT is left.
        event.listen(db.engine, "commit", stop_here)
    else:
        event.listen(Session, "after_transaction_end", stop_here)
armed = True
client.post(f"/provider/submissions/{config['SUBMISSION']}/answers/{config['QUESTION']}",
            data={f"q-{config['QUESTION']}": "3", f"base-{config['QUESTION']}": "0:", "csrf_token": token})
print("FINISHED", flush=True)
"""


def _run_and_kill(config: dict) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER, json.dumps(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 120
        line = ""
        while time.monotonic() < deadline:
            line = worker.stdout.readline()
            if line.strip() in ("STOPPED", "FINISHED") or line == "":
                break
        assert line.strip() == "STOPPED", (
            f"worker did not reach the kill point: {line!r} {worker.stderr.read()[-2000:]}"
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        assert worker.returncode == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


@pytest.mark.parametrize("kill_point, expect_saved", [("before-commit", False), ("after-commit", True)])
def test_a_worker_killed_mid_save_leaves_the_answer_whole_or_absent(
    demo, data, database_url, tmp_path, kill_point, expect_saved
):
    submission_id = _draft_id(data)
    assert _saved(data, submission_id) == (None, 0)
    _run_and_kill(
        {
            **app_config(database_url, tmp_path),
            "EMAIL": "lead@eastbrook.example",
            "PASSWORD": "gateway-demo-2026",
            "SUBMISSION": submission_id,
            "QUESTION": QUESTION,
            "KILL_POINT": kill_point,
        }
    )

    answer, changes = _saved(data, submission_id)
    if expect_saved:
        assert answer == (3, 1) and changes == 1, "committed: the answer and its audit event are both there"
    else:
        assert answer is None and changes == 0, "not committed: neither the answer nor its audit event"
    if database_url.startswith("sqlite"):
        with sqlite3.connect(make_url(database_url).database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # The dead worker's locks are gone: a colleague saves at once.
    browser = Browser(demo.test_client())
    browser.login("lead@eastbrook.example")
    token = csrf_token(browser.get(f"/provider/submissions/{submission_id}").get_data(as_text=True))
    version = 1 if expect_saved else 0
    started = time.monotonic()
    response = browser.client.post(
        f"/provider/submissions/{submission_id}/answers/{QUESTION}",
        data={f"q-{QUESTION}": "1", f"base-{QUESTION}": f"{version}:", "csrf_token": token},
    )
    assert response.status_code == 200 and time.monotonic() - started < 10
    assert _saved(data, submission_id) == ((1, version + 1), (2 if expect_saved else 1))


def _assert_friendly_503(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "service is unavailable" in page and "not saved" in page
    for leak in ("Traceback", "OperationalError", "sqlite3", "psycopg", "SELECT ", "database is locked"):
        assert leak not in page
    assert response.headers.get("Retry-After")


class _Proxy:
    """A TCP relay in front of PostgreSQL that the test can cut and restore, like a network outage."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        # shutdown() first: a bare close() leaves a listener blocked in accept() still accepting.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass
        self.sockets.clear()


def test_database_outage_gives_a_friendly_503_and_the_app_recovers(demo, data, database_url, tmp_path):
    config = app_config(database_url, tmp_path)
    url = make_url(database_url)
    proxy = None
    if url.get_backend_name() == "postgresql":
        proxy = _Proxy((url.host or "127.0.0.1", url.port or 5432))
        proxy.start()
        config["SQLALCHEMY_DATABASE_URI"] = url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        )
    else:
        config["SQLITE_BUSY_TIMEOUT_MS"] = 200
    app = create_app(config)
    browser = Browser(app.test_client())
    browser.login("lead@eastbrook.example")
    assert browser.get("/provider/").status_code == 200

    blocker = None
    if proxy:
        proxy.stop()
    else:
        # Another process holding the write lock (a long migration, say): every transaction waits,
        # then gives up after the busy timeout.
        blocker = sqlite3.connect(url.database, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
    try:
        _assert_friendly_503(browser.get("/provider/"))
        anonymous = app.test_client()
        page = anonymous.get("/login").get_data(as_text=True)
        _assert_friendly_503(
            anonymous.post(
                "/login", data={"email": "lead@eastbrook.example", "password": "x", "csrf_token": csrf_token(page)}
            )
        )
    finally:
        if proxy:
            proxy.start()
        else:
            blocker.rollback()
            blocker.close()

    assert browser.get("/provider/").status_code == 200, "the same session works again once the database is back"
    with app.app_context():
        db.engine.dispose()


def test_a_failing_pdf_renderer_gives_a_clear_error_and_nothing_else_breaks(demo, data, make_browser, monkeypatch):
    with data() as session:
        submission_id = session.scalar(
            db.select(Submission.id).join(Submission.applicant).filter_by(name="Northshire Care Alliance")
        )
        reports_before = session.scalar(
            db.select(db.func.count()).select_from(AuditEvent).filter_by(action="report.panel_generated")
        )
    browser = make_browser()
    browser.login("moderator@northshire-icb.example")

    def broken(self, *args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(weasyprint.HTML, "render", broken)
    response = browser.get(f"/review/submissions/{submission_id}/report.pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "could not" in page and "Traceback" not in page and "renderer crashed" not in page
    assert browser.get(f"/review/submissions/{submission_id}").status_code == 200
    assert browser.get("/review/").status_code == 200

    monkeypatch.setattr(weasyprint.HTML, "render", lambda self, *args, **kwargs: StubDocument())
    response = browser.get(f"/review/submissions/{submission_id}/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    with data() as session:
        assert (
            session.scalar(
                db.select(db.func.count()).select_from(AuditEvent).filter_by(action="report.panel_generated")
            )
            == reports_before + 1
        ), "only the report that was produced is in the audit trail"


def test_postgresql_restarting_while_the_app_is_idle_fails_no_request(postgres_ready, tmp_path):
    """Pooled connections die with the server; the next request must get a fresh one, not an error."""
    url = make_url(postgres_ready)
    proxy = _Proxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    config = app_config(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), tmp_path)
    app = create_app(config)
    client = app.test_client()
    try:
        assert client.get("/readyz").get_json()["checks"]["database"] == "ok"  # the pool now holds a connection
        proxy.stop()  # the restart: every open connection is cut while nobody is using the app
        proxy.start()
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.get_json()["checks"]["database"] == "ok"
    finally:
        proxy.stop()
        with app.app_context():
            db.engine.dispose()
