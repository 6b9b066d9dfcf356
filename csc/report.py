"""The highlight report as the board sees it: an HTML page readable offline, an Excel workbook, and plain text.

Everything is rendered from the published ``marts.duckdb`` tables; nothing here computes a figure.
"""

from __future__ import annotations

import base64
import html
import io
import json
from datetime import date
from pathlib import Path

import polars as pl

from declarations.constants import TREND_MONTHS, UNALLOCATED_TEAM
from declarations.settings import settings

# RAG colours that pass WCAG 2.x AA: the word on its fill at least 4.5:1 (tests/test_report.py measures every pair
# the page's CSS uses), and the bar beside it, the non-text mark, at least 3:1 against the white page. The colours
# the issue found (amber #f9a825 on #ffecb3, 1.7:1; red #c62828 on #ffcdd2, 4.0:1; green #2e7d32 on #c8e6c9, 3.8:1)
# failed.
RAG_COLOURS = {"green": "#1b5e20", "amber": "#5c3c00", "red": "#8e0000"}
RAG_FILLS = {"green": "#c8e6c9", "amber": "#ffe082", "red": "#ffcdd2"}
RAG_BARS = {"green": "#2e7d32", "amber": "#8a5a00", "red": "#c62828"}

# The catalogue's period types as the board reads them (declarations/indicators.toml).
PERIOD_WORDS = {"snapshot": "at month end", "ytd": "year to date", "rolling_year": "12 months to date"}
POLARITY_WORDS = {
    "higher": "higher is better",
    "lower": "lower is better",
    "count": "a count: neither better nor worse",
    "rate": "per 10,000 children: neither better nor worse",
}
# Which way a figure moved, and whether that is better: the arrow says the movement, the word its meaning, so that
# neither relies on colour.
ARROWS = {"up": "\u25b2", "down": "\u25bc", "same": "="}

LOGO_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
LOGO_MAX_BYTES = 2_000_000


def period_words(period_type: str | None) -> str:
    return PERIOD_WORDS.get(period_type or "", period_type or "")


def long_date(d: date) -> str:
    """31 August 2023."""
    return f"{d.day} {d:%B %Y}"


def direction(now: float | None, then: float | None, polarity: str) -> tuple[str, str]:
    """Which way a figure moved from ``then`` to ``now`` ("up", "down", "same", or "" without both) and what that
    means: better or worse by the indicator's polarity; up or down for a count or rate, which are neither. Figures
    equal as the board reads them (one decimal place; whole numbers for counts) are the same."""
    if now is None or then is None:
        return "", "no figure to compare"
    places = 0 if polarity == "count" else 1
    a, b = round(now, places), round(then, places)
    if a == b:
        return "same", "same"
    moved = "up" if a > b else "down"
    if polarity == "higher":
        return moved, "better" if moved == "up" else "worse"
    if polarity == "lower":
        return moved, "better" if moved == "down" else "worse"
    return moved, moved


def travel_text(now: float | None, then: float | None, polarity: str) -> str:
    """The direction of travel in words, with its arrow: "▲ better", "= same", "–" when a figure is missing."""
    moved, word = direction(now, then, polarity)
    return f"{ARROWS[moved]} {word}" if moved else "\u2013"


def travel_words(now: float | None, then: float | None, polarity: str) -> str:
    """The direction of travel without arrows, for the PDF's core font: "up, better", "down" for a count, "same"."""
    moved, word = direction(now, then, polarity)
    if not moved:
        return "-"
    return moved if word == moved else f"{moved}, {word}"


class LogoError(ValueError):
    """CSC_COUNCIL_LOGO is not a file the report can embed."""


def logo_image(path: Path) -> tuple[bytes, str]:
    """The council's logo file and its media type; a clear error for a file that is missing or not an image."""
    if not path.is_file():
        raise FileNotFoundError(f"CSC_COUNCIL_LOGO={path}: no such file")
    data = path.read_bytes()
    if len(data) > LOGO_MAX_BYTES:
        raise LogoError(f"CSC_COUNCIL_LOGO={path}: {len(data):,} bytes; a logo must be under {LOGO_MAX_BYTES:,}")
    mime = next((m for magic, m in LOGO_TYPES.items() if data.startswith(magic)), None)
    if mime is None:
        raise LogoError(f"CSC_COUNCIL_LOGO={path}: not a PNG, JPEG or GIF image")
    return data, mime


def logo_data_uri(path: Path) -> str:
    """The logo inside the page (a data: URI), so the HTML stays one file that opens offline."""
    data, mime = logo_image(path)
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def format_value(value: float | None, polarity: str) -> str:
    if value is None:
        return "\u2013"
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


def measure_title(title: str, polarity: str) -> str:
    """The measure's title, saying when lower is better (unless the title says so already)."""
    return title if polarity != "lower" or "lower is better" in title else f"{title} (lower is better)"


def targets_text(r: dict, polarity: str) -> str:
    """The minimum and upper targets in one phrase ("min 80% / upper 90%"), or nothing for a count or rate."""
    if r.get("target_min") is None and r.get("target_upper") is None:
        return ""
    return f"min {_target(r['target_min'], polarity)} / upper {_target(r['target_upper'], polarity)}"


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
        f'preserveAspectRatio="none" aria-label="six-month trend">'
        f'<polyline fill="none" stroke="#37474f" stroke-width="1.5" points="{path}"/>'
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
    return f'{format_value(r["england_value"], polarity)}<span class="band">{_year_words(r["comparator_year"])}</span>'


def england_words(r: dict, polarity: str) -> str:
    """England's figure and its year in plain text (the PDF): "40.0 (2024-25)"."""
    if r.get("england_value") is None:
        return ""
    return f"{format_value(r['england_value'], polarity)} ({_year_words(r['comparator_year'])})"


