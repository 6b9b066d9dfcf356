"""Primary keys: one row per key before anything joins on it."""

from __future__ import annotations

import polars as pl


def one_row_per_key(frame: pl.LazyFrame, key: str, order_by: str = "_row_number") -> pl.LazyFrame:
    """Keep the first row (in file order) of each key; rows without a key are kept out too.

    A key exported twice (an exact copy, or two versions) would multiply every join on it; the rows left
    out are listed by ``rows_without_unique_key``, so reconciliation can count them.
    """
    return frame.filter(pl.col(key).is_not_null()).sort(order_by).unique(subset=key, keep="first", maintain_order=True)


def rows_without_unique_key(frame: pl.LazyFrame, key: str, order_by: str = "_row_number") -> pl.LazyFrame:
    """The rows ``one_row_per_key`` leaves out, with the reason."""
    ranked = frame.sort(order_by).with_columns(pl.int_range(pl.len()).over(key).alias("_nth"))
    return ranked.filter(pl.col(key).is_null() | (pl.col("_nth") > 0)).select(
        pl.col(key).alias("record_id"),
        order_by,
        pl.when(pl.col(key).is_null())
        .then(pl.lit("no primary key"))
        .otherwise(pl.lit("duplicate primary key (an earlier row with this key was kept)"))
        .alias("reason"),
    )
