"""Comparators: the England, regional and neighbours' figures set beside each indicator, and the file they are in."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from declarations.comparators import Comparator, ComparatorError, load_comparators, parse_comparators
from tests.frames import expected
from tests.indicator_fixtures import CATALOGUE
from transforms.publication import comparator_values

REFS = frozenset(i.ref for i in CATALOGUE.indicators)


def test_the_shipped_comparators_are_englands_for_the_rates():
    shipped = load_comparators(refs=REFS)
    assert {(c.indicator_ref, c.year, c.kind, c.value) for c in shipped} == {
        ("1.4.rate", 2025, "england", 67.0),
        ("1.3.rate", 2025, "england", 40.0),
        ("7.1", 2025, "england", 22.6),
    }
    assert all(c.source.startswith("DfE") for c in shipped)


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ('indicator_ref = "1.4.rate"\nyear = 2025\nkind = "national"\nvalue = 1', "kind must be one of"),
        ('indicator_ref = "1.4.rate"\nyear = "2025"\nkind = "england"\nvalue = 1', "year must be a year"),
        ('indicator_ref = "1.4.rate"\nyear = 2025\nkind = "england"\nvalue = "67"', "value must be a number"),
        ('indicator_ref = "9.9"\nyear = 2025\nkind = "england"\nvalue = 1', "has no indicator '9.9'"),
        ('indicator_ref = "1.4.rate"\nkind = "england"\nvalue = 1', "missing year"),
    ],
)
def test_a_comparators_file_a_council_gets_wrong_is_refused_naming_the_entry(entry: str, error: str):
    with pytest.raises(ComparatorError, match=error) as refused:
        parse_comparators(f"[[comparator]]\n{entry}\n", source="ours.toml", refs=REFS)
    assert str(refused.value).startswith("ours.toml: comparator 1")


def test_the_same_comparator_given_twice_is_refused():
    entry = '[[comparator]]\nindicator_ref = "1.4.rate"\nyear = 2025\nkind = "england"\nvalue = 1\n'
    with pytest.raises(ComparatorError, match="given twice"):
        parse_comparators(entry * 2, refs=REFS)


def test_each_value_gets_the_latest_comparators_up_to_its_financial_year():
    values = pl.DataFrame(
        {
            "indicator_ref": ["1.4.rate", "1.4.rate", "1.4.rate", "4.7.2"],
            "period_end": [date(2023, 3, 31), date(2023, 4, 30), date(2021, 3, 31), date(2023, 4, 30)],
        }
    )
    comparators = (
        Comparator("1.4.rate", 2023, "england", 71.0),
        Comparator("1.4.rate", 2024, "england", 70.0),
        Comparator("1.4.rate", 2024, "region", 60.5),
        Comparator("1.4.rate", 2022, "statistical_neighbours", 55.0),
    )
    out = comparator_values(values, comparators)
    schema = {
        "indicator_ref": pl.String,
        "period_end": pl.Date,
        "comparator_year": pl.Int64,
        "england_value": pl.Float64,
        "region_value": pl.Float64,
        "statistical_neighbours_value": pl.Float64,
    }
    assert_frame_equal(
        out,
        expected(
            schema,
            [
                # 31 March 2023 is in the year ending 31 March 2023; a month later, the year ending March 2024
                ("1.4.rate", date(2023, 3, 31), 2023, 71.0, None, None),
                ("1.4.rate", date(2023, 4, 30), 2024, 70.0, 60.5, None),
                # before any year the file has: its earliest, with that year shown
                ("1.4.rate", date(2021, 3, 31), 2022, None, None, 55.0),
                # none for the indicator
                ("4.7.2", date(2023, 4, 30), None, None, None, None),
            ],
        ),
    )
    assert_frame_equal(
        comparator_values(values, ()), expected(schema, [(*r, None, None, None, None) for r in values.rows()])
    )
