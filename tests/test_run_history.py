"""The run history (ops.runs) and which failures the I/O tasks retry."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from tests.conftest import write_batch
from tests.test_ingest import CP_VISITS_HEADER, PERSON_HEADER


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
