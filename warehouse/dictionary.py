"""The data dictionary analysts read, generated from the one declaration of every table and column."""

from __future__ import annotations

from declarations.contract import TABLES, TABLES_BY_NAME, Column, Table
from declarations.systems import SYSTEMS, tables_exported
from warehouse.conformed import CONFORMED_TABLES
from warehouse.marts import MART_TABLES
from warehouse.raw import RAW_METADATA_COLUMNS
from warehouse.staging import LINEAGE_COLUMNS

_STAGING_TYPE_NOTE = {
    "date": "parsed from ISO, UK day-first or SQL Server datetime; 1900-01-01 -> NULL",
    "flag": "Y/N -> true/false",
    "id": "text; -1 -> NULL (except the key)",
    "code": "code",
}


_GROUPS = {
    "core": "Every nightly export must have these: a missing file withholds the figures built on it.",
    "extension": "Local extensions a council adds to its export to supply indicators 1.1, 2.1 and 3.2; without "
    "them those indicators are published as unavailable.",
    "more": "The SSD's other tables: loaded, typed and documented when the export has them, never required.",
}


def _staging_note(c: Column) -> str:
    notes = []
    if c.kind == "code" and c.mapping:
        notes.append(f"descriptions mapped to codes ({c.mapping}); unmapped values kept")
    elif c.past_raw == "postcode_sector":
        notes.append("cut to the postcode sector")
    elif c.past_raw == "dropped":
        notes.append("kept in raw only (NULL in staging)")
    else:
        notes.append(_STAGING_TYPE_NOTE.get(c.kind, ""))
    if c.derived_via:
        notes.append(f"derived from {c.derived_via} where the export has no {c.name}")
    return "; ".join(n for n in notes if n)


def _systems_section() -> list[str]:
    """Each case system's SSD build against the contract, from declarations.systems."""
    out = [
        "",
        "## Case systems",
        "",
        "Each case system's SSD build writes the tables with some columns renamed or left out. The loader finds each",
        "file's shape from its header (`raw.load_manifest.export_shape`), or is told it (`csc run --system`): a",
        "renamed column is read under its contract name, a left-out person id is derived from the row it refers to,",
        "and any other left-out column is NULL. No system exports the local extensions.",
        "",
        "| system | build | renamed (export name -> contract name) | left out (derived from) | tables not built |",
        "|---|---|---|---|---|",
    ]
    for s in SYSTEMS.values():
        renamed, absent = [], []
        for name, shape in s.tables.items():
            renamed += [f"`{name}.{received}` -> `{column}`" for column, received in shape.renamed.items()]
            for column in shape.absent:
                via = next(c.derived_via for c in TABLES_BY_NAME[name].columns if c.name == column)
                absent.append(f"`{name}.{column}`" + (f" (`{via}`)" if via else ""))
        not_built = [t.name for t in TABLES if not t.ext and t not in tables_exported(s)]
        out.append(
            f"| `{s.name}` | {s.label} | {', '.join(renamed) or '-'} | {', '.join(absent) or '-'} | "
            f"{', '.join(f'`{t}`' for t in not_built) or '-'} |"
        )
    return out


def _table_section(t: Table) -> list[str]:
    out = [
        "",
        f"### {t.name}",
        "",
        t.description,
        "",
        f"Primary key: `{t.key}`."
        + (f" A record is known from one night to the next by `{t.record_key}`." if t.stable_key else ""),
        "",
        "| column | staging type | description | cleaning |",
        "|---|---|---|---|",
    ]
    out += [f"| `{c.name}` | {c.duckdb_type} | {c.description} | {_staging_note(c)} |" for c in t.columns]
    return out


def data_dictionary_markdown() -> str:
    out = [
        "# Data dictionary",
        "",
        "Generated from `declarations/contract.py` by `csc dictionary`; do not edit by hand.",
        "",
        "Every contract table exists twice in `warehouse.duckdb`: `raw.<table>` (every column as text, as",
        "received, plus load metadata) and `staging.<table>` (typed and cleaned, plus lineage). The same",
        "descriptions are stored as DuckDB comments (`SELECT * FROM duckdb_columns()`).",
        "",
        "## Load metadata",
        "",
        "| raw column | type | description |",
        "|---|---|---|",
        *[f"| `{n}` | {t} | {d} |" for n, t, d in RAW_METADATA_COLUMNS],
        "",
        "| staging column | type | description |",
        "|---|---|---|",
        *[f"| `{n}` | {t} | {d} |" for n, t, d in LINEAGE_COLUMNS],
        "",
        "Other tables: `raw.load_batches` (one row per batch loaded), `raw.load_manifest` (one row per file or",
        "expected table per batch: status `loaded`, `loaded_with_rejects`, `failed`, `missing` (a core table with",
        "no file), `not_supplied` (an optional table with no file) or `ignored`, with the reason; the file's",
        "`export_shape`, `delimiter`, and the columns it renamed, lacked and had derived), `raw.load_rejects`",
        "(rows that did not parse as CSV: file, line, column, reason, the line as received),",
        "`staging.rejected_values` (values that could not be typed: file, row, record id, column, value, reason),",
        "`staging.cleaning_summary` (per column: missing, sentinels normalised, values rejected, descriptions",
        "mapped, unmapped codes, person ids derived), `staging.code_mappings` (every received code value and its",
        "code), `staging.current_batch` (the batch staging was built from).",
        "",
    ]
    out += _systems_section()
    for group, heading in (
        ("core", "Core SSD tables"),
        ("extension", "Local extensions"),
        ("more", "Other SSD tables"),
    ):
        out += ["", f"## {heading}", "", _GROUPS[group]]
        for t in TABLES:
            if t.group == group:
                out += _table_section(t)
    out += [
        "",
        "## Conformed tables (`warehouse.duckdb`, schema `conformed`)",
        "",
        "Built from staging by pure polars transforms (`transforms/`). Also: `conformed.reconciliation` (per run and",
        "staging table: rows received, carried, excluded; kept for every run), `conformed.excluded_records` (each",
        "staging row not carried, with the reason) and `conformed.orphan_records` (rows whose child is not in",
        "`conformed.child`).",
    ]
    for ct in CONFORMED_TABLES:
        out += ["", f"### conformed.{ct.name}", "", ct.description, "", f"Key: `{', '.join(ct.key)}`.", ""]
        out += ["| column | description |", "|---|---|", *[f"| `{c}` | {d} |" for c, d in ct.columns]]
    out += [
        "",
        "## Published marts (`marts.duckdb`)",
        "",
        "The file analysts and reports read. Each run builds a new file and swaps it in whole, so a connection held",
        "open keeps the publication it opened and a failed run leaves the last good one. No names, dates of birth",
        "or addresses.",
    ]
    for mt in MART_TABLES:
        out += ["", f"### {mt.name}", "", mt.description, ""]
        out += ["| column | description |", "|---|---|", *[f"| `{c}` | {d} |" for c, d in mt.columns]]
    return "\n".join(out) + "\n"
