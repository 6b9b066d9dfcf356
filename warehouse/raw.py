"""Schema ``raw``: each table file as received, every value as text, plus load metadata.

Nothing received is lost: a row that does not parse as CSV goes to ``raw.load_rejects`` with its line, the
column and the reason; a file that cannot be used is recorded in ``raw.load_manifest`` with the reason, and
whatever rows it had are still kept in its raw table (staging leaves them out).
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from declarations.contract import TABLES, Table, table
from declarations.operations import LOAD_MANIFEST, LOAD_RECORDS
from declarations.registry import in_layer
from declarations.systems import SYSTEMS, aliases, closest_system, matching_systems, may_be_absent
from declarations.tables import literal, quote
from declarations.words import counted
from warehouse import repair
from warehouse.batch import Batch, BatchError, BatchFile
from warehouse.db import ensure_tables, fetch_one

# raw.load_manifest as the loader fills it (loaded_at is the time it writes the row).
MANIFEST_COLUMNS = tuple(c for c in LOAD_MANIFEST.column_names if c != "loaded_at")

STATUS_LOADED = "loaded"
STATUS_LOADED_WITH_REJECTS = "loaded_with_rejects"
STATUS_FAILED = "failed"
# A table every export must have (``Table.required``) with no file.
STATUS_MISSING = "missing"
# A table an export may leave out (an extension, one of the SSD's other tables) with no file: not a problem.
STATUS_NOT_SUPPLIED = "not_supplied"
STATUS_IGNORED = "ignored"


def create_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Every raw table and the load's own records, with their comments; a table declared since the warehouse was
    made is created, and a column declared since is added."""
    ensure_tables(con, (*LOAD_RECORDS, *in_layer("raw")))


@dataclass
class FileResult:
    table_name: str
    file_name: str
    status: str
    rows_loaded: int = 0
    rows_rejected: int = 0
    encoding: str | None = None
    message: str = ""
    # Which case system's shape the header is (``declarations.systems``): one name, several that write the
    # same header ("systemc/eclipse"), "any", or the closest followed by "?" when none matches exactly.
    export_shape: str | None = None
    delimiter: str | None = None
    # "received name -> contract name" for columns a system names differently
    columns_renamed: list[str] = field(default_factory=list)
    # contract columns the file lacks: NULL, or derived in staging (columns_derived)
    columns_absent: list[str] = field(default_factory=list)
    columns_derived: list[str] = field(default_factory=list)
    # Rows for raw.load_rejects, written with the file's rows.
    rejected_rows: list[tuple] = field(default_factory=list, repr=False)


class FileProblem(Exception):
    """The file cannot be used at all: the message names the file and what is wrong."""


# The delimiters councils' exports use, in the order a tie is settled.
DELIMITERS = (",", "|", "\t", ";")
DELIMITER_NAMES = {",": "comma", "|": "pipe", "\t": "tab", ";": "semicolon"}


def _first_record(path: Path) -> str:
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
    return first


def _split_header(first: str, delimiter: str) -> list[str]:
    return [n.strip().lower() for n in next(csv.reader(io.StringIO(first), delimiter=delimiter))]


def sniff_delimiter(first: str, t: Table, extension: str) -> str:
    """The delimiter that splits the header into the most of the table's column names (any system's), else
    the extension's own (tab for .tsv, comma otherwise)."""
    known = {c.name for c in t.columns} | set(aliases(t.name))
    default = "\t" if extension == "tsv" else ","
    scores = {d: len(known.intersection(_split_header(first, d))) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (scores[d], d == default))
    return best if scores[best] else default


def read_header(path: Path, delimiter: str = ",") -> list[str]:
    """The header row's column names, normalised (trimmed, lower case, BOM removed)."""
    return _split_header(_first_record(path), delimiter)


@dataclass(frozen=True)
class ColumnPlan:
    """How a file supplies each contract column of its table."""

    received: dict[str, str]  # contract column -> the file's column holding it
    absent: list[str]  # contract columns the file lacks (NULL in raw)
    derived: list[str]  # of those, the ones staging derives (``Column.derived_via``)
    export_shape: str

    @property
    def renamed(self) -> list[str]:
        return [f"{received} -> {column}" for column, received in self.received.items() if received != column]