def _year_words(year: int) -> str:
    """The financial year ending 31 March of ``year``, as the DfE writes it: 2024-25."""
    return f"{year - 1}-{year % 100:02d}"


def trend_months(report: pl.DataFrame) -> list[date]:
    return [report[f"month_end_{n}"][0] for n in range(1, TREND_MONTHS + 1)] if report.height else []


def travels(r: dict, polarity: str) -> tuple[str, str]:
    """The direction of travel at the latest month end of the trend: against the month before, and against the same
    month a year before (month end against month end, so that a year-to-date figure is compared like for like)."""
    latest = r[f"value_month_{TREND_MONTHS}"]
    return (
        travel_text(latest, r[f"value_month_{TREND_MONTHS - 1}"], polarity),
        travel_text(latest, r.get("value_year_ago"), polarity),
    )


def _travel_cell(text: str) -> str:
    word = text.split(" ")[-1]
    css = word if word in ("better", "worse") else "neutral"
    return f'<td class="travel {css}">{html.escape(text)}</td>'


def last_year_end(as_of: date) -> date:
    """The end of the previous financial year, the date of highlight_report.previous_financial_year."""
    return date(as_of.year if as_of.month >= 4 else as_of.year - 1, 3, 31)


def headline_heads(report: pl.DataFrame, as_of: date) -> list[str]:
    """The headline table's column headings, as the board reads them."""
    months = trend_months(report)
    year_ago = report["month_end_year_ago"][0] if report.height else None
    heads = ["Ref", "Measure", "Period", f"{year_ago:%b %y}" if year_ago else ""]
    heads += [f"Year end {last_year_end(as_of):%b %y}"]
    heads += [f"{m:%b %y}" for m in months]
    last, before = (f"{months[-1]:%b}", f"{months[-2]:%b}") if len(months) > 1 else ("", "")
    heads += ["Now", "Trend", f"{last} vs {before}", f"{last} vs a year ago", "Target", "England", "RAG"]
    return heads


def _rag_cell(r: dict) -> str:
    rag = r["rag"] or ""
    css = f' class="rag rag-{rag}"' if rag in RAG_FILLS else ' class="rag"'
    return f"<td{css}>{html.escape(rag or _not_published(r['status']))}</td>"


def _headline_row(r: dict, pol: str, notes: dict[str, str], months: list[date]) -> str:
    trend = [r[f"value_month_{n}"] for n in range(1, TREND_MONTHS + 1)]
    restated = (r.get("restated_months") or "").split(", ")
    if r["status"] in ("withheld", "unavailable"):
        current = f'<span class="withheld">{r["status"]}</span>'
    else:
        band = format_band(r["current_value"], r["value_low"], r["value_high"], pol)
        current = format_value(r["current_value"], pol) + (f'<span class="band">{band}</span>' if band else "")
        if r["numerator"] is not None and r["denominator"] is not None and pol in ("higher", "lower"):
            current += f'<span class="band">{r["numerator"]:,} of {r["denominator"]:,}</span>'
    reason = "".join(
        f'<span class="{cls}">{html.escape(text)}</span>'
        for cls, text in (
            ("reason", r["status_reason"]),
            ("reason fix", where_to_fix(r)),
            ("note", notes.get(r["indicator_ref"])),
        )
        if text
    )
    month_travel, year_travel = travels(r, pol)
    return (
        "<tr>"
        f'<td class="ref">{html.escape(r["indicator_ref"])}</td>'
        f'<td class="title">{html.escape(measure_title(r["title"], pol))}{reason}</td>'
        f'<td class="period">{html.escape(period_words(r["period_type"]))}</td>'
        f"<td>{format_value(r.get('value_year_ago'), pol)}</td>"
        f"<td>{format_value(r['previous_financial_year'], pol)}</td>"
        + "".join(
            f"<td>{format_value(v, pol)}{RESTATED_MARK if m.isoformat() in restated else ''}</td>"
            for v, m in zip(trend, months, strict=True)
        )
        + f'<td class="current">{current}</td>'
        f'<td class="trend">{sparkline(trend, width=70, height=20)}</td>'
        f"{_travel_cell(month_travel)}{_travel_cell(year_travel)}"
        f'<td class="target">{"<br>".join(html.escape(t) for t in targets_text(r, pol).split(" / "))}</td>'
        f"<td>{comparator(r, pol)}</td>"
        f"{_rag_cell(r)}"
        "</tr>"
    )


def _headline_table(report: pl.DataFrame, catalogue: pl.DataFrame, as_of: date, part: str) -> str:
    """One part of the report (the highlight indicators, or the wider measures) as a table, section by section."""
    polarity, notes = _polarities(catalogue), _notes(catalogue)
    parts = dict(catalogue.select("indicator_ref", "part").iter_rows()) if "part" in catalogue.columns else {}
    heads = headline_heads(report, as_of)
    months = trend_months(report)
    rows, section = [], None
    for r in report.iter_rows(named=True):
        if parts.get(r["indicator_ref"], "highlight") != part:
            continue
        if r["section"] != section:
            section = r["section"]
            rows.append(f'<tr class="section"><td colspan="{len(heads)}">{html.escape(section)}</td></tr>')
        rows.append(_headline_row(r, polarity.get(r["indicator_ref"], "higher"), notes, months))
    if not rows:
        return ""
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in heads)
    return f'<table class="headline"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(rows) + "\n</tbody></table>"


