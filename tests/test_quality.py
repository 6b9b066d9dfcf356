"""The data-quality runner on tiny inline batches: rules found by Great Expectations, crashes, the gate."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from declarations.catalogue import load_catalogue
from expectations.rules import RuleError, parse_rules
from expectations.runner import DocsBuild, RuleCrashed, run_quality
from expectations.suites import suite_dicts
from tests.conftest import write_batch
from tests.test_ingest import CP_VISITS_HEADER, PERSON_HEADER, load
from transforms.publication import with_statuses

AS_OF = date(2023, 8, 31)

RULES = """
[[rule]]
id = "VIS-T1"
description = "Visit dated before the child was born"
severity = "warning"
owner = "team"
indicators = ["4.7.2"]
table = "ssd_cp_visits"
column = "cppv_cp_visit_date"
sql = '''
SELECT v.cppv_cp_visit_id AS record_id, v.cppv_person_id AS person_id, CAST(v.cppv_cp_visit_date AS VARCHAR) AS value,
       'visit before birth' AS message
FROM staging.ssd_cp_visits v JOIN staging.ssd_person p ON p.pers_person_id = v.cppv_person_id
WHERE v.cppv_cp_visit_date < p.pers_dob
'''

[[rule]]
id = "BAT-T1"
description = "Batch older than expected"
severity = "blocking"
owner = "systems"
indicators = ["4.7.2", "1.3"]
table = "batch"
sql = '''SELECT NULL AS record_id, NULL AS person_id, CAST($as_of AS VARCHAR) AS value, 'old' AS message
WHERE $as_of < DATE '2000-01-01' '''
"""


@pytest.fixture
def warehouse(tmp_path):
    visits = CP_VISITS_HEADER + "V1,P1,CP1,2014-01-01,Y,N,N\nV2,P1,CP1,2023-08-01,Y,N,N\n,P1,CP1,2023-08-02,Y,N,N\n"
    person = PERSON_HEADER + "P1,,,A,B,F,,,2015-01-01,,,,,,,\n"
    wh = tmp_path / "wh"
    wh.mkdir()
    load(write_batch(tmp_path / "b", {"ssd_cp_visits.csv": visits, "ssd_person.csv": person}), wh)
    return wh


def test_a_known_bad_row_is_reported_by_great_expectations(warehouse, tmp_path):
    rules = parse_rules(RULES)
    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as con:
        result = run_quality(con, rules=rules, as_of=AS_OF, docs_dir=tmp_path / "docs", suites=suite_dicts(rules))
    outcome = {o.rule.id: o for o in result.outcomes}
    assert (outcome["VIS-T1"].checked, outcome["VIS-T1"].failed) == (3, 1)
    assert outcome["BAT-T1"].failed == 0
    # the row with no key, from the declaration's basic expectation, named by file and row
    assert outcome["BAS-ssd_cp_visits-key"].failed == 1
    rows = result.exceptions.sort("rule_id").select("rule_id", "record_id", "column_name", "message").rows()
    assert rows == [
        ("BAS-ssd_cp_visits-key", None, "cppv_cp_visit_id", "ssd_cp_visits.csv row 3 has no cppv_cp_visit_id"),
        ("VIS-T1", "V1", "cppv_cp_visit_date", "visit before birth"),
    ]
    assert result.withheld_indicators == set()
    assert (tmp_path / "docs" / "index.html").exists()
    assert result.docs_index is not None
    summary = result.docs_index.read_text()
    assert result.docs_index.name == "summary.html" and 'href="rules/VIS-T1.html"' in summary
    # the rule's page speaks its words and lists its record
    page = (tmp_path / "docs" / "rules" / "VIS-T1.html").read_text()
    assert "Visit dated before the child was born" in page and "<td>V1</td>" in page


class _Assets(HTMLParser):
    """Every stylesheet, script, image and font a page asks the browser to fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if (
            tag == "link"
            and "stylesheet" in (a.get("rel") or "")
            or tag == "link"
            and "preload" in (a.get("rel") or "")
        ):
            self.urls.append(a.get("href") or "")
        elif tag in ("script", "img", "source", "iframe") and a.get("src"):
            self.urls.append(a["src"] or "")


def test_data_quality_pages_work_offline_and_speak_the_rules_words(warehouse, tmp_path):
    rules = parse_rules(RULES.replace("Visit dated before", "Visit <b>dated</b> & before"))
    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as con:
        run_quality(con, rules=rules, as_of=AS_OF, docs_dir=tmp_path / "docs", suites=suite_dicts(rules))
    pages = sorted((tmp_path / "docs").rglob("*.html"))
    assert len(pages) > 10  # ours and Great Expectations' own
    for page in pages:
        parser = _Assets()
        parser.feed(page.read_text(encoding="utf-8"))
        remote = [u for u in parser.urls if re.match(r"(https?:)?//", u.strip(), re.IGNORECASE)]
        assert remote == [], f"{page.relative_to(tmp_path)} loads {remote}"
        assert "@import" not in page.read_text(encoding="utf-8")
    # the rule's words, escaped, on the summary, its own page and GX's validation page in place of breaks_VIS-T1
    words = "Visit &lt;b&gt;dated&lt;/b&gt; &amp; before the child was born"
    (gx_page,) = (tmp_path / "docs" / "validations" / "dq_ssd_cp_visits").rglob("*.html")
    for page in (tmp_path / "docs" / "summary.html", tmp_path / "docs" / "rules" / "VIS-T1.html", gx_page):
        assert words in page.read_text(encoding="utf-8"), page
    assert (tmp_path / "docs" / "index.html").read_text() == (tmp_path / "docs" / "summary.html").read_text()