def plan_columns(t: Table, header: list[str], *, system: str | None = None) -> ColumnPlan:
    """Match a file's header to the contract: by name, or by the name a case system gives the column; a
    column the system does not export is absent (or derived, for a person id some systems leave out). With
    ``system`` the file must have that system's shape; without, whichever system's it is.

    Raises ``FileProblem`` naming the column when the header has no name for a column, repeats one, or lacks a
    column every system exports."""
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            raise FileProblem(f"line 1 (header), column {position}: the column has no name")
        if name in seen:
            raise FileProblem(f"line 1 (header), column {position}: column {name!r} appears twice")
        seen.add(name)
    shape = SYSTEMS[system] if system else None
    other_names = shape.shape(t.name).renamed.items() if shape else ((c, r) for r, c in aliases(t.name).items())
    received: dict[str, str] = {}
    for column, name in [(c.name, c.name) for c in t.columns] + list(other_names):
        if column not in received and name in seen:
            received[column] = name
    received = {c.name: received[c.name] for c in t.columns if c.name in received}
    absent, derived, missing = [], [], []
    for c in t.columns:
        if c.name in received:
            continue
        if c.derived_via in received:
            derived.append(c.name)
        elif not shape.exports(t, c) if shape else may_be_absent(t, c):
            pass
        else:
            missing.append(c.name + (f" (or {c.derived_via}, to derive it from)" if c.derived_via else ""))
            continue
        absent.append(c.name)
    if missing:
        expected = f" (the {shape.label} export has it)" if shape and len(missing) == 1 else ""
        raise FileProblem(
            f"line 1 (header): required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"missing{expected} (the file has: {', '.join(header)})"
        )
    if shape:
        export_shape = shape.name
    else:
        matching = matching_systems(t.name, seen)
        export_shape = (
            "any" if len(matching) == len(SYSTEMS) else "/".join(matching) or f"{closest_system(t.name, seen)}?"
        )
    return ColumnPlan(received, absent, derived, export_shape)


def _csv_scan_sql(path: Path, header: list[str], delimiter: str) -> str:
    # Explicit columns and no auto-detection: a malformed file must fail row by row, never silently turn
    # into one text column (shared/stack-notes.md).
    columns = ", ".join(f"{literal(n)}: 'VARCHAR'" for n in header)
    return (
        f"read_csv({literal(str(path))}, columns={{{columns}}}, header=true, auto_detect=false, "
        f"delim={literal(delimiter)}, quote='\"', escape='\"', strict_mode=true, store_rejects=true, "
        "rejects_table='load_rejects_scan', rejects_scan='load_rejects_scans')"
    )


def _select_list(t: Table, available: list[str], plan: ColumnPlan | None) -> str:
    """Contract columns (NULL where the file lacks them), by name: ``INSERT ... BY NAME``. The file's other
    columns go in a map."""
    received = plan.received if plan else {c: c for c in t.column_names if c in available}
    cols = [f"{quote(received[c])} AS {quote(c)}" if c in received else f"NULL AS {quote(c)}" for c in t.column_names]
    extras = [n for n in available if n not in received.values()]
    if extras:
        keys = ", ".join(literal(n) for n in extras)
        values = ", ".join(quote(n) for n in extras)
        cols.append(f"map([{keys}], [{values}]) AS _extra_columns")
    else:
        cols.append("NULL::MAP(VARCHAR, VARCHAR) AS _extra_columns")
    return ", ".join(cols)


