"""The publication as files for Power BI and Excel: one Parquet or CSV file per published table, and a manifest.

Every table is read through one read-only connection to ``marts.duckdb``: a run that swaps in a new publication
meanwhile does not change what is exported (the open connection keeps the file it opened), so the files always
come from one publication, the one the manifest names.

- Parquet is exact: the declared types (dates as dates, timestamps as timestamps, whole numbers as integers).
- CSV is for Excel: UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the local code page and breaks
  any accented team name), a header row, ISO dates (``2023-08-31``) and timestamps (``2023-09-01 02:13:05``), empty
  for null. Text that Excel would run as a formula (a value starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return) is written with a leading ``'``, always: a CSV is opened by double-click, where there is no
  import step to stop it. The manifest counts the values so marked per table; Parquet never marks anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from declarations.registry import in_layer
from declarations.tables import Declared, quote
from warehouse.marts import MARTS_FILE, marts_path

FORMATS = ("parquet", "csv")
MANIFEST = "manifest.json"
# What Excel (and LibreOffice) take for the start of a formula in a cell opened from CSV: = + - @ tab, carriage return.
FORMULA_START = r"^[=+\-@\t\r]"


class ExportError(Exception):
    """Why nothing was exported, in one line naming the file, folder or table."""


@dataclass(frozen=True)
class Exported:
    table: str
    file: str
    rows: int
    columns: int
    bytes: int
    sha256: str
    formula_guarded: int


def published_tables() -> tuple[Declared, ...]:
    return in_layer("marts")


def choose_tables(names: str | None) -> tuple[Declared, ...]:
    """The tables ``--tables a,b`` names (all the published ones when None), or an error naming the valid ones."""
    tables = published_tables()
    if names is None:
        return tables
    by_name = {t.name: t for t in tables}
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in by_name]
    if unknown or not wanted:
        raise ExportError(
            f"no published table {', '.join(repr(n) for n in unknown) or '(none named)'}; "
            f"the published tables are: {', '.join(by_name)}"
        )
    return tuple(by_name[n] for n in dict.fromkeys(wanted))


def guard_formulas(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Text columns with ``'`` before any value Excel would run as a formula, and how many values were marked."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return frame, 0
    hits = frame.select(pl.sum_horizontal(pl.col(c).str.contains(FORMULA_START).fill_null(False).sum() for c in text))
    guarded = frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )
    return guarded, int(hits.item())


def _write(frame: pl.DataFrame, path: Path, fmt: str) -> int:
    if fmt == "parquet":
        frame.write_parquet(path)
        return 0
    guarded, marked = guard_formulas(frame)
    guarded.write_csv(
        path, include_bom=True, date_format="%Y-%m-%d", datetime_format="%Y-%m-%d %H:%M:%S", null_value=""
    )
    return marked


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _previous_export(out: Path) -> list[Path]:
    """The files an earlier export wrote into ``out`` (its manifest and the files it lists); an error if ``out``
    holds anything else, which this will not delete."""
    manifest = out / MANIFEST
    listed: list[str] = []
    if manifest.exists():
        try:
            listed = [t["file"] for t in json.loads(manifest.read_text(encoding="utf-8"))["tables"]]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ExportError(f"{manifest} is not an export's manifest ({e}); choose an empty or new folder") from None
    # Only plain names in the folder itself: a manifest naming ../anything must not delete it.
    ours = {MANIFEST, *(name for name in listed if isinstance(name, str) and Path(name).name == name)}
    others = sorted(p.name for p in out.iterdir() if p.name not in ours)
    if others:
        raise ExportError(
            f"{out} holds files an export did not write ({', '.join(others[:5])}); choose an empty or new folder"
        )
    return [out / name for name in ours if (out / name).exists()]


def export_publication(
    warehouse_dir: Path, out: Path, fmt: str, tables: tuple[Declared, ...], *, overwrite: bool = False
) -> dict:
    """Write each table to ``out`` as ``<table>.<fmt>`` with ``manifest.json``; return the manifest.

    The files are written into a new folder beside ``out`` and moved in only when all are written: a failure
    leaves ``out`` as it was. A folder ``out`` that holds files is refused unless ``overwrite``, and even then
    only an earlier export's files (those its manifest lists) are replaced.
    """
    if fmt not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if not Path(warehouse_dir).is_dir():
        raise ExportError(f"no warehouse folder {warehouse_dir}")
    source = marts_path(warehouse_dir)
    if not source.is_file():
        raise ExportError(f"{warehouse_dir} has no {MARTS_FILE}: nothing is published there yet (csc run publishes)")
    old: list[Path] = []
    if out.exists():
        if not out.is_dir():
            raise ExportError(f"{out} is a file, not a folder")
        if any(out.iterdir()):
            if not overwrite:
                raise ExportError(f"{out} is not empty; use --overwrite to replace an earlier export there")
            old = _previous_export(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    building = out.parent / f".{out.name}.export-{uuid.uuid4().hex[:8]}"
    building.mkdir()
    try:
        manifest = _export_into(source, building, fmt, tables)
        out.mkdir(exist_ok=True)
        for path in old:
            path.unlink()
        for path in building.iterdir():
            os.replace(path, out / path.name)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return manifest


def _export_into(source: Path, folder: Path, fmt: str, tables: tuple[Declared, ...]) -> dict:
    written: list[Exported] = []
    try:
        con = duckdb.connect(str(source), read_only=True)
    except duckdb.Error as e:
        raise ExportError(f"cannot open {source}: {e}") from None
    with con:
        present = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        missing = [t.name for t in (*tables, *in_layer("marts")) if t.name not in present]
        if missing:
            raise ExportError(
                f"{source} lacks the published tables {', '.join(dict.fromkeys(missing))}: "
                "it was written by an older release; run csc run again"
            )
        publication = con.sql("SELECT run_id, batch_id, as_of, published_at FROM publication").pl()
        for t in tables:
            frame = con.sql(f"SELECT {', '.join(map(quote, t.column_names))} FROM {t.sql_name}").pl()
            path = folder / f"{t.name}.{fmt}"
            marked = _write(frame, path, fmt)
            written.append(
                Exported(t.name, path.name, frame.height, frame.width, path.stat().st_size, _sha256(path), marked)
            )
    row = publication.row(0, named=True) if publication.height else {}
    manifest = {
        "source": str(source),
        "format": fmt,
        "exported_at": datetime.now().isoformat(timespec="seconds"),
        "run_id": row.get("run_id"),
        "batch_id": row.get("batch_id"),
        "as_of": row["as_of"].isoformat() if row.get("as_of") else None,
        "published_at": row["published_at"].isoformat() if row.get("published_at") else None,
        "csv": {"encoding": "utf-8 with BOM", "dates": "YYYY-MM-DD", "formula_guard": "'"} if fmt == "csv" else None,
        "tables": [e.__dict__ for e in written],
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
