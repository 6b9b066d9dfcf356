"""The browsable catalogue (``csc catalogue``): static HTML pages, readable offline, of every published table and
column with its lineage back to the SSD columns each case system exports, and every indicator with what it reads.

Generated from the declarations only (no warehouse needed), with the data dictionary's lineage
(``warehouse.dictionary``): a published table's sources (``declarations.lineage``), a conformed table's
(its transform's parameters) and a conformed column's (``Field.source``), the SSD column each case system exports
(``declarations.systems``), the data-quality rules on each SSD column, and the SSD tables each indicator reads
(``transforms.materiality.INDICATOR_INPUTS``). Every text is HTML-escaped; no page loads anything from anywhere.

One page per table, named after it (``marts.teams.html``, ``conformed.child.html``; an SSD table's raw and
staging forms share ``staging.<table>.html``), ``indicators.html`` and ``index.html`` with a search box.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from pathlib import Path

from declarations.catalogue import Catalogue, load_catalogue
from declarations.contract import TABLES_BY_NAME, Table
from declarations.lineage import CATALOGUE_SOURCE, MART_SOURCES
from declarations.registry import REGISTRY, in_layer
from declarations.settings import settings
from declarations.systems import SYSTEMS
from declarations.tables import Declared
from expectations.declared import load_rules
from transforms.materiality import inputs_of
from warehouse.dictionary import conformed_lineage, staging_note

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .5em;
text-align:left;vertical-align:top}th{background:#eee}code{background:#f4f4f4}.key{font-weight:bold}
nav{margin-bottom:1em}li.hidden{display:none}input{font-size:1em;padding:.3em;width:30em}
"""
# Filters the index's list as one types; plain JS, nothing loaded.
_SEARCH = """
<script>
function filterCatalogue(q){q=q.toLowerCase();for(const li of document.querySelectorAll('#all li')){
li.classList.toggle('hidden',!li.textContent.toLowerCase().includes(q));}}
</script>
"""
_LAYER_TITLE = {
    "marts": "Published tables (marts.duckdb)",
    "conformed": "Conformed tables (warehouse.duckdb)",
    "staging": "SSD tables (raw and staging, warehouse.duckdb)",
    "records": "The pipeline's records (warehouse.duckdb)",
}


def page_of(qualified: str) -> str:
    """The page a table is on: an SSD table's raw and staging forms share one."""
    layer, name = qualified.split(".", 1)
    if layer in ("raw", "staging") and name in TABLES_BY_NAME:
        return f"staging.{name}.html"
    return f"{qualified}.html"


def _link(qualified: str, column: str | None = None) -> str:
    label = qualified + (f".{column}" if column else "")
    anchor = f"#c-{column}" if column else ""
    return f'<a href="{escape(page_of(qualified) + anchor)}"><code>{escape(label)}</code></a>'


def _source_links(source: str) -> str:
    """A conformed column's ``source`` ("table.column, ..."): a link to each column of the layer below."""
    links = []
    for part in (p.strip() for p in source.split(",") if p.strip()):
        table, _, column = part.partition(".")
        if table in TABLES_BY_NAME:
            links.append(_link(f"staging.{table}", column))
        elif f"conformed.{table}" in REGISTRY:
            links.append(_link(f"conformed.{table}", column))
        else:
            links.append(f"<code>{escape(part)}</code>")
    return ", ".join(links)


def _page(title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
            '<nav><a href="index.html">Catalogue</a> | <a href="indicators.html">Indicators</a></nav>',
            f"<h1>{escape(title)}</h1>",
            *body,
            "</body></html>",
        ]
    )


def _links(qualified: list[str] | tuple[str, ...]) -> str:
    return ", ".join(_link(q) for q in qualified) or "nothing else"


class _Lineage:
    """Every table's sources, and the reverse: what reads it."""

    def __init__(self) -> None:
        self.sources: dict[str, list[str]] = {f"marts.{n}": list(s) for n, s in MART_SOURCES.items()}
        for t in in_layer("conformed"):
            self.sources[t.qualified] = conformed_lineage(t.name)
        self.readers: dict[str, list[str]] = defaultdict(list)
        for table, sources in self.sources.items():
            for s in sources:
                self.readers[page_of(s)].append(table)

    def ssd_tables(self, qualified: str) -> list[str]:
        """The SSD tables a table is built from, through every layer between."""
        found: dict[str, None] = {}
        seen: set[str] = set()

        def walk(q: str) -> None:
            if q in seen:
                return
            seen.add(q)
            layer, name = q.split(".", 1)
            if layer == "staging" and name in TABLES_BY_NAME:
                found[q] = None
            for s in self.sources.get(q, ()):
                walk(s)

        walk(qualified)
        return sorted(found)


