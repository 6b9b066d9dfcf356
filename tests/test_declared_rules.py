"""The rules every table gets from its declaration (expectations/declared.py): one for every table, relationship,
code list and dating column of the contract, each finding what it should on a tiny inline batch."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from declarations.contract import TABLES
from expectations.declared import declared_rules, load_rules, references
from expectations.runner import evaluate_rules
from expectations.suites import suite_dicts
from tests.conftest import write_batch
from tests.test_ingest import CP_VISITS_HEADER, PERSON_HEADER, load

AS_OF = date(2023, 8, 31)
DECLARED = {r.id: r for r in declared_rules()}


def test_every_table_relationship_code_list_and_date_has_its_rule():
    for t in TABLES:
        assert f"KEY-{t.name}" in DECLARED
        if any(c.kind == "id" for c in t.columns):
            assert f"SPC-{t.name}" in DECLARED
        for c, _, _ in references(t):
            assert f"REF-{t.name}-{c.name}" in DECLARED
        for c in t.columns:
            if c.kind == "code" and c.mapping:
                assert {f"CODE-{t.name}-{c.name}", f"DESC-{t.name}-{c.name}"} <= set(DECLARED)
        for name in t.dated_by:
            assert f"FUT-{t.name}-{name}" in DECLARED


def test_the_relationships_the_dfe_validators_follow_are_declared():
    declared = {(t.name, c.name): f"{target}.{column}" for t in TABLES for c, target, column in references(t)}
    for (table, column), target in {
        ("ssd_cin_plans", "cinp_referral_id"): "ssd_cin_episodes.cine_referral_id",
        ("ssd_cla_episodes", "clae_cla_placement_id"): "ssd_cla_placement.clap_cla_placement_id",
        ("ssd_involvements", "invo_professional_id"): "ssd_professionals.prof_professional_id",
        ("ssd_involvements", "invo_professional_team"): "ssd_department.dept_team_id",
        ("ssd_s47_enquiry", "s47e_referral_id"): "ssd_cin_episodes.cine_referral_id",
        ("ssd_initial_cp_conference", "icpc_s47_enquiry_id"): "ssd_s47_enquiry.s47e_s47_enquiry_id",
        ("ssd_initial_cp_conference", "icpc_cp_plan_id"): "ssd_cp_plans.cppl_cp_plan_id",
        ("ssd_cp_visits", "cppv_cp_plan_id"): "ssd_cp_plans.cppl_cp_plan_id",
        ("ssd_cla_reviews", "clar_cla_id"): "ssd_cla_episodes.clae_cla_id",
        ("ssd_contacts", "cont_person_id"): "ssd_person.pers_person_id",
    }.items():
        assert declared[(table, column)] == target


def test_the_suites_carry_every_declared_rule():
    suites = suite_dicts(load_rules())
    in_suites = {e["meta"]["rule_id"] for s in suites.values() for e in s["expectations"]}
    assert set(DECLARED) <= in_suites


@pytest.fixture
def warehouse(tmp_path):
    person = PERSON_HEADER + "P1,,,A,B,F,,,2015-01-01,,,,,,,\nP2,,,C,D,M,,,2016-01-01,,,,,,,\n"
    visits = CP_VISITS_HEADER + (
        "V1,P1,,2023-08-01,Y,N,N\n"  # fine
        "V2, P2,,2023-08-02,Y,N,N\n"  # a stray space before the child's id
        "V3,P9,,2023-08-03,Y,N,N\n"  # a child not in ssd_person
        "V4,P1,,2023-09-20,Y,N,N\n"  # after the extract date
        "V1,P1,,2023-08-01,Y,N,N\n"  # V1 again
    )
    wh = tmp_path / "wh"
    wh.mkdir()
    load(write_batch(tmp_path / "b", {"ssd_person.csv": person, "ssd_cp_visits.csv": visits}), wh)
    return wh


def found(warehouse, *rule_ids: str) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        rows = evaluate_rules(con, tuple(DECLARED[r] for r in rule_ids), AS_OF)
    return {
        r: rows.filter(pl.col("rule_id") == r).sort("record_id").select("record_id", "value").rows() for r in rule_ids
    }


def test_declared_rules_find_their_records(warehouse):
    out = found(
        warehouse,
        "KEY-ssd_cp_visits",
        "REF-ssd_cp_visits-cppv_person_id",
        "FUT-ssd_cp_visits-cppv_cp_visit_date",
        "SPC-ssd_cp_visits",
        "SPC-ssd_person",
        "REF-ssd_cp_visits-cppv_cp_plan_id",
    )
    assert out == {
        "KEY-ssd_cp_visits": [("V1", "2")],
        # staging trims the id, so " P2" finds its child; P9 is nobody's
        "REF-ssd_cp_visits-cppv_person_id": [("V3", "P9")],
        "FUT-ssd_cp_visits-cppv_cp_visit_date": [("V4", "2023-09-20")],
        "SPC-ssd_cp_visits": [("V2", '" P2"')],
        "SPC-ssd_person": [],
        # no plans file: a blank plan id names nothing, and a table the export lacks says nothing
        "REF-ssd_cp_visits-cppv_cp_plan_id": [],
    }


def test_a_code_written_with_its_wording_is_the_code_and_an_unknown_value_is_reported(tmp_path):
    header = (
        "cine_referral_id,cine_person_id,cine_referral_date,cine_cin_primary_need_code,cine_referral_source_code,"
        "cine_referral_source_desc,cine_referral_outcome_json,cine_referral_nfa,cine_close_reason,cine_close_date,"
        "cine_referral_team,cine_referral_worker_id\n"
    )
    rows = (
        "R1,P1,2023-01-01,N1,,,,,RC7 - Services ceased for any other reason,2023-02-01,,\n"
        "R2,P1,2023-03-01,Abuse or neglect,,,,,Case closed after assessment - no further action,2023-04-01,,\n"
        "R3,P1,2023-05-01,N4,,,,,Closed - see notes,2023-06-01,,\n"
    )
    wh = tmp_path / "wh"
    wh.mkdir()
    load(write_batch(tmp_path / "b", {"ssd_cin_episodes.csv": header + rows}), wh)
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        staged = con.sql(
            "SELECT cine_referral_id, cine_cin_primary_need_code, cine_close_reason FROM staging.ssd_cin_episodes "
            "ORDER BY 1"
        ).fetchall()
    assert staged == [("R1", "N1", "RC7"), ("R2", "N1", "RC8"), ("R3", "N4", "Closed - see notes")]
    out = found(wh, "CODE-ssd_cin_episodes-cine_close_reason", "CODE-ssd_cin_episodes-cine_cin_primary_need_code")
    assert out == {
        "CODE-ssd_cin_episodes-cine_close_reason": [("R3", "Closed - see notes")],
        "CODE-ssd_cin_episodes-cine_cin_primary_need_code": [],
    }
