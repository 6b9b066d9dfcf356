"""The gate through the pipeline: a blocking failure withholds exactly the indicators it affects."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
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
