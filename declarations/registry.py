"""Every table of every layer, in one place: raw and staging (built from the extract contract), conformed, the
pipeline's own records (ops, dq and the load, cleaning and reconciliation tables) and the published marts.

Whatever describes a table reads it from here: DDL and DuckDB comments (``Declared.create_sql``), polars schemas,
the data dictionary (``csc dictionary``), and the declared checks (keys unique and not null, references found).
"""

from __future__ import annotations

from declarations.conformed import CONFORMED_TABLES
from declarations.contract import TABLES, Table
from declarations.marts import MART_TABLES
from declarations.operations import OPERATIONS_TABLES, RAW_METADATA, STAGING_LINEAGE
from declarations.region import REGION_TABLES
from declarations.tables import Declared, Field


def raw_table(t: Table) -> Declared:
    """An extract table as received: every column as text, with the load's metadata."""
    return Declared(
        "raw",
        t.name,
        t.description,
        columns=(*(Field(c.name, "VARCHAR", c.description) for c in t.columns), *RAW_METADATA),
    )


def staging_table(t: Table) -> Declared:
    """An extract table typed and cleaned, with the lineage of each row. Its key is not declared unique here: a
    key received twice is kept in staging and excluded (and reported) on the way to conformed."""
    return Declared(
        "staging",
        t.name,
        t.description,
        columns=(
            *(Field(c.name, c.duckdb_type, c.description, source=f"raw.{t.name}.{c.name}") for c in t.columns),
            *STAGING_LINEAGE,
        ),
    )


REGISTRY: dict[str, Declared] = {
    d.qualified: d
    for d in (
        *(raw_table(t) for t in TABLES),
        *(staging_table(t) for t in TABLES),
        *CONFORMED_TABLES,
        *OPERATIONS_TABLES,
        *MART_TABLES,
        *REGION_TABLES,
    )
}


def declared(qualified: str) -> Declared:
    """The declaration of ``layer.table``."""
    try:
        return REGISTRY[qualified]
    except KeyError:
        raise KeyError(f"no table {qualified!r} is declared (declarations.registry)") from None


def in_layer(layer: str) -> tuple[Declared, ...]:
    return tuple(d for d in REGISTRY.values() if d.layer == layer)
