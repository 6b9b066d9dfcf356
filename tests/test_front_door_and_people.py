from __future__ import annotations

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from tests.frames import expected, staging
from transforms.calendar import calendar
from transforms.front_door import assessment, contact, initial_cp_conference, s47_enquiry
from transforms.people import age_at, care_leaver, care_leaver_record, child, superseded_care_leaver_records
from transforms.plans import referral

CAL = calendar(date(2022, 1, 1), date(2024, 12, 31))


def test_contact_decision_within_one_working_day_across_a_bank_holiday():
    c = staging(
        "ssd_contacts",
        """
cont_contact_id,cont_person_id,cont_contact_date,cont_contact_outcome_date
C1,P1,2023-08-25,2023-08-29
C2,P1,2023-08-25,2023-08-30
C3,P1,2023-08-25,
C4,P1,2023-08-26,2023-08-29
""",
    )
    out = contact(c, CAL).collect()
    d = date
    assert_frame_equal(
        out,
        expected(
            {"contact_id": pl.String, "person_id": pl.String, "contact_date": pl.Date, "decision_date": pl.Date,
             "source_code": pl.String, "decision_due_date": pl.Date, "is_decided_on_time": pl.Boolean},
            [
                ("C1", "P1", d(2023, 8, 25), d(2023, 8, 29), None, d(2023, 8, 29), True),
                ("C2", "P1", d(2023, 8, 25), d(2023, 8, 30), None, d(2023, 8, 29), False),
                ("C3", "P1", d(2023, 8, 25), None, None, d(2023, 8, 29), False),
                # received on a Saturday: the day itself does not count, the bank holiday Monday is skipped
                ("C4", "P1", d(2023, 8, 26), d(2023, 8, 29), None, d(2023, 8, 29), True),
            ],
        ),
    )  # fmt: skip


def test_assessment_timescale_from_the_referral_else_its_own_start():
    ref = referral(
        staging(
            "ssd_cin_episodes",
            """
cine_referral_id,cine_person_id,cine_referral_date
R1,P1,2023-06-01
""",
        )
    )
    a = staging(
        "ssd_cin_assessments",
        """
cina_assessment_id,cina_person_id,cina_referral_id,cina_assessment_start_date,cina_assessment_auth_date
A1,P1,R1,2023-06-05,2023-08-03
A2,P1,R1,2023-06-05,2023-08-04
A3,P1,R404,2023-06-05,2023-08-07
A4,P1,,2023-06-05,
""",
    )
    out = assessment(a, ref, CAL).collect()
    assert out.select("has_linked_referral", "timescale_start_date", "due_date", "is_on_time").rows() == [
        # 45 working days from 1 June 2023 (the 28 August bank holiday is later) is 3 August
        (True, date(2023, 6, 1), date(2023, 8, 3), True),
        (True, date(2023, 6, 1), date(2023, 8, 3), False),
        (False, date(2023, 6, 5), date(2023, 8, 7), True),
        (False, date(2023, 6, 5), date(2023, 8, 7), False),
    ]


def test_initial_conference_within_15_working_days_of_the_s47_start():
    s47 = s47_enquiry(
        staging(
            "ssd_s47_enquiry",
            """
s47e_s47_enquiry_id,s47e_person_id,s47e_s47_start_date
S1,P1,2023-08-21
""",
        )
    )
    icpc = staging(
        "ssd_initial_cp_conference",
        """
icpc_icpc_id,icpc_person_id,icpc_s47_enquiry_id,icpc_icpc_date
I1,P1,S1,2023-09-12
I2,P1,S1,2023-09-13
I3,P1,,2023-09-13
""",
    )
    out = initial_cp_conference(icpc, s47, CAL).collect()
    # 15 working days after Monday 21 August, skipping the 28 August bank holiday: Tuesday 12 September
    assert out.select("due_date", "is_on_time").rows() == [
        (date(2023, 9, 12), True),
        (date(2023, 9, 12), False),
        # no enquiry, so no due date to meet or miss
        (None, None),
    ]


def test_age_in_whole_years_including_leap_day_birthdays():
    frame = pl.DataFrame(
        {
            "dob": [date(2005, 8, 31), date(2005, 9, 1), date(2008, 2, 29), date(2008, 2, 29)],
            "on": [date(2023, 8, 31), date(2023, 8, 31), date(2023, 2, 28), date(2023, 2, 27)],
        }
    )
    assert frame.select(age_at(pl.col("dob"), pl.col("on")).alias("age"))["age"].to_list() == [18, 17, 15, 14]


def test_child_dimension_carries_no_names_or_identifiers():
    p = staging("ssd_person", "pers_person_id,pers_forename,pers_surname,pers_upn\n007,Zoë,Smith,A123")
    out = child(p).collect()
    assert out["person_id"].to_list() == ["007"]
    assert not {"pers_forename", "forename", "surname", "upn"} & set(out.columns)
    assert all("name" not in c for c in out.columns)


def test_care_leavers_latest_record_per_person_and_eet_and_suitability():
    records = care_leaver_record(
        staging(
            "ssd_care_leavers",
            """
clea_table_id,clea_person_id,clea_care_leaver_latest_contact,clea_care_leaver_activity,clea_care_leaver_accommodation,clea_care_leaver_accom_suitable,clea_care_leaver_in_touch
L1,P1,2023-01-01,G6,B2,,yes
L2,P1,2023-06-01,F3,B1,,YES
L3,P2,,P1,Other,Y,NO
L4,,2023-06-01,F1,B1,,YES
""",
        )
    )
    latest = care_leaver(records)
    out = latest.collect().sort("person_id")
    assert_frame_equal(
        out,
        expected(
            {"person_id": pl.String, "care_leaver_record_id": pl.String, "eligibility_code": pl.String,
             "in_touch_code": pl.String, "latest_contact_date": pl.Date, "activity_code": pl.String,
             "accommodation_code": pl.String, "is_eet": pl.Boolean, "is_suitable_accommodation": pl.Boolean,
             "pathway_plan_review_date": pl.Date, "team_id": pl.String, "worker_id": pl.String},
            [
                ("P1", "L2", None, "YES", date(2023, 6, 1), "F3", "B1", True, True, None, None, None),
                ("P2", "L3", None, "NO", None, "P1", "Other", True, True, None, None, None),
            ],
        ),
    )  # fmt: skip
    assert_frame_equal(
        superseded_care_leaver_records(records, latest).collect().sort("record_id"),
        expected(
            {"record_id": pl.String, "reason": pl.String},
            [
                ("L1", "superseded by the person's care-leaver record with the latest contact"),
                ("L4", "care-leaver record with no person"),
            ],
        ),
    )
