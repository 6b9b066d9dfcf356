from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from tests.frames import expected, staging
from transforms.keys import one_row_per_key, rows_without_unique_key
from transforms.plans import cin_plan, cla_episode_spell, cla_period_of_care, cp_plan_spell, referral
from transforms.visits import excluded_visit_records, visit, visit_record

EMPTY_CP_VISITS = staging("ssd_cp_visits", "cppv_cp_visit_id")
EMPTY_CLA_VISITS = staging("ssd_cla_visits", "clav_cla_visit_id")
EMPTY_CIN_VISITS = staging("ssd_cin_visits", "cinv_cin_visit_id")


def build(cp_v=EMPTY_CP_VISITS, cla_v=EMPTY_CLA_VISITS, cin_v=EMPTY_CIN_VISITS, cp=None, cla=None, cin=None, ref=None):
    cp = cp if cp is not None else staging("ssd_cp_plans", "cppl_cp_plan_id")
    cla = cla if cla is not None else staging("ssd_cla_episodes", "clae_cla_episode_id")
    cin = cin if cin is not None else staging("ssd_cin_plans", "cinp_cin_plan_id")
    ref = ref if ref is not None else staging("ssd_cin_episodes", "cine_referral_id")
    return (
        visit(
            visit_record(cp_v, cla_v, cin_v),
            cp_plan_spell(cp),
            cla_period_of_care(cla_episode_spell(cla)),
            cin_plan(cin),
            referral(ref),
        )
        .collect()
        .sort("person_id", "visit_date")
    )


CP = staging(
    "ssd_cp_plans",
    """
cppl_cp_plan_id,cppl_person_id,cppl_cp_plan_start_date,cppl_cp_plan_end_date
CP1,P1,2023-01-10,2023-06-30
CP2,P1,2023-06-30,
CP9,P9,2023-01-01,
""",
)


def test_visit_recorded_twice_and_in_the_wrong_file_is_one_cp_visit():
    cp_v = staging(
        "ssd_cp_visits",
        """
cppv_cp_visit_id,cppv_person_id,cppv_cp_plan_id,cppv_cp_visit_date,cppv_cp_visit_seen,cppv_cp_visit_seen_alone
V1,P1,CP1,2023-03-01,false,false
""",
    )
    cin_v = staging(
        "ssd_cin_visits",
        """
cinv_cin_visit_id,cinv_person_id,cinv_cin_visit_date,cinv_cin_visit_seen,cinv_cin_visit_seen_alone
C1,P1,2023-03-01,true,false
C2,P1,2023-07-05,true,true
""",
    )
    out = build(cp_v=cp_v, cin_v=cin_v, cp=CP)
    assert out.select(
        "visit_date", "visit_kind", "cp_plan_id", "is_seen", "record_count", "source_tables", "is_in_expected_file"
    ).rows() == [
        # seen in one record of the two: seen
        (date(2023, 3, 1), "cp", "CP1", True, 2, ["ssd_cin_visits", "ssd_cp_visits"], True),
        # a CP visit that came only in the CIN file: a CP visit, in the wrong file
        (date(2023, 7, 5), "cp", "CP2", True, 1, ["ssd_cin_visits"], False),
    ]
    assert out["source_records"].to_list() == [
        [{"table_name": "ssd_cin_visits", "visit_id": "C1"}, {"table_name": "ssd_cp_visits", "visit_id": "V1"}],
        [{"table_name": "ssd_cin_visits", "visit_id": "C2"}],
    ]


