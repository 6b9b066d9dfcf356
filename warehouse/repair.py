"""A received text file made readable line by line, when DuckDB cannot read it as it came.

DuckDB reads UTF-8 with one kind of line ending, and an unterminated quote makes it read the rest of the file as one
value. Councils' exports are not always so tidy: a Windows-1252 byte in an otherwise UTF-8 file (a name typed with
a curly apostrophe), UTF-16 from a spreadsheet's "Unicode text", line endings mixed by a copy, a stray quote in a
free-text field. The repaired copy has exactly one line for each line received, so every line number still names
the received line:

- each line is decoded on its own: UTF-8 where it is UTF-8, Windows-1252 where it is not (never the whole file
  guessed from one byte, which garbled every other line); UTF-16 when the file starts with its byte-order mark;
- every line ends with a line feed (CRLF, LF and lone CR alike);
- a line that opens a quote that no later line closes before a well-formed record appears is left blank in the
  copy (DuckDB skips blank lines) and returned whole, to be kept as a rejected row; reading resumes on the next
  line, so one bad quote costs one row, not the rest of the file.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

NO_BYTE_ORDER_MARK = (
    "the file holds NUL bytes: it looks like UTF-16 without a byte-order mark. Export it as UTF-8 (or UTF-16 "
    "with its byte-order mark)"
)


class Unreadable(Exception):
    """The file's bytes are no text this module can read."""


# Windows-1252 leaves five bytes undefined; Windows itself maps them to the C1 controls of the same value,
# so do the same rather than lose or replace them.
def _cp1252_undefined(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start : err.end]
    return "".join(chr(b) for b in bad), err.end


codecs.register_error("cp1252_as_c1", _cp1252_undefined)

# A quote may legitimately hold line breaks (free text); past this many lines without closing it is taken as broken
# even when no well-formed record follows.
MAX_LINES_IN_QUOTES = 1000


@dataclass
class Repaired:
    encoding: str
    # (line number, the line as received, decoded) of each line left out for an unterminated quote
    broken_lines: list[tuple[int, str]] = field(default_factory=list)


def _decoded_lines(src: Path) -> tuple[Iterator[str], list[int]]:
    """The file's lines without their endings, each decoded on its own, and counters of the lines read as
    Windows-1252 and as UTF-8 beyond ASCII ([-1] for a UTF-16 file)."""
    with src.open("rb") as fh:
        head = fh.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):

        def utf16() -> Iterator[str]:
            with src.open("r", encoding="utf-16", newline=None) as fh:
                for line in fh:
                    yield line.rstrip("\n")

        return utf16(), [-1]
    if b"\x00" in head:
        raise Unreadable(NO_BYTE_ORDER_MARK)
    windows = [0, 0]  # lines decoded as Windows-1252; lines of UTF-8 beyond ASCII

    def lines() -> Iterator[str]:
        with src.open("rb") as fh:
            first = True
            for raw in fh:
                for piece in raw.rstrip(b"\n").rstrip(b"\r").split(b"\r"):
                    try:
                        text = piece.decode("utf-8-sig" if first else "utf-8")
                        if not text.isascii():
                            windows[1] += 1
                    except UnicodeDecodeError:
                        text = piece.decode("cp1252", errors="cp1252_as_c1")
                        windows[0] += 1
                    first = False
                    yield text

    return lines(), windows


def _opens_quote(text: str, quote: str = '"') -> bool:
    return text.count(quote) % 2 == 1


def _is_record(text: str, delimiter: str, columns: int) -> bool:
    """A line that is a whole, well-formed record by itself."""
    if _opens_quote(text):
        return False
    try:
        return len(next(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))) == columns
    except (csv.Error, StopIteration):
        return False


def repair_to_utf8(src: Path, dst: Path, *, delimiter: str, columns: int) -> Repaired:
    """Write ``src`` to ``dst`` as UTF-8 with one LF-ended line per received line; lines opening a quote that is
    never closed (judged with the header's ``delimiter`` and number of ``columns``) are blanked and returned."""
    lines, windows = _decoded_lines(src)
    broken: list[tuple[int, str]] = []
    numbered = enumerate(lines, start=1)
    todo: deque[tuple[int, str]] = deque()  # lines to read again, before the file's next
    pending: list[tuple[int, str]] = []  # the lines of a record whose quote is still open
    quotes = 0  # the quote characters in ``pending``: odd while the quote is open

    def feed() -> Iterator[tuple[int, str]]:
        while True:
            if todo:
                yield todo.popleft()
            elif (nxt := next(numbered, None)) is not None:
                yield nxt
            else:
                return

    with dst.open("w", encoding="utf-8", newline="\n") as out:

        def break_first() -> None:
            # the record's first line opened a quote nothing closes: left out; what followed is read again
            nonlocal quotes
            broken.append(pending[0])
            out.write("\n")
            todo.extendleft(reversed(pending[1:]))
            pending.clear()
            quotes = 0

        while True:
            for number, text in feed():
                if number == 1 or (not pending and not _opens_quote(text)):
                    out.write(text + "\n")
                elif pending and (_is_record(text, delimiter, columns) or len(pending) >= MAX_LINES_IN_QUOTES):
                    todo.appendleft((number, text))
                    break_first()
                else:
                    pending.append((number, text))
                    quotes += text.count('"')
                    if quotes % 2 == 0:
                        out.writelines(t + "\n" for _, t in pending)
                        pending.clear()
                        quotes = 0
            if not pending:
                break
            break_first()  # the file ended inside a quote
    if windows == [-1]:
        encoding = "utf-16"
    elif windows[0] and windows[1]:
        encoding = f"utf-8, {windows[0]:,} line(s) windows-1252"
    elif windows[0]:
        encoding = "windows-1252"
    else:
        encoding = "utf-8"
    return Repaired(encoding, broken)


def first_record(src: Path) -> str:
    """The header record (lines joined while a quote is open), decoded as ``repair_to_utf8`` decodes it."""
    lines, _ = _decoded_lines(src)
    first = next(lines, "")
    while _opens_quote(first):
        more = next(lines, None)
        if more is None:
            break
        first += "\n" + more
    return first + "\n"


def whole_lines(path: Path, numbers: set[int]) -> dict[int, str]:
    """The given lines of a UTF-8 file, whole (DuckDB keeps at most 10,000 characters of a rejected line)."""
    found: dict[int, str] = {}
    last = max(numbers, default=0)
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number in numbers:
                found[number] = raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8", errors="replace")
            if number >= last:
                break
    return found
