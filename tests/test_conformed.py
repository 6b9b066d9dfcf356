from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from declarations.conformed import CONFORMED_BY_NAME, CONFORMED_TABLES
from declarations.contract import TABLES
from tests.frames import staging
from transforms.conformed import build_conformed

AS_OF = date(2023, 8, 31)


def empty_staging() -> dict[str, pl.LazyFrame]:
    return {t.name: staging(t.name, t.key) for t in TABLES}


def test_every_built_table_is_declared_with_the_same_columns_and_types():
    build = build_conformed(empty_staging(), as_of=AS_OF)
    assert set(build.tables) == {t.name for t in CONFORMED_TABLES}
    for name, frame in build.tables.items():
        built = frame.collect()
        # the declared types are the built ones: conforming casts nothing
        assert (
            built.select(CONFORMED_BY_NAME[name].column_names).schema == CONFORMED_BY_NAME[name].conform(built).schema
        )
    for t in CONFORMED_TABLES:
        assert t.description and all(c.description for c in t.columns), t.name


def test_reconciliation_balances_with_duplicate_keys_collapsed_visits_and_excluded_rows():
    frames = empty_staging()
    frames["ssd_person"] = staging(
        "ssd_person", "pers_person_id,pers_dob\n007,2015-01-01\n007,2015-01-01\n8,2016-01-01"
    )
    frames["ssd_cp_visits"] = staging(
        "ssd_cp_visits",
        "cppv_cp_visit_id,cppv_person_id,cppv_cp_visit_date,cppv_cp_visit_seen\n"
        "V1,007,2023-08-01,true\nV1,007,2023-08-01,true\nV2,007,2023-08-01,false\nV3,,2023-08-02,true\n",
    )
    frames["ssd_cin_visits"] = staging(
        "ssd_cin_visits", "cinv_cin_visit_id,cinv_person_id,cinv_cin_visit_date\nC1,007,2023-08-01\nC2,7,2023-08-03"
    )
    frames["ssd_care_leavers"] = staging(
        "ssd_care_leavers",
        "clea_table_id,clea_person_id,clea_care_leaver_latest_contact\nL1,8,2023-01-01\nL2,8,2023-02-01",
    )
    build = build_conformed(frames, as_of=AS_OF)
    rec = {r["table_name"]: r for r in build.reconciliation.collect().iter_rows(named=True)}
    assert all(r["is_balanced"] for r in rec.values())
    assert (
        rec["ssd_person"]["staging_rows"],
        rec["ssd_person"]["conformed_rows"],
        rec["ssd_person"]["excluded_rows"],
    ) == (3, 2, 1)
    # V1 twice (a duplicate key), V3 with no child: excluded; V1 and V2 and C1 collapse into one visit
    assert (rec["ssd_cp_visits"]["conformed_rows"], rec["ssd_cp_visits"]["excluded_rows"]) == (2, 2)
    assert (rec["ssd_cin_visits"]["conformed_rows"], rec["ssd_cin_visits"]["excluded_rows"]) == (2, 0)
    assert (rec["ssd_care_leavers"]["conformed_rows"], rec["ssd_care_leavers"]["excluded_rows"]) == (1, 1)
    visits = build.tables["visit"].collect().sort("visit_date")
    assert visits.select("person_id", "record_count", "is_seen").rows() == [("007", 3, True), ("7", 1, None)]
    excluded = build.excluded.collect().sort("table_name", "record_id")
    assert excluded.select("table_name", "record_id", "reason").rows() == [
        ("ssd_care_leavers", "L1", "superseded by the person's care-leaver record with the latest contact"),
        ("ssd_cp_visits", "V1", "duplicate primary key (an earlier row with this key was kept)"),
        ("ssd_cp_visits", "V3", "visit with no child"),
        ("ssd_person", "007", "duplicate primary key (an earlier row with this key was kept)"),
    ]
    # ids are text: the child "7" is not the child "007", so its visit is reported as an orphan
    assert build.orphans.collect().rows() == [("visit", "7|2023-08-03", "7")]


