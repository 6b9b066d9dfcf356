"""``ops.runs``: the history of pipeline runs, one row per flow run, for the engineers who watch the loads."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from warehouse.db import connect

RUNS_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.runs (
    run_id VARCHAR PRIMARY KEY, batch_folder VARCHAR, batch_id VARCHAR, as_of DATE, started_at TIMESTAMP,
    finished_at TIMESTAMP, status VARCHAR, rows_loaded BIGINT, rows_rejected BIGINT, files_failed INTEGER,
    dq_rules_failed INTEGER, dq_exceptions BIGINT, withheld_indicators VARCHAR, message VARCHAR
);
COMMENT ON TABLE ops.runs IS
    'One row per pipeline run: batch, start, end, status (running, completed, failed), rows loaded, data quality.';
"""


def run_started(warehouse_dir: Path, run_id: str, batch_folder: str) -> None:
    with connect(warehouse_dir) as con:
        con.execute(RUNS_DDL)
        con.execute(
            "INSERT OR REPLACE INTO ops.runs (run_id, batch_folder, started_at, status) "
            "VALUES (?, ?, now()::TIMESTAMP, 'running')",
            [run_id, batch_folder],
        )


def run_finished(
    warehouse_dir: Path,
    run_id: str,
    *,
    status: str,
    batch_id: str | None = None,
    as_of: date | None = None,
    rows_loaded: int | None = None,
    rows_rejected: int | None = None,
    files_failed: int | None = None,
    dq_rules_failed: int | None = None,
    dq_exceptions: int | None = None,
    withheld_indicators: list[str] | None = None,
    message: str | None = None,
) -> None:
    with connect(warehouse_dir) as con:
        con.execute(RUNS_DDL)
        con.execute(
            """
            UPDATE ops.runs SET finished_at = now()::TIMESTAMP, status = ?, batch_id = coalesce(?, batch_id),
                as_of = coalesce(?, as_of), rows_loaded = ?, rows_rejected = ?, files_failed = ?,
                dq_rules_failed = ?, dq_exceptions = ?, withheld_indicators = ?, message = ?
            WHERE run_id = ?
            """,
            [
                status,
                batch_id,
                as_of,
                rows_loaded,
                rows_rejected,
                files_failed,
                dq_rules_failed,
                dq_exceptions,
                ", ".join(withheld_indicators) if withheld_indicators else None,
                message,
                run_id,
            ],
        )
