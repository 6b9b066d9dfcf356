"""A corpus of bad inputs, as an unlucky night or a careless exporter sends them, generated here (none committed).

For each case, through the loader and staging: nothing received is lost (every record written is in raw, as a row
or as a rejected line kept whole, or the file is refused by name and left as it came), nothing crashes without
naming the file, and staging keeps every row raw accepted from a file that did not fail."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import write_batch
from tests.test_ingest import CP_VISITS_HEADER, PERSON_HEADER
from warehouse.batch import BatchError, decide_as_of, read_batch
from warehouse.raw import load_batch
from warehouse.staging import build_staging

ROWS = [f"V{i},P1,CP1,2023-08-{i:02d},Y,N,N" for i in range(1, 9)]
PERSON = PERSON_HEADER + "P1,,,A,B,F,,,2015-01-01,,,,,,,\n"
VISITS = "ssd_cp_visits_20230831.csv"


def visits(lines: list[str], *, header: str = CP_VISITS_HEADER, end: str = "\n") -> str:
    return header + end.join(lines) + end


def with_row(i: int, row: str) -> list[str]:
    return ROWS[:i] + [row] + ROWS[i:]


# name -> the batch's files (str written as UTF-8, bytes as they are)
CASES: dict[str, Callable[[], dict[str, str | bytes]]] = {
    # encodings
    "a Windows-1252 byte in a UTF-8 file": lambda: {
        VISITS: visits(ROWS).encode() + "V90,Children\x92s,CP1,2023-08-01,Y,N,N\n".encode("latin-1")
    },
    "a whole Windows-1252 file": lambda: {VISITS: visits(with_row(2, "V90,Zoë,CP1,2023-08-01,Y,N,N")).encode("cp1252")},
    "UTF-16 with its byte-order mark": lambda: {VISITS: visits(ROWS, end="\r\n").encode("utf-16")},
    "UTF-16 without a byte-order mark": lambda: {VISITS: visits(ROWS).encode("utf-16-le")},
    "a UTF-8 byte-order mark": lambda: {VISITS: "\ufeff" + visits(ROWS)},
    "a NUL byte inside a value": lambda: {VISITS: visits(with_row(3, "V90,P\x001,CP1,2023-08-01,Y,N,N"))},
    "a UTF-8 sequence cut short at the end": lambda: {
        VISITS: visits(ROWS).encode() + b"V90,P1,CP1,2023-08-01,Y,N,\xe2\x80"
    },
    "right-to-left and emoji text": lambda: {
        VISITS: visits(with_row(1, "V90,\u202eP1\U0001f600,CP1,2023-08-01,Y,N,N"))
    },
    # line endings and blank lines
    "CRLF line endings": lambda: {VISITS: visits(ROWS, end="\r\n")},
    "CR-only line endings": lambda: {VISITS: visits(ROWS, end="\r")},
    "mixed line endings": lambda: {
        VISITS: CP_VISITS_HEADER + "\r\n".join(ROWS[:4]) + "\n" + "\r".join(ROWS[4:]) + "\n"
    },
    "no newline at the end": lambda: {VISITS: visits(ROWS)[:-1]},
    "blank lines among the rows": lambda: {VISITS: visits(with_row(4, ""))},
    "a line of spaces": lambda: {VISITS: visits(with_row(4, "   "))},
    # quotes
    "an unterminated quote mid-file": lambda: {VISITS: visits(with_row(3, 'V90,P1,"CP1,2023-08-01,Y,N,N'))},
    "an unterminated quote on the last line": lambda: {VISITS: visits(ROWS + ['V90,P1,"CP1,2023-08-01,Y,N,N'])},
    "two unterminated quotes": lambda: {
        VISITS: visits(with_row(6, 'V91,"P1,CP1,2023-08-01,Y,N,N')[:2] + ['V90,P1,"CP1,2023-08-01,Y,N,N'] + ROWS[2:])
    },
    "a quoted value holding a line break": lambda: {VISITS: visits(with_row(2, 'V90,"P\n1",CP1,2023-08-01,Y,N,N'))},
    "doubled quotes inside a quoted value": lambda: {
        VISITS: visits(with_row(2, 'V90,"P ""one""",CP1,2023-08-01,Y,N,N'))
    },
    "a stray quote inside an unquoted value": lambda: {VISITS: visits(with_row(2, 'V90,P"1,CP1,2023-08-01,Y,N,N'))},
    "a quoted header": lambda: {
        VISITS: visits(ROWS, header=",".join(f'"{c}"' for c in CP_VISITS_HEADER.strip().split(",")) + "\n")
    },
    # shape
    "an extra column": lambda: {VISITS: visits([r + ",x" for r in ROWS], header=CP_VISITS_HEADER.strip() + ",extra\n")},
    "a required column missing": lambda: {
        VISITS: visits([r.rsplit(",", 1)[0] for r in ROWS], header=CP_VISITS_HEADER.strip().rsplit(",", 1)[0] + "\n")
    },
    "a column named twice": lambda: {
        VISITS: visits([r + ",Y" for r in ROWS], header=CP_VISITS_HEADER.strip() + ",cppv_cp_visit_seen\n")
    },
    "a column with no name": lambda: {
        VISITS: visits([r + ",x" for r in ROWS], header=CP_VISITS_HEADER.strip() + ",\n")
    },
    "a header and no rows": lambda: {VISITS: CP_VISITS_HEADER},
    "an empty file": lambda: {VISITS: ""},
    "a file of blank lines": lambda: {VISITS: "\n\n\n"},
    "a row with too many values": lambda: {VISITS: visits(with_row(2, "V90,P1,CP1,2023-08-01,Y,N,N,surplus"))},
    "a row with too few values": lambda: {VISITS: visits(with_row(2, "V90,P1,CP1"))},
    "a 3 MB line": lambda: {VISITS: visits(with_row(2, "V90,P1," + "x" * 3_000_000 + ",2023-08-01,Y,N,N,extra"))},
    "an id longer than any system writes": lambda: {
        VISITS: visits(with_row(2, "V90" + "9" * 200 + ",P1,CP1,2023-08-01,Y,N,N"))
    },
    "pipe-delimited": lambda: {
        VISITS: visits([r.replace(",", "|") for r in ROWS], header=CP_VISITS_HEADER.replace(",", "|"))
    },
    "semicolon-delimited in a .txt": lambda: {
        VISITS.replace(".csv", ".txt"): visits(
            [r.replace(",", ";") for r in ROWS], header=CP_VISITS_HEADER.replace(",", ";")
        )
    },
    # values
    "9999-12-31 as a date": lambda: {VISITS: visits(with_row(2, "V90,P1,CP1,9999-12-31,Y,N,N"))},
    "a date before 1900": lambda: {VISITS: visits(with_row(2, "V90,P1,CP1,1899-12-31,Y,N,N"))},
    "0000-00-00 as a date": lambda: {VISITS: visits(with_row(2, "V90,P1,CP1,0000-00-00,Y,N,N"))},
    "the literal NULL and -1": lambda: {VISITS: visits(with_row(2, "V90,-1,NULL,NULL,NULL,N,N"))},
    "a formula as an id": lambda: {VISITS: visits(with_row(2, '=HYPERLINK("http://x";"y"),P1,CP1,2023-08-01,Y,N,N'))},
    "markup as an id": lambda: {VISITS: visits(with_row(2, "<script>alert(1)</script>,P1,CP1,2023-08-01,Y,N,N"))},
    # files and names
    "upper-case names with a schema prefix": lambda: {"SSD_DEVELOPMENT.SSD_CP_VISITS_2023-08-31.CSV": visits(ROWS)},
    "an unrelated file beside the tables": lambda: {VISITS: visits(ROWS), "notes.docx": b"PK\x03\x04"},
    "a Parquet file that is not Parquet": lambda: {
        "ssd_cp_visits.parquet": b"not parquet",
        "ssd_person_20230831.csv": PERSON,
    },
    "two files for one table": lambda: {VISITS: visits(ROWS), "ssd_cp_visits.csv": visits(ROWS)},
}
# The cases whose visits file is refused whole (named, and left as it came): there is nothing in it to read.
REFUSED_WHOLE = {
    "UTF-16 without a byte-order mark",
    "a header and no rows",
    "an empty file",
    "a file of blank lines",
    "a Parquet file that is not Parquet",
    "two files for one table",
}
# what each change returns (a byte count, the new path) is not used
FOLDER_CASES: dict[str, tuple[Callable[[Path], object], str]] = {
    "only the _READY marker": (lambda folder: None, "no file is an SSD table"),
    "a file linked to /etc/passwd": (
        lambda folder: (folder / "ssd_person.csv").symlink_to("/etc/passwd"),
        "symbolic link(s), never followed",
    ),
    "a file still being written": (
        lambda folder: (folder / ".ssd_person.csv.part").write_text("x"),
        "still being written",
    ),
    "a date stamp in the future": (
        lambda folder: (folder / VISITS).rename(folder / "ssd_cp_visits_20991231.csv"),
        "is in the future",
    ),
}