def load_file(
    con: duckdb.DuckDBPyConnection, batch: Batch, bf: BatchFile, work_dir: Path, *, system: str | None = None
) -> FileResult:
    """Load one table file into raw. Problems with the file are returned, never raised: a file whose header
    does not fit its table fails, and its rows are still kept in raw (staging leaves them out)."""
    t = table(bf.table_name)
    result = FileResult(table_name=t.name, file_name=bf.path.name, status=STATUS_LOADED)
    plan: ColumnPlan | None = None
    try:
        if bf.format == "parquet":
            header = _stage_parquet(con, t, bf, result)
        else:
            header = _stage_csv(con, t, batch.batch_id, bf, work_dir, result)
        plan = plan_columns(t, header, system=system)
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
    if plan is not None:
        result.export_shape = plan.export_shape
        result.columns_renamed, result.columns_absent, result.columns_derived = plan.renamed, plan.absent, plan.derived
    # The work table was filled in file order (insertion order is preserved), so its rowid is the position
    # among accepted rows; each rejected row before it moves it one further down the file. With no rejected row
    # the join is left out: it was a third of the insert's time.
    if result.rows_rejected:
        row_number = "w.rowid + 1 + coalesce(skip.rejected_before, 0)"
        skips = "ASOF LEFT JOIN load_work_skips AS skip ON w.rowid + 1 > skip.good_before"
    else:
        row_number, skips = "w.rowid + 1", ""
    # BY NAME: a warehouse made before a column was declared has it at the end of the table.
    con.execute(
        f"""
        INSERT INTO raw.{quote(t.name)} BY NAME
        SELECT {_select_list(t, available, plan)},
               {literal(batch.batch_id)} AS _batch_id, {literal(bf.path.name)} AS _source_file,
               {row_number} AS _row_number,
               now()::TIMESTAMP AS _loaded_at, {literal(bf.sha256)} AS _file_sha256
        FROM load_work AS w
        {skips}
        """
    )
    if result.rejected_rows:
        con.executemany("INSERT INTO raw.load_rejects VALUES (?, ?, ?, ?, ?, ?, ?, ?)", result.rejected_rows)
    result.rows_loaded = fetch_one(con.execute("SELECT count(*) FROM load_work"))[0]
    con.execute("DROP TABLE IF EXISTS load_work; DROP TABLE IF EXISTS load_work_skips")
    if result.rows_loaded == 0 and result.rows_rejected == 0 and result.status != STATUS_FAILED:
        if t.required:
            result.status = STATUS_FAILED
            result.message = f"{bf.path.name}: has a header but no data rows"
        else:
            # The SSD builds some tables as placeholders with no rows yet (ssd_s251_finance, ...).
            result.message = f"{bf.path.name}: no rows"
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


_NUMBER_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
)
# The Parquet types each kind of contract column may arrive as (beside text, which every kind accepts). An id
# stored as a number has lost its leading zeros already, so it is refused, as is any nested or binary value.
_PARQUET_TYPES: dict[str, tuple[str, ...]] = {
    "id": (),
    "date": ("DATE", "TIMESTAMP"),
    "flag": ("BOOLEAN", *_NUMBER_TYPES),
    "int": _NUMBER_TYPES,
    "float": _NUMBER_TYPES,
    "text": _NUMBER_TYPES,
    "code": _NUMBER_TYPES,
    "json": (),
}


def parquet_type_problems(t: Table, types: dict[str, str]) -> list[str]:
    """Each contract column of ``t`` (under any system's name) whose Parquet type does not fit its kind."""
    names = {c.name: c for c in t.columns} | {received: t.column(c) for received, c in aliases(t.name).items()}
    problems = []
    for name, type_ in types.items():
        c = names.get(name.strip().lower())
        base = type_.split("(")[0].split(" ")[0]
        if c is None or type_ == "VARCHAR" or base in _PARQUET_TYPES[c.kind]:
            continue
        why = {"id": "ids are text (a number loses leading zeros)"}.get(c.kind, f"the column holds a {c.kind}")
        problems.append(f"column {name} is stored as {type_}: {why}")
    return problems


def _stage_parquet(con: duckdb.DuckDBPyConnection, t: Table, bf: BatchFile, result: FileResult) -> list[str]:
    result.encoding = "parquet"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE load_work AS "
        f"SELECT * EXCLUDE (file_row_number) FROM read_parquet({literal(str(bf.path))}, file_row_number=true) "
        "ORDER BY file_row_number"
    )
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE load_work)").fetchall())
    cols = list(types)
    # Raw keeps every value as text, as a CSV would have carried it; names are matched case-insensitively.
    casts = ", ".join(f"CAST({quote(c)} AS VARCHAR) AS {quote(c.strip().lower())}" for c in cols)
    con.execute(f"CREATE OR REPLACE TEMP TABLE load_work AS SELECT {casts} FROM load_work")
    con.execute("CREATE OR REPLACE TEMP TABLE load_work_skips (good_before BIGINT, rejected_before BIGINT)")
    problems = parquet_type_problems(t, types)
    if problems:
        # the rows are kept in raw as text; the file fails, so no figure is built on values already changed
        raise FileProblem("; ".join(problems) + ". Export these columns as text")
    return [c.strip().lower() for c in cols]