def _columns_table(t: Declared) -> list[str]:
    checks: dict[str, list[str]] = defaultdict(list)
    for what, _ in t.check_sql():
        column = next((c.name for c in t.columns if f"{t.qualified}.{c.name} " in what), None)
        for name in t.key if column is None else (column,):
            checks[name].append(what)
    rows = [
        "<table><tr><th>column</th><th>type</th><th>description</th><th>from</th><th>checks</th></tr>",
    ]
    for c in t.columns:
        source = _source_links(c.source) if c.source and t.layer == "conformed" else escape(c.source)
        if c.references:
            source += (" " if source else "") + "refers to " + _link(*c.references.rsplit(".", 1))
        rows.append(
            f'<tr id="c-{escape(c.name)}"><td class="{"key" if c.name in t.key else ""}"><code>{escape(c.name)}</code>'
            f"</td><td>{escape(c.type)}</td><td>{escape(c.description)}</td><td>{source}</td>"
            f"<td>{'<br>'.join(escape(w) for w in checks[c.name])}</td></tr>"
        )
    return [*rows, "</table>"]


def _declared_page(t: Declared, lineage: _Lineage) -> str:
    body = [f"<p>{escape(t.description)}</p>"]
    if t.key:
        body.append(f"<p>Key: <code>{escape(', '.join(t.key))}</code> (unique, never null).</p>")
    sources = lineage.sources.get(t.qualified)
    if t.name == "indicator_catalogue" and t.layer == "marts":
        body.append(f"<p>Built from {escape(CATALOGUE_SOURCE)}.</p>")
    elif sources:
        body.append(f"<p>Built from: {_links(sources)}.</p>")
        ssd = lineage.ssd_tables(t.qualified)
        if ssd and ssd != sources:
            body.append(f"<p>Back to the SSD: {_links(ssd)}.</p>")
    readers = lineage.readers.get(page_of(t.qualified), [])
    if readers:
        body.append(f"<p>Read by: {_links(readers)}.</p>")
    if t.layer == "marts" and t.name in ("indicator_values", "indicator_records"):
        body.append('<p>What each indicator reads: <a href="indicators.html">indicators</a>.</p>')
    return _page(f"{t.qualified} ({t.layer})", [*body, *_columns_table(t)])


def _ssd_page(t: Table, lineage: _Lineage, rules: dict[tuple[str, str | None], list[str]], used: dict) -> str:
    staging = REGISTRY[f"staging.{t.name}"]
    systems = list(SYSTEMS.values())
    body = [
        f"<p>{escape(t.description)}</p>",
        f"<p>Key: <code>{escape(t.key)}</code>. Group: {escape(t.group)}. In <code>raw.{escape(t.name)}</code> as "
        f"received (every column text) and <code>staging.{escape(t.name)}</code> typed and cleaned.</p>",
    ]
    readers = lineage.readers.get(page_of(staging.qualified), [])
    body.append(f"<p>Read by: {_links(readers)}.</p>")
    indicators = used.get(t.name, [])
    if indicators:
        body.append(
            "<p>Indicators reading it: "
            + ", ".join(f'<a href="indicators.html#i-{escape(r)}">{escape(r)}</a>' for r in indicators)
            + ".</p>"
        )
    table_rules = rules.get((t.name, None), [])
    if table_rules:
        body.append(f"<p>Data-quality rules on the table: {escape('; '.join(table_rules))}.</p>")
    head = "".join(f"<th>{escape(s.name)} exports it as</th>" for s in systems)
    rows = [
        f"<table><tr><th>column</th><th>staging type</th><th>description</th><th>cleaning</th>{head}"
        "<th>used by</th><th>data-quality rules</th></tr>"
    ]
    for c in t.columns:
        exported = []
        for s in systems:
            if t.name in s.absent_tables:
                exported.append("table not built")
            elif s.exports(t, c):
                exported.append(f"<code>{escape(s.received_name(t.name, c.name))}</code>")
            else:
                exported.append("not exported" + (f" (derived from {escape(c.derived_via)})" if c.derived_via else ""))
        rows.append(
            f'<tr id="c-{escape(c.name)}"><td class="{"key" if c.name == t.key else ""}"><code>{escape(c.name)}</code>'
            f"</td><td>{escape(c.duckdb_type)}</td><td>{escape(c.description)}</td><td>{escape(staging_note(c))}</td>"
            + "".join(f"<td>{e}</td>" for e in exported)
            + f"<td>{', '.join(_link(*u.rsplit('.', 1)) for u in used.get(f'{t.name}.{c.name}', []))}</td>"
            f"<td>{'<br>'.join(escape(r) for r in rules.get((t.name, c.name), []))}</td></tr>"
        )
    return _page(f"SSD table {t.name}", [*body, *rows, "</table>"])


