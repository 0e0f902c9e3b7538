"""Times as the people using the service read them.

Times are stored in UTC.  Pages show them in the service's own time zone (``DISPLAY_TIMEZONE``,
Europe/London unless set), the same clock as the browser's "Saved at" message, so in summer a
change made at 14:05 by a person in England is not shown as 13:05.  PDF reports keep UTC and say
so, since a panel pack may be read anywhere and must not depend on where it was printed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_time(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))
