from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from assessor.workdays import add_working_days, is_working_day, working_days_between

# England and Wales bank holidays around Christmas 2026 and Easter 2027.
HOLIDAYS = {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29)}


def test_eight_working_days_from_a_friday_skip_both_weekends():
    # Published Friday 6 Nov 2026: Mon 9 … Fri 13 is five days, Mon 16 … Wed 18 makes eight.
    assert add_working_days(date(2026, 11, 6), 8) == date(2026, 11, 18)


def test_christmas_bank_holidays_extend_the_period():
    # From Monday 21 Dec 2026: 22, 23, 24 (3), 25 and 28 are holidays, 29, 30, 31 (6), 1 Jan holiday, 4, 5 (8).
    assert add_working_days(date(2026, 12, 21), 8, HOLIDAYS) == date(2027, 1, 5)
    assert add_working_days(date(2026, 12, 21), 8) == date(2026, 12, 31)


def test_easter_weekend_with_good_friday_and_easter_monday():
    # From Thursday 25 Mar 2027, five working days: 30, 31 Mar, 1, 2, 5 Apr.
    assert add_working_days(date(2027, 3, 25), 5, HOLIDAYS) == date(2027, 4, 5)


def test_a_period_never_ends_on_a_weekend_or_holiday_and_zero_days_is_the_start():
    assert add_working_days(date(2026, 11, 7), 0) == date(2026, 11, 7)
    assert add_working_days(date(2026, 11, 7), 1) == date(2026, 11, 9)  # Saturday → Monday


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)), st.integers(min_value=1, max_value=40))
def test_end_date_is_a_working_day_exactly_n_working_days_later(start, days):
    end = add_working_days(start, days, HOLIDAYS)
    assert is_working_day(end, frozenset(HOLIDAYS))
    assert working_days_between(start, end, HOLIDAYS) == days
    assert working_days_between(start, end - timedelta(days=1), HOLIDAYS) == days - 1
