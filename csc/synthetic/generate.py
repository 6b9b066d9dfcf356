"""``generate_batch``: one night's SSD export, written file by file, with ``_READY`` last."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

from warehouse import contract

from .export import write_atomically, write_table
from .faults import FaultInjector, write_log
from .scales import SCALES
from .tables import Tables
from .world import build_world

READY_MARKER = "_READY"

# Tables whose faults reach into others come first: CP plans decide which conferences vanish, CLA episodes
# which periods' visits may move, CP and CLA visits which rows move into the CIN visits file.
BUILD_ORDER = (
    "ssd_department",
    "ssd_professionals",
    "ssd_person",
    "ssd_contacts",
    "ssd_cin_episodes",
    "ssd_cin_assessments",
    "ssd_s47_enquiry",
    "ssd_cp_plans",
    "ssd_initial_cp_conference",
    "ssd_cin_plans",
    "ssd_cp_reviews",
    "ssd_cla_episodes",
    "ssd_cla_placement",
    "ssd_cla_reviews",
    "ssd_care_leavers",
    "ssd_involvements",
    "ssd_cp_visits",
    "ssd_cla_visits",
    "ssd_cin_visits",
    "ext_cin_plan_reviews",
    "ext_management_oversight",
)
assert sorted(BUILD_ORDER) == sorted(t.name for t in contract.TABLES)

# Event tables are drawn on demand and dropped once written (england-scale visit tables are large).
EVENTS_OF_TABLE = {
    "ssd_cp_visits": "cp_visits",
    "ssd_cla_visits": "cla_visits",
    "ssd_cin_visits": "cin_visits",
    "ssd_cla_reviews": "cla_reviews",
    "ext_cin_plan_reviews": "cin_reviews",
    "ext_management_oversight": "oversight",
}


def generate_batch(
    out_dir: Path,
    *,
    as_of: date,
    scale: str = "la",
    seed: int = 1,
    fault_rate: float = 0.0,
    faults_log: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write one night's SSD export into out_dir; return rows written per table.

    Same arguments, same bytes: everything is drawn from ``numpy.random.PCG64(seed)`` and no clock is read.
    With ``fault_rate`` > 0, recording problems (``FAULT_KINDS``) are injected and listed in ``faults_log``.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose from {', '.join(SCALES)}")
    if not 0 <= fault_rate < 1:
        raise ValueError("fault_rate must be in [0, 1)")
    say = progress or (lambda _: None)
    s = SCALES[scale]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # A marker left by an earlier batch in this folder must not make this one look complete.
    (out_dir / READY_MARKER).unlink(missing_ok=True)

    world_seed, tables_seed, faults_seed = np.random.SeedSequence(seed).spawn(3)
    say(f"simulating {s.simulated_years} years of case history ({scale} scale) up to {as_of:%Y-%m-%d}")
    world = build_world(np.random.Generator(np.random.PCG64(world_seed)), s, as_of)
    tables = Tables(world, tables_seed)
    faults = FaultInjector(fault_rate, np.random.Generator(np.random.PCG64(faults_seed)), tables)

    rows: dict[str, int] = {}
    for name in BUILD_ORDER:
        frame = faults.apply(name, tables.build(name))
        write_table(out_dir, name, frame, as_of, s.write_chunk_rows)
        rows[name] = frame.n
        if name in EVENTS_OF_TABLE:
            tables.drop_event(EVENTS_OF_TABLE[name])
        say(f"{name}: {frame.n:,} rows")
    rows = {t.name: rows[t.name] for t in contract.TABLES}

    if fault_rate > 0:
        say(f"faults injected: {sum(len(ids) for _, ids, _ in faults.log):,}")
        if faults_log is not None:
            write_log(Path(faults_log), faults.log)
    marker = {"as_of": as_of.isoformat(), "scale": scale, "seed": seed, "fault_rate": fault_rate, "tables": rows}
    write_atomically(out_dir / READY_MARKER, (json.dumps(marker, indent=2) + "\n").encode())
    return rows
