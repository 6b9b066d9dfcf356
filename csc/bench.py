"""`csc bench`: run the pipeline's stages one by one on a generated batch and measure each: wall time, rows per
second and peak memory, against the floor (DuckDB reading the same files once).

Prefect is left out on purpose: its start-up (a temporary server, 10-20 s) is not the pipeline's work, and the
stages are the same functions the flow's tasks call (pipeline/stages.py). Peak memory is the process's
resident set, sampled every 20 ms (Linux /proc); DuckDB's and polars' native memory is included.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from csc.synthetic import generate_batch
from declarations.constants import READY_MARKER
from declarations.words import counted
from pipeline import stages
from warehouse.batch import read_batch
from warehouse.db import fetch_one, machine_memory_gb

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int:
    """This process's resident memory now (Linux); else its peak so far."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class PeakMemory:
    """Samples resident memory in a thread while the block runs; `peak` is the highest sample, in bytes. With a
    ``cap``, ``on_cap(peak)`` is called from the sampling thread the first time a sample passes it."""

    def __init__(self, interval: float = 0.02, cap: int | None = None, on_cap: Callable[[int], None] | None = None):
        self.interval = interval
        self.cap, self.on_cap = cap, on_cap
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, resident_bytes())
            if self.cap and self.on_cap and self.peak > self.cap:
                self.on_cap(self.peak)
                self.on_cap = None
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> PeakMemory:
        self.peak = resident_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, resident_bytes())


@dataclass
class StageFigures:
    stage: str
    seconds: float
    rows: int
    peak_mb: float
    note: str = ""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class BenchResult:
    scale: str
    batch_dir: str
    batch_rows: int
    batch_mb: float
    measured_at: str
    machine: dict[str, Any]
    floor: StageFigures
    stages: list[StageFigures] = field(default_factory=list)
    stopped: str = ""  # why the run stopped before the last stage, if it did

    @property
    def pipeline_seconds(self) -> float:
        return sum(s.seconds for s in self.stages)

    @property
    def peak_mb(self) -> float:
        return max(s.peak_mb for s in self.stages)

    @property
    def times_floor(self) -> float:
        return self.pipeline_seconds / self.floor.seconds

    def to_json(self) -> dict[str, Any]:
        figures = asdict(self)
        for entry, stage in zip([figures["floor"], *figures["stages"]], [self.floor, *self.stages], strict=True):
            entry["rows_per_second"] = round(stage.rows_per_second)
        figures["pipeline_seconds"] = round(self.pipeline_seconds, 2)
        figures["pipeline_peak_mb"] = round(self.peak_mb)
        figures["times_floor"] = round(self.times_floor, 2)
        return figures

    def table(self) -> str:
        pipeline = StageFigures(
            "pipeline",
            self.pipeline_seconds,
            self.batch_rows,
            self.peak_mb,
            f"{self.times_floor:.1f} x the floor (stages above the floor line, summed)"
            + (f"; STOPPED: {self.stopped}" if self.stopped else ""),
        )
        lines = [f"{'stage':<12} {'seconds':>9} {'rows':>13} {'rows/s':>12} {'peak MB':>9}  note"]
        for s in [self.floor, *self.stages, pipeline]:
            rate = f"{s.rows_per_second:>12,.0f}"
            lines.append(f"{s.stage:<12} {s.seconds:>9.2f} {s.rows:>13,} {rate} {s.peak_mb:>9,.0f}  {s.note}")
        return "\n".join(lines)


def measure(
    stage: str,
    work: Callable[[], Any],
    rows: Callable[[Any], int],
    note: Callable[[Any], str] | None = None,
    *,
    cap: int | None = None,
    on_cap: Callable[[StageFigures], None] | None = None,
):
    """Run ``work`` and return its result with the stage's figures. If memory passes ``cap``, ``on_cap`` gets the
    figures so far (it is called from another thread while the stage still runs)."""
    started = time.perf_counter()

    def capped(peak: int) -> None:
        if on_cap:
            on_cap(
                StageFigures(
                    stage, time.perf_counter() - started, 0, peak / 2**20, f"stopped at {peak / 2**20:,.0f} MB"
                )
            )

    with PeakMemory(cap=cap, on_cap=capped) as memory:
        result = work()
        seconds = time.perf_counter() - started
    figures = StageFigures(stage, seconds, rows(result), memory.peak / 2**20, note(result) if note else "")
    return result, figures


def read_floor(batch) -> int:
    """DuckDB reading every file of the batch once, all columns as text, and counting the rows: the least any
    loader must do. DuckDB cannot decode Windows-1252 offline, so those files are read as UTF-8 with bad lines
    skipped: every byte is still read and parsed, which is what the floor measures."""
    total = 0
    with duckdb.connect() as con:
        for f in batch.files:
            if f.format == "parquet":
                query = f"SELECT count(*) FROM read_parquet('{f.path}')"
            else:
                query = (
                    f"SELECT count(*) FROM read_csv('{f.path}', all_varchar = true, header = true, "
                    "strict_mode = false, ignore_errors = true)"
                )
            total += fetch_one(con.execute(query))[0]
    return total


