"""One generated world written as each case system's SSD build exports it loads with no failed or ignored file and
publishes exactly the figures the extract contract's own shape publishes; without the local extensions, the
indicators that need them are unavailable, not withheld. The pipeline's stages run as the flow runs them."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from csc.synthetic import generate_batch
from csc.synthetic.frame import IdFormat, Ids
from csc.synthetic.shapes import MOSAIC_AND_ECLIPSE_CASE_HOLDING_ROLES, nightly_guids
from declarations.contract import table
from declarations.settings import settings
from pipeline import stages
from tests.conftest import CSC, write_batch
from warehouse.batch import read_batch
from warehouse.marts import marts_path

AS_OF = date(2023, 8, 31)
# A council of each system lists its own case-holding involvement types (Mosaic's and Eclipse's adviser codes are
# set per council): one list that covers every system's batch here.
ROLES = f"CW, {MOSAIC_AND_ECLIPSE_CASE_HOLDING_ROLES}, 16PLUS"
EXTENSION_REFS = ("1.1", "2.1", "3.2")


@pytest.fixture(scope="module", autouse=True)
def case_holding_roles():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSC_CASE_HOLDING_ROLES", ROLES)
        settings.cache_clear()
        yield
    settings.cache_clear()


def run_pipeline(batch_dir: Path, warehouse_dir: Path):
    """The flow's stages, in order, on a new warehouse."""
    shutil.rmtree(warehouse_dir, ignore_errors=True)
    batch = read_batch(batch_dir)
    run_id = str(uuid.uuid4())
    load = stages.load_raw(batch, warehouse_dir)
    stages.load_staging(warehouse_dir, batch.batch_id)
    conformed = stages.load_conformed(warehouse_dir, batch.batch_id, AS_OF, run_id)
    quality = stages.check_quality(warehouse_dir, batch.batch_id, AS_OF, run_id)
    stages.publish_indicators(warehouse_dir, batch.batch_id, AS_OF, run_id)
    return load, conformed, quality


def publication(warehouse_dir: Path) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(marts_path(warehouse_dir)), read_only=True) as con:
        return {
            name: con.sql(f"SELECT * FROM {name} ORDER BY ALL").pl()
            for name in ("indicator_values", "indicator_records", "highlight_report")
        }


def generated(root: Path, system: str, **kw) -> Path:
    folder = root / f"batch-{system}"
    generate_batch(folder, as_of=AS_OF, scale="tiny", seed=3, system=system, **kw)
    return folder


@pytest.fixture(scope="module")
def contract(tmp_path_factory):
    root = tmp_path_factory.mktemp("contract")
    batch = generated(root, "contract")
    load, _, quality = run_pipeline(batch, root / "warehouse")
    assert not load.problems and not quality.blocking_rules_failed
    return batch, publication(root / "warehouse")


def assert_same_publication(got: dict[str, pl.DataFrame], expected: dict[str, pl.DataFrame]) -> None:
    """The same figures and records for every indicator the contract's shape can compute. The wider measures that
    read the SSD's other tables (health checks, missing episodes, pre-proceedings) are unavailable from it, which
    writes none of those tables; a system's build that writes them publishes them."""
    unavailable = expected["indicator_values"].filter(pl.col("status") == "unavailable")["indicator_ref"].unique()
    assert sorted(unavailable) == ["7.11", "7.6", "7.7", "7.8", "7.9"]
    computed = ~pl.col("indicator_ref").is_in(unavailable.to_list())
    for name in ("indicator_values", "indicator_records"):
        assert_frame_equal(got[name].filter(computed), expected[name].filter(computed))


@pytest.mark.parametrize("system", ["systemc", "eclipse", "la-release"])
def test_each_systems_export_publishes_the_contract_shapes_figures(system, contract, tmp_path):
    load, conformed, quality = run_pipeline(generated(tmp_path, system), tmp_path / "warehouse")
    assert [(f.file_name, f.status) for f in load.files if f.status not in ("loaded", "not_supplied")] == []
    assert {f.export_shape for f in load.files if f.file_name} >= {"any"}
    assert all(system in f.export_shape.split("/") or f.export_shape == "any" for f in load.files if f.file_name)
    assert not conformed.unbalanced_tables and quality.rules_failed == 0
    assert_same_publication(publication(tmp_path / "warehouse"), contract[1])


