"""JSON-lines logs with a request id, so one request can be followed across workers and services."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from sqlalchemy import inspect

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = getattr(g, "request_id", None)
        for key in ("method", "path", "status", "duration_ms", "user_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(app: Flask) -> None:
    if not app.config.get("JSON_LOGS"):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLinesFormatter())
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    request_log = logging.getLogger("gateway.requests")
    request_log.handlers[:] = [handler]
    request_log.setLevel(logging.INFO)
    request_log.propagate = False


def register_request_ids(app: Flask) -> None:
    request_log = logging.getLogger("gateway.requests")

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-ID", "")
        # A caller-supplied id is kept only when it is harmless to echo into logs and headers.
        g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        started = getattr(g, "request_started", None)
        if started is not None and app.config.get("JSON_LOGS"):
            # The identity key, not an attribute: after a view's commit the user's attributes are
            # expired, and reading one would load the row again just to log it.
            user = g.get("_login_user")
            user_id = None if user is None or user.is_anonymous else str(inspect(user).identity[0])
            request_log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user_id,
                },
            )
        return response
