"""The gate through the pipeline: a blocking failure withholds exactly the indicators it affects; on generated
batches every band holds the figure the batch gives without its faults; rows lost at load are not published."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import polars as pl
import pytest

from csc.synthetic import generate_batch

AS_OF = date(2023, 8, 31)


@pytest.mark.slow
def test_a_missing_file_withholds_exactly_its_indicators_and_the_rest_publish(prefect_harness, tmp_path):
    from flows.nightly import nightly_load

    good = tmp_path / "good"
    generate_batch(good, as_of=AS_OF, scale="tiny", seed=3)
    wh = tmp_path / "wh"
    first = nightly_load(good, wh, as_of=AS_OF)
    assert first.quality.withheld_indicators == []

    # the next night's export lacks the CLA reviews file
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    (bad / "ssd_cla_reviews.csv").unlink()
    second = nightly_load(bad, wh, as_of=AS_OF)
    assert "BAT-012" in second.quality.blocking_rules_failed
    assert second.quality.withheld_indicators == ["5.18"]

    with duckdb.connect(str(wh / "marts.duckdb"), read_only=True) as con:
        statuses = dict(
            con.execute(
                "SELECT indicator_ref, list_distinct(list(status)) FROM indicator_values GROUP BY ALL"
            ).fetchall()
        )
        assert statuses.pop("5.18") == ["withheld"]
        assert set(map(tuple, statuses.values())) == {("published",)}
        assert con.execute(
            "SELECT count(*) FROM indicator_values WHERE status = 'withheld' AND rag IS NOT NULL"
        ).fetchone() == (0,)
        assert con.execute("SELECT status, rag FROM highlight_report WHERE indicator_ref = '5.18'").fetchone() == (
            "withheld",
            None,
        )
        failed = con.execute("SELECT rule_id, records_failed FROM dq_rule_summary WHERE status = 'failed'").fetchall()
        assert ("BAT-012", 1) in failed
        assert con.execute("SELECT count(*) FROM dq_exceptions WHERE rule_id = 'BAT-012'").fetchone() == (1,)


# --- the materiality gate on generated batches ------------------------------------------------------------------


def publish(batch, wh):
    """The pipeline's steps on one batch (no Prefect: the flow is tested above); the published values."""
    import uuid

    from pipeline import stages as pipeline
    from warehouse.batch import read_batch

    b, run_id = read_batch(batch), str(uuid.uuid4())
    pipeline.load_raw(b, wh)
    pipeline.load_staging(wh, b.batch_id)
    pipeline.load_conformed(wh, b.batch_id, AS_OF, run_id)
    pipeline.check_quality(wh, b.batch_id, AS_OF, run_id)
    pipeline.publish_indicators(wh, b.batch_id, AS_OF, run_id)
    with duckdb.connect(str(wh / "marts.duckdb"), read_only=True) as con:
        return con.sql("SELECT * FROM indicator_values").pl(), con.sql("SELECT * FROM highlight_report").pl()


@pytest.mark.slow
def test_every_band_holds_the_figure_the_batch_gives_without_its_faults(tmp_path):
    """A batch with faults of every kind, and the same batch without them: wherever a figure has a band, the
    clean figure lies in it; a figure is withheld exactly when its band crosses a RAG boundary or its tolerance."""
    from declarations.catalogue import load_catalogue
    from transforms.materiality import material

    generate_batch(tmp_path / "clean", as_of=AS_OF, scale="tiny", seed=7)
    log = tmp_path / "faults.csv"
    generate_batch(tmp_path / "faulted", as_of=AS_OF, scale="tiny", seed=7, fault_rate=0.01, faults_log=log)
    kinds = set(pl.read_csv(log)["problem"])
    assert len(kinds) >= 30
    clean, _ = publish(tmp_path / "clean", tmp_path / "wh-clean")
    faulted, _ = publish(tmp_path / "faulted", tmp_path / "wh-faulted")
    assert set(clean["status"]) == {"published"} and clean["records_in_doubt"].max() == 0

    key = ["indicator_ref", "period_end", "team_id"]
    both = faulted.join(
        clean.select(*key, pl.col("value").alias("clean")), on=key, how="left", nulls_equal=True
    ).filter(pl.col("value_low").is_not_null())
    outside = both.filter(
        ~pl.col("clean").fill_null(0.0).is_between(pl.col("value_low") - 1e-9, pl.col("value_high") + 1e-9)
    )
    assert outside.select(*key, "value", "value_low", "value_high", "clean").rows() == []
    assert both.filter(pl.col("records_in_doubt") > 0).height > 0

    cat = load_catalogue()
    for ind in cat.indicators:
        is_material, _ = material(ind, cat)
        rows = both.filter(pl.col("indicator_ref") == ind.ref).with_columns(is_material.alias("material"))
        mismatched = rows.filter(pl.col("material") != (pl.col("status") == "withheld"))
        assert mismatched.select(*key, "value", "value_low", "value_high", "status").rows() == [], ind.ref


