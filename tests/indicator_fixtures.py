"""Build conformed tables from tiny inline staging CSVs, and compute one indicator on them."""

from __future__ import annotations

from datetime import date

import polars as pl

from declarations.catalogue import load_catalogue
from declarations.contract import TABLES
from tests.frames import staging
from transforms.conformed import build_conformed
from transforms.indicators import DEFINITIONS, Conformed, indicator_values

CATALOGUE = load_catalogue()


def conformed(as_of: date = date(2023, 8, 31), **csvs: str) -> Conformed:
    frames = {t.name: staging(t.name, csvs.get(t.name, t.key)) for t in TABLES}
    # a person row for every child mentioned, unless the test gives ssd_person itself
    build = build_conformed(frames, as_of=as_of)
    tables = {name: frame.collect().lazy() for name, frame in build.tables.items()}
    return Conformed(**{f: tables[f] for f in Conformed.__dataclass_fields__})


def records(ref: str, c: Conformed, e: date = date(2023, 8, 31)) -> pl.DataFrame:
    return DEFINITIONS[CATALOGUE[ref].definition](c, CATALOGUE, CATALOGUE[ref], e).collect().sort("record_id")


def numerator_ids(ref: str, c: Conformed, e: date = date(2023, 8, 31)) -> tuple[list[str], list[str]]:
    """(ids in the numerator, ids in the denominator only)."""
    r = records(ref, c, e)
    return (
        r.filter(pl.col("in_numerator"))["record_id"].to_list(),
        r.filter(~pl.col("in_numerator"))["record_id"].to_list(),
    )


def values(c: Conformed, ends: list[date], refs: list[str]) -> pl.DataFrame:
    frames = []
    for ref in refs:
        for e in ends:
            frames.append(
                DEFINITIONS[CATALOGUE[ref].definition](
                    c, CATALOGUE, CATALOGUE[ref.removesuffix(".rate")], e
                ).with_columns(pl.lit(ref.removesuffix(".rate")).alias("indicator_ref"), pl.lit(e).alias("period_end"))
            )
    return indicator_values(pl.concat(frames), CATALOGUE, ends).collect()