def test_a_mosaic_export_publishes_the_same_figures_but_for_the_involvements_it_cannot_attribute(contract, tmp_path):
    """Mosaic's build exports no person on involvements, only the referral it finds overlapping each; a care
    leaver's involvement starting after the referral closed has none, so its child cannot be known (ALL-004).
    Blank those few in the contract's own batch and the figures are the same, so every other column renamed,
    derived or mapped arrived exactly."""
    load, conformed, quality = run_pipeline(generated(tmp_path, "mosaic"), tmp_path / "mosaic")
    assert [(f.file_name, f.status) for f in load.files if f.status not in ("loaded", "not_supplied")] == []
    assert not conformed.unbalanced_tables
    with duckdb.connect(str(tmp_path / "mosaic" / "warehouse.duckdb"), read_only=True) as con:
        lost = {
            r[0]
            for r in con.sql(
                "SELECT invo_involvements_id FROM staging.ssd_involvements WHERE invo_person_id IS NULL"
            ).fetchall()
        }
        derived = con.sql(
            "SELECT table_name, column_name FROM staging.cleaning_summary WHERE values_derived > 0 ORDER BY ALL"
        ).fetchall()
        reported = {r[0] for r in con.sql("SELECT record_id FROM dq.exceptions WHERE rule_id = 'ALL-004'").fetchall()}
    assert derived == [
        ("ssd_cin_visits", "cinv_person_id"),
        ("ssd_cla_placement", "clap_person_id"),
        ("ssd_cp_reviews", "cppr_person_id"),
        ("ssd_cp_visits", "cppv_person_id"),
        ("ssd_involvements", "invo_person_id"),
    ]
    assert 0 < len(lost) < 0.05 * load.files[0].rows_loaded + 100 and reported == lost
    assert quality.blocking_rules_failed == []

    blanked = tmp_path / "contract-blanked"
    shutil.copytree(contract[0], blanked)
    path = blanked / "ssd_involvements.csv"
    involvements = pl.read_csv(path, infer_schema=False, null_values="NULL")
    involvements = involvements.with_columns(
        pl.when(pl.col("invo_involvements_id").is_in(sorted(lost)))
        .then(None)
        .otherwise(pl.col("invo_person_id"))
        .alias("invo_person_id")
    )
    involvements.write_csv(path, null_value="NULL")
    run_pipeline(blanked, tmp_path / "blanked")
    assert_same_publication(publication(tmp_path / "mosaic"), publication(tmp_path / "blanked"))


def test_without_the_extensions_three_indicators_are_unavailable_with_the_reason(tmp_path):
    load, _, quality = run_pipeline(generated(tmp_path, "systemc", extensions=False), tmp_path / "warehouse")
    assert sorted(t for t in load.not_supplied if t.startswith("ext_")) == [
        "ext_cin_plan_reviews",
        "ext_management_oversight",
    ]
    contacts = next(f for f in load.files if f.table_name == "ssd_contacts")
    assert (contacts.status, contacts.columns_absent) == ("loaded", ["cont_contact_outcome_date"])
    # Not a data-quality failure: nothing is withheld for data the export was never meant to have.
    assert quality.blocking_rules_failed == [] and quality.withheld_indicators == []
    published = publication(tmp_path / "warehouse")
    report = published["highlight_report"]
    counted = report.filter(~pl.col("indicator_ref").str.ends_with(".rate"))
    # the 17 highlight indicators and the 11 wider measures; only the extensions' three are unavailable
    assert counted.height == 28
    unavailable = counted.filter(pl.col("status") == "unavailable")
    assert sorted(unavailable["indicator_ref"]) == sorted(EXTENSION_REFS)
    assert counted.filter(pl.col("status") == "published").height == 25
    reasons = dict(zip(unavailable["indicator_ref"], unavailable["status_reason"], strict=True))
    assert "ext_management_oversight" in reasons["1.1"] and "ext_cin_plan_reviews" in reasons["3.2"]
    assert "ssd_contacts.cont_contact_outcome_date" in reasons["2.1"]
    assert unavailable.select("numerator", "denominator", "current_value", "rag").null_count().row(0) == (3, 3, 3, 3)
    values = published["indicator_values"].filter(pl.col("indicator_ref").is_in(EXTENSION_REFS))
    assert set(values["status"]) == {"unavailable"} and values["value"].null_count() == values.height
    assert published["indicator_records"].filter(pl.col("indicator_ref").is_in(EXTENSION_REFS)).height == 0


def test_a_care_leavers_row_id_is_new_every_night_and_nothing_keys_on_it(contract, tmp_path):
    """The SSD builds clea_table_id with NEWID(): the same export gives the same bytes, the next night's gives every
    row a new id; a care leaver is known by the person, which the rules and alerts key on."""

    def leavers(folder: Path) -> pl.DataFrame:
        return pl.read_csv(folder / "ssd_care_leavers.csv", infer_schema=False, null_values="NULL")

    tonight = leavers(generated(tmp_path, "systemc"))
    assert tonight["clea_table_id"].str.contains(r"^[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}$").all()
    assert tonight["clea_person_id"].to_list() == leavers(contract[0])["clea_person_id"].to_list()
    again = tmp_path / "again"
    generate_batch(again, as_of=AS_OF, scale="tiny", seed=3, system="systemc")
    assert_frame_equal(leavers(again), tonight)
    keys = Ids(np.arange(5, dtype=np.int64), IdFormat("CLEA"))
    night_one, night_two = nightly_guids(keys, seed=3, as_of=19600), nightly_guids(keys, seed=3, as_of=19601)
    assert not set(night_one.vocab) & set(night_two.vocab)
    assert table("ssd_care_leavers").record_key == "clea_person_id"


def test_a_batch_of_files_that_are_no_ssd_table_fails_and_the_publication_stays(contract, tmp_path):
    warehouse = tmp_path / "warehouse"
    run_pipeline(contract[0], warehouse)
    before = marts_path(warehouse).read_bytes()
    batch = write_batch(tmp_path / "bad", {"people.csv": "id,dob\n1,2015-01-01\n", "cases.xlsx": b"PK"})
    done = subprocess.run(
        [*CSC, "run", "--batch", str(batch), "--warehouse", str(warehouse), "--create-warehouse"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "no file is an SSD table" in done.stderr and "cases.xlsx, people.csv" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert marts_path(warehouse).read_bytes() == before
