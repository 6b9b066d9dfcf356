"""The landing folder: councils' exports arrive as batch folders; complete ones are loaded in order, then moved to
the archive, or to quarantine with the reason beside them.

Convention (shared with the generator): the exporter writes a batch folder under the landing folder, writes each
file under a temporary name and renames it, and writes ``_READY`` last. A folder without ``_READY`` is still
being written and is left alone.
"""

from __future__ import annotations

import hashlib
import shutil
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from declarations.settings import apply_prefect_defaults, settings

apply_prefect_defaults()

from prefect import flow, get_run_logger, runtime  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402

from declarations.constants import READY_MARKER  # noqa: E402
from flows.artifacts import LANDING_KEY  # noqa: E402
from flows.nightly import nightly_load  # noqa: E402
from warehouse.db import WarehouseBusy  # noqa: E402

REASON_FILE = "QUARANTINE_REASON.txt"


@dataclass
class LandedResult:
    batch: str
    status: str  # archived or quarantined; not_archived or not_quarantined when the move failed; waiting
    moved_to: str
    message: str = ""


def complete_batches(landing_dir: Path) -> list[Path]:
    """Batch folders whose exporter has finished (``_READY`` present), oldest first (by name, then by the
    marker's time), so nights load in the order they were exported."""
    if not landing_dir.is_dir():
        return []
    ready = [p for p in landing_dir.iterdir() if p.is_dir() and (p / READY_MARKER).is_file()]
    return sorted(ready, key=lambda p: (p.name, (p / READY_MARKER).stat().st_mtime_ns))


def destinations(landing_dir: Path, archive_dir: Path | None, quarantine_dir: Path | None) -> tuple[Path, Path]:
    """The archive and quarantine folders, by default beside the landing folder."""
    landing_dir = Path(landing_dir).resolve()
    return (
        Path(archive_dir or landing_dir.parent / "archive").resolve(),
        Path(quarantine_dir or landing_dir.parent / "quarantine").resolve(),
    )


# Room for the time suffix below within the 255 bytes most file systems allow a name.
_NAME_BYTES = 200


