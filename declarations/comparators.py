"""Comparators: the national, regional and statistical neighbours' figures each indicator is set beside.

The defaults (``comparators.toml`` beside this file) are the England figures the DfE publishes; a council points
``CSC_COMPARATORS_FILE`` at its own copy with its region's and neighbours' figures.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_COMPARATORS = Path(__file__).with_name("comparators.toml")
KINDS = ("england", "region", "statistical_neighbours")


class ComparatorError(ValueError):
    pass


@dataclass(frozen=True)
class Comparator:
    indicator_ref: str
    year: int  # the year ending 31 March the value is for
    kind: str
    value: float
    source: str = ""


def parse_comparators(
    text: str, *, source: str = "<text>", refs: frozenset[str] | None = None
) -> tuple[Comparator, ...]:
    """The comparators in a file; ``refs``, the catalogue's indicators, which every comparator must name."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ComparatorError(f"{source}: {e}") from None
    found = []
    for n, entry in enumerate(data.get("comparator", []), start=1):
        where = f"{source}: comparator {n} ({entry.get('indicator_ref', 'no indicator_ref')})"
        missing = [k for k in ("indicator_ref", "year", "kind", "value") if k not in entry]
        if missing:
            raise ComparatorError(f"{where}: missing {', '.join(missing)}")
        if entry["kind"] not in KINDS:
            raise ComparatorError(f"{where}: kind must be one of {', '.join(KINDS)}, not {entry['kind']!r}")
        if not isinstance(entry["year"], int) or not 1990 <= entry["year"] <= 2100:
            raise ComparatorError(f"{where}: year must be a year such as 2025 (the year ending 31 March)")
        if isinstance(entry["value"], bool) or not isinstance(entry["value"], int | float):
            raise ComparatorError(f"{where}: value must be a number")
        if refs is not None and str(entry["indicator_ref"]) not in refs:
            raise ComparatorError(f"{where}: the indicator catalogue has no indicator {entry['indicator_ref']!r}")
        found.append(
            Comparator(
                str(entry["indicator_ref"]),
                entry["year"],
                entry["kind"],
                float(entry["value"]),
                str(entry.get("source", "")),
            )
        )
    keys = [(c.indicator_ref, c.year, c.kind) for c in found]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ComparatorError(f"{source}: given twice (indicator, year, kind): {twice}")
    return tuple(found)


def load_comparators(path: Path | None = None, *, refs: frozenset[str] | None = None) -> tuple[Comparator, ...]:
    path = Path(path) if path else DEFAULT_COMPARATORS
    return parse_comparators(path.read_text(encoding="utf-8"), source=str(path), refs=refs)