def _received_lines(files: dict[str, str | bytes]) -> list[str]:
    """Every line written into the corpus files, decoded on its own (read here independently of the loader)."""
    lines = []
    for content in files.values():
        if isinstance(content, str):
            content = content.encode()
        if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
            content = content.decode("utf-16").encode()
        for raw in content.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n"):
            try:
                lines.append(raw.decode("utf-8-sig"))
            except UnicodeDecodeError:
                lines.append(raw.decode("cp1252", errors="replace"))
    return lines


def _first_field(line: str) -> str:
    return re.split(r"[,|;\t]", line, maxsplit=1)[0].strip('"')


@pytest.mark.parametrize("case", list(CASES))
def test_nothing_received_is_lost_and_nothing_crashes(case: str, tmp_path: Path) -> None:
    files = {"ssd_person_20230831.csv": PERSON} | CASES[case]()
    batch = read_batch(write_batch(tmp_path / "batch", files))
    wh = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(wh)) as con:
        loaded = load_batch(con, batch, work_dir=tmp_path / "tmp")
        staged = build_staging(con, batch.batch_id)
        ids = {r[0] for r in con.sql("SELECT cppv_cp_visit_id FROM raw.ssd_cp_visits").fetchall()}
        rejected = [r[0] for r in con.sql("SELECT received_line FROM raw.load_rejects").fetchall() if r[0]]
        raw_rows = dict(
            con.sql(
                "SELECT table_name, sum(rows_loaded) FROM raw.load_manifest WHERE status IN ('loaded', "
                "'loaded_with_rejects') GROUP BY ALL"
            ).fetchall()
        )
    refused = [f for f in loaded.files if f.status == "failed" and f.rows_loaded == 0]
    for f in refused:  # a file refused whole is named, and stays as it came for the exporter to fix
        named = [n for n in files if n in f.message]
        assert named and all((batch.folder / n).exists() for n in named), (case, f.message)
    # only what cannot be read at all is refused whole; every other case is read, row by row
    assert ("ssd_cp_visits" in {f.table_name for f in refused}) == (case in REFUSED_WHOLE), case
    if case not in REFUSED_WHOLE:
        received = _received_lines(CASES[case]())
        # each record is kept as itself: a row, or its own line rejected whole (not inside another's, not cut)
        assert [r for r in rejected if r not in received] == [], case
        kept = ids | {_first_field(r) for r in rejected}
        lost = {_first_field(line) for line in received[1:] if re.match(r'"?V\d', line)} - kept
        assert lost == set(), (case, [(f.file_name, f.status, f.message) for f in loaded.files if f.file_name])
    # staging keeps every row raw accepted from the files that did not fail
    for table, rows in raw_rows.items():
        assert staged.rows[table] == rows, (case, table)
    assert not list((tmp_path / "tmp").glob("*")), "temporary copies left behind"


@pytest.mark.parametrize("case", list(FOLDER_CASES))
def test_bad_batch_folders_are_refused_by_name_before_anything_loads(case: str, tmp_path: Path) -> None:
    folder = write_batch(tmp_path / "batch", {VISITS: visits(ROWS)} if case != "only the _READY marker" else {})
    make, message = FOLDER_CASES[case]
    make(folder)
    with pytest.raises(BatchError, match=re.escape(message)) as refused:
        decide_as_of(read_batch(folder), None, None, date(2023, 9, 1))
    assert str(folder) in str(refused.value)


def test_the_corpus_is_the_size_the_issue_asks() -> None:
    assert len(CASES) + len(FOLDER_CASES) >= 44
