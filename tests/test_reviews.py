from __future__ import annotations

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from tests.frames import expected, staging
from transforms.calendar import calendar
from transforms.plans import cin_plan, cla_episode_spell, cla_period_of_care, cp_plan_spell
from transforms.reviews import cin_plan_review, cla_review, cla_review_chain, cp_plan_next_review_due, cp_review

CAL = calendar(date(2022, 1, 1), date(2024, 12, 31))
CLA_REVIEW_CHAIN = {
    "cla_id": pl.String, "person_id": pl.String, "review_number": pl.Int32, "due_date": pl.Date,
    "cla_review_id": pl.String, "review_date": pl.Date, "is_on_time": pl.Boolean,
}  # fmt: skip

CP = cp_plan_spell(
    staging(
        "ssd_cp_plans",
        """
cppl_cp_plan_id,cppl_person_id,cppl_cp_plan_start_date,cppl_cp_plan_end_date
CP1,P1,2023-01-15,2023-10-20
CP2,P2,2022-11-30,
""",
    )
)


def test_cp_review_chain_due_dates_blank_plan_id_and_review_on_the_plan_end_date():
    reviews = staging(
        "ssd_cp_reviews",
        """
cppr_cp_review_id,cppr_person_id,cppr_cp_plan_id,cppr_cp_review_date
R1,P1,CP1,2023-04-14
R2,P1,,2023-10-20
R0,P1,,2023-01-10
R3,P2,CP2,2023-03-01
R4,P2,,
""",
    )
    out = cp_review(reviews, CP).collect().sort("cp_review_id")
    schema = {
        "cp_review_id": pl.String, "person_id": pl.String, "recorded_cp_plan_id": pl.String, "review_date": pl.Date,
        "recorded_due_date": pl.Date, "is_plan_continued": pl.Boolean, "cp_plan_id": pl.String,
        "cp_plan_id_matched_by": pl.String, "plan_start_date": pl.Date, "due_date": pl.Date, "review_number": pl.Int32,
        "is_on_time": pl.Boolean,
    }  # fmt: skip
    d = date
    assert_frame_equal(
        out,
        expected(
            schema,
            [
                # before the plan started: inside no plan, so unlinked and answering no due date
                ("R0", "P1", None, d(2023, 1, 10), None, None, None, None, None, None, None, None),
                ("R1", "P1", "CP1", d(2023, 4, 14), None, None, "CP1", "id", d(2023, 1, 15), d(2023, 4, 15), 1, True),
                # blank plan id, held on the day the plan ended: linked by person and date; due 6 months after R1
                ("R2", "P1", None, d(2023, 10, 20), None, None, "CP1", "person and date", d(2023, 1, 15),
                 d(2023, 10, 14), 2, False),
                # 30 November + 3 months is 28 February (month ends clamp)
                ("R3", "P2", "CP2", d(2023, 3, 1), None, None, "CP2", "id", d(2022, 11, 30), d(2023, 2, 28), 1, False),
                ("R4", "P2", None, None, None, None, None, None, None, None, None, None),
            ],
        ),
    )  # fmt: skip
    nxt = cp_plan_next_review_due(CP, cp_review(reviews, CP)).collect().sort("cp_plan_id")
    assert_frame_equal(
        nxt,
        expected(
            {"cp_plan_id": pl.String, "last_review_date": pl.Date, "review_count": pl.Int32,
             "next_review_due_date": pl.Date},
            [
                ("CP1", date(2023, 10, 20), 2, date(2024, 4, 20)),
                ("CP2", date(2023, 3, 1), 1, date(2023, 9, 1)),
            ],
        ),
    )  # fmt: skip


CLA = staging(
    "ssd_cla_episodes",
    """
clae_cla_episode_id,clae_person_id,clae_cla_id,clae_cla_episode_start_date,clae_cla_episode_ceased_date
E1,P1,LAC1,2023-01-02,2023-02-10
E2,P1,LAC1,2023-02-10,
E3,P2,LAC2,2023-01-02,2023-10-01
""",
)


