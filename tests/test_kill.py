"""`kill -9` at each stage of `csc run`, then a rerun: the publication is exactly a clean run's, the killed run is
marked abandoned, and nothing it was writing is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from csc.synthetic import generate_batch
from tests.conftest import CSC

STAGES = ("load_raw", "load_staging", "load_conformed", "check_quality", "publish_indicators")


def run(batch: Path, wh: Path, env: dict[str, str], kill_at: str | None = None) -> str:
    """`csc run` in its own process; with ``kill_at``, killed with SIGKILL as soon as that stage's task starts."""
    process = subprocess.Popen(
        # --debug: Prefect's log on the terminal, where the task starts are watched for
        [*CSC, "--debug", "run", "--batch", str(batch), "--warehouse", str(wh), "--create-warehouse"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output = []
    for line in process.stdout:
        output.append(line)
        if kill_at and f"Task run '{kill_at}-" in line:
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=300)
    if kill_at:
        assert process.returncode == -signal.SIGKILL, "".join(output)[-3000:]
    else:
        assert process.returncode == 0, "".join(output)[-3000:]
    return "".join(output)


def publication(wh: Path) -> tuple[list, list]:
    with duckdb.connect(str(wh / "marts.duckdb"), read_only=True) as con:
        values = con.sql("SELECT * FROM indicator_values ORDER BY ALL").fetchall()
        records = con.sql("SELECT * FROM indicator_records ORDER BY ALL").fetchall()
    return values, records


@pytest.mark.slow
def test_kill_9_at_each_stage_then_a_rerun_is_exact_and_leaves_nothing(prefect_server, tmp_path: Path) -> None:
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "PREFECT_HOME": str(tmp_path / "home")}
    batch = tmp_path / "batch"
    generate_batch(batch, as_of=date(2023, 8, 31), scale="tiny", seed=5)
    clean = tmp_path / "clean"
    run(batch, clean, env)
    expected = publication(clean)
    assert expected[0] and expected[1]

    for stage in STAGES:
        wh = tmp_path / f"killed-at-{stage}"
        run(batch, wh, env, kill_at=stage)
        run(batch, wh, env)
        assert publication(wh) == expected, stage
        with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
            statuses = [r[0] for r in con.sql("SELECT status FROM ops.runs ORDER BY started_at").fetchall()]
        assert statuses == ["abandoned", "completed"], stage
        left = [p.name for p in (wh / "tmp").glob("*")] + [p.name for p in wh.glob("marts.duckdb.building-*")]
        assert left == [], (stage, left)
