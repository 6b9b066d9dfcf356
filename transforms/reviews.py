"""Reviews and the due date each one answered (the review chains of shared/indicators.md).

CP (4.8): a plan's first review conference is due 3 months after it starts, each later one 6 months after the
review before it. CLA (5.18): a period of care's first review is due 20 working days after it starts, the second 3
months after the first, later ones 6 months after the one before; cancelled reviews do not count, and no due date
after the period of care ends is recorded. A due date that passed with no review is a record of its own (a missed
review), so the chain can be read at any period end up to the batch's date.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from transforms.calendar import add_working_days
from transforms.spells import link_to_spell
from transforms.timescales import DEFAULT_TIMESCALES, Timescales


def cp_review(
    ssd_cp_reviews: pl.LazyFrame, cp_plan_spell: pl.LazyFrame, timescales: Timescales = DEFAULT_TIMESCALES
) -> pl.LazyFrame:
    """CP review conferences linked to their plan (by id, else by person and date inside the plan), with the due
    date each answered and whether it was held by then. Reviews with no date, or inside no plan, stay unlinked
    (``cp_plan_id`` null) and answer no due date."""
    reviews = ssd_cp_reviews.select(
        pl.col("cppr_cp_review_id").alias("cp_review_id"),
        pl.col("cppr_person_id").alias("person_id"),
        pl.col("cppr_cp_plan_id").alias("recorded_cp_plan_id"),
        pl.col("cppr_cp_review_date").alias("review_date"),
        pl.col("cppr_cp_review_due").alias("recorded_due_date"),
        pl.col("cppr_cp_review_outcome_continue_cp").alias("is_plan_continued"),
    )
    linked = link_to_spell(
        reviews,
        cp_plan_spell,
        event_key="cp_review_id",
        event_date="review_date",
        recorded_spell_id="recorded_cp_plan_id",
        spell_id="cp_plan_id",
        linked_id="cp_plan_id",
        end_inclusive=True,
    ).join(
        cp_plan_spell.select("cp_plan_id", pl.col("start_date").alias("plan_start_date")),
        on="cp_plan_id",
        how="left",
        maintain_order="left",
    )
    previous = pl.col("review_date").shift(1).over("cp_plan_id", order_by=["review_date", "cp_review_id"])
    return linked.with_columns(
        pl.when(pl.col("cp_plan_id").is_null())
        .then(pl.lit(None, dtype=pl.Date))
        .when(previous.is_null())
        .then(pl.col("plan_start_date").dt.offset_by(f"{timescales.cp_first_months}mo"))
        .otherwise(previous.dt.offset_by(f"{timescales.cp_later_months}mo"))
        .alias("due_date"),
        pl.int_range(1, pl.len() + 1)
        .over("cp_plan_id", order_by=["review_date", "cp_review_id"])
        .cast(pl.Int32)
        .alias("review_number"),
    ).with_columns(
        pl.when(pl.col("cp_plan_id").is_null()).then(None).otherwise(pl.col("review_number")).alias("review_number"),
        (pl.col("review_date") <= pl.col("due_date")).alias("is_on_time"),
    )


def cp_plan_next_review_due(
    cp_plan_spell: pl.LazyFrame, cp_review: pl.LazyFrame, timescales: Timescales = DEFAULT_TIMESCALES
) -> pl.LazyFrame:
    """Per plan, the review due after its last review (or 3 months from the start if it has had none)."""
    last = (
        cp_review.filter(pl.col("cp_plan_id").is_not_null())
        .group_by("cp_plan_id")
        .agg(pl.col("review_date").max().alias("last_review_date"), pl.len().alias("review_count"))
    )
    return (
        cp_plan_spell.select("cp_plan_id", "start_date")
        .join(last, on="cp_plan_id", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("last_review_date").is_null())
            .then(pl.col("start_date").dt.offset_by(f"{timescales.cp_first_months}mo"))
            .otherwise(pl.col("last_review_date").dt.offset_by(f"{timescales.cp_later_months}mo"))
            .alias("next_review_due_date"),
            pl.col("review_count").fill_null(0).cast(pl.Int32),
        )
        .drop("start_date")
    )


def cla_review(ssd_cla_reviews: pl.LazyFrame, cla_period_of_care: pl.LazyFrame) -> pl.LazyFrame:
    """CLA reviews linked to their period of care (by ``clar_cla_id``, else by person and date)."""
    reviews = ssd_cla_reviews.select(
        pl.col("clar_cla_review_id").alias("cla_review_id"),
        pl.col("clar_cla_person_id").alias("person_id"),
        pl.col("clar_cla_id").alias("recorded_cla_id"),
        pl.col("clar_cla_review_date").alias("review_date"),
        pl.col("clar_cla_review_due_date").alias("recorded_due_date"),
        pl.col("clar_cla_review_cancelled").fill_null(False).alias("is_cancelled"),
        pl.col("clar_cla_review_participation").alias("participation_code"),
    )
    return link_to_spell(
        reviews,
        cla_period_of_care,
        event_key="cla_review_id",
        event_date="review_date",
        recorded_spell_id="recorded_cla_id",
        spell_id="cla_id",
        linked_id="cla_id",
        end_inclusive=True,
    )


def cla_review_chain(
    cla_review: pl.LazyFrame,
    cla_period_of_care: pl.LazyFrame,
    calendar: pl.LazyFrame,
    *,
    as_of: date,
    timescales: Timescales = DEFAULT_TIMESCALES,
) -> pl.LazyFrame:
    """One record per due date of each period of care up to ``as_of``: the review that answered it (if any),
    and whether it was held by the due date. A due date that passed with no review is a record with no review."""
    second, later = f"{timescales.cla_second_months}mo", f"{timescales.cla_later_months}mo"
    held = (
        cla_review.filter(~pl.col("is_cancelled") & pl.col("cla_id").is_not_null() & (pl.col("review_date") <= as_of))
        .select("cla_id", "cla_review_id", "review_date")
        .with_columns(
            pl.int_range(1, pl.len() + 1).over("cla_id", order_by=["review_date", "cla_review_id"]).alias("n")
        )
    )
    periods = add_working_days(
        cla_period_of_care.select("cla_id", "person_id", "start_date", "end_date"),
        calendar,
        date_column="start_date",
        days=timescales.cla_first_working_days,
        alias="first_due_date",
    )
    # The due date each review answers depends only on the review before it.
    answered = (
        held.join(periods, on="cla_id", how="inner")
        .with_columns(pl.col("review_date").shift(1).over("cla_id", order_by="n").alias("previous_review_date"))
        .with_columns(
            pl.when(pl.col("n") == 1)
            .then(pl.col("first_due_date"))
            .when(pl.col("n") == 2)
            .then(pl.col("previous_review_date").dt.offset_by(second))
            .otherwise(pl.col("previous_review_date").dt.offset_by(later))
            .alias("due_date")
        )
    )
    last = held.group_by("cla_id").agg(pl.col("review_date").max().alias("last_review_date"), pl.len().alias("n"))
    missed = (
        periods.join(last, on="cla_id", how="left")
        .with_columns(pl.col("n").fill_null(0))
        .with_columns(
            pl.when(pl.col("n") == 0)
            .then(pl.col("first_due_date"))
            .when(pl.col("n") == 1)
            .then(pl.col("last_review_date").dt.offset_by(second))
            .otherwise(pl.col("last_review_date").dt.offset_by(later))
            .alias("due_date"),
            (pl.col("n") + 1).alias("n"),
            pl.lit(None, dtype=pl.String).alias("cla_review_id"),
            pl.lit(None, dtype=pl.Date).alias("review_date"),
        )
        .filter(pl.col("due_date") <= as_of)
    )
    columns = [
        "cla_id",
        "person_id",
        pl.col("n").cast(pl.Int32),
        "due_date",
        "cla_review_id",
        "review_date",
        "end_date",
    ]
    return (
        pl.concat([answered.select(columns), missed.select(columns)])
        # the chain stops when the period of care ends
        .filter(pl.col("end_date").is_null() | (pl.col("due_date") <= pl.col("end_date")))
        .with_columns(
            (pl.col("review_date").is_not_null() & (pl.col("review_date") <= pl.col("due_date"))).alias("is_on_time"),
            pl.col("n").alias("review_number"),
        )
        .select("cla_id", "person_id", "review_number", "due_date", "cla_review_id", "review_date", "is_on_time")
        .sort("cla_id", "review_number")
    )


def cin_plan_review(ext_cin_plan_reviews: pl.LazyFrame, cin_plan: pl.LazyFrame) -> pl.LazyFrame:
    """CIN plan reviews linked to their plan (by id, else by person and date inside the plan)."""
    reviews = ext_cin_plan_reviews.select(
        pl.col("cinr_cin_review_id").alias("cin_review_id"),
        pl.col("cinr_person_id").alias("person_id"),
        pl.col("cinr_cin_plan_id").alias("recorded_cin_plan_id"),
        pl.col("cinr_cin_review_date").alias("review_date"),
    )
    return link_to_spell(
        reviews,
        cin_plan,
        event_key="cin_review_id",
        event_date="review_date",
        recorded_spell_id="recorded_cin_plan_id",
        spell_id="cin_plan_id",
        linked_id="cin_plan_id",
        end_inclusive=True,
    )
