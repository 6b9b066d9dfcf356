"""Small helpers for entities held as dicts of equal-length numpy arrays (one array per attribute)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Entity = dict[str, np.ndarray]


def size(e: Entity) -> int:
    return len(next(iter(e.values()))) if e else 0


def take(e: Entity, rows: np.ndarray) -> Entity:
    return {k: v[rows] for k, v in e.items()}


def concat(parts: list[Entity]) -> Entity:
    parts = [p for p in parts if p]
    keys = parts[0].keys()
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def repeat_ranges(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For parents with ``counts`` children each: the parent of every child and the child's rank (0, 1, ...)."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    rank = np.arange(len(parent)) - first[parent]
    return parent, rank


def choice(
    rng: np.random.Generator, values: Sequence[object], weights: Sequence[float] | np.ndarray | None, n: int
) -> np.ndarray:
    """Indexes into ``values`` drawn with ``weights`` (normalised here)."""
    p = None
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        p = w / w.sum()
    return rng.choice(len(values), size=n, p=p).astype(np.int32)


def between(rng: np.random.Generator, lo: int | np.ndarray, hi: int | np.ndarray, n: int) -> np.ndarray:
    """Integers drawn uniformly from lo..hi inclusive (bounds may be arrays)."""
    return rng.integers(lo, np.asarray(hi) + 1, size=n).astype(np.int32)


def positions(vocab: list[str] | tuple[str, ...], values: np.ndarray) -> np.ndarray:
    """Index of each value in ``vocab`` (-1 where absent): turns text arrays into vocabulary indexes."""
    vocab_array = np.array(vocab, dtype=object).astype(str)
    order = np.argsort(vocab_array)
    ordered = vocab_array[order]
    values = np.asarray(values).astype(str)
    pos = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    return np.where(ordered[pos] == values, order[pos], -1).astype(np.int32)
