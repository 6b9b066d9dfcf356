"""Writing tables as a council's nightly export: one CSV per table, each file in its own system's habits.

The habits below are what real SSD exports show (``shared/contract.md``) and are part of every clean batch:
Windows-1252 or UTF-8 (one with a byte-order mark), ISO, UK day-first or SQL Server datetime dates, blank or
``NULL`` for missing values, Windows line ends, and a date suffix on one file name. A file is written to a
hidden ``.<name>.part`` and renamed when complete, so a half-written file never looks like a table.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl

from .frame import Codes, Dates, Frame, Ids, Numbers

DATE_FORMATS = {"iso": "%Y-%m-%d", "uk": "%d/%m/%Y"}
# Datetime columns: SQL Server's DATETIME as SSMS and bcp write it; PostgreSQL's TIMESTAMP as \copy writes it.
DATETIME_FORMATS = {"sqlserver": "%Y-%m-%d %H:%M:%S%.3f", "timestamp": "%Y-%m-%d %H:%M:%S"}


@dataclass(frozen=True)
class FileStyle:
    encoding: Literal["utf-8", "utf-8-sig", "cp1252"] = "utf-8"
    dates: Literal["iso", "uk", "sqlserver", "timestamp"] = "iso"
    missing: Literal["", "NULL"] = ""
    line_end: Literal["\n", "\r\n"] = "\n"
    delimiter: str = ","
    extension: str = "csv"
    # The file name carries the as-of date: ssd_cp_visits_20230831.csv ("compact") or ssd_person_2023-08-31.csv
    # ("dashes").
    dated_name: Literal[False, "compact", "dashes"] = False
    # The SSD's schema before the table's name: ssd_development.ssd_person.csv
    schema_prefix: str = ""

    def file_name(self, table: str, as_of: date) -> str:
        prefix = f"{self.schema_prefix}." if self.schema_prefix else ""
        suffix = {False: "", "compact": f"_{as_of:%Y%m%d}", "dashes": f"_{as_of:%Y-%m-%d}"}[self.dated_name]
        return f"{prefix}{table}{suffix}.{self.extension}"


WINDOWS = FileStyle(encoding="cp1252", dates="uk", line_end="\r\n")
SQL_SERVER = FileStyle(dates="sqlserver", missing="NULL")

STYLES: dict[str, FileStyle] = {
    "ssd_person": WINDOWS,
    "ssd_department": FileStyle(encoding="cp1252", line_end="\r\n"),
    "ssd_professionals": FileStyle(encoding="utf-8-sig", missing="NULL"),
    "ssd_involvements": FileStyle(missing="NULL"),
    "ssd_contacts": SQL_SERVER,
    "ssd_cin_episodes": FileStyle(),
    "ssd_cin_assessments": FileStyle(),
    "ssd_s47_enquiry": FileStyle(missing="NULL"),
    "ssd_initial_cp_conference": FileStyle(),
    "ssd_cin_plans": FileStyle(),
    "ssd_cin_visits": FileStyle(),
    "ssd_cp_plans": FileStyle(missing="NULL"),
    "ssd_cp_visits": FileStyle(dates="sqlserver", missing="NULL", dated_name="compact"),
    "ssd_cp_reviews": FileStyle(),
    "ssd_cla_episodes": FileStyle(dates="uk"),
    "ssd_cla_placement": FileStyle(),
    "ssd_cla_reviews": FileStyle(),
    "ssd_cla_visits": FileStyle(),
    "ssd_care_leavers": FileStyle(missing="NULL"),
    "ext_cin_plan_reviews": FileStyle(),
    "ext_management_oversight": FileStyle(dates="sqlserver"),
}


def write_atomically(path: Path, data: bytes) -> None:
    part = path.with_name(f".{path.name}.part")
    part.write_bytes(data)
    os.replace(part, path)


def write_table(out_dir: Path, name: str, frame: Frame, style: FileStyle, chunk_rows: int) -> Path:
    """Write a frame as the file ``name``, in the style's habits; under a hidden ``.part`` name until complete."""
    path = out_dir / name
    part = path.with_name(f".{path.name}.part")
    with part.open("wb") as out:
        if style.encoding == "utf-8-sig":
            out.write(b"\xef\xbb\xbf")
        for start in range(0, max(frame.n, 1), chunk_rows):
            chunk = _chunk(frame, start, min(start + chunk_rows, frame.n), style)
            text = io.BytesIO()
            chunk.write_csv(
                text,
                include_header=start == 0,
                separator=style.delimiter,
                line_terminator=style.line_end,
                date_format=DATE_FORMATS.get(style.dates),
                datetime_format=DATETIME_FORMATS.get(style.dates, DATETIME_FORMATS["sqlserver"]),
                null_value=style.missing,
                quote_style="necessary",
            )
            data = text.getvalue()
            if style.encoding == "cp1252":
                data = data.decode("utf-8").encode("cp1252")
            out.write(data)
    os.replace(part, path)
    return path


def _chunk(frame: Frame, a: int, b: int, style: FileStyle) -> pl.DataFrame:
    columns = {}
    for name, column in frame.columns.items():
        if isinstance(column, Dates):
            series = column.to_series(a, b, with_time=style.dates in DATETIME_FORMATS)
        elif isinstance(column, Ids | Codes | Numbers):
            series = column.to_series(a, b)
        else:  # pragma: no cover - Frame only holds the four kinds
            raise TypeError(type(column))
        columns[name] = series.alias(name)
    return pl.DataFrame(columns)
