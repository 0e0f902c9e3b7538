"""SQLite as the embedded database under several workers: readers never wait, writers queue, nothing hangs.

These are about SQLite's single write lock, so they run on SQLite only; PostgreSQL has no such lock.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import sqlite3

import pytest

from assessor import create_app
from assessor.extensions import db
from assessor.models import AuditEvent, Submission
from assessor.services.audit import record
from assessor.sqlite import read_only
from tests.app_setup import app_config
from tests.web_client import Browser

QUESTION = "strategy.vision"


@pytest.fixture
def sqlite_app(sqlite_template, tmp_path):
    path = tmp_path / "gateway.sqlite"
    shutil.copy(sqlite_template, path)
    config = app_config(f"sqlite:///{path}", tmp_path)
    # Short, so a request that has to wait for the write lock gives up quickly in these tests.
    config["SQLITE_BUSY_TIMEOUT_MS"] = 300
    app = create_app(config)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    yield app, path
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _signed_in_draft(app) -> tuple[Browser, int]:
    browser = Browser(app.test_client())
    browser.login("lead@eastbrook.example")
    with app.app_context():
        submission_id = db.session.scalar(
            db.select(Submission.id).join(Submission.applicant).filter_by(name="Eastbrook Community Partnership")
        )
    return browser, submission_id


def _autosave(browser: Browser, submission_id: int, value: int):
    page = browser.get(f"/provider/submissions/{submission_id}/sections/strategy").get_data(as_text=True)
    base = re.search(rf'name="base-{re.escape(QUESTION)}" type="hidden" value="([^"]*)"', page).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return browser.client.post(
        f"/provider/submissions/{submission_id}/answers/{QUESTION}",
        data={f"q-{QUESTION}": str(value), f"base-{QUESTION}": base, "csrf_token": token},
    )


def _stored(path, submission_id):
    # Read directly (an ordinary reader, which WAL lets through while another program writes).
    with sqlite3.connect(path) as reader:
        row = reader.execute(
            "SELECT value_json FROM answer WHERE submission_id = ? AND question_id = ?", (submission_id, QUESTION)
        ).fetchone()
    return None if row is None else json.loads(row[0])


def test_a_domain_page_opens_while_another_program_holds_the_write_lock(sqlite_app):
    app, path = sqlite_app
    browser, submission_id = _signed_in_draft(app)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # a long write elsewhere: a migration, a restore, the sqlite3 shell
    try:
        page = browser.get(f"/provider/submissions/{submission_id}/sections/strategy")
        assert page.status_code == 200
        assert "Strategy" in page.get_data(as_text=True)
    finally:
        blocker.rollback()
        blocker.close()


def test_a_save_waits_for_the_lock_and_says_so_plainly_when_it_cannot_get_it(sqlite_app):
    app, path = sqlite_app
    browser, submission_id = _signed_in_draft(app)
    page = browser.get(f"/provider/submissions/{submission_id}/sections/strategy").get_data(as_text=True)
    base = re.search(rf'name="base-{re.escape(QUESTION)}" type="hidden" value="([^"]*)"', page).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        refused = browser.client.post(
            f"/provider/submissions/{submission_id}/answers/{QUESTION}",
            data={f"q-{QUESTION}": "3", f"base-{QUESTION}": base, "csrf_token": token},
        )
        assert refused.status_code == 503
        assert _stored(path, submission_id) != 3
    finally:
        blocker.rollback()
        blocker.close()
    saved = browser.client.post(
        f"/provider/submissions/{submission_id}/answers/{QUESTION}",
        data={f"q-{QUESTION}": "3", f"base-{QUESTION}": base, "csrf_token": token},
    )
    assert saved.status_code == 200 and saved.json["saved"] is True
    assert _stored(path, submission_id) == 3


def test_a_stuck_writer_queue_never_stops_saves(sqlite_app):
    # The queue is a lock on a file beside the database.  Should something hold it and never let go,
    # a save waits for the busy timeout and then goes ahead on SQLite's own lock.
    app, path = sqlite_app
    browser, submission_id = _signed_in_draft(app)
    with open(f"{path}-writers", "a+b") as stuck:
        fcntl.flock(stuck.fileno(), fcntl.LOCK_EX)
        saved = _autosave(browser, submission_id, 2)
        fcntl.flock(stuck.fileno(), fcntl.LOCK_UN)
    assert saved.status_code == 200 and saved.json["saved"] is True
    assert _stored(path, submission_id) == 2


def test_a_read_only_view_that_tries_to_write_fails_and_writes_nothing(sqlite_app):
    app, _ = sqlite_app

    @read_only
    def careless_view():
        record("test.should_not_be_written")
        db.session.commit()
        return "written"

    app.add_url_rule("/careless", view_func=careless_view)
    response = app.test_client().get("/careless")
    assert response.status_code == 503
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count()).select_from(AuditEvent).filter_by(action="test.should_not_be_written")
            )
            == 0
        )
