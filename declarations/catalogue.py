"""The indicator catalogue: refs, titles, period types, polarity, targets and timescales, read from TOML.

The defaults (``indicators.toml`` beside this file) are the seed report's; a council points
``CSC_INDICATOR_CATALOGUE`` at its own copy to change targets or timescales without touching code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from declarations.constants import UNALLOCATED_TEAM
from declarations.contract import TABLES_BY_NAME

DEFAULT_CATALOGUE = Path(__file__).with_name("indicators.toml")
PERIOD_TYPES = ("snapshot", "ytd", "rolling_year")
POLARITIES = ("higher", "lower", "count", "rate")
PARTS = ("highlight", "wider")


@dataclass(frozen=True)
class Indicator:
    ref: str
    title: str
    section: str
    period_type: str
    polarity: str
    target_min: float | None = None
    target_upper: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    # Data beyond the SSD's core tables: "table" or "table.column" (the local extensions).
    requires: tuple[str, ...] = ()
    # What the board must know to read the figure (printed under it in the report).
    note: str = ""
    # The measure in words for the definitions page: what is counted (the numerator, or the count itself) and out of
    # what (the denominator; empty for counts and rates).
    counts: str = ""
    out_of: str = ""
    # The function (``transforms.indicators``) that lists the records behind the figure; a rate names its count's.
    definition: str = ""
    # Which part of the report: the seed report's highlight indicators, or the wider measures after them.
    part: str = "highlight"

    @property
    def is_percentage(self) -> bool:
        return self.polarity in ("higher", "lower")

    def param(self, name: str) -> Any:
        try:
            return self.params[name]
        except KeyError:
            raise KeyError(f"indicator {self.ref}: the catalogue gives no {name!r}") from None


@dataclass(frozen=True)
class Catalogue:
    indicators: tuple[Indicator, ...]
    child_population: int
    unallocated_team: str = UNALLOCATED_TEAM
    care_leaver_min_age: int = 17
    care_leaver_max_age: int = 21
    # The materiality gate: how far a figure may be from either end of its band and still be published
    # (percentage points for a percentage; a share of a count), unless an indicator sets its own.
    tolerance_points: float = 1.0
    tolerance_share: float = 0.01
    source: str = ""

    def __getitem__(self, ref: str) -> Indicator:
        for i in self.indicators:
            if i.ref == ref:
                return i
        raise KeyError(f"{ref!r} is not in the indicator catalogue {self.source}")


class CatalogueError(ValueError):
    pass


_KNOWN = {
    "ref",
    "title",
    "section",
    "period_type",
    "polarity",
    "target_min",
    "target_upper",
    "requires",
    "note",
    "counts",
    "out_of",
    "definition",
    "part",
}


def _check_requirement(where: str, requirement: object) -> str:
    """A requirement names a contract table, or a table's column: "table" or "table.column"."""
    name, _, column = str(requirement).partition(".")
    t = TABLES_BY_NAME.get(name)
    if t is None or (column and column not in t.column_names):
        raise CatalogueError(f"{where}: requires {requirement!r}, which is not a table or table.column of the contract")
    return str(requirement)


def parse_catalogue(text: str, *, source: str = "<text>") -> Catalogue:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogueError(f"{source}: {e}") from None
    settings = data.get("settings", {})
    indicators = []
    for n, entry in enumerate(data.get("indicator", []), start=1):
        where = f"{source}: indicator {n} ({entry.get('ref', 'no ref')})"
        for required in ("ref", "title", "section", "period_type", "polarity", "definition"):
            if required not in entry:
                raise CatalogueError(f"{where}: missing {required!r}")
        if entry["period_type"] not in PERIOD_TYPES:
            raise CatalogueError(f"{where}: period_type must be one of {', '.join(PERIOD_TYPES)}")
        if entry.get("part", "highlight") not in PARTS:
            raise CatalogueError(f"{where}: part must be one of {', '.join(PARTS)}")
        if entry.get("out_of") and entry["polarity"] in ("count", "rate"):
            raise CatalogueError(f"{where}: a count or rate has no denominator, so no out_of")
        if entry["polarity"] not in POLARITIES:
            raise CatalogueError(f"{where}: polarity must be one of {', '.join(POLARITIES)}")
        has_targets = "target_min" in entry and "target_upper" in entry
        if entry["polarity"] in ("higher", "lower") and not has_targets:
            raise CatalogueError(f"{where}: a percentage indicator needs target_min and target_upper")
        if has_targets and entry["polarity"] == "higher" and entry["target_min"] > entry["target_upper"]:
            raise CatalogueError(f"{where}: higher is better, so target_min must not exceed target_upper")
        if has_targets and entry["polarity"] == "lower" and entry["target_min"] < entry["target_upper"]:
            raise CatalogueError(f"{where}: lower is better, so target_min must not be below target_upper")
        indicators.append(
            Indicator(
                ref=str(entry["ref"]),
                title=entry["title"],
                section=entry["section"],
                period_type=entry["period_type"],
                polarity=entry["polarity"],
                target_min=entry.get("target_min"),
                target_upper=entry.get("target_upper"),
                params={k: v for k, v in entry.items() if k not in _KNOWN},
                requires=tuple(_check_requirement(where, r) for r in entry.get("requires", ())),
                note=str(entry.get("note", "")),
                counts=str(entry.get("counts", "")),
                out_of=str(entry.get("out_of", "")),
                definition=str(entry["definition"]),
                part=str(entry.get("part", "highlight")),
            )
        )
    refs = [i.ref for i in indicators]
    duplicated = {r for r in refs if refs.count(r) > 1}
    if duplicated:
        raise CatalogueError(f"{source}: indicator refs appear twice: {', '.join(sorted(duplicated))}")
    if "child_population" not in settings:
        raise CatalogueError(f"{source}: [settings] needs child_population (children aged 0-17, for rates)")
    return Catalogue(
        indicators=tuple(indicators),
        child_population=int(settings["child_population"]),
        unallocated_team=settings.get("unallocated_team", UNALLOCATED_TEAM),
        care_leaver_min_age=int(settings.get("care_leaver_min_age", 17)),
        care_leaver_max_age=int(settings.get("care_leaver_max_age", 21)),
        tolerance_points=float(settings.get("tolerance_points", 1.0)),
        tolerance_share=float(settings.get("tolerance_share", 0.01)),
        source=source,
    )


def load_catalogue(path: Path | None = None) -> Catalogue:
    path = Path(path) if path else DEFAULT_CATALOGUE
    return parse_catalogue(path.read_text(encoding="utf-8"), source=str(path))