def test_cp_visit_with_blank_or_wrong_plan_id_is_linked_by_person_and_date():
    cp_v = staging(
        "ssd_cp_visits",
        """
cppv_cp_visit_id,cppv_person_id,cppv_cp_plan_id,cppv_cp_visit_date,cppv_cp_visit_seen
V1,P1,,2023-02-01,true
V2,P1,CP9,2023-03-01,true
V3,P1,CP1,2023-06-30,true
V4,P1,CP2,2023-07-01,true
""",
    )
    out = build(cp_v=cp_v, cp=CP)
    assert out.select("cp_plan_id", "cp_plan_id_matched_by", "is_recorded_against_other_plan").rows() == [
        ("CP1", "person and date", False),
        # CP9 is another child's plan: linked to the child's own plan and flagged
        ("CP1", "person and date", True),
        # CP1 ends on 30 June, the day CP2 starts: on that day the child is on CP2 (open: start <= d < end)
        ("CP2", "person and date", True),
        ("CP2", "id", False),
    ]


def test_kind_is_what_the_child_was_on_that_day_whatever_the_file():
    cla = staging(
        "ssd_cla_episodes",
        """
clae_cla_episode_id,clae_person_id,clae_cla_id,clae_cla_episode_start_date,clae_cla_episode_ceased_date
E1,P2,LAC1,2023-01-01,2023-03-01
E2,P2,LAC1,2023-03-01,
""",
    )
    cin = staging(
        "ssd_cin_plans",
        """
cinp_cin_plan_id,cinp_person_id,cinp_cin_plan_start_date,cinp_cin_plan_end_date
CIN1,P3,2023-01-01,
""",
    )
    ref = staging(
        "ssd_cin_episodes",
        """
cine_referral_id,cine_person_id,cine_referral_date,cine_close_date
R1,P3,2022-12-01,
R2,P4,2023-01-01,2023-02-01
""",
    )
    cin_v = staging(
        "ssd_cin_visits",
        """
cinv_cin_visit_id,cinv_person_id,cinv_cin_visit_date,cinv_cin_visit_seen
A,P2,2023-04-01,true
B,P3,2023-04-01,true
C,P3,2022-12-15,true
D,P4,2023-01-15,true
E,P4,2023-03-01,true
""",
    )
    out = build(cin_v=cin_v, cla=cla, cin=cin, ref=ref)
    assert out.select("person_id", "visit_kind", "cla_id", "cin_plan_id", "referral_id").rows() == [
        # a period of care with several episodes is one spell
        ("P2", "cla", "LAC1", None, None),
        ("P3", "referral", None, None, "R1"),
        ("P3", "cin", None, "CIN1", "R1"),
        ("P4", "referral", None, None, "R2"),
        ("P4", "none", None, None, None),
    ]
    assert out.filter(pl.col("visit_kind") == "cla")["is_in_expected_file"].to_list() == [False]


def test_visits_without_child_or_date_are_excluded_with_a_reason():
    cp_v = staging(
        "ssd_cp_visits",
        """
cppv_cp_visit_id,cppv_person_id,cppv_cp_visit_date,cppv_cp_visit_seen
V1,,2023-02-01,true
V2,P1,,true
V3,P1,2023-02-01,
""",
    )
    records = visit_record(cp_v, EMPTY_CLA_VISITS, EMPTY_CIN_VISITS)
    assert_frame_equal(
        excluded_visit_records(records).collect(),
        expected(
            {"table_name": pl.String, "record_id": pl.String, "reason": pl.String},
            [("ssd_cp_visits", "V1", "visit with no child"), ("ssd_cp_visits", "V2", "visit with no date")],
        ),
    )
    out = build(cp_v=cp_v, cp=CP)
    assert out.select("is_seen", "has_record_without_seen_flag").rows() == [(None, True)]


def test_duplicate_primary_keys_are_kept_out_and_listed():
    frame = staging(
        "ssd_cp_plans",
        """
cppl_cp_plan_id,cppl_person_id
CP1,P1
CP1,P1
,P2
007,P3
""",
    )
    assert one_row_per_key(frame, "cppl_cp_plan_id").collect()["cppl_cp_plan_id"].to_list() == ["CP1", "007"]
    assert_frame_equal(
        rows_without_unique_key(frame, "cppl_cp_plan_id").collect(),
        expected(
            {"record_id": pl.String, "_row_number": pl.Int64, "reason": pl.String},
            [("CP1", 2, "duplicate primary key (an earlier row with this key was kept)"), (None, 3, "no primary key")],
        ),
    )


