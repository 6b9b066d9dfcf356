"""One end-to-end run on a generated batch: ingest, conformed, publication, and an analyst reading throughout."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import date

import duckdb
import polars as pl
import pytest

from csc.synthetic import generate_batch
from declarations.catalogue import load_catalogue
from declarations.registry import REGISTRY, in_layer
from warehouse.annex_a import build_annex_a
from warehouse.db import declared_check_failures, fetch_one

AS_OF = date(2023, 8, 31)
CATALOGUE = load_catalogue()

ANALYST = textwrap.dedent(
    """
    import sys, time, pathlib, duckdb
    marts, go, done = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    held = duckdb.connect(marts, read_only=True)
    before = held.execute("SELECT batch_id FROM publication").fetchone()[0]
    go.write_text("open")
    while not done.exists():
        # the held connection keeps answering while the second run builds and swaps in a new file
        assert held.execute("SELECT count(*) FROM indicator_values").fetchone()[0] > 0
        time.sleep(0.05)
    still = held.execute("SELECT batch_id FROM publication").fetchone()[0]
    held.close()
    after = duckdb.connect(marts, read_only=True).execute("SELECT batch_id FROM publication").fetchone()[0]
    print(before, still, after)
    """
)


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        f"{schema}.{name}"
        for schema, name in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    ]


def _undescribed(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and column of the file with no comment."""
    return [
        f"{schema}.{table}.{column or ''}"
        for schema, table, column in con.execute(
            "SELECT schema_name, table_name, NULL FROM duckdb_tables() WHERE database_name = current_database() "
            "AND (comment IS NULL OR comment = '') UNION ALL "
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() AND NOT internal AND (comment IS NULL OR comment = '')"
        ).fetchall()
    ]


