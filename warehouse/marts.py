"""``marts.duckdb``: the publication analysts and reports read, built beside the warehouse and swapped in whole.

Only one process may write a DuckDB file and readers block writers (shared/stack-notes.md), so the pipeline never
writes the published file in place: it builds ``marts.duckdb.building-*`` and ``os.replace``s it over the published
one. Analysts holding the old file open keep reading it; new connections see the new one; a failed run leaves the
last good publication in place. No names, dates of birth or addresses are published.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from declarations.constants import TREND_MONTHS
from transforms.indicators import (
    Conformed,
    indicator_candidates,
    indicator_records,
    indicator_values,
    period_ends,
)
from transforms.materiality import bands, records_in_doubt
from transforms.publication import catalogue_frame, highlight_report, unavailable_indicators, with_statuses
from warehouse.db import literal, quote, read_tables
from warehouse.doubts import candidate_teams, figures_withheld_whole, record_doubts
from warehouse.raw import STATUS_NOT_SUPPLIED

MARTS_FILE = "marts.duckdb"


@dataclass(frozen=True)
class MartTable:
    name: str
    description: str
    columns: tuple[tuple[str, str], ...]


MART_TABLES: tuple[MartTable, ...] = (
    MartTable(
        "indicator_values",
        "Every indicator at every period end, for the whole service (team_id null) and each team.",
        (
            ("indicator_ref", "Indicator reference, e.g. '4.7.2' ('1.3.rate' and '1.4.rate' are rates per 10,000)."),
            ("period_end", "The period end E: a month end, the previous financial year end, or the run's as-of date."),
            ("team_id", "Team (ssd_department.dept_team_id), 'unallocated', or null for the whole service."),
            ("numerator", "Children or events meeting the measure; for counts and rates, the count."),
            ("denominator", "Children or events measured; null for counts and rates."),
            ("value", "A percentage 0-100, a count, or a rate per 10,000 children."),
            (
                "value_low",
                "The lowest the figure could be if every record in doubt went the other way (the value when none is "
                "in doubt; null when it is unavailable or every record is in doubt).",
            ),
            ("value_high", "The highest the figure could be if every record in doubt went the other way."),
            (
                "records_in_doubt",
                "Records that a data-quality problem could move into or out of this figure (see indicator_doubts).",
            ),
            ("period_type", "snapshot, ytd (financial year to date) or rolling_year."),
            ("target_min", "Corporate minimum target."),
            ("target_upper", "Corporate upper target."),
            ("rag", "green, amber or red against the targets; null for counts, rates, empty or withheld figures."),
            (
                "status",
                "published (with its band); withheld when the records in doubt could move it across a RAG boundary "
                "or beyond its tolerance, or every record behind it is in doubt; unavailable when the export lacks "
                "the data it needs (numerator, denominator and value then empty).",
            ),
            ("status_reason", "Why a figure is withheld or unavailable (the rules that failed, the data missing)."),
        ),
    ),
    MartTable(
        "indicator_records",
        "The drill-through: for each indicator and period end, every child or event counted, whether it is in the "
        "numerator, and the dates that decided it.",
        (
            ("indicator_ref", "Indicator reference."),
            ("period_end", "Period end."),
            ("person_id", "The child (case-system id; no names are published)."),
            ("record_id", "The child, event or plan the row is about (e.g. contact id, CP plan id)."),
            ("team_id", "Team the record counts for."),
            ("worker_id", "Worker allocated (case-system id)."),
            ("in_numerator", "True if the record meets the measure."),
            ("key_date", "The date that decided it (e.g. the latest seen visit)."),
            ("due_date", "The deadline it was measured against, where there is one."),
            ("detail", "Plain-English explanation of the dates that decided it."),
        ),
    ),
    MartTable(
        "indicator_doubts",
        "The records in doubt behind each indicator: each problem the data-quality checks found (a rule's "
        "exception, a value staging could not type, a record conformed left out, a row rejected at load) linked to "
        "the indicators whose figures it can move. The records to fix.",
        (
            ("indicator_ref", "Indicator whose figures the problem can move."),
            (
                "role",
                "membership (the records that make a child or event counted), cohort (what else decides it: an "
                "open CP plan keeps a child out of CIN), measure (whether a counted record meets the measure) or "
                "allocation (which team a child counts for).",
            ),
            ("table_name", "Contract table holding the record."),
            ("record_id", "The record's key in that table (null when it is not known: a row rejected at load)."),
            ("person_id", "The child (case-system id), where known."),
            ("source", "What found it: a data-quality rule id (see dq_rule_summary) or the load stage."),
            ("reason", "What is wrong."),
        ),
    ),
    MartTable(
        "highlight_report",
        "The monthly highlight report as the board sees it: one row per indicator at the run's period end.",
        (
            ("indicator_ref", "Indicator reference."),
            ("section", "Report section."),
            ("title", "Performance measure."),
            (
                "previous_financial_year",
                "Value at the end of the previous financial year (31 March); null when withheld or unavailable then.",
            ),
            ("numerator", "Numerator now (the count for counts); null when withheld or unavailable."),
            ("denominator", "Denominator now; null when withheld or unavailable."),
            ("current_value", "Value now; null when withheld or unavailable (never shown to the board)."),
            ("value_low", "The lowest the current figure could be, given the records in doubt."),
            ("value_high", "The highest it could be."),
            ("records_in_doubt", "Records in doubt behind the current figure (indicator_doubts)."),
            ("period_type", "snapshot, ytd or rolling_year."),
            *[
                (f"month_end_{n}", f"Month end {n} of the six-month trend (1 = oldest).")
                for n in range(1, TREND_MONTHS + 1)
            ],
            *[
                (f"value_month_{n}", f"Value at month end {n}; null when withheld or unavailable then.")
                for n in range(1, TREND_MONTHS + 1)
            ],
            ("target_min", "Minimum target."),
            ("target_upper", "Upper target."),
            ("rag", "RAG now."),
            ("status", "published, withheld or unavailable."),
            ("status_reason", "Why it is withheld or unavailable."),
        ),
    ),
    MartTable(
        "indicator_catalogue",
        "The catalogue the figures were computed with: titles, period types, polarity, targets and timescales.",
        (
            ("indicator_ref", "Indicator reference."),
            ("section", "Report section."),
            ("title", "Performance measure."),
            ("period_type", "snapshot, ytd or rolling_year."),
            ("polarity", "higher or lower is better, count, or rate."),
            ("target_min", "Minimum target."),
            ("target_upper", "Upper target."),
            ("timescales", "The indicator's windows and timescales, as in the catalogue file."),
            ("note", "What the board must know to read the figure (the report prints it under the title)."),
        ),
    ),
    MartTable(
        "teams",
        "Team names for the team ids in the other tables.",
        (("team_id", "Team id."), ("team_name", "Team name."), ("service_area_name", "Parent unit.")),
    ),
    MartTable(
        "dq_exceptions",
        "Every record that breaks a data-quality rule in this run: what to fix, where, and why.",
        (
            ("run_id", "Pipeline run."),
            ("rule_id", "Rule broken (see dq_rule_summary)."),
            ("severity", "blocking (withholds the indicators it affects) or warning."),
            ("owner", "Who fixes it: 'team' (the child's team) or a data role."),
            ("table_name", "Contract table holding the record (batch for batch-level rules)."),
            ("record_id", "The record's primary key in that table, as in the generator's faults log."),
            ("person_id", "The child (case-system id)."),
            ("column_name", "The column to fix."),
            ("value", "The value found."),
            ("message", "What is wrong, in plain English."),
        ),
    ),
    MartTable(
        "dq_rule_summary",
        "Per data-quality rule in this run: records checked, failed and passed, and the previous run's failures.",
        (
            ("rule_id", "Rule id."),
            ("description", "What the rule checks."),
            ("severity", "blocking or warning."),
            ("owner", "Who fixes failures."),
            ("indicators", "Indicators whose figures the problem can make wrong."),
            ("table_name", "Contract table checked."),
            ("records_checked", "Records checked."),
            ("records_failed", "Records breaking the rule."),
            ("records_passed", "Records passing."),
            ("previous_records_failed", "Records failing in the previous run (null for the first run)."),
            ("status", "passed or failed."),
        ),
    ),
    MartTable(
        "publication",
        "This publication: the run, batch and as-of date it was built from.",
        (
            ("run_id", "Pipeline run (Prefect flow run id)."),
            ("batch_id", "Batch the figures come from."),
            ("as_of", "The batch's extract date (the current period end)."),
            ("published_at", "When the publication was built."),
        ),
    ),
)
MARTS_BY_NAME = {t.name: t for t in MART_TABLES}


def marts_path(warehouse_dir: Path) -> Path:
    return Path(warehouse_dir) / MARTS_FILE


def published_as_of(warehouse_dir: Path) -> date | None:
    """The as-of date of the figures published now, if any."""
    path = marts_path(warehouse_dir)
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("SELECT max(as_of) FROM publication").fetchone()
    return row[0] if row else None


def publish(warehouse_dir: Path, tables: dict[str, pl.DataFrame]) -> Path:
    """Write every mart table to a new file and swap it in atomically; on any error, the old file stays."""
    missing = set(MARTS_BY_NAME) - set(tables)
    if missing:
        raise ValueError(f"publication lacks {sorted(missing)}")
    final = marts_path(warehouse_dir)
    building = final.with_name(f"{MARTS_FILE}.building-{uuid.uuid4().hex[:8]}")
    try:
        with duckdb.connect(str(building)) as con:
            for name, frame in tables.items():
                t = MARTS_BY_NAME[name]
                declared = [c for c, _ in t.columns]
                if frame.columns != declared:
                    raise ValueError(f"marts.{name}: columns {frame.columns} differ from the declaration {declared}")
                con.register("mart_frame", frame.to_arrow())
                con.execute(f"CREATE TABLE {quote(name)} AS SELECT * FROM mart_frame")
                con.unregister("mart_frame")
                con.execute(f"COMMENT ON TABLE {quote(name)} IS {literal(t.description)}")
                for column, description in t.columns:
                    con.execute(f"COMMENT ON COLUMN {quote(name)}.{quote(column)} IS {literal(description)}")
            con.execute("CHECKPOINT")
        os.replace(building, final)
    finally:
        building.unlink(missing_ok=True)
        Path(f"{building}.wal").unlink(missing_ok=True)
    return final


def _shape(frame: pl.DataFrame | None, name: str) -> pl.DataFrame:
    """A mart table in its declared columns (empty, all text, when the step that fills it did not run)."""
    columns = [c for c, _ in MARTS_BY_NAME[name].columns]
    if frame is None:
        return pl.DataFrame(schema={c: pl.String for c in columns})
    return frame.select(columns)


def read_conformed(con: duckdb.DuckDBPyConnection) -> Conformed:
    return Conformed(**read_tables(con, "conformed", Conformed.__dataclass_fields__))


def data_not_supplied(con: duckdb.DuckDBPyConnection, batch_id: str) -> tuple[set[str], set[str]]:
    """What the batch's export left out: tables not supplied, and "table.column" its files lacked."""
    tables, columns = set(), set()
    for name, status, absent in con.execute(
        "SELECT table_name, status, columns_absent FROM raw.load_manifest WHERE batch_id = ?", [batch_id]
    ).fetchall():
        if status == STATUS_NOT_SUPPLIED:
            tables.add(name)
        columns.update(f"{name}.{column}" for column in absent or ())
    return tables, columns


