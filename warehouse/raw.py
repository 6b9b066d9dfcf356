"""Schema ``raw``: each table file as received, every value as text, plus load metadata.

Nothing received is lost: a row that does not parse as CSV goes to ``raw.load_rejects`` with its line, the
column and the reason; a file that cannot be used is recorded in ``raw.load_manifest`` with the reason, and
whatever rows it had are still kept in its raw table (staging leaves them out).
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.batch import Batch, BatchError, BatchFile
from warehouse.contract import TABLES, Table, table
from warehouse.db import comments_sql, literal, quote

# Load metadata carried by every raw row.
RAW_METADATA_COLUMNS: tuple[tuple[str, str, str], ...] = (
    (
        "_extra_columns",
        "MAP(VARCHAR, VARCHAR)",
        "Columns in the file that the contract does not list, by name.",
    ),
    ("_batch_id", "VARCHAR", "Batch the row arrived in (a fingerprint of the batch's files)."),
    ("_source_file", "VARCHAR", "Name of the file the row came from."),
    (
        "_row_number",
        "BIGINT",
        "Position of the row among the file's data rows (1 = first row after the header).",
    ),
    ("_loaded_at", "TIMESTAMP", "When the row was loaded."),
    ("_file_sha256", "VARCHAR", "SHA-256 checksum of the file the row came from."),
)

METADATA_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.load_batches (
    batch_id VARCHAR PRIMARY KEY,
    batch_folder VARCHAR,
    extract_date DATE,
    files_received INTEGER,
    rows_loaded BIGINT,
    rows_rejected BIGINT,
    files_failed INTEGER,
    started_at TIMESTAMP,
    finished_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS raw.load_manifest (
    batch_id VARCHAR,
    table_name VARCHAR,
    file_name VARCHAR,
    file_format VARCHAR,
    encoding VARCHAR,
    file_sha256 VARCHAR,
    file_bytes BIGINT,
    rows_loaded BIGINT,
    rows_rejected BIGINT,
    status VARCHAR,
    message VARCHAR,
    loaded_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS raw.load_rejects (
    batch_id VARCHAR,
    table_name VARCHAR,
    file_name VARCHAR,
    line BIGINT,
    column_name VARCHAR,
    error_type VARCHAR,
    message VARCHAR,
    received_line VARCHAR
);
"""

STATUS_LOADED = "loaded"
STATUS_LOADED_WITH_REJECTS = "loaded_with_rejects"
STATUS_FAILED = "failed"
STATUS_MISSING = "missing"
STATUS_IGNORED = "ignored"


def raw_table_ddl(t: Table) -> str:
    columns = [f"{quote(c.name)} VARCHAR" for c in t.columns]
    columns += [f"{quote(name)} {sql_type}" for name, sql_type, _ in RAW_METADATA_COLUMNS]
    return f"CREATE TABLE IF NOT EXISTS raw.{quote(t.name)} (\n    " + ",\n    ".join(columns) + "\n);"


def create_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(METADATA_DDL)
    for t in TABLES:
        con.execute(raw_table_ddl(t))
        for stmt in comments_sql(t, "raw", RAW_METADATA_COLUMNS):
            con.execute(stmt)


@dataclass
class FileResult:
    table_name: str
    file_name: str
    status: str
    rows_loaded: int = 0
    rows_rejected: int = 0
    encoding: str | None = None
    message: str = ""
    # Rows for raw.load_rejects, written with the file's rows.
    rejected_rows: list[tuple] = field(default_factory=list, repr=False)


class FileProblem(Exception):
    """The file cannot be used at all: the message names the file and what is wrong."""


# Windows-1252 leaves five bytes undefined; Windows itself maps them to the C1 controls of the same value,
# so do the same rather than lose or replace them.
def _cp1252_undefined(err: UnicodeDecodeError) -> tuple[str, int]:
    bad = err.object[err.start : err.end]
    return "".join(chr(b) for b in bad), err.end


codecs.register_error("cp1252_as_c1", _cp1252_undefined)


def transcode_to_utf8(src: Path, dst: Path, *, encoding: str = "cp1252") -> None:
    """Stream a file from a single-byte Windows encoding to UTF-8 (DuckDB reads only UTF-8 offline)."""
    with (
        src.open("r", encoding=encoding, errors="cp1252_as_c1", newline="") as fin,
        dst.open("w", encoding="utf-8", newline="") as fout,
    ):
        while chunk := fin.read(4 * 1024 * 1024):
            fout.write(chunk)


