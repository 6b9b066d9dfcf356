"""One writer per warehouse: the slot a run holds from its first step to its last.

DuckDB locks ``warehouse.duckdb`` only while a connection is open, and the pipeline opens one per stage, so two
runs could interleave (the second's staging read by the first's conformed, one batch's figures published under
another's id). Every entry point that writes takes this slot first. It is an operating-system lock on a file beside
the warehouse: released by the system when the holder's process ends, however it ends (``kill -9`` included), so a
slot is never left taken by a dead run, and a run that holds it knows every run still marked ``running`` is dead.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from warehouse.db import WarehouseBusy

LOCK_FILE = "writer.lock"


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def writer_slot(warehouse_dir: Path, holder: str) -> Iterator[None]:
    """Hold the warehouse's writer slot for the block; ``holder`` says who (a run id and batch) to anyone refused.
    Raises ``WarehouseBusy`` at once when another process holds it."""
    warehouse_dir = Path(warehouse_dir)
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    path = warehouse_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _try_lock(fd):
            raise WarehouseBusy(
                f"{warehouse_dir}: another run is writing this warehouse ({_holder(path)}); one run at a time "
                "writes a warehouse. Try again when it has finished (csc serve queues its runs)"
            )
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            json.dumps({"holder": holder, "pid": os.getpid(), "since": f"{datetime.now():%Y-%m-%d %H:%M:%S}"}).encode(),
            0,
        )
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


def _holder(path: Path) -> str:
    try:
        held = json.loads(path.read_text(encoding="utf-8"))
        return f"{held['holder']}, process {held['pid']}, since {held['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"