def _break(path, change):
    """Rewrite a generated CSV file's data lines (the SQL Server style: CRLF line ends)."""
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join(change(lines)))


@pytest.mark.slow
def test_a_first_load_with_a_broken_quote_or_a_file_with_every_row_rejected_is_not_published_complete(tmp_path):
    batch = tmp_path / "batch"
    generate_batch(batch, as_of=AS_OF, scale="tiny", seed=3)

    # an unterminated quote early in the CP visits once swallowed the rest of the file into one rejected row
    def unterminated(lines):
        lines[5] = lines[5].replace(b",", b',"', 1)
        return lines

    _break(batch / "ssd_cp_visits.csv", unterminated)
    # every CP review row has two columns too many
    _break(batch / "ssd_cp_reviews.csv", lambda lines: [lines[0]] + [line + b",x,y" for line in lines[1:] if line])
    values, report = publish(batch, tmp_path / "wh")

    with duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"), read_only=True) as con:
        loaded, rejected, lines = con.sql(
            "SELECT rows_loaded, rows_rejected, file_lines FROM raw.load_manifest WHERE table_name = 'ssd_cp_visits'"
        ).fetchall()[0]
        in_doubt = con.sql(
            "SELECT count(*) FROM raw.load_rejects WHERE table_name = 'ssd_cp_visits' AND line = 6 "
            "AND error_type = 'UNTERMINATED QUOTE'"
        ).fetchall()
    # reading resumed on the next line: the broken line alone is rejected, every other row loaded
    assert (rejected, loaded + rejected) == (1, lines - 1) and in_doubt == [(1,)]
    shown = {r["indicator_ref"]: r for r in report.iter_rows(named=True)}
    assert 1 <= shown["4.7.2"]["records_in_doubt"] <= 5
    assert shown["4.8"]["status"] == "withheld"
    assert "ssd_cp_reviews: every row was rejected at load" in shown["4.8"]["status_reason"]
    assert values.filter((pl.col("indicator_ref") == "4.8") & (pl.col("status") != "withheld")).height == 0
    # the rest publish
    assert shown["1.2"]["status"] == "published" and shown["2.1"]["status"] == "published"


@pytest.mark.slow
def test_dates_no_record_can_carry_are_rejected_values_named_and_in_doubt(tmp_path):
    """9999-12-31 (SQL Server's "no end") once overflowed the working-day calendar and failed the run; 2999-12-31 as
    a plan's end kept the plan open without a word. Both are rejected as values, named by file, row and column, and
    the records behind them are in doubt; the run publishes."""
    batch = tmp_path / "batch"
    generate_batch(batch, as_of=AS_OF, scale="tiny", seed=3, system="contract")
    plans = pl.read_csv(batch / "ssd_cp_plans.csv", infer_schema=False)
    closed = plans.filter(pl.col("cppl_cp_plan_end_date").is_not_null()).head(2)["cppl_cp_plan_id"].to_list()
    far = {closed[0]: "9999-12-31", closed[1]: "2999-12-31 00:00:00.000"}
    plans.with_columns(
        pl.col("cppl_cp_plan_id")
        .replace_strict(far, default=pl.col("cppl_cp_plan_end_date"))
        .alias("cppl_cp_plan_end_date")
    ).write_csv(batch / "ssd_cp_plans.csv")
    visits_file = next(batch.glob("ssd_cp_visits*.csv"))
    visits = pl.read_csv(visits_file, infer_schema=False)
    visit = visits["cppv_cp_visit_id"][0]
    visits.with_columns(
        pl.when(pl.col("cppv_cp_visit_id") == visit)
        .then(pl.lit("31/12/9999"))
        .otherwise(pl.col("cppv_cp_visit_date"))
        .alias("cppv_cp_visit_date")
    ).write_csv(visits_file)

    values, _ = publish(batch, tmp_path / "wh")
    assert values.height > 0
    with duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"), read_only=True) as con:
        rejected = con.sql(
            "SELECT source_file, record_id, column_name, value, reason FROM staging.rejected_values "
            "WHERE reason LIKE 'a date outside%' ORDER BY record_id"
        ).fetchall()
    assert sorted(rejected) == sorted(
        [
            ("ssd_cp_plans.csv", closed[0], "cppl_cp_plan_end_date", "9999-12-31", ANY_REASON),
            ("ssd_cp_plans.csv", closed[1], "cppl_cp_plan_end_date", "2999-12-31 00:00:00.000", ANY_REASON),
            (visits_file.name, visit, "cppv_cp_visit_date", "31/12/9999", ANY_REASON),
        ]
    )
    with duckdb.connect(str(tmp_path / "wh" / "marts.duckdb"), read_only=True) as con:
        doubted = {r[0] for r in con.sql("SELECT DISTINCT record_id FROM indicator_doubts").fetchall()}
    assert {closed[0], closed[1], visit} <= doubted


class _AnyReason(str):
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other.startswith("a date outside the dates a record can carry")

    __hash__ = str.__hash__


ANY_REASON = _AnyReason("a date outside ...")
