"""The data-quality pages owners open: a summary of every rule (``summary.html``, also the folder's
``index.html``) and one page per failing rule with its records, in the rule's own words, styled by the page itself.

Great Expectations' Data Docs load Bootstrap, jQuery and Font Awesome from CDNs, so on a council network without
internet they are unstyled with blank status icons, and they name a rule only by the column the runner flags
(``breaks_FRD-001: values must belong to this set: False``). These pages are rendered from the same validation
results (records checked and failing per rule) and the rules' declarations, with no external asset. GX's own pages
are kept for the technical view, made readable offline by ``offline_gx_pages``: their CDN tags are removed, a local
stylesheet gives them borders and status marks, and each ``breaks_<rule>`` heading gets the rule's words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

import polars as pl

from expectations.rules import BATCH_TABLE, Rule
from expectations.suites import flag_column

__all__ = ["INDEX_PAGE", "RECORDS_SHOWN", "SUMMARY_PAGE", "RuleCount", "offline_gx_pages", "write_pages"]

SUMMARY_PAGE = "summary.html"
INDEX_PAGE = "index.html"  # GX's own index builds its table with CDN scripts: offline it is empty, so it is replaced
RULES_DIR = "rules"
GX_STYLESHEET = "static/styles/csc-offline.css"
# A rule page lists this many records; a rule with more says how to query the rest (a page of 100,000 rows would
# not open in a browser on a council laptop).
RECORDS_SHOWN = 1000


class RuleCount(NamedTuple):
    """A rule and what its Great Expectations validation found."""

    rule: Rule
    checked: int
    failed: int


# Inline SVG marks: no icon font to download, and each carries its word as text for screen readers and print.
_MARKS = {
    "passed": ("#2e7d32", '<path d="M4 8.5l3 3 5-6" stroke="#fff" stroke-width="2" fill="none"/>'),
    "warning": ("#ef6c00", '<path d="M8 3.5v6M8 11.5v1.5" stroke="#fff" stroke-width="2"/>'),
    "blocking": ("#c62828", '<path d="M5 5l6 6M11 5l-6 6" stroke="#fff" stroke-width="2"/>'),
}
_STATUS_WORDS = {"passed": "passed", "warning": "failed (warning)", "blocking": "failed (blocking)"}

_STYLE = """
body{font-family:Arial,Helvetica,sans-serif;margin:1.5em auto;max-width:1200px;color:#1b1b1b;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.5em}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1em;margin:1em 0}
.facts dt{font-weight:bold;color:#455a64}.facts dd{margin:0}
.cards{display:flex;gap:1em;flex-wrap:wrap;margin:1em 0}
.card{border:1px solid #cfd8dc;border-radius:6px;padding:.6em 1em;min-width:9em}
.card b{display:block;font-size:1.6em}
table{border-collapse:collapse;font-size:.85em;width:100%}
td,th{border:1px solid #cfd8dc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#263238;color:#fff;position:sticky;top:0}
tr:nth-child(even) td{background:#f5f7f8}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.mark{display:inline-flex;align-items:center;gap:.35em;white-space:nowrap}
.mark svg{width:1.1em;height:1.1em;flex:none}
.failed{color:#b71c1c;font-weight:bold}
.note{color:#455a64;font-size:.9em}
code{background:#eceff1;padding:1px 4px;border-radius:3px;word-break:break-all}
a{color:#0b5394}
@media print{th{position:static}}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _status(count: RuleCount) -> str:
    if not count.failed:
        return "passed"
    return "blocking" if count.rule.is_blocking else "warning"


def _mark(status: str) -> str:
    colour, path = _MARKS[status]
    return (
        f'<span class="mark"><svg viewBox="0 0 16 16" aria-hidden="true"><circle cx="8" cy="8" r="8" '
        f'fill="{colour}"/>{path}</svg>{_STATUS_WORDS[status]}</span>'
    )


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>'
        f"<body>{body}</body></html>\n"
    )


def _who_fixes(rule: Rule) -> str:
    if rule.owner == "team":
        return "the team the child is allocated to"
    return f"the {rule.owner} data role"


def _file_names(rules: Sequence[Rule]) -> dict[str, str]:
    """A file name per rule id: ids are declared text, so anything but letters, digits, '.', '_' and '-' is
    replaced, and a clash (two ids differing only there) gets a number."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for rule in rules:
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", rule.id).lstrip(".") or "rule"
        name, n = f"{stem}.html", 1
        while name.lower() in used:
            n += 1
            name = f"{stem}-{n}.html"
        used.add(name.lower())
        names[rule.id] = name
    return names


def _query(rule_id: str) -> str:
    return "SELECT * FROM dq_exceptions WHERE rule_id = '" + rule_id.replace("'", "''") + "'"


def _rule_page(count: RuleCount, records: pl.DataFrame, as_of: date) -> str:
    rule = count.rule
    shown = records.head(RECORDS_SHOWN)
    where = "the batch as a whole" if rule.table == BATCH_TABLE else rule.table
    facts = [
        ("Status", _mark(_status(count))),
        ("Severity", _e(rule.severity)),
        ("Who fixes it", _e(_who_fixes(rule))),
        ("Where", _e(where) + (f", column <code>{_e(rule.column)}</code>" if rule.column else "")),
        ("Indicators it can move", _e(", ".join(rule.indicators) or "none")),
        ("Records checked", f"{count.checked:,}"),
        ("Records failing", f'<span class="failed">{count.failed:,}</span>'),
        (
            "What Great Expectations checked",
            f"that no record of {_e(where)} breaks this rule (its technical name: every value of "
            f"<code>{_e(flag_column(rule.id))}</code> belongs to the set <code>[False]</code>)",
        ),
    ]
    rows = "".join(
        "<tr>" + "".join(f"<td>{_e(r[c])}</td>" for c in ("record_id", "person_id", "value", "message")) + "</tr>"
        for r in shown.iter_rows(named=True)
    )
    more = records.height - shown.height
    listing = (
        "<table><thead><tr><th>Record</th><th>Child</th><th>Value found</th><th>What is wrong</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        if shown.height
        else '<p class="note">The rule reports no single record: it is about the whole table or batch.</p>'
    )
    return _page(
        f"{rule.id}: {rule.description}",
        f'<p><a href="../{SUMMARY_PAGE}">&larr; All rules, batch as of {as_of}</a></p>'
        f"<h1>{_e(rule.id)}: {_e(rule.description)}</h1>"
        '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"
        f"<h2>Records to fix ({records.height:,})</h2>{listing}"
        + (
            f'<p class="note">The first {shown.height:,} are listed; all {records.height:,} are in '
            f"<code>dq_exceptions</code> in <code>marts.duckdb</code>: <code>{_e(_query(rule.id))}</code></p>"
            if more
            else ""
        ),
    )


def _summary(counts: Sequence[RuleCount], files: dict[str, str], as_of: date, exceptions: int) -> str:
    failed = [c for c in counts if c.failed]
    blocking = [c for c in failed if c.rule.is_blocking]
    ordered = sorted(counts, key=lambda c: (c.failed == 0, not c.rule.is_blocking, -c.failed, c.rule.id))
    rows = []
    for c in ordered:
        rule_id = _e(c.rule.id)
        link = f'<a href="{RULES_DIR}/{_e(files[c.rule.id])}">{rule_id}</a>' if c.failed else rule_id
        rows.append(
            f"<tr><td>{_mark(_status(c))}</td><td>{link}</td><td>{_e(c.rule.description)}</td>"
            f"<td>{_e(c.rule.severity)}</td><td>{_e(_who_fixes(c.rule))}</td>"
            f"<td>{_e(', '.join(c.rule.indicators))}</td><td>{_e(c.rule.table)}</td>"
            f'<td class="n">{c.checked:,}</td><td class="n{" failed" if c.failed else ""}">{c.failed:,}</td></tr>'
        )
    cards = [
        (f"{len(counts):,}", "rules checked"),
        (f"{len(failed):,}", "rules failing"),
        (f"{len(blocking):,}", "blocking rules failing"),
        (f"{exceptions:,}", "records to fix"),
    ]
    return _page(
        f"Data quality, batch as of {as_of}",
        f"<h1>Data quality, batch as of {as_of}</h1>"
        '<div class="cards">' + "".join(f'<div class="card"><b>{n}</b>{w}</div>' for n, w in cards) + "</div>"
        '<p class="note">Failing rules come first, blocking ones before warnings. Each failing rule links to its '
        "records. A blocking rule withholds the indicators it names; a warning puts them in doubt only as far as "
        "its records could move them. Every record is in <code>dq_exceptions</code> in <code>marts.duckdb</code>."
        "</p><table><thead><tr><th>Status</th><th>Rule</th><th>What is wrong</th><th>Severity</th>"
        '<th>Who fixes it</th><th>Indicators</th><th>Table</th><th class="n">Checked</th>'
        f'<th class="n">Failing</th></tr></thead><tbody>{"".join(rows)}</tbody></table>',
    )


def write_pages(docs_dir: Path, counts: Sequence[RuleCount], exceptions: pl.DataFrame, as_of: date) -> Path:
    """Write the summary (as ``summary.html`` and ``index.html``) and one page per failing rule; returns the
    summary's path. ``exceptions``: rule_id, record_id, person_id, value, message per failing record."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    (docs_dir / RULES_DIR).mkdir(exist_ok=True)
    files = _file_names([c.rule for c in counts])
    by_rule = {
        rule_id: part
        for (rule_id,), part in exceptions.unique(maintain_order=True)
        .partition_by("rule_id", as_dict=True, maintain_order=True)
        .items()
    }
    empty = exceptions.clear()
    for c in counts:
        if c.failed:
            page = _rule_page(c, by_rule.get(c.rule.id, empty), as_of)
            (docs_dir / RULES_DIR / files[c.rule.id]).write_text(page, encoding="utf-8")
    summary = _summary(counts, files, as_of, sum(p.height for p in by_rule.values()))
    for name in (SUMMARY_PAGE, INDEX_PAGE):
        (docs_dir / name).write_text(summary, encoding="utf-8")
    return docs_dir / SUMMARY_PAGE


# ------------------------------------------------------------------------------------ GX's own pages, offline

_REMOTE_LINK = re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//[^>]*>""", re.IGNORECASE)
_REMOTE_SCRIPT = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//[^>]*>\s*</script\s*>""", re.IGNORECASE | re.DOTALL
)
# GX's logo is fetched from S3 with the build's timestamp in its URL: a request that tells a third party the page
# was opened; dropped like the rest
_REMOTE_IMAGE = re.compile(r"""<img\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//[^>]*>""", re.IGNORECASE)
_GX_STYLE = """
body{font-family:Arial,Helvetica,sans-serif;margin:1em;color:#1b1b1b}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #cfd8dc;padding:4px 6px}
th{background:#263238;color:#fff}.alert{background:#eceff1;padding:.5em;margin-top:1em}
.text-danger{color:#c62828}.text-success{color:#2e7d32}.collapse:not(.show){display:none}
i.fas::before{font-style:normal;font-weight:bold}
.fa-times::before{content:"\\2716"}.fa-check-circle::before,.fa-check::before{content:"\\2714"}
.fa-exclamation-triangle::before{content:"\\26A0"}.fa-question-circle::before{content:"?"}
nav,.navbar,.sticky{position:static}
"""


def offline_gx_pages(docs_dir: Path, rules: Sequence[Rule]) -> int:
    """Make GX's Data Docs readable offline: drop every CDN stylesheet and script, link a local stylesheet, and
    put each rule's words beside its ``breaks_<rule>`` name. Returns how many remote asset tags (stylesheets,
    scripts, images) were removed."""
    css = docs_dir / GX_STYLESHEET
    css.parent.mkdir(parents=True, exist_ok=True)
    css.write_text(_GX_STYLE, encoding="utf-8")
    # longest id first, so that "breaks_X-1" is never taken for the start of "breaks_X-10"
    words = sorted(((flag_column(r.id), r) for r in rules), key=lambda p: -len(p[0]))
    # only a heading's or link's whole text (">  breaks_X  <"), never an id or an anchor in an attribute
    named = (
        re.compile(r"(>\s*)(" + "|".join(re.escape(html.escape(f)) for f, _ in words) + r")(?=\s*<)") if words else None
    )
    lookup = {html.escape(f): f"{html.escape(r.id)}: {html.escape(r.description)}" for f, r in words}
    removed = 0
    for page in docs_dir.rglob("*.html"):
        rel = page.relative_to(docs_dir)
        if rel.parts[0] == RULES_DIR or rel.as_posix() in (SUMMARY_PAGE, INDEX_PAGE):
            continue
        text = page.read_text(encoding="utf-8")
        text, links = _REMOTE_LINK.subn("", text)
        text, scripts = _REMOTE_SCRIPT.subn("", text)
        text, images = _REMOTE_IMAGE.subn("", text)
        removed += links + scripts + images
        up = "../" * (len(rel.parts) - 1)
        text = text.replace("</head>", f'<link rel="stylesheet" href="{up}{GX_STYLESHEET}"></head>', 1)
        if named is not None:
            text = named.sub(lambda m: m.group(1) + lookup[m.group(2)], text)
        page.write_text(text, encoding="utf-8")
    return removed