def test_data_docs_in_a_relative_folder(warehouse, tmp_path, monkeypatch):
    # csc demo's default folder is relative (.csc-demo); GX itself only takes absolute paths
    rules = parse_rules(RULES)
    monkeypatch.chdir(tmp_path)
    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as con:
        result = run_quality(con, rules=rules, as_of=AS_OF, docs_dir=Path("relative/docs"), suites=suite_dicts(rules))
    assert result.docs_index is not None
    assert (tmp_path / "relative" / "docs" / "summary.html").exists() and result.docs_index.exists()


def test_data_docs_written_in_the_background_are_there_once_waited_for(warehouse, tmp_path):
    rules = parse_rules(RULES)
    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as con:
        result = run_quality(
            con,
            rules=rules,
            as_of=AS_OF,
            docs_dir=tmp_path / "docs",
            suites=suite_dicts(rules),
            docs_in_background=True,
        )
    summary = result.docs_written()
    assert summary is not None
    assert summary == tmp_path / "docs" / "summary.html" and "VIS-T1" in summary.read_text()
    assert (tmp_path / "docs" / "index.html").exists()


def test_a_data_docs_build_that_fails_in_the_background_raises_when_waited_for():
    def broken() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        DocsBuild(broken).wait()


def test_a_blocking_batch_rule_withholds_exactly_its_indicators(warehouse):
    rules = parse_rules(RULES.replace("DATE '2000-01-01'", "DATE '2024-01-01'"))
    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as con:
        result = run_quality(con, rules=rules, as_of=AS_OF, suites=suite_dicts(rules))
    assert [r.id for r in result.blocking_failures] == ["BAT-T1"]
    assert result.withheld_indicators == {"4.7.2", "1.3"}
    values = pl.DataFrame(
        {
            "indicator_ref": ["1.3", "1.3.rate", "4.7.2", "4.8"],
            "period_end": [AS_OF] * 4,
            "team_id": [None] * 4,
            "numerator": [6, 6, 8, 9],
            "denominator": [None, None, 10, 9],
            "value": [6.0, 0.9, 80.0, 100.0],
            "rag": [None, None, "red", "green"],
            "records_in_doubt": [0] * 4,
            "value_low": [6.0, 0.9, 80.0, 100.0],
            "value_high": [6.0, 0.9, 80.0, 100.0],
            "status": ["published"] * 4,
            "status_reason": [None] * 4,
        },
        schema_overrides={"team_id": pl.String, "status_reason": pl.String},
    )
    reason = "every record is in doubt: BAT-T1: Batch older than expected"
    gated = with_statuses(values, load_catalogue(), {}, dict.fromkeys(result.withheld_indicators, reason))
    # withheld whole: no band, no RAG; the rest published with their (empty) band
    assert_frame_equal(
        gated,
        values.with_columns(
            pl.Series("rag", [None, None, None, "green"]),
            pl.Series("value_low", [None, None, None, 100.0]),
            pl.Series("value_high", [None, None, None, 100.0]),
            pl.Series("status", ["withheld", "withheld", "withheld", "published"]),
            pl.Series("status_reason", [reason, reason, reason, None]),
        ),
    )


def test_a_rule_that_crashes_fails_the_run_loudly(warehouse):
    rules = parse_rules(RULES.replace("staging.ssd_person p", "staging.no_such_table p"))
    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as con, pytest.raises(RuleCrashed, match="VIS-T1"):
        run_quality(con, rules=rules, as_of=AS_OF, suites=suite_dicts(rules))


def test_a_rule_missing_from_the_committed_suites_is_an_error_not_a_skip(warehouse):
    rules = parse_rules(RULES)
    suites = suite_dicts(rules[:1])
    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as con, pytest.raises(RuleCrashed, match="BAT-T1"):
        run_quality(con, rules=rules, as_of=AS_OF, suites=suites)


def test_rule_catalogue_errors_name_the_rule():
    with pytest.raises(RuleError, match="rule 1 .VIS-T1.: severity"):
        parse_rules(RULES.replace('severity = "warning"', 'severity = "urgent"', 1))
    with pytest.raises(RuleError, match="not a contract table"):
        parse_rules(RULES.replace('table = "ssd_cp_visits"', 'table = "visits"'))


def test_committed_suites_match_the_rule_catalogue():
    from expectations.declared import load_rules
    from expectations.suites import read_suites

    assert read_suites() == suite_dicts(load_rules()), "expectations/suites is out of date: run `csc dq-suites`"


def test_record_ids_reach_the_data_docs_escaped(tmp_path):
    """A record id is whatever the case system holds: in the Data Docs it must be text, never markup that runs,
    while the exceptions keep it exactly as received."""
    payloads = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>"]
    visits = CP_VISITS_HEADER + "".join(f"{p},P1,CP1,2014-01-0{i + 1},Y,N,N\n" for i, p in enumerate(payloads))
    person = PERSON_HEADER + "P1,,,A,B,F,,,2015-01-01,,,,,,,\n"
    wh = tmp_path / "wh"
    wh.mkdir()
    load(write_batch(tmp_path / "b", {"ssd_cp_visits.csv": visits, "ssd_person.csv": person}), wh)
    rules = parse_rules(RULES)
    with duckdb.connect(str(wh / "warehouse.duckdb")) as con:
        result = run_quality(con, rules=rules, as_of=AS_OF, docs_dir=tmp_path / "docs", suites=suite_dicts(rules))
    assert sorted(result.exceptions.filter(pl.col("rule_id") == "VIS-T1")["record_id"]) == sorted(payloads)
    pages = [p.read_text(encoding="utf-8") for p in (tmp_path / "docs").rglob("*.html")]
    shown = [p for p in pages if "alert(1)" in p]
    assert shown, "the failing records are not in the Data Docs at all"
    assert not [p for p in pages for payload in payloads if payload in p]
