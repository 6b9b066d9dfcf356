"""Every record a run has reason to doubt, read from the warehouse for the materiality gate
(``transforms.materiality``): the rules' exceptions, values staging could not type, records conformed left out,
rows rejected at load; and the files whose failure puts everything they feed in doubt."""

from __future__ import annotations

import duckdb
import polars as pl

from declarations.catalogue import Catalogue
from declarations.contract import TABLES_BY_NAME
from declarations.tables import literal, quote
from transforms.materiality import DOUBT_SCHEMA, inputs_of
from warehouse.db import arrow_frame
from warehouse.raw import STATUS_FAILED, STATUS_LOADED_WITH_REJECTS, STATUS_MISSING

# The columns of an allocation that say who holds the case, not whether there is one.
WHO_HOLDS = ("invo_professional_id", "invo_professional_team", "invo_professional_role_id")
# Records conformed leaves out that are no problem: a care leaver's earlier records, superseded by the latest.
NOT_A_PROBLEM = "superseded by the person's care-leaver record with the latest contact"


# A doubt as read, before it is placed in time: the column the problem is about, if one.
PLACES = ("earliest", "latest", "recorded_from", "recorded_to")
READ_SCHEMA = pl.Schema({k: v for k, v in DOUBT_SCHEMA.items() if k not in PLACES} | {"column_name": pl.String})


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    return arrow_frame(con.sql(sql, params=params)).cast(READ_SCHEMA).select(list(READ_SCHEMA))


def _person_of_row(table_name: str, alias: str) -> str:
    """The person column of a staging table, as SQL (NULL for a table without one)."""
    person = TABLES_BY_NAME[table_name].person_column
    return f"{alias}.{quote(person)}" if person else "NULL"


def _tables_in(con: duckdb.DuckDBPyConnection, source: str, params: list) -> list[str]:
    """The tables named in ``source`` (a table and its filter)."""
    return [name for (name,) in con.execute(f"SELECT DISTINCT table_name FROM {source}", params).fetchall()]


