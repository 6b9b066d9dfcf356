"""Dates as day numbers, calendar months and working days, all vectorised over numpy arrays.

Every date in the generator is an ``int32`` count of days since 1970-01-01 so that millions of them can be
shifted, compared and sorted at numpy speed; they only become text when a file is written.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import numpy as np

EPOCH = date(1970, 1, 1)
# "No date" inside the generator (written as blank/NULL); never a real day number.
NULL_DAY = np.int32(np.iinfo(np.int32).min)
# Contract problem 1: the SSD scripts write 1900-01-01 for "no date"; it is a format, not a missing value.
SENTINEL_DAY = np.int32((date(1900, 1, 1) - EPOCH).days)


def day(d: date) -> int:
    return (d - EPOCH).days


def to_date(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def _as_days(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.int64).astype("datetime64[D]")


def add_months(days: np.ndarray, months: int | np.ndarray) -> np.ndarray:
    """Same day of the month, months later; clamped to the month's last day (31 May - 3 months = 29 Feb)."""
    d = _as_days(days)
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months, dtype=np.int64)
    month_length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    out = target.astype("datetime64[D]") + np.minimum(day_of_month, month_length - 1)
    return out.astype(np.int64).astype(np.int32)


def add_years(days: np.ndarray, years: int | np.ndarray) -> np.ndarray:
    return add_months(days, np.asarray(years, dtype=np.int64) * 12)


def whole_years_between(start: np.ndarray, end: int) -> np.ndarray:
    """Age in whole years at ``end`` of someone born on ``start`` (birthday counted on the day)."""
    s = _as_days(start)
    e = np.datetime64(to_date(end), "D")
    years = e.astype("datetime64[Y]").astype(np.int64) - s.astype("datetime64[Y]").astype(np.int64)
    had_birthday = add_years(start, years) <= end
    return np.where(had_birthday, years, years - 1)


class WorkingDays:
    """Monday to Friday less England and Wales bank holidays (the calendar the indicators use)."""

    def __init__(self, first_year: int, last_year: int):
        bank_holidays = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
        self._calendar = np.busdaycalendar(holidays=sorted(bank_holidays))

    def add(self, days: np.ndarray, n: int | np.ndarray) -> np.ndarray:
        """wd(D, n): the n-th working day after D, D itself not counted; wd(D, 0) = D."""
        days = np.asarray(days, dtype=np.int32)
        n = np.broadcast_to(np.asarray(n, dtype=np.int64), days.shape)
        # Rolling a weekend/holiday back to the previous working day first makes "the n-th working day after D"
        # come out right for non-working D too (wd(Sat, 1) = Mon).
        moved = np.busday_offset(_as_days(days), n, roll="backward", busdaycal=self._calendar)
        return np.where(n == 0, days, moved.astype(np.int64).astype(np.int32))