def team_matrix(
    values: pl.DataFrame, teams: pl.DataFrame, report: pl.DataFrame, as_of: date
) -> tuple[list[tuple[str, str]], list[tuple[dict, dict[str, dict]]]]:
    """The teams (id, name) with a figure at the period end, in the teams table's order (others after), and for each
    indicator of the report that has team figures, its row and its team figures by team id."""
    now = values.filter((pl.col("period_end") == as_of) & pl.col("team_id").is_not_null())
    names = dict(teams.select("team_id", "team_name").iter_rows())
    present = set(now["team_id"].to_list())
    order = [t for t in teams["team_id"].to_list() if t in present] + sorted(present - set(teams["team_id"]))
    columns = [(t, names.get(t) or ("No team" if t == UNALLOCATED_TEAM else t)) for t in order]
    by_ref: dict[str, dict[str, dict]] = {}
    for v in now.iter_rows(named=True):
        by_ref.setdefault(v["indicator_ref"], {})[v["team_id"]] = v
    rows = [(r, by_ref[r["indicator_ref"]]) for r in report.iter_rows(named=True) if r["indicator_ref"] in by_ref]
    return columns, rows


RAG_LETTERS = {"green": "G", "amber": "A", "red": "R"}


def team_figure(v: dict | None, polarity: str) -> str:
    """A team's figure as the team page shows it: the value and its RAG letter, or why there is none."""
    if v is None:
        return ""
    if v["status"] in ("withheld", "unavailable"):
        return v["status"]
    letter = RAG_LETTERS.get(v["rag"] or "", "")
    return format_value(v["value"], polarity) + (f" {letter}" if letter else "")


def render_team_page(
    values: pl.DataFrame, teams: pl.DataFrame, report: pl.DataFrame, catalogue: pl.DataFrame, as_of: date
) -> str:
    """Each indicator's figure for each team at the period end (indicator_values by team)."""
    columns, rows = team_matrix(values, teams, report, as_of)
    if not rows:
        return ""
    polarity = _polarities(catalogue)
    head = '<th scope="col">Ref</th><th scope="col">Measure</th>' + "".join(
        f'<th scope="col">{html.escape(name)}</th>' for _, name in columns
    )
    body = []
    for r, by_team in rows:
        pol = polarity.get(r["indicator_ref"], "higher")
        cells = []
        for team_id, _ in columns:
            v = by_team.get(team_id)
            rag = (v or {}).get("rag") or ""
            css = f' class="rag-{rag}"' if rag in RAG_FILLS else ""
            cells.append(f"<td{css}>{html.escape(team_figure(v, pol))}</td>")
        body.append(
            f'<tr><td class="ref">{html.escape(r["indicator_ref"])}</td><td class="title">{html.escape(r["title"])}'
            f"</td>{''.join(cells)}</tr>"
        )
    return (
        f'<section class="page" id="teams"><h2>Teams at {long_date(as_of)}</h2>\n<p class="meta">Each measure for '
        "each team: the children and events counted for the team holding the case. G, A, R: green, amber, red "
        "against the targets; withheld: records being corrected could change it.</p>\n"
        f'<table class="teams"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(body) + "\n</tbody></table>"
        "</section>"
    )


def timescales_words(timescales: str | None) -> str:
    """The catalogue's timescales (a JSON object such as {"window_days": 56}) in words: "window: 56 days"."""
    if not timescales:
        return ""
    params = json.loads(timescales)
    out = []
    for key, value in params.items():
        for suffix, unit in (("_working_days", "working days"), ("_days", "days"), ("_months", "months")):
            if key.endswith(suffix):
                out.append(f"{key.removesuffix(suffix).replace('_', ' ')}: {value} {unit}")
                break
        else:
            out.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(out)


def rag_rule(row: dict) -> str:
    """How the RAG is set, in words, from the targets and the polarity."""
    pol, low, high = row["polarity"], row["target_min"], row["target_upper"]
    if low is None or high is None:
        return "no RAG"
    better = "at or above" if pol == "higher" else "at or below"
    worse = "below" if pol == "higher" else "above"
    return f"green {better} {_target(high, pol)}; red {worse} {_target(low, pol)}; amber between"


def definition_rows(catalogue: pl.DataFrame) -> list[dict[str, str]]:
    """Each indicator's definition in words, for the definitions page and sheet."""
    return [
        {
            "Ref": row["indicator_ref"],
            "Measure": row["title"],
            "Counts": row.get("counts") or "",
            "Out of": row.get("out_of") or "",
            "Section": row["section"],
            "Period": period_words(row["period_type"]),
            "Better when": POLARITY_WORDS.get(row["polarity"], row["polarity"]),
            "Targets and RAG": rag_rule(row),
            "Timescales": timescales_words(row.get("timescales")),
            "Note": row.get("note") or "",
        }
        for row in catalogue.iter_rows(named=True)
    ]


def render_definitions(catalogue: pl.DataFrame, publication: dict, council: str) -> str:
    rows = definition_rows(catalogue)
    heads = ["Ref", "Measure", "Counts", "Out of", "Period", "Better when", "Targets and RAG", "Timescales", "Note"]
    head = "".join(f'<th scope="col">{h}</th>' for h in heads)
    body = "\n".join(
        "<tr>" + "".join(f'<td class="text">{html.escape(r[h])}</td>' for h in heads) + "</tr>" for r in rows
    )
    return (
        '<section class="page" id="definitions"><h2>Definitions</h2>\n<p class="meta">Every figure is counted from '
        f"{html.escape(_possessive(council))} case records, exported in the Standard Safeguarding Dataset (the "
        f"export of {long_date(publication['as_of'])}). A period <em>at month end</em> counts the children open "
        "then; <em>year to date</em> counts events since 1 April; <em>12 months to date</em> counts events in the "
        "twelve months to the month end. How each measure is counted, record by record, is in the method document "
        "(docs/indicators.md) and behind each figure in the workbook's Drill-through sheet.</p>\n"
        f'<table class="definitions"><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table></section>'
    )


def _possessive(council: str) -> str:
    if not council:
        return "the council\u2019s"
    return f"{council}\u2019" if council.endswith("s") else f"{council}\u2019s"


