"""Linking dated events (visits, reviews) to the spell (plan, episode, period of care) they belong to.

Contract problem 3: ``cppv_cp_plan_id`` is often blank, and a recorded id can be wrong, so an event is linked by
the id it carries when that spell is the child's and covers the date, else by person and date. A spell covers a
date when it is open then (shared/indicators.md: start <= date and (end blank or end > date)); reviews also
belong to a plan on the day it ends, because the review conference that ends a plan is held that day.
"""

from __future__ import annotations

import polars as pl


def spell_covers(date: pl.Expr, start: pl.Expr, end: pl.Expr, *, end_inclusive: bool = False) -> pl.Expr:
    after_end = date <= end if end_inclusive else date < end
    return (start <= date) & (end.is_null() | after_end)


def link_to_spell(
    events: pl.LazyFrame,
    spells: pl.LazyFrame,
    *,
    event_key: str,
    event_date: str,
    recorded_spell_id: str | None,
    spell_id: str,
    linked_id: str,
    event_person: str = "person_id",
    spell_person: str = "person_id",
    spell_start: str = "start_date",
    spell_end: str = "end_date",
    spell_rank: str | None = None,
    end_inclusive: bool = False,
) -> pl.LazyFrame:
    """Add ``linked_id`` (the spell the event belongs to) and ``{linked_id}_matched_by`` ('id', 'person and
    date' or null). One row out per event row in: several covering spells never duplicate an event; the id it
    carries wins, then the lowest ``spell_rank`` (where given), then the latest started spell."""
    candidates = (
        events.select(
            event_key,
            event_person,
            event_date,
            *(
                [pl.col(recorded_spell_id).alias("_recorded")]
                if recorded_spell_id
                else [pl.lit(None).alias("_recorded")]
            ),
        )
        .join(
            spells.select(
                pl.col(spell_id).alias("_spell"),
                pl.col(spell_person).alias(event_person),
                pl.col(spell_start).alias("_start"),
                pl.col(spell_end).alias("_end"),
                (pl.col(spell_rank) if spell_rank else pl.lit(0)).alias("_rank"),
            ),
            on=event_person,
            how="inner",
        )
        .filter(spell_covers(pl.col(event_date), pl.col("_start"), pl.col("_end"), end_inclusive=end_inclusive))
        .with_columns((pl.col("_recorded") == pl.col("_spell")).fill_null(False).alias("_by_id"))
        .sort([event_key, "_by_id", "_rank", "_start", "_spell"], descending=[False, True, False, True, True])
        .group_by(event_key, maintain_order=True)
        .first()
        .select(
            event_key,
            pl.col("_spell").alias(linked_id),
            pl.when(pl.col("_by_id"))
            .then(pl.lit("id"))
            .otherwise(pl.lit("person and date"))
            .alias(f"{linked_id}_matched_by"),
        )
    )
    return events.join(candidates, on=event_key, how="left", maintain_order="left")