def test_re_referral_within_12_months():
    ref = staging(
        "ssd_cin_episodes",
        """
cine_referral_id,cine_person_id,cine_referral_date
R1,P1,2022-01-31
R2,P1,2023-01-31
R3,P1,2024-02-01
R4,P2,2023-05-01
""",
    )
    out = referral(ref).collect().sort("referral_id")
    # 31 Jan 2023 is exactly 12 months after 31 Jan 2022: a re-referral; 1 Feb 2024 is not
    assert out["is_re_referral"].to_list() == [False, True, False, False]


# Property: the fact has exactly one row per child per day, and no join gains rows.
visit_rows = st.lists(
    st.tuples(
        st.sampled_from(["ssd_cp_visits", "ssd_cla_visits", "ssd_cin_visits"]),
        st.sampled_from(["P1", "P2", "P3"]),
        st.dates(date(2023, 1, 1), date(2023, 1, 20)),
        st.sampled_from([True, False, None]),
    ),
    max_size=40,
)
plan_rows = st.lists(
    st.tuples(st.sampled_from(["P1", "P2", "P3"]), st.dates(date(2023, 1, 1), date(2023, 1, 20)), st.integers(0, 15)),
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(visit_rows, plan_rows)
def test_one_visit_per_child_per_day_and_no_rows_gained(rows, plans):
    def frame(source):
        prefix = {"ssd_cp_visits": "cppv_cp", "ssd_cla_visits": "clav_cla", "ssd_cin_visits": "cinv_cin"}[source]
        picked = [r for r in rows if r[0] == source]
        lines = [f"{prefix}_visit_id,{prefix[:4]}_person_id,{prefix}_visit_date,{prefix}_visit_seen"]
        lines += [f"{source}{i},{p},{d},{'' if s is None else str(s).lower()}" for i, (_, p, d, s) in enumerate(picked)]
        return staging(source, "\n".join(lines))

    # overlapping plans for one child are allowed here: they must not duplicate visits
    cp_lines = ["cppl_cp_plan_id,cppl_person_id,cppl_cp_plan_start_date,cppl_cp_plan_end_date"]
    cp_lines += [f"CP{i},{p},{s},{date.fromordinal(s.toordinal() + n)}" for i, (p, s, n) in enumerate(plans)]
    out = build(
        cp_v=frame("ssd_cp_visits"),
        cla_v=frame("ssd_cla_visits"),
        cin_v=frame("ssd_cin_visits"),
        cp=staging("ssd_cp_plans", "\n".join(cp_lines)),
    )
    expected_days = {(p, d) for _, p, d, _ in rows}
    assert out.height == len(expected_days)
    assert set(zip(out["person_id"], out["visit_date"], strict=True)) == expected_days
    assert out["record_count"].sum() == len(rows)
    for row in out.iter_rows(named=True):
        day_seen = [s for _, p, d, s in rows if (p, d) == (row["person_id"], row["visit_date"])]
        assert row["is_seen"] == (True if True in day_seen else (None if None in day_seen else False))


def test_an_episode_with_no_start_date_does_not_close_its_period_of_care():
    episodes = staging(
        "ssd_cla_episodes",
        """
clae_cla_episode_id,clae_person_id,clae_cla_id,clae_cla_episode_start_date,clae_cla_episode_ceased_date
E1,P1,LAC1,2023-01-01,2023-03-01
E2,P1,LAC1,2023-03-01,
E3,P1,LAC1,,2023-04-01
""",
    )
    assert_frame_equal(
        cla_period_of_care(cla_episode_spell(episodes)).collect(),
        expected(
            {"cla_id": pl.String, "person_id": pl.String, "start_date": pl.Date, "end_date": pl.Date,
             "episode_count": pl.UInt32},
            [("LAC1", "P1", date(2023, 1, 1), None, 3)],
        ),
    )  # fmt: skip
