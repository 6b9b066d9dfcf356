"""A batch: one night's export, a folder of table files.

Convention for completeness (shared with the generator and, later, the landing-folder watcher): the exporter
writes each file under a temporary name and renames it, then writes the marker file ``_READY`` last. A folder
without ``_READY`` is still being written and is never loaded, unless the caller says it is complete.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from warehouse.contract import TABLES, TABLES_BY_NAME

READY_MARKER = "_READY"
# Files an exporter is still writing (write-then-rename convention) or that editors leave behind.
PARTIAL_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload")
SUPPORTED_FORMATS = ("csv", "parquet")

_TABLE_FILE = re.compile(r"^(?P<table>[a-z0-9_]+?)(?:_(?P<stamp>\d{8}))?\.(?P<format>csv|parquet)$", re.IGNORECASE)
_HASH_CHUNK = 8 * 1024 * 1024


class BatchError(Exception):
    """The batch as a whole cannot be loaded (not complete, not a folder, still being written)."""


@dataclass(frozen=True)
class BatchFile:
    table_name: str
    path: Path
    format: str
    sha256: str
    is_utf8: bool
    size_bytes: int
    mtime_ns: int
    date_stamp: date | None

    def unchanged(self) -> bool:
        """True while the file on disk is still the one that was fingerprinted (no writer touched it)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return False
        return st.st_size == self.size_bytes and st.st_mtime_ns == self.mtime_ns


@dataclass(frozen=True)
class Batch:
    folder: Path
    batch_id: str
    files: tuple[BatchFile, ...]
    # Tables of the contract with no file in the folder.
    missing_tables: tuple[str, ...]
    # Problems that concern one table's files (e.g. two files for one table); those tables are not loaded.
    table_problems: dict[str, str]
    # Files in the folder that belong to no contract table: reported, never loaded, never deleted.
    unexpected_files: tuple[str, ...]

    @property
    def extract_date(self) -> date | None:
        stamps = {f.date_stamp for f in self.files if f.date_stamp}
        return max(stamps) if stamps else None


def fingerprint_file(path: Path) -> tuple[str, bool]:
    """(sha256, whether the bytes are valid UTF-8), in one pass over the file."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
            if is_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    return digest.hexdigest(), is_utf8


def parse_table_file_name(name: str) -> tuple[str, str, date | None] | None:
    """(table, format, date stamp) for a file name such as ``ssd_cp_visits_20230831.csv``, else None."""
    m = _TABLE_FILE.match(name)
    if not m or m["table"].lower() not in TABLES_BY_NAME:
        return None
    stamp_date = None
    if m["stamp"]:
        try:
            stamp_date = datetime.strptime(m["stamp"], "%Y%m%d").date()
        except ValueError:
            return None
    table = m["table"].lower()
    return table, m["format"].lower(), stamp_date


def read_batch(folder: Path, *, require_marker: bool = True) -> Batch:
    """Fingerprint a batch folder: which file holds each table, and a batch id from the files' checksums.

    The batch id depends only on the files' names and contents, so loading the same export twice is
    recognised whatever folder it sits in.
    """
    if not folder.is_dir():
        raise BatchError(f"{folder}: not a folder (a batch is a folder holding one file per SSD table)")
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    partial = [n for n in names if n.lower().endswith(PARTIAL_SUFFIXES) or n.startswith(".")]
    if partial:
        raise BatchError(
            f"{folder}: still being written ({', '.join(partial[:5])} present); "
            "a batch is loaded only when every file has been renamed into place"
        )
    if require_marker and READY_MARKER not in names:
        raise BatchError(
            f"{folder}: no {READY_MARKER} marker, so the export may still be being written. "
            f"The exporter writes {READY_MARKER} last; if you know the folder is complete, "
            f"create it (touch {folder / READY_MARKER}) or pass --assume-complete"
        )

    by_table: dict[str, list[tuple[str, str, date | None]]] = {}
    unexpected: list[str] = []
    for name in names:
        if name == READY_MARKER:
            continue
        parsed = parse_table_file_name(name)
        if parsed is None:
            unexpected.append(name)
            continue
        table, fmt, stamp = parsed
        by_table.setdefault(table, []).append((name, fmt, stamp))

    problems = {
        table: f"{len(found)} files for {table} ({', '.join(n for n, _, _ in found)}): expected one; "
        "none of them was loaded"
        for table, found in by_table.items()
        if len(found) > 1
    }
    single = sorted((table, found[0]) for table, found in by_table.items() if len(found) == 1)
    paths = [folder / name for _, (name, _, _) in single]
    stats = [path.stat() for path in paths]  # before hashing, so a file changed while it is hashed is noticed
    # Files are hashed in parallel: sha256 releases the GIL, and a national batch is 8.6 GB.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        fingerprints = list(pool.map(fingerprint_file, paths))
    files: list[BatchFile] = []
    for (table, (_, fmt, stamp)), path, st, (sha256, is_utf8) in zip(single, paths, stats, fingerprints, strict=True):
        files.append(
            BatchFile(
                table_name=table,
                path=path,
                format=fmt,
                sha256=sha256,
                is_utf8=is_utf8,
                size_bytes=st.st_size,
                mtime_ns=st.st_mtime_ns,
                date_stamp=stamp,
            )
        )
    missing = tuple(t.name for t in TABLES if t.name not in by_table)
    fingerprint = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.table_name):
        fingerprint.update(f"{f.path.name}\0{f.sha256}\n".encode())
    return Batch(
        folder=folder,
        batch_id=fingerprint.hexdigest()[:16],
        files=tuple(files),
        missing_tables=missing,
        table_problems=problems,
        unexpected_files=tuple(unexpected),
    )
