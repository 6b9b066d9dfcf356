"""``marts.duckdb``: the publication analysts and reports read, built beside the warehouse and swapped in whole.

Only one process may write a DuckDB file and readers block writers (shared/stack-notes.md), so the pipeline never
writes the published file in place: it builds ``marts.duckdb.building-*`` and ``os.replace``s it over the published
one. Analysts holding the old file open keep reading it; new connections see the new one; a failed run leaves the
last good publication in place. No names, dates of birth or addresses are published.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from declarations.comparators import Comparator
from declarations.marts import MARTS_BY_NAME
from declarations.operations import FIRST_PUBLISHED_RECORDS, FIRST_PUBLISHED_VALUES
from transforms.caseloads import caseload, caseload_by_team, caseload_child
from transforms.drift import drift_list
from transforms.indicators import (
    Conformed,
    indicator_candidates,
    indicator_records,
    indicator_values,
    period_ends,
)
from transforms.materiality import bands, records_in_doubt
from transforms.publication import (
    catalogue_frame,
    comparator_values,
    highlight_report,
    unavailable_indicators,
    with_statuses,
)
from transforms.restatements import (
    first_published_records,
    first_published_values,
    restated_month_ends,
    restated_records,
    restatements,
)
from warehouse.db import ensure_tables, read_tables, write_database
from warehouse.doubts import candidate_teams, figures_withheld_whole, record_doubts
from warehouse.raw import STATUS_NOT_SUPPLIED

MARTS_FILE = "marts.duckdb"


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
    return write_database(marts_path(warehouse_dir), ((MARTS_BY_NAME[n], f) for n, f in tables.items()))


def _shape(frame: pl.DataFrame | None, name: str) -> pl.DataFrame:
    """A mart table in its declared columns (empty, all text, when the step that fills it did not run)."""
    columns = list(MARTS_BY_NAME[name].column_names)
    if frame is None:
        return pl.DataFrame(schema={c: pl.String for c in columns})
    return frame.select(columns)


def read_conformed(con: duckdb.DuckDBPyConnection) -> Conformed:
    return Conformed(**read_tables(con, "conformed", Conformed.__dataclass_fields__))


def data_not_supplied(con: duckdb.DuckDBPyConnection, batch_id: str) -> tuple[set[str], set[str]]:
    """What the batch's export left out: tables not supplied, and "table.column" its files lacked."""
    tables: set[str] = set()
    columns: set[str] = set()
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
    caseload_threshold: int = 20,
    drift_days: int = 42,
    comparators: tuple[Comparator, ...] = (),
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
    values = comparator_values(
        with_statuses(
            values, catalogue, unavailable, figures_withheld_whole(con, batch_id, dq_rule_summary, catalogue)
        ),
        comparators,
    ).select(MARTS_BY_NAME["indicator_values"].column_names)
    doubts = in_doubt.filter(~pl.col("indicator_ref").is_in(sorted(unavailable))).sort(
        "indicator_ref", "table_name", "person_id", "record_id", nulls_last=True
    )
    teams = conformed.team.select("team_id", "team_name", "service_area_name").collect()
    first_values, first_records = read_first_published(con)
    restated = restatements(values, first_values, records_frame, first_records)
    held = caseload_child(conformed.allocation, ends).collect()
    per_worker = caseload(held.lazy(), conformed.worker, conformed.allocation, as_of, caseload_threshold).collect()
    return {
        "indicator_values": values,
        "indicator_records": records_frame,
        "indicator_doubts": doubts.select(MARTS_BY_NAME["indicator_doubts"].column_names),
        "highlight_report": highlight_report(values, catalogue, as_of, restated_month_ends(restated)),
        "indicator_catalogue": catalogue_frame(catalogue),
        "teams": teams,
        "caseload": per_worker,
        "caseload_by_team": caseload_by_team(per_worker.lazy(), held.lazy()).collect(),
        "caseload_children": held,
        "drift_list": drift_list(conformed, catalogue, as_of, drift_days).collect(),
        "restatements": restated,
        "restated_records": restated_records(records_frame, first_records, restated),
        "dq_exceptions": _shape(dq_exceptions, "dq_exceptions"),
        "dq_rule_summary": _shape(dq_rule_summary, "dq_rule_summary"),
        "publication": pl.DataFrame(
            {"run_id": [run_id], "batch_id": [batch_id], "as_of": [as_of], "published_at": [datetime.now()]}
        ),
    }


def read_first_published(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every month end's figures and records as first published."""
    ensure_tables(con, (FIRST_PUBLISHED_VALUES, FIRST_PUBLISHED_RECORDS))
    return (
        con.sql("SELECT * FROM ops.first_published_values").pl(),
        con.sql("SELECT * FROM ops.first_published_records").pl(),
    )


def keep_first_published(
    con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame], *, run_id: str, batch_id: str
) -> int:
    """Keep the figures and records of the month ends this publication is the first to publish; how many figures."""
    ensure_tables(con, (FIRST_PUBLISHED_VALUES, FIRST_PUBLISHED_RECORDS))
    known = con.sql("SELECT DISTINCT indicator_ref, period_end FROM ops.first_published_values").pl()
    new_values = first_published_values(
        tables["indicator_values"], known, run_id=run_id, batch_id=batch_id, published_at=datetime.now()
    )
    new_records = first_published_records(tables["indicator_records"], new_values, run_id=run_id)
    con.begin()
    try:
        for declared, frame in ((FIRST_PUBLISHED_VALUES, new_values), (FIRST_PUBLISHED_RECORDS, new_records)):
            con.register("first_published_frame", frame.to_arrow())
            con.execute(f"INSERT INTO {declared.sql_name} SELECT * FROM first_published_frame")
            con.unregister("first_published_frame")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return new_values.height
