"""Schema ``staging``: the current batch's tables typed and cleaned, one per contract table.

The SQL is built here from the contract declaration and run by ``build_staging``; building is kept apart from
running so tests can read the SQL. Cleaning rules (shared/contract.md):
- blank and the text ``NULL`` are missing;
- dates are parsed whatever their format (ISO, UK day-first, SQL Server datetime); ``1900-01-01`` is "no date";
- ``-1`` in a worker, team or other reference id is "none" (ids stay text: leading zeros matter);
- Y/N flags become booleans;
- descriptions become codes (CP categories, episode start and end reasons, review participation, care-leaver
  activity and accommodation, the last completed by its suitability column); a value that is neither a code nor
  a known description is kept as received and counted in ``staging.code_mappings``;
- a person id the case system does not export is derived from the row it refers to (``Column.derived_via``: a
  Mosaic CP visit's child is its plan's child), so those tables are built after the tables they refer to;
- a postcode is cut to its sector, and a column kept in raw only (a full address) is NULL.
A value that cannot be parsed becomes NULL and is listed in ``staging.rejected_values`` with its file, row,
column and reason, so nothing received is dropped unseen.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from declarations.codes import (
    ACCOMMODATION_TYPE_WORDINGS,
    CODES,
    LEADING_CODE,
    MAPPINGS,
    NORMALISE_SQL,
    SUITABILITY_WORDINGS,
)
from declarations.contract import DATE_RANGE, DATE_SENTINELS, ID_SENTINELS, TABLES, Column, Table, table
from declarations.operations import STAGING_RECORDS
from declarations.registry import declared
from declarations.tables import literal, quote
from declarations.words import counted
from warehouse.db import ensure_tables, fetch_one
from warehouse.raw import STATUS_FAILED

_ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
_UK_DATE = r"\d{1,2}/\d{1,2}/\d{4}"
_TIME = r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d{1,7})?)?)?"

_TRUE = ("Y", "YES", "TRUE", "1")
_FALSE = ("N", "NO", "FALSE", "0")


def _in_list(values: tuple[str, ...]) -> str:
    return ", ".join(literal(v) for v in values)


def received_expr(column: str) -> str:
    """The received text with blanks and the literal NULL as missing."""
    c = quote(column)
    return f"CASE WHEN upper(trim({c})) IN ('', 'NULL') THEN NULL ELSE trim({c}) END"


def parsed_date_expr(v: str) -> str:
    """A date from any of the formats councils export; NULL if it does not parse. ``v`` is cleaned text. (Whether
    it is a date a record can carry is decided in ``typed_expr``.)"""
    return (
        f"CASE WHEN regexp_full_match({v}, '{_ISO_DATE}{_TIME}') "
        f"THEN try_strptime(regexp_extract({v}, '^{_ISO_DATE}'), '%Y-%m-%d')::DATE "
        f"WHEN regexp_full_match({v}, '{_UK_DATE}{_TIME}') "
        f"THEN try_strptime(regexp_extract({v}, '^{_UK_DATE}'), '%d/%m/%Y')::DATE END"
    )


# The received rows of the table being built, cleaned, with each date parsed and each code mapped once: the
# staging table, its rejected values, cleaning summary and code mappings all read them. (Parsing in each of the
# four statements cost ten parses of every date.)
RECEIVED = "staging_received"


def parsed_column(col: Column) -> str:
    """The column of ``staging_received`` holding a date column parsed, or a code column mapped."""
    return quote(f"{col.name}__{'date' if col.kind == 'date' else 'code'}")


def is_sentinel_expr(col: Column) -> str:
    """True where the received value is the extract's way of writing "none"."""
    if col.kind == "date":
        sentinels = ", ".join(f"DATE {literal(d)}" for d in DATE_SENTINELS)
        return f"coalesce({parsed_column(col)} IN ({sentinels}), false)"
    if col.kind == "id":
        return f"coalesce({quote(col.name)} IN ({_in_list(ID_SENTINELS)}), false)"
    return "false"


def _wording_case(v: str, wordings: dict[str, str]) -> str:
    whens = " ".join(f"WHEN {literal(wording)} THEN {literal(code)}" for wording, code in wordings.items())
    return f"CASE {NORMALISE_SQL.format(v=v)} {whens} END"


