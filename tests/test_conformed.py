from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from declarations.conformed import CONFORMED_BY_NAME, CONFORMED_TABLES
from declarations.contract import TABLES
from tests.frames import expected, staging
from transforms.conformed import build_conformed

AS_OF = date(2023, 8, 31)

CP_PLAN = {
    "cp_plan_id": pl.String, "person_id": pl.String, "referral_id": pl.String, "icpc_id": pl.String,
    "start_date": pl.Date, "end_date": pl.Date, "is_other_la_plan": pl.Boolean, "initial_category_code": pl.String,
    "latest_category_code": pl.String, "team_id": pl.String, "worker_id": pl.String, "last_review_date": pl.Date,
    "review_count": pl.Int32, "next_review_due_date": pl.Date,
}  # fmt: skip


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
    rec = build.reconciliation.collect().sort("table_name")
    assert rec["is_balanced"].all()
    # V1 twice (a duplicate key), V3 with no child: excluded; V1 and V2 and C1 collapse into one visit
    assert_frame_equal(
        rec.filter(pl.col("staging_rows") > 0),
        expected(
            {"table_name": pl.String, "staging_rows": pl.UInt32, "conformed_rows": pl.UInt32,
             "excluded_rows": pl.UInt32, "is_balanced": pl.Boolean},
            [
                ("ssd_care_leavers", 2, 1, 1, True),
                ("ssd_cin_visits", 2, 2, 0, True),
                ("ssd_cp_visits", 4, 2, 2, True),
                ("ssd_person", 3, 2, 1, True),
            ],
        ),
    )  # fmt: skip
    visits = build.tables["visit"].collect().sort("visit_date")
    assert visits.select("person_id", "record_count", "is_seen").rows() == [("007", 3, True), ("7", 1, None)]
    excluded = build.excluded.collect().sort("table_name", "record_id")
    assert_frame_equal(
        excluded,
        expected(
            {"table_name": pl.String, "record_id": pl.String, "row_number": pl.Int64, "reason": pl.String},
            [
                (
                    "ssd_care_leavers",
                    "L1",
                    None,
                    "superseded by the person's care-leaver record with the latest contact",
                ),
                ("ssd_cp_visits", "V1", 2, "duplicate primary key (an earlier row with this key was kept)"),
                ("ssd_cp_visits", "V3", None, "visit with no child"),
                ("ssd_person", "007", 2, "duplicate primary key (an earlier row with this key was kept)"),
            ],
        ),
    )
    # ids are text: the child "7" is not the child "007", so its visit is reported as an orphan
    assert_frame_equal(
        build.orphans.collect(),
        expected(
            {"table_name": pl.String, "record_id": pl.String, "person_id": pl.String}, [("visit", "7|2023-08-03", "7")]
        ),
    )


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
    assert_frame_equal(
        plans,
        expected(
            CP_PLAN,
            [
                (
                    "CP1",
                    "P1",
                    None,
                    None,
                    date(2023, 2, 1),
                    None,
                    None,
                    None,
                    None,
                    "T1",
                    "W1",
                    None,
                    0,
                    date(2023, 5, 1),
                ),
                (
                    "CP2",
                    "P1",
                    None,
                    None,
                    date(2023, 3, 1),
                    None,
                    None,
                    None,
                    None,
                    "T2",
                    "W2",
                    None,
                    0,
                    date(2023, 6, 1),
                ),
                (
                    "CP3",
                    "P9",
                    None,
                    None,
                    date(2023, 3, 1),
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    0,
                    date(2023, 6, 1),
                ),
            ],
        ),
    )


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
    assert_frame_equal(
        allocation,
        expected(
            {"involvement_id": pl.String, "person_id": pl.String, "worker_id": pl.String, "team_id": pl.String,
             "role": pl.String, "is_case_holding": pl.Boolean, "case_holding_rank": pl.Int32, "start_date": pl.Date,
             "end_date": pl.Date, "referral_id": pl.String},
            [
                ("I1", "P1", "W1", "CIC", "CW", True, 1, date(2023, 1, 1), None, None),
                ("I2", "P1", "W2", "LC", "16PLUS", True, 6, date(2023, 2, 1), None, None),
                ("I3", "P2", "W3", "LC", " 16plus ", True, 6, date(2023, 1, 1), None, None),
                ("I4", "P3", "W4", "IRS", "IRO", False, None, date(2023, 1, 1), None, None),
            ],
        ),
    )  # fmt: skip
    plans = build.tables["cp_plan"].collect().sort("cp_plan_id")
    assert_frame_equal(
        plans,
        expected(
            CP_PLAN,
            [
                (
                    "CP1",
                    "P1",
                    None,
                    None,
                    date(2023, 3, 1),
                    None,
                    None,
                    None,
                    None,
                    "CIC",
                    "W1",
                    None,
                    0,
                    date(2023, 6, 1),
                ),
                (
                    "CP2",
                    "P2",
                    None,
                    None,
                    date(2023, 3, 1),
                    None,
                    None,
                    None,
                    None,
                    "LC",
                    "W3",
                    None,
                    0,
                    date(2023, 6, 1),
                ),
                (
                    "CP3",
                    "P3",
                    None,
                    None,
                    date(2023, 3, 1),
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    0,
                    date(2023, 6, 1),
                ),
            ],
        ),
    )
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
