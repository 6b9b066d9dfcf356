from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.calendar import add_working_days, calendar

CAL = calendar(date(2022, 1, 1), date(2024, 12, 31)).collect().lazy()


def wd(d: date, n: int) -> date | None:
    frame = pl.LazyFrame({"d": [d]}, schema={"d": pl.Date})
    return add_working_days(frame, CAL, date_column="d", days=n, alias="due").collect()["due"][0]


def test_bank_holiday_inside_a_working_day_window():
    # the worked example in shared/indicators.md: Monday 28 August 2023 is the late summer bank holiday
    assert wd(date(2023, 8, 25), 1) == date(2023, 8, 29)
    # Christmas and Boxing Day 2023 fall on Monday and Tuesday
    assert wd(date(2023, 12, 22), 1) == date(2023, 12, 27)
    # Easter 2023: Good Friday 7 April, Easter Monday 10 April
    assert wd(date(2023, 4, 6), 1) == date(2023, 4, 11)
    # the coronation bank holiday, 8 May 2023 (a one-off, so it must come from the maintained package)
    assert wd(date(2023, 5, 5), 1) == date(2023, 5, 9)


def test_start_day_is_not_counted_even_when_it_is_not_a_working_day():
    assert wd(date(2023, 8, 26), 1) == date(2023, 8, 29)  # a Saturday before the bank holiday
    assert wd(date(2023, 8, 28), 1) == date(2023, 8, 29)  # the bank holiday itself
    assert wd(date(2023, 8, 29), 10) == date(2023, 9, 12)
    assert wd(date(2023, 8, 26), 0) == date(2023, 8, 26)


def test_null_dates_and_days_from_a_column():
    frame = pl.LazyFrame(
        {"d": [date(2023, 8, 25), None, date(2023, 8, 31)], "n": [1, 3, 45]},
        schema={"d": pl.Date, "n": pl.Int64},
    )
    out = add_working_days(frame, CAL, date_column="d", days="n", alias="due").collect()
    assert out["due"].to_list() == [date(2023, 8, 29), None, date(2023, 11, 2)]
    assert out.columns == ["d", "n", "due"]


def test_calendar_flags():
    cal = CAL.collect()
    row = cal.filter(pl.col("calendar_date") == date(2023, 8, 28)).row(0, named=True)
    assert row["is_bank_holiday"] and not row["is_working_day"]
    assert row["bank_holiday_name"] == "Late Summer Bank Holiday"
    assert cal.height == (date(2024, 12, 31) - date(2022, 1, 1)).days + 1
    # 2023 had 251 working days in England and Wales: 365 - 105 weekend days - 9 weekday bank holidays
    assert cal.filter(pl.col("calendar_date").dt.year() == 2023)["is_working_day"].sum() == 251


@settings(max_examples=200, deadline=None)
@given(st.dates(date(2022, 1, 1), date(2024, 6, 30)), st.integers(0, 60))
def test_wd_matches_counting_one_day_at_a_time(d, n):
    working = set(CAL.filter(pl.col("is_working_day")).collect()["calendar_date"].to_list())
    expected, counted = d, 0
    while counted < n:
        expected += timedelta(days=1)
        counted += expected in working
    assert wd(d, n) == expected
