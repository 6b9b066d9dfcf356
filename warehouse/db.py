"""The pipeline's working DuckDB file, ``warehouse.duckdb``, owned by the pipeline alone.

Only one process may open a DuckDB file read-write, and a reader in another process blocks that writer
(shared/stack-notes.md), so analysts are given a separate published file, never this one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from declarations.settings import settings
from declarations.tables import Declared, quote

WAREHOUSE_FILE = "warehouse.duckdb"


class WarehouseBusy(Exception):
    """Another process holds the warehouse file."""


def warehouse_path(warehouse_dir: Path) -> Path:
    return Path(warehouse_dir) / WAREHOUSE_FILE


DEFAULT_MEMORY_LIMIT_GB = 5


def _duckdb_config() -> dict[str, str | bool | int | float | list[str]]:
    config: dict[str, str | bool | int | float | list[str]] = {}
    if memory_limit := settings().duckdb_memory_limit:
        config["memory_limit"] = memory_limit
    elif machine_memory_gb() * 0.8 > DEFAULT_MEMORY_LIMIT_GB:
        config["memory_limit"] = f"{DEFAULT_MEMORY_LIMIT_GB}GB"
    if threads := settings().duckdb_threads:
        config["threads"] = threads
    return config


def machine_memory_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return 0.0


@contextmanager
def connect(warehouse_dir: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path = warehouse_path(warehouse_dir)
    if read_only and not path.exists():
        raise FileNotFoundError(f"{path}: no warehouse here yet (run `csc run` first)")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=_duckdb_config())
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise WarehouseBusy(
                f"{path} is open in another process (another run, or a tool holding it open); "
                "only one run may write the warehouse at a time. Analysts should use marts.duckdb."
            ) from e
        raise
    try:
        yield con
    finally:
        con.close()


def ensure_tables(con: duckdb.DuckDBPyConnection, tables: Iterable[Declared]) -> None:
    """Create each declared table that is not there, add the columns declared since a table was made (warehouses
    made by an earlier release gain them), and write every table's and column's description as its comment."""
    existing: dict[tuple[str, str], set[str]] = {}
    for schema, name, column in con.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE database_name = current_database()"
    ).fetchall():
        existing.setdefault((schema, name), set()).add(column)
    for t in tables:
        have = existing.get((t.schema, t.name))
        statements = t.create_sql() if have is None else [t.add_column_sql(c) for c in t.column_names if c not in have]
        for statement in [*statements, *t.comments_sql()]:
            con.execute(statement)


def declared_check_failures(con: duckdb.DuckDBPyConnection, tables: Iterable[Declared]) -> dict[str, int]:
    """Each declared check (``Declared.check_sql``) the tables fail, with the rows that break it."""
    failures = {}
    for t in tables:
        for what, sql in t.check_sql():
            row = con.execute(sql).fetchone()
            if row and row[0]:
                failures[what] = row[0]
    return failures


def read_tables(
    con: duckdb.DuckDBPyConnection, schema: str, names, *, exclude: tuple[str, ...] = ()
) -> dict[str, pl.LazyFrame]:
    """Whole tables of a schema, but for the ``exclude`` columns, as polars LazyFrames (through Arrow; ``.pl()``
    would copy)."""
    columns = f"* EXCLUDE ({', '.join(quote(c) for c in exclude)})" if exclude else "*"
    return {name: arrow_frame(con.sql(f"SELECT {columns} FROM {schema}.{quote(name)}")).lazy() for name in names}


def fetch_one(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The row of a query that always returns one (a count, an aggregate, ``now()``)."""
    row = result.fetchone()
    if row is None:
        raise LookupError("the query returned no row")
    return row


def arrow_frame(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """A query's result as a polars DataFrame, through Arrow (``.pl()`` would copy)."""
    frame = pl.from_arrow(relation.to_arrow_table())
    # polars types from_arrow as "DataFrame or Series"; an Arrow table always makes a DataFrame
    assert isinstance(frame, pl.DataFrame)
    return frame


def write_database(final: Path, tables: Iterable[tuple[Declared, pl.DataFrame]]) -> Path:
    """A published DuckDB file (marts, region) written whole to a new file and swapped in atomically: readers see the
    old file or the new one, never half of either; on any error the old file stays. Each table in its declared
    columns and with its comments."""
    building = final.with_name(f"{final.name}.building-{uuid.uuid4().hex[:8]}")
    try:
        with duckdb.connect(str(building)) as con:
            for t, frame in tables:
                con.register("published_frame", t.conform(frame).to_arrow())
                con.execute(f"CREATE TABLE {quote(t.name)} AS SELECT * FROM published_frame")
                con.unregister("published_frame")
                for statement in t.comments_sql():
                    con.execute(statement)
            con.execute("CHECKPOINT")
        os.replace(building, final)
    finally:
        building.unlink(missing_ok=True)
        Path(f"{building}.wal").unlink(missing_ok=True)
    return final
