"""`csc run` against a real `prefect server start` (not the temporary in-process server)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CSC, write_batch
from tests.conftest import prefect_api as _api
from tests.test_ingest import CP_VISITS_HEADER


@pytest.mark.slow
def test_csc_run_records_its_flow_run_on_a_running_prefect_server(prefect_server, tmp_path: Path):
    batch = write_batch(tmp_path / "b", {"ssd_cp_visits.csv": CP_VISITS_HEADER + "V1,P1,CP1,2023-08-31,Y,N,N\n"})
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "PREFECT_HOME": str(tmp_path / "client_home")}
    result = subprocess.run(
        [
            *CSC,
            "run",
            "--batch",
            str(batch),
            "--warehouse",
            str(tmp_path / "wh"),
            "--as-of",
            "2023-08-31",
            "--create-warehouse",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # exit status 2: loaded, with the other 20 tables reported missing
    assert result.returncode == 2, result.stderr
    (log,) = (tmp_path / "wh" / "logs").glob("csc-run-*.log")  # Prefect's log, kept off the terminal
    assert "Beginning flow run" in log.read_text() and "Starting temporary server" not in log.read_text()
    # (the server is shared: only this test's run, by its warehouse)
    runs = [
        r
        for r in _api(prefect_server, "/flow_runs/filter", {"limit": 200})
        if str(tmp_path / "wh") in str(r["parameters"].get("warehouse_dir"))
    ]
    # named after the batch, and not green: the missing tables left it Degraded
    assert [(r["name"], r["state_type"], r["state_name"]) for r in runs] == [
        ("b as of 2023-08-31", "FAILED", "Degraded")
    ]
    # (its flow by the run's id: other tests on the shared server register flows of their own)
    assert _api(prefect_server, f"/flows/{runs[0]['flow_id']}")["name"] == "csc-nightly-load"
