"""A region: councils generated side by side (``csc generate --councils``), their figures set beside each other and
the region's (``transforms.region``), and the regional run on a Dask cluster (``csc run-region``)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from csc.cli import app
from csc.synthetic.region import region_councils
from declarations.registry import declared
from declarations.settings import settings
from tests.conftest import write_batch
from transforms.region import region_indicator_values

runner = CliRunner()


def test_generate_councils_writes_one_complete_batch_folder_per_council_of_varied_size(tmp_path: Path):
    landing = tmp_path / "landing"
    args = ["generate", "--councils", "3", "--out", str(landing), "--as-of", "2023-08-31", "--scale", "tiny"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    folders = sorted(p.name for p in landing.iterdir() if p.is_dir())
    assert folders == ["council-001", "council-002", "council-003"]
    persons = set()
    for folder in folders:
        marker = json.loads((landing / folder / "_READY").read_text())
        persons.add(marker["tables"]["ssd_person"])
    assert len(persons) == 3, "each council its own size"
    manifest = (landing / "councils.csv").read_text().splitlines()
    assert manifest[0] == "code,name,system,size,child_population"
    assert [line.split(",")[0] for line in manifest[1:]] == folders
    assert "wrote 3 councils" in result.output


def test_a_region_is_the_same_for_the_same_seed_and_differs_for_another():
    assert region_councils(5, "la", 7) == region_councils(5, "la", 7)
    assert region_councils(5, "la", 7) != region_councils(5, "la", 8)
    england = region_councils(150, "la", 1)
    assert len({c.system for c in england}) > 1
    assert 0.4 <= min(c.size for c in england) < 1 < max(c.size for c in england) <= 2.5


def test_generate_councils_checks_its_arguments(tmp_path: Path):
    result = runner.invoke(app, ["generate", "--councils", "0", "--out", str(tmp_path), "--as-of", "2023-08-31"])
    assert result.exit_code == 1
    assert "--councils" in result.output


# --- the region's figures (transforms.region) --------------------------------------------------------------------

E = date(2023, 8, 31)
POLARITIES = {"p": "higher", "q": "lower", "c": "count", "r": "rate"}
POPULATIONS = pl.DataFrame({"council_code": ["a", "b", "c"], "child_population": [1000, 2000, 3000]})


def council_values(rows: list[tuple]) -> pl.DataFrame:
    columns = ["council_code", "indicator_ref", "status", "numerator", "denominator", "value", "england_value"]
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    return frame.with_columns(period_end=pl.lit(E))


def test_region_sums_what_councils_counted_leaves_out_a_withheld_figure_and_ranks_by_polarity():
    values = council_values(
        [
            ("a", "p", "published", 8, 10, 80.0, 70.0),
            ("b", "p", "published", 3, 4, 75.0, 70.0),
            ("c", "p", "withheld", 1, 2, 50.0, 70.0),
            ("a", "q", "published", 2, 10, 20.0, None),
            ("b", "q", "published", 1, 5, 20.0, None),
            ("c", "q", "published", 3, 10, 30.0, None),
            ("a", "c", "published", 5, None, 5.0, None),
            ("b", "c", "published", 7, None, 7.0, None),
            ("c", "c", "unavailable", None, None, None, None),
            ("a", "r", "published", 10, None, 100.0, None),
            ("b", "r", "published", 30, None, 150.0, None),
        ]
    )
    got = region_indicator_values(values, POPULATIONS, POLARITIES)
    p, q = 100 * 11 / 14, 100 * 6 / 25
    r = 40 / 3000 * 10_000
    expected = pl.DataFrame(
        [
            # ref, council, polarity, status, num, den, value, region num, den, population, value, in it, of, rank,
            # ranked, from region, England, from England
            ("c", "a", "count", "published", 5, None, 5.0, 12, None, None, 12.0, 2, 3, None, 0, -7.0, None, None),
            ("c", "b", "count", "published", 7, None, 7.0, 12, None, None, 12.0, 2, 3, None, 0, -5.0, None, None),
            ("c", "c", "count", "unavailable", None, None, None, 12, None, None, 12.0, 2, 3, None, 0, None, None, None),
            ("p", "a", "higher", "published", 8, 10, 80.0, 11, 14, None, p, 2, 3, 1, 2, 80 - p, 70.0, 10.0),
            ("p", "b", "higher", "published", 3, 4, 75.0, 11, 14, None, p, 2, 3, 2, 2, 75 - p, 70.0, 5.0),
            ("p", "c", "higher", "withheld", 1, 2, 50.0, 11, 14, None, p, 2, 3, None, 2, 50 - p, 70.0, -20.0),
            ("q", "a", "lower", "published", 2, 10, 20.0, 6, 25, None, q, 3, 3, 1, 3, 20 - q, None, None),
            ("q", "b", "lower", "published", 1, 5, 20.0, 6, 25, None, q, 3, 3, 1, 3, 20 - q, None, None),
            ("q", "c", "lower", "published", 3, 10, 30.0, 6, 25, None, q, 3, 3, 3, 3, 30 - q, None, None),
            ("r", "a", "rate", "published", 10, None, 100.0, 40, None, 3000, r, 2, 2, None, 0, 100 - r, None, None),
            ("r", "b", "rate", "published", 30, None, 150.0, 40, None, 3000, r, 2, 2, None, 0, 150 - r, None, None),
        ],
        schema=[
            "indicator_ref",
            "council_code",
            "polarity",
            "status",
            "numerator",
            "denominator",
            "value",
            "region_numerator",
            "region_denominator",
            "region_child_population",
            "region_value",
            "region_councils",
            "councils",
            "rank",
            "ranked_councils",
            "difference_from_region",
            "england_value",
            "difference_from_england",
        ],
        orient="row",
    ).with_columns(period_end=pl.lit(E))
    assert_frame_equal(got, declared("region.region_indicator_values").conform(expected))


def test_no_council_published_leaves_the_region_empty_not_zero():
    values = council_values(
        [("a", "p", "withheld", 1, 2, 50.0, None), ("b", "p", "unavailable", None, None, None, None)]
    )
    got = region_indicator_values(values, POPULATIONS, POLARITIES)
    assert got.select("region_numerator", "region_value", "region_councils", "rank").rows() == [
        (None, None, 0, None),
        (None, None, 0, None),
    ]


# --- the regional run (csc run-region) on a real local Dask cluster ----------------------------------------------


@pytest.fixture
def two_dask_workers(monkeypatch):
    monkeypatch.setenv("CSC_DASK_WORKERS", "2")
    monkeypatch.delenv("CSC_DASK_ADDRESS", raising=False)
    settings.cache_clear()
    yield
    monkeypatch.undo()
    settings.cache_clear()


def test_run_region_loads_each_council_on_a_dask_worker_and_sums_their_figures(
    prefect_harness, two_dask_workers, tmp_path: Path
):
    landing, warehouses, region = tmp_path / "landing", tmp_path / "warehouses", tmp_path / "region"
    generated = runner.invoke(
        app, ["generate", "--councils", "2", "--out", str(landing), "--as-of", "2023-08-31", "--scale", "tiny"]
    )
    assert generated.exit_code == 0, generated.output
    # A third council whose batch no table can be read from: it fails, the other two load.
    write_batch(landing / "council-003", {"notes.txt": "not an SSD table\n"})
    args = ["run-region", "--landing", str(landing), "--warehouses", str(warehouses), "--out", str(region)]
    result = runner.invoke(app, [*args, "--create-warehouse"])
    assert result.exit_code == 1, result.output
    assert "council-001: completed" in result.output and "council-002: completed" in result.output
    assert "council-003: failed" in result.output and "1 failed" in result.output
    assert str(region / "region.duckdb") in result.output

    councils = []
    for code in ("council-001", "council-002"):
        with duckdb.connect(str(warehouses / code / "marts.duckdb"), read_only=True) as con:
            frame = con.sql("SELECT * FROM indicator_values WHERE team_id IS NULL").pl()
        councils.append(frame.with_columns(council_code=pl.lit(code)))
    marts = pl.concat(councils)
    with duckdb.connect(str(region / "region.duckdb"), read_only=True) as con:
        got = con.sql("SELECT * FROM region_indicator_values").pl()
        runs = con.sql("SELECT council_code, outcome, as_of, indicator_values FROM region_councils").pl()
    assert runs.rows() == [
        ("council-001", "completed", date(2023, 8, 31), councils[0].height),
        ("council-002", "completed", date(2023, 8, 31), councils[1].height),
        ("council-003", "failed", None, 0),
    ]
    assert got.height == marts.height
    # The regional numerator and denominator are the councils' published ones summed.
    published = pl.col("status") == "published"
    sums = marts.group_by("indicator_ref", "period_end").agg(
        pl.col("numerator").filter(published).sum().alias("numerator_sum"),
        pl.col("denominator").filter(published).sum().alias("denominator_sum"),
        published.sum().alias("published"),
    )
    checked = got.join(sums, on=["indicator_ref", "period_end"]).filter(pl.col("published") > 0)
    assert checked.height > 0
    assert checked.filter(pl.col("region_numerator") != pl.col("numerator_sum")).height == 0
    percentages = checked.filter(pl.col("polarity").is_in(["higher", "lower"]))
    assert percentages.filter(pl.col("region_denominator") != pl.col("denominator_sum")).height == 0
    # Ranks: of two councils, the better figure by the indicator's polarity is 1 (both 1 when equal).
    pairs = percentages.filter(pl.col("ranked_councils") == 2).pivot(
        "council_code", index=["indicator_ref", "period_end", "polarity"], values=["value", "rank"]
    )
    assert pairs.height > 0
    for row in pairs.iter_rows(named=True):
        a, b = row["value_council-001"], row["value_council-002"]
        better_a = a > b if row["polarity"] == "higher" else a < b
        expected = (1, 1) if a == b else ((1, 2) if better_a else (2, 1))
        assert (row["rank_council-001"], row["rank_council-002"]) == expected, row


def test_run_region_checks_its_arguments_before_prefect_starts(tmp_path: Path):
    result = runner.invoke(
        app, ["run-region", "--landing", str(tmp_path / "nope"), "--warehouses", "w", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 1 and "not a folder" in result.output
    (tmp_path / "landing" / "council-001").mkdir(parents=True)
    args = ["run-region", "--landing", str(tmp_path / "landing"), "--warehouses", str(tmp_path / "w")]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "r")])
    assert result.exit_code == 1 and "no council's batch" in result.output
    (tmp_path / "landing" / "council-001" / "_READY").write_text("")
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "r")])
    assert result.exit_code == 1 and "no warehouse for 1 council (council-001)" in result.output
