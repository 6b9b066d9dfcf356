"""``generate_region``: a landing folder of councils, one complete batch folder each, of varied size and case system.

    generate_region(landing, councils=3, as_of=date(2023, 8, 31), scale="tiny", seed=1)

writes ``landing/council-001/`` ... (each with ``_READY``, written by ``generate_batch``) and ``councils.csv``: each
council's code, name, case system, size (times the scale's) and child population. England is about 150 councils of
the ``la`` scale. Same arguments, same councils: sizes and systems are drawn from ``numpy.random.PCG64(seed)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from .export import write_atomically
from .generate import generate_batch
from .scales import SCALES
from .shapes import SYSTEMS

MANIFEST = "councils.csv"
# Council sizes: log-normal around the scale's own council, kept within these times its size.
SIZE_SIGMA = 0.5
SIZE_RANGE = (0.4, 2.5)


@dataclass(frozen=True)
class Council:
    code: str
    name: str
    system: str
    size: float
    child_population: int
    seed: int


def region_councils(councils: int, scale: str, seed: int) -> list[Council]:
    """The councils a region of ``councils`` has: codes council-001 ..., sizes and case systems drawn from ``seed``."""
    if councils < 1:
        raise ValueError("a region has at least one council")
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose from {', '.join(SCALES)}")
    rng = np.random.Generator(np.random.PCG64(seed))
    sizes = np.clip(rng.lognormal(0.0, SIZE_SIGMA, councils), *SIZE_RANGE).round(2)
    systems = rng.choice(len(SYSTEMS), councils)
    width = max(3, len(str(councils)))
    return [
        Council(
            code=f"council-{i + 1:0{width}d}",
            name=f"Council {i + 1:0{width}d}",
            system=list(SYSTEMS)[int(systems[i])],
            size=float(sizes[i]),
            child_population=SCALES[scale].resized(float(sizes[i])).children_population,
            seed=seed * 10_000 + i + 1,
        )
        for i in range(councils)
    ]


def generate_region(
    out_dir: Path,
    *,
    councils: int,
    as_of: date,
    scale: str = "la",
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> list[Council]:
    """Write one batch folder per council into ``out_dir`` and the ``councils.csv`` manifest (written last)."""
    say = progress or (lambda _: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    region = region_councils(councils, scale, seed)
    for council in region:
        generate_batch(
            out_dir / council.code,
            as_of=as_of,
            scale=scale,
            seed=council.seed,
            system=council.system,
            size=council.size,
        )
        say(f"{council.code}: {council.system}, {council.size:g} times a {scale} council")
    lines = [["code", "name", "system", "size", "child_population"]]
    lines += [[c.code, c.name, c.system, f"{c.size:g}", str(c.child_population)] for c in region]
    text = "".join(",".join(line) + "\n" for line in lines)
    write_atomically(out_dir / MANIFEST, text.encode())
    return region
