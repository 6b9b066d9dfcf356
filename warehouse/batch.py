"""A batch: one night's export, a folder of table files.

Convention for completeness (shared with the generator and, later, the landing-folder watcher): the exporter
writes each file under a temporary name and renames it, then writes the marker file ``_READY`` last. A folder
without ``_READY`` is still being written and is never loaded, unless the caller says it is complete.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from declarations.constants import READY_MARKER
from declarations.contract import TABLES, TABLES_BY_NAME

# Files an exporter is still writing (write-then-rename convention) or that editors leave behind.
PARTIAL_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload")
# Delimited text (the delimiter is found from the header: comma, pipe, tab or semicolon), or Parquet.
TEXT_EXTENSIONS = ("csv", "txt", "tsv")
SUPPORTED_EXTENSIONS = (*TEXT_EXTENSIONS, "parquet")

# How councils name the files: the table's name, in any case, optionally after the SSD's schema
# ("ssd_development.ssd_person.csv") and before a date stamp ("_20230831", "_2023-08-31", "-2023-08-31").
_TABLE_FILE = re.compile(
    r"^(?:(?P<schema>[a-z0-9_]+)\.)?(?P<table>[a-z0-9_]+?)"
    r"(?:[_-](?P<stamp>\d{8}|\d{4}-\d{2}-\d{2}))?\.(?P<extension>csv|txt|tsv|parquet)$",
    re.IGNORECASE,
)
_HASH_CHUNK = 8 * 1024 * 1024


class BatchError(Exception):
    """The batch as a whole cannot be loaded (not complete, not a folder, still being written)."""


@dataclass(frozen=True)
class BatchFile:
    table_name: str
    path: Path
    # "text" (delimited) or "parquet"
    format: str
    # the file's own extension: csv, txt, tsv or parquet
    extension: str
    sha256: str
    is_utf8: bool
    size_bytes: int
    mtime_ns: int
    date_stamp: date | None
    # Lines in the file (a last line without a line end counts): for a delimited file, the header and the
    # rows that should load, however many a broken quote swallows.
    lines: int = 0

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
    # Tables every export must have (``Table.required``) with no file in the folder.
    missing_tables: tuple[str, ...]
    # Tables an export may leave out (extensions, the SSD's other tables) with no file in the folder.
    tables_not_supplied: tuple[str, ...]
    # Problems that concern one table's files (e.g. two files for one table); those tables are not loaded.
    table_problems: dict[str, str]
    # Files in the folder that belong to no contract table: reported, never loaded, never deleted.
    unexpected_files: tuple[str, ...]

    @property
    def extract_date(self) -> date | None:
        """The date the export was taken: the files' date stamps, else the date the exporter wrote in ``_READY``,
        else a date in the folder's name (``20230831``, ``ssd_2023-08-31``)."""
        return self.extract_date_and_source[0]

    @property
    def extract_date_and_source(self) -> tuple[date | None, str]:
        stamps = {f.date_stamp for f in self.files if f.date_stamp}
        if stamps:
            return max(stamps), "the files' date stamps"
        marked = marker_date(self.folder / READY_MARKER)
        if marked:
            return marked, f"the date written in {READY_MARKER}"
        named = _folder_date(self.folder.name)
        if named:
            return named, "the batch folder's name"
        return None, "nowhere"


def _folder_date(name: str) -> date | None:
    m = re.search(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)", name)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def decide_as_of(batch: Batch, given: date | None, last_published: date | None, today: date) -> date:
    """The date a batch's figures are as of: ``given`` (``--as-of``), else the batch's own extract date; never
    today by default (a batch with no date would publish as of whatever day it happened to load). Refused when
    implausible: in the future (a ``_20991231`` stamp), or older than the figures already published (the
    publication would go back in time)."""
    as_of, source = (given, "--as-of") if given else batch.extract_date_and_source
    if as_of is None:
        raise BatchError(
            f"{batch.folder}: no extract date: no file carries a date stamp (ssd_person_20230831.csv), "
            f"{READY_MARKER} holds no date and the folder's name has none. Pass --as-of, or have the exporter write "
            f"the date in {READY_MARKER}; nothing was loaded"
        )
    if as_of > today:
        raise BatchError(
            f"{batch.folder}: extract date {as_of} (from {source}) is in the future (today is {today}); "
            "nothing was loaded"
        )
    if last_published and as_of < last_published:
        raise BatchError(
            f"{batch.folder}: extract date {as_of} (from {source}) is older than the figures already published "
            f"(as of {last_published}); the publication is left as it was. Load an older export into another "
            "warehouse"
        )
    return as_of


