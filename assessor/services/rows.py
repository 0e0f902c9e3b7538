"""Plain rows for the hottest reads: statements built once, run on the session's own connection.

A domain page and an autosave each make several small reads.  Through ``Session.execute`` each
one pays for ORM bookkeeping it does not need, and a statement built afresh pays again for its
cache key; together that was a large share of a request.  ``plain_rows`` flushes first, so a
read sees the session's pending changes exactly as ``Session.execute`` would, then runs a
prebuilt Core statement on the same connection and transaction.
"""

from __future__ import annotations

from sqlalchemy import Executable
from sqlalchemy.engine import Result

from ..extensions import db


def plain_rows(statement: Executable, **parameters) -> Result:
    session = db.session
    session.flush()  # returns at once when nothing is pending
    return session.connection().execute(statement, parameters)
