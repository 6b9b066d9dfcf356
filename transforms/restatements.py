"""Restatements: how a month's figure has changed since it was first published, and the records that changed it.

A month's figure moves when late recording arrives (a visit entered a week after it happened, a date corrected).
The first time a month end is published, its values and the records behind them are kept
(``ops.first_published_values`` and ``ops.first_published_records``); every later publication sets each figure
beside its first, and names the records now counted differently.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from declarations.marts import MARTS_BY_NAME
from declarations.operations import FIRST_PUBLISHED_RECORDS, FIRST_PUBLISHED_VALUES

FIGURE = ("numerator", "denominator", "value")
KEY = ["indicator_ref", "period_end", "team_id"]


def kept_period_ends() -> pl.Expr:
    """The period ends whose first publication is kept: month ends (a batch date inside a month is not one)."""
    return pl.col("period_end") == pl.col("period_end").dt.month_end()


def first_published_values(
    values: pl.DataFrame, known: pl.DataFrame, *, run_id: str, batch_id: str, published_at: object
) -> pl.DataFrame:
    """The values of the month ends published for the first time now (none of ``known``'s)."""
    new = values.filter(kept_period_ends()).join(
        known.select("indicator_ref", "period_end").unique(), on=["indicator_ref", "period_end"], how="anti"
    )
    return (
        new.with_columns(
            pl.lit(run_id).alias("run_id"),
            pl.lit(batch_id).alias("batch_id"),
            pl.lit(published_at).alias("published_at"),
        )
        .select(FIRST_PUBLISHED_VALUES.column_names)
        .cast(pl.Schema(FIRST_PUBLISHED_VALUES.polars_schema()))
    )


def first_published_records(records: pl.DataFrame, new_values: pl.DataFrame, *, run_id: str) -> pl.DataFrame:
    """The records behind the month ends published for the first time now."""
    return (
        records.join(new_values.select("indicator_ref", "period_end").unique(), on=["indicator_ref", "period_end"])
        .with_columns(pl.lit(run_id).alias("run_id"))
        .select(FIRST_PUBLISHED_RECORDS.column_names)
        .cast(pl.Schema(FIRST_PUBLISHED_RECORDS.polars_schema()))
    )


def restatements(
    values: pl.DataFrame, first: pl.DataFrame, records: pl.DataFrame, first_records: pl.DataFrame
) -> pl.DataFrame:
    """Every figure (indicator, month end, team) whose numerator, denominator or value now differs from its first
    publication: first and latest figures, and how many of its records were added, removed or moved in or out of
    the numerator since (a record that moved team is removed from one team's figure and added to the other's)."""
    joined = first.select(
        *KEY,
        *[pl.col(c).alias(f"first_{c}") for c in (*FIGURE, "status")],
        pl.col("run_id").alias("first_run_id"),
        pl.col("published_at").alias("first_published_at"),
    ).join(values.select(*KEY, *FIGURE, "status"), on=KEY, how="inner", nulls_equal=True)
    changed = joined.filter(pl.any_horizontal(~pl.col(f"first_{c}").eq_missing(pl.col(c)) for c in FIGURE))
    counted = [
        (pl.col("change") == "added").sum().cast(pl.Int64).alias("records_added"),
        (pl.col("change") == "removed").sum().cast(pl.Int64).alias("records_removed"),
        pl.col("change").is_in(MOVES).sum().cast(pl.Int64).alias("records_moved"),
    ]
    by_team = _diff(records, first_records, first, ["team_id"]).group_by(KEY).agg(counted)
    whole = (
        _diff(records, first_records, first, [])
        .group_by("indicator_ref", "period_end")
        .agg(counted)
        .with_columns(pl.lit(None, dtype=pl.String).alias("team_id"))
    )
    return (
        changed.join(pl.concat([by_team, whole.select(by_team.columns)]), on=KEY, how="left", nulls_equal=True)
        .with_columns(pl.col(c).fill_null(0) for c in ("records_added", "records_removed", "records_moved"))
        .rename({c: f"latest_{c}" for c in (*FIGURE, "status")})
        .select(MARTS_BY_NAME["restatements"].column_names)
        .sort(KEY, nulls_last=False)
    )


MOVES = ("now in the numerator", "now out of the numerator")


def _diff(records: pl.DataFrame, first_records: pl.DataFrame, kept: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Each record counted differently now from the first publication of its month end (``kept``: the indicators
    and month ends first published, whether or not any record was behind them), matched on indicator, month end,
    record and ``by``: added, removed, now in the numerator, now out of it."""
    key = ["indicator_ref", "period_end", *by, "record_id"]
    kept = kept.select("indicator_ref", "period_end").unique()
    now = records.join(kept, on=["indicator_ref", "period_end"]).select(
        *key, "person_id", pl.col("team_id").alias("latest_team_id"), pl.col("in_numerator").alias("latest")
    )
    then = first_records.select(
        *key,
        pl.col("person_id").alias("first_person_id"),
        pl.col("team_id").alias("first_team_id"),
        pl.col("in_numerator").alias("first"),
    )
    change = (
        pl.when(pl.col("first").is_null())
        .then(pl.lit("added"))
        .when(pl.col("latest").is_null())
        .then(pl.lit("removed"))
        .when(pl.col("latest") & ~pl.col("first"))
        .then(pl.lit(MOVES[0]))
        .when(~pl.col("latest") & pl.col("first"))
        .then(pl.lit(MOVES[1]))
    )
    return (
        now.join(then, on=key, how="full", nulls_equal=True, coalesce=True)
        .with_columns(change.alias("change"), pl.coalesce("person_id", "first_person_id").alias("person_id"))
        .filter(pl.col("change").is_not_null())
    )


def restated_records(records: pl.DataFrame, first_records: pl.DataFrame, restated: pl.DataFrame) -> pl.DataFrame:
    """The records behind each restated whole-service figure that are counted differently now: added, removed,
    or moved in or out of the numerator, with the team they counted for then and now."""
    whole = restated.filter(pl.col("team_id").is_null()).select("indicator_ref", "period_end")
    return (
        _diff(records, first_records, whole, [])
        .join(whole, on=["indicator_ref", "period_end"])
        .rename({"first": "first_in_numerator", "latest": "latest_in_numerator"})
        .select(MARTS_BY_NAME["restated_records"].column_names)
        .sort("indicator_ref", "period_end", "record_id")
    )


def restated_month_ends(restated: pl.DataFrame) -> dict[str, list[date]]:
    """Per indicator, the month ends whose whole-service figure has been restated."""
    whole = restated.filter(pl.col("team_id").is_null())
    out: dict[str, list[date]] = {}
    for ref, end in whole.select("indicator_ref", "period_end").unique().sort("period_end").iter_rows():
        out.setdefault(ref, []).append(end)
    return out