@pytest.mark.slow
def test_generated_batch_end_to_end(prefect_harness, tmp_path):
    from flows.nightly import nightly_load

    batch = tmp_path / "batch"
    written = generate_batch(batch, as_of=AS_OF, scale="tiny", seed=7)
    wh = tmp_path / "wh"
    first = nightly_load(batch, wh, as_of=AS_OF)

    # raw and staging hold every row written, and the reconciliation balances
    assert first.load.rows_loaded == sum(written.values()) and first.load.rows_rejected == 0
    # every table written is staged whole; the SSD tables this system's build does not make are empty
    assert first.staging.rows == {name: written.get(name, 0) for name in first.staging.rows}
    assert not first.load.problems
    assert first.conformed.unbalanced_tables == []
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM staging.rejected_values").fetchone() == (0,)
        assert con.execute("SELECT bool_and(is_balanced) FROM conformed.reconciliation").fetchone() == (True,)
        # every staging table is in the reconciliation
        assert con.execute("SELECT count(DISTINCT table_name) FROM conformed.reconciliation").fetchone() == (24,)
        # the declared checks hold: conformed keys unique and never null, every child found in conformed.child
        assert declared_check_failures(con, in_layer("conformed")) == {}
        # every table a run writes is declared, and every column of the warehouse is described
        assert set(_tables(con)) <= set(REGISTRY), set(_tables(con)) - set(REGISTRY)
        assert _undescribed(con) == []

    marts = wh / "marts.duckdb"
    with duckdb.connect(str(marts), read_only=True) as con:
        assert declared_check_failures(con, in_layer("marts")) == {}
        # caseloads add up from their drill-through, and every child held is a child allocated to a team
        assert con.execute(
            """
            SELECT count(*) FROM (
                SELECT period_end, sum(children) AS held FROM caseload GROUP BY ALL
            ) w JOIN (SELECT period_end, count(*) AS rows FROM caseload_children GROUP BY ALL) c USING (period_end)
            JOIN caseload_by_team t USING (period_end)
            WHERE t.team_id IS NULL AND (w.held != c.rows OR t.workers != (
                SELECT count(*) FROM caseload k WHERE k.period_end = t.period_end))
            """
        ).fetchone() == (0,)
        assert fetch_one(con.execute("SELECT count(*) FROM caseload WHERE period_end = ?", [AS_OF]))[0] > 10
        assert {"marts." + t.split(".")[1] for t in _tables(con)} == {t.qualified for t in in_layer("marts")}
        assert _undescribed(con) == []
        ends = fetch_one(con.execute("SELECT count(DISTINCT period_end) FROM indicator_values"))[0]
        refs = fetch_one(con.execute("SELECT count(DISTINCT indicator_ref) FROM indicator_values"))[0]
        teams = fetch_one(
            con.execute("SELECT count(DISTINCT team_id) FROM indicator_values WHERE team_id IS NOT NULL")
        )[0]
        # the 19 highlight figures (17 indicators and two rates) and the 11 wider measures
        assert (ends, refs) == (14, 30) and teams >= 3
        # every indicator has a whole-service figure at every period end
        assert con.execute("SELECT count(*) FROM indicator_values WHERE team_id IS NULL").fetchone() == (14 * 30,)
        # the figures add up from the drill-through records
        mismatched = fetch_one(
            con.execute(
                """
                SELECT count(*) FROM indicator_values v
                JOIN (SELECT indicator_ref, period_end, count(*) FILTER (WHERE in_numerator) AS n, count(*) AS d
                      FROM indicator_records GROUP BY ALL) r USING (indicator_ref, period_end)
                WHERE v.team_id IS NULL AND v.denominator IS NOT NULL AND (v.numerator != r.n OR v.denominator != r.d)
                """
            )
        )[0]
        assert mismatched == 0
        # nothing personal is published
        columns = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE NOT internal").fetchall()]
        assert not [
            c
            for c in columns
            if any(w in c for w in ("name", "birth", "dob", "postcode", "address"))
            and c not in ("team_name", "service_area_name", "table_name", "column_name")
        ]
        assert con.execute("SELECT count(*) FROM highlight_report").fetchone() == (30,)

    # a second night, while an analyst holds the publication open in another process
    second_batch = tmp_path / "batch2"
    generate_batch(second_batch, as_of=AS_OF, scale="tiny", seed=8)
    go, done = tmp_path / "go", tmp_path / "done"
    analyst = subprocess.Popen(
        [sys.executable, "-c", ANALYST, str(marts), str(go), str(done)], stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not go.exists():
        assert analyst.poll() is None and time.monotonic() < deadline, "analyst process did not start"
        time.sleep(0.05)
    second = nightly_load(second_batch, wh, as_of=AS_OF)
    done.write_text("done")
    out, _ = analyst.communicate(timeout=60)
    assert analyst.returncode == 0
    before, still, after = out.split()
    assert before == still == first.batch_id and after == second.batch_id != first.batch_id

    # the second night's world differs: every month end first published by the first run is restated, and the
    # records named add up to the change in each denominator
    with duckdb.connect(str(marts), read_only=True) as con:
        restated = fetch_one(
            con.execute(
                """
            SELECT count(*), count(*) FILTER (
                WHERE latest_denominator - first_denominator != records_added - records_removed)
            FROM restatements WHERE team_id IS NULL AND first_denominator IS NOT NULL
            """
            )
        )
        assert restated[0] > 0 and restated[1] == 0
        restated_rows = "SELECT count(*) FROM highlight_report WHERE restated_months IS NOT NULL"
        assert fetch_one(con.execute(restated_rows))[0] > 0

    # Annex A from the warehouse: the care leavers are 6.1's cohort, the children on CP plans at the date 1.3's,
    # and every list has a row for each of its children
    day, annex = build_annex_a(wh, CATALOGUE)
    with duckdb.connect(str(marts), read_only=True) as con:
        figure = dict(
            con.execute(
                "SELECT indicator_ref, coalesce(denominator, numerator) FROM indicator_values "
                "WHERE team_id IS NULL AND period_end = ? AND indicator_ref IN ('6.1', '1.3')",
                [day],
            ).fetchall()
        )
        england = con.execute(
            "SELECT DISTINCT comparator_year, england_value FROM indicator_values WHERE indicator_ref = '1.4.rate'"
        ).fetchall()
    assert annex[9].height == figure["6.1"]
    assert annex[7].filter(pl.col("ChildProtectionPlanEndDate").is_null())["ChildUniqueID"].n_unique() == figure["1.3"]
    assert all(frame["ChildUniqueID"].null_count() == 0 for frame in annex.values())
    assert england == [(2025, 67.0)]

    # a third run of the same batch adds nothing
    counts = "SELECT (SELECT count(*) FROM raw.ssd_cp_visits), (SELECT count(*) FROM raw.load_manifest)"
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        before_counts = con.execute(counts).fetchone()
    again = nightly_load(second_batch, wh, as_of=AS_OF)
    assert again.load.already_loaded
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(counts).fetchone() == before_counts