def record_doubts(
    con: duckdb.DuckDBPyConnection, batch_id: str, run_id: str, dates_unsure: frozenset[str] = frozenset()
) -> pl.DataFrame:
    """The records in doubt (``DOUBT_SCHEMA``). A rule that affects no figure (its ``indicators`` are empty: a
    description among codes, concatenated JSON) puts nothing in doubt; a rule about allocations puts the child's
    team in doubt, not what is counted. ``dates_unsure``: the rules that find a record's date wrong (its record
    could then lie anywhere in time); any other record is placed by its own dates."""
    parts = [
        _frame(
            con,
            """
            SELECT e.table_name, e.record_id, e.person_id, e.rule_id AS source, r.description AS reason,
                   (e.rule_id LIKE 'ALL-%' OR e.table_name = 'ssd_involvements') AS is_allocation,
                   (e.table_name = 'ssd_involvements' AND list_contains(?::VARCHAR[], e.column_name))
                   AS only_allocation,
                   CASE WHEN list_contains(?::VARCHAR[], e.rule_id) THEN e.column_name END AS column_name
            FROM dq.exceptions e
            JOIN dq.rule_results r ON r.rule_id = e.rule_id AND r.run_id = e.run_id
            WHERE e.run_id = ? AND e.table_name <> 'batch' AND coalesce(r.indicators, '') <> ''
              -- an involvement that holds no case (an IRO's, an adviser's) decides no child's team
              AND NOT EXISTS (
                  SELECT 1 FROM conformed.allocation a
                  WHERE e.table_name = 'ssd_involvements' AND a.involvement_id = e.record_id AND NOT a.is_case_holding
              )
            """,
            [list(WHO_HOLDS), sorted(dates_unsure), run_id],
        )
    ]
    # Values staging could not type: the row's record and child, from the staging row they belong to.
    for name in _tables_in(con, "staging.rejected_values WHERE batch_id = ?", [batch_id]):
        parts.append(
            _frame(
                con,
                f"""
                SELECT v.table_name, v.record_id, {_person_of_row(name, "s")} AS person_id,
                       'value not typed' AS source,
                       concat(v.column_name, ' "', v.value, '": ', v.reason) AS reason,
                       v.table_name = 'ssd_involvements' AS is_allocation,
                       v.column_name IN ({", ".join(literal(c) for c in WHO_HOLDS)}) AS only_allocation,
                       v.column_name
                FROM staging.rejected_values v
                LEFT JOIN staging.{quote(name)} s ON s._source_file = v.source_file AND s._row_number = v.row_number
                WHERE v.batch_id = ? AND v.table_name = {literal(name)}
                """,
                [batch_id],
            )
        )
    # Records conformed left out (no key, a duplicate key, a visit with no child or date): their child, where the
    # staging row has one.
    for name in _tables_in(con, "conformed.excluded_records WHERE reason <> ?", [NOT_A_PROBLEM]):
        key = quote(TABLES_BY_NAME[name].key)
        parts.append(
            _frame(
                con,
                f"""
                SELECT DISTINCT x.table_name, x.record_id, {_person_of_row(name, "s")} AS person_id,
                       'left out of conformed' AS source, x.reason,
                       x.table_name = 'ssd_involvements' AS is_allocation, false AS only_allocation,
                       CASE WHEN x.reason LIKE '%no date%' THEN {literal(_dates(name)[0] if _dates(name) else "")} END
                       AS column_name
                FROM conformed.excluded_records x
                LEFT JOIN staging.{quote(name)} s
                  ON (x.row_number IS NOT NULL AND s._row_number = x.row_number)
                  OR (x.row_number IS NULL AND s.{key} = x.record_id)
                WHERE x.table_name = {literal(name)} AND x.reason <> {literal(NOT_A_PROBLEM)}
                """,
            )
        )
    # Rows rejected at load: which record or child is unknown. A rejected record can span lines (a quoted value
    # holding line breaks), and a file can lose lines no reader saw: every line the file holds beyond its header
    # and the rows loaded counts, one doubt each.
    parts.append(
        _frame(
            con,
            """
            WITH rejected AS (
                -- a row can fail several ways: one doubt per line
                SELECT table_name, file_name, line,
                       max(length(received_line) - length(replace(received_line, chr(10), '')) + 1) AS lines
                FROM raw.load_rejects WHERE batch_id = ?
                GROUP BY table_name, file_name, line
            ),
            files AS (
                SELECT r.table_name, r.file_name, min(r.line) AS first_line,
                       greatest(sum(r.lines), any_value(m.file_lines) - 1 - any_value(m.rows_loaded)) AS lost
                FROM rejected r
                LEFT JOIN raw.load_manifest m
                  ON m.batch_id = ? AND m.table_name = r.table_name AND m.file_name = r.file_name
                GROUP BY r.table_name, r.file_name
            )
            SELECT table_name, NULL AS record_id, NULL AS person_id, 'rejected at load' AS source,
                   concat(file_name, ' line ', first_line + range, ' did not load',
                          CASE WHEN range > 0 THEN concat(' (lost with the row at line ', first_line, ')') END)
                   AS reason,
                   table_name = 'ssd_involvements' AS is_allocation, false AS only_allocation,
                   NULL AS column_name
            FROM files, range(CAST(files.lost AS BIGINT))
            """,
            [batch_id, batch_id],
        )
    )
    return placed(con, without_exact_copies(con, pl.concat(parts)))


DUPLICATE_KEY = "duplicate primary key"


def without_exact_copies(con: duckdb.DuckDBPyConnection, doubts: pl.DataFrame) -> pl.DataFrame:
    """A record exported twice whose copies are the same, column for column, leaves nothing in doubt: whichever
    copy is kept, the figures are the same. Only copies that differ (two versions of a record) stay in doubt."""
    is_copy = pl.col("source").str.starts_with("KEY-") | pl.col("reason").str.starts_with(DUPLICATE_KEY)
    copies = doubts.filter(is_copy)
    if not copies.height:
        return doubts
    versions = []
    for (name,) in copies.select("table_name").unique().iter_rows():
        t = TABLES_BY_NAME.get(name)
        if t is None:
            continue
        columns = ", ".join(quote(c.name) for c in t.columns)
        versions += [
            (name, key)
            for (key,) in con.execute(
                f"SELECT CAST({quote(t.key)} AS VARCHAR) FROM staging.{quote(name)} GROUP BY {quote(t.key)} "
                f"HAVING count(*) > 1 AND count(DISTINCT ({columns})) > 1"
            ).fetchall()
        ]
    differ = pl.DataFrame(versions, schema={"table_name": pl.String, "record_id": pl.String}, orient="row")
    return pl.concat([doubts.filter(~is_copy), copies.join(differ, on=["table_name", "record_id"], how="semi")])


def _dates(table_name: str) -> tuple[str, ...]:
    return TABLES_BY_NAME[table_name].dated_by if table_name in TABLES_BY_NAME else ()


