"""csc export: the published tables as Parquet (exact) and CSV (for Excel), with a manifest."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from csc.cli import app
from declarations.marts import MART_TABLES, MARTS_BY_NAME
from warehouse.export import ExportError, choose_tables, export_publication, guard_formulas
from warehouse.marts import marts_path, publish

PUBLISHED_AT = datetime(2023, 9, 1, 2, 13, 5, 123456)


def _rows(name: str, *rows: dict) -> pl.DataFrame:
    """A mart table with the given rows (columns not given are null)."""
    return pl.DataFrame(list(rows), schema=MARTS_BY_NAME[name].polars_schema())


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """A small publication written by the pipeline's own publisher: dates, timestamps, nulls, accents, and text
    Excel would run as a formula."""
    folder = tmp_path_factory.mktemp("wh")
    tables = {t.name: t.empty() for t in MART_TABLES}
    tables["teams"] = _rows(
        "teams",
        {"team_id": "105", "team_name": "Équipe Nord", "service_area_name": "-2+3"},
        {"team_id": '=HYPERLINK("http://x","y")', "team_name": "@SUM(A1)", "service_area_name": None},
    )
    tables["publication"] = _rows(
        "publication", {"run_id": "r1", "batch_id": "b1", "as_of": date(2023, 8, 31), "published_at": PUBLISHED_AT}
    )
    tables["indicator_values"] = _rows(
        "indicator_values",
        {"indicator_ref": "4.7.2", "period_end": date(2023, 8, 31), "team_id": None, "numerator": 91,
         "denominator": 100, "value": 91.0, "value_low": 90.5, "records_in_doubt": 0, "status": "published"},
        {"indicator_ref": "1.3.rate", "period_end": date(2023, 3, 31), "team_id": "105", "value": 1 / 3,
         "status": "unavailable", "status_reason": "ssd_cp_plans not supplied"},
    )  # fmt: skip
    tables["caseload_children"] = _rows(
        "caseload_children",
        {"period_end": date(2023, 8, 31), "worker_id": "w1", "team_id": "105", "person_id": "p1",
         "involvement_id": "i1", "role": "CW", "start_date": date(2021, 2, 28)},
    )  # fmt: skip
    publish(folder, tables)
    return folder


def _published(warehouse: Path) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(marts_path(warehouse)), read_only=True) as con:
        return {t.name: con.sql(f"SELECT * FROM {t.sql_name}").pl() for t in MART_TABLES}


def test_parquet_is_every_published_table_exactly_with_a_true_manifest(warehouse, tmp_path):
    out = tmp_path / "parquet"
    manifest = export_publication(warehouse, out, "parquet", choose_tables(None))
    published = _published(warehouse)
    assert [t["table"] for t in manifest["tables"]] == [t.name for t in MART_TABLES]
    for entry in manifest["tables"]:
        path = out / entry["file"]
        assert_frame_equal(pl.read_parquet(path), published[entry["table"]])
        assert (entry["rows"], entry["columns"]) == published[entry["table"]].shape
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert (manifest["run_id"], manifest["batch_id"], manifest["as_of"]) == ("r1", "b1", "2023-08-31")
    assert manifest["published_at"] == PUBLISHED_AT.isoformat()


def test_csv_opens_in_excel_as_the_published_tables_with_formulas_made_text(warehouse, tmp_path):
    out = tmp_path / "csv"
    manifest = export_publication(warehouse, out, "csv", choose_tables(None))
    published = _published(warehouse)
    # Excel's cells: the values it would run as formulas start with ', times to the second
    published["teams"] = pl.DataFrame(
        {
            "team_id": ["105", '\'=HYPERLINK("http://x","y")'],
            "team_name": ["Équipe Nord", "'@SUM(A1)"],
            "service_area_name": ["'-2+3", None],
        }
    )
    published["publication"] = published["publication"].with_columns(pl.col("published_at").dt.truncate("1s"))
    for t in MART_TABLES:
        raw = (out / f"{t.name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf" + t.column_names[0].encode())
        assert_frame_equal(pl.read_csv(raw, schema=t.polars_schema()), published[t.name])
    assert {e["table"]: e["formula_guarded"] for e in manifest["tables"] if e["formula_guarded"]} == {"teams": 3}
    assert b"2021-02-28" in (out / "caseload_children.csv").read_bytes()


def test_guard_marks_only_text_starting_like_a_formula():
    frame = pl.DataFrame({"text": ["=1+1", "a=b", "+44", "-", "@x", "\tx", None, ""], "n": [-1, 2, 3, 4, 5, 6, 7, 8]})
    guarded, marked = guard_formulas(frame)
    expected = pl.DataFrame(
        {"text": ["'=1+1", "a=b", "'+44", "'-", "'@x", "'\tx", None, ""], "n": [-1, 2, 3, 4, 5, 6, 7, 8]}
    )
    assert_frame_equal(guarded, expected)
    assert marked == 5


def test_tables_named_are_the_only_files(warehouse, tmp_path):
    manifest = export_publication(warehouse, tmp_path / "two", "parquet", choose_tables("teams, publication"))
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == [
        "manifest.json",
        "publication.parquet",
        "teams.parquet",
    ]
    assert [(t["table"], t["rows"]) for t in manifest["tables"]] == [("teams", 2), ("publication", 1)]


def test_an_unknown_table_is_named_with_the_published_ones():
    with pytest.raises(ExportError) as e:
        choose_tables("teams,indicator_value")
    assert "'indicator_value'" in str(e.value)
    assert all(t.name in str(e.value) for t in MART_TABLES)


def test_a_folder_with_other_files_is_never_overwritten(warehouse, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        export_publication(warehouse, out, "csv", choose_tables("teams"))
    with pytest.raises(ExportError, match="notes.txt"):
        export_publication(warehouse, out, "csv", choose_tables("teams"), overwrite=True)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_overwrite_replaces_an_earlier_export_whole(warehouse, tmp_path):
    out = tmp_path / "out"
    export_publication(warehouse, out, "csv", choose_tables("teams,publication"))
    export_publication(warehouse, out, "parquet", choose_tables("teams"), overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "teams.parquet"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_the_command_says_in_one_line_what_is_missing(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        app, ["export", "--warehouse", str(tmp_path), "--format", "csv", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"error: {tmp_path} has no marts.duckdb: nothing is published there yet (csc run publishes)"
    )
    result = runner.invoke(
        app, ["export", "--warehouse", str(tmp_path), "--format", "xlsx", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert result.output.strip() == "error: --format must be one of parquet, csv, not 'xlsx'"
    assert not (tmp_path / "o").exists()


def test_the_analyst_guide_answers_with_every_published_table_and_no_other():
    guide = (Path(__file__).parents[1] / "docs" / "analyst-guide.md").read_text(encoding="utf-8")
    section = guide.split("## Which table answers which question")[1].split("\n## ")[0]
    rows = [line.rsplit("|", 2)[1] for line in section.splitlines() if line.startswith("| ") and "`" in line]
    named = {name for cell in rows for name in re.findall(r"`([a-z_]+)`", cell)}
    assert named == {t.name for t in MART_TABLES}


def test_overwrite_deletes_nothing_outside_the_folder_whatever_the_manifest_says(warehouse, tmp_path):
    out = tmp_path / "out"
    (tmp_path / "precious.txt").write_text("keep")
    export_publication(warehouse, out, "csv", choose_tables("teams"))
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["tables"].append({"file": "../precious.txt"})
    (out / "manifest.json").write_text(json.dumps(manifest))
    export_publication(warehouse, out, "csv", choose_tables("teams"), overwrite=True)
    assert (tmp_path / "precious.txt").read_text() == "keep"


def test_the_analyst_guides_sql_runs_on_a_publication_and_its_export(warehouse, tmp_path, monkeypatch):
    """Every SQL statement in the guide binds and runs, so a renamed table or column cannot leave it wrong."""
    guide = (Path(__file__).parents[1] / "docs" / "analyst-guide.md").read_text(encoding="utf-8")
    statements = [
        s.strip() for block in re.findall(r"```sql\n(.*?)```", guide, re.S) for s in block.split(";") if s.strip()
    ]
    assert len(statements) >= 2
    monkeypatch.chdir(tmp_path)  # the guide reads the export from exports/parquet
    export_publication(warehouse, tmp_path / "exports" / "parquet", "parquet", choose_tables(None))
    with duckdb.connect(str(marts_path(warehouse)), read_only=True) as con:
        for statement in statements:
            con.sql(statement).fetchall()