def marker_date(marker: Path) -> date | None:
    """The extract date an exporter wrote in its ``_READY`` marker, if any: a date on its own (2023-08-31 or
    31/08/2023), or JSON with ``as_of`` (as the generator writes it). An empty marker gives none."""
    try:
        text = marker.read_text(encoding="utf-8-sig", errors="replace").strip()
    except OSError:
        return None
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("as_of") or "")
        except (ValueError, AttributeError):
            return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def fingerprint_file(path: Path) -> tuple[str, bool, int]:
    """(sha256, whether the bytes are valid UTF-8, lines), in one pass over the file."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    lines, last = 0, b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
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
    return digest.hexdigest(), is_utf8, lines + (last != b"\n")


@dataclass(frozen=True)
class TableFileName:
    table_name: str
    extension: str
    date_stamp: date | None

    @property
    def format(self) -> str:
        return "parquet" if self.extension == "parquet" else "text"


def parse_table_file_name(name: str) -> TableFileName | None:
    """The table, extension and date stamp of a file name such as ``ssd_cp_visits_20230831.csv`` or
    ``SSD_DEVELOPMENT.SSD_PERSON.TXT``; None if it names no table."""
    m = _TABLE_FILE.match(name)
    if not m:
        return None
    table = m["table"].lower()
    stamp_date = None
    if m["stamp"]:
        try:
            stamp_date = datetime.strptime(m["stamp"].replace("-", ""), "%Y%m%d").date()
        except ValueError:
            return None
    if table not in TABLES_BY_NAME:
        return None
    return TableFileName(table, m["extension"].lower(), stamp_date)


def list_batch(
    folder: Path, *, require_marker: bool = True
) -> tuple[dict[str, list[tuple[str, TableFileName]]], list[str]]:
    """The files of a batch folder by table, and the files that belong to no table; reads no file's contents,
    so it is quick enough to check a folder before anything else starts. Raises ``BatchError`` for a folder that
    is not a complete batch or holds no table's file."""
    if folder.is_symlink():
        raise BatchError(
            f"{folder}: a symbolic link, not followed (a link can lead anywhere on this machine); "
            "put the export itself in the folder"
        )
    if not folder.is_dir():
        raise BatchError(f"{folder}: not a folder (a batch is a folder holding one file per SSD table)")
    entries = sorted(folder.iterdir())
    links = [p.name for p in entries if p.is_symlink()]
    if links:
        raise BatchError(
            f"{folder}: {', '.join(links[:5])}{' and more' if len(links) > 5 else ''}: symbolic link(s), never "
            "followed out of a batch folder (one can point at any file on this machine); nothing was loaded. "
            "Copy the files themselves into the batch"
        )
    names = [p.name for p in entries if p.is_file()]
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

    by_table: dict[str, list[tuple[str, TableFileName]]] = {}
    unexpected: list[str] = []
    for name in names:
        if name == READY_MARKER:
            continue
        parsed = parse_table_file_name(name)
        if parsed is None:
            unexpected.append(name)
            continue
        by_table.setdefault(parsed.table_name, []).append((name, parsed))
    if not by_table:
        found = ", ".join(unexpected[:20]) + (f" and {len(unexpected) - 20} more" if len(unexpected) > 20 else "")
        raise BatchError(
            f"{folder}: no file is an SSD table, so nothing was loaded (found: {found or 'no files'}). "
            "Files are named after their table, e.g. ssd_person.csv, ssd_development.ssd_person.csv or "
            "ssd_person_2023-08-31.txt (csv, txt, tsv or parquet); see the data dictionary for the tables"
        )
    return by_table, unexpected


def read_batch(folder: Path, *, require_marker: bool = True) -> Batch:
    """Fingerprint a batch folder: which file holds each table, and a batch id from the files' checksums.

    The batch id depends only on the files' names and contents, so loading the same export twice is
    recognised whatever folder it sits in.
    """
    by_table, unexpected = list_batch(folder, require_marker=require_marker)
    problems = {
        table: f"{len(found)} files for {table} ({', '.join(n for n, _ in found)}): expected one; "
        "none of them was loaded"
        for table, found in by_table.items()
        if len(found) > 1
    }
    single = sorted((table, found[0]) for table, found in by_table.items() if len(found) == 1)
    paths = [folder / name for _, (name, _) in single]
    stats = [path.stat() for path in paths]  # before hashing, so a file changed while it is hashed is noticed
    # Files are hashed in parallel: sha256 releases the GIL, and a national batch is 8.6 GB.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        fingerprints = list(pool.map(fingerprint_file, paths))
    files: list[BatchFile] = []
    for (table, (_, parsed)), path, st, (sha256, is_utf8, lines) in zip(
        single, paths, stats, fingerprints, strict=True
    ):
        files.append(
            BatchFile(
                table_name=table,
                path=path,
                format=parsed.format,
                extension=parsed.extension,
                sha256=sha256,
                is_utf8=is_utf8,
                size_bytes=st.st_size,
                mtime_ns=st.st_mtime_ns,
                date_stamp=parsed.date_stamp,
                lines=lines,
            )
        )
    missing = tuple(t.name for t in TABLES if t.required and t.name not in by_table)
    not_supplied = tuple(t.name for t in TABLES if not t.required and t.name not in by_table)
    fingerprint = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.table_name):
        fingerprint.update(f"{f.path.name}\0{f.sha256}\n".encode())
    return Batch(
        folder=folder,
        batch_id=fingerprint.hexdigest()[:16],
        files=tuple(files),
        missing_tables=missing,
        tables_not_supplied=not_supplied,
        table_problems=problems,
        unexpected_files=tuple(unexpected),
    )