def machine() -> dict[str, Any]:
    memory_gb = machine_memory_gb()
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_gb, 1) if memory_gb else None,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "platform": platform.platform(),
    }


def run_bench(
    scale: str,
    folder: Path,
    *,
    as_of: date,
    seed: int = 1,
    regenerate: bool = False,
    say: Callable[[str], None] = print,
    memory_cap_mb: float | None = None,
    on_stop: Callable[[BenchResult], None] | None = None,
) -> BenchResult:
    """Generate the batch (unless one is there), measure the floor, then each stage on a new warehouse.

    If the process's memory passes ``memory_cap_mb`` the run stops there, before the machine runs out: the stage is
    recorded as stopped, ``on_stop`` reports the figures so far, and the process exits with status 3 (the stage is
    inside DuckDB or polars and cannot be interrupted any other way)."""
    batch_dir, warehouse_dir = folder / "batch", folder / "warehouse"
    if regenerate or not (batch_dir / READY_MARKER).exists():
        shutil.rmtree(batch_dir, ignore_errors=True)
        say(f"generating a {scale} batch as of {as_of} in {batch_dir}")
        started = time.perf_counter()
        generate_batch(batch_dir, as_of=as_of, scale=scale, seed=seed, progress=say)
        say(f"generated in {time.perf_counter() - started:.1f}s")
    else:
        say(f"reusing the batch in {batch_dir} (--regenerate to write a new one)")
    shutil.rmtree(warehouse_dir, ignore_errors=True)  # every stage does its full work on a new warehouse
    warehouse_dir.mkdir(parents=True)
    run_id = str(uuid.uuid4())

    say("fingerprinting the files")
    batch, fingerprint = measure("fingerprint", lambda: read_batch(batch_dir), lambda b: len(b.files))
    fingerprint.note = "checksums and encodings of every file (rows column: files)"
    say("floor: DuckDB reading every file once")
    batch_rows, floor = measure("floor", lambda: read_floor(batch), lambda n: n)
    floor.note = "DuckDB reads each file once (not part of the pipeline)"
    say(f"floor: {floor.seconds:.2f}s for {batch_rows:,} rows, peak {floor.peak_mb:,.0f} MB")
    batch_mb = sum(f.size_bytes for f in batch.files) / 2**20
    result = BenchResult(
        scale,
        str(batch_dir),
        batch_rows,
        round(batch_mb, 1),
        datetime.now().isoformat(timespec="seconds"),
        machine(),
        floor,
        [fingerprint],
    )

    def detail(message: str) -> None:
        """A stage's own progress (each file, each table), indented under the stage: at national scale a stage
        takes minutes."""
        say(f"  {message}")

    def stop(figures: StageFigures) -> None:
        result.stages.append(figures)
        result.stopped = f"{figures.stage} passed the memory cap of {memory_cap_mb:,.0f} MB and was stopped"
        say(result.stopped)
        if on_stop:
            on_stop(result)
        os._exit(3)

    def stage(name: str, work, rows, note=None):
        say(f"{name} ...")
        cap = int(memory_cap_mb * 2**20) if memory_cap_mb else None
        value, figures = measure(name, work, rows, note, cap=cap, on_cap=stop)
        result.stages.append(figures)
        say(f"{name}: {figures.seconds:.2f}s, {counted(figures.rows, 'row')}, peak {figures.peak_mb:,.0f} MB")
        return value

    loaded = stage(
        "raw",
        lambda: stages.load_raw(batch, warehouse_dir, detail),
        lambda r: r.rows_loaded,
        lambda r: f"{counted(r.rows_rejected, 'row')} rejected",
    )
    staged = stage(
        "staging", lambda: stages.load_staging(warehouse_dir, batch.batch_id, detail), lambda r: sum(r.rows.values())
    )
    conformed = stage(
        "conformed",
        lambda: stages.load_conformed(warehouse_dir, batch.batch_id, as_of, run_id, detail),
        lambda r: sum(r.rows.values()),
    )
    stage(
        "quality",
        lambda: stages.check_quality(warehouse_dir, batch.batch_id, as_of, run_id),
        lambda r: sum(staged.rows.values()) + sum(conformed.rows.values()),
        lambda r: f"{r.rules_checked} rules over staging and conformed, {r.exceptions:,} exceptions",
    )
    stage(
        "publish",
        lambda: stages.publish_indicators(warehouse_dir, batch.batch_id, as_of, run_id),
        lambda r: sum(r.rows.values()),
        lambda r: f"{r.rows['indicator_values']:,} indicator values (rows: every mart row)",
    )
    if not loaded.rows_loaded:
        raise RuntimeError(f"the benchmark batch {batch_dir} loaded no rows")
    return result


def write_figures(result: BenchResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n", encoding="utf-8")
    return path
