"""Each indicator's edge cases, written from shared/indicators.md, on tiny inline tables."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import polars as pl
import pytest

from declarations.catalogue import CatalogueError, parse_catalogue
from tests.indicator_fixtures import CATALOGUE, conformed, numerator_ids, records
from transforms.indicators import indicator_values, months_before, period_ends, rag

E = date(2023, 8, 31)  # a Thursday; Monday 28 August 2023 was a bank holiday


def test_months_before_clamps_to_month_end():
    assert months_before(date(2023, 8, 31), 3) == date(2023, 5, 31)
    assert months_before(date(2023, 5, 31), 3) == date(2023, 2, 28)
    assert months_before(date(2024, 5, 31), 3) == date(2024, 2, 29)
    assert months_before(date(2023, 8, 31), 12) == date(2022, 8, 31)


def test_period_ends_cover_13_months_and_the_previous_financial_year_end():
    ends = period_ends(date(2023, 8, 31))
    assert ends[0] == date(2022, 7, 31) and ends[-1] == date(2023, 8, 31) and len(ends) == 14
    assert date(2023, 3, 31) in ends
    mid = period_ends(date(2023, 8, 15))
    assert mid[-2:] == [date(2023, 7, 31), date(2023, 8, 15)] and len(mid) == 15
    # in June, the previous financial year end (31 March 2023) is within 13 months anyway; in 2024-08 too
    assert date(2024, 3, 31) in period_ends(date(2024, 5, 10))


CP_PLANS = """
cppl_cp_plan_id,cppl_person_id,cppl_cp_plan_start_date,cppl_cp_plan_end_date
CPA,A,2023-01-01,
CPB,B,2023-01-01,
CPC,C,2023-01-01,
CPD,D,2023-08-20,
CPE,E,2023-01-01,2023-08-31
CPF,F,2023-01-01,2023-09-01
CPG,G,2023-01-01,
"""


def test_4_7_2_cp_visit_within_10_working_days_across_the_bank_holiday():
    c = conformed(
        ssd_cp_plans=CP_PLANS,
        ssd_cp_visits="""
cppv_cp_visit_id,cppv_person_id,cppv_cp_visit_date,cppv_cp_visit_seen
V1,A,2023-08-16,true
V2,B,2023-08-15,true
V3,C,2023-08-30,false
V4,C,2023-08-01,true
V6,F,2023-08-17,true
""",
        ssd_cin_visits="""
cinv_cin_visit_id,cinv_person_id,cinv_cin_visit_date,cinv_cin_visit_seen
W1,G,2023-08-25,true
W2,G,2023-09-01,true
""",
    )
    yes, no = numerator_ids("4.7.2", c)
    # A: wd(16 Aug, 10) = 31 Aug because 28 Aug is a bank holiday (without it, 30 Aug: late)
    # D: no visit yet, but wd(plan start 20 Aug, 10) is after E
    # F: plan ends the day after E, so still in the cohort; E (ends on E) is not in the cohort at all
    # G: a CP visit recorded in the CIN file counts; the one after E does not
    assert yes == ["A", "D", "F", "G"]
    # B: wd(15 Aug, 10) = 30 Aug < E; C: the visit of 30 Aug was not seen
    assert no == ["B", "C"]
    row = records("4.7.2", c).filter(pl.col("record_id") == "A").row(0, named=True)
    assert (row["key_date"], row["due_date"]) == (date(2023, 8, 16), date(2023, 8, 31))


def test_3_3_and_5_11_visit_windows_and_the_new_episode_grace_period():
    c = conformed(
        ssd_cin_episodes="""
cine_referral_id,cine_person_id,cine_referral_date,cine_close_date
R1,N1,2023-01-01,
R2,N2,2023-01-01,
R3,A,2023-01-01,
""",
        ssd_cp_plans="cppl_cp_plan_id,cppl_person_id,cppl_cp_plan_start_date\nCPA,A,2023-01-01",
        ssd_cla_episodes="""