STYLE = f"""
* {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
body {{ font-family: Arial, Helvetica, sans-serif; margin: 1.5em; color: #222; background: #ffffff; }}
header {{ display: flex; align-items: center; gap: 1em; }}
header img {{ max-height: 3.5em; max-width: 12em; }}
p.council {{ font-size: 1.1em; font-weight: bold; margin: 0; }}
h1 {{ font-size: 1.4em; margin: 0.1em 0 0.2em; }}
h2 {{ font-size: 1.2em; margin: 1.2em 0 0.2em; }}
p.lede {{ margin: 0.3em 0; max-width: 70em; }}
p.meta {{ color: #555; margin-top: 0; max-width: 75em; }}
table {{ border-collapse: collapse; font-size: 0.85em; }}
th, td {{ border: 1px solid #ccc; padding: 3px 5px; text-align: right; vertical-align: middle; }}
th {{ background: #263238; color: #ffffff; font-weight: normal; text-align: center; }}
td.title, td.text {{ text-align: left; }}
td.title {{ min-width: 14em; max-width: 24em; }}
table.headline {{ width: 100%; }}
td.period, td.ref, td.target {{ text-align: left; }}
td.period, td.travel, td.target, span.band, table.teams td:not(.title) {{ white-space: nowrap; }}
td.travel {{ text-align: left; white-space: nowrap; }}
td.better {{ color: #1b5e20; }}
td.worse {{ color: #b71c1c; }}
tr.section td {{ background: #eceff1; color: #222; font-weight: bold; text-align: left; }}
td.current {{ font-weight: bold; }}
td.rag {{ font-weight: bold; text-transform: uppercase; text-align: center; padding-left: 8px; }}
{
    chr(10).join(
        f"td.rag-{k} {{ background: {RAG_FILLS[k]}; color: {RAG_COLOURS[k]}; "
        f"box-shadow: inset 4px 0 0 {RAG_BARS[k]}; }}"
        for k in RAG_FILLS
    )
}
span.withheld {{ display: block; color: #b71c1c; font-size: 0.8em; font-weight: normal; }}
span.reason {{ display: block; color: #555; font-size: 0.8em; }}
span.note {{ display: block; color: #37474f; font-size: 0.8em; font-style: italic; }}
span.band {{ display: block; color: #555; font-size: 0.8em; font-weight: normal; }}
@page {{ size: A4 landscape; margin: 10mm; }}
@media print {{
  body {{ margin: 0; font-size: 8pt; }}
  table {{ font-size: 7pt; width: 100%; }}
  thead {{ display: table-header-group; }}
  tr {{ break-inside: avoid; page-break-inside: avoid; }}
  section.page {{ break-before: page; page-break-before: always; }}
  span.fix {{ display: none; }}
  table.headline {{ font-size: 6.5pt; }}
  table.teams, table.definitions {{ font-size: 6pt; }}
  td.title {{ max-width: none; }}
  th, td {{ padding: 1px 3px; }}
  td.trend svg {{ width: 48px; height: 13px; }}
  p.lede, p.meta {{ max-width: none; margin: 0.2em 0; }}
  h1 {{ font-size: 1.3em; }}
}}
"""


def render_html(
    report: pl.DataFrame,
    catalogue: pl.DataFrame,
    publication: dict,
    caseloads: str = "",
    *,
    council: str = "",
    logo_uri: str = "",
    team_page: str = "",
) -> str:
    """The board report: one page of headline indicators, the wider measures, the teams, caseloads and the
    definitions; every figure from the published tables."""
    as_of: date = publication["as_of"]
    published_at = publication.get("published_at")
    name = html.escape(council)
    logo = f'<img src="{html.escape(logo_uri)}" alt="{name or "council"} logo">' if logo_uri else ""
    months = trend_months(report)
    highlight = _headline_table(report, catalogue, as_of, "highlight")
    wider = _headline_table(report, catalogue, as_of, "wider")
    latest = f"{long_date(months[-1])}" if months else long_date(as_of)
    wider_page = (
        '<section class="page" id="wider"><h2>Wider measures</h2><p class="meta">Beyond the highlight indicators, '
        f"from the same data.</p>{wider}</section>"
        if wider
        else ""
    )
    technical = html.escape(f"Publication {publication.get('batch_id')}, run {publication.get('run_id')}.")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{name + ": " if name else ""}Children's social care performance, {long_date(as_of)}</title>
<style>{STYLE}</style></head><body>
<header>{logo}<div>{f'<p class="council">{name}</p>' if name else ""}
<h1>Children's social care performance at {long_date(as_of)}</h1></div></header>
<p class="lede">How {html.escape(_possessive(council))} children's social care services are doing against the
council's targets and England's latest figures, from the case records as they stood on {long_date(as_of)}.
Published {f"{long_date(published_at)} at {published_at:%H:%M}" if published_at else ""}.</p>
<p class="meta">RAG: green at or better than the upper target, amber between, red worse than the minimum.
&#9650;/&#9660;: the figure went up or down from month end to month end ({latest} against the month before and
against a year before); the word says whether that is better or worse. &plusmn;: how far records still being
corrected could move a figure; a figure they could move across a RAG boundary is withheld, not shown. &ndash;: no
figure. <sup>r</sup>: changed since first published. Definitions are on the last page.</p>
{highlight}
{wider_page}
{team_page}
{f'<section class="page" id="caseloads">{caseloads}</section>' if caseloads else ""}
{render_definitions(catalogue, publication, council)}
<p class="meta">{technical}</p>
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


def _shortened(text: str, width: int) -> str:
    """A title cut to fit a terminal column, marked as cut; "(lower is better)" is kept whenever it is there."""
    if len(text) <= width:
        return text
    keep = " (lower is better)" if text.endswith("(lower is better)") else ""
    return text[: width - len(keep) - 1].rstrip() + "…" + keep