def read_header(path: Path) -> list[str]:
    """The header row's column names, normalised (trimmed, lower case, BOM removed)."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
        # A quoted header can span lines; keep reading until the csv module has a whole record.
        while first.count('"') % 2 == 1:
            more = fh.readline()
            if not more:
                break
            first += more
    if not first.strip():
        raise FileProblem("the file is empty (no header row)")
    names = next(csv.reader(io.StringIO(first)))
    return [n.strip().lower() for n in names]


def check_header(t: Table, header: list[str]) -> None:
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            raise FileProblem(f"line 1 (header), column {position}: the column has no name")
        if name in seen:
            raise FileProblem(f"line 1 (header), column {position}: column {name!r} appears twice")
        seen.add(name)
    missing = [c for c in t.column_names if c not in seen]
    if missing:
        raise FileProblem(
            f"line 1 (header): required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} missing (the file has: {', '.join(header)})"
        )


def _csv_scan_sql(path: Path, header: list[str]) -> str:
    # Explicit columns and no auto-detection: a malformed file must fail row by row, never silently turn
    # into one text column (shared/stack-notes.md).
    columns = ", ".join(f"{literal(n)}: 'VARCHAR'" for n in header)
    return (
        f"read_csv({literal(str(path))}, columns={{{columns}}}, header=true, auto_detect=false, "
        "delim=',', quote='\"', escape='\"', strict_mode=true, store_rejects=true, "
        "rejects_table='load_rejects_scan', rejects_scan='load_rejects_scans')"
    )


def _select_list(t: Table, available: list[str]) -> str:
    """Contract columns (NULL where the file lacks them) and the file's other columns as a map."""
    cols = [quote(c) if c in available else f"NULL AS {quote(c)}" for c in t.column_names]
    extras = [n for n in available if n not in t.column_names]
    if extras:
        keys = ", ".join(literal(n) for n in extras)
        values = ", ".join(quote(n) for n in extras)
        cols.append(f"map([{keys}], [{values}]) AS _extra_columns")
    else:
        cols.append("NULL::MAP(VARCHAR, VARCHAR) AS _extra_columns")
    return ", ".join(cols)


def load_file(con: duckdb.DuckDBPyConnection, batch: Batch, bf: BatchFile, work_dir: Path) -> FileResult:
    """Load one table file into raw. Problems with the file are returned, never raised."""
    t = table(bf.table_name)
    result = FileResult(table_name=t.name, file_name=bf.path.name, status=STATUS_LOADED)
    try:
        if bf.format == "parquet":
            _stage_parquet(con, bf, result)
        else:
            _stage_csv(con, t, batch.batch_id, bf, work_dir, result)
    except FileProblem as e:
        result.status = STATUS_FAILED
        result.message = f"{bf.path.name}: {e}"
        # Rows may have been staged before the problem was found: they are still inserted below.
    except duckdb.Error as e:
        result.status = STATUS_FAILED
        result.message = f"{bf.path.name}: cannot be read ({str(e).splitlines()[0]})"
        return result

    available = _work_columns(con)
    if not available:
        return result
    missing = [c for c in t.column_names if c not in available]
    if missing and result.status != STATUS_FAILED:
        result.status = STATUS_FAILED
        result.message = f"{bf.path.name}: line 1 (header): required column(s) {', '.join(missing)} missing"
    # The work table was filled in file order (insertion order is preserved), so its rowid is the position
    # among accepted rows; each rejected row before it moves it one further down the file. With no rejected row
    # the join is left out: it was a third of the insert's time.
    if result.rows_rejected:
        row_number = "w.rowid + 1 + coalesce(skip.rejected_before, 0)"
        skips = "ASOF LEFT JOIN load_work_skips AS skip ON w.rowid + 1 > skip.good_before"
    else:
        row_number, skips = "w.rowid + 1", ""
    con.execute(
        f"""
        INSERT INTO raw.{quote(t.name)}
        SELECT {_select_list(t, available)},
               {literal(batch.batch_id)}, {literal(bf.path.name)},
               {row_number},
               now()::TIMESTAMP, {literal(bf.sha256)}
        FROM load_work AS w
        {skips}
        """
    )
    if result.rejected_rows:
        con.executemany("INSERT INTO raw.load_rejects VALUES (?, ?, ?, ?, ?, ?, ?, ?)", result.rejected_rows)
    result.rows_loaded = con.execute("SELECT count(*) FROM load_work").fetchone()[0]
    con.execute("DROP TABLE IF EXISTS load_work; DROP TABLE IF EXISTS load_work_skips")
    if result.rows_loaded == 0 and result.rows_rejected == 0 and result.status != STATUS_FAILED:
        result.status = STATUS_FAILED
        result.message = f"{bf.path.name}: has a header but no data rows"
    return result


