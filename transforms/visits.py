"""The visit fact: one row per child per day, from all three visit tables.

Contract problem 2: ``ssd_cin_visits`` in some systems also holds CP and CLA visits, and the same visit can arrive
twice. So a visit's kind is decided by what the child was on that day (CP plan, then CLA, then CIN plan, then an
open referral), never by the file it came in, and the visits of one child on one day are collapsed into one,
keeping every source record.
"""

from __future__ import annotations

from typing import TypedDict

import polars as pl

from transforms.spells import link_to_spell

VISIT_KINDS = ("cp", "cla", "cin", "referral", "none")
# The file each kind of visit is expected in; a visit found only elsewhere was recorded in the wrong file.
EXPECTED_SOURCE = {"cp": "ssd_cp_visits", "cla": "ssd_cla_visits", "cin": "ssd_cin_visits"}


def visit_record(
    ssd_cp_visits: pl.LazyFrame, ssd_cla_visits: pl.LazyFrame, ssd_cin_visits: pl.LazyFrame
) -> pl.LazyFrame:
    """Every visit record of the three files, in one shape."""
    common = pl.Schema(
        {
            "source_table": pl.String,
            "visit_id": pl.String,
            "person_id": pl.String,
            "visit_date": pl.Date,
            "is_seen": pl.Boolean,
            "is_seen_alone": pl.Boolean,
            "is_bedroom_seen": pl.Boolean,
            "recorded_cp_plan_id": pl.String,
            "recorded_cla_id": pl.String,
        }
    )

    def shape(frame: pl.LazyFrame, source: str, prefix: str, **extra: pl.Expr) -> pl.LazyFrame:
        return frame.select(
            pl.lit(source).alias("source_table"),
            pl.col(f"{prefix}_visit_id").alias("visit_id"),
            pl.col(f"{prefix[:4]}_person_id").alias("person_id"),
            pl.col(f"{prefix}_visit_date").alias("visit_date"),
            pl.col(f"{prefix}_visit_seen").alias("is_seen"),
            pl.col(f"{prefix}_visit_seen_alone").alias("is_seen_alone"),
            extra.get("bedroom", pl.lit(None)).alias("is_bedroom_seen"),
            extra.get("cp_plan", pl.lit(None)).alias("recorded_cp_plan_id"),
            extra.get("cla", pl.lit(None)).alias("recorded_cla_id"),
        ).cast(common)

    return pl.concat(
        [
            shape(
                ssd_cp_visits,
                "ssd_cp_visits",
                "cppv_cp",
                bedroom=pl.col("cppv_cp_visit_bedroom"),
                cp_plan=pl.col("cppv_cp_plan_id"),
            ),
            shape(ssd_cla_visits, "ssd_cla_visits", "clav_cla", cla=pl.col("clav_cla_id")),
            shape(ssd_cin_visits, "ssd_cin_visits", "cinv_cin", bedroom=pl.col("cinv_cin_visit_bedroom")),
        ]
    )


def excluded_visit_records(visit_record: pl.LazyFrame) -> pl.LazyFrame:
    """Visit records that cannot be a visit: no child or no date."""
    return visit_record.filter(pl.col("person_id").is_null() | pl.col("visit_date").is_null()).select(
        pl.col("source_table").alias("table_name"),
        pl.col("visit_id").alias("record_id"),
        pl.when(pl.col("person_id").is_null())
        .then(pl.lit("visit with no child"))
        .otherwise(pl.lit("visit with no date"))
        .alias("reason"),
    )


def visits_per_child_day(records: pl.LazyFrame) -> pl.LazyFrame:
    """Collapse records to one per child per day. Seen if any record says seen; the sources are kept."""
    return (
        records.filter(pl.col("person_id").is_not_null() & pl.col("visit_date").is_not_null())
        .sort(["person_id", "visit_date", "source_table", "visit_id"])
        .group_by(["person_id", "visit_date"], maintain_order=True)
        .agg(
            # Seen if any record says so; unknown (null) if none does and one has no flag (Kleene logic).
            pl.col("is_seen").any(ignore_nulls=False).alias("is_seen"),
            pl.col("is_seen_alone").any().alias("is_seen_alone"),
            pl.col("is_bedroom_seen").any().alias("is_bedroom_seen"),
            pl.col("is_seen").is_null().any().alias("has_record_without_seen_flag"),
            pl.col("source_table").unique(maintain_order=True).alias("source_tables"),
            pl.struct(pl.col("source_table").alias("table_name"), "visit_id").alias("source_records"),
            pl.len().cast(pl.Int32).alias("record_count"),
            pl.col("recorded_cp_plan_id").drop_nulls().first().alias("recorded_cp_plan_id"),
            pl.col("recorded_cla_id").drop_nulls().first().alias("recorded_cla_id"),
        )
        .with_columns((pl.col("person_id") + "|" + pl.col("visit_date").cast(pl.String)).alias("visit_key"))
    )


class _EventColumns(TypedDict):
    event_key: str
    event_date: str


def visit(
    visit_record: pl.LazyFrame,
    cp_plan_spell: pl.LazyFrame,
    cla_period_of_care: pl.LazyFrame,
    cin_plan: pl.LazyFrame,
    referral: pl.LazyFrame,
) -> pl.LazyFrame:
    """The visit fact: one row per child per day, classified and linked to the plan or period it belongs to."""
    days = visits_per_child_day(visit_record)
    common: _EventColumns = {"event_key": "visit_key", "event_date": "visit_date"}
    linked = link_to_spell(
        days,
        cp_plan_spell,
        **common,
        recorded_spell_id="recorded_cp_plan_id",
        spell_id="cp_plan_id",
        linked_id="cp_plan_id",
    )
    linked = link_to_spell(
        linked,
        cla_period_of_care,
        **common,
        recorded_spell_id="recorded_cla_id",
        spell_id="cla_id",
        linked_id="cla_id",
    )
    linked = link_to_spell(
        linked,
        cin_plan,
        **common,
        recorded_spell_id=None,
        spell_id="cin_plan_id",
        linked_id="cin_plan_id",
    )
    linked = link_to_spell(
        linked,
        referral,
        **common,
        recorded_spell_id=None,
        spell_id="referral_id",
        spell_start="referral_date",
        spell_end="close_date",
        linked_id="referral_id",
    )
    kind = (
        pl.when(pl.col("cp_plan_id").is_not_null())
        .then(pl.lit("cp"))
        .when(pl.col("cla_id").is_not_null())
        .then(pl.lit("cla"))
        .when(pl.col("cin_plan_id").is_not_null())
        .then(pl.lit("cin"))
        .when(pl.col("referral_id").is_not_null())
        .then(pl.lit("referral"))
        .otherwise(pl.lit("none"))
    )
    return (
        linked.with_columns(kind.alias("visit_kind"))
        .with_columns(
            pl.col("visit_kind")
            .replace_strict(EXPECTED_SOURCE, default=None, return_dtype=pl.String)
            .alias("expected_source_table")
        )
        .with_columns(
            pl.when(pl.col("expected_source_table").is_null())
            .then(pl.lit(None, dtype=pl.Boolean))
            .otherwise(pl.col("source_tables").list.contains(pl.col("expected_source_table")))
            .alias("is_in_expected_file"),
            (
                pl.col("recorded_cp_plan_id").is_not_null()
                & (pl.col("recorded_cp_plan_id") != pl.col("cp_plan_id")).fill_null(True)
            ).alias("is_recorded_against_other_plan"),
        )
        .drop("cin_plan_id_matched_by", "referral_id_matched_by")
    )
