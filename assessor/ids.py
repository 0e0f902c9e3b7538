"""Ids from URLs and forms: ASCII digits within the database's integer range, or nothing.

An id the database cannot hold (SQLite stops at 2**63, PostgreSQL's integer columns at 2**31) makes
the driver raise rather than find nothing, and ``int()`` and ``str.isdigit()`` accept digits from
other scripts ("٣", "²").  Every id a request carries is read here, so an impossible one is simply
a missing one: 404 for a URL, "choose ..." for a form.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map, ValidationError

# PostgreSQL's integer columns are the narrower of the two databases' limits.
MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))


def parse_id(value: Any) -> int | None:
    """The id ``value`` spells in ASCII digits, or None if it spells none the database could hold."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not (text.isascii() and text.isdecimal()) or len(text) > _MAX_DIGITS:
        return None
    number = int(text)
    return number if number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits only, and no larger than the database can hold."""

    # Werkzeug's ``\\d+`` would match digits of any script.
    regex = r"[0-9]+"

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None, signed: bool = False
    ) -> None:
        bounded = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bounded, signed=signed)

    def to_python(self, value: str) -> Any:
        # Refused before int() so a URL of thousands of digits costs nothing to turn away.
        if len(value.lstrip("-")) > _MAX_DIGITS:
            raise ValidationError()
        return super().to_python(value)
