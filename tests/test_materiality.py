"""The materiality gate on tiny inline tables: how far each doubted record can move a figure, and when a figure is
withheld. The end-to-end check (every published band holds the figure the batch gives without its faults) is in
tests/test_gate.py."""

from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from declarations.catalogue import parse_catalogue
from transforms.materiality import IN_DOUBT_SCHEMA, bands, material
from transforms.publication import with_statuses

E = date(2023, 8, 31)
CATALOGUE = parse_catalogue(
    """
[settings]
child_population = 10000

[[indicator]]
ref = "4.7.2"
definition = "cp_visits_4_7_2"
title = "CP visits in 10 working days"
section = "Visits"
period_type = "snapshot"
polarity = "higher"
target_min = 80
target_upper = 90
timescale_working_days = 10

[[indicator]]
ref = "1.3"
definition = "cp_count_1_3"
title = "Children on CP plans"
section = "Counts"
period_type = "snapshot"
polarity = "count"

[[indicator]]
ref = "4.8"
definition = "cp_reviews_4_8"
title = "CP plans reviewed in time"
section = "Reviews"
period_type = "snapshot"
polarity = "higher"
target_min = 80
target_upper = 90
"""
)
RECORDS_SCHEMA = {
    "indicator_ref": pl.String,
    "period_end": pl.Date,
    "person_id": pl.String,
    "record_id": pl.String,
    "team_id": pl.String,
    "in_numerator": pl.Boolean,
}


def records(ref: str, rows: list[tuple[str, str, bool]]) -> pl.DataFrame:
    """(person, team, in numerator) per child; the record is the child (a plan for 4.8)."""
    return pl.DataFrame(
        [(ref, E, p, f"CP{p}" if ref == "4.8" else p, t, n) for p, t, n in rows], schema=RECORDS_SCHEMA, orient="row"
    )


def doubt(ref: str, role: str, table: str, record: str | None, person: str | None, *, on=None, dated=None) -> dict:
    """One linked doubt; ``on`` (earliest, latest) where the record could lie, ``dated`` its recorded dates."""
    earliest, latest = on or (None, None)
    recorded_from, recorded_to = dated or (None, None)
    return {
        "indicator_ref": ref,
        "role": role,
        "table_name": table,
        "record_id": record,
        "person_id": person,
        "source": "TEST-1",
        "reason": "a test",
        "earliest": earliest,
        "latest": latest,
        "recorded_from": recorded_from,
        "recorded_to": recorded_to,
    }


def band(recs: pl.DataFrame, doubts: list[dict], teams: list[tuple[str, str]] | None = None) -> pl.DataFrame:
    in_doubt = pl.DataFrame(doubts, schema=IN_DOUBT_SCHEMA)
    # the children in the person file: those counted, and E (on no plan)
    people = sorted({*recs["person_id"].to_list(), "E"})
    candidate_teams = pl.DataFrame(
        teams
        if teams is not None
        else [(p, t) for p, t in zip(recs["person_id"], recs["team_id"], strict=True)]
        + [(p, "unallocated") for p in people],
        schema={"person_id": pl.String, "team_id": pl.String},
        orient="row",
    )
    candidates = pl.DataFrame(schema={"indicator_ref": pl.String, "period_end": pl.Date, "person_id": pl.String})
    return (
        bands(recs.lazy(), in_doubt.lazy(), candidates.lazy(), candidate_teams.lazy(), CATALOGUE, [E])
        .collect()
        .sort("indicator_ref", "team_id", nulls_last=False)
    )


def whole(frame: pl.DataFrame, ref: str) -> tuple[int, float | None, float | None]:
    row = frame.filter((pl.col("indicator_ref") == ref) & pl.col("team_id").is_null()).row(0, named=True)
    return row["records_in_doubt"], row["value_low"], row["value_high"]


# 4 children on CP plans, 3 visited in time: 75%.
VISITS = [("A", "T1", True), ("B", "T1", True), ("C", "T2", True), ("D", "T2", False)]
IN_WINDOW = (date(2023, 8, 25), date(2023, 8, 25))
LONG_AGO = (date(2022, 1, 1), date(2022, 1, 1))


