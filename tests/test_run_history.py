"""The run history (ops.runs) and which failures the I/O tasks retry."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from declarations.operations import RUNS
from tests.conftest import write_batch
from tests.test_ingest import CP_VISITS_HEADER, PERSON_HEADER
from warehouse.db import ensure_tables


@pytest.mark.slow
def test_completed_and_failed_runs_are_recorded(prefect_harness, tmp_path):
    from flows.nightly import nightly_load

    wh = tmp_path / "wh"
    batch = write_batch(
        tmp_path / "b",
        {
            "ssd_cp_visits.csv": CP_VISITS_HEADER + "V1,P1,CP1,2023-08-31,Y,N,N\nbroken\n",
            "ssd_person.csv": PERSON_HEADER + "P1,,,A,B,F,,,2015-01-01,,,,,,,\n",
        },
    )
    summary = nightly_load(batch, wh, as_of=date(2023, 8, 31))
    unmarked = write_batch(tmp_path / "u", {"ssd_person.csv": PERSON_HEADER}, ready=False)
    state = nightly_load(unmarked, wh, return_state=True)
    assert state.is_failed()

    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        runs = con.execute(
            "SELECT batch_folder, batch_id, as_of, status, rows_loaded, rows_rejected, files_failed, "
            "withheld_indicators, message, finished_at >= started_at FROM ops.runs ORDER BY started_at"
        ).fetchall()
    done, failed = runs
    assert done[:7] == (str(batch), summary.batch_id, date(2023, 8, 31), "completed", 2, 1, 17)
    # 17 core SSD files are missing: the blocking "file missing" rules withhold the indicators that need them (the
    # local extensions and the SSD's other tables are not supplied, which is not a failure)
    assert done[7] and done[9]
    assert failed[0] == str(unmarked) and failed[3] == "failed" and "no _READY marker" in failed[8] and failed[9]


def test_only_io_failures_that_may_clear_are_retried():
    from prefect.states import Failed

    from flows.nightly import _worth_retrying
    from warehouse.batch import BatchError
    from warehouse.db import WarehouseBusy

    def state(exc):
        return Failed(data=exc)

    assert _worth_retrying(None, None, state(WarehouseBusy("held by another run")))
    assert _worth_retrying(None, None, state(OSError("disk hiccup")))
    assert not _worth_retrying(None, None, state(BatchError("no _READY marker")))
    assert not _worth_retrying(None, None, state(ValueError("a bug")))


@pytest.mark.slow
def test_one_writer_per_warehouse_stale_runs_abandoned_and_leftovers_cleared(prefect_harness, tmp_path):
    """A second run on a warehouse being written is refused at once (and recorded); a run killed mid-way is
    marked abandoned by the next run, which also removes the files it left."""
    from typer.testing import CliRunner

    from csc.cli import app
    from warehouse.lock import writer_slot

    wh = tmp_path / "wh"
    batch = write_batch(
        tmp_path / "b",
        {
            "ssd_cp_visits_20230831.csv": CP_VISITS_HEADER + "V1,P1,CP1,2023-08-31,Y,N,N\n",
            "ssd_person_20230831.csv": PERSON_HEADER + "P1,,,A,B,F,,,2015-01-01,,,,,,,\n",
        },
    )
    runner = CliRunner()
    with writer_slot(wh, "run r-killed loading night1"):
        refused = runner.invoke(app, ["run", "--batch", str(batch), "--warehouse", str(wh), "--create-warehouse"])
    assert refused.exit_code == 1
    assert "another run is writing this warehouse (run r-killed loading night1, process" in refused.output
    assert not (wh / "marts.duckdb").exists()

    # what a run killed with kill -9 leaves: its row still running, raw's transcoded copy, a half-built publication
    with duckdb.connect(str(wh / "warehouse.duckdb")) as con:
        ensure_tables(con, (RUNS,))
        con.execute("INSERT INTO ops.runs (run_id, started_at, status) VALUES ('r-killed', now(), 'running')")
    (wh / "tmp").mkdir(exist_ok=True)
    (wh / "tmp" / "ssd_person.abc.utf8.csv").write_text("half")
    (wh / "marts.duckdb.building-1234abcd").write_text("half")

    assert runner.invoke(
        app, ["run", "--batch", str(batch), "--warehouse", str(wh), "--create-warehouse"]
    ).exit_code in (0, 2)
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        runs = con.execute("SELECT run_id, batch_folder, status, message FROM ops.runs ORDER BY started_at").fetchall()
    statuses = sorted((bool(r[1] and r[1].endswith("/b")), r[2]) for r in runs)
    assert statuses == [(False, "abandoned"), (True, "completed"), (True, "failed")]
    assert "another run is writing this warehouse" in next(r[3] for r in runs if r[2] == "failed")
    assert "ended without finishing" in next(r[3] for r in runs if r[0] == "r-killed")
    assert list((wh / "tmp").glob("*.utf8.csv")) == [] and list(wh.glob("marts.duckdb.building-*")) == []


def test_each_stage_refuses_another_batchs_or_runs_data(tmp_path):
    from pipeline import stages as pipeline
    from warehouse.batch import read_batch

    wh = tmp_path / "wh"
    files = {"ssd_person_20230831.csv": PERSON_HEADER + "P1,,,A,B,F,,,2015-01-01,,,,,,,\n"}
    first = read_batch(write_batch(tmp_path / "a", files))
    second = read_batch(
        write_batch(
            tmp_path / "b",
            {"ssd_person_20230831.csv": files["ssd_person_20230831.csv"] + "P2,,,A,B,F,,,2015-01-01,,,,,,,\n"},
        )
    )
    for b in (first, second):
        pipeline.load_raw(b, wh)
    pipeline.load_staging(wh, second.batch_id)
    with pytest.raises(pipeline.StageMismatch, match=f"staging holds batch {second.batch_id}"):
        pipeline.load_conformed(wh, first.batch_id, date(2023, 8, 31), "run-1")
    pipeline.load_conformed(wh, second.batch_id, date(2023, 8, 31), "run-2")
    with pytest.raises(pipeline.StageMismatch, match="conformed was built by run run-2"):
        pipeline.check_quality(wh, second.batch_id, date(2023, 8, 31), "run-1")
    with pytest.raises(pipeline.StageMismatch, match="data-quality results"):
        pipeline.publish_indicators(wh, second.batch_id, date(2023, 8, 31), "run-2")
    assert not (wh / "marts.duckdb").exists()
