"""Ofsted's Annex A lists: each list's columns in Ofsted's order and a few rows worked by hand, and the files."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import polars as pl

from csc.annex_a import PERSONAL_DATA, write_annex_a
from declarations.annex_a import ANNEX_A_LISTS, COMMON
from declarations.contract import table
from tests.frames import staging
from tests.indicator_fixtures import CATALOGUE, conformed
from transforms.annex_a import MORE_TABLES, annex_a_lists

E = date(2023, 8, 31)  # the period: 28 February 2023 to 31 August 2023
PERSON = """
pers_person_id,pers_sex,pers_ethnicity,pers_dob
A,F,WBRI,2015-09-01
B,M,MWBC,2010-03-15
L,F,WBRI,2005-01-10
"""
DISABLED = pl.LazyFrame({"person_id": ["B"]})
EVERY_TABLE: dict[str, pl.LazyFrame | None] = {name: staging(name, table(name).key) for name in MORE_TABLES}


def lists(**csvs: str) -> dict[int, pl.DataFrame]:
    return annex_a_lists(conformed(E, ssd_person=PERSON, **csvs), DISABLED, CATALOGUE, E)


def row(frame: pl.DataFrame, n: int = 0) -> dict:
    return frame.row(n, named=True)


def test_every_list_has_ofsteds_columns_in_ofsteds_order():
    built = annex_a_lists(conformed(E, ssd_person=PERSON), DISABLED, CATALOGUE, E, more=EVERY_TABLE)
    assert set(built) == {s.number for s in ANNEX_A_LISTS if not s.not_written}
    for spec in ANNEX_A_LISTS:
        if spec.number in built:
            assert tuple(built[spec.number].columns) == spec.headings
            assert spec.headings[:5] == tuple(h for h, _ in COMMON)


def test_list_1_contacts_in_the_period_with_age_at_the_date():
    out = lists(
        ssd_contacts="""
cont_contact_id,cont_person_id,cont_contact_date,cont_contact_source_code
C1,A,2023-02-27,1A
C2,A,2023-03-01,1B
C3,B,2023-08-31,5D
C4,B,2023-09-01,5D
"""
    )[1]
    # C1 is the day before the period; C4 after the date
    assert out.rows() == [
        ("A", "F", "WBRI", date(2015, 9, 1), 7, date(2023, 3, 1), "1B"),
        ("B", "M", "MWBC", date(2010, 3, 15), 13, date(2023, 8, 31), "5D"),
    ]


def test_list_3_referrals_count_the_childs_referrals_in_the_12_months_to_each():
    out = lists(
        ssd_cin_episodes="""
cine_referral_id,cine_person_id,cine_referral_date,cine_referral_nfa,cine_referral_source_code,cine_referral_team,cine_referral_worker_id
R0,A,2022-06-01,false,1A,T1,W1
R1,A,2023-04-01,true,1A,T1,W1
R2,A,2023-05-01,false,3A,T2,W2
R9,A,2022-04-01,false,1A,T1,W1
"""
    )[3]
    assert out.select(
        "ChildUniqueID", "ReferralDate", "ReferralNFA", "ReferralsLast12Months", "AllocatedTeam"
    ).rows() == [
        # R1: R0 (10 months before) and itself; R9 is 12 months before to the day: not within
        ("A", date(2023, 4, 1), "Yes", 2, "T1"),
        ("A", date(2023, 5, 1), "No", 3, "T2"),
    ]


def test_list_7_child_protection_plans_open_in_the_period():
    out = lists(
        ssd_cp_plans="""
cppl_cp_plan_id,cppl_person_id,cppl_cp_plan_start_date,cppl_cp_plan_end_date,cppl_cp_plan_initial_category,cppl_cp_plan_latest_category
P0,B,2021-01-01,2021-06-01,NEG,NEG
P1,B,2023-01-10,,EMO,NEG
P2,A,2022-01-01,2023-01-31,PHY,PHY
""",
        ssd_cp_visits="""
