"""`csc run` against a real `prefect server start` (not the temporary in-process server)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import write_batch
from tests.test_ingest import CP_VISITS_HEADER

CSC = [sys.executable, "-m", "csc"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(url: str, path: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or "null")


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path_factory.mktemp("server_home"))}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env.pop("PREFECT_API_URL", None)
    log = (tmp_path_factory.mktemp("server_log") / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while True:
        try:
            _api(url, "/health")
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"prefect server did not start: see {log.name}")
            time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.mark.slow
def test_csc_run_records_its_flow_run_on_a_running_prefect_server(prefect_server, tmp_path: Path):
    batch = write_batch(tmp_path / "b", {"ssd_cp_visits.csv": CP_VISITS_HEADER + "V1,P1,CP1,2023-08-31,Y,N,N\n"})
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "PREFECT_HOME": str(tmp_path / "client_home")}
    result = subprocess.run(
        [*CSC, "run", "--batch", str(batch), "--warehouse", str(tmp_path / "wh"), "--as-of", "2023-08-31"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # exit status 2: loaded, with the other 20 tables reported missing
    assert result.returncode == 2, result.stderr
    assert "Starting temporary server" not in result.stderr
    runs = _api(prefect_server, "/flow_runs/filter", {"limit": 10})
    assert [(r["name"] != "", r["state_type"]) for r in runs] == [(True, "COMPLETED")]
    flows = _api(prefect_server, "/flows/filter", {"limit": 10})
    assert [f["name"] for f in flows] == ["csc-nightly-load"]
