"""The working-day calendar and working-day arithmetic.

Working days are Monday to Friday except England and Wales bank holidays (shared/contract.md), the calendar the
DfE validators use. Bank holidays come from the maintained ``holidays`` package, not a hand list.

``wd(D, n)`` (shared/indicators.md) is the n-th working day after D: D itself is not counted, whether or not it is
a working day, and ``wd(D, 0) = D``. Each date carries ``working_days_to_date``, the number of working days up to
and including it, so ``wd(D, n)`` is the working day whose count is ``working_days_to_date(D) + n``.
"""

from __future__ import annotations

from datetime import date

import holidays
import polars as pl


def bank_holidays(start: date, end: date) -> dict[date, str]:
    """England and Wales bank holidays between start and end (inclusive), with their names."""
    years = range(start.year, end.year + 1)
    found = holidays.country_holidays("GB", subdiv="ENG", years=years)
    return {d: name for d, name in sorted(found.items()) if start <= d <= end}


def calendar(start: date, end: date) -> pl.LazyFrame:
    """One row per date from start to end: weekday, bank holiday, working day, working days to date."""
    holiday_names = bank_holidays(start, end)
    holiday_frame = pl.LazyFrame(
        {"calendar_date": list(holiday_names), "bank_holiday_name": list(holiday_names.values())},
        schema={"calendar_date": pl.Date, "bank_holiday_name": pl.String},
    )
    return (
        pl.LazyFrame({"calendar_date": pl.date_range(start, end, interval="1d", eager=True)})
        .join(holiday_frame, on="calendar_date", how="left")
        # joins do not keep row order unless asked; the running count below needs date order
        .sort("calendar_date")
        .with_columns(
            pl.col("calendar_date").dt.weekday().alias("iso_weekday"),
            pl.col("bank_holiday_name").is_not_null().alias("is_bank_holiday"),
        )
        .with_columns(((pl.col("iso_weekday") <= 5) & ~pl.col("is_bank_holiday")).alias("is_working_day"))
        .with_columns(pl.col("is_working_day").cast(pl.Int32).cum_sum().alias("working_days_to_date"))
    )


def add_working_days(
    frame: pl.LazyFrame, cal: pl.LazyFrame, *, date_column: str, days: int | str, alias: str
) -> pl.LazyFrame:
    """Add column ``alias`` = wd(date_column, days); ``days`` is a number or the name of a column.

    Null dates give null, and so does a date whose answer falls outside the calendar: build the calendar to
    cover every date in the data plus the longest timescale (``calendar_bounds``).
    """
    n = pl.lit(days) if isinstance(days, int) else pl.col(days)
    counts = cal.select("calendar_date", "working_days_to_date")
    working = cal.filter(pl.col("is_working_day")).select(
        pl.col("working_days_to_date").alias("_target"), pl.col("calendar_date").alias("_wd_date")
    )
    out = (
        frame.join(
            counts.rename({"calendar_date": "_from", "working_days_to_date": "_from_count"}),
            left_on=date_column,
            right_on="_from",
            how="left",
            maintain_order="left",
        )
        .with_columns((pl.col("_from_count") + n).alias("_target"))
        .join(working, on="_target", how="left", maintain_order="left")
        .with_columns(pl.when(n == 0).then(pl.col(date_column)).otherwise(pl.col("_wd_date")).alias(alias))
    )
    return out.drop("_from_count", "_target", "_wd_date")


def calendar_bounds(dates: list[date | None], *, margin_days: int = 400) -> tuple[date, date]:
    """A calendar range covering every given date, with room for the longest timescale after the last."""
    from datetime import timedelta

    known = [d for d in dates if d is not None]
    if not known:
        raise ValueError("no dates to build a calendar for")
    return min(known) - timedelta(days=margin_days), max(known) + timedelta(days=margin_days)
