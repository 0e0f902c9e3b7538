"""CSV and XLSX files from tables the services hand over, safe to open in a spreadsheet.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be run as a
formula by spreadsheet programs (and openpyxl itself stores ``=...`` as a formula).  Answers are
typed by providers, so every such cell gets a leading single quote and is read as plain text.
"""

from __future__ import annotations

from io import BytesIO

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The control characters an XLSX workbook cannot hold at all: openpyxl refuses a cell holding one,
# which would make the whole export fail, so they are dropped from the workbook's text.
XLSX_ILLEGAL_CHARACTERS = ILLEGAL_CHARACTERS_RE
# Excel limits sheet names to 31 characters and refuses a few punctuation marks.
_SHEET_NAME_LIMIT = 31


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every dangerous text cell and column name quoted; numbers are left as numbers."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        is_text = values.map(lambda value: isinstance(value, str))
        dangerous = is_text & values.where(is_text, "").str.startswith(FORMULA_TRIGGERS)
        if dangerous.any():
            safe[column] = values.mask(dangerous, "'" + values.where(dangerous, ""))
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe


def _xlsx_text(value):
    return XLSX_ILLEGAL_CHARACTERS.sub("", value) if isinstance(value, str) else value


def xlsx_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy without the characters a workbook cannot hold, in cells and column names alike."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            safe[column] = values.map(_xlsx_text)
    safe.columns = [_xlsx_text(str(c)) for c in safe.columns]
    return safe


def to_csv(frame: pd.DataFrame) -> bytes:
    # The byte-order mark lets Excel detect UTF-8, so names with accents survive a double-click.
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe_name = _xlsx_text("".join(ch for ch in name if ch not in "[]:*?/\\"))[:_SHEET_NAME_LIMIT]
            safe = neutralise_frame(xlsx_safe_frame(frame))
            safe.to_excel(writer, sheet_name=safe_name, index=False)
            worksheet = writer.sheets[safe_name]
            worksheet.freeze_panes = "A2"
            for position, column in enumerate(safe.columns, start=1):
                longest = max(len(column), int(safe[column].astype(str).str.len().max() or 0))
                letter = worksheet.cell(row=1, column=position).column_letter
                worksheet.column_dimensions[letter].width = min(60, max(10, longest + 2))
    return buffer.getvalue()