clae_cla_episode_id,clae_person_id,clae_cla_id,clae_cla_episode_start_date
E1,L1,P1,2023-01-01
E2,L2,P2,2023-01-01
E3,L3,P3,2023-08-24
E4,L4,P4,2023-08-23
""",
        ssd_cin_visits="""
cinv_cin_visit_id,cinv_person_id,cinv_cin_visit_date,cinv_cin_visit_seen
V1,N1,2023-08-03,true
V2,N2,2023-08-02,true
""",
        ssd_cla_visits="""
clav_cla_visit_id,clav_person_id,clav_cla_visit_date,clav_cla_visit_seen
C1,L1,2023-07-20,true
C2,L2,2023-07-19,true
""",
    )
    # 28 days: 3 August is E - 28 (in), 2 August is not; A is on a CP plan so not in the CIN cohort
    assert numerator_ids("3.3", c) == (["N1"], ["N2"])
    # 42 days: 20 July is E - 42 (in); L3's episode started 7 days before E (grace), L4's 8 days before
    assert numerator_ids("5.11", c) == (["L1", "L3"], ["L2", "L4"])


def test_1_1_management_oversight_in_the_last_8_weeks():
    c = conformed(
        ssd_involvements="""
invo_involvements_id,invo_person_id,invo_professional_team,invo_professional_role_id,invo_involvement_start_date,invo_involvement_end_date
I1,A,T1,CW,2023-01-01,
I2,B,T1,CW,2023-01-01,
I3,C,T2,CW,2023-01-01,2023-08-31
I4,D,T2,IRO,2023-01-01,
""",
        ext_management_oversight="""
mgmt_oversight_id,mgmt_person_id,mgmt_oversight_date
M1,A,2023-07-06
M2,B,2023-07-05
M3,C,2023-08-30
""",
    )
    # 56 days before 31 August is 6 July; C's involvement ended on E so C is not allocated; D has only an
    # independent reviewing officer, who holds no case
    assert numerator_ids("1.1", c) == (["A"], ["B"])


def test_2_1_contacts_year_to_date_and_undecided_contacts():
    c = conformed(
        ssd_contacts="""
cont_contact_id,cont_person_id,cont_contact_date,cont_contact_outcome_date
K1,A,2023-03-31,2023-03-31
K2,A,2023-04-01,2023-04-03
K3,A,2023-08-25,2023-08-29
K4,A,2023-08-25,2023-08-30
K5,A,2023-08-31,
K6,A,2023-08-29,
K7,A,2023-08-30,2023-09-01
K8,A,2023-08-30,2023-08-31
""",
    )
    yes, no = numerator_ids("2.1", c)
    # K1 is in the previous financial year; K5 is undecided at E and not due until 1 September: left out
    # K3: decided on wd(25 Aug, 1) = 29 Aug (bank holiday skipped); K6: undecided and overdue
    # K7: due on E itself (so counted) and decided after it
    assert yes == ["K2", "K3", "K8"]
    assert no == ["K4", "K6", "K7"]


def test_2_10a_assessments_authorised_this_financial_year_within_45_working_days():
    c = conformed(
        ssd_cin_episodes="cine_referral_id,cine_person_id,cine_referral_date\nR1,A,2023-06-01",
        ssd_cin_assessments="""
cina_assessment_id,cina_person_id,cina_referral_id,cina_assessment_start_date,cina_assessment_auth_date
A1,A,R1,2023-06-05,2023-08-03
A2,A,R1,2023-06-05,2023-08-04
A3,A,,2023-06-05,2023-08-07
A4,A,R1,2023-01-05,2023-03-31
A5,A,R1,2023-06-05,
""",
    )
    assert numerator_ids("2.10a", c) == (["A1", "A3"], ["A2"])


class CinSetup(TypedDict):
    """The files of the CIN examples (a dict spread into ``conformed``)."""

    ssd_cin_episodes: str
    ssd_cin_plans: str
    ext_cin_plan_reviews: str


CIN_SETUP = CinSetup(
    ssd_cin_episodes="""
