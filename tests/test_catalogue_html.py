"""csc catalogue: static, offline HTML of every published table and column with its lineage to the SSD."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from csc.catalogue import write_catalogue
from declarations.catalogue import load_catalogue
from declarations.lineage import MART_SOURCES
from declarations.registry import REGISTRY, in_layer
from declarations.settings import settings
from transforms.indicators import Conformed

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("catalogue")
    write_catalogue(out)
    return {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}


def _ids(text: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]*)"', text))


def test_every_published_table_and_column_has_its_place(pages):
    for t in in_layer("marts"):
        page = pages[f"marts.{t.name}.html"]
        assert {f"c-{c}" for c in t.column_names} <= _ids(page), t.name
        assert f'href="marts.{t.name}.html"' in pages["index.html"]


def test_every_link_resolves_to_a_page_and_anchor_that_exist(pages):
    ids = {name: _ids(text) for name, text in pages.items()}
    links = [(name, href) for name, text in pages.items() for href in re.findall(r'href="([^"]*)"', text)]
    broken = [(name, href) for name, href in links if href.partition("#")[0] not in ids
              or (href.partition("#")[2] and href.partition("#")[2] not in ids[href.partition("#")[0]])]  # fmt: skip
    assert len(links) > 1000
    assert broken == []


def test_nothing_is_loaded_from_outside(pages):
    for name, text in pages.items():
        assert not re.search(r"https?://|<link|\ssrc=|@import", text), name


def test_a_published_table_leads_back_to_the_ssd_column_each_system_exports(pages):
    # marts.teams <- conformed.team <- staging.ssd_department; conformed.team.team_name <- dept_team_name
    assert 'Built from: <a href="conformed.team.html">' in pages["marts.teams.html"]
    team = pages["conformed.team.html"]
    assert 'href="staging.ssd_department.html#c-dept_team_name"' in team
    assert 'href="marts.teams.html"' in team  # read by
    # Mosaic exports the CIN plan id under another name
    row = re.search(r'<tr id="c-cinp_cin_plan_id">.*?</tr>', pages["staging.ssd_cin_plans.html"], re.S)
    assert row and "<code>cin_plan_id</code>" in row.group(0)


def test_each_indicator_names_the_ssd_tables_it_reads(pages):
    section = re.search(r'<section id="i-4\.7\.2">.*?</section>', pages["indicators.html"], re.S)
    assert section and 'href="staging.ssd_cp_visits.html"' in section.group(0)
    refs = {i.ref for i in load_catalogue(settings().indicator_catalogue).indicators}
    assert {f"i-{r}" for r in refs} <= _ids(pages["indicators.html"])


def test_declared_sources_of_the_marts_are_tables_that_exist():
    assert set(MART_SOURCES) == {t.name for t in in_layer("marts")}
    assert [s for sources in MART_SOURCES.values() for s in sources if s not in REGISTRY] == []
    read = {f"conformed.{name}" for name in Conformed.__dataclass_fields__}
    assert {s for s in MART_SOURCES["indicator_records"] if s.startswith("conformed.")} == read


def test_hostile_text_is_escaped(tmp_path, monkeypatch):
    teams = REGISTRY["marts.teams"]
    column = dataclasses.replace(teams.columns[1], description=HOSTILE)
    monkeypatch.setitem(
        REGISTRY,
        "marts.teams",
        dataclasses.replace(teams, description=HOSTILE, columns=(teams.columns[0], column, *teams.columns[2:])),
    )
    catalogue = load_catalogue(settings().indicator_catalogue)
    first = dataclasses.replace(catalogue.indicators[0], title=HOSTILE, note='"><img onerror=alert(1)>')
    write_catalogue(tmp_path, dataclasses.replace(catalogue, indicators=(first, *catalogue.indicators[1:])))
    for name in ("marts.teams.html", "index.html", "indicators.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img" not in text, name
    assert (tmp_path / "marts.teams.html").read_text(encoding="utf-8").count("&lt;script&gt;alert(") == 2


def test_written_pages_are_the_tables_indicators_and_index(tmp_path: Path):
    written = write_catalogue(tmp_path)
    names = {p.name for p in written}
    assert {"index.html", "indicators.html"} <= names
    contract = {
        name.split(".", 1)[1] for name in REGISTRY if name.startswith("staging.ssd") or name.startswith("staging.ext")
    }
    assert {f"staging.{n}.html" for n in contract} <= names
    assert not [n for n in names if n.startswith("raw.ssd")]
