"""The highlight report as the board sees it: an HTML page readable offline, an Excel workbook, and plain text.

Everything is rendered from the published ``marts.duckdb`` tables; nothing here computes a figure.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import polars as pl

from declarations.constants import TREND_MONTHS

RAG_COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828"}
RAG_FILLS = {"green": "#c8e6c9", "amber": "#ffecb3", "red": "#ffcdd2"}


def format_value(value: float | None, polarity: str) -> str:
    if value is None:
        return "–"
    if polarity in ("count",):
        return f"{value:,.0f}"
    if polarity == "rate":
        return f"{value:.1f}"
    return f"{value:.1f}%"


def format_band(value: float | None, low: float | None, high: float | None, polarity: str) -> str:
    """How far a published figure could be out, given the records in doubt: "±0.4", "-0.2 +0.5", or nothing
    when nothing is in doubt (in the figure's unit: points for a percentage)."""
    if value is None or low is None or high is None:
        return ""
    places = 0 if polarity == "count" else 1
    below, above = round(value - low, places), round(high - value, places)
    if not below and not above:
        return ""
    if below == above:
        return f"±{above:.{places}f}"
    return " ".join(text for text, d in ((f"-{below:.{places}f}", below), (f"+{above:.{places}f}", above)) if d)


def shown_figure(r: dict, polarity: str) -> str:
    """The current figure as the board sees it: never the number of a figure withheld or unavailable."""
    if r["status"] in ("withheld", "unavailable"):
        return r["status"]
    band = format_band(r["current_value"], r["value_low"], r["value_high"], polarity)
    return format_value(r["current_value"], polarity) + (f" {band}" if band else "")


def where_to_fix(r: dict) -> str:
    """Where the records behind a withheld figure are, for the people who fix them."""
    if r["status"] != "withheld":
        return ""
    doubted = r["records_in_doubt"]
    count = f"{doubted:,} record(s)" if doubted else "the records"
    return (
        f"{count} to fix: marts.duckdb indicator_doubts where indicator_ref = '{r['indicator_ref']}' "
        "(the rule behind each is in dq_exceptions)"
    )


def _polarities(catalogue: pl.DataFrame) -> dict[str, str]:
    return dict(zip(catalogue["indicator_ref"], catalogue["polarity"], strict=True))


def _target(value: float | None, polarity: str) -> str:
    if value is None:
        return ""
    return f"{value:g}%" if polarity in ("higher", "lower") else f"{value:g}"


def sparkline(values: list[float | None], *, width: int = 90, height: int = 24) -> str:
    """An inline SVG trend line (no scripts, no external files)."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return ""
    lo, hi = min(v for _, v in points), max(v for _, v in points)
    span = (hi - lo) or 1.0
    step = (width - 6) / (len(values) - 1)
    xy = [(3 + i * step, height - 3 - (v - lo) / span * (height - 6)) for i, v in points]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    last_x, last_y = xy[-1]
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="six-month trend"><polyline fill="none" stroke="#37474f" stroke-width="1.5" points="{path}"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" fill="#37474f"/></svg>'
    )


def _notes(catalogue: pl.DataFrame) -> dict[str, str]:
    if "note" not in catalogue.columns:
        return {}
    return {ref: note for ref, note in zip(catalogue["indicator_ref"], catalogue["note"], strict=True) if note}


RESTATED_MARK = '<sup title="restated since first published">r</sup>'


def comparator(r: dict, polarity: str) -> str:
    """England's figure beside ours, with the year it is for (the year ending 31 March)."""
    if r.get("england_value") is None:
        return ""
    year = r["comparator_year"]
    return f'{format_value(r["england_value"], polarity)}<span class="band">{year - 1}-{year % 100:02d}</span>'


def render_html(report: pl.DataFrame, catalogue: pl.DataFrame, publication: dict, caseloads: str = "") -> str:
    polarity, notes = _polarities(catalogue), _notes(catalogue)
    parts = dict(catalogue.select("indicator_ref", "part").iter_rows()) if "part" in catalogue.columns else {}
    part = "highlight"
    months = [report[f"month_end_{n}"][0] for n in range(1, TREND_MONTHS + 1)] if report.height else []
    head_months = "".join(f"<th>{m:%b %y}</th>" for m in months)
    rows, section = [], None
    for r in report.iter_rows(named=True):
        pol = polarity.get(r["indicator_ref"], "higher")
        if parts.get(r["indicator_ref"], "highlight") != part:
            part = parts[r["indicator_ref"]]
            rows.append(
                f'<tr class="part"><td colspan="{14 + TREND_MONTHS}">Wider measures: beyond the highlight '
                "indicators, from the same data</td></tr>"
            )
        if r["section"] != section:
            section = r["section"]
            rows.append(f'<tr class="section"><td colspan="{14 + TREND_MONTHS}">{html.escape(section)}</td></tr>')
        trend = [r[f"value_month_{n}"] for n in range(1, TREND_MONTHS + 1)]
        restated = (r.get("restated_months") or "").split(", ")
        rag = r["rag"] or ""
        if r["status"] in ("withheld", "unavailable"):
            current = f'<span class="withheld">{r["status"]}</span>'
        else:
            band = format_band(r["current_value"], r["value_low"], r["value_high"], pol)
            current = format_value(r["current_value"], pol) + (f'<span class="band">{band}</span>' if band else "")
        reason = "".join(
            f'<span class="{cls}">{html.escape(text)}</span>'
            for cls, text in (
                ("reason", r["status_reason"]),
                ("reason", where_to_fix(r)),
                ("note", notes.get(r["indicator_ref"])),
            )
            if text
        )
        numerator = "" if r["numerator"] is None or pol in ("count", "rate") else f"{r['numerator']:,}"
        denominator = "" if r["denominator"] is None else f"{r['denominator']:,}"
        rows.append(
            "<tr>"
            f"<td>{html.escape(r['indicator_ref'])}</td>"
            f'<td class="title">{html.escape(r["title"])}{" (lower is better)" if pol == "lower" else ""}'
            f"{reason}</td>"
            f"<td>{format_value(r['previous_financial_year'], pol)}</td>"
            f"<td>{numerator}</td><td>{denominator}</td>"
            f'<td class="current">{current}</td>'
            f"<td>{html.escape(r['period_type'])}</td>"
            + "".join(
                f"<td>{format_value(v, pol)}{RESTATED_MARK if m.isoformat() in restated else ''}</td>"
                for v, m in zip(trend, months, strict=True)
            )
            + f"<td>{_target(r['target_min'], pol)}</td><td>{_target(r['target_upper'], pol)}</td>"
            f"<td>{comparator(r, pol)}</td>"
            f"<td>{sparkline(trend)}</td>"
            f'<td class="rag" style="background:{RAG_FILLS.get(rag, "transparent")};'
            f'color:{RAG_COLOURS.get(rag, "#555")}">{html.escape(rag or _not_published(r["status"]))}</td>'
            "</tr>"
        )
    as_of = publication.get("as_of")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Children's Social Care Highlight Indicators {as_of}</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; margin: 1.5em; color: #222; }}
h1 {{ font-size: 1.4em; margin-bottom: 0.2em; }}
p.meta {{ color: #555; margin-top: 0; }}
table {{ border-collapse: collapse; font-size: 0.85em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 6px; text-align: right; vertical-align: middle; }}
th {{ background: #263238; color: #fff; font-weight: normal; text-align: center; }}
td.title {{ text-align: left; max-width: 28em; }}
tr.section td {{ background: #eceff1; font-weight: bold; text-align: left; }}
tr.part td {{ background: #263238; color: #fff; font-weight: bold; text-align: left; font-size: 1.1em; }}
td.current {{ font-weight: bold; }}
td.rag {{ font-weight: bold; text-transform: uppercase; text-align: center; }}
span.withheld {{ display: block; color: #c62828; font-size: 0.8em; font-weight: normal; }}
span.reason {{ display: block; color: #555; font-size: 0.8em; }}
span.note {{ display: block; color: #37474f; font-size: 0.8em; font-style: italic; }}
span.band {{ display: block; color: #555; font-size: 0.8em; font-weight: normal; }}
</style></head><body>
<h1>Children's Social Care Highlight Indicators</h1>
<p class="meta">Period end {as_of} &middot; batch {html.escape(str(publication.get("batch_id")))}
&middot; published {publication.get("published_at"):%Y-%m-%d %H:%M} &middot; targets use the corporate minimum/upper
model; RAG: green at or better than upper, amber between, red worse than minimum. Beside a figure, how far the
records in doubt could move it (&plusmn;, in points for a percentage); a figure they could move across a RAG boundary,
or further than its tolerance, is withheld and not shown; &ndash; in a month: no figure then; <sup>r</sup>: restated,
the month's figure differs from the one first published (the restatements table says how and why).</p>
<table>
<thead><tr><th>Ref</th><th>Performance measure</th><th>Previous FY</th><th>Num</th><th>Denom</th><th>Current</th>
<th>Period</th>{head_months}<th>Min</th><th>Upper</th><th>England</th><th>Trend</th><th>RAG</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
{caseloads}
</body></html>
"""


def caseload_rows(by_team: pl.DataFrame, teams: pl.DataFrame, as_of: date) -> list[dict]:
    """The caseload figures at the period end: the whole service first, then each team by name."""
    names = dict(teams.select("team_id", "team_name").iter_rows())
    now = by_team.filter(pl.col("period_end") == as_of)
    rows = []
    for r in now.sort("team_id", nulls_last=False).iter_rows(named=True):
        name = "Whole service" if r["team_id"] is None else names.get(r["team_id"]) or str(r["team_id"])
        rows.append(r | {"team_name": name})
    return rows


CASELOAD_HEADINGS = (
    ("team_name", "Team"),
    ("workers", "Workers"),
    ("children", "Children"),
    ("mean_caseload", "Mean"),
    ("median_caseload", "Median"),
    ("max_caseload", "Most"),
    ("workers_over_threshold", "Over threshold"),
    ("agency_share", "Agency %"),
)


def _cell(value: object) -> str:
    """A caseload figure as the board reads it: whole numbers with separators, one decimal place where needed."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.1f}".removesuffix(".0")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_caseloads_html(by_team: pl.DataFrame, teams: pl.DataFrame, as_of: date) -> str:
    rows = caseload_rows(by_team, teams, as_of)
    if not rows:
        return ""
    head = "".join(f"<th>{label}</th>" for _, label in CASELOAD_HEADINGS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(r[key]))}</td>" for key, _ in CASELOAD_HEADINGS) + "</tr>"
        for r in rows
    )
    return (
        f'<h2>Caseloads at {as_of}</h2>\n<p class="meta">Children held through a case-holding involvement open at '
        "the period end; a worker is over threshold above the caseload threshold (half of it for a newly qualified "
        f"worker). Workers by the team holding most of their children.</p>\n<table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def render_caseloads_text(by_team: pl.DataFrame, teams: pl.DataFrame, as_of: date) -> str:
    rows = caseload_rows(by_team, teams, as_of)
    if not rows:
        return "Caseloads: no worker holds a child at the period end."
    lines = [
        f"Caseloads at {as_of}:",
        "".join(f"{label:>15}" if key != "team_name" else f"{label:<32}" for key, label in CASELOAD_HEADINGS),
    ]
    for r in rows:
        lines.append(
            "".join(
                f"{_cell(r[key])[:30]:<32}" if key == "team_name" else f"{_cell(r[key]):>15}"
                for key, _ in CASELOAD_HEADINGS
            )
        )
    return "\n".join(lines)


def render_drift_text(drift: pl.DataFrame, teams: pl.DataFrame) -> str:
    """How many open cases each team has on the drift list (the list itself is ``marts.drift_list``)."""
    if not drift.height:
        return "Drift: no open case has gone without a visit, review or plan change for too long."
    names = dict(teams.select("team_id", "team_name").iter_rows())
    days = drift["drift_days"][0]
    counts = drift.group_by("team_id").len().sort("len", "team_id", descending=[True, False], nulls_last=True)
    lines = [f"Drift: {drift.height:,} open cases with no visit, review or plan change for more than {days} days"]
    lines += [f"  {(names.get(team) or team or 'no team')[:40]:<42}{n:>7,}" for team, n in counts.iter_rows()]
    lines.append("  (the children, by worker: marts.drift_list)")
    return "\n".join(lines)


def _not_published(status: str | None) -> str:
    """What the RAG column says of a figure that is not published as usual."""
    return status if status in ("withheld", "unavailable") else ""


def render_text(report: pl.DataFrame, catalogue: pl.DataFrame) -> str:
    polarity = _polarities(catalogue)
    lines = [f"{'ref':<9}{'measure':<62}{'num':>7}{'denom':>7}{'current':>16}  {'rag':<8}"]
    for r in report.iter_rows(named=True):
        pol = polarity.get(r["indicator_ref"], "higher")
        num = "" if r["numerator"] is None or pol in ("count", "rate") else f"{r['numerator']:,}"
        den = "" if r["denominator"] is None else f"{r['denominator']:,}"
        rag = r["rag"] or _not_published(r["status"])
        lines.append(
            f"{r['indicator_ref']:<9}{r['title'][:60]:<62}{num:>7}{den:>7}{shown_figure(r, pol):>16}  {rag:<8}"
        )
    return "\n".join(lines)


def write_excel(
    path: Path,
    report: pl.DataFrame,
    values: pl.DataFrame,
    catalogue: pl.DataFrame,
    teams: pl.DataFrame,
    as_of: date,
    caseloads: list[dict] | None = None,
) -> None:
    """The workbook for board papers: the report, the figures by team at the period end, and the definitions."""
    import xlsxwriter

    polarity = _polarities(catalogue)
    # Every string is written as text: a team name or reason starting with "=", "+", "-" or "@" must not become a
    # live formula, nor an address a link (formula injection through names the case system lets anyone type).
    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    bold = wb.add_format({"bold": True})
    header = wb.add_format({"bold": True, "bg_color": "#263238", "font_color": "#FFFFFF", "text_wrap": True})
    section = wb.add_format({"bold": True, "bg_color": "#ECEFF1"})
    pct = wb.add_format({"num_format": '0.0"%"'})
    num = wb.add_format({"num_format": "#,##0"})
    rate = wb.add_format({"num_format": "0.0"})
    rag_formats = {k: wb.add_format({"bold": True, "bg_color": v, "align": "center"}) for k, v in RAG_FILLS.items()}

    ws = wb.add_worksheet("Highlight report")
    ws.write(0, 0, f"Children's Social Care Highlight Indicators - period end {as_of}", bold)
    months = [report[f"month_end_{n}"][0] for n in range(1, TREND_MONTHS + 1)] if report.height else []
    heads = ["Ref", "Performance measure", "Previous FY", "Num", "Denom", "Current", "Could be out by", "Period"]
    heads += [f"{m:%b %y}" for m in months]
    heads += ["Min", "Upper", "England", "Comparators' year", "RAG", "Status", "Why", "Records in doubt"]
    heads += ["Records to fix", "Note"]
    col = {h: i for i, h in enumerate(heads)}
    notes = _notes(catalogue)
    ws.write_row(2, 0, heads, header)
    row, last_section = 3, None
    for r in report.iter_rows(named=True):
        pol = polarity.get(r["indicator_ref"], "higher")
        fmt = pct if pol in ("higher", "lower") else (num if pol == "count" else rate)
        if r["section"] != last_section:
            last_section = r["section"]
            ws.merge_range(row, 0, row, len(heads) - 1, last_section, section)
            row += 1
        ws.write(row, 0, r["indicator_ref"])
        ws.write(row, 1, r["title"])
        # the report's figures are null where withheld or unavailable: the workbook never shows them
        for head, v in (
            ("Previous FY", r["previous_financial_year"]),
            ("Num", r["numerator"]),
            ("Denom", r["denominator"]),
            ("Current", r["current_value"]),
        ):
            if v is not None:
                ws.write_number(row, col[head], v, fmt if head in ("Previous FY", "Current") else num)
        if r["status"] in ("withheld", "unavailable"):
            ws.write(row, col["Current"], r["status"])
        ws.write(row, col["Could be out by"], format_band(r["current_value"], r["value_low"], r["value_high"], pol))
        ws.write(row, col["Period"], r["period_type"])
        for n in range(1, TREND_MONTHS + 1):
            v = r[f"value_month_{n}"]
            if v is not None:
                ws.write_number(row, col["Period"] + n, v, fmt)
        for head, v in (("Min", r["target_min"]), ("Upper", r["target_upper"]), ("England", r["england_value"])):
            if v is not None:
                ws.write_number(row, col[head], v, fmt)
        if r["comparator_year"] is not None:
            ws.write_number(row, col["Comparators' year"], r["comparator_year"], num)
        if r["rag"]:
            ws.write(row, col["RAG"], r["rag"].upper(), rag_formats[r["rag"]])
        ws.write(row, col["Status"], r["status"])
        ws.write(row, col["Why"], r["status_reason"] or "")
        if r["records_in_doubt"] is not None:
            ws.write_number(row, col["Records in doubt"], r["records_in_doubt"], num)
        ws.write(row, col["Records to fix"], where_to_fix(r))
        ws.write(row, col["Note"], notes.get(r["indicator_ref"], ""))
        row += 1
    ws.set_column(0, 0, 8)
    ws.set_column(1, 1, 60)
    ws.set_column(2, len(heads), 10)
    ws.freeze_panes(3, 2)

    names = dict(zip(teams["team_id"], teams["team_name"], strict=True))
    by_team = values.filter((pl.col("period_end") == as_of) & pl.col("team_id").is_not_null()).sort(
        "indicator_ref", "team_id"
    )
    ws2 = wb.add_worksheet("By team")
    heads2 = ["Ref", "Team id", "Team", "Num", "Denom", "Value", "Could be out by", "RAG", "Status", "Why"]
    ws2.write_row(0, 0, heads2, header)
    for i, r in enumerate(by_team.iter_rows(named=True), start=1):
        pol = polarity.get(r["indicator_ref"], "higher")
        ws2.write_row(i, 0, [r["indicator_ref"], r["team_id"], names.get(r["team_id"], r["team_id"])])
        if r["status"] == "published":
            for c, v in ((3, r["numerator"]), (4, r["denominator"])):
                if v is not None:
                    ws2.write_number(i, c, v, num)
            if r["value"] is not None:
                ws2.write_number(i, 5, r["value"], pct if pol in ("higher", "lower") else num)
            ws2.write(i, 6, format_band(r["value"], r["value_low"], r["value_high"], pol))
        else:
            ws2.write(i, 5, r["status"])
        if r["rag"]:
            ws2.write(i, 7, r["rag"].upper(), rag_formats[r["rag"]])
        ws2.write(i, 8, r["status"])
        ws2.write(i, 9, r["status_reason"] or "")
    ws2.set_column(0, len(heads2), 14)
    ws2.set_column(2, 2, 32)

    ws3 = wb.add_worksheet("Definitions")
    ws3.write_row(0, 0, catalogue.columns, header)
    for i, definition in enumerate(catalogue.iter_rows(), start=1):
        ws3.write_row(i, 0, ["" if v is None else v for v in definition])
    ws3.set_column(0, len(catalogue.columns), 18)
    ws3.set_column(2, 2, 60)

    ws4 = wb.add_worksheet("Caseloads")
    ws4.write_row(0, 0, [label for _, label in CASELOAD_HEADINGS], header)
    for i, r in enumerate(caseloads or [], start=1):
        ws4.write_row(i, 0, [r[key] for key, _ in CASELOAD_HEADINGS])
    ws4.set_column(0, 0, 32)
    ws4.set_column(1, len(CASELOAD_HEADINGS), 14)
    wb.close()


def read_publication(marts_file: Path) -> dict[str, pl.DataFrame]:
    import duckdb

    if not marts_file.exists():
        raise FileNotFoundError(f"{marts_file}: nothing published yet (run `csc run` first)")
    with duckdb.connect(str(marts_file), read_only=True) as con:
        return {
            name: con.sql(f"SELECT * FROM {name}").pl()
            for name in (
                "highlight_report",
                "indicator_values",
                "indicator_catalogue",
                "teams",
                "publication",
                "caseload_by_team",
                "drift_list",
            )
        }


def write_reports(marts_file: Path, out_dir: Path) -> tuple[Path, Path, str]:
    tables = read_publication(marts_file)
    publication = tables["publication"].row(0, named=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, xlsx_path = out_dir / "highlight-report.html", out_dir / "highlight-report.xlsx"
    as_of = publication["as_of"]
    caseloads = tables["caseload_by_team"], tables["teams"], as_of
    html_path.write_text(
        render_html(
            tables["highlight_report"], tables["indicator_catalogue"], publication, render_caseloads_html(*caseloads)
        ),
        encoding="utf-8",
    )
    write_excel(
        xlsx_path,
        tables["highlight_report"],
        tables["indicator_values"],
        tables["indicator_catalogue"],
        tables["teams"],
        as_of,
        caseload_rows(*caseloads),
    )
    text = render_text(tables["highlight_report"], tables["indicator_catalogue"])
    drift = render_drift_text(tables["drift_list"], tables["teams"])
    return html_path, xlsx_path, f"{text}\n\n{render_caseloads_text(*caseloads)}\n\n{drift}"