cine_referral_id,cine_person_id,cine_referral_date,cine_close_date
R1,N1,2023-01-01,
R2,N2,2023-01-01,
R3,N3,2023-01-01,
R4,N4,2023-06-10,
R5,N5,2023-01-01,2023-08-31
""",
    ssd_cin_plans="""
cinp_cin_plan_id,cinp_person_id,cinp_cin_plan_start_date,cinp_cin_plan_end_date
P1,N1,2023-01-01,
P2,N2,2023-01-01,
P4,N4,2023-06-01,
P3,N3,2023-01-01,2023-08-31
""",
    ext_cin_plan_reviews="""
cinr_cin_review_id,cinr_person_id,cinr_cin_plan_id,cinr_cin_review_date
X1,N1,P1,2023-05-31
X2,N2,,2023-05-30
""",
)


def test_3_1_and_3_2_cin_plans_and_reviews_in_the_last_3_months():
    c = conformed(**CIN_SETUP)
    # N3's plan ended on E (not open); N5's referral closed on E (not in the cohort)
    assert numerator_ids("3.1", c) == (["N1", "N2", "N4"], ["N3"])
    # E - 3 months = 31 May: N1 reviewed then (in); N2 a day earlier (out); N4's plan started in the window
    assert numerator_ids("3.2", c) == (["N1", "N4"], ["N2"])


def test_4_8_cp_review_chain():
    c = conformed(
        ssd_cp_plans="""
cppl_cp_plan_id,cppl_person_id,cppl_cp_plan_start_date
P1,A,2023-01-15
P2,B,2023-01-15
P3,C,2023-05-31
P4,D,2023-06-01
P5,F,2022-12-31
P6,G,2023-02-28
""",
        ssd_cp_reviews="""
cppr_cp_review_id,cppr_person_id,cppr_cp_plan_id,cppr_cp_review_date
R1,A,P1,2023-04-15
R2,B,,2023-04-16
R3,F,P5,2023-03-31
""",
    )
    yes, no = numerator_ids("4.8", c)
    # P1 reviewed on its due date (15 April), next due 15 October; P3 started exactly 3 months before E and its
    # first review is due on E itself (not yet late); P4 started less than 3 months before E: not counted
    # P2's review (blank plan id, matched by date) was a day late; P5's next due (30 September) is after E, but
    # P6 (started 28 February) had no review by its due date of 28 May
    assert yes == ["P1", "P3", "P5"]
    assert no == ["P2", "P6"]


def test_5_10_cla_assessment_missing_or_over_a_year_old_and_lower_is_better_rag():
    c = conformed(
        ssd_cla_episodes="""
clae_cla_episode_id,clae_person_id,clae_cla_id,clae_cla_episode_start_date
E1,A,P1,2022-01-01
E2,B,P2,2022-01-01
E3,C,P3,2022-01-01
""",
        ssd_cin_assessments="""
cina_assessment_id,cina_person_id,cina_assessment_start_date,cina_assessment_auth_date
S1,A,2022-08-01,2022-08-31
S2,B,2022-08-01,2022-08-30
""",
    )
    # 365 days before 31 August 2023 is 31 August 2022: A's is not over a year old; B's is; C has none
    assert numerator_ids("5.10", c) == (["B", "C"], ["A"])
    frame = pl.DataFrame({"v": [11.7, 10.0, 7.0, 5.0, 4.9, None]})
    assert frame.select(rag(pl.col("v"), "lower", 10, 5).alias("rag"))["rag"].to_list() == [
        "red",
        "amber",
        "amber",
        "green",
        "green",
        None,
    ]
    frame = pl.DataFrame({"v": [95.0, 94.9, 90.0, 89.9]})
    assert frame.select(rag(pl.col("v"), "higher", 90, 95).alias("rag"))["rag"].to_list() == [
        "green",
        "amber",
        "amber",
        "red",
    ]


def test_5_18_cla_reviews_in_the_rolling_year_cancelled_reviews_and_missed_ones():
    c = conformed(
        as_of=E,
        ssd_cla_episodes="""
