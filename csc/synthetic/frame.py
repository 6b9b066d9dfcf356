"""Export tables held as numpy arrays until they are written.

A table is a ``Frame``: contract column name -> one of four column kinds. Keeping ids as numbers, dates as day
numbers and codes as indexes into a small vocabulary keeps england-scale tables (tens of millions of rows) in a
few hundred MB, lets faults be injected by array assignment, and leaves text formatting to polars at write time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .calendar import NULL_DAY

NULL_ID = -2  # written blank/NULL
SENTINEL_ID = -1  # contract problem 1: written "-1" for "no worker/team"


@dataclass(frozen=True)
class IdFormat:
    """How an entity's ids look as text: a prefix and the number, zero-padded to ``width`` if set."""

    prefix: str = ""
    width: int = 0

    def format(self, value: int) -> str:
        if value == SENTINEL_ID:
            return "-1"
        return f"{self.prefix}{str(value).zfill(self.width)}"


@dataclass
class Ids:
    values: np.ndarray  # int64; NULL_ID / SENTINEL_ID for missing / "-1"
    format: IdFormat

    def take(self, rows: np.ndarray) -> Ids:
        return Ids(self.values[rows], self.format)

    def to_series(self, a: int, b: int) -> pl.Series:
        v = pl.Series(self.values[a:b])
        text = v.cast(pl.String)
        if self.format.width:
            text = text.str.zfill(self.format.width)
        if self.format.prefix:
            text = self.format.prefix + text
        return (
            pl.select(pl.when(v == SENTINEL_ID).then(pl.lit("-1")).when(v == NULL_ID).then(None).otherwise(text))
            .to_series()
            .alias("v")
        )


@dataclass
class Dates:
    days: np.ndarray  # int32 day numbers; NULL_DAY for missing
    minutes: np.ndarray | None = None  # time of day, for files written as SQL Server datetimes

    def take(self, rows: np.ndarray) -> Dates:
        return Dates(self.days[rows], None if self.minutes is None else self.minutes[rows])

    def to_series(self, a: int, b: int, *, with_time: bool) -> pl.Series:
        days = self.days[a:b]
        date = pl.Series(days).cast(pl.Date)
        date = pl.select(pl.when(pl.Series(days) == NULL_DAY).then(None).otherwise(date)).to_series()
        if not with_time:
            return date
        stamp = date.cast(pl.Datetime("ms"))
        if self.minutes is not None:
            stamp = stamp + pl.Series(self.minutes[a:b].astype(np.int64) * 60_000).cast(pl.Duration("ms"))
        return stamp


@dataclass
class Codes:
    """Text from a small vocabulary (codes, flags, names, JSON): vocabulary index per row, -1 for missing."""

    vocab: list[str]
    index: np.ndarray  # int32

    def take(self, rows: np.ndarray) -> Codes:
        return Codes(self.vocab, self.index[rows])

    def add(self, value: str) -> int:
        """Index of a value, adding it to the vocabulary (faults write values clean data never has)."""
        if value not in self.vocab:
            self.vocab = [*self.vocab, value]
        return self.vocab.index(value)

    def to_series(self, a: int, b: int) -> pl.Series:
        index = pl.Series(self.index[a:b])
        index = pl.select(pl.when(index < 0).then(None).otherwise(index)).to_series()
        return pl.Series(self.vocab, dtype=pl.String).gather(index)


@dataclass
class Numbers:
    values: np.ndarray  # float64; NaN for missing

    def take(self, rows: np.ndarray) -> Numbers:
        return Numbers(self.values[rows])

    def to_series(self, a: int, b: int) -> pl.Series:
        return pl.Series(self.values[a:b]).fill_nan(None)


Column = Ids | Dates | Codes | Numbers


class Frame:
    """Columns in contract order, plus hidden helper columns (names starting ``_``) that are never written."""

    def __init__(self, columns: dict[str, Column], hidden: dict[str, np.ndarray] | None = None):
        self.columns = columns
        self.hidden = hidden or {}
        lengths = {len(_values(c)) for c in columns.values()} | {len(h) for h in self.hidden.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {lengths}")
        self.n = lengths.pop() if lengths else 0

    def __getitem__(self, name: str) -> Column:
        return self.columns[name]

    def take(self, rows: np.ndarray) -> Frame:
        return Frame({k: c.take(rows) for k, c in self.columns.items()}, {k: h[rows] for k, h in self.hidden.items()})

    def append(self, other: Frame) -> Frame:
        """Rows of ``other`` after this frame's (vocabularies are merged)."""
        columns: dict[str, Column] = {}
        for name, mine in self.columns.items():
            theirs = other.columns[name]
            if isinstance(mine, Codes):
                assert isinstance(theirs, Codes)
                vocab = list(mine.vocab)
                remap = np.array([_index_in(vocab, v) for v in theirs.vocab] + [-1], dtype=np.int32)
                columns[name] = Codes(vocab, np.concatenate([mine.index, remap[theirs.index]]))
            elif isinstance(mine, Ids):
                assert isinstance(theirs, Ids)
                columns[name] = Ids(np.concatenate([mine.values, theirs.values]), mine.format)
            elif isinstance(mine, Dates):
                assert isinstance(theirs, Dates)
                minutes = None
                if mine.minutes is not None:
                    other_minutes = theirs.minutes if theirs.minutes is not None else np.zeros(other.n, np.int16)
                    minutes = np.concatenate([mine.minutes, other_minutes])
                columns[name] = Dates(np.concatenate([mine.days, theirs.days]), minutes)
            else:
                assert isinstance(theirs, Numbers)
                columns[name] = Numbers(np.concatenate([mine.values, theirs.values]))
        hidden = {k: np.concatenate([h, other.hidden[k]]) for k, h in self.hidden.items()}
        return Frame(columns, hidden)


def _index_in(vocab: list[str], value: str) -> int:
    if value not in vocab:
        vocab.append(value)
    return vocab.index(value)


def _values(c: Column) -> np.ndarray:
    if isinstance(c, Ids | Numbers):
        return c.values
    if isinstance(c, Dates):
        return c.days
    return c.index


def codes(vocab: list[str] | tuple[str, ...], index: np.ndarray) -> Codes:
    return Codes(list(vocab), np.asarray(index, dtype=np.int32))


def flags(is_yes: np.ndarray, missing: np.ndarray | None = None) -> Codes:
    index = np.where(is_yes, 0, 1).astype(np.int32)
    if missing is not None:
        index[missing] = -1
    return Codes(["Y", "N"], index)


def constant(value: str | None, n: int) -> Codes:
    if value is None:
        return Codes([], np.full(n, -1, np.int32))
    return Codes([value], np.zeros(n, np.int32))
