"""Tiny inline tables for transform tests: staging-shaped frames from CSV text."""

from __future__ import annotations

import io
from collections.abc import Mapping

import polars as pl
from polars._typing import PolarsDataType

from declarations.contract import table

_POLARS = {
    "id": pl.String,
    "text": pl.String,
    "code": pl.String,
    "json": pl.String,
    "date": pl.Date,
    "flag": pl.Boolean,
    "int": pl.Int64,
    "float": pl.Float64,
}


def staging(table_name: str, csv: str) -> pl.LazyFrame:
    """A staging table with only the given columns filled (others null), typed as staging types them.

    Values use staging's types: dates ISO, flags true/false; columns not in the CSV are null.
    """
    t = table(table_name)
    given = pl.read_csv(io.StringIO(csv.strip() + "\n"), infer_schema=False)
    unknown = set(given.columns) - set(t.column_names)
    assert not unknown, f"not columns of {table_name}: {unknown}"
    n = given.height
    columns = {}
    for c in t.columns:
        dtype = _POLARS[c.kind]
        if c.name in given.columns:
            s = given[c.name]
            if dtype == pl.Date:
                s = s.str.to_date("%Y-%m-%d")
            elif dtype == pl.Boolean:
                s = s.replace_strict({"true": True, "false": False}, default=None, return_dtype=pl.Boolean)
            else:
                s = s.cast(dtype)
            columns[c.name] = s
        else:
            columns[c.name] = pl.Series(c.name, [None] * n, dtype=dtype)
    frame = pl.DataFrame(columns).with_columns(
        pl.lit("test").alias("_batch_id"),
        pl.lit(f"{table_name}.csv").alias("_source_file"),
        pl.int_range(1, n + 1, dtype=pl.Int64).alias("_row_number"),
    )
    return frame.lazy()


def expected(schema: Mapping[str, PolarsDataType], rows: list[tuple]) -> pl.DataFrame:
    """A transform's whole expected output: every column it returns with its type, then the rows as tuples in the
    schema's order. Compared with ``assert_frame_equal``, an extra, missing or re-typed column fails."""
    return pl.DataFrame(rows, schema=schema, orient="row")
