"""Plain rows for the hottest reads: statements built once, run on the session's own connection.

A domain page and an autosave each make several small reads.  Through ``Session.execute`` each
one pays for ORM bookkeeping it does not need, and a statement built afresh pays again for its
cache key; together that was a large share of a request.  ``plain_rows`` flushes first, so a
read sees the session's pending changes exactly as ``Session.execute`` would, then runs a
prebuilt Core statement on the same connection and transaction.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Executable
from sqlalchemy.engine import CursorResult, Result

from ..extensions import db


def plain_rows(statement: Executable, **parameters) -> Result:
    session = db.session
    session.flush()  # returns at once when nothing is pending
    return session.connection().execute(statement, parameters)


def changed_rows(statement: Executable, parameters: dict[str, Any] | None = None) -> int:
    """Run an UPDATE in the session's transaction; how many rows it changed (0 when a colleague won)."""
    # An UPDATE always yields a CursorResult, which Session.execute's signature does not say.
    result = cast(CursorResult[Any], db.session.execute(statement, parameters))
    return result.rowcount