cppv_cp_visit_id,cppv_person_id,cppv_cp_visit_date,cppv_cp_visit_seen,cppv_cp_visit_seen_alone
V1,B,2023-08-20,true,true
V2,B,2023-09-02,true,false
""",
        ssd_cp_reviews="cppr_cp_review_id,cppr_person_id,cppr_cp_plan_id,cppr_cp_review_date\nRV1,B,P1,2023-04-10",
    )[7]
    # P2 ended before the period; P0 long before
    assert len(out) == 1
    r = row(out)
    assert (r["ChildUniqueID"], r["HasDisability"], r["ChildProtectionPlanStartDate"]) == (
        "B",
        "Yes",
        date(2023, 1, 10),
    )
    assert (r["InitialCategoryOfAbuse"], r["LatestCategoryOfAbuse"]) == ("EMO", "NEG")
    # the visit after the date does not count
    assert (r["DateOfLastStatutoryVisit"], r["ChildSeenAlone"], r["DateOfLatestReviewConf"]) == (
        date(2023, 8, 20),
        "Yes",
        date(2023, 4, 10),
    )
    assert (r["ChildProtectionPlanEndDate"], r["NumberOfPreviousChildProtectionPlans"]) == (None, 1)


def test_list_9_care_leavers_are_the_indicators_cohort():
    out = lists(
        ssd_care_leavers="""
clea_table_id,clea_person_id,clea_care_leaver_in_touch,clea_care_leaver_latest_contact,clea_care_leaver_accommodation,clea_care_leaver_activity,clea_care_leaver_worker_id
G1,L,YES,2023-08-01,B1,F1,PA1
G2,A,YES,2023-08-01,B1,F1,PA1
"""
    )[9]
    # A is 7: not a care leaver's age
    assert out.select(
        "ChildUniqueID", "Age", "AllocatedPersonalAdvisor", "LAInTouch", "SuitabilityOfAccommodation"
    ).rows() == [("L", 18, "PA1", "YES", "Suitable")]


def test_without_a_disability_table_has_disability_is_blank():
    c = conformed(
        ssd_person=PERSON,
        ssd_cin_assessments="cina_assessment_id,cina_person_id,cina_assessment_start_date\nS1,B,2023-03-01",
    )
    assert annex_a_lists(c, None, CATALOGUE, E)[4]["HasDisability"].to_list() == [None]
    assert annex_a_lists(c, DISABLED, CATALOGUE, E)[4]["HasDisability"].to_list() == ["Yes"]


def test_the_files_carry_dates_as_dd_mm_yyyy_and_the_cover_says_what_they_hold(tmp_path: Path):
    built = lists(ssd_contacts="cont_contact_id,cont_person_id,cont_contact_date\nC1,A,2023-03-01")
    written = write_annex_a(built, tmp_path / "annex", as_of=E, months=6)
    names = sorted(p.name for p in written)
    assert names[0] == "annex-a-20230831.xlsx" and "annex-a-list-01-contacts.csv" in names
    contacts = (tmp_path / "annex" / "annex-a-list-01-contacts.csv").read_text().splitlines()
    assert contacts == [
        "ChildUniqueID,Gender,Ethnicity,DateOfBirth,Age,DateOfContact,ContactSource",
        "A,F,WBRI,01/09/2015,7,01/03/2023,",
    ]
    with zipfile.ZipFile(written[0]) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert PERSONAL_DATA.split(".")[0] in strings
    assert "the export has no ssd_early_help_episodes" in strings and "the SSD does not hold the data" in strings
    # the contact source is blank in every row: listed as a column the export does not fill
    assert "ContactSource" in strings


def test_a_list_from_a_table_the_export_left_out_is_not_written():
    # without ssd_early_help_episodes and ssd_permanence (the default here), lists 2 and 10 are not written
    assert {2, 10, 11}.isdisjoint(lists())
    assert [s.number for s in ANNEX_A_LISTS if s.not_written] == [11]


def test_the_command_refuses_a_warehouse_with_nothing_published(tmp_path: Path):
    from typer.testing import CliRunner

    from csc.cli import app

    (tmp_path / "wh").mkdir()  # a warehouse folder, nothing in it (a missing folder: test_flow_and_cli)
    result = CliRunner().invoke(app, ["annex-a", "--warehouse", str(tmp_path / "wh"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "nothing has been published here yet" in result.output
    assert not (tmp_path / "out").exists()


def test_list_5_enquiries_with_the_conference_that_followed():
    out = lists(
        ssd_s47_enquiry="""