def test_nothing_in_doubt_the_band_is_the_figure():
    out = band(records("4.7.2", VISITS), [])
    assert whole(out, "4.7.2") == (0, 75.0, 75.0)
    assert out.filter(pl.col("team_id") == "T1").row(0, named=True)["value_low"] == 100.0


def test_an_undated_visit_can_only_bring_a_child_in():
    # a visit with no date for D (not visited): D may have been visited in time; nobody can fall out through it
    out = band(records("4.7.2", VISITS), [doubt("4.7.2", "measure", "ssd_cp_visits", "V9", "D")])
    assert whole(out, "4.7.2") == (1, 75.0, 100.0)


def test_a_doubted_visit_that_counts_today_can_take_its_child_out():
    # A's visit in the window is in doubt (its date may be wrong): A may not have been visited
    counted = doubt("4.7.2", "measure", "ssd_cp_visits", "V1", "A", dated=IN_WINDOW)
    assert whole(band(records("4.7.2", VISITS), [counted]), "4.7.2") == (1, 50.0, 75.0)
    # ... a doubted visit of A's long before the window is not what brings A in
    old = doubt("4.7.2", "measure", "ssd_cp_visits", "V0", "A", on=(None, None), dated=LONG_AGO)
    assert whole(band(records("4.7.2", VISITS), [old]), "4.7.2") == (0, 75.0, 75.0)


def test_a_doubted_plan_of_a_child_not_counted_may_add_one():
    # a CP plan of E with a wrong start date: E may be on a plan at E and not visited, or visited
    out = band(records("4.7.2", VISITS), [doubt("4.7.2", "membership", "ssd_cp_plans", "CPE", "E")])
    assert whole(out, "4.7.2") == (1, 60.0, 80.0)
    # the count of children on plans could be one more
    on_plans = [(p, t, True) for p, t, _ in VISITS]
    count = band(records("1.3", on_plans), [doubt("1.3", "membership", "ssd_cp_plans", "CPE", "E")])
    assert whole(count, "1.3") == (1, 4.0, 5.0)


def test_a_row_rejected_at_load_could_be_anyones():
    rejected = doubt("4.7.2", "measure", "ssd_cp_visits", None, None)
    assert whole(band(records("4.7.2", VISITS), [rejected]), "4.7.2") == (1, 75.0, 100.0)
    # a plan row rejected at load: one more child may be on a plan, visited or not
    plan = doubt("4.7.2", "membership", "ssd_cp_plans", None, None)
    assert whole(band(records("4.7.2", VISITS), [plan]), "4.7.2") == (1, 60.0, 80.0)


def test_a_visit_for_a_child_not_in_the_person_file_could_be_any_childs():
    orphan = doubt("4.7.2", "measure", "ssd_cp_visits", "V7", "NOBODY")
    assert whole(band(records("4.7.2", VISITS), [orphan]), "4.7.2") == (1, 75.0, 100.0)


def test_a_doubted_plan_moves_its_own_record_for_a_plan_level_indicator():
    plans = records("4.8", [("A", "T1", True), ("B", "T1", False)])
    review = doubt("4.8", "measure", "ssd_cp_reviews", "R1", None)
    plan = doubt("4.8", "membership", "ssd_cp_plans", "CPA", None)
    # the plan's own doubt moves it either way; the review names no plan or child: it could be any plan's, one
    # more plan reviewed or not
    low, high = whole(band(plans, [review, plan]), "4.8")[1:]
    assert high is not None and (low, round(high, 2)) == (0.0, 66.67)


def test_an_allocation_doubt_moves_a_child_between_teams_not_the_whole_figure():
    out = band(
        records("4.7.2", VISITS),
        [doubt("4.7.2", "allocation", "ssd_involvements", "INV1", "A")],
        teams=[("A", "T1"), ("A", "T2"), ("B", "T1"), ("C", "T2"), ("D", "T2")],
    )
    assert whole(out, "4.7.2") == (0, 75.0, 75.0)
    t1 = out.filter(pl.col("team_id") == "T1").row(0, named=True)
    t2 = out.filter(pl.col("team_id") == "T2").row(0, named=True)
    # T1 may lose A (visited); T2 may gain A
    assert (t1["value_low"], t1["value_high"]) == (50.0, 100.0)
    assert (round(t2["value_low"], 2), round(t2["value_high"], 2)) == (33.33, 66.67)