def test_cla_review_chain_with_cancelled_review_missed_review_and_period_end():
    periods = cla_period_of_care(cla_episode_spell(CLA))
    reviews = staging(
        "ssd_cla_reviews",
        """
clar_cla_review_id,clar_cla_person_id,clar_cla_id,clar_cla_review_date,clar_cla_review_cancelled
A1,P1,LAC1,2023-01-25,false
A2,P1,LAC1,2023-04-20,true
A3,P1,,2023-05-02,false
B1,P2,LAC2,2023-01-31,false
B2,P2,LAC2,2023-05-01,false
""",
    )
    linked = cla_review(reviews, periods)
    chain = cla_review_chain(linked, periods, CAL, as_of=date(2023, 12, 31)).collect()
    expected_chain = expected(
        CLA_REVIEW_CHAIN,
        [
            # 2 January 2023 was a bank holiday (New Year observed); 20 working days later is 30 January
            ("LAC1", "P1", 1, date(2023, 1, 30), "A1", date(2023, 1, 25), True),
            # the cancelled review does not count; A3 (blank period id) answers the second due date, late
            ("LAC1", "P1", 2, date(2023, 4, 25), "A3", date(2023, 5, 2), False),
            # then 6 months on: missed by 31 December
            ("LAC1", "P1", 3, date(2023, 11, 2), None, None, False),
            ("LAC2", "P2", 1, date(2023, 1, 30), "B1", date(2023, 1, 31), False),
            ("LAC2", "P2", 2, date(2023, 4, 30), "B2", date(2023, 5, 1), False),
            # LAC2 ended on 1 October: the due date of 1 November is after the end, so it is not recorded
        ],
    )
    assert_frame_equal(chain, expected_chain)
    assert_frame_equal(
        periods.collect().sort("cla_id"),
        expected(
            {"cla_id": pl.String, "person_id": pl.String, "start_date": pl.Date, "end_date": pl.Date,
             "episode_count": pl.UInt32},
            [
                ("LAC1", "P1", date(2023, 1, 2), None, 2),
                ("LAC2", "P2", date(2023, 1, 2), date(2023, 10, 1), 1),
            ],
        ),
    )  # fmt: skip


def test_cla_chain_read_at_an_earlier_date_has_no_future_records():
    periods = cla_period_of_care(cla_episode_spell(CLA))
    reviews = cla_review(staging("ssd_cla_reviews", "clar_cla_review_id"), periods)
    chain = cla_review_chain(reviews, periods, CAL, as_of=date(2023, 1, 29)).collect()
    assert chain.height == 0
    chain = cla_review_chain(reviews, periods, CAL, as_of=date(2023, 1, 30)).collect()
    assert_frame_equal(
        chain,
        expected(
            CLA_REVIEW_CHAIN,
            [
                ("LAC1", "P1", 1, date(2023, 1, 30), None, None, False),
                ("LAC2", "P2", 1, date(2023, 1, 30), None, None, False),
            ],
        ),
    )


def test_cin_plan_reviews_link_by_id_else_person_and_date():
    plans = cin_plan(
        staging(
            "ssd_cin_plans",
            """
cinp_cin_plan_id,cinp_person_id,cinp_cin_plan_start_date,cinp_cin_plan_end_date
N1,P1,2023-01-01,
""",
        )
    )
    reviews = staging(
        "ext_cin_plan_reviews",
        """
cinr_cin_review_id,cinr_person_id,cinr_cin_plan_id,cinr_cin_review_date
X1,P1,N1,2023-03-01
X2,P1,,2023-06-01
X3,P1,,2022-06-01
""",
    )
    out = cin_plan_review(reviews, plans).collect().sort("cin_review_id")
    assert_frame_equal(
        out,
        expected(
            {"cin_review_id": pl.String, "person_id": pl.String, "recorded_cin_plan_id": pl.String,
             "review_date": pl.Date, "cin_plan_id": pl.String, "cin_plan_id_matched_by": pl.String},
            [
                ("X1", "P1", "N1", date(2023, 3, 1), "N1", "id"),
                ("X2", "P1", None, date(2023, 6, 1), "N1", "person and date"),
                ("X3", "P1", None, date(2022, 6, 1), None, None),
            ],
        ),
    )  # fmt: skip


def test_a_council_can_change_the_review_timescales():
    from transforms.timescales import Timescales

    periods = cla_period_of_care(cla_episode_spell(CLA))
    reviews = cla_review(staging("ssd_cla_reviews", "clar_cla_review_id"), periods)
    chain = cla_review_chain(
        reviews, periods, CAL, as_of=date(2023, 1, 31), timescales=Timescales(cla_first_working_days=10)
    ).collect()
    # 10 working days after Monday 2 January 2023 (a bank holiday itself) is Monday 16 January
    assert chain["due_date"].to_list() == [date(2023, 1, 16), date(2023, 1, 16)]