s47e_s47_enquiry_id,s47e_person_id,s47e_s47_start_date,s47e_s47_end_date,s47e_s47_nfa,s47e_s47_completed_by_team
S0,B,2022-11-01,2022-11-20,true,T1
S1,B,2023-03-01,2023-03-20,false,T1
S2,A,2023-08-20,,,T2
""",
        ssd_initial_cp_conference="""
icpc_icpc_id,icpc_person_id,icpc_s47_enquiry_id,icpc_icpc_date,icpc_icpc_outcome_cp_flag
C1,B,S1,2023-03-25,true
""",
    )[5]
    columns = ("ChildUniqueID", "StratDiscussionDate", "InitialCPConfUnnecessary", "InitialCPConfDate")
    assert out.select(*columns, "CPConfResultInCPPlan", "NumberS47s12m", "NumberICPCs12m").rows() == [
        # S2 is still open: whether a conference is needed is not known yet
        ("A", date(2023, 8, 20), None, None, None, 1, 0),
        # S0 ended before the period; it counts among B's enquiries in the 12 months to S1
        ("B", date(2023, 3, 1), "No", date(2023, 3, 25), "Yes", 2, 0),
    ]


PLACEMENTS = """
clap_cla_placement_id,clap_cla_id,clap_person_id,clap_cla_placement_start_date,clap_cla_placement_type,clap_cla_placement_urn
PL1,P1,B,2023-01-05,U1,SC1
PL2,P1,B,2023-06-01,U4,SC2
"""


def test_list_8_children_in_care_with_placements_health_and_missing_episodes():
    more = EVERY_TABLE | {
        "ssd_cla_placement": staging("ssd_cla_placement", PLACEMENTS),
        "ssd_cla_health": staging(
            "ssd_cla_health",
            "clah_health_check_id,clah_person_id,clah_health_check_type,clah_health_check_date\n"
            "H1,B,Review health assessment,2023-05-01\nH2,B,Dental check,2023-06-01\nH3,B,Dental check,2023-09-10",
        ),
        "ssd_missing": staging(
            "ssd_missing",
            "miss_table_id,miss_person_id,miss_missing_episode_start_date,miss_missing_episode_type,"
            "miss_missing_rhi_offered,miss_missing_rhi_accepted\n"
            "M1,B,2023-04-01,M,true,false\nM2,B,2023-05-01,A,,\nM3,B,2022-01-01,M,true,true",
        ),
        "ssd_immigration_status": staging(
            "ssd_immigration_status", "immi_immigration_status_id,immi_person_id,immi_immigration_status\nI1,B,UASC"
        ),
    }
    c = conformed(
        E,
        ssd_person=PERSON,
        ssd_cla_episodes="""