clae_cla_episode_id,clae_person_id,clae_cla_id,clae_cla_episode_start_date,clae_cla_episode_ceased_date
E1,A,P1,2022-06-01,2023-01-10
E2,A,P1,2023-01-10,
""",
        ssd_cla_reviews="""
clar_cla_review_id,clar_cla_person_id,clar_cla_id,clar_cla_review_date,clar_cla_review_cancelled
R1,A,P1,2022-06-28,false
R2,A,P1,2022-09-28,false
R3,A,P1,2023-03-20,true
R4,A,P1,2023-03-29,false
""",
    )
    recs = records("5.18", c)
    # wd(1 June 2022, 20) = 29 June 2022 (2-3 June 2022 were bank holidays): due before the rolling year
    # R2 answers 28 September 2022 (3 months after R1): held on time; the cancelled R3 answers nothing;
    # R4 answers 28 March 2023 (6 months after R2): a day late; then 29 September 2023 is after E
    assert recs.select("due_date", "key_date", "in_numerator").rows() == [
        (date(2022, 9, 28), date(2022, 9, 28), True),
        (date(2023, 3, 28), date(2023, 3, 29), False),
    ]


def test_6_care_leavers_ages_17_to_21_not_looked_after():
    c = conformed(
        ssd_person="""
pers_person_id,pers_dob
A,2006-08-31
B,2006-09-01
C,2002-09-01
D,2002-08-31
F,2005-01-01
""",
        ssd_care_leavers="""
clea_table_id,clea_person_id,clea_care_leaver_in_touch,clea_care_leaver_latest_contact,clea_care_leaver_activity,clea_care_leaver_accommodation
L1,A,YES,2022-08-31,F1,B1
L2,B,YES,2023-08-01,F1,B1
L3,C,NO,2023-08-01,G6,B2
L4,D,YES,2023-08-01,F1,B1
L5,F,YES,2023-08-01,F1,B1
""",
        ssd_cla_episodes="clae_cla_episode_id,clae_person_id,clae_cla_id,clae_cla_episode_start_date\nE1,F,P1,2023-01-01",
    )
    # A turns 17 on E (in); B is 16; C is 20 (in, turns 21 the day after); D turned 21 on E (in, 21 is in range);
    # F is 18 but looked after
    assert records("6.1", c)["record_id"].to_list() == ["A", "C", "D"]
    # in touch needs YES and a contact in the last 365 days (31 August 2022 is exactly 365 days before E)
    assert numerator_ids("6.1", c) == (["A", "D"], ["C"])
    assert numerator_ids("6.2", c) == (["A", "D"], ["C"])
    assert numerator_ids("6.3", c) == (["A", "D"], ["C"])


def test_values_by_team_rates_and_counts():
    c = conformed(
        ssd_cp_plans=CP_PLANS,
        ssd_involvements="""
