"""Every conformed table from the staging tables, and the reconciliation that proves nothing was dropped.

Pure polars: staging frames in, conformed frames out. The flow reads staging and writes the results.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

from declarations.conformed import CHILD, CONFORMED_TABLES
from declarations.contract import TABLES, table
from declarations.systems import CASE_HOLDING_ROLES
from transforms import front_door, people, plans, reviews
from transforms import visits as visit_transforms
from transforms.calendar import calendar
from transforms.keys import one_row_per_key, rows_without_unique_key
from transforms.timescales import DEFAULT_TIMESCALES, Timescales

# Which staging table feeds which conformed table (one row each, after de-duplication of keys).
SOURCES: dict[str, str] = {
    "ssd_person": "child",
    "ssd_department": "team",
    "ssd_professionals": "worker",
    "ssd_involvements": "allocation",
    "ssd_contacts": "contact",
    "ssd_cin_episodes": "referral",
    "ssd_cin_assessments": "assessment",
    "ssd_s47_enquiry": "s47_enquiry",
    "ssd_initial_cp_conference": "initial_cp_conference",
    "ssd_cin_plans": "cin_plan",
    "ssd_cp_plans": "cp_plan",
    "ssd_cla_episodes": "cla_episode",
    "ssd_cla_placement": "cla_placement",
    "ssd_cp_reviews": "cp_review",
    "ssd_cla_reviews": "cla_review",
    "ext_cin_plan_reviews": "cin_plan_review",
    "ext_management_oversight": "management_oversight",
    "ssd_care_leavers": "care_leaver",
    "ssd_cp_visits": "visit",
    "ssd_cla_visits": "visit",
    "ssd_cin_visits": "visit",
    "ssd_cla_health": "health_check",
    "ssd_missing": "missing_episode",
    "ssd_pre_proceedings": "pre_proceedings",
}
VISIT_TABLES = ("ssd_cp_visits", "ssd_cla_visits", "ssd_cin_visits")
# The calendar reaches this far past the latest date in the data, for the longest timescale (45 working days)
# and the review chains' six months.
CALENDAR_MARGIN = timedelta(days=400)
EARLIEST_CALENDAR_DATE = date(1990, 1, 1)


@dataclass
class ConformedBuild:
    tables: dict[str, pl.LazyFrame]
    excluded: pl.LazyFrame  # table_name, record_id, row_number, reason
    reconciliation: pl.LazyFrame  # table_name, staging_rows, conformed_rows, excluded_rows
    orphans: pl.LazyFrame  # table_name, record_id, person_id
    staging: dict[str, pl.LazyFrame]

    def collect(self) -> ConformedBuild:
        """Every frame computed, each transform once. The checks are computed from the collected tables:
        collected together with them, polars recomputed most of the build for each check (2.5 s of 4 s)."""
        names = list(self.tables)
        frames = pl.collect_all([self.tables[n] for n in names] + [self.excluded])
        tables = {n: f.lazy() for n, f in zip(names, frames[:-1], strict=True)}
        excluded = frames[-1].lazy()
        checks = pl.collect_all([reconciliation(self.staging, tables, excluded), orphans(tables)])
        return ConformedBuild(tables, excluded, checks[0].lazy(), checks[1].lazy(), self.staging)


def calendar_range(staging: dict[str, pl.LazyFrame]) -> tuple[date, date]:
    """The dates the calendar must cover: every date in the data (from 1990), plus the margin."""
    lows, highs = [], []
    for t in TABLES:
        if t.name not in staging:
            continue
        cols = [c.name for c in t.columns if c.kind == "date"]
        if not cols:
            continue
        row = (
            staging[t.name]
            .select(
                pl.min_horizontal([pl.col(c).min() for c in cols]).alias("lo"),
                pl.max_horizontal([pl.col(c).max() for c in cols]).alias("hi"),
            )
            .collect()
            .row(0)
        )
        lows += [row[0]] if row[0] else []
        highs += [row[1]] if row[1] else []
    lo = max(min(lows, default=EARLIEST_CALENDAR_DATE), EARLIEST_CALENDAR_DATE)
    hi = max(highs, default=date.today())
    return lo, hi + CALENDAR_MARGIN


# Each conformed table, and each step between staging and them, is the function of the same name: its parameters
# name the tables (or settings) it reads, so the build is wired by name and the lineage is read from here.
# In the order they can be built; ``calendar`` comes first, from the dates the data holds.
STEPS: tuple[Callable[..., pl.LazyFrame], ...] = (
    people.child,
    people.team,
    people.worker,
    people.allocation,
    people.management_oversight,
    people.care_leaver_record,
    people.care_leaver,
    plans.referral,
    plans.cin_plan,
    plans.cp_plan_spell,
    plans.cla_episode_spell,
    plans.cla_period_of_care,
    plans.cla_episode,
    plans.cla_placement,
    plans.health_check,
    plans.missing_episode,
    plans.pre_proceedings,
    front_door.contact,
    front_door.assessment,
    front_door.s47_enquiry,
    front_door.initial_cp_conference,
    reviews.cp_review,
    plans.cp_plan,
    reviews.cla_review,
    reviews.cla_review_chain,
    reviews.cin_plan_review,
    visit_transforms.visit_record,
    visit_transforms.visit,
)
# What the steps may read besides tables.
SETTINGS = ("as_of", "timescales", "case_holding_roles")


def reads(step: Callable[..., pl.LazyFrame]) -> tuple[str, ...]:
    """The tables a step reads: its parameters, but for the settings."""
    return tuple(p for p in inspect.signature(step).parameters if p not in SETTINGS)


def build_conformed(
    staging: dict[str, pl.LazyFrame],
    *,
    as_of: date,
    timescales: Timescales = DEFAULT_TIMESCALES,
    case_holding_roles: tuple[str, ...] = CASE_HOLDING_ROLES,
) -> ConformedBuild:
    """All conformed tables for a batch whose extract date is ``as_of``. ``case_holding_roles`` are the
    involvement types that hold a case, most senior first. Staging tables no conformed table is built from yet
    (the SSD's other tables) are left alone."""
    staging = {name: frame for name, frame in staging.items() if name in SOURCES}
    keyed = {name: one_row_per_key(frame, table(name).key) for name, frame in staging.items()}
    excluded = [
        rows_without_unique_key(frame, table(name).key).select(
            pl.lit(name).alias("table_name"), "record_id", pl.col("_row_number").alias("row_number"), "reason"
        )
        for name, frame in staging.items()
    ]
    built: dict[str, Any] = {
        **keyed,
        "calendar": calendar(*calendar_range(staging)),
        "as_of": as_of,
        "timescales": timescales,
        "case_holding_roles": case_holding_roles,
    }
    for step in STEPS:
        built[step.__name__] = step(**{name: built[name] for name in inspect.signature(step).parameters})
    tables: dict[str, pl.LazyFrame] = {t.name: built[t.name] for t in CONFORMED_TABLES}
    records: pl.LazyFrame = built["visit_record"]
    care_leaver_records: pl.LazyFrame = built["care_leaver_record"]

    excluded.append(
        visit_transforms.excluded_visit_records(records)
        .join(
            records.select(
                pl.col("source_table").alias("table_name"),
                pl.col("visit_id").alias("record_id"),
                pl.lit(None, dtype=pl.Int64).alias("row_number"),
            ),
            on=["table_name", "record_id"],
            how="left",
        )
        .select("table_name", "record_id", "row_number", "reason")
    )
    excluded.append(
        people.superseded_care_leaver_records(care_leaver_records, tables["care_leaver"]).select(
            pl.lit("ssd_care_leavers").alias("table_name"),
            "record_id",
            pl.lit(None, dtype=pl.Int64).alias("row_number"),
            "reason",
        )
    )
    excluded_all = pl.concat(excluded)
    return ConformedBuild(
        tables=tables,
        excluded=excluded_all,
        reconciliation=reconciliation(staging, tables, excluded_all),
        orphans=orphans(tables),
        staging=staging,
    )


def reconciliation(
    staging: dict[str, pl.LazyFrame], tables: dict[str, pl.LazyFrame], excluded: pl.LazyFrame
) -> pl.LazyFrame:
    """Per staging table: rows received, rows carried into conformed, rows excluded. It balances when
    received = carried + excluded."""
    received = pl.concat(
        [
            frame.select(pl.lit(name).alias("table_name"), pl.len().alias("staging_rows"))
            for name, frame in staging.items()
        ]
    )
    # Visit records are carried as the sources of the visit fact (one row per child per day).
    carried_visits = (
        tables["visit"]
        .select(pl.col("source_records"))
        .explode("source_records")
        .unnest("source_records")
        .group_by("table_name")
        .agg(pl.len().alias("conformed_rows"))
    )
    carried = [
        carried_visits,
        *[
            tables[target].select(pl.lit(name).alias("table_name"), pl.len().alias("conformed_rows"))
            for name, target in SOURCES.items()
            if target != "visit"
        ],
    ]
    excluded_counts = excluded.group_by("table_name").agg(pl.len().alias("excluded_rows"))
    return (
        received.join(pl.concat(carried), on="table_name", how="left")
        .join(excluded_counts, on="table_name", how="left")
        .with_columns(pl.col("conformed_rows").fill_null(0), pl.col("excluded_rows").fill_null(0))
        .with_columns(
            (pl.col("staging_rows") == pl.col("conformed_rows") + pl.col("excluded_rows")).alias("is_balanced")
        )
        .sort("table_name")
    )


def orphans(tables: dict[str, pl.LazyFrame]) -> pl.LazyFrame:
    """Rows of every conformed table that names a child (its person id refers to conformed.child) whose child is
    not in the child dimension."""
    child = tables["child"].select("person_id")
    return pl.concat(
        [
            tables[t.name]
            .filter(pl.col("person_id").is_not_null())
            .join(child, on="person_id", how="anti")
            .select(pl.lit(t.name).alias("table_name"), pl.col(t.record_column).alias("record_id"), "person_id")
            for t in CONFORMED_TABLES
            if "person_id" in t.column_names and t.column("person_id").references == CHILD
        ]
    )
