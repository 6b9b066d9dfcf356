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
SQL_SERVER_DATETIME = "%Y-%m-%d %H:%M:%S%.3f"


@dataclass(frozen=True)
class FileStyle:
    encoding: Literal["utf-8", "utf-8-sig", "cp1252"] = "utf-8"
    dates: Literal["iso", "uk", "sqlserver"] = "iso"
    missing: Literal["", "NULL"] = ""
    line_end: Literal["\n", "\r\n"] = "\n"
    dated_name: bool = False  # file name carries the as-of date: ssd_cp_visits_20230831.csv


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
    "ssd_cp_visits": FileStyle(dates="sqlserver", missing="NULL", dated_name=True),
    "ssd_cp_reviews": FileStyle(),
    "ssd_cla_episodes": FileStyle(dates="uk"),
    "ssd_cla_placement": FileStyle(),
    "ssd_cla_reviews": FileStyle(),
    "ssd_cla_visits": FileStyle(),
    "ssd_care_leavers": FileStyle(missing="NULL"),
    "ext_cin_plan_reviews": FileStyle(),
    "ext_management_oversight": FileStyle(dates="sqlserver"),
}


def file_name(table: str, as_of: date) -> str:
    suffix = f"_{as_of:%Y%m%d}" if STYLES[table].dated_name else ""
    return f"{table}{suffix}.csv"


def write_atomically(path: Path, data: bytes) -> None:
    part = path.with_name(f".{path.name}.part")
    part.write_bytes(data)
    os.replace(part, path)


def write_table(out_dir: Path, table: str, frame: Frame, as_of: date, chunk_rows: int) -> Path:
    style = STYLES[table]
    path = out_dir / file_name(table, as_of)
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
                line_terminator=style.line_end,
                date_format=DATE_FORMATS.get(style.dates),
                datetime_format=SQL_SERVER_DATETIME,
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
            series = column.to_series(a, b, with_time=style.dates == "sqlserver")
        elif isinstance(column, Ids | Codes | Numbers):
            series = column.to_series(a, b)
        else:  # pragma: no cover - Frame only holds the four kinds
            raise TypeError(type(column))
        columns[name] = series.alias(name)
    return pl.DataFrame(columns)
