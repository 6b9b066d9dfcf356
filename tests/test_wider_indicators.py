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
