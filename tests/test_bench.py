"""`csc bench` measures every stage on a generated batch (figures only: no timing is asserted here)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from csc.bench import PeakMemory
from csc.cli import app
from tests.conftest import CSC


def test_peak_memory_sees_an_allocation_made_and_freed_inside_the_block():
    with PeakMemory() as memory:
        block = bytearray(200 * 2**20)
        block[::4096] = b"x" * len(block[::4096])  # touch every page so it is resident
        del block
    assert memory.peak >= 200 * 2**20


def test_bench_measures_every_stage_and_the_floor_and_writes_the_figures(tmp_path: Path):
    result = CliRunner().invoke(app, ["bench", "--scale", "tiny", "--dir", str(tmp_path / "bench")])
    assert result.exit_code == 0, result.output
    figures = json.loads((tmp_path / "bench" / "bench-tiny.json").read_text())
    stages = [s["stage"] for s in figures["stages"]]
    assert stages == ["fingerprint", "raw", "staging", "conformed", "quality", "publish"]
    raw = figures["stages"][1]
    assert raw["rows"] == figures["floor"]["rows"] == figures["batch_rows"] > 20_000  # every row read and loaded
    assert all(s["seconds"] > 0 and s["peak_mb"] > 0 for s in figures["stages"])
    assert figures["pipeline_seconds"] > figures["floor"]["seconds"] > 0
    assert figures["times_floor"] == pytest.approx(figures["pipeline_seconds"] / figures["floor"]["seconds"], rel=0.01)
    for stage in ("floor", "raw", "staging", "conformed", "quality", "publish", "pipeline"):
        assert f"\n{stage} " in result.output
    # a second run reuses the batch and starts a new warehouse
    again = CliRunner().invoke(app, ["bench", "--scale", "tiny", "--dir", str(tmp_path / "bench")])
    assert again.exit_code == 0 and "reusing the batch" in again.output


def test_a_run_that_passes_the_memory_cap_stops_and_still_reports_its_figures(tmp_path: Path):
    # in a subprocess: the stop ends the process (a stage inside DuckDB or polars cannot be interrupted)
    folder = tmp_path / "bench"
    capped = subprocess.run(
        [*CSC, "bench", "--scale", "tiny", "--dir", str(folder), "--max-memory-gb", "0.01"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert capped.returncode == 3, capped.stdout + capped.stderr
    figures = json.loads((folder / "bench-tiny.json").read_text())
    assert figures["stopped"] == "raw passed the memory cap of 10 MB and was stopped"
    assert [s["stage"] for s in figures["stages"]] == ["fingerprint", "raw"]
    assert figures["stages"][-1]["note"].startswith("stopped at ")
    assert "STOPPED: raw passed the memory cap" in capped.stdout