def _free_destination(folder: Path, name: str) -> Path:
    """A destination that does not overwrite an earlier batch of the same name (a long name is shortened, with a
    digest of the whole so that two long names stay apart)."""
    if len(name.encode()) > _NAME_BYTES:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = name.encode()[: _NAME_BYTES - 9].decode(errors="ignore") + "-" + digest
    target = folder / name
    if not target.exists() and not target.is_symlink():
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
    linked = batch_dir.is_symlink()
    shutil.move(str(batch_dir), target)  # a link is moved as the link, never through it
    # A batch that is a symbolic link gets its reason beside it: writing into it would write wherever it points.
    reason_file = target.with_name(f"{target.name}.{REASON_FILE}") if linked else target / REASON_FILE
    reason_file.write_text(
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
        except WarehouseBusy as e:
            # another run (a `csc run` by hand) holds the warehouse: nothing is wrong with the batch, which waits
            # in the landing folder for the next pass, as do the ones after it (they load in order)
            log(f"batch {batch.name} not loaded yet: {e}")
            results.append(LandedResult(batch.name, "waiting", str(batch), str(e)))
            break
        except Exception as e:
            reason = f"{type(e).__name__}: {e}\n\n{traceback.format_exc(limit=5)}"
            try:
                moved = quarantine_batch(batch, quarantine_dir, reason)
            except OSError as move_error:
                log(f"batch {batch.name} failed ({e}) and could not be quarantined ({move_error}); left in place")
                results.append(LandedResult(batch.name, "not_quarantined", str(batch), f"{e}; {move_error}"))
                continue
            log(f"batch {batch.name} failed ({e}); quarantined in {moved}")
            results.append(LandedResult(batch.name, "quarantined", str(moved), str(e)))
            continue
        try:
            moved = archive_batch(batch, archive_dir)
        except OSError as e:  # the batch is loaded; one that cannot be moved must not hold up the next
            log(f"batch {batch.name} loaded but could not be archived ({e}); left in the landing folder")
            results.append(LandedResult(batch.name, "not_archived", str(batch), str(e)))
            continue
        log(f"batch {batch.name} loaded; archived in {moved}")
        results.append(LandedResult(batch.name, "archived", str(moved)))
    return results


class BatchesQuarantined(Exception):
    """Some landed batches failed and were quarantined: the run fails so that the UI shows it and the failure
    automation tells the pipeline's owners."""


def writer_limit() -> str:
    """The Prefect global concurrency limit every writer of this warehouse takes the one slot of: DuckDB allows one
    read-write process per file, so runs queue there (visible in the UI) instead of failing on the file lock."""
    return settings().writer_limit


def ensure_writer_limit() -> str:
    """Create the writer limit (one slot) if the Prefect server has none; returns its name."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectNotFound

    name = writer_limit()
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    return name


def _landing_run_name() -> str:
    """In the UI: the landing folder, the batch whose arrival started the run (or the schedule), and the day."""
    parameters = runtime.flow_run.parameters
    landed = parameters.get("landed_batch") or "nightly"
    return f"{Path(parameters['landing_dir']).name} {landed} {datetime.now():%Y-%m-%d}"


@flow(name="csc-landing", flow_run_name=_landing_run_name)
def load_landed_batches(
    landing_dir: Path,
    warehouse_dir: Path,
    archive_dir: Path | None = None,
    quarantine_dir: Path | None = None,
    landed_batch: str | None = None,
) -> list[LandedResult]:
    """Load every complete batch in the landing folder, oldest first, each as a ``csc-nightly-load`` run; archive
    the ones that load and quarantine the ones that fail. ``landed_batch`` names the batch whose arrival started
    this run (empty for the nightly schedule); an earlier run may already have loaded it.

    The whole pass holds the writer slot (``duckdb-writer``): a run started while another is loading waits, then
    finds only the batches left, so batches load once each and in order."""
    from prefect.concurrency.sync import concurrency

    logger = get_run_logger()
    landing_dir, warehouse_dir = Path(landing_dir).resolve(), Path(warehouse_dir).resolve()
    archive_dir, quarantine_dir = destinations(landing_dir, archive_dir, quarantine_dir)
    logger.info(f"started {'by batch ' + landed_batch + ' landing' if landed_batch else 'on schedule'}")
    limit = ensure_writer_limit()
    logger.info(f"waiting for the {limit} slot (one run writes the warehouse at a time)")
    with concurrency(limit, occupy=1, strict=True):
        logger.info(f"holding the {limit} slot; loading complete batches in {landing_dir}")
        results = process_landing(
            landing_dir,
            warehouse_dir,
            archive_dir=archive_dir,
            quarantine_dir=quarantine_dir,
            load=lambda batch, wh: nightly_load(batch, wh),
            log=logger.info,
        )
    if not results:
        logger.warning(
            f"no complete batch in {landing_dir}"
            + (
                f" ({landed_batch} was handled by an earlier run: see the archive and quarantine folders)"
                if landed_batch
                else ": no extract has landed since the last load"
            )
        )
    if results:
        rows = "\n".join(
            f"| {r.batch} | {r.status} | `{r.moved_to}` | {r.message.replace('|', '/')} |" for r in results
        )
        create_markdown_artifact(
            f"# Landed batches\n\n| batch | status | now in | message |\n|---|---|---|---|\n{rows}\n",
            key=LANDING_KEY,
            description="each batch's own run (named after it) has its summary",
        )
    troubled = [r for r in results if r.status not in ("archived", "waiting")]
    if troubled:
        raise BatchesQuarantined(
            f"{len(troubled)} of {len(results)} landed batches failed or could not be moved: "
            + "; ".join(f"{r.batch}: {r.status.replace('_', ' ')} -> {r.moved_to} ({r.message})" for r in troubled)
        )
    return results
