"""Working-day arithmetic for standstill periods: weekends and listed bank holidays do not count."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


def is_working_day(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """The date on which a period of ``days`` working days that begins the day after ``start`` ends.

    A decision published on a Friday with an 8-working-day standstill ends on the second Tuesday
    after it, later if bank holidays fall in between.
    """
    if days < 0:
        raise ValueError("a period cannot be negative")
    closed = frozenset(holidays)
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current, closed):
            counted += 1
    return current


def working_days_between(start: date, end: date, holidays: Iterable[date] = ()) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end is not after start)."""
    closed = frozenset(holidays)
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current, closed)
    return count
