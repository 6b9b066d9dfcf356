"""The landing folder: councils' exports arrive as batch folders; complete ones are loaded in order, then moved to
the archive, or to quarantine with the reason beside them.

Convention (shared with the generator): the exporter writes a batch folder under the landing folder, writes each
file under a temporary name and renames it, and writes ``_READY`` last. A folder without ``_READY`` is still
being written and is left alone.
"""

from __future__ import annotations

import shutil
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from warehouse.batch import READY_MARKER

REASON_FILE = "QUARANTINE_REASON.txt"


@dataclass
class LandedResult:
    batch: str
    status: str  # archived or quarantined
    moved_to: str
    message: str = ""


def complete_batches(landing_dir: Path) -> list[Path]:
    """Batch folders whose exporter has finished (``_READY`` present), oldest first (by name, then by the
    marker's time), so nights load in the order they were exported."""
    if not landing_dir.is_dir():
        return []
    ready = [p for p in landing_dir.iterdir() if p.is_dir() and (p / READY_MARKER).is_file()]
    return sorted(ready, key=lambda p: (p.name, (p / READY_MARKER).stat().st_mtime_ns))


def _free_destination(folder: Path, name: str) -> Path:
    """A destination that does not overwrite an earlier batch of the same name."""
    target = folder / name
    if not target.exists():
        return target
    return folder / f"{name}.{datetime.now():%Y%m%dT%H%M%S%f}"


def archive_batch(batch_dir: Path, archive_dir: Path) -> Path:
    archive_dir.mkdir(parents=True, exist_ok=True)
    target = _free_destination(archive_dir, batch_dir.name)
    shutil.move(str(batch_dir), target)
    return target


def quarantine_batch(batch_dir: Path, quarantine_dir: Path, reason: str) -> Path:
    """Move a batch that failed to quarantine, with a file beside its data saying why."""
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    target = _free_destination(quarantine_dir, batch_dir.name)
    shutil.move(str(batch_dir), target)
    (target / REASON_FILE).write_text(
        f"Batch {batch_dir.name} failed at {datetime.now():%Y-%m-%d %H:%M:%S} and was not loaded in full.\n\n"
        f"{reason}\n\nTo load it again once fixed: move the folder back into the landing folder "
        f"(delete this file first).\n",
        encoding="utf-8",
    )
    return target


def process_landing(
    landing_dir: Path, warehouse_dir: Path, *, archive_dir: Path, quarantine_dir: Path, load, log=print
) -> list[LandedResult]:
    """Load every complete batch in the landing folder, in order, with ``load(batch_dir, warehouse_dir)``; archive
    each one that loaded, quarantine each one that failed. One batch failing does not stop the next."""
    results = []
    for batch in complete_batches(landing_dir):
        log(f"loading landed batch {batch.name}")
        try:
            load(batch, warehouse_dir)
        except Exception as e:
            reason = f"{type(e).__name__}: {e}\n\n{traceback.format_exc(limit=5)}"
            moved = quarantine_batch(batch, quarantine_dir, reason)
            log(f"batch {batch.name} failed ({e}); quarantined in {moved}")
            results.append(LandedResult(batch.name, "quarantined", str(moved), str(e)))
            continue
        moved = archive_batch(batch, archive_dir)
        log(f"batch {batch.name} loaded; archived in {moved}")
        results.append(LandedResult(batch.name, "archived", str(moved)))
    return results