def build_publication(
    con: duckdb.DuckDBPyConnection,
    *,
    catalogue,
    as_of,
    run_id: str,
    batch_id: str,
    dq_exceptions: pl.DataFrame | None = None,
    dq_rule_summary: pl.DataFrame | None = None,
    dates_unsure: frozenset[str] = frozenset(),
) -> dict[str, pl.DataFrame]:
    """Every mart table, computed from the conformed schema (pure transforms; this reads what they need).
    ``dates_unsure``: the data-quality rules that find a record's date wrong (the materiality gate)."""
    conformed = read_conformed(con)
    ends = period_ends(as_of)
    unavailable = unavailable_indicators(catalogue, *data_not_supplied(con, batch_id))
    # Collected first: the values read the records nineteen times, and a lazy plan repeated that often is slow
    # to optimise. An unavailable indicator has no records: there is no figure to drill into.
    records_frame = (
        indicator_records(conformed, catalogue, ends)
        .filter(~pl.col("indicator_ref").is_in(sorted(unavailable)))
        .collect()
    )
    in_doubt = records_in_doubt(record_doubts(con, batch_id, run_id, dates_unsure).lazy(), catalogue).collect()
    banded = bands(
        records_frame.lazy(),
        in_doubt.lazy(),
        indicator_candidates(conformed, catalogue, ends),
        candidate_teams(con, catalogue.unallocated_team).lazy(),
        catalogue,
        ends,
    )
    values = (
        indicator_values(records_frame.lazy(), catalogue, ends)
        .join(banded, on=["indicator_ref", "period_end", "team_id"], how="left", nulls_equal=True)
        .with_columns(
            pl.col("records_in_doubt").fill_null(0),
            pl.col("value_low").fill_null(pl.col("value")),
            pl.col("value_high").fill_null(pl.col("value")),
        )
        .collect()
    )
    values = with_statuses(
        values, catalogue, unavailable, figures_withheld_whole(con, batch_id, dq_rule_summary, catalogue)
    ).select([c for c, _ in MARTS_BY_NAME["indicator_values"].columns])
    doubts = in_doubt.filter(~pl.col("indicator_ref").is_in(sorted(unavailable))).sort(
        "indicator_ref", "table_name", "person_id", "record_id", nulls_last=True
    )
    teams = conformed.team.select("team_id", "team_name", "service_area_name").collect()
    return {
        "indicator_values": values,
        "indicator_records": records_frame,
        "indicator_doubts": doubts.select([c for c, _ in MARTS_BY_NAME["indicator_doubts"].columns]),
        "highlight_report": highlight_report(values, catalogue, as_of),
        "indicator_catalogue": catalogue_frame(catalogue),
        "teams": teams,
        "dq_exceptions": _shape(dq_exceptions, "dq_exceptions"),
        "dq_rule_summary": _shape(dq_rule_summary, "dq_rule_summary"),
        "publication": pl.DataFrame(
            {"run_id": [run_id], "batch_id": [batch_id], "as_of": [as_of], "published_at": [datetime.now()]}
        ),
    }
