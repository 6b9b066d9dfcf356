"""The drift list: open cases with nothing happening for longer than the setting allows."""

from __future__ import annotations

from datetime import date

from polars.testing import assert_frame_equal

from declarations.marts import MARTS_BY_NAME
from tests.frames import expected
from tests.indicator_fixtures import CATALOGUE, conformed
from transforms.drift import drift_list

E = date(2023, 8, 31)

INVOLVEMENTS = """
invo_involvements_id,invo_person_id,invo_professional_id,invo_professional_team,invo_professional_role_id,invo_involvement_start_date,invo_involvement_end_date
I1,A,W1,T1,CW,2023-01-01,
I2,B,W1,T1,CW,2023-01-01,
I3,C,W2,T2,CW,2023-01-01,
I4,D,W2,T2,CW,2023-01-01,
I5,F,W2,T2,CW,2023-01-01,2023-06-01
I6,G,W3,T2,IRO,2023-01-01,
I7,H,W2,T2,CW,2023-01-01,
"""


def test_open_cases_with_nothing_recent_are_listed_longest_first():
    c = conformed(
        ssd_involvements=INVOLVEMENTS,
        ssd_cp_plans="cppl_cp_plan_id,cppl_person_id,cppl_cp_plan_start_date\nCPA,A,2023-01-01\nCPB,B,2023-01-01",
        ssd_cp_visits="""
cppv_cp_visit_id,cppv_person_id,cppv_cp_visit_date,cppv_cp_visit_seen
V1,A,2023-08-25,true
V2,B,2023-07-01,false
V3,C,2023-07-20,true
V4,C,2023-09-05,true
""",
        ssd_cla_episodes="clae_cla_episode_id,clae_cla_id,clae_person_id,clae_cla_episode_start_date\nE1,P1,D,2023-07-19",
        ssd_cin_episodes="cine_referral_id,cine_person_id,cine_referral_date\nR1,H,2023-01-01",
        ssd_cin_plans="cinp_cin_plan_id,cinp_person_id,cinp_cin_plan_start_date\nCIN1,H,2023-03-01",
        ext_cin_plan_reviews="cinr_cin_review_id,cinr_person_id,cinr_cin_plan_id,cinr_cin_review_date\nRV1,H,CIN1,2023-07-21",
    )
    out = drift_list(c, CATALOGUE, E, days=42).collect()
    # A: visited 6 days ago. B: an unseen visit 61 days ago still counts as something happening, but long ago.
    # C: 42 days since the visit of 20 July, not more (the one after E does not count). D: an episode of care that
    # started 43 days ago. F: the case closed. G: only an IRO: not an open case. H: reviewed 41 days ago.
    assert_frame_equal(
        out,
        expected(
            MARTS_BY_NAME["drift_list"].polars_schema(),
            [
                (E, "T1", "W1", "B", "CP plan", "visit", date(2023, 7, 1), 61, 42),
                (E, "T2", "W2", "D", "looked after", "episode of care started", date(2023, 7, 19), 43, 42),
            ],
        ),
    )


def test_a_case_where_nothing_has_ever_happened_comes_first():
    c = conformed(ssd_involvements=INVOLVEMENTS)
    out = drift_list(c, CATALOGUE, E, days=42).collect()
    assert out.select("person_id", "open_as", "last_activity", "days_since_activity").rows() == [
        ("A", "other open case", None, None),
        ("B", "other open case", None, None),
        ("C", "other open case", None, None),
        ("D", "other open case", None, None),
        ("H", "other open case", None, None),
    ]