def _work_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Columns of the file staged for loading, or [] when nothing could be staged."""
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'load_work' AND database_name = 'temp' "
            "ORDER BY column_index"
        ).fetchall()
    ]


def _stage_parquet(con: duckdb.DuckDBPyConnection, bf: BatchFile, result: FileResult) -> None:
    result.encoding = "parquet"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE load_work AS "
        f"SELECT * EXCLUDE (file_row_number) FROM read_parquet({literal(str(bf.path))}, file_row_number=true) "
        "ORDER BY file_row_number"
    )
    cols = _work_columns(con)
    # Raw keeps every value as text, as a CSV would have carried it; names are matched case-insensitively.
    casts = ", ".join(f"CAST({quote(c)} AS VARCHAR) AS {quote(c.strip().lower())}" for c in cols)
    con.execute(f"CREATE OR REPLACE TEMP TABLE load_work AS SELECT {casts} FROM load_work")
    con.execute("CREATE OR REPLACE TEMP TABLE load_work_skips (good_before BIGINT, rejected_before BIGINT)")


def _stage_csv(
    con: duckdb.DuckDBPyConnection, t: Table, batch_id: str, bf: BatchFile, work_dir: Path, result: FileResult
) -> None:
    con.execute("DROP TABLE IF EXISTS load_work; DROP TABLE IF EXISTS load_work_skips")
    if bf.size_bytes == 0:
        raise FileProblem("the file is empty (0 bytes)")
    path = bf.path
    result.encoding = "utf-8"
    tmp: Path | None = None
    try:
        if not bf.is_utf8:
            # Not valid UTF-8: councils' other export encoding is Windows-1252.
            result.encoding = "windows-1252"
            with tempfile.NamedTemporaryFile(dir=work_dir, prefix=f"{t.name}.", suffix=".utf8.csv", delete=False) as fh:
                tmp = Path(fh.name)
            transcode_to_utf8(bf.path, tmp)
            path = tmp
        header = read_header(path)
        con.execute(f"CREATE TEMP TABLE load_work AS SELECT * FROM {_csv_scan_sql(path, header)}")
        _collect_rejects(con, t, batch_id, bf, result)
        check_header(t, header)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _collect_rejects(
    con: duckdb.DuckDBPyConnection, t: Table, batch_id: str, bf: BatchFile, result: FileResult
) -> None:
    rejects = con.execute(
        """
        SELECT line, column_name, error_type, error_message, csv_line
        FROM load_rejects_scan ORDER BY line, column_idx
        """
    ).fetchall()
    con.execute("DROP TABLE IF EXISTS load_rejects_scan; DROP TABLE IF EXISTS load_rejects_scans")
    # One rejected record can produce several errors; the row numbering needs each rejected line once.
    # Rejected record k (1-based, in order) sits at data row line - 1, so good_before = line - 1 - k rows were
    # accepted before it: every accepted row after that point moves down by k.
    lines = sorted({r[0] for r in rejects})
    # Adjacent rejected lines share good_before: keep the largest shift for each.
    skips = {line - 1 - k: k for k, line in enumerate(lines, start=1)}
    con.execute("CREATE OR REPLACE TEMP TABLE load_work_skips (good_before BIGINT, rejected_before BIGINT)")
    if skips:
        con.executemany("INSERT INTO load_work_skips VALUES (?, ?)", list(skips.items()))
    result.rows_rejected = len(lines)
    if rejects:
        result.status = STATUS_LOADED_WITH_REJECTS
        result.rejected_rows = [
            (batch_id, t.name, bf.path.name, line, column, error_type, message, received)
            for line, column, error_type, message, received in rejects
        ]
        line, column, _, message, _ = rejects[0]
        result.message = (
            f"{bf.path.name}: {len(lines)} row(s) rejected, first at line {line}, column {column or '-'}: {message}"
        )


@dataclass
class BatchLoad:
    batch_id: str
    already_loaded: bool
    files: list[FileResult]

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def problems(self) -> list[FileResult]:
        return [f for f in self.files if f.status not in (STATUS_LOADED,)]


def batch_already_loaded(con: duckdb.DuckDBPyConnection, batch_id: str) -> bool:
    return con.execute("SELECT count(*) FROM raw.load_batches WHERE batch_id = ?", [batch_id]).fetchone()[0] > 0


def load_batch(
    con: duckdb.DuckDBPyConnection,
    batch: Batch,
    *,
    work_dir: Path,
    keep_batches: int = 2,
    progress=lambda message: None,
) -> BatchLoad:
    """Load every file of a batch into raw. All of it lands, or none of it: the batch's record is written last.

    A batch already loaded (same files, same contents) is left alone, so loading it twice changes nothing.
    """
    create_raw_schema(con)
    if batch_already_loaded(con, batch.batch_id):
        files = [
            FileResult(table_name=t, file_name=f, status=s, rows_loaded=n, rows_rejected=r, message=m or "")
            for t, f, s, n, r, m in con.execute(
                "SELECT table_name, file_name, status, rows_loaded, rows_rejected, message "
                "FROM raw.load_manifest WHERE batch_id = ? ORDER BY table_name",
                [batch.batch_id],
            ).fetchall()
        ]
        return BatchLoad(batch.batch_id, already_loaded=True, files=files)

    work_dir.mkdir(parents=True, exist_ok=True)
    _remove_unfinished_loads(con)
    started = con.execute("SELECT now()::TIMESTAMP").fetchone()[0]
    try:
        results: list[FileResult] = []
        for bf in batch.files:
            r = load_file(con, batch, bf, work_dir)
            results.append(r)
            progress(
                f"{r.file_name}: {r.rows_loaded:,} rows loaded"
                + (f", {r.rows_rejected:,} rejected" if r.rows_rejected else "")
                + (f" - {r.message}" if r.status == STATUS_FAILED else "")
            )
        changed = [bf.path.name for bf in batch.files if not bf.unchanged()]
        if changed:
            raise BatchError(
                f"{batch.folder}: {', '.join(changed)} changed while the batch was being loaded; nothing was "
                "loaded. Load the batch again once the exporter has finished."
            )
    except BaseException:
        _remove_unfinished_loads(con)
        raise
    results += _batch_level_results(batch)
    files_by_name = {bf.path.name: bf for bf in batch.files}
    # The batch's record is written last, in one transaction with its manifest: until it exists, the batch's
    # raw rows are an unfinished load that nothing downstream reads and the next load removes.
    con.begin()
    try:
        con.executemany(
            "INSERT INTO raw.load_manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
            [
                (
                    batch.batch_id,
                    r.table_name or None,
                    r.file_name or None,
                    files_by_name[r.file_name].format if r.file_name in files_by_name else None,
                    r.encoding,
                    files_by_name[r.file_name].sha256 if r.file_name in files_by_name else None,
                    files_by_name[r.file_name].size_bytes if r.file_name in files_by_name else None,
                    r.rows_loaded,
                    r.rows_rejected,
                    r.status,
                    r.message or None,
                )
                for r in results
            ],
        )
        con.execute(
            "INSERT INTO raw.load_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
            [
                batch.batch_id,
                str(batch.folder),
                batch.extract_date,
                len(batch.files),
                sum(r.rows_loaded for r in results),
                sum(r.rows_rejected for r in results),
                sum(r.status in (STATUS_FAILED, STATUS_MISSING) for r in results),
                started,
            ],
        )
        con.commit()
    except BaseException:
        con.rollback()
        _remove_unfinished_loads(con)
        raise
    _prune_old_batches(con, keep_batches)
    return BatchLoad(batch.batch_id, already_loaded=False, files=results)


def _batch_level_results(batch: Batch) -> list[FileResult]:
    """Tables with no usable file, and files that belong to no table."""
    results = [
        FileResult(table_name=name, file_name="", status=STATUS_FAILED, message=problem)
        for name, problem in batch.table_problems.items()
    ]
    results += [
        FileResult(
            table_name=name,
            file_name="",
            status=STATUS_MISSING,
            message=f"{batch.folder}: no file for {name} (expected {name}.csv or {name}.parquet)",
        )
        for name in batch.missing_tables
        if name not in batch.table_problems
    ]
    results += [
        FileResult(
            table_name="",
            file_name=name,
            status=STATUS_IGNORED,
            message=f"{name}: not a table of the extract contract; left in the batch folder, not loaded",
        )
        for name in batch.unexpected_files
    ]
    return results


def _remove_unfinished_loads(con: duckdb.DuckDBPyConnection) -> None:
    """Delete raw rows of a load that never finished (a crash, or a file that changed under it)."""
    finished = "SELECT batch_id FROM raw.load_batches"
    for t in TABLES:
        con.execute(f"DELETE FROM raw.{quote(t.name)} WHERE _batch_id NOT IN ({finished})")
    con.execute(f"DELETE FROM raw.load_rejects WHERE batch_id NOT IN ({finished})")


def _prune_old_batches(con: duckdb.DuckDBPyConnection, keep_batches: int) -> None:
    """Raw keeps the rows of the latest few batches (each is a full six-year snapshot); the manifest and
    rejects are kept for every batch."""
    old = [
        r[0]
        for r in con.execute(
            "SELECT batch_id FROM raw.load_batches ORDER BY finished_at DESC NULLS FIRST OFFSET ?",
            [keep_batches],
        ).fetchall()
    ]
    if not old:
        return
    for t in TABLES:
        con.execute(f"DELETE FROM raw.{quote(t.name)} WHERE _batch_id IN (SELECT unnest(?::VARCHAR[]))", [old])