def _scan_names(header: list[str]) -> list[str]:
    """Column names to read the file with: a blank or repeated name is made unique, so the file's rows are
    still read (and kept in raw) while the header is reported."""
    names: list[str] = []
    for position, name in enumerate(header, start=1):
        scan = name or f"column_{position}"
        while scan in names:
            scan = f"{scan}__{position}"
        names.append(scan)
    return names


def _stage_csv(
    con: duckdb.DuckDBPyConnection, t: Table, batch_id: str, bf: BatchFile, work_dir: Path, result: FileResult
) -> list[str]:
    con.execute("DROP TABLE IF EXISTS load_work; DROP TABLE IF EXISTS load_work_skips")
    if bf.size_bytes == 0:
        raise FileProblem("the file is empty (0 bytes)")
    tmp: Path | None = None
    try:
        first = _first_record(bf.path) if bf.is_utf8 else repair.first_record(bf.path)
        if not first.strip():
            raise FileProblem("the file is empty (no header row)")
        if "\x00" in first:  # valid UTF-8, but every other byte NUL: UTF-16 that lost its byte-order mark
            raise FileProblem(repair.NO_BYTE_ORDER_MARK)
        result.delimiter = sniff_delimiter(first, t, bf.extension)
        header = _split_header(first, result.delimiter)
        names = _scan_names(header)
        result.encoding = "utf-8"
        path = bf.path
        broken: list[tuple[int, str]] = []
        if not (bf.is_utf8 and _read_as_received(con, bf.path, names, result.delimiter)):
            # not UTF-8, line endings mixed, a quote never closed: read from a copy repaired line by line
            tmp, broken = _repaired(bf, work_dir, t, result, len(names))
            path = tmp
            con.execute(f"CREATE TEMP TABLE load_work AS SELECT * FROM {_csv_scan_sql(path, names, result.delimiter)}")
        _collect_rejects(con, t, batch_id, bf, result, path, broken)
        return header
    except repair.Unreadable as e:
        raise FileProblem(str(e)) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _read_as_received(con: duckdb.DuckDBPyConnection, path: Path, names: list[str], delimiter: str) -> bool:
    """Scan the file as it came into ``load_work``; False, with nothing left, where DuckDB cannot read it so: line
    endings mixed ("The CSV Parser state machine reached an invalid state"), or a quote never closed, which would
    swallow the rest of the file into one rejected row."""
    try:
        con.execute(f"CREATE TEMP TABLE load_work AS SELECT * FROM {_csv_scan_sql(path, names, delimiter)}")
        unquoted = "SELECT count(*) FROM load_rejects_scan WHERE error_type = 'UNQUOTED VALUE'"
        if not con.execute(unquoted).fetchall()[0][0]:
            return True
    except duckdb.InvalidInputException:
        pass
    con.execute(
        "DROP TABLE IF EXISTS load_work; DROP TABLE IF EXISTS load_rejects_scan; "
        "DROP TABLE IF EXISTS load_rejects_scans"
    )
    return False


def _repaired(bf: BatchFile, work_dir: Path, t: Table, result: FileResult, columns: int) -> tuple[Path, list]:
    assert result.delimiter is not None  # sniffed from the header before the file is read (_stage_csv)
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=work_dir, prefix=f"{t.name}.", suffix=".utf8.csv", delete=False) as fh:
        tmp = Path(fh.name)
    try:
        repaired = repair.repair_to_utf8(bf.path, tmp, delimiter=result.delimiter, columns=columns)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    result.encoding = repaired.encoding
    return tmp, repaired.broken_lines