invo_involvements_id,invo_person_id,invo_professional_team,invo_professional_role_id,invo_involvement_start_date
I1,A,T1,CW,2023-01-01
I2,B,T1,CW,2023-01-01
I3,C,T2,CW,2023-01-01
I4,A,IRS,IRO,2023-06-01
I5,D,IRS,IRO,2023-06-01
""",
    )
    records_frame = pl.concat(
        [
            records(ref, c).with_columns(pl.lit(ref).alias("indicator_ref"), pl.lit(E).alias("period_end"))
            for ref in ("1.3", "4.7.2")
        ]
    ).select("indicator_ref", "period_end", *[n for n in records(ref="1.3", c=c).columns])
    out = indicator_values(records_frame.lazy(), CATALOGUE, [E]).collect()
    counts = {(r["indicator_ref"], r["team_id"]): r for r in out.iter_rows(named=True)}
    # A, B, C, D, F, G are on plans at E; D, F, G have no allocation (D has only an IRO, who holds no case; A's
    # IRO started after A's case worker, and A still counts for the case worker's team)
    assert counts[("1.3", None)]["numerator"] == 6 and counts[("1.3", None)]["denominator"] is None
    assert counts[("1.3", "T1")]["value"] == 2 and counts[("1.3", "unallocated")]["value"] == 3
    rate = counts[("1.3.rate", None)]
    assert rate["numerator"] == 6 and rate["value"] == pytest.approx(6 / 64300 * 10_000)
    assert ("1.3.rate", "T1") not in counts
    cp = counts[("4.7.2", None)]
    # only D (plan started 20 August, within 10 working days) has no visit due yet
    assert (cp["numerator"], cp["denominator"], cp["rag"]) == (1, 6, "red")
    assert cp["target_min"] == 92 and cp["period_type"] == "snapshot" and cp["status"] == "published"
    # an indicator with nothing to count still has a whole-service row, with no value and no RAG
    empty = counts[("5.18", None)]
    assert (empty["numerator"], empty["denominator"], empty["value"], empty["rag"]) == (0, 0, None, None)


def test_catalogue_rejects_what_a_council_might_get_wrong():
    good = (
        '[settings]\nchild_population = 1000\n[[indicator]]\nref = "9"\ntitle = "t"\nsection = "s"\n'
        'definition = "cp_count_1_3"\n'
    )
    assert parse_catalogue(good + 'period_type = "snapshot"\npolarity = "count"\n').child_population == 1000
    with pytest.raises(CatalogueError, match="needs target_min and target_upper"):
        parse_catalogue(good + 'period_type = "snapshot"\npolarity = "higher"\n')
    with pytest.raises(CatalogueError, match="period_type must be"):
        parse_catalogue(good + 'period_type = "weekly"\npolarity = "count"\n')
    with pytest.raises(CatalogueError, match="lower is better"):
        parse_catalogue(good + 'period_type = "snapshot"\npolarity = "lower"\ntarget_min = 5\ntarget_upper = 10\n')
    with pytest.raises(CatalogueError, match="missing 'definition'"):
        parse_catalogue(
            good.replace('definition = "cp_count_1_3"\n', "") + 'period_type = "snapshot"\npolarity = "count"\n'
        )
    assert [i.ref for i in CATALOGUE.indicators][:3] == ["1.1", "1.2", "1.3"]
    highlight = [i for i in CATALOGUE.indicators if i.part == "highlight"]
    assert len([i for i in highlight if i.polarity != "rate"]) == 17
    wider = [i.ref for i in CATALOGUE.indicators if i.part == "wider"]
    assert wider == [f"7.{n}" for n in range(1, 12)]
    with pytest.raises(CatalogueError, match="part must be one of"):
        parse_catalogue(good + 'period_type = "snapshot"\npolarity = "count"\npart = "extra"\n')


def test_every_shipped_measure_says_in_words_what_it_counts_and_out_of_what():
    """The definitions page reads these; a measure added without them would show the board a blank row."""
    for i in CATALOGUE.indicators:
        assert i.counts, i.ref
        assert bool(i.out_of) == i.is_percentage, i.ref
    good = (
        '[settings]\nchild_population = 1000\n[[indicator]]\nref = "9"\ntitle = "t"\nsection = "s"\n'
        'definition = "cp_count_1_3"\nperiod_type = "snapshot"\npolarity = "count"\ncounts = "children"\n'
    )
    assert parse_catalogue(good).indicators[0].counts == "children"
    with pytest.raises(CatalogueError, match="no out_of"):
        parse_catalogue(good + 'out_of = "children"\n')
