"""The data-quality rules (expectations/rules.toml): well formed, every generator fault kind covered, and on tiny
generated batches loaded by the nightly flow: a clean batch breaks no rule, a batch with faults has (nearly) all of
its logged faults found. The batch-level rules are checked on a hand-made load history."""

from __future__ import annotations

import importlib.util
import re
import sys
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from csc.synthetic import FAULT_KINDS, generate_batch
from declarations.catalogue import load_catalogue
from declarations.constants import DQ_RECALL_TARGET
from declarations.contract import TABLES_BY_NAME
from declarations.operations import LOAD_RECORDS, STAGING_RECORDS
from expectations.declared import load_rules
from expectations.rules import RuleError, parse_rules
from expectations.runner import evaluate_rules
from warehouse.db import ensure_tables

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2023, 8, 31)
OWNERS = {"team", "performance", "front-door", "children-in-care", "care-leavers", "systems"}
# Rules about the whole batch (a file missing, row counts, the batch's age) name this instead of a contract table.
BATCH_TABLE = "batch"
MIN_RULES = 30


def _load_script():
    spec = importlib.util.spec_from_file_location("dq_recall", ROOT / "scripts" / "dq_recall.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("dq_recall", module)
    spec.loader.exec_module(module)
    return module


dq_recall = _load_script()
# Every rule as loaded (a list, not keyed by id: two rules with one id must stay two here, or nothing could see them).
RULES: list[dict] = [asdict(rule) for rule in load_rules()]
RULE_OBJECTS = {rule.id: rule for rule in load_rules()}
INDICATOR_REFS = {i.ref for i in load_catalogue().indicators}


# --- the catalogue -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=[r["id"] for r in RULES])
def test_rule_is_well_formed(rule: dict) -> None:
    # written rules: an area and a number; declared ones (expectations/declared.py): a kind and what they check
    assert re.fullmatch(r"[A-Z]{2,3}-\d{3}|(KEY|SPC)-[a-z_0-9]+|(REF|CODE|DESC|FUT)-[a-z_0-9]+-[a-z_0-9]+", rule["id"])
    assert len(rule["description"]) >= 20
    assert rule["severity"] in ("blocking", "warning")
    assert rule["owner"] in OWNERS
    assert set(rule["indicators"]) <= INDICATOR_REFS, set(rule["indicators"]) - INDICATOR_REFS
    assert set(rule["problems"]) <= set(FAULT_KINDS), set(rule["problems"]) - set(FAULT_KINDS)
    if rule["column"]:
        assert rule["column"] in TABLES_BY_NAME[rule["table"]].column_names
    if rule["severity"] == "blocking":
        # The runner withholds exactly the indicators a failing blocking rule lists: none listed, nothing withheld.
        assert rule["indicators"], "a blocking rule must name the figures it withholds"
    # Run as a subquery by the runner: one statement, no trailing semicolon.
    assert ";" not in rule["sql"]


def test_rule_ids_are_unique_and_there_are_enough_rules() -> None:
    ids = [r["id"] for r in RULES]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert len(RULES) >= MIN_RULES


WRITTEN_RULE = """
[[rule]]
id = "VIS-T1"
description = "A visit recorded with no date at all"
severity = "warning"
owner = "team"
indicators = ["3.3"]
table = "ssd_cp_visits"
sql = "SELECT 1 AS record_id"
"""


@pytest.mark.parametrize("field", ["id", "description", "severity", "owner", "indicators", "table", "sql"])
def test_a_written_rule_missing_a_field_is_refused(field: str) -> None:
    """Every rule has the fields the runner and the report read: the loader refuses one without, naming it."""
    assert len(parse_rules(WRITTEN_RULE)) == 1
    text = "\n".join(line for line in WRITTEN_RULE.splitlines() if not line.startswith(f"{field} ="))
    with pytest.raises(RuleError, match=f"rule 1 .*missing '{field}'"):
        parse_rules(text)


def test_a_rule_id_written_twice_is_refused() -> None:
    with pytest.raises(RuleError, match="rule ids appear twice: VIS-T1"):
        parse_rules(WRITTEN_RULE + WRITTEN_RULE)


def test_every_fault_kind_has_a_rule() -> None:
    covered = {kind for rule in RULES for kind in rule["problems"]}
    assert set(FAULT_KINDS) - covered == set()


# --- batch-level rules on a hand-made load history ------------------------------------------------------------------

BATCH_RULES = [r for r in RULES if r["table"] == BATCH_TABLE]


def _history(manifest: dict[str, list[tuple[str, str, int]]], extract_dates: dict[str, date]):
    """A warehouse with only raw.load_batches, raw.load_manifest and staging.current_batch: batches loaded in the
    order given, the last one staged. manifest: batch id -> (table, status, rows)."""
    con = duckdb.connect()
    ensure_tables(con, (*LOAD_RECORDS, *STAGING_RECORDS))
    for n, (batch_id, files) in enumerate(manifest.items()):
        finished = f"2023-09-0{n + 1} 02:00:00"
        con.execute(
            "INSERT INTO raw.load_batches VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?)",
            [
                batch_id,
                f"/exports/{batch_id}",
                extract_dates[batch_id],
                len(files),
                sum(r for *_, r in files),
                finished,
                finished,
            ],
        )
        for table, status, rows in files:
            con.execute(
                "INSERT INTO raw.load_manifest (batch_id, table_name, file_name, file_format, encoding, file_sha256, "
                "file_bytes, rows_loaded, rows_rejected, status, message, loaded_at) "
                "VALUES (?, ?, ?, 'csv', 'utf-8', NULL, NULL, ?, 0, ?, ?, now())",
                [
                    batch_id,
                    table,
                    None if status == "missing" else f"{table}.csv",
                    rows,
                    status,
                    f"no file for {table}" if status == "missing" else None,
                ],
            )
    con.execute("INSERT INTO staging.current_batch VALUES (?, now())", [list(manifest)[-1]])
    return con


def _failing(con, as_of: date = AS_OF) -> dict[str, list[tuple]]:
    """The batch rules' rows (record_id, person_id, value, message), run by the pipeline's runner."""
    found = evaluate_rules(con, tuple(RULE_OBJECTS[r["id"]] for r in BATCH_RULES), as_of)
    return {
        rule_id: [tuple(row) for row in rows.drop("rule_id").iter_rows()]
        for (rule_id,), rows in found.partition_by("rule_id", as_dict=True).items()
    }


def _rule_for(description_part: str, table: str) -> str:
    matches = [
        r["id"] for r in BATCH_RULES if description_part in r["description"] and f"({table})" in r["description"]
    ]
    assert len(matches) == 1, (description_part, table, matches)
    return matches[0]


def _full(rows: dict[str, int], **changed: tuple[str, int]) -> list[tuple[str, str, int]]:
    return [(t, *changed.get(t, ("loaded", n))) for t, n in rows.items()]


ROWS = {t: 1000 for t in TABLES_BY_NAME}


def test_batch_rules_pass_on_a_steady_history() -> None:
    con = _history({"b1": _full(ROWS), "b2": _full(ROWS, ssd_contacts=("loaded", 850))}, {"b1": AS_OF, "b2": AS_OF})
    assert _failing(con) == {}
    # one batch alone: nothing to compare with
    assert _failing(_history({"b1": _full(ROWS)}, {"b1": AS_OF})) == {}


def test_a_table_falling_by_more_than_a_fifth_is_blocking() -> None:
    con = _history(
        {"b1": _full(ROWS), "b2": _full(ROWS, ssd_contacts=("loaded_with_rejects", 790))}, {"b1": AS_OF, "b2": AS_OF}
    )
    failing = _failing(con)
    fall = _rule_for("far fewer rows", "ssd_contacts")
    assert set(failing) == {fall}
    rule = next(r for r in RULES if r["id"] == fall)
    assert rule["severity"] == "blocking" and list(rule["indicators"]) == ["2.1"]
    assert "790 rows, down 21.0% from 1000" in failing[fall][0][3]


def test_a_failed_or_missing_file_is_blocking() -> None:
    con = _history(
        {"b1": _full(ROWS), "b2": _full(ROWS, ssd_cp_visits=("failed", 0), ssd_cla_reviews=("missing", 0))},
        {"b1": AS_OF, "b2": AS_OF},
    )
    failing = _failing(con)
    assert set(failing) == {
        _rule_for("failed to load", "ssd_cp_visits"),
        _rule_for("failed to load", "ssd_cla_reviews"),
    }
    assert "no file in the batch" in failing[_rule_for("failed to load", "ssd_cla_reviews")][0][3]


def test_a_stale_or_replayed_batch_is_blocking() -> None:
    stale = next(r["id"] for r in BATCH_RULES if "older than expected" in r["description"])
    three_days = _history({"b1": _full(ROWS)}, {"b1": AS_OF - timedelta(days=3)})
    assert _failing(three_days) == {}
    four_days = _history({"b1": _full(ROWS)}, {"b1": AS_OF - timedelta(days=4)})
    assert set(_failing(four_days)) == {stale}
    replayed = _history({"b1": _full(ROWS), "b2": _full(ROWS)}, {"b1": AS_OF, "b2": AS_OF - timedelta(days=1)})
    failing = _failing(replayed)
    assert set(failing) == {stale} and "older than batch(es) already loaded" in failing[stale][0][3]


# --- generated batches through the nightly flow ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded(prefect_harness, tmp_path_factory) -> dict[str, Path]:
    """A tiny clean batch and a tiny batch with faults (rate 0.05), each loaded by the flow into its own warehouse."""
    root = tmp_path_factory.mktemp("dq_rules")
    log = root / "faults.csv"
    generate_batch(root / "faulted", as_of=AS_OF, scale="tiny", seed=1, fault_rate=0.05, faults_log=log)
    generate_batch(root / "clean", as_of=AS_OF, scale="tiny", seed=1)
    for name in ("faulted", "clean"):
        dq_recall.load_with_flow(root / name, root / f"{name}_wh", AS_OF)
    return {
        "faulted": root / "faulted_wh" / "warehouse.duckdb",
        "clean": root / "clean_wh" / "warehouse.duckdb",
        "log": log,
    }


def _run(path: Path) -> dict[str, list[tuple]]:
    """What the pipeline reported for the batch (dq.exceptions), by rule: every rule ran, or the flow failed."""
    with duckdb.connect(str(path), read_only=True) as con:
        ran = {r[0] for r in con.execute("SELECT DISTINCT rule_id FROM dq.rule_results").fetchall()}
    assert ran >= set(RULE_OBJECTS)
    return dq_recall.reported_exceptions(path)


@pytest.mark.slow
def test_clean_batch_breaks_no_rule(loaded: dict[str, Path]) -> None:
    found = _run(loaded["clean"])
    assert {rule_id: rows[:2] for rule_id, rows in found.items() if rows} == {}


@pytest.mark.slow
def test_faults_are_found(loaded: dict[str, Path]) -> None:
    found = _run(loaded["faulted"])
    logged = dq_recall.read_faults_log(loaded["log"])
    recalls = dq_recall.recall_by_kind(list(FAULT_KINDS), logged, dq_recall.reported_by_kind(RULES, found))
    low = {
        r.kind: (r.found, r.injected, r.missed[:3])
        for r in recalls
        if r.injected and r.found < DQ_RECALL_TARGET / 100 * r.injected
    }
    assert low == {}
    assert sum(r.injected for r in recalls) > 0
    # every row names its record (table-level rules aside) and says what is wrong
    for rule in RULES:
        for record_id, _, _, message in found.get(rule["id"], []):
            assert message, rule["id"]
            assert record_id is not None or rule["table"] == BATCH_TABLE, rule["id"]


@pytest.mark.slow
def test_descriptions_among_codes_are_found_where_the_export_writes_codes(prefect_harness, tmp_path) -> None:
    """The Liquidlogic build writes descriptions throughout, so a description there is no slip and no such fault
    goes in; in an export that writes codes (the contract's own shape), each description among them is found."""
    log = tmp_path / "faults.csv"
    generate_batch(
        tmp_path / "batch", as_of=AS_OF, scale="tiny", seed=1, fault_rate=0.05, faults_log=log, system="contract"
    )
    dq_recall.load_with_flow(tmp_path / "batch", tmp_path / "wh", AS_OF)
    found = _run(tmp_path / "wh" / "warehouse.duckdb")
    kinds = ["category_description", "care_leaver_description"]
    recalls = dq_recall.recall_by_kind(kinds, dq_recall.read_faults_log(log), dq_recall.reported_by_kind(RULES, found))
    assert [(r.kind, r.injected > 0, r.found == r.injected) for r in recalls] == [(k, True, True) for k in kinds]


@pytest.mark.slow
def test_no_personal_data_in_any_exception_or_published_table(loaded: dict[str, Path]) -> None:
    """Exceptions are published and e-mailed to owners: a rule about a date of birth, an NHS number or a UPN names
    the record ("before the child's birth"), never the value, and no published table holds one either."""
    db = loaded["faulted"]
    with duckdb.connect(str(db), read_only=True) as con:
        personal = {
            person: {v for v in values if v and len(v) >= 3}
            for person, *values in con.sql(
                "SELECT pers_person_id, CAST(pers_dob AS VARCHAR), strftime(pers_dob, '%d/%m/%Y'), "
                "pers_single_unique_id, pers_upn, pers_forename, pers_surname FROM staging.ssd_person"
            ).fetchall()
        }
        exceptions = con.sql("SELECT rule_id, person_id, value, message FROM dq.exceptions").fetchall()
    rules_about_personal_data = {"PPL-002", "PPL-003", "PPL-004", "VIS-001", "VIS-002", "PLN-005", "CLA-003"}
    assert rules_about_personal_data & {r[0] for r in exceptions}, "the faulted batch has no such exception"
    leaks = [
        (rule_id, text)
        for rule_id, person, value, message in exceptions
        for text in (value, message)
        if text and any(re.search(rf"\b{re.escape(v)}\b", text) for v in personal.get(person, ()))
    ]
    assert leaks == []
    all_values = set().union(*personal.values())
    dobs = {v for v in all_values if re.fullmatch(r"\d{4}-\d\d-\d\d|\d\d/\d\d/\d{4}", v)}
    with duckdb.connect(str(db.parent / "marts.duckdb"), read_only=True) as marts:
        for (table,) in marts.sql("SELECT table_name FROM duckdb_tables()").fetchall():
            text_columns = [r[0] for r in marts.sql(f'DESCRIBE "{table}"').fetchall() if r[1] == "VARCHAR"]
            for column in text_columns:
                found = {r[0] for r in marts.sql(f'SELECT DISTINCT "{column}" FROM "{table}"').fetchall()} & (
                    all_values - dobs
                )
                assert not found, (table, column, sorted(found)[:3])


def test_every_list_in_a_rule_message_has_an_order():
    """A message that joins several values must join them in one order: otherwise the same record's message
    changes from night to night (it did, for PPL-001), and so do the exceptions published."""
    unordered = [
        r.id
        for r in load_rules()
        for call in re.findall(r"(?:string_agg|list)\s*\((?:[^()]|\([^()]*\))*\)", r.sql, flags=re.S)
        if "ORDER BY" not in call.upper()
    ]
    assert not unordered
