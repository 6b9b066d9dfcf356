"""The data dictionary analysts read, generated from the one declaration of every table and column."""

from __future__ import annotations

from warehouse.conformed import CONFORMED_TABLES
from warehouse.contract import TABLES, Column
from warehouse.marts import MART_TABLES
from warehouse.raw import RAW_METADATA_COLUMNS
from warehouse.staging import LINEAGE_COLUMNS

_STAGING_TYPE_NOTE = {
    "date": "parsed from ISO, UK day-first or SQL Server datetime; 1900-01-01 -> NULL",
    "flag": "Y/N -> true/false",
    "id": "text; -1 -> NULL (except the key)",
    "code": "code",
}


def _staging_note(c: Column) -> str:
    if c.kind == "code" and c.mapping:
        return f"descriptions mapped to codes ({c.mapping}); unmapped values kept"
    return _STAGING_TYPE_NOTE.get(c.kind, "")


def data_dictionary_markdown() -> str:
    out = [
        "# Data dictionary",
        "",
        "Generated from `warehouse/contract.py` by `csc dictionary`; do not edit by hand.",
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
        "expected table per batch: status `loaded`, `loaded_with_rejects`, `failed`, `missing` or `ignored`, with",
        "the reason), `raw.load_rejects` (rows that did not parse as CSV: file, line, column, reason, the line as",
        "received), `staging.rejected_values` (values that could not be typed: file, row, record id, column,",
        "value, reason), `staging.cleaning_summary` (per column: missing, sentinels normalised, values rejected,",
        "descriptions mapped, unmapped codes), `staging.code_mappings` (every received code value and its code),",
        "`staging.current_batch` (the batch staging was built from).",
        "",
        "## Contract tables",
    ]
    for t in TABLES:
        out += [
            "",
            f"### {t.name}{' (local extension)' if t.ext else ''}",
            "",
            t.description,
            "",
            f"Primary key: `{t.key}`.",
            "",
            "| column | staging type | description | cleaning |",
            "|---|---|---|---|",
        ]
        out += [f"| `{c.name}` | {c.duckdb_type} | {c.description} | {_staging_note(c)} |" for c in t.columns]
    out += [
        "",
        "## Conformed tables (`warehouse.duckdb`, schema `conformed`)",
        "",
        "Built from staging by pure polars transforms (`transforms/`). Also: `conformed.reconciliation` (per run and",
        "staging table: rows received, carried, excluded; kept for every run), `conformed.excluded_records` (each",
        "staging row not carried, with the reason) and `conformed.orphan_records` (rows whose child is not in",
        "`conformed.child`).",
    ]
    for t in CONFORMED_TABLES:
        out += ["", f"### conformed.{t.name}", "", t.description, "", f"Key: `{', '.join(t.key)}`.", ""]
        out += ["| column | description |", "|---|---|", *[f"| `{c}` | {d} |" for c, d in t.columns]]
    out += [
        "",
        "## Published marts (`marts.duckdb`)",
        "",
        "The file analysts and reports read. Each run builds a new file and swaps it in whole, so a connection held",
        "open keeps the publication it opened and a failed run leaves the last good one. No names, dates of birth",
        "or addresses.",
    ]
    for t in MART_TABLES:
        out += ["", f"### {t.name}", "", t.description, ""]
        out += ["| column | description |", "|---|---|", *[f"| `{c}` | {d} |" for c, d in t.columns]]
    return "\n".join(out) + "\n"
