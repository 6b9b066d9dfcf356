"""Caseloads: the children each worker holds at each period end, per worker and per team.

A worker holds a child at E when one of the worker's case-holding involvements with the child (the roles in the
``case_holding_roles`` setting: an IRO's never counts) is open at E. A child held by two workers (a social worker
and a personal adviser) is on both caseloads; a team's children are its workers' children, each counted once.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from declarations.marts import MARTS_BY_NAME

# Job titles that name a newly qualified social worker in their assessed and supported year: their caseload
# threshold is half the others' (the councils' papers: "newly qualified social workers should have half the
# caseload").
NEWLY_QUALIFIED = r"(?i)newly qualified|\bASYE\b|\bNQSW\b"


def last_30_september(e: date) -> date:
    """The date the SSD's own ``prof_professional_caseload`` counts at: the last 30 September on or before E."""
    return date(e.year if (e.month, e.day) >= (9, 30) else e.year - 1, 9, 30)


def caseload_child(allocation: pl.LazyFrame, ends: list[date]) -> pl.LazyFrame:
    """Per period end, every child each worker holds: one row per worker and child (the earliest-started of the
    worker's open case-holding involvements with the child), with the team that involvement is in."""
    return _held(allocation, ends)


def _held(allocation: pl.LazyFrame, ends: list[date]) -> pl.LazyFrame:
    frames = [
        allocation.filter(
            pl.col("is_case_holding")
            & pl.col("worker_id").is_not_null()
            & pl.col("person_id").is_not_null()
            & (pl.col("start_date") <= e)
            & (pl.col("end_date").is_null() | (pl.col("end_date") > e))
        ).with_columns(pl.lit(e).alias("period_end"))
        for e in ends
    ]
    columns = MARTS_BY_NAME["caseload_children"].column_names
    return (
        pl.concat(frames)
        .sort(["period_end", "worker_id", "person_id", "start_date", "involvement_id"])
        .group_by("period_end", "worker_id", "person_id", maintain_order=True)
        .first()
        .select(columns)
    )


def caseload(
    caseload_child: pl.LazyFrame,
    worker: pl.LazyFrame,
    allocation: pl.LazyFrame,
    as_of: date,
    threshold: int,
) -> pl.LazyFrame:
    """Per period end and worker holding at least one child: the children held, the team holding most of them,
    the worker's threshold (``threshold``, half for a newly qualified worker) and whether the caseload is over it,
    and the SSD's own recorded caseload beside the children held at the date it counts at."""
    recorded_on = last_30_september(as_of)
    at_recorded_date = (
        _held(allocation, [recorded_on])
        .group_by("worker_id")
        .agg(pl.col("person_id").n_unique().cast(pl.Int64).alias("children_at_recorded_date"))
    )
    per_team = caseload_child.group_by("period_end", "worker_id", "team_id").agg(pl.len().alias("_in_team"))
    main_team = (
        per_team.sort(["period_end", "worker_id", "_in_team", "team_id"], descending=[False, False, True, False])
        .group_by("period_end", "worker_id", maintain_order=True)
        .first()
        .select("period_end", "worker_id", "team_id")
    )
    newly_qualified = pl.col("job_title").fill_null("").str.contains(NEWLY_QUALIFIED)
    workers = worker.select(
        "worker_id", "job_title", "is_agency_worker", "full_time_equivalent", "recorded_caseload"
    ).unique("worker_id", keep="first")
    return (
        caseload_child.group_by("period_end", "worker_id")
        .agg(pl.col("person_id").n_unique().cast(pl.Int64).alias("children"))
        .join(main_team, on=["period_end", "worker_id"], how="left")
        .join(workers, on="worker_id", how="left")
        .join(at_recorded_date, on="worker_id", how="left")
        .with_columns(
            newly_qualified.alias("is_newly_qualified"),
            pl.when(newly_qualified).then(threshold // 2).otherwise(threshold).cast(pl.Int64).alias("threshold"),
            pl.lit(recorded_on).alias("recorded_caseload_date"),
            pl.col("children_at_recorded_date").fill_null(0),
        )
        .with_columns((pl.col("children") > pl.col("threshold")).alias("is_over_threshold"))
        .select(MARTS_BY_NAME["caseload"].column_names)
        .sort("period_end", "team_id", "worker_id", nulls_last=True)
    )


def caseload_by_team(caseload: pl.LazyFrame, caseload_child: pl.LazyFrame) -> pl.LazyFrame:
    """Per period end and team (and for the whole service, team null): the workers holding children, the children
    they hold, the mean, median and quartiles of their caseloads, the workers over their threshold, and agency and
    newly qualified workers."""
    stats = [
        pl.len().cast(pl.Int64).alias("workers"),
        pl.col("children").mean().round(1).alias("mean_caseload"),
        pl.col("children").median().alias("median_caseload"),
        pl.col("children").quantile(0.25, "linear").alias("lower_quartile_caseload"),
        pl.col("children").quantile(0.75, "linear").alias("upper_quartile_caseload"),
        pl.col("children").max().alias("max_caseload"),
        pl.col("is_over_threshold").sum().cast(pl.Int64).alias("workers_over_threshold"),
        pl.col("is_agency_worker").fill_null(False).sum().cast(pl.Int64).alias("agency_workers"),
        pl.col("is_newly_qualified").sum().cast(pl.Int64).alias("newly_qualified_workers"),
    ]
    held = [pl.col("person_id").n_unique().cast(pl.Int64).alias("children")]
    # A child held by two workers of one team counts once for the team; the whole service counts each child once.
    teams = (
        caseload.group_by("period_end", "team_id")
        .agg(stats)
        .join(
            caseload_child.drop("team_id")
            .join(caseload.select("period_end", "worker_id", "team_id"), on=["period_end", "worker_id"])
            .group_by("period_end", "team_id")
            .agg(held),
            on=["period_end", "team_id"],
            how="left",
        )
    )
    whole = (
        caseload.group_by("period_end")
        .agg(stats)
        .join(caseload_child.group_by("period_end").agg(held), on="period_end", how="left")
        .with_columns(pl.lit(None, dtype=pl.String).alias("team_id"))
    )
    return (
        pl.concat([teams, whole], how="diagonal")
        .with_columns((100 * pl.col("agency_workers") / pl.col("workers")).round(1).alias("agency_share"))
        .select(MARTS_BY_NAME["caseload_by_team"].column_names)
        .sort("period_end", "team_id", nulls_last=False)
    )