clae_cla_episode_id,clae_cla_id,clae_person_id,clae_cla_episode_start_date,clae_cla_episode_ceased_date,clae_cla_primary_need_code
E1,P1,B,2023-01-05,,N1
""",
        ssd_cla_placement=PLACEMENTS,
    )
    out = annex_a_lists(c, DISABLED, CATALOGUE, E, more=more)[8]
    r = row(out)
    assert (r["ChildUniqueID"], r["UASC"], r["LookedAfterStartDate"], r["ChildCategoryOfNeed"]) == (
        "B",
        "Yes",
        date(2023, 1, 5),
        "N1",
    )
    # the dental check after the date does not count
    assert (r["LastHealthAssessmentDate"], r["LastDentalCheckDate"]) == (date(2023, 5, 1), date(2023, 6, 1))
    assert (r["PlacementsLast12Months"], r["MostRecentPlacementStartDate"], r["PlacementType"], r["PlacementURN"]) == (
        2,
        date(2023, 6, 1),
        "U4",
        "SC2",
    )
    # M3 is before the period; the return interview answers are the latest missing episode's
    assert (r["EpisodesChildMissingFromPlacement"], r["EpisodesChildAbsentFromPlacement"]) == (1, 1)
    assert (r["ChildOfferedReturnInterviewAfterLastMFH"], r["ChildAcceptedReturnInterviewAfterLastMFH"]) == (
        "Yes",
        "No",
    )
    assert (r["CeasedLookedAfterDate"], r["PermanencePlan"], r["LastIROVisitDate"]) == (None, None, None)


def test_list_10_adoption_decisions_in_the_last_12_months():
    more = EVERY_TABLE | {
        "ssd_permanence": staging(
            "ssd_permanence",
            "perm_table_id,perm_person_id,perm_adm_decision_date,perm_permanence_order_date,perm_permanence_order_type\n"
            "D1,A,2022-01-01,2023-06-01,Adoption order\n"
            "D2,B,2021-01-01,2021-06-01,Adoption order\n"
            "D3,L,2023-02-01,,\n",
        )
    }
    out = annex_a_lists(conformed(E, ssd_person=PERSON), DISABLED, CATALOGUE, E, more=more)[10]
    # D2 was adopted more than 12 months ago
    assert out.select("ChildUniqueID", "ADMDecisionDate", "AdoptionOrderDate").rows() == [
        ("A", date(2022, 1, 1), date(2023, 6, 1)),
        ("L", date(2023, 2, 1), None),
    ]


def test_list_2_early_help_episodes_open_in_the_period():
    more = EVERY_TABLE | {
        "ssd_early_help_episodes": staging(
            "ssd_early_help_episodes",
            "earl_episode_id,earl_person_id,earl_episode_start_date,earl_episode_end_date,earl_episode_organisation\n"
            "EH1,A,2022-12-01,2023-01-31,School\nEH2,A,2023-03-01,,Family Hub\n",
        )
    }
    out = annex_a_lists(conformed(E, ssd_person=PERSON), DISABLED, CATALOGUE, E, more=more)[2]
    assert out.select("ChildUniqueID", "AssessmentStartDate", "OrganisationCompletingAssessment").rows() == [
        ("A", date(2023, 3, 1), "Family Hub")
    ]


def test_list_4_assessments_open_in_the_period():
    out = lists(
        ssd_cin_assessments="""
cina_assessment_id,cina_person_id,cina_assessment_start_date,cina_assessment_auth_date,cina_assessment_child_seen,cina_assessment_outcome_nfa
S0,A,2022-12-01,2023-02-27,true,false
S1,A,2023-02-01,2023-03-10,true,true
S2,B,2023-08-01,,false,
"""
    )[4]
    # S0 was authorised the day before the period; S1 was open into it; S2 is still open
    columns = ("ChildUniqueID", "HasDisability", "ContinuousAssessmentStart", "ContinuousAssessmentChildSeen")
    assert out.select(*columns, "ContinuousAssessmentAuthDate", "CSCSupportRequired").rows() == [
        ("A", "No", date(2023, 2, 1), "Yes", date(2023, 3, 10), "No"),
        ("B", "Yes", date(2023, 8, 1), "No", None, None),
    ]


def test_list_6_children_in_need_with_what_they_are_on_at_the_date():
    out = lists(
        ssd_cin_episodes="""
cine_referral_id,cine_person_id,cine_referral_date,cine_close_date,cine_cin_primary_need_code
R1,A,2023-01-01,,N1
R2,B,2022-06-01,2023-04-01,N2
R3,L,2023-01-01,,N3
""",
        ssd_cp_plans="cppl_cp_plan_id,cppl_person_id,cppl_cp_plan_start_date\nP1,A,2023-02-01",
        ssd_cp_visits="cppv_cp_visit_id,cppv_person_id,cppv_cp_visit_date,cppv_cp_visit_seen\nV1,A,2023-08-20,true",
        ssd_care_leavers="clea_table_id,clea_person_id,clea_care_leaver_latest_contact\nG1,L,2023-08-01",
    )[6]
    # L (18, with a care-leaver record) is a care leaver, not a child in need
    columns = ("ChildUniqueID", "CINStartDate", "PrimaryNeedCode", "DateChildLastSeen", "CINClosureDate")
    assert out.select(*columns, "CaseStatus").rows() == [
        ("A", date(2023, 1, 1), "N1", date(2023, 8, 20), None, "Child protection plan"),
        ("B", date(2022, 6, 1), "N2", None, date(2023, 4, 1), "Closed"),
    ]