def mapped_code_expr(mapping: str, v: str, completed_by: str | None = None) -> str:
    """The code for a received value: the code itself, the code of a known wording, else the value as received.
    With ``completed_by``, a type's wording takes its suitability digit from that column (accommodation)."""
    codes = CODES[mapping]
    described = _wording_case(v, MAPPINGS[mapping])
    if completed_by is not None:
        completed = (
            f"{_wording_case(v, ACCOMMODATION_TYPE_WORDINGS)} || {_wording_case(completed_by, SUITABILITY_WORDINGS)}"
        )
        described = f"coalesce({described}, {completed})"
    led = f"regexp_extract(upper({v}), {literal(LEADING_CODE)}, 1)"
    return (
        f"CASE WHEN upper({v}) IN ({_in_list(codes)}) THEN upper({v}) WHEN {led} IN ({_in_list(codes)}) THEN {led} "
        f"ELSE coalesce({described}, {v}) END"
    )


def typed_expr(t: Table, col: Column) -> str:
    """The staging value of a column, from the cleaned received text in ``staging_received``."""
    v = quote(col.name)
    if col.kind == "date":
        first, last = DATE_RANGE
        return (
            f"CASE WHEN {is_sentinel_expr(col)} THEN NULL WHEN {parsed_column(col)} "
            f"BETWEEN DATE {literal(first)} AND DATE {literal(last)} THEN {parsed_column(col)} END"
        )
    if col.kind == "id":
        if col.name == t.key:
            return v
        return f"CASE WHEN {is_sentinel_expr(col)} THEN NULL ELSE {v} END"
    if col.kind == "flag":
        return (
            f"CASE WHEN upper({v}) IN ({_in_list(_TRUE)}) THEN true "
            f"WHEN upper({v}) IN ({_in_list(_FALSE)}) THEN false END"
        )
    if col.kind == "int":
        return f"TRY_CAST({v} AS BIGINT)"
    if col.kind == "float":
        return f"TRY_CAST({v} AS DOUBLE)"
    if col.kind == "code" and col.mapping:
        return parsed_column(col)
    if col.past_raw == "postcode_sector":
        # The sector's privacy practice: "AB1 2CD" -> "AB1 2".
        return f"regexp_replace(upper({v}), '^(\\S+)\\s*(\\d).*$', '\\1 \\2')"
    if col.past_raw == "dropped":
        return "NULL::VARCHAR"
    return v


def rejected_expr(t: Table, col: Column) -> str | None:
    """True where a received value could not be typed (and so became NULL); None for text columns."""
    if col.kind not in ("date", "flag", "int", "float"):
        return None
    v = quote(col.name)
    return f"({v} IS NOT NULL AND NOT {is_sentinel_expr(col)} AND ({typed_expr(t, col)}) IS NULL)"


def _rejected_reason(col: Column) -> str:
    """SQL: why a received value of ``col`` could not be typed."""
    if col.kind == "date":
        first, last = DATE_RANGE
        return (
            f"CASE WHEN {parsed_column(col)} IS NOT NULL "
            f"THEN {literal(f'a date outside the dates a record can carry ({first} to {last})')} "
            f"ELSE {literal('not a date in any accepted format (YYYY-MM-DD, DD/MM/YYYY, YYYY-MM-DD HH:MM:SS.mmm)')} END"
        )
    return literal({"flag": "not a Y/N flag", "int": "not a whole number", "float": "not a number"}[col.kind])


def _derived_expr(t: Table, col: Column) -> str:
    """The person of the row a derived column's ``derived_via`` refers to, from that table's staging (built
    earlier in the same transaction). A period of care has several episodes: any of them names the child."""
    via = t.column(col.derived_via or "")
    ref_table, ref_key = (via.references or "").split(".")
    person = table(ref_table).person_column
    return (
        f"(SELECT min(ref.{quote(person or '')}) FROM staging.{quote(ref_table)} AS ref "
        f"WHERE ref.{quote(ref_key)} = r.{quote(via.name)})"
    )


def derivation_order() -> tuple[Table, ...]:
    """Every table, each after the tables its derived columns are looked up in."""
    ordered: list[Table] = []

    def place(t: Table) -> None:
        if t in ordered:
            return
        for c in t.columns:
            if c.derived_via:
                place(table((t.column(c.derived_via).references or "").split(".")[0]))
        ordered.append(t)

    for t in TABLES:
        place(t)
    return tuple(ordered)


