"""The wider measures (the catalogue's second part), on tiny inline tables, written from the method document."""

from __future__ import annotations

from datetime import date

from tests.indicator_fixtures import conformed, numerator_ids, records

E = date(2023, 8, 31)  # the financial year to date runs from 1 April 2023


def test_7_1_re_referrals_in_the_year_to_date():
    c = conformed(
        ssd_cin_episodes="""
cine_referral_id,cine_person_id,cine_referral_date
R1,A,2022-06-01
R2,A,2023-05-01
R3,B,2023-04-10
R4,C,2022-04-01
R5,C,2023-04-02
"""
    )
    # R1 and R4 are before the year; R2 is 11 months after R1: a re-referral; R5 is 12 months and a day after R4
    assert numerator_ids("7.1", c) == (["R2"], ["R3", "R5"])


def test_7_2_and_7_3_demand_counts_the_events_of_the_year_to_date():
    c = conformed(
        ssd_contacts="cont_contact_id,cont_person_id,cont_contact_date\nC1,A,2023-03-31\nC2,A,2023-04-01\nC3,B,2023-09-01",
        ssd_s47_enquiry="s47e_s47_enquiry_id,s47e_person_id,s47e_s47_start_date\nS1,A,2023-05-01\nS2,B,2023-01-01",
    )
    assert numerator_ids("7.2", c) == (["C2"], [])
    assert numerator_ids("7.3", c) == (["S1"], [])


def test_7_4_initial_conferences_within_15_working_days_of_the_s47_start():
    c = conformed(
        ssd_s47_enquiry="s47e_s47_enquiry_id,s47e_person_id,s47e_s47_start_date\nS1,A,2023-08-01\nS2,B,2023-08-01",
        ssd_initial_cp_conference="""
icpc_icpc_id,icpc_person_id,icpc_s47_enquiry_id,icpc_icpc_date,icpc_icpc_transfer_in
K1,A,S1,2023-08-22,false
K2,B,S2,2023-08-23,false
K3,C,,2023-08-10,true
""",
    )
    # wd(1 Aug, 15) = 22 Aug: K1 on time, K2 a day late; K3 transferred in with no enquiry: not measured
    assert numerator_ids("7.4", c) == (["K1"], ["K2"])
    assert records("7.4", c)["due_date"].to_list() == [date(2023, 8, 22), date(2023, 8, 22)]


def test_7_5_children_in_care_with_three_placements_in_twelve_months():
    c = conformed(
        ssd_cla_episodes="""
clae_cla_episode_id,clae_cla_id,clae_person_id,clae_cla_episode_start_date
E1,P1,A,2021-01-01
E2,P2,B,2022-01-01
""",
        ssd_cla_placement="""
clap_cla_placement_id,clap_cla_id,clap_person_id,clap_cla_placement_start_date
L1,P1,A,2022-08-31
L2,P1,A,2022-10-01
L3,P1,A,2023-02-01
L4,P1,A,2023-06-01
L5,P2,B,2022-09-01
L6,P2,B,2023-01-01
L7,P2,B,2023-09-01
""",
    )
    # A: three placements after 31 August 2022 (L1 is on it: not after); B: two by E (L7 is after it)
    assert numerator_ids("7.5", c) == (["A"], ["B"])


CARE = """
clae_cla_episode_id,clae_cla_id,clae_person_id,clae_cla_episode_start_date
E1,P1,A,2022-01-01
E2,P2,B,2023-07-03
E3,P3,C,2023-08-20
E4,P4,D,2023-01-01
"""
HEALTH = """
clah_health_check_id,clah_person_id,clah_health_check_type,clah_health_check_date
H1,A,Review health assessment,2023-01-10
H2,A,Dental check,2022-08-31
H3,B,Initial health assessment,2023-07-31
H4,D,Initial health assessment,2023-02-20
"""


def test_7_6_initial_health_assessments_within_20_working_days_of_entering_care():
    c = conformed(ssd_cla_episodes=CARE, ssd_cla_health=HEALTH)
    # B entered care on 3 July: due wd(3 Jul, 20) = 31 Jul, assessed then; C's is not due until after E;
    # D's fell due in February (before the year to date); A entered care in 2022
    assert numerator_ids("7.6", c) == (["P2"], [])
    assert records("7.6", c)["due_date"].to_list() == [date(2023, 7, 31)]


def test_7_7_and_7_8_health_and_dental_checks_of_children_in_care_a_year_or_more():
    c = conformed(ssd_cla_episodes=CARE, ssd_cla_health=HEALTH)
    # only A has been looked after 12 months; the dental check of 31 Aug 2022 is 12 months before E: not after it
    assert numerator_ids("7.7", c) == (["A"], [])
    assert numerator_ids("7.8", c) == ([], ["A"])


def test_7_9_return_home_interviews_after_missing_episodes_ended_this_year():
    c = conformed(
        ssd_missing="""
miss_table_id,miss_person_id,miss_missing_episode_start_date,miss_missing_episode_end_date,miss_missing_episode_type,miss_missing_rhi_offered
M1,A,2023-05-01,2023-05-02,M,true
M2,A,2023-06-01,2023-06-03,M,false
M3,B,2023-06-01,2023-06-02,A,true
M4,B,2023-03-01,2023-03-02,M,true
M5,C,2023-08-30,,M,
"""
    )
    # M3 is an absence; M4 ended before the year; M5 has not ended
    assert numerator_ids("7.9", c) == (["M1"], ["M2"])


def test_7_10_assessments_of_a_child_assessed_in_the_previous_12_months():
    c = conformed(
        ssd_cin_assessments="""
cina_assessment_id,cina_person_id,cina_assessment_start_date
S0,A,2022-09-01
S1,A,2023-05-01
S2,B,2023-06-01
S3,C,2022-05-01
S4,C,2023-05-02
"""
    )
    # S1 comes 8 months after S0; S4 a year and a day after S3; S0 and S3 are before the year to date
    assert numerator_ids("7.10", c) == (["S1"], ["S2", "S4"])


def test_7_11_pre_proceedings_concluded_within_16_weeks():
    c = conformed(
        ssd_pre_proceedings="""
prep_table_id,prep_person_id,prep_pre_pro_decision_date,prep_agree_stepdown_issue_date
PP1,A,2023-03-01,2023-06-21
PP2,B,2023-03-01,2023-06-22
PP3,C,2023-06-01,
PP4,D,2022-10-01,2023-01-10
"""
    )
    # 16 weeks from 1 March is 21 June: PP1 in time, PP2 a day late; PP3 goes on; PP4 concluded before the year
    assert numerator_ids("7.11", c) == (["PP1"], ["PP2"])
