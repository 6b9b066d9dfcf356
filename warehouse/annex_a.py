"""What Ofsted's Annex A lists are built from: the conformed tables and, for HasDisability, the disability
records staging holds. Read-only: Annex A is written to files only where it is asked for (``csc annex-a``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from declarations.catalogue import Catalogue
from transforms.annex_a import MORE_TABLES, annex_a_lists
from warehouse.db import connect, fetch_one
from warehouse.marts import data_not_supplied, published_as_of, read_conformed


class AnnexAError(Exception):
    """The warehouse cannot give the lists: nothing loaded yet, or a date outside the data."""


def build_annex_a(
    warehouse_dir: Path, cat: Catalogue, *, as_of: date | None = None, months: int = 6
) -> tuple[date, dict[int, pl.DataFrame]]:
    """The lists for ``as_of`` (default: the date of the figures published now), from the warehouse's conformed
    tables, read-only."""
    published = published_as_of(warehouse_dir)
    as_of = as_of or published
    if as_of is None:
        raise AnnexAError(f"{warehouse_dir}: nothing has been published here yet (run `csc run` first)")
    if published is not None and as_of > published:
        raise AnnexAError(f"{as_of} is after the date of the data loaded ({published}): the lists would be incomplete")
    with connect(warehouse_dir, read_only=True) as con:
        conformed = read_conformed(con)
        batch_id = fetch_one(con.execute("SELECT max(batch_id) FROM staging.current_batch"))[0]
        not_supplied, _ = data_not_supplied(con, batch_id)
        disabled = None
        if "ssd_disability" not in not_supplied:
            disabled = con.sql(
                "SELECT DISTINCT disa_person_id AS person_id FROM staging.ssd_disability "
                "WHERE disa_person_id IS NOT NULL AND upper(coalesce(disa_disability_code, '')) NOT IN ('', 'NONE')"
            ).pl()
        more = {
            name: None if name in not_supplied else con.sql(f"SELECT * FROM staging.{name}").pl().lazy()
            for name in MORE_TABLES
        }
        lists = annex_a_lists(conformed, disabled.lazy() if disabled is not None else None, cat, as_of, months, more)
    return as_of, lists