def received_table_sql(t: Table, batch_id: str, derived: tuple[str, ...] = ()) -> str:
    """The batch's rows of a table from raw (files that failed left out) into ``staging_received``; the
    ``derived`` columns (which the batch's file lacked) looked up from the rows they refer to."""
    received = {c.name: f"{received_expr(c.name)}" for c in t.columns}
    cols = ", ".join(f"{received[c.name]} AS {quote(c.name)}" for c in t.columns)
    parsed = [f"{parsed_date_expr(quote(c.name))} AS {parsed_column(c)}" for c in t.columns if c.kind == "date"] + [
        f"{mapped_code_expr(c.mapping, quote(c.name), quote(c.mapping_with) if c.mapping_with else None)} "
        f"AS {parsed_column(c)}"
        for c in t.columns
        if c.kind == "code" and c.mapping
    ]
    rows = (
        f"SELECT {cols}, _batch_id, _source_file, _row_number FROM raw.{quote(t.name)} "
        f"WHERE _batch_id = {literal(batch_id)} AND _source_file NOT IN ("
        f"SELECT file_name FROM raw.load_manifest WHERE batch_id = {literal(batch_id)} "
        f"AND status = {literal(STATUS_FAILED)} AND file_name IS NOT NULL)"
    )
    if derived:
        lookups = ", ".join(f"{_derived_expr(t, t.column(name))} AS {quote(name)}" for name in derived)
        rows = f"SELECT r.* REPLACE ({lookups}) FROM ({rows}) AS r"
    return f"CREATE OR REPLACE TEMP TABLE {RECEIVED} AS\nSELECT *{''.join(', ' + p for p in parsed)} FROM ({rows})"


def staging_table_sql(t: Table) -> str:
    cols = ",\n    ".join(f"{typed_expr(t, c)} AS {quote(c.name)}" for c in t.columns)
    return (
        f"CREATE OR REPLACE TABLE staging.{quote(t.name)} AS\n"
        f"SELECT\n    {cols},\n    _batch_id, _source_file, _row_number\nFROM {RECEIVED}\n"
        "ORDER BY _source_file, _row_number"
    )


def rejected_values_sql(t: Table) -> str | None:
    parts = []
    for c in t.columns:
        rejected = rejected_expr(t, c)
        if rejected is None:
            continue
        parts.append(
            f"SELECT _batch_id, {literal(t.name)}, _source_file, _row_number, {quote(t.key)}, "
            f"{literal(c.name)}, {quote(c.name)}, {_rejected_reason(c)} FROM {RECEIVED} WHERE {rejected}"
        )
    if not parts:
        return None
    return "INSERT INTO staging.rejected_values\n" + "\nUNION ALL\n".join(parts)


def cleaning_summary_sql(t: Table, batch_id: str, derived: tuple[str, ...] = ()) -> str:
    rows = []
    for c in t.columns:
        v = quote(c.name)
        rejected = rejected_expr(t, c) or "false"
        if c.kind == "code" and c.mapping:
            typed, codes = typed_expr(t, c), _in_list(CODES[c.mapping])
            mapped = f"({v} IS NOT NULL AND upper({v}) NOT IN ({codes}) AND ({typed}) IN ({codes}))"
            unmapped = f"({v} IS NOT NULL AND ({typed}) NOT IN ({codes}))"
        else:
            mapped = unmapped = "false"
        sentinel = is_sentinel_expr(c) if (c.kind == "date" or (c.kind == "id" and c.name != t.key)) else "false"
        rows.append(
            f"SELECT {literal(batch_id)} AS batch_id, {literal(t.name)} AS table_name, {literal(c.name)} AS "
            f"column_name, count(*) AS rows, count(*) FILTER (WHERE {v} IS NULL) AS missing, "
            f"count(*) FILTER (WHERE {sentinel}) AS sentinels_normalised, "
            f"count(*) FILTER (WHERE {rejected}) AS values_rejected, "
            f"count(*) FILTER (WHERE {mapped}) AS descriptions_mapped, "
            f"count(*) FILTER (WHERE {unmapped}) AS unmapped, "
            f"count(*) FILTER (WHERE {v} IS NOT NULL AND {c.name in derived}) AS values_derived FROM {RECEIVED}"
        )
    return "INSERT INTO staging.cleaning_summary BY NAME\n" + "\nUNION ALL\n".join(rows)


