"""The data dictionary analysts read, generated from the one declaration of every table and column."""

from __future__ import annotations

from declarations.annex_a import ANNEX_A_LISTS, COMMON
from declarations.contract import TABLES, TABLES_BY_NAME, Column, Table
from declarations.operations import LOAD_RECORDS, RAW_METADATA, STAGING_LINEAGE, STAGING_RECORDS
from declarations.registry import in_layer
from declarations.systems import SYSTEMS, tables_exported
from declarations.tables import Declared
from transforms.conformed import STEPS, reads

REGISTRY_CONFORMED = {t.name for t in in_layer("conformed")}

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


def staging_note(c: Column) -> str:
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
    out += [f"| `{c.name}` | {c.duckdb_type} | {c.description} | {staging_note(c)} |" for c in t.columns]
    return out


def data_dictionary_markdown() -> str:
    out = [
        "# Data dictionary",
        "",
        "Generated from the declarations (`declarations/`) by `csc dictionary`; do not edit by hand.",
        "",
        "Every contract table exists twice in `warehouse.duckdb`: `raw.<table>` (every column as text, as",
        "received, plus load metadata) and `staging.<table>` (typed and cleaned, plus lineage). The same",
        "descriptions are stored as DuckDB comments (`SELECT * FROM duckdb_columns()`).",
        "",
        "## Load metadata",
        "",
        "| raw column | type | description |",
        "|---|---|---|",
        *[f"| `{c.name}` | {c.type} | {c.description} |" for c in RAW_METADATA],
        "",
        "| staging column | type | description |",
        "|---|---|---|",
        *[f"| `{c.name}` | {c.type} | {c.description} |" for c in STAGING_LINEAGE],
        "",
        "Each load and staging build also records what it received, rejected and cleaned:",
        *[line for t in (*LOAD_RECORDS, *STAGING_RECORDS) for line in _declared_section(t)],
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
    for heading, introduction, tables in (
        (
            "Conformed tables (`warehouse.duckdb`, schema `conformed`)",
            "Built from staging by pure polars transforms (`transforms/`): each table by the function of its name, "
            "whose parameters name the tables it reads (the lineage below).",
            in_layer("conformed"),
        ),
        (
            "Published marts (`marts.duckdb`)",
            "The file analysts and reports read. Each run builds a new file and swaps it in whole, so a connection "
            "held open keeps the publication it opened and a failed run leaves the last good one. No names, dates "
            "of birth or addresses.",
            in_layer("marts"),
        ),
        (
            "The pipeline's own records (`warehouse.duckdb`, schemas `ops` and `dq`)",
            "The history of runs, and what the data-quality checks found and alerted.",
            (*in_layer("ops"), *in_layer("dq")),
        ),
        (
            "The region (`region.duckdb`, written by `csc run-region`)",
            "Every council's published figures beside each other and the region's, built from each council's own "
            "`marts.indicator_values` (whole service) after the councils' runs; rebuilt whole by each regional run.",
            in_layer("region"),
        ),
    ):
        out += ["", f"## {heading}", "", introduction]
        out += [line for t in tables for line in _declared_section(t)]
    out += _annex_a_section()
    return "\n".join(out) + "\n"


def _annex_a_section() -> list[str]:
    out = [
        "",
        "## Ofsted's Annex A lists (files written by `csc annex-a`)",
        "",
        "Written only to the folder `csc annex-a --out` names, never into either DuckDB file: they hold dates of",
        "birth. Every list starts with " + ", ".join(f"`{h}`" for h, _ in COMMON) + "; dates are dd/mm/yyyy.",
    ]
    for spec in ANNEX_A_LISTS:
        out += ["", f"### List {spec.number}: {spec.name}", ""]
        if spec.not_written:
            out.append(f"Not written: {spec.not_written}.")
            continue
        out += [spec.rows, "", "| column | what fills it |", "|---|---|"]
        out += [f"| `{h}` | {d} |" for h, d in (*COMMON, *spec.columns)]
    return out


def conformed_lineage(name: str) -> list[str]:
    """The staging and conformed tables a conformed table is built from, through the steps between."""
    steps = {step.__name__: step for step in STEPS}
    found: list[str] = []

    def walk(step_name: str) -> None:
        for read in reads(steps[step_name]):
            if read in steps and read not in REGISTRY_CONFORMED:
                walk(read)  # a step between tables: what it reads
            elif read in steps or read == "calendar":
                found.append(f"conformed.{read}")
            else:
                found.append(f"staging.{read}")

    if name in steps:
        walk(name)
    return list(dict.fromkeys(found))


def _declared_section(t: Declared) -> list[str]:
    out = ["", f"### {t.qualified if t.layer not in ('marts', 'region') else t.name}", "", t.description, ""]
    if t.key:
        out += [f"Key: `{', '.join(t.key)}`.", ""]
    lineage = conformed_lineage(t.name) if t.layer == "conformed" else []
    if lineage:
        module = next(step.__module__ for step in STEPS if step.__name__ == t.name)
        out += [f"Built by `{module}.{t.name}` from {', '.join(f'`{r}`' for r in lineage)}.", ""]
    elif t.layer == "conformed" and t.name == "calendar":
        out += ["Built from the earliest and latest dates in staging (`transforms.calendar.calendar`).", ""]
    out += ["| column | type | description | from |", "|---|---|---|---|"]
    for c in t.columns:
        source = c.source or (f"refers to `{c.references}`" if c.references else "")
        out.append(f"| `{c.name}` | {c.type} | {c.description} | {source} |")
    return out