def render_text(report: pl.DataFrame, catalogue: pl.DataFrame) -> str:
    polarity = _polarities(catalogue)
    lines = [f"{'ref':<9}{'measure':<62}{'num':>7}{'denom':>7}{'current':>16}  {'rag':<8}"]
    section = None
    for r in report.iter_rows(named=True):
        if r["section"] != section:  # the rows come in the catalogue's sections: headed, so the order reads
            section = r["section"]
            lines.append(str(section))
        pol = polarity.get(r["indicator_ref"], "higher")
        num = "" if r["numerator"] is None or pol in ("count", "rate") else f"{r['numerator']:,}"
        den = "" if r["denominator"] is None else f"{r['denominator']:,}"
        rag = r["rag"] or _not_published(r["status"])
        title = _shortened(r["title"], 60)
        lines.append(f"{r['indicator_ref']:<9}{title:<62}{num:>7}{den:>7}{shown_figure(r, pol):>16}  {rag:<8}")
    return "\n".join(lines)


DRILL_MAX_ROWS = 1_000_000
"""Most drill-through rows the workbook holds (Excel's limit is 1,048,576): beyond it, the sheet says where the rest
are."""


def _header_text(text: str) -> str:
    """Text for an Excel page header or footer: "&" starts a code there, so a name's own "&" is doubled."""
    return text.replace("&", "&&")[:100]