def code_mappings_sql(t: Table) -> str | None:
    parts = [
        f"SELECT _batch_id, {literal(t.name)}, {literal(c.name)}, {quote(c.name)}, "
        f"CASE WHEN ({typed_expr(t, c)}) IN ({_in_list(CODES[c.mapping])}) THEN {typed_expr(t, c)} END, count(*) "
        f"FROM {RECEIVED} WHERE {quote(c.name)} IS NOT NULL GROUP BY ALL"
        for c in t.columns
        if c.kind == "code" and c.mapping
    ]
    if not parts:
        return None
    return "INSERT INTO staging.code_mappings\n" + "\nUNION ALL\n".join(parts)


@dataclass
class StagingBuild:
    batch_id: str
    rebuilt: bool
    rows: dict[str, int]
    values_rejected: int
    sentinels_normalised: int
    unmapped_codes: int
    # person ids a case system does not export, derived from the rows they refer to
    values_derived: int = 0


def current_staging_batch(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT batch_id FROM staging.current_batch").fetchone()
    return row[0] if row else None


def build_staging(con: duckdb.DuckDBPyConnection, batch_id: str, *, progress=lambda message: None) -> StagingBuild:
    """Rebuild every staging table from the batch's raw rows, in one transaction."""
    ensure_tables(con, STAGING_RECORDS)
    rebuilt = current_staging_batch(con) != batch_id
    if rebuilt:
        con.begin()
        try:
            for stmt in (
                "DELETE FROM staging.rejected_values",
                "DELETE FROM staging.cleaning_summary",
                "DELETE FROM staging.code_mappings",
                "DELETE FROM staging.current_batch",
            ):
                con.execute(stmt)
            derived = derived_columns(con, batch_id)
            for t in derivation_order():
                con.execute(received_table_sql(t, batch_id, derived.get(t.name, ())))
                for sql in (
                    staging_table_sql(t),
                    rejected_values_sql(t),
                    cleaning_summary_sql(t, batch_id, derived.get(t.name, ())),
                    code_mappings_sql(t),
                ):
                    if sql:
                        con.execute(sql)
                con.execute(f"DROP TABLE {RECEIVED}")
                for stmt in declared(f"staging.{t.name}").comments_sql():
                    con.execute(stmt)
                (count,) = fetch_one(con.execute(f"SELECT count(*) FROM staging.{quote(t.name)}"))
                progress(f"staging.{t.name}: {counted(count, 'row')}")
            con.execute("INSERT INTO staging.current_batch VALUES (?, now()::TIMESTAMP)", [batch_id])
            con.commit()
        except BaseException:
            con.rollback()
            raise
    rows = {t.name: fetch_one(con.execute(f"SELECT count(*) FROM staging.{quote(t.name)}"))[0] for t in TABLES}
    # fetchall: a result left part-read blocks the next statement on this connection (DuckDB 2.0)
    ((rejected, sentinels, unmapped, derived_values),) = con.execute(
        "SELECT coalesce(sum(values_rejected), 0), coalesce(sum(sentinels_normalised), 0), "
        "coalesce(sum(unmapped), 0), coalesce(sum(values_derived), 0) FROM staging.cleaning_summary "
        "WHERE batch_id = ?",
        [batch_id],
    ).fetchall()
    return StagingBuild(batch_id, rebuilt, rows, int(rejected), int(sentinels), int(unmapped), int(derived_values))


def derived_columns(con: duckdb.DuckDBPyConnection, batch_id: str) -> dict[str, tuple[str, ...]]:
    """Per table, the columns its file in this batch lacked and staging derives (from the load manifest)."""
    return {
        name: tuple(columns)
        for name, columns in con.execute(
            "SELECT table_name, columns_derived FROM raw.load_manifest WHERE batch_id = ? AND status <> ? "
            "AND columns_derived IS NOT NULL",
            [batch_id, STATUS_FAILED],
        ).fetchall()
    }
