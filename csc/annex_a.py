"""Writing Ofsted's Annex A lists: one workbook (a cover sheet, then a sheet a list) and a CSV each, dates as
dd/mm/yyyy. The cover sheet says the files hold personal data, which lists are not written and why, and which
columns the export could not fill (they are blank)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from declarations.annex_a import ANNEX_A_LISTS, AnnexList
from transforms.indicators import months_before

PERSONAL_DATA = (
    "OFFICIAL-SENSITIVE. These lists hold personal data (children's ids, dates of birth, ethnicity) for Ofsted's "
    "inspection. Keep them only where the council's data protection policy allows, send them only by the secure "
    "route Ofsted gives, and delete them when the inspection is over."
)


def csv_name(spec: AnnexList) -> str:
    return f"annex-a-list-{spec.number:02d}-{re.sub(r'[^a-z0-9]+', '-', spec.name.lower()).strip('-')}.csv"


def blank_columns(frame: pl.DataFrame) -> list[str]:
    """The columns with no value in any row (where the list has rows): what the export could not fill."""
    return [c for c in frame.columns if frame.height and frame[c].null_count() == frame.height]


def write_annex_a(lists: dict[int, pl.DataFrame], out_dir: Path, *, as_of: date, months: int) -> list[Path]:
    """Write the lists and the cover sheet; the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in ANNEX_A_LISTS:
        if spec.number in lists:
            path = out_dir / csv_name(spec)
            _as_text(lists[spec.number]).write_csv(path)
            written.append(path)
    workbook_path = out_dir / f"annex-a-{as_of:%Y%m%d}.xlsx"
    # values are the case system's: never read as formulas, links or numbers
    wb = xlsxwriter.Workbook(
        str(workbook_path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    bold = wb.add_format({"bold": True})
    header = wb.add_format({"bold": True, "bg_color": "#263238", "font_color": "#FFFFFF", "text_wrap": True})
    day = wb.add_format({"num_format": "dd/mm/yyyy"})
    cover = wb.add_worksheet("Cover")
    cover.set_column(0, 0, 34)
    cover.set_column(1, 3, 60)
    cover.write(0, 0, f"Ofsted Annex A lists for {as_of:%d/%m/%Y}", bold)
    cover.write(1, 0, f"Period: the {months} months from {months_before(as_of, months):%d/%m/%Y} to {as_of:%d/%m/%Y}")
    cover.write(2, 0, PERSONAL_DATA, bold)
    cover.write_row(4, 0, ["List", "Rows", "Not written because", "Blank: the export does not fill"], header)
    for row, spec in enumerate(ANNEX_A_LISTS, start=5):
        frame = lists.get(spec.number)
        cover.write(row, 0, spec.sheet)
        cover.write(row, 1, frame.height if frame is not None else "")
        cover.write(row, 2, spec.not_written or (f"the export has no {spec.needs}" if frame is None else ""))
        cover.write(row, 3, ", ".join(blank_columns(frame)) if frame is not None else "")
    for spec in ANNEX_A_LISTS:
        frame = lists.get(spec.number)
        if frame is None:
            continue
        ws = wb.add_worksheet(spec.sheet)
        ws.write_row(0, 0, list(frame.columns), header)
        ws.freeze_panes(1, 1)
        ws.set_column(0, len(frame.columns), 16)
        for r, values in enumerate(frame.iter_rows(), start=1):
            for col, value in enumerate(values):
                if isinstance(value, date):
                    ws.write_datetime(r, col, datetime(value.year, value.month, value.day), day)
                elif value is not None:
                    ws.write(r, col, value)
    wb.close()
    return [workbook_path, *written]


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as dd/mm/yyyy, as Ofsted asks."""
    return frame.with_columns(pl.col(pl.Date).dt.strftime("%d/%m/%Y"))
