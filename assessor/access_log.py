"""gunicorn's access log as JSON lines, written by a JSON encoder: ``logger_class`` in gunicorn.conf.py.

gunicorn's own access log fills a format string with the request's atoms, escaping only double quotes;
a path holding a backslash or an encoded newline (``%0A``) then splits the line or ends the JSON
string early, so a log reader drops the request or reads a forged record.
"""

from __future__ import annotations

import json
import traceback
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

# Each field of a line and the gunicorn atom it comes from.
ACCESS_FIELDS = {
    "time": "t",
    "remote": "h",
    "method": "m",
    "path": "U",
    "status": "s",
    "bytes": "B",
    "duration_us": "D",
    "request_id": "{x-request-id}o",
}


def _text(value: Any) -> Any:
    """WSGI strings carry the request's bytes as Latin-1; a path typed in UTF-8 is logged as typed."""
    if not isinstance(value, str):
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def access_line(atoms: dict[str, Any]) -> str:
    entry = {field: _text(atoms.get(atom)) for field, atom in ACCESS_FIELDS.items()}
    status = entry["status"]
    entry["status"] = int(status) if isinstance(status, str) and status.isascii() and status.isdigit() else status
    # ASCII-only output: newlines, quotes, backslashes and every non-ASCII character are escaped.
    return json.dumps(entry, ensure_ascii=True)


class JsonAccessLogger(Logger):
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        try:
            # No arguments, so the logging module never applies %-formatting to the line.
            self.access_log.info(access_line(self.atoms(resp, req, environ, request_time)))
        except Exception:
            self.error(traceback.format_exc())