def values_with(band_row: tuple[float, float, int], value: float = 75.0) -> pl.DataFrame:
    low, high, doubted = band_row
    return pl.DataFrame(
        {
            "indicator_ref": ["4.7.2"],
            "period_end": [E],
            "team_id": [None],
            "numerator": [3],
            "denominator": [4],
            "value": [value],
            "rag": ["red"],
            "records_in_doubt": [doubted],
            "value_low": [low],
            "value_high": [high],
            "status": [None],
            "status_reason": [None],
        },
        schema_overrides={"team_id": pl.String, "status": pl.String, "status_reason": pl.String},
    )


def test_a_band_inside_the_tolerance_publishes_one_across_a_boundary_or_wider_withholds():
    def status(low, high, doubted, value=85.0):
        gated = with_statuses(values_with((low, high, doubted), value), CATALOGUE, {}, {})
        return gated.row(0, named=True)["status"], gated.row(0, named=True)["rag"]

    assert status(85.0, 85.0, 0) == ("published", "red")
    assert status(84.6, 85.4, 2) == ("published", "red")  # within 1 point, all amber
    assert status(84.0, 85.5, 3)[0] == "published"  # 1 point below: at the tolerance
    assert status(83.9, 85.5, 3)[0] == "withheld"  # beyond it
    assert status(79.6, 80.4, 2, value=80.1)[0] == "withheld"  # could be red or amber


def test_material_names_the_band_in_its_reason():
    frame = values_with((70.0, 80.0, 5))
    is_material, why = material(CATALOGUE["4.7.2"], CATALOGUE)
    row = frame.select(is_material.alias("m"), why.alias("why")).row(0)
    assert row[0] and "5 record(s) in doubt" in row[1] and "from 70.0 to 80.0" in row[1]


def test_a_withheld_whole_figure_has_no_band_and_no_rag():
    gated = with_statuses(values_with((75.0, 75.0, 0)), CATALOGUE, {}, {"4.7.2": "every record is in doubt: a test"})
    assert_frame_equal(
        gated.select("status", "rag", "value_low", "value_high"),
        pl.DataFrame(
            {"status": ["withheld"], "rag": [None], "value_low": [None], "value_high": [None]},
            schema={"status": pl.String, "rag": pl.String, "value_low": pl.Float64, "value_high": pl.Float64},
        ),
    )


@settings(max_examples=40, deadline=None)
@given(
    flags=st.lists(st.booleans(), min_size=1, max_size=8),
    doubted=st.lists(
        st.tuples(st.sampled_from(["membership", "measure", "allocation"]), st.integers(0, 9), st.booleans()),
        max_size=6,
    ),
)
def test_the_band_always_holds_the_figure(flags, doubted):
    people = [(f"P{i}", f"T{i % 2}", f) for i, f in enumerate(flags)]
    doubts = [
        doubt(
            "4.7.2",
            role,
            "ssd_involvements" if role == "allocation" else "ssd_cp_visits",
            f"R{j}",
            f"P{k}",
            dated=IN_WINDOW if inside else None,
        )
        for j, (role, k, inside) in enumerate(doubted)
    ]
    out = band(records("4.7.2", people), doubts)
    n, d = sum(flags), len(flags)
    rows = out.filter(pl.col("indicator_ref") == "4.7.2")
    for row in rows.iter_rows(named=True):
        assert row["value_low"] <= row["value_high"]
    # the whole authority's figure: there is exactly one, and its band holds the figure the records give
    (whole,) = rows.filter(pl.col("team_id").is_null()).iter_rows(named=True)
    assert whole["value_low"] <= 100.0 * n / d <= whole["value_high"]
