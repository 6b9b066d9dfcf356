"""``ops.runs``: the history of pipeline runs, one row per flow run, for the engineers who watch the loads."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb

from declarations.operations import RUNS
from warehouse.db import WarehouseBusy, connect, ensure_tables

# Runs that ended while another process held the warehouse, recorded by the next run that starts.
PENDING_FILE = "runs-pending.jsonl"
_FIELDS = (
    "status",
    "batch_id",
    "as_of",
    "rows_loaded",
    "rows_rejected",
    "files_failed",
    "dq_rules_failed",
    "dq_exceptions",
    "withheld_indicators",
    "message",
)


def run_started(warehouse_dir: Path, run_id: str, batch_folder: str) -> list[str]:
    """Record a run as ``running``. Called with the writer slot held (``warehouse.lock``), so any other run still
    marked ``running`` ended without finishing (killed, or its machine stopped): it is marked ``abandoned``. Runs
    that ended while the warehouse was busy are recorded now. Returns the runs marked abandoned."""
    with connect(warehouse_dir) as con:
        ensure_tables(con, (RUNS,))
        _record_pending(con, Path(warehouse_dir) / PENDING_FILE)
        abandoned = [
            r[0]
            for r in con.execute(
                "UPDATE ops.runs SET status = 'abandoned', finished_at = now()::TIMESTAMP, message = ? "
                "WHERE status = 'running' RETURNING run_id",
                [f"ended without finishing (its process was killed or stopped); found when run {run_id} started"],
            ).fetchall()
        ]
        con.execute(
            "INSERT OR REPLACE INTO ops.runs (run_id, batch_folder, started_at, status) "
            "VALUES (?, ?, now()::TIMESTAMP, 'running')",
            [run_id, batch_folder],
        )
    return abandoned


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
    batch_folder: str | None = None,
    later: bool = False,
) -> None:
    """Record how a run ended. A run with no row yet (it failed before its first write, e.g. refused the writer
    slot) gets one. If another process holds the warehouse (or ``later``: another run holds the writer slot), the
    record waits in ``runs-pending.jsonl`` for the next run to start: no run goes unrecorded."""
    row = {
        "run_id": run_id,
        "batch_folder": batch_folder,
        "status": status,
        "batch_id": batch_id,
        "as_of": as_of.isoformat() if as_of else None,
        "rows_loaded": rows_loaded,
        "rows_rejected": rows_rejected,
        "files_failed": files_failed,
        "dq_rules_failed": dq_rules_failed,
        "dq_exceptions": dq_exceptions,
        "withheld_indicators": ", ".join(withheld_indicators) if withheld_indicators else None,
        "message": message,
        "finished_at": f"{datetime.now():%Y-%m-%d %H:%M:%S.%f}",
    }
    if not later:
        try:
            with connect(warehouse_dir) as con:
                ensure_tables(con, (RUNS,))
                _upsert(con, row)
            return
        except WarehouseBusy:
            pass
    with (Path(warehouse_dir) / PENDING_FILE).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")


def _upsert(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    con.execute(
        f"""
        INSERT INTO ops.runs (run_id, batch_folder, started_at, finished_at, {", ".join(_FIELDS)})
        VALUES ($run_id, $batch_folder, CAST($finished_at AS TIMESTAMP), CAST($finished_at AS TIMESTAMP),
                {", ".join(f"${f}" for f in _FIELDS)})
        ON CONFLICT (run_id) DO UPDATE SET finished_at = excluded.finished_at, status = excluded.status,
            batch_id = coalesce(excluded.batch_id, batch_id), as_of = coalesce(excluded.as_of, as_of),
            batch_folder = coalesce(excluded.batch_folder, batch_folder),
            {", ".join(f"{f} = excluded.{f}" for f in _FIELDS[3:])}
        """,
        row,
    )


def _record_pending(con: duckdb.DuckDBPyConnection, pending: Path) -> None:
    if not pending.exists():
        return
    for line in pending.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                _upsert(con, json.loads(line))
            except (ValueError, duckdb.Error):
                continue  # a line cut short when its writer died: the run's Prefect record still has it
    pending.unlink()
