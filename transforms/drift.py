"""The drift list: open cases where nothing has happened for too long, for the weekly performance meeting.

An open case is a child allocated at the batch date (a case-holding involvement open then: ``allocated``). What
counts as something happening: a visit (seen or not), a CP review, a CLA review held, a CIN plan review, or a plan
or episode of care starting or ending. A case drifts when the latest of these is more than ``days`` before the
batch date, or when there is none at all.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from declarations.catalogue import Catalogue
from declarations.marts import MARTS_BY_NAME
from transforms.indicators import Conformed, allocated, cin_cohort, cla_cohort, cp_cohort

NEVER = 1_000_000  # sorts a case with no activity at all before any other


def _activity(frame: pl.LazyFrame, column: str, what: str) -> pl.LazyFrame:
    return frame.select("person_id", pl.col(column).alias("activity_date"), pl.lit(what).alias("activity"))


def case_activity(c: Conformed, as_of: date) -> pl.LazyFrame:
    """Everything that happened on each child's case up to the batch date: (person, date, what)."""
    frames = [
        _activity(c.visit, "visit_date", "visit"),
        _activity(c.cp_review, "review_date", "CP review"),
        _activity(c.cla_review_chain, "review_date", "CLA review"),
        _activity(c.cin_plan_review, "review_date", "CIN plan review"),
        _activity(c.cp_plan, "start_date", "CP plan started"),
        _activity(c.cp_plan, "end_date", "CP plan ended"),
        _activity(c.cin_plan, "start_date", "CIN plan started"),
        _activity(c.cin_plan, "end_date", "CIN plan ended"),
        _activity(c.cla_episode, "start_date", "episode of care started"),
        _activity(c.cla_episode, "end_date", "episode of care ended"),
    ]
    return pl.concat(frames).filter(
        pl.col("person_id").is_not_null() & pl.col("activity_date").is_not_null() & (pl.col("activity_date") <= as_of)
    )


def drift_list(c: Conformed, cat: Catalogue, as_of: date, days: int) -> pl.LazyFrame:
    """Open cases whose latest activity is more than ``days`` before ``as_of`` (or that have none), with the team
    and worker allocated, what the child is on, and the latest activity and its date."""
    latest = (
        case_activity(c, as_of)
        # the latest activity; of two on one day, the first in alphabetical order, so the list is the same each run
        .sort(["person_id", "activity_date", "activity"], descending=[False, True, False])
        .group_by("person_id", maintain_order=True)
        .first()
    )
    on = (
        pl.when(pl.col("_cp").is_not_null())
        .then(pl.lit("CP plan"))
        .when(pl.col("_cla").is_not_null())
        .then(pl.lit("looked after"))
        .when(pl.col("_cin").is_not_null())
        .then(pl.lit("child in need"))
        .otherwise(pl.lit("other open case"))
    )
    return (
        allocated(c, as_of)
        .join(latest, on="person_id", how="left")
        .join(cp_cohort(c, as_of).select("person_id", pl.lit(True).alias("_cp")), on="person_id", how="left")
        .join(cla_cohort(c, as_of).select("person_id", pl.lit(True).alias("_cla")), on="person_id", how="left")
        .join(cin_cohort(c, cat, as_of).select("person_id", pl.lit(True).alias("_cin")), on="person_id", how="left")
        .with_columns(
            pl.lit(as_of).alias("as_of"),
            on.alias("open_as"),
            (pl.lit(as_of) - pl.col("activity_date")).dt.total_days().alias("days_since_activity"),
            pl.lit(days, dtype=pl.Int64).alias("drift_days"),
        )
        .filter(pl.col("activity_date").is_null() | (pl.col("days_since_activity") > days))
        .rename({"activity_date": "last_activity_date", "activity": "last_activity"})
        .select(MARTS_BY_NAME["drift_list"].column_names)
        # by team and worker, the longest drifting first (no activity at all before any)
        .sort(
            pl.col("team_id"),
            pl.col("worker_id"),
            pl.col("days_since_activity").fill_null(NEVER),
            pl.col("person_id"),
            descending=[False, False, True, False],
            nulls_last=True,
        )
    )
