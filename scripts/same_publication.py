"""Show that two runs of the same batch published the same figures, row for row.

    python scripts/same_publication.py WAREHOUSE_BEFORE WAREHOUSE_AFTER

Compares ``indicator_values``, ``indicator_records`` and ``dq_exceptions`` of the two folders' ``marts.duckdb``
(and the warehouse's ``dq.exceptions``), leaving out only what names the run (its id). Used to show that a change
meant to leave behaviour alone did so. Exits 1 and names the first differing table when they differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import polars as pl
from polars.testing import assert_frame_equal

# What each run names differently although the figures are the same.
RUN_COLUMNS = ("run_id",)
TABLES = (
    ("marts.duckdb", "indicator_values"),
    ("marts.duckdb", "indicator_records"),
    ("marts.duckdb", "dq_exceptions"),
    ("warehouse.duckdb", "dq.exceptions"),
)


def published(folder: Path, database: str, table: str) -> pl.DataFrame:
    with duckdb.connect(str(folder / database), read_only=True) as con:
        frame = con.sql(f"SELECT * FROM {table}").pl()
    frame = frame.drop([c for c in RUN_COLUMNS if c in frame.columns])
    return frame.sort(frame.columns, nulls_last=True)


def main(before: Path, after: Path) -> int:
    for database, table in TABLES:
        old, new = published(before, database, table), published(after, database, table)
        try:
            assert_frame_equal(old, new)
        except AssertionError as difference:
            print(f"{database} {table}: differs\n{difference}")
            return 1
        print(f"{database} {table}: the same ({new.height:,} rows, {new.width} columns)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
