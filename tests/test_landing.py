from __future__ import annotations

import os
from pathlib import Path

from flows.landing import REASON_FILE, complete_batches, process_landing
from tests.conftest import write_batch


def test_complete_batches_in_order_and_incomplete_ones_left_alone(tmp_path):
    landing = tmp_path / "landing"
    write_batch(landing / "20230831", {"ssd_person.csv": "x"})
    write_batch(landing / "20230830", {"ssd_person.csv": "x"})
    write_batch(landing / "20230901", {"ssd_person.csv": "x"}, ready=False)  # still being written
    (landing / "notes.txt").parent.mkdir(exist_ok=True)
    (landing / "notes.txt").write_text("not a batch")
    assert [p.name for p in complete_batches(landing)] == ["20230830", "20230831"]
    assert complete_batches(tmp_path / "nowhere") == []


def test_loaded_batches_are_archived_failed_ones_quarantined_with_the_reason(tmp_path):
    landing, archive, quarantine = tmp_path / "landing", tmp_path / "archive", tmp_path / "quarantine"
    for name in ("night1", "night2", "night3"):
        write_batch(landing / name, {"ssd_person.csv": "x"})
    loaded = []

    def load(batch: Path, warehouse: Path) -> None:
        if batch.name == "night2":
            raise ValueError("ssd_person.csv: the file is empty")
        loaded.append(batch.name)

    results = process_landing(
        landing, tmp_path / "wh", archive_dir=archive, quarantine_dir=quarantine, load=load, log=lambda m: None
    )
    # a failure does not stop the next night
    assert loaded == ["night1", "night3"]
    assert [(r.batch, r.status) for r in results] == [
        ("night1", "archived"),
        ("night2", "quarantined"),
        ("night3", "archived"),
    ]
    assert sorted(os.listdir(archive)) == ["night1", "night3"] and os.listdir(landing) == []
    reason = (quarantine / "night2" / REASON_FILE).read_text()
    assert "ValueError: ssd_person.csv: the file is empty" in reason
    assert (quarantine / "night2" / "ssd_person.csv").exists()

    # the same batch name landing again does not overwrite the archived one
    write_batch(landing / "night1", {"ssd_person.csv": "y"})
    process_landing(
        landing, tmp_path / "wh", archive_dir=archive, quarantine_dir=quarantine, load=load, log=lambda m: None
    )
    assert len([n for n in os.listdir(archive) if n.startswith("night1")]) == 2


def test_csc_run_landing_loads_in_order_and_quarantines_a_broken_batch(prefect_harness, tmp_path):
    from datetime import date

    import duckdb
    from typer.testing import CliRunner

    from csc.cli import app
    from csc.synthetic import generate_batch

    landing = tmp_path / "landing"
    generate_batch(landing / "2023-08-30", as_of=date(2023, 8, 30), scale="tiny", seed=1)
    generate_batch(landing / "2023-08-31", as_of=date(2023, 8, 31), scale="tiny", seed=2)
    broken = write_batch(landing / "2023-08-29", {"ssd_person.csv": "x", ".ssd_cp_visits.csv.part": "x"})
    result = CliRunner().invoke(
        app, ["run-landing", "--landing", str(landing), "--warehouse", str(tmp_path / "wh"), "--create-warehouse"]
    )
    assert result.exit_code == 1, result.output
    assert sorted(os.listdir(tmp_path / "archive")) == ["2023-08-30", "2023-08-31"]
    assert "still being written" in (tmp_path / "quarantine" / broken.name / REASON_FILE).read_text()
    with duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"), read_only=True) as con:
        order = [r[0] for r in con.execute("SELECT batch_folder FROM ops.runs ORDER BY started_at").fetchall()]
    assert [Path(p).name for p in order] == ["2023-08-29", "2023-08-30", "2023-08-31"]


def test_a_landed_batch_that_is_a_symbolic_link_is_quarantined_as_the_link(tmp_path):
    """The link is moved, never followed: nothing is written where it points."""
    from warehouse.batch import read_batch

    landing, quarantine = tmp_path / "landing", tmp_path / "quarantine"
    outside = write_batch(tmp_path / "outside", {"ssd_person.csv": "x"})
    landing.mkdir()
    (landing / "night1").symlink_to(outside, target_is_directory=True)
    results = process_landing(
        landing,
        tmp_path / "wh",
        archive_dir=tmp_path / "archive",
        quarantine_dir=quarantine,
        load=lambda batch, wh: read_batch(batch),
        log=lambda m: None,
    )
    assert [(r.batch, r.status) for r in results] == [("night1", "quarantined")]
    assert sorted(os.listdir(outside)) == ["_READY", "ssd_person.csv"]
    assert (quarantine / "night1").is_symlink()
    assert "a symbolic link, not followed" in (quarantine / f"night1.{REASON_FILE}").read_text()


def test_a_batch_that_cannot_be_moved_never_holds_up_the_next(tmp_path):
    landing, archive, quarantine = tmp_path / "landing", tmp_path / "archive", tmp_path / "quarantine"
    long_name = "extract_" + "x" * 232  # with the time suffix a second landing would get, past 255 bytes
    for name in (long_name, "night2"):
        write_batch(landing / name, {"ssd_person.csv": "x"})
    archive.mkdir()
    (archive / long_name).mkdir()  # the same name archived before: the copy needs a suffix
    loaded = []
    results = process_landing(
        landing,
        tmp_path / "wh",
        archive_dir=archive,
        quarantine_dir=quarantine,
        load=lambda batch, wh: loaded.append(batch.name),
        log=lambda m: None,
    )
    assert [r.status for r in results] == ["archived", "archived"] and loaded == [long_name, "night2"]
    assert os.listdir(landing) == [] and len(os.listdir(archive)) == 3

    # an archive that cannot be written: every batch is still loaded, each left where it was and reported
    for name in ("night3", "night4"):
        write_batch(landing / name, {"ssd_person.csv": "x"})
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the archive folder should be")
    results = process_landing(
        landing, tmp_path / "wh", archive_dir=blocked, quarantine_dir=quarantine, load=lambda b, w: None, log=print
    )
    assert [(r.batch, r.status) for r in results] == [("night3", "not_archived"), ("night4", "not_archived")]


def test_a_batch_that_meets_a_busy_warehouse_waits_in_the_landing_folder(tmp_path):
    from warehouse.db import WarehouseBusy

    landing = tmp_path / "landing"
    for name in ("night1", "night2"):
        write_batch(landing / name, {"ssd_person.csv": "x"})

    def busy(batch, wh):
        raise WarehouseBusy("another run is writing this warehouse")

    results = process_landing(
        landing, tmp_path / "wh", archive_dir=tmp_path / "a", quarantine_dir=tmp_path / "q", load=busy, log=print
    )
    assert [(r.batch, r.status) for r in results] == [("night1", "waiting")]
    assert sorted(os.listdir(landing)) == ["night1", "night2"] and not (tmp_path / "q").exists()
