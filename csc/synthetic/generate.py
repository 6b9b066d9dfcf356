"""``generate_batch``: one night's SSD export, written file by file, with ``_READY`` last."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

from declarations import contract
from declarations.constants import READY_MARKER
from declarations.words import counted

from .calendar import day
from .export import write_atomically, write_table
from .faults import FaultInjector, write_log
from .frame import Dates, Frame, Numbers, codes, constant
from .more import MORE_TABLE_NAMES, MoreTables
from .scales import SCALES
from .shapes import SYSTEM_NAMES, ExportShape
from .tables import Tables
from .world import build_world

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
assert sorted(BUILD_ORDER) == sorted(t.name for t in contract.CORE_TABLES)
# The v1.2.4 council releases' own log of the build, written last (it counts the rows of the tables written).
RELEASE_LOGS = ("ssd_version_log", "ssd_extract_log")

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
    system: str = "systemc",
    extensions: bool = True,
    progress: Callable[[str], None] | None = None,
    size: float = 1.0,
) -> dict[str, int]:
    """Write one night's SSD export into out_dir, as ``system``'s SSD build exports it; return rows written per
    table. ``extensions`` adds the local extensions a council adds to supply indicators 1.1, 2.1 and 3.2.

    Same arguments, same bytes: everything is drawn from ``numpy.random.PCG64(seed)`` and no clock is read. The
    same world is written whatever the system (only its shape differs), so every system's batch publishes the
    same figures. With ``fault_rate`` > 0, recording problems (``FAULT_KINDS``) are injected and listed in
    ``faults_log``. ``size`` scales the council's children and flows (``Scale.resized``): a region's councils
    differ in size.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose from {', '.join(SCALES)}")
    if system not in SYSTEM_NAMES:
        raise ValueError(f"unknown system {system!r}; choose from {', '.join(SYSTEM_NAMES)}")
    if not 0 <= fault_rate < 1:
        raise ValueError("fault_rate must be in [0, 1)")
    if not size > 0:
        raise ValueError("size must be above 0")
    say = progress or (lambda _: None)
    s = SCALES[scale].resized(size)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # A marker left by an earlier batch in this folder must not make this one look complete.
    (out_dir / READY_MARKER).unlink(missing_ok=True)

    # The SSD's other tables draw from a fourth stream: the first three (and the core tables' bytes) are unchanged.
    world_seed, tables_seed, faults_seed, more_seed = np.random.SeedSequence(seed).spawn(4)
    say(
        f"simulating {s.simulated_years} years of case history ({scale} scale) up to {as_of:%Y-%m-%d}, "
        "keeping the last six"
    )
    world = build_world(np.random.Generator(np.random.PCG64(world_seed)), s, as_of)
    tables = Tables(world, tables_seed)
    shape = ExportShape(system, extensions)
    faults = FaultInjector(
        fault_rate,
        np.random.Generator(np.random.PCG64(faults_seed)),
        tables,
        described=shape.described_columns,
        unshown=shape.unshown_faults,
    )

    say(f"written as {shape.label} exports it" + ("" if extensions else ", without the local extensions"))
    rows: dict[str, int] = {}
    for name in BUILD_ORDER:
        if not shape.writes(name):
            continue
        frame = faults.apply(name, tables.build(name))
        _write(out_dir, shape, name, shape.frame(name, frame, tables, seed=seed), as_of, s.write_chunk_rows)
        rows[name] = frame.n
        if name in EVENTS_OF_TABLE:
            tables.drop_event(EVENTS_OF_TABLE[name])
        say(f"{name}: {counted(frame.n, 'row')}")
    more = MoreTables(world, tables.ids, more_seed)
    for name in MORE_TABLE_NAMES:
        if shape.writes(name):
            frame = shape.frame(name, more.build(name), tables, seed=seed)
            _write(out_dir, shape, name, frame, as_of, s.write_chunk_rows)
            rows[name] = frame.n
            say(f"{name}: {counted(frame.n, 'row')}")
    for name in RELEASE_LOGS:
        if shape.writes(name):
            frame = release_log(name, rows, as_of)
            _write(out_dir, shape, name, frame, as_of, s.write_chunk_rows)
            rows[name] = frame.n
    rows = {t.name: rows[t.name] for t in contract.TABLES if t.name in rows}

    if fault_rate > 0:
        say(f"faults injected: {sum(len(ids) for _, ids, _ in faults.log):,}")
        if faults_log is not None:
            write_log(Path(faults_log), faults.log)
    marker = {
        "as_of": as_of.isoformat(),
        "scale": scale,
        **({"size": size} if size != 1 else {}),
        "seed": seed,
        "system": system,
        "extensions": extensions,
        "fault_rate": fault_rate,
        "tables": rows,
    }
    write_atomically(out_dir / READY_MARKER, (json.dumps(marker, indent=2) + "\n").encode())
    return rows


def _write(out_dir: Path, shape: ExportShape, table: str, frame: Frame, as_of: date, chunk_rows: int) -> None:
    write_table(out_dir, shape.file_name(table, as_of), frame, shape.style(table), chunk_rows)


def release_log(table: str, rows: dict[str, int], as_of: date) -> Frame:
    """The bookkeeping the v1.2.4 council releases write beside the tables: their version, and one line per table
    with the rows the build wrote."""
    if table == "ssd_version_log":
        return Frame(
            {
                "version_number": constant("1.2.4", 1),
                "release_date": Dates(np.array([day(date(2024, 11, 1))], np.int32)),
                "description": constant("Council release", 1),
                "is_current": constant("1", 1),
                "created_at": Dates(np.array([day(as_of)], np.int32)),
                "created_by": constant("ssd_build", 1),
                "impact_description": constant(None, 1),
            }
        )
    names = list(rows)
    n = len(names)
    return Frame(
        {
            "table_name": codes(names, np.arange(n)),
            "schema_name": constant("ssd_development", n),
            "status": constant("Success", n),
            "rows_inserted": Numbers(np.array([rows[t] for t in names], float)),
            "table_size_kb": Numbers(np.full(n, np.nan)),
            "has_pk": constant("1", n),
            "has_fks": constant("0", n),
            "index_count": Numbers(np.ones(n)),
            "creation_date": Dates(np.full(n, day(as_of), np.int32)),
            "null_count": Numbers(np.full(n, np.nan)),
            "pk_datatype": constant("nvarchar", n),
            "additional_detail": constant(None, n),
        }
    )
