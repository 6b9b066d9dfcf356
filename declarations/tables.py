"""How a table of any layer is declared: its columns with type and description, its key, what it refers to and, for a
derived column, where it comes from. The DDL, the DuckDB comments, the polars schemas, the data dictionary and the
declared checks (unique, not null, relationships) are all read from these declarations (``declarations.registry``).

The extract tables themselves are declared in ``declarations.contract`` (with what the loaders need to type and
clean them); their raw and staging forms are built from there into this shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

Layer = Literal["raw", "staging", "conformed", "marts", "ops", "dq", "region"]
# Which DuckDB file a layer's tables live in: analysts read marts.duckdb only.
DATABASE: dict[Layer, str] = {
    "raw": "warehouse.duckdb",
    "staging": "warehouse.duckdb",
    "conformed": "warehouse.duckdb",
    "ops": "warehouse.duckdb",
    "dq": "warehouse.duckdb",
    "marts": "marts.duckdb",
    "region": "region.duckdb",
}

# DuckDB's type -> polars' (the types the declarations use).
_POLARS: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "DATE": pl.Date(),
    "BOOLEAN": pl.Boolean(),
    "BIGINT": pl.Int64(),
    "TINYINT": pl.Int8(),
    "INTEGER": pl.Int32(),
    "UINTEGER": pl.UInt32(),
    "DOUBLE": pl.Float64(),
    "TIMESTAMP": pl.Datetime("us"),
    "VARCHAR[]": pl.List(pl.String()),
    "MAP(VARCHAR, VARCHAR)": pl.List(pl.Struct({"key": pl.String(), "value": pl.String()})),
    "STRUCT(table_name VARCHAR, visit_id VARCHAR)[]": pl.List(
        pl.Struct({"table_name": pl.String(), "visit_id": pl.String()})
    ),
}


@dataclass(frozen=True)
class Field:
    """A column: its name, DuckDB type and what it means."""

    name: str
    type: str
    description: str
    # Where a derived column comes from: "table.column" of the layer below (several, comma-separated).
    source: str = ""
    # "layer.table.column" this column refers to: every non-null value must be there.
    references: str = ""

    @property
    def polars_type(self) -> pl.DataType:
        return _POLARS[self.type]


@dataclass(frozen=True)
class Declared:
    """A table: layer, name, description, columns; ``key`` is unique and never null."""

    layer: Layer
    name: str
    description: str
    columns: tuple[Field, ...]
    key: tuple[str, ...] = ()
    # The one column naming a record in reports (orphans, exclusions), where the key is several columns.
    record_id: str = ""

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        unknown = [k for k in (*self.key, *filter(None, [self.record_id])) if k not in names]
        if unknown or len(set(names)) != len(names):
            raise ValueError(f"{self.qualified}: key or record id not among its columns, or a column twice: {unknown}")

    @property
    def schema(self) -> str:
        """The DuckDB schema: marts live in marts.duckdb's main schema, the region's tables in region.duckdb's."""
        return "main" if self.layer in ("marts", "region") else self.layer

    @property
    def qualified(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def sql_name(self) -> str:
        return f"{quote(self.schema)}.{quote(self.name)}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def record_column(self) -> str:
        return self.record_id or self.key[0]

    def column(self, name: str) -> Field:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.qualified} has no column {name!r}")

    def polars_schema(self, *, without: tuple[str, ...] = ()) -> dict[str, pl.DataType]:
        return {c.name: c.polars_type for c in self.columns if c.name not in without}

    def create_sql(self) -> list[str]:
        """The statements that create the schema and the table if they are not there."""
        columns = [f"{quote(c.name)} {c.type}" for c in self.columns]
        if self.key:
            columns.append(f"PRIMARY KEY ({', '.join(quote(k) for k in self.key)})")
        return [
            f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema)}",
            f"CREATE TABLE IF NOT EXISTS {self.sql_name} ({', '.join(columns)})",
        ]

    def add_column_sql(self, name: str) -> str:
        """Adds a column declared since the table was made (a warehouse made by an earlier release gains it)."""
        return f"ALTER TABLE {self.sql_name} ADD COLUMN IF NOT EXISTS {quote(name)} {self.column(name).type}"

    def comments_sql(self) -> list[str]:
        return [
            f"COMMENT ON TABLE {self.sql_name} IS {literal(self.description)}",
            *[f"COMMENT ON COLUMN {self.sql_name}.{quote(c.name)} IS {literal(c.description)}" for c in self.columns],
        ]

    def check_sql(self) -> list[tuple[str, str]]:
        """The declared checks: (what is checked, SQL counting the rows that break it). The key is unique and never
        null; every value of a column that refers to another table is found there."""
        checks = []
        if self.key:
            keys = ", ".join(quote(k) for k in self.key)
            checks.append(
                (
                    f"{self.qualified}: ({', '.join(self.key)}) unique",
                    f"SELECT count(*) - count(DISTINCT ({keys})) FROM {self.sql_name}",
                )
            )
            checks += [
                (f"{self.qualified}.{k} not null", f"SELECT count(*) FROM {self.sql_name} WHERE {quote(k)} IS NULL")
                for k in self.key
            ]
        for c in self.columns:
            if c.references:
                layer, table, column = (quote(part) for part in c.references.split("."))
                found = f"SELECT {column} FROM {layer}.{table} WHERE {column} IS NOT NULL"
                checks.append(
                    (
                        f"{self.qualified}.{c.name} found in {c.references}",
                        f"SELECT count(*) FROM {self.sql_name} WHERE {quote(c.name)} NOT IN ({found})",
                    )
                )
        return checks

    def conform(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The frame in the declared columns, order and types. A column built but not declared, or declared but
        not built, is a programming error caught here rather than published undescribed."""
        built, declared = set(frame.columns), set(self.column_names)
        if built != declared:
            raise ValueError(
                f"{self.qualified}: built columns differ from the declaration "
                f"(undeclared: {sorted(built - declared)}, not built: {sorted(declared - built)})"
            )
        return frame.select(self.column_names).cast(pl.Schema(self.polars_schema()))

    def empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.polars_schema())


def quote(name: str) -> str:
    """A DuckDB identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A DuckDB string literal."""
    return "'" + value.replace("'", "''") + "'"