def test_plans_carry_the_team_of_the_allocation_open_at_their_start():
    frames = empty_staging()
    frames["ssd_involvements"] = staging(
        "ssd_involvements",
        "invo_involvements_id,invo_person_id,invo_professional_team,invo_professional_id,invo_professional_role_id,"
        "invo_involvement_start_date,invo_involvement_end_date\n"
        "I1,P1,T1,W1,CW,2023-01-01,2023-03-01\nI2,P1,T2,W2,CW,2023-03-01,\n"
        # an independent reviewing officer's involvement never decides the team, however late it starts
        "I3,P1,T9,W9,IRO,2023-03-01,",
    )
    frames["ssd_cp_plans"] = staging(
        "ssd_cp_plans",
        "cppl_cp_plan_id,cppl_person_id,cppl_cp_plan_start_date\nCP1,P1,2023-02-01\nCP2,P1,2023-03-01\nCP3,P9,2023-03-01",
    )
    plans = build_conformed(frames, as_of=AS_OF).tables["cp_plan"].collect().sort("cp_plan_id")
    # on 1 March both involvements touch the date: the latest started wins
    assert plans.select("cp_plan_id", "team_id", "worker_id").rows() == [
        ("CP1", "T1", "W1"),
        ("CP2", "T2", "W2"),
        ("CP3", None, None),
    ]


def test_the_most_senior_case_holding_role_decides_the_team_then_the_latest_started():
    frames = empty_staging()
    frames["ssd_involvements"] = staging(
        "ssd_involvements",
        "invo_involvements_id,invo_person_id,invo_professional_team,invo_professional_id,invo_professional_role_id,"
        "invo_involvement_start_date\n"
        # P1: a case worker, then a personal adviser at 16 while the case worker stays: the case worker's team
        "I1,P1,CIC,W1,CW,2023-01-01\nI2,P1,LC,W2,16PLUS,2023-02-01\n"
        # P2: only a personal adviser (a care leaver): the adviser's team, whatever case the role is written in
        "I3,P2,LC,W3, 16plus ,2023-01-01\n"
        # P3: only an IRO: nobody holds the case
        "I4,P3,IRS,W4,IRO,2023-01-01\n",
    )
    frames["ssd_cp_plans"] = staging(
        "ssd_cp_plans",
        "cppl_cp_plan_id,cppl_person_id,cppl_cp_plan_start_date\nCP1,P1,2023-03-01\nCP2,P2,2023-03-01\n"
        "CP3,P3,2023-03-01",
    )
    build = build_conformed(frames, as_of=AS_OF)
    allocation = build.tables["allocation"].collect().sort("involvement_id")
    assert allocation.select("involvement_id", "is_case_holding", "case_holding_rank").rows() == [
        ("I1", True, 1),
        ("I2", True, 6),
        ("I3", True, 6),
        ("I4", False, None),
    ]
    plans = build.tables["cp_plan"].collect().sort("cp_plan_id")
    assert plans.select("cp_plan_id", "team_id", "worker_id").rows() == [
        ("CP1", "CIC", "W1"),
        ("CP2", "LC", "W3"),
        ("CP3", None, None),
    ]
    # A council's own list: with only personal advisers holding cases, P1 goes to the leaving care team.
    plans = build_conformed(frames, as_of=AS_OF, case_holding_roles=("16PLUS",)).tables["cp_plan"].collect()
    assert plans.sort("cp_plan_id")["team_id"].to_list() == ["LC", "LC", None]


people_ids = st.lists(st.sampled_from(["1", "01", "001", "A", "B"]), max_size=4, unique=True)


@settings(max_examples=40, deadline=None)
@given(people_ids, st.lists(st.tuples(st.sampled_from(["1", "01", "A", "Z"]), st.integers(1, 28)), max_size=8))
def test_every_fact_child_is_in_the_child_dimension_or_reported(persons, events):
    frames = empty_staging()
    frames["ssd_person"] = staging("ssd_person", "pers_person_id\n" + "\n".join(persons))
    frames["ssd_cp_plans"] = staging(
        "ssd_cp_plans",
        "cppl_cp_plan_id,cppl_person_id,cppl_cp_plan_start_date\n"
        + "\n".join(f"CP{i},{p},2023-08-{d:02d}" for i, (p, d) in enumerate(events)),
    )
    frames["ssd_cin_visits"] = staging(
        "ssd_cin_visits",
        "cinv_cin_visit_id,cinv_person_id,cinv_cin_visit_date\n"
        + "\n".join(f"V{i},{p},2023-08-{d:02d}" for i, (p, d) in enumerate(events)),
    )
    build = build_conformed(frames, as_of=AS_OF)
    children = set(build.tables["child"].collect()["person_id"])
    reported = {(r[0], r[2]) for r in build.orphans.collect().rows()}
    for name in ("cp_plan", "visit"):
        for person in build.tables[name].collect()["person_id"]:
            assert person in children or (name, person) in reported
    assert len(reported) == len({(n, p) for n in ("cp_plan", "visit") for p, _ in events if p not in persons})