def _indicators_page(cat: Catalogue) -> str:
    body = [
        "<p>Every indicator of the catalogue the figures are computed with, and the SSD tables it reads: the "
        "cohort tables decide who or what is counted, the measure tables whether a counted record meets the "
        f"measure. Each is published in {_link('marts.indicator_values')} and drilled into in "
        f"{_link('marts.indicator_records')}, both built from the conformed tables.</p>"
    ]
    for i in cat.indicators:
        try:
            inputs = inputs_of(i.ref)
            reads = (
                f"<p>Cohort: {_links([f'staging.{n}' for n in inputs.cohort])}. "
                f"Measure: {_links([f'staging.{n}' for n in inputs.measure])}.</p>"
            )
        except KeyError:
            reads = "<p>What it reads is not declared (transforms.materiality.INDICATOR_INPUTS).</p>"
        targets = ", ".join(
            f"{k} {v:g}" for k, v in (("min", i.target_min), ("upper", i.target_upper)) if v is not None
        )
        body += [
            f'<section id="i-{escape(i.ref)}"><h2>{escape(i.ref)} {escape(i.title)}</h2>',
            f"<p>{escape(i.section)}; {escape(i.part)}; {escape(i.period_type)}; {escape(i.polarity)}"
            + (f"; targets {escape(targets)}" if targets else "")
            + (f"; computed by <code>{escape(i.definition)}</code>" if i.definition else "")
            + ".</p>",
            *([f"<p>{escape(i.note)}</p>"] if i.note else []),
            *([f"<p>Needs {escape(', '.join(i.requires))} in the export.</p>"] if i.requires else []),
            reads,
            "</section>",
        ]
    return _page("Indicators", body)


def _index(pages: dict[str, tuple[str, str]]) -> str:
    """``pages``: file -> (group, description)."""
    body = [
        "<p>Every table and column the pipeline declares, with where each comes from. Generated from the "
        "declarations by <code>csc catalogue</code>; the same descriptions are in docs/data-dictionary.md.</p>",
        '<p><input type="search" placeholder="Find a table or column" oninput="filterCatalogue(this.value)"></p>',
        '<ul id="all">',
    ]
    for group, title in _LAYER_TITLE.items():
        body.append(f"<li><strong>{escape(title)}</strong><ul>")
        for file, (g, description) in pages.items():
            if g == group:
                body.append(
                    f'<li><a href="{escape(file)}">{escape(file.removesuffix(".html"))}</a>: {escape(description)}'
                )
        body.append("</ul></li>")
    body.append('<li><a href="indicators.html">Indicators</a>: what each reads</li></ul>')
    return _page("Catalogue of the publication", [*body, _SEARCH])


def write_catalogue(out: Path, catalogue: Catalogue | None = None) -> list[Path]:
    """Write every page into ``out`` (created); return the pages written."""
    cat = catalogue or load_catalogue(settings().indicator_catalogue)
    lineage = _Lineage()
    rules: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for r in load_rules():
        rules[(r.table, r.column)].append(f"{r.id} ({r.severity}): {r.description}")
    used: dict[str, list[str]] = defaultdict(list)
    for t in in_layer("conformed"):
        for c in t.columns:
            for part in (p.strip() for p in c.source.split(",") if p.strip()):
                used[part].append(f"{t.qualified}.{c.name}")
    for i in cat.indicators:
        try:
            inputs = inputs_of(i.ref)
        except KeyError:
            continue
        for name in dict.fromkeys(inputs.tables):
            used[name].append(i.ref)
    pages: dict[str, tuple[str, str]] = {}
    texts: dict[str, str] = {}
    for t in REGISTRY.values():
        file = page_of(t.qualified)
        if file in texts:
            continue
        if t.layer in ("raw", "staging") and t.name in TABLES_BY_NAME:
            texts[file] = _ssd_page(TABLES_BY_NAME[t.name], lineage, rules, used)
            group = "staging"
        else:
            texts[file] = _declared_page(t, lineage)
            group = t.layer if t.layer in ("marts", "conformed") else "records"
        pages[file] = (group, t.description)
    texts["indicators.html"] = _indicators_page(cat)
    texts["index.html"] = _index(pages)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for file, text in texts.items():
        path = out / file
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
