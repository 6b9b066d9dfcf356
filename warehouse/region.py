"""``region.duckdb``: each council's published figures (read from its own ``marts.duckdb``, read-only) beside each
other and the region's. The file is built whole beside the old one and swapped in, so a reader never sees half a
region and a failed build leaves the last one."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from declarations.catalogue import Catalogue
from declarations.registry import declared, in_layer
from transforms.region import region_indicator_values
from warehouse.db import arrow_frame, write_database
from warehouse.marts import marts_path

REGION_FILE = "region.duckdb"


def region_path(region_dir: Path) -> Path:
    return Path(region_dir) / REGION_FILE


def whole_service_values(warehouse_dir: Path) -> pl.DataFrame:
    """A council's published whole-service figures (``marts.indicator_values`` with no team); none when it has
    never published."""
    table = declared("marts.indicator_values")
    path = marts_path(warehouse_dir)
    if not path.is_file():
        return table.empty()
    with duckdb.connect(str(path), read_only=True) as con:
        return table.conform(arrow_frame(con.sql("SELECT * FROM indicator_values WHERE team_id IS NULL")))


def build_region(region_dir: Path, councils: pl.DataFrame, catalogue: Catalogue) -> Path:
    """Write ``region.duckdb`` from the councils' runs (``region.region_councils`` but for what is read here:
    ``indicator_values`` and ``child_population``, the catalogue's, which the councils' rates were computed with)."""
    values, counts = [], []
    for code, warehouse in councils.select("council_code", "warehouse").iter_rows():
        published = whole_service_values(Path(warehouse))
        values.append(published.with_columns(council_code=pl.lit(code, pl.String)))
        counts.append(published.height)
    frames = {
        "region_councils": councils.with_columns(
            indicator_values=pl.Series(counts, dtype=pl.Int64),
            child_population=pl.lit(catalogue.child_population, pl.Int64),
        ),
    }
    every = (
        pl.concat(values)
        if values
        else declared("marts.indicator_values").empty().with_columns(council_code=pl.lit(None, pl.String))
    )
    frames["region_indicator_values"] = region_indicator_values(
        every,
        frames["region_councils"].select("council_code", "child_population"),
        {i.ref: i.polarity for i in catalogue.indicators},
    )
    return write_region(region_dir, frames)


def write_region(region_dir: Path, frames: dict[str, pl.DataFrame]) -> Path:
    """Every region table to a new file, swapped in atomically; on any error the old file stays."""
    Path(region_dir).mkdir(parents=True, exist_ok=True)
    return write_database(region_path(region_dir), ((t, frames[t.name]) for t in in_layer("region")))
