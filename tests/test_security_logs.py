"""Log injection: whatever a request's path holds, each request is one line of valid JSON.

The access log is written by gunicorn with the shipped ``gunicorn.conf.py``; the app's own request
log by ``assessor.observability``.  Both must survive quotes, backslashes, encoded newlines and
non-ASCII text in the path without splitting a line or letting the path forge a field.
"""

from __future__ import annotations

import json
import logging
import runpy
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from gunicorn.config import Config

REPO = Path(__file__).resolve().parent.parent
# As a client sends them: a quote ending the JSON string early, a backslash before it, an encoded
# newline followed by a forged record, and non-ASCII text.
HOSTILE_PATHS = [
    '/y\\","status":200,"z":"',
    '/x\n{"time":"forged","remote":"10.9.9.9"}\n',
    '/déjà vu/\u2028/\u202e/"\\',
    "/tab\there\r/nul\x00",
]


class _Response:
    status = "404 NOT FOUND"
    sent = 207
    headers = [("Content-Type", "text/html"), ("X-Request-ID", "abc123")]


def _gunicorn_logger(tmp_path: Path):
    """gunicorn's logger as the shipped configuration sets it up, writing to a file."""
    settings = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    config = Config()
    for name, value in settings.items():
        if name in config.settings and not callable(value):
            config.set(name, value)
    config.set("accesslog", str(tmp_path / "access.log"))
    return config.logger_class(config), tmp_path / "access.log"


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_the_gunicorn_access_log_writes_one_json_line_per_request_whatever_the_path(tmp_path, path):
    logger, log_file = _gunicorn_logger(tmp_path)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/ignored",
        "SERVER_PROTOCOL": "HTTP/1.1",
        # WSGI hands the path over as the request's bytes read as Latin-1.
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "REMOTE_ADDR": "192.0.2.7",
    }
    logger.access(_Response(), [("Host", "localhost")], environ, timedelta(microseconds=1500))
    for handler in logger.access_log.handlers:
        handler.flush()

    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1, lines
    assert lines[0].isascii()
    entry = json.loads(lines[0])
    assert entry["path"] == path
    assert entry["status"] == 404 and entry["remote"] == "192.0.2.7" and entry["method"] == "GET"
    assert entry["bytes"] == 207 and entry["duration_us"] == 1500 and entry["request_id"] == "abc123"
    assert set(entry) == {"time", "remote", "method", "path", "status", "bytes", "duration_us", "request_id"}


def test_the_app_request_log_writes_one_json_line_per_request_whatever_the_path(tmp_path, caplog):
    from assessor import create_app
    from assessor.observability import JsonLinesFormatter
    from tests.app_setup import app_config

    app = create_app({**app_config(f"sqlite:///{tmp_path / 'unused.sqlite'}", tmp_path), "JSON_LOGS": True})
    client = app.test_client()
    formatter = JsonLinesFormatter()
    for path in HOSTILE_PATHS:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="gateway.requests"):
            logging.getLogger("gateway.requests").addHandler(caplog.handler)
            try:
                client.get(quote(path))
            finally:
                logging.getLogger("gateway.requests").removeHandler(caplog.handler)
        with app.test_request_context():
            lines = [formatter.format(record) for record in caplog.records if record.name == "gateway.requests"]
        assert len(lines) == 1
        assert "\n" not in lines[0]
        assert json.loads(lines[0])["path"] == path
