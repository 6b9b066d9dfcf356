"""Every timescale, window, age range and period in the catalogue is read by the code that computes its figure: each
one changed moves the figure it belongs to (on a generated council's batch)."""

from __future__ import annotations

import dataclasses
from datetime import date

import duckdb
import polars as pl
import pytest

from csc.synthetic import generate_batch
from declarations.catalogue import Catalogue, load_catalogue
from transforms.conformed import SOURCES, build_conformed
from transforms.indicators import Conformed, indicator_records, indicator_values
from transforms.timescales import Timescales
from warehouse.batch import read_batch
from warehouse.db import read_tables
from warehouse.raw import load_batch
from warehouse.staging import build_staging

AS_OF = date(2023, 8, 31)
BASE = load_catalogue()


@pytest.fixture(scope="module")
def staging(tmp_path_factory) -> dict[str, pl.LazyFrame]:
    root = tmp_path_factory.mktemp("catalogue")
    generate_batch(root / "batch", as_of=AS_OF, scale="la", seed=2)
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        batch = read_batch(root / "batch")
        load_batch(con, batch, work_dir=root / "tmp")
        build_staging(con, batch.batch_id)
        frames = {name: frame.collect().lazy() for name, frame in read_tables(con, "staging", SOURCES).items()}
    return frames


_built: dict[Timescales, Conformed] = {}


def conformed_with(staging: dict[str, pl.LazyFrame], timescales: Timescales) -> Conformed:
    """The conformed tables, built once per set of timescales (most changes need no rebuild)."""
    if timescales not in _built:
        build = build_conformed(staging, as_of=AS_OF, timescales=timescales)
        tables = {name: frame.collect().lazy() for name, frame in build.tables.items()}
        _built[timescales] = Conformed(**{name: tables[name] for name in Conformed.__dataclass_fields__})
    return _built[timescales]


def figures(staging: dict[str, pl.LazyFrame], cat: Catalogue, refs: tuple[str, ...]) -> pl.DataFrame:
    conformed = conformed_with(staging, Timescales.from_catalogue(cat))
    chosen = dataclasses.replace(cat, indicators=tuple(i for i in cat.indicators if i.ref in refs))
    records = indicator_records(conformed, chosen, [AS_OF]).collect()
    return (
        indicator_values(records.lazy(), chosen, [AS_OF])
        .collect()
        .select("indicator_ref", "team_id", "numerator", "denominator", "value")
    )


def changed(cat: Catalogue, ref: str, **change) -> Catalogue:
    indicators = []
    for ind in cat.indicators:
        if ind.ref == ref:
            fields = {k: v for k, v in change.items() if k in ("period_type",)}
            params = {k: v for k, v in change.items() if k not in fields}
            ind = dataclasses.replace(ind, **fields, params=ind.params | params)
        indicators.append(ind)
    return dataclasses.replace(cat, indicators=tuple(indicators))


CHANGES: list[tuple[str, dict[str, object]]] = [
    ("1.1", {"window_days": 14}),
    ("2.1", {"timescale_working_days": 0}),
    ("2.1", {"period_type": "rolling_year"}),
    ("2.10a", {"timescale_working_days": 20}),
    ("2.10a", {"period_type": "rolling_year"}),
    ("3.2", {"window_months": 1}),
    ("3.3", {"window_days": 7}),
    ("4.7.2", {"timescale_working_days": 3}),
    ("4.8", {"first_review_months": 1}),
    ("4.8", {"later_review_months": 2}),
    ("5.10", {"window_days": 90}),
    ("5.11", {"window_days": 14}),
    ("5.11", {"new_episode_grace_days": 120}),
    ("5.18", {"first_review_working_days": 5}),
    ("5.18", {"second_review_months": 1}),
    ("5.18", {"later_review_months": 2}),
    ("5.18", {"period_type": "ytd"}),
    ("6.1", {"window_days": 30}),
]


@pytest.mark.parametrize(("ref", "change"), CHANGES, ids=[f"{r}-{next(iter(c))}" for r, c in CHANGES])
def test_each_timescale_window_and_period_moves_its_figure(staging, ref, change):
    before = figures(staging, BASE, (ref,)).filter(pl.col("team_id").is_null())
    after = figures(staging, changed(BASE, ref, **change), (ref,)).filter(pl.col("team_id").is_null())
    assert before.row(0, named=True)["denominator"] > 0
    assert after.rows() != before.rows(), f"{ref}: changing {change} moved nothing"


@pytest.mark.parametrize(
    ("setting", "value", "refs"),
    [
        ("care_leaver_min_age", 19, ("6.1", "6.2", "6.3")),
        ("care_leaver_max_age", 19, ("6.1", "6.2", "6.3")),
        ("child_population", 32150, ("1.3.rate", "1.4.rate")),
        ("unallocated_team", "no team", ("2.1",)),
    ],
)
def test_each_setting_moves_the_figures_it_belongs_to(staging, setting, value, refs):
    counted = tuple({r.removesuffix(".rate") for r in refs} | set(refs))
    before = figures(staging, BASE, counted)
    after = figures(staging, dataclasses.replace(BASE, **{setting: value}), counted)
    for ref in refs:
        assert (
            after.filter(pl.col("indicator_ref") == ref).rows() != before.filter(pl.col("indicator_ref") == ref).rows()
        ), f"{ref}: changing {setting} moved nothing"


def test_a_measure_at_the_period_end_refuses_a_period_it_cannot_have(staging):
    with pytest.raises(ValueError, match="4.7.2 is measured at the period end: its period_type must be snapshot"):
        figures(staging, changed(BASE, "4.7.2", period_type="ytd"), ("4.7.2",))
    with pytest.raises(ValueError, match="2.1 counts events over a period"):
        figures(staging, changed(BASE, "2.1", period_type="snapshot"), ("2.1",))