def placed(con: duckdb.DuckDBPyConnection, doubts: pl.DataFrame) -> pl.DataFrame:
    """Each doubt with the dates its record could lie between (``DOUBT_SCHEMA``): the record's own, from
    staging, unbounded on the side the problem is about (a plan whose start is wrong could have started any time)
    or that is blank; unbounded both ways for a record that cannot be found."""
    frames = []
    for name, group in doubts.group_by("table_name"):
        dates = _dates(name[0])
        if not dates or not group["record_id"].drop_nulls().len():
            frames.append(group.with_columns(pl.lit(None, dtype=pl.Date).alias(c) for c in PLACES))
            continue
        t = TABLES_BY_NAME[name[0]]
        start, end = dates[0], dates[-1]
        con.register("doubted_ids", pl.DataFrame({"record_id": group["record_id"].drop_nulls().unique()}).to_arrow())
        try:
            found = arrow_frame(
                con.sql(
                    f"SELECT CAST(s.{quote(t.key)} AS VARCHAR) AS record_id, min(s.{quote(start)}) AS _start, "
                    f"max(s.{quote(end)}) AS _end, bool_or(s.{quote(end)} IS NULL) AS _open "
                    f"FROM staging.{quote(t.name)} s JOIN doubted_ids d ON d.record_id = s.{quote(t.key)} "
                    "GROUP BY ALL"
                )
            )
        finally:
            con.unregister("doubted_ids")
        about = pl.col("column_name")
        frames.append(
            group.join(found, on="record_id", how="left").with_columns(
                pl.when(about.is_in(dates) if len(dates) == 1 else about == start)
                .then(None)
                .otherwise(pl.col("_start"))
                .alias("earliest"),
                pl.when((about.is_in(dates) if len(dates) == 1 else about == end) | pl.col("_open").fill_null(True))
                .then(None)
                .otherwise(pl.col("_end"))
                .alias("latest"),
                pl.col("_start").alias("recorded_from"),
                pl.col("_end").alias("recorded_to"),
            )
        )
    if not frames:
        return pl.DataFrame(schema=DOUBT_SCHEMA)
    return pl.concat(frames, how="diagonal").cast(DOUBT_SCHEMA).select(list(DOUBT_SCHEMA))


def figures_withheld_whole(
    con: duckdb.DuckDBPyConnection, batch_id: str, rule_summary: pl.DataFrame | None, cat: Catalogue
) -> dict[str, str]:
    """Indicator ref -> why every record behind it is in doubt: a file it reads failed, is missing, or had every
    row rejected; or a blocking batch-level check failed (the table's rows fell sharply, a stale batch)."""
    reasons: dict[str, list[str]] = {}
    for name, status, rows_loaded, message in con.execute(
        "SELECT table_name, status, rows_loaded, message FROM raw.load_manifest WHERE batch_id = ? "
        "AND table_name IS NOT NULL",
        [batch_id],
    ).fetchall():
        all_rejected = status == STATUS_LOADED_WITH_REJECTS and not rows_loaded
        if status not in (STATUS_FAILED, STATUS_MISSING) and not all_rejected:
            continue
        why = f"{name}: " + ("every row was rejected at load" if all_rejected else (message or status))
        for ind in cat.indicators:
            if ind.polarity != "rate" and name in inputs_of(ind.ref).tables:
                reasons.setdefault(ind.ref, []).append(why)
    if rule_summary is not None and rule_summary.height:
        failed = rule_summary.filter(
            (pl.col("table_name") == "batch") & (pl.col("severity") == "blocking") & (pl.col("status") == "failed")
        )
        for rule_id, description, indicators in failed.select("rule_id", "description", "indicators").iter_rows():
            for ref in (indicators or "").split(", "):
                if ref:
                    reasons.setdefault(ref, []).append(f"{rule_id}: {description}")
    return {ref: "every record is in doubt: " + "; ".join(dict.fromkeys(why)) for ref, why in reasons.items()}


def candidate_teams(con: duckdb.DuckDBPyConnection, unallocated: str) -> pl.DataFrame:
    """Every team a child could count for: the teams of all their case-holding involvements, every team when one
    of them names no team or one that is not in ssd_department (it could be any), and none at all."""
    return arrow_frame(
        con.sql(
            f"""
            SELECT DISTINCT person_id, team_id FROM conformed.allocation
            WHERE is_case_holding AND person_id IS NOT NULL AND team_id IS NOT NULL
            UNION
            SELECT a.person_id, t.team_id
            FROM conformed.allocation a,
                 (SELECT DISTINCT team_id FROM conformed.allocation WHERE team_id IS NOT NULL) t
            WHERE a.is_case_holding AND a.person_id IS NOT NULL
              AND (a.team_id IS NULL OR a.team_id NOT IN (SELECT team_id FROM conformed.team))
            UNION
            SELECT person_id, {literal(unallocated)} FROM conformed.child
            """
        )
    )
