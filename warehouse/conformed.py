"""Schema ``conformed``: reads staging, builds the conformed tables (``transforms.conformed``, pure polars), and
writes them in their declared types (``declarations.conformed``) with their comments, with the reconciliation of
every run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb
import polars as pl

from declarations.conformed import CONFORMED_BY_NAME
from declarations.operations import EXCLUDED_RECORDS, ORPHAN_RECORDS, RECONCILIATION
from declarations.systems import CASE_HOLDING_ROLES
from declarations.tables import Declared
from declarations.words import counted
from transforms.conformed import SOURCES, build_conformed
from transforms.timescales import DEFAULT_TIMESCALES
from warehouse.db import ensure_tables, read_tables


def write_table(con: duckdb.DuckDBPyConnection, t: Declared, frame: pl.DataFrame) -> None:
    """Replace a conformed table with the frame, in its declared columns and types, with its comments."""
    con.register("conformed_frame", t.conform(frame).to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {t.sql_name} AS SELECT * FROM conformed_frame")
    finally:
        con.unregister("conformed_frame")
    for statement in t.comments_sql():
        con.execute(statement)


@dataclass
class ConformedResult:
    rows: dict[str, int]
    excluded_rows: int
    orphan_rows: int
    unbalanced_tables: list[str]
    seconds: float
    # involvement type -> (involvements, whether it holds a case): a type the settings miss shows here
    involvement_types: dict[str, tuple[int, bool]] = field(default_factory=dict)


def build_and_write_conformed(
    con: duckdb.DuckDBPyConnection,
    *,
    batch_id: str,
    as_of,
    run_id: str,
    timescales=None,
    case_holding_roles: tuple[str, ...] | None = None,
    progress=lambda message: None,
) -> ConformedResult:
    """Build every conformed table from staging and replace them in one transaction, with the run's
    reconciliation, excluded records and orphans."""
    started = time.perf_counter()
    # The batch id and source file are in every staging row and unused by the transforms: left out, they would
    # be most of the memory at national scale (11 GB of text for England).
    staging = read_tables(con, "staging", SOURCES, exclude=("_batch_id", "_source_file"))
    build = build_conformed(
        staging,
        as_of=as_of,
        timescales=timescales or DEFAULT_TIMESCALES,
        case_holding_roles=case_holding_roles or CASE_HOLDING_ROLES,
    ).collect()
    tables = {name: frame.collect() for name, frame in build.tables.items()}
    excluded, reconciliation, orphans = (f.collect() for f in (build.excluded, build.reconciliation, build.orphans))
    ensure_tables(con, (RECONCILIATION,))
    con.begin()
    try:
        for name, frame in tables.items():
            write_table(con, CONFORMED_BY_NAME[name], frame)
            progress(f"conformed.{name}: {counted(frame.height, 'row')}")
        write_table(con, EXCLUDED_RECORDS, excluded)
        write_table(con, ORPHAN_RECORDS, orphans)
        con.register("reconciliation_frame", reconciliation.to_arrow())
        con.execute(
            "INSERT INTO conformed.reconciliation SELECT ?, ?, now()::TIMESTAMP, table_name, staging_rows, "
            "conformed_rows, excluded_rows, is_balanced FROM reconciliation_frame",
            [run_id, batch_id],
        )
        con.unregister("reconciliation_frame")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    unbalanced = reconciliation.filter(~pl.col("is_balanced"))["table_name"].to_list()
    types = tables["allocation"].group_by("role", "is_case_holding").len().sort("len", descending=True)
    return ConformedResult(
        rows={n: f.height for n, f in tables.items()},
        excluded_rows=excluded.height,
        orphan_rows=orphans.height,
        unbalanced_tables=unbalanced,
        seconds=time.perf_counter() - started,
        involvement_types={role or "(blank)": (n, holds) for role, holds, n in types.iter_rows()},
    )