# DuckDB keeps the first 10,000 characters of a rejected line; longer ones are read again from the file.
_REJECT_LINE_KEPT = 10_000
UNTERMINATED = (
    "a quote opened on this line is never closed: the line is kept here whole and reading resumed on the next line"
)


def _collect_rejects(
    con: duckdb.DuckDBPyConnection,
    t: Table,
    batch_id: str,
    bf: BatchFile,
    result: FileResult,
    path: Path,
    broken: list[tuple[int, str]],
) -> None:
    rejects = con.execute(
        """
        SELECT line, column_name, error_type, error_message, csv_line
        FROM load_rejects_scan ORDER BY line, column_idx
        """
    ).fetchall()
    con.execute("DROP TABLE IF EXISTS load_rejects_scan; DROP TABLE IF EXISTS load_rejects_scans")
    # Nothing received is lost: every rejected line is kept whole.
    cut = {r[0] for r in rejects if r[4] is not None and len(r[4]) >= _REJECT_LINE_KEPT}
    whole = repair.whole_lines(path, cut) if cut else {}
    rejects = sorted(
        [(line, column, kind, message, whole.get(line, received)) for line, column, kind, message, received in rejects]
        + [(line, None, "UNTERMINATED QUOTE", UNTERMINATED, text) for line, text in broken],
        key=lambda r: r[0],
    )
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
        return [f for f in self.files if f.status not in (STATUS_LOADED, STATUS_NOT_SUPPLIED)]

    @property
    def not_supplied(self) -> list[str]:
        """Tables an export may leave out that this one did."""
        return [f.table_name for f in self.files if f.status == STATUS_NOT_SUPPLIED]


def batch_already_loaded(con: duckdb.DuckDBPyConnection, batch_id: str) -> bool:
    return fetch_one(con.execute("SELECT count(*) FROM raw.load_batches WHERE batch_id = ?", [batch_id]))[0] > 0


def load_batch(
    con: duckdb.DuckDBPyConnection,
    batch: Batch,
    *,
    work_dir: Path,
    keep_batches: int = 2,
    system: str | None = None,
    progress=lambda message: None,
) -> BatchLoad:
    """Load every file of a batch into raw. All of it lands, or none of it: the batch's record is written last.

    A batch already loaded (same files, same contents) is left alone, so loading it twice changes nothing.
    ``system`` names the case system whose shape every file must have (``declarations.systems``); by default each
    file's shape is found from its header.
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
    started = fetch_one(con.execute("SELECT now()::TIMESTAMP"))[0]
    try:
        results: list[FileResult] = []
        for bf in batch.files:
            r = load_file(con, batch, bf, work_dir, system=system)
            results.append(r)
            progress(
                f"{r.file_name}: {counted(r.rows_loaded, 'row')} loaded"
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
            f"INSERT INTO raw.load_manifest ({', '.join(MANIFEST_COLUMNS)}, loaded_at) "
            f"VALUES ({', '.join('?' for _ in MANIFEST_COLUMNS)}, now()::TIMESTAMP)",
            [
                (
                    batch.batch_id,
                    r.table_name or None,
                    r.file_name or None,
                    files_by_name[r.file_name].extension if r.file_name in files_by_name else None,
                    r.encoding,
                    files_by_name[r.file_name].sha256 if r.file_name in files_by_name else None,
                    files_by_name[r.file_name].size_bytes if r.file_name in files_by_name else None,
                    r.rows_loaded,
                    r.rows_rejected,
                    r.status,
                    r.message or None,
                    r.export_shape,
                    DELIMITER_NAMES.get(r.delimiter or ""),
                    r.columns_renamed or None,
                    r.columns_absent or None,
                    r.columns_derived or None,
                    files_by_name[r.file_name].lines
                    if r.file_name in files_by_name and files_by_name[r.file_name].format == "text"
                    else None,
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
            table_name=name,
            file_name="",
            status=STATUS_NOT_SUPPLIED,
            message=f"{name}: not in this export"
            + (
                " (a local extension: the figures that need it are published as unavailable)"
                if table(name).ext
                else " (optional)"
            ),
        )
        for name in batch.tables_not_supplied
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
