"""Restatements: a month's figure set beside its first publication, and the records counted differently since."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from polars.testing import assert_frame_equal

from declarations.marts import MARTS_BY_NAME
from declarations.operations import FIRST_PUBLISHED_RECORDS, FIRST_PUBLISHED_VALUES
from tests.frames import expected
from tests.indicator_fixtures import CATALOGUE
from transforms.publication import highlight_report
from transforms.restatements import (
    first_published_records,
    first_published_values,
    restated_month_ends,
    restated_records,
    restatements,
)

JULY, AUGUST, MID_AUGUST = date(2023, 7, 31), date(2023, 8, 31), date(2023, 8, 15)
THEN = datetime(2023, 8, 1, 2, 0)
NONE_KEPT = FIRST_PUBLISHED_VALUES.empty()
VALUE_COLUMNS = ("indicator_ref", "period_end", "team_id", "numerator", "denominator", "value", "status")
VALUES = MARTS_BY_NAME["indicator_values"]
RECORDS = MARTS_BY_NAME["indicator_records"]


def values(*rows: tuple) -> pl.DataFrame:
    """(indicator, period end, team, numerator, denominator, value, status) -> indicator_values."""
    full = [
        {c: None for c in VALUES.column_names}
        | dict(
            zip(
                ("indicator_ref", "period_end", "team_id", "numerator", "denominator", "value", "status"),
                r,
                strict=True,
            )
        )
        for r in rows
    ]
    return pl.DataFrame(full, schema=VALUES.polars_schema())


def records(*rows: tuple) -> pl.DataFrame:
    """(indicator, period end, team, record, in numerator) -> indicator_records (the record is its child)."""
    full = [
        {c: None for c in RECORDS.column_names}
        | {
            "indicator_ref": ref,
            "period_end": end,
            "team_id": team,
            "record_id": rec,
            "person_id": rec,
            "in_numerator": yes,
        }
        for ref, end, team, rec, yes in rows
    ]
    return pl.DataFrame(full, schema=RECORDS.polars_schema())


FIRST_RUN_VALUES = values(
    ("4.7.2", JULY, None, 1, 2, 50.0, "published"),
    ("4.7.2", JULY, "T1", 1, 2, 50.0, "published"),
    ("4.7.2", MID_AUGUST, None, 2, 2, 100.0, "published"),
)
FIRST_RUN_RECORDS = records(
    ("4.7.2", JULY, "T1", "A", True),
    ("4.7.2", JULY, "T1", "B", False),
    ("4.7.2", MID_AUGUST, "T1", "A", True),
    ("4.7.2", MID_AUGUST, "T1", "B", True),
)


def test_only_month_ends_published_for_the_first_time_are_kept():
    kept = first_published_values(FIRST_RUN_VALUES, NONE_KEPT, run_id="r1", batch_id="b1", published_at=THEN)
    # the batch date inside August is no month end: its figures are not kept
    assert kept.select("indicator_ref", "period_end", "team_id").rows() == [
        ("4.7.2", JULY, None),
        ("4.7.2", JULY, "T1"),
    ]
    assert kept.schema == FIRST_PUBLISHED_VALUES.polars_schema()
    again = first_published_values(FIRST_RUN_VALUES, kept, run_id="r2", batch_id="b2", published_at=THEN)
    assert again.height == 0
    kept_records = first_published_records(FIRST_RUN_RECORDS, kept, run_id="r1")
    assert kept_records.select("period_end", "record_id").rows() == [(JULY, "A"), (JULY, "B")]
    assert kept_records.schema == FIRST_PUBLISHED_RECORDS.polars_schema()


def test_a_late_visit_restates_july_and_names_the_record():
    first = first_published_values(FIRST_RUN_VALUES, NONE_KEPT, run_id="r1", batch_id="b1", published_at=THEN)
    first_records = first_published_records(FIRST_RUN_RECORDS, first, run_id="r1")
    # a month later: B's visit in July was recorded late (now in the numerator); C, a plan back-dated into July,
    # counts now in team T2
    now_values = values(
        ("4.7.2", JULY, None, 2, 3, 66.7, "published"),
        ("4.7.2", JULY, "T1", 2, 2, 100.0, "published"),
        ("4.7.2", JULY, "T2", 0, 1, 0.0, "published"),
        ("4.7.2", AUGUST, None, 5, 5, 100.0, "published"),
    )
    now_records = records(
        ("4.7.2", JULY, "T1", "A", True),
        ("4.7.2", JULY, "T1", "B", True),
        ("4.7.2", JULY, "T2", "C", False),
    )
    restated = restatements(now_values, first, now_records, first_records)
    assert_frame_equal(
        restated,
        expected(
            MARTS_BY_NAME["restatements"].polars_schema(),
            [
                ("4.7.2", JULY, None, 1, 2, 50.0, "published", "r1", THEN, 2, 3, 66.7, "published", 1, 0, 1),
                ("4.7.2", JULY, "T1", 1, 2, 50.0, "published", "r1", THEN, 2, 2, 100.0, "published", 0, 0, 1),
            ],
        ),
    )
    assert_frame_equal(
        restated_records(now_records, first_records, restated),
        expected(
            MARTS_BY_NAME["restated_records"].polars_schema(),
            [
                ("4.7.2", JULY, "B", "B", "T1", "T1", False, True, "now in the numerator"),
                ("4.7.2", JULY, "C", "C", None, "T2", None, False, "added"),
            ],
        ),
    )
    assert restated_month_ends(restated) == {"4.7.2": [JULY]}
    # the report marks July in 4.7.2's trend
    report = highlight_report(now_values, CATALOGUE, AUGUST, restated_month_ends(restated))
    row = report.filter(pl.col("indicator_ref") == "4.7.2").row(0, named=True)
    assert row["restated_months"] == "2023-07-31"
    assert report.filter(pl.col("indicator_ref") == "4.8")["restated_months"].to_list() == [None]


def test_nothing_is_restated_when_the_figures_are_the_same():
    first = first_published_values(FIRST_RUN_VALUES, NONE_KEPT, run_id="r1", batch_id="b1", published_at=THEN)
    first_records = first_published_records(FIRST_RUN_RECORDS, first, run_id="r1")
    assert restatements(FIRST_RUN_VALUES, first, FIRST_RUN_RECORDS, first_records).height == 0


def test_records_behind_a_month_first_published_with_none_count_as_added():
    empty_month = values(("4.7.2", JULY, None, 0, 0, None, "published"))
    first = first_published_values(empty_month, NONE_KEPT, run_id="r1", batch_id="b1", published_at=THEN)
    first_records = first_published_records(records(), first, run_id="r1")
    assert first_records.height == 0
    now = records(("4.7.2", JULY, "T1", "A", True))
    restated = restatements(values(("4.7.2", JULY, None, 1, 1, 100.0, "published")), first, now, first_records)
    assert restated.select("records_added", "records_removed", "records_moved").rows() == [(1, 0, 0)]
    assert restated_records(now, first_records, restated)["change"].to_list() == ["added"]