def _page_setup(ws, title: str, council: str, as_of: date, header_row: int) -> None:
    """Print every sheet the same way: A4 landscape, one page wide, its heading row on every page, gridlines, and
    the council, sheet and page number in the header and footer."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.hide_gridlines(0)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    ws.set_header(f"&L{_header_text(council)}&R{_header_text(title)}")
    ws.set_footer(f"&LPeriod end {long_date(as_of)}&RPage &P of &N")


def write_excel(
    path: Path,
    report: pl.DataFrame,
    values: pl.DataFrame,
    catalogue: pl.DataFrame,
    teams: pl.DataFrame,
    as_of: date,
    caseloads: list[dict] | None = None,
    records: pl.DataFrame | None = None,
    council: str = "",
) -> None:
    """The workbook for board papers and analysts: the report, each team's six months, the records behind each
    figure at the period end, the definitions in words, and the caseloads."""
    import xlsxwriter

    polarity = _polarities(catalogue)
    # Every string is written as text: a team name or reason starting with "=", "+", "-" or "@" must not become a
    # live formula, nor an address a link (formula injection through names the case system lets anyone type).
    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    bold = wb.add_format({"bold": True})
    header = wb.add_format(
        {"bold": True, "bg_color": "#263238", "font_color": "#FFFFFF", "text_wrap": True, "valign": "top"}
    )
    section = wb.add_format({"bold": True, "bg_color": "#ECEFF1"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    pct = wb.add_format({"num_format": '0.0"%"'})
    num = wb.add_format({"num_format": "#,##0"})
    rate = wb.add_format({"num_format": "0.0"})
    day = wb.add_format({"num_format": "d mmm yyyy"})
    rag_formats = {
        k: wb.add_format({"bold": True, "bg_color": v, "font_color": RAG_COLOURS[k], "align": "center"})
        for k, v in RAG_FILLS.items()
    }
    council_title = f"{council}: " if council else ""

    def figure_format(pol: str):
        return pct if pol in ("higher", "lower") else (num if pol == "count" else rate)

    ws = wb.add_worksheet("Highlight report")
    ws.write(0, 0, f"{council_title}Children's social care performance at {long_date(as_of)}", bold)
    months = trend_months(report)
    # What the board reads first, up to the note (the printed page); the analysts' columns after it.
    month_heads = [f"{m:%b %y}" for m in months]
    heads = ["Ref", "Performance measure", "Period", "A year before", "Previous FY", *month_heads, "Current"]
    heads += ["Could be out by", "vs month before", "vs a year before", "Min", "Upper", "England", "RAG", "Why"]
    heads += ["Note", "Num", "Denom", "Comparators' year", "Status", "Records in doubt", "Records to fix"]
    col = {h: i for i, h in enumerate(heads)}
    notes = _notes(catalogue)
    ws.write_row(2, 0, heads, header)
    ws.set_row(2, 30)
    row, last_section = 3, None
    for r in report.iter_rows(named=True):
        pol = polarity.get(r["indicator_ref"], "higher")
        fmt = figure_format(pol)
        if r["section"] != last_section:
            last_section = r["section"]
            ws.merge_range(row, 0, row, len(heads) - 1, last_section, section)
            row += 1
        ws.write(row, 0, r["indicator_ref"])
        ws.write(row, 1, r["title"], wrap)
        # the report's figures are null where withheld or unavailable: the workbook never shows them
        for head, v in (
            ("Previous FY", r["previous_financial_year"]),
            ("Num", r["numerator"]),
            ("Denom", r["denominator"]),
            ("Current", r["current_value"]),
            ("A year before", r["value_year_ago"]),
        ):
            if v is not None:
                ws.write_number(row, col[head], v, fmt if head in ("Previous FY", "Current", "A year before") else num)
        if r["status"] in ("withheld", "unavailable"):
            ws.write(row, col["Current"], r["status"])
        ws.write(row, col["Could be out by"], format_band(r["current_value"], r["value_low"], r["value_high"], pol))
        ws.write(row, col["Period"], period_words(r["period_type"]))
        for n, head in enumerate(month_heads, start=1):
            v = r[f"value_month_{n}"]
            if v is not None:
                ws.write_number(row, col[head], v, fmt)
        month_travel, year_travel = travels(r, pol)
        ws.write(row, col["vs month before"], month_travel)
        ws.write(row, col["vs a year before"], year_travel)
        for head, v in (("Min", r["target_min"]), ("Upper", r["target_upper"]), ("England", r["england_value"])):
            if v is not None:
                ws.write_number(row, col[head], v, fmt)
        if r["comparator_year"] is not None:
            ws.write_number(row, col["Comparators' year"], r["comparator_year"], num)
        if r["rag"]:
            ws.write(row, col["RAG"], r["rag"].upper(), rag_formats[r["rag"]])
        ws.write(row, col["Status"], r["status"])
        ws.write(row, col["Why"], r["status_reason"] or "", wrap)
        if r["records_in_doubt"] is not None:
            ws.write_number(row, col["Records in doubt"], r["records_in_doubt"], num)
        ws.write(row, col["Records to fix"], where_to_fix(r), wrap)
        ws.write(row, col["Note"], notes.get(r["indicator_ref"], ""), wrap)
        # Excel sizes a wrapped row only when it is edited: the lines the longest wrapped text needs, set here
        texts = ((r["title"], 44), (r["status_reason"] or "", 32), (notes.get(r["indicator_ref"], ""), 32))
        ws.set_row(row, 2 + 13 * max(-(-len(text) // width) or 1 for text, width in texts))
        row += 1
    ws.set_column(0, 0, 7)
    ws.set_column(1, 1, 44)
    ws.set_column(2, len(heads), 9)
    for head in ("Period", "vs month before", "vs a year before"):
        ws.set_column(col[head], col[head], 15)
    for head in ("Why", "Records to fix", "Note"):
        ws.set_column(col[head], col[head], 32)
    ws.freeze_panes(3, 2)
    _page_setup(ws, "Highlight report", council, as_of, 2)
    ws.print_area(0, 0, row - 1, col["Note"])

    # Each team's six months and its figure now, so a team's trend reads along one row.
    names = dict(zip(teams["team_id"], teams["team_name"], strict=True))
    titles = dict(zip(catalogue["indicator_ref"], catalogue["title"], strict=True))
    periods = dict(zip(catalogue["indicator_ref"], catalogue["period_type"], strict=True))
    team_values = values.filter(pl.col("team_id").is_not_null())
    by_key = {(v["indicator_ref"], v["team_id"], v["period_end"]): v for v in team_values.iter_rows(named=True)}
    current = team_values.filter(pl.col("period_end") == as_of).sort("indicator_ref", "team_id")
    ws2 = wb.add_worksheet("By team")
    heads2 = ["Ref", "Measure", "Team id", "Team", "Period"] + [f"{m:%b %y}" for m in months]
    heads2 += ["Num", "Denom", "Value", "Could be out by", "RAG", "Status", "Why"]
    ws2.write_row(0, 0, heads2, header)
    first_month = 5
    now_col = first_month + len(months)
    for i, r in enumerate(current.iter_rows(named=True), start=1):
        ref, team = r["indicator_ref"], r["team_id"]
        pol = polarity.get(ref, "higher")
        fmt = figure_format(pol)
        ws2.write_row(i, 0, [ref, titles.get(ref, ""), team, names.get(team, team), period_words(periods.get(ref))])
        for n, m in enumerate(months):
            then = by_key.get((ref, team, m))
            if then and then["status"] == "published" and then["value"] is not None:
                ws2.write_number(i, first_month + n, then["value"], fmt)
            elif then and then["status"] != "published":
                ws2.write(i, first_month + n, then["status"])
        if r["status"] == "published":
            for c, v in ((now_col, r["numerator"]), (now_col + 1, r["denominator"])):
                if v is not None:
                    ws2.write_number(i, c, v, num)
            if r["value"] is not None:
                ws2.write_number(i, now_col + 2, r["value"], fmt)
            ws2.write(i, now_col + 3, format_band(r["value"], r["value_low"], r["value_high"], pol))
        else:
            ws2.write(i, now_col + 2, r["status"])
        if r["rag"]:
            ws2.write(i, now_col + 4, r["rag"].upper(), rag_formats[r["rag"]])
        ws2.write(i, now_col + 5, r["status"])
        ws2.write(i, now_col + 6, r["status_reason"] or "")
    ws2.set_column(0, len(heads2), 10)
    ws2.set_column(1, 1, 40)
    ws2.set_column(3, 3, 28)
    ws2.set_column(now_col + 6, now_col + 6, 36)
    ws2.freeze_panes(1, 4)
    ws2.autofilter(0, 0, max(current.height, 1), len(heads2) - 1)
    _page_setup(ws2, "By team", council, as_of, 0)

    # The drill-through: the children and events behind each figure at the period end, to filter by measure and team.
    ws3 = wb.add_worksheet("Drill-through")
    drill = (
        (records if records is not None else pl.DataFrame()).filter(pl.col("period_end") == as_of)
        if (records is not None and records.height)
        else pl.DataFrame()
    )
    shown = drill.head(DRILL_MAX_ROWS)
    heads3 = ["Ref", "Measure", "Team id", "Team", "Worker id", "Child", "Record", "Counted in the measure"]
    heads3 += ["Key date", "Due date", "Detail"]
    ws3.write(
        0,
        0,
        f"The children and events behind each figure at {long_date(as_of)} (marts.duckdb indicator_records)"
        + (
            f"; the first {shown.height:,} of {drill.height:,}: the rest are in marts.duckdb"
            if drill.height > shown.height
            else ""
        ),
        bold,
    )
    ws3.write_row(1, 0, heads3, header)
    for i, r in enumerate(shown.iter_rows(named=True), start=2):
        team = r["team_id"]
        ws3.write_row(
            i,
            0,
            [
                r["indicator_ref"],
                titles.get(r["indicator_ref"], ""),
                team or "",
                names.get(team, team or ""),
                r["worker_id"] or "",
                r["person_id"] or "",
                r["record_id"] or "",
            ],
        )
        ws3.write(i, 7, "yes" if r["in_numerator"] else "no")
        for c, d in ((8, r["key_date"]), (9, r["due_date"])):
            if d is not None:
                ws3.write_datetime(i, c, d, day)
        ws3.write(i, 10, r["detail"] or "")
    ws3.set_column(0, 0, 8)
    ws3.set_column(1, 1, 36)
    ws3.set_column(2, 2, 10)
    ws3.set_column(3, 3, 28)
    ws3.set_column(4, 9, 12)
    ws3.set_column(10, 10, 60)
    ws3.freeze_panes(2, 0)
    ws3.autofilter(1, 0, max(shown.height, 1) + 1, len(heads3) - 1)
    _page_setup(ws3, "Drill-through", council, as_of, 1)

    ws4 = wb.add_worksheet("Definitions")
    definitions = definition_rows(catalogue)
    heads4 = list(definitions[0]) if definitions else ["Ref"]
    ws4.write_row(0, 0, heads4, header)
    for i, d in enumerate(definitions, start=1):
        ws4.write_row(i, 0, list(d.values()), wrap)
    widths = {
        "Ref": 8,
        "Measure": 44,
        "Counts": 40,
        "Out of": 40,
        "Section": 20,
        "Period": 14,
        "Better when": 18,
        "Targets and RAG": 30,
    }
    for c, h in enumerate(heads4):
        ws4.set_column(c, c, widths.get(h, 36))
    ws4.freeze_panes(1, 2)
    _page_setup(ws4, "Definitions", council, as_of, 0)

    ws5 = wb.add_worksheet("Caseloads")
    ws5.write_row(0, 0, [label for _, label in CASELOAD_HEADINGS], header)
    for i, r in enumerate(caseloads or [], start=1):
        ws5.write_row(i, 0, [r[key] for key, _ in CASELOAD_HEADINGS])
    ws5.set_column(0, 0, 32)
    ws5.set_column(1, len(CASELOAD_HEADINGS), 14)
    _page_setup(ws5, "Caseloads", council, as_of, 0)
    wb.close()


# The PDF's core font (Helvetica) writes Latin-1 only: the few characters beyond it the report uses, in words.
PDF_CHARACTERS = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2019": "'",
    "\u2018": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u25b2": "up",
    "\u25bc": "down",
    "\u2026": "...",
}


def pdf_text(text: object) -> str:
    out = "".join(PDF_CHARACTERS.get(ch, ch) for ch in str(text))
    return out.encode("latin-1", "replace").decode("latin-1")


def write_pdf(
    path: Path,
    report: pl.DataFrame,
    values: pl.DataFrame,
    catalogue: pl.DataFrame,
    teams: pl.DataFrame,
    publication: dict,
    council: str = "",
    logo: Path | None = None,
) -> int:
    """The board report as a PDF beside the HTML, A4 landscape, in the same order: the headline indicators on the
    first page, the wider measures, the teams, the definitions. Real text, not a picture. Returns its page count."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    as_of: date = publication["as_of"]
    polarity = _polarities(catalogue)
    parts = dict(catalogue.select("indicator_ref", "part").iter_rows()) if "part" in catalogue.columns else {}
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(True, margin=10)
    pdf.set_title(
        pdf_text(f"{council + ': ' if council else ''}Children's social care performance, {long_date(as_of)}")
    )
    heading_style = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=(38, 50, 56))
    section_style = FontFace(emphasis="BOLD", fill_color=(236, 239, 241))
    rag_styles = {k: FontFace(emphasis="BOLD", color=RAG_COLOURS[k], fill_color=RAG_FILLS[k]) for k in RAG_FILLS}

    def table(heads: list[str], rows: list, widths: list[float], aligns: str | int) -> None:
        """A table whose heading row repeats on every page. ``aligns``: a letter a column (L, R, C), or how many
        columns of words (left) come before the figures (right)."""
        if isinstance(aligns, int):
            aligns = "L" * aligns + "R" * (len(widths) - aligns)
        assert len(aligns) == len(widths), (aligns, widths)
        names = {"L": "LEFT", "R": "RIGHT", "C": "CENTER"}
        with pdf.table(
            col_widths=widths,
            headings_style=heading_style,
            line_height=2.9,
            text_align=tuple(names[a] for a in aligns),
            repeat_headings=1,
            padding=0.6,
            width=sum(widths),
        ) as t:
            head = t.row()
            for h in heads:
                head.cell(pdf_text(h))
            for row in rows:
                if isinstance(row, tuple):
                    text, style, _ = row
                    t.row().cell(pdf_text(text), colspan=len(heads), style=style)
                    continue
                cells = t.row()
                for cell in row:
                    if isinstance(cell, tuple):
                        cells.cell(pdf_text(cell[0]), style=cell[1])
                    else:
                        cells.cell(pdf_text(cell))

    pdf.add_page()
    if logo is not None:
        data, _ = logo_image(logo)
        pdf.image(io.BytesIO(data), x=pdf.w - 10 - 40, y=8, h=12, keep_aspect_ratio=True, w=40)
    if council:
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 6, pdf_text(council), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 7, pdf_text(f"Children's social care performance at {long_date(as_of)}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 7)
    published_at = publication.get("published_at")
    pdf.multi_cell(
        0,
        3.2,
        pdf_text(
            f"How {_possessive(council)} children's social care services are doing against the council's targets "
            f"and England's latest figures, from the case records as they stood on {long_date(as_of)}. "
            + (f"Published {long_date(published_at)} at {published_at:%H:%M}. " if published_at else "")
            + "RAG: green at or better than the upper target, amber between, red worse than the minimum. up/down: "
            "the figure's move from month end to month end, and whether that is better or worse. +/-: how far "
            "records still being corrected could move it. Definitions are on the last pages."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(1)
    heads = headline_heads(report, as_of)
    widths = (
        [10.0, 48.0, 16.0, 11.0, 12.0] + [10.0] * len(trend_months(report)) + [16.0, 20.0, 16.0, 16.0, 24.0, 15.0, 13.0]
    )
    keep = [i for i, w in enumerate(widths) if w]
    # The sparkline stays in the HTML; its column in the PDF gives the figure's "n of d", as the HTML does under it.
    heads = [h if h != "Trend" else "n of d" for h in heads]
    months = trend_months(report)

    def headline_rows(part: str) -> list:
        rows: list = []
        section = None
        for r in report.iter_rows(named=True):
            if parts.get(r["indicator_ref"], "highlight") != part:
                continue
            pol = polarity.get(r["indicator_ref"], "higher")
            if r["section"] != section:
                section = r["section"]
                rows.append((section, section_style, None))
            month_travel, year_travel = (
                travel_words(r[f"value_month_{TREND_MONTHS}"], then, pol)
                for then in (r[f"value_month_{TREND_MONTHS - 1}"], r["value_year_ago"])
            )
            rag = r["rag"] or ""
            cells = [
                r["indicator_ref"],
                measure_title(r["title"], pol),
                period_words(r["period_type"]),
                format_value(r["value_year_ago"], pol),
                format_value(r["previous_financial_year"], pol),
            ]
            cells += [format_value(r[f"value_month_{n}"], pol) for n in range(1, len(months) + 1)]
            published = r["status"] not in ("withheld", "unavailable")
            counted = r["numerator"] is not None and r["denominator"] is not None and pol in ("higher", "lower")
            cells += [
                shown_figure(r, pol),
                f"{r['numerator']:,} of {r['denominator']:,}" if published and counted else "",
                month_travel,
                year_travel,
                targets_text(r, pol),
                england_words(r, pol),
                (rag.upper(), rag_styles[rag]) if rag in rag_styles else _not_published(r["status"]),
            ]
            rows.append([cells[i] for i in keep])
        return rows

    pdf.set_font("Helvetica", "", 6.5)
    aligns = "LLL" + "R" * (len(keep) - 8) + "LLLRC"  # words, figures to Now, travel and target, England, RAG
    table([heads[i] for i in keep], headline_rows("highlight"), [widths[i] for i in keep], aligns)
    wider = headline_rows("wider")
    if wider:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 6, "Wider measures", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 6.5)
        table([heads[i] for i in keep], wider, [widths[i] for i in keep], aligns)

    columns, team_rows = team_matrix(values, teams, report, as_of)
    if team_rows:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 6, pdf_text(f"Teams at {long_date(as_of)}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 7)
        pdf.cell(
            0,
            4,
            "Each measure for each team. G, A, R: green, amber, red against the targets.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font("Helvetica", "", 6)
        team_width = int((pdf.epw - 62) / max(len(columns), 1) * 100) / 100  # rounded down: within the page
        rows = [
            [r["indicator_ref"], r["title"]]
            + [team_figure(by_team.get(t), polarity.get(r["indicator_ref"], "higher")) for t, _ in columns]
            for r, by_team in team_rows
        ]
        table(["Ref", "Measure"] + [name for _, name in columns], rows, [10.0, 52.0] + [team_width] * len(columns), 2)

    pdf.add_page()
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, "Definitions", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 6.5)
    definitions = definition_rows(catalogue)
    heads_d = ["Ref", "Measure", "Counts", "Out of", "Period", "Better when", "Targets and RAG", "Timescales", "Note"]
    widths_d = [12.0, 45.0, 40.0, 40.0, 18.0, 20.0, 36.0, 34.0, 32.0]
    table(heads_d, [[d[h] for h in heads_d] for d in definitions], widths_d, 7)
    pdf.output(str(path))
    return pdf.pages_count


def read_publication(marts_file: Path) -> dict[str, pl.DataFrame]:
    import duckdb

    if not marts_file.exists():
        raise FileNotFoundError(f"{marts_file}: nothing published yet (run `csc run` first)")
    with duckdb.connect(str(marts_file), read_only=True) as con:
        tables = {
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
        # the drill-through at the period end only: every month's records would be ten times as many rows
        tables["indicator_records"] = con.sql(
            "SELECT * FROM indicator_records WHERE period_end = (SELECT as_of FROM publication) "
            "ORDER BY indicator_ref, team_id, person_id, record_id"
        ).pl()
        return tables


def write_reports(
    marts_file: Path, out_dir: Path, *, council: str | None = None, logo: Path | None = None
) -> tuple[Path, Path, str]:
    """The HTML, its PDF beside it (same name, .pdf), and the workbook; the council's name and logo from the
    settings (CSC_COUNCIL_NAME, CSC_COUNCIL_LOGO) unless given."""
    council = settings().council_name if council is None else council
    logo = settings().council_logo if logo is None else logo
    logo_uri = logo_data_uri(logo) if logo is not None else ""
    tables = read_publication(marts_file)
    publication = tables["publication"].row(0, named=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, xlsx_path = out_dir / "highlight-report.html", out_dir / "highlight-report.xlsx"
    as_of = publication["as_of"]
    report, catalogue, values, teams = (
        tables["highlight_report"],
        tables["indicator_catalogue"],
        tables["indicator_values"],
        tables["teams"],
    )
    caseloads = tables["caseload_by_team"], teams, as_of
    html_path.write_text(
        render_html(
            report,
            catalogue,
            publication,
            render_caseloads_html(*caseloads),
            council=council,
            logo_uri=logo_uri,
            team_page=render_team_page(values, teams, report, catalogue, as_of),
        ),
        encoding="utf-8",
    )
    write_pdf(html_path.with_suffix(".pdf"), report, values, catalogue, teams, publication, council, logo)
    write_excel(
        xlsx_path,
        report,
        values,
        catalogue,
        teams,
        as_of,
        caseload_rows(*caseloads),
        tables["indicator_records"],
        council,
    )
    text = render_text(report, catalogue)
    drift = render_drift_text(tables["drift_list"], teams)
    return html_path, xlsx_path, f"{text}\n\n{render_caseloads_text(*caseloads)}\n\n{drift}"
