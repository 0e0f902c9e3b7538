"""Text people type: which characters it may hold.

Tab, newline and carriage return are ordinary in longer text; other control characters are never
typed on purpose, are invisible on pages, and some programs refuse them outright (an XLSX workbook
cannot hold them at all), so they are turned away wherever text comes in.
"""

from __future__ import annotations

import re

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text: str | None) -> bool:
    return bool(text) and CONTROL_CHARACTERS.search(text or "") is not None
