"""The nightly load as a Prefect flow. It only wires steps: the work lives in ``warehouse`` and ``transforms``.

Tasks sit at the I/O boundaries and receive paths and ids, never a DuckDB connection (a connection cannot be
hashed or persisted between tasks: shared/stack-notes.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import TypedDict

from declarations.settings import AlertSettings, apply_prefect_defaults

apply_prefect_defaults()

from prefect import flow, get_run_logger, runtime, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from expectations.quality import QualitySummary  # noqa: E402
from pipeline import stages  # noqa: E402
from pipeline.stages import clear_leftovers  # noqa: E402
from warehouse.batch import Batch, decide_as_of, read_batch  # noqa: E402
from warehouse.conformed import ConformedResult  # noqa: E402
from warehouse.db import WarehouseBusy  # noqa: E402
from warehouse.lock import writer_slot  # noqa: E402
from warehouse.marts import published_as_of  # noqa: E402
from warehouse.raw import BatchLoad  # noqa: E402
from warehouse.runs import run_finished, run_started  # noqa: E402
from warehouse.staging import StagingBuild  # noqa: E402


def _worth_retrying(task, task_run, state) -> bool:
    """Retry I/O that a later attempt can clear: another process holding the warehouse, a file system error.
    A batch that is incomplete or a rule that crashes fails at once."""
    try:
        state.result()
    except (WarehouseBusy, OSError):
        return True
    except Exception:
        return False
    return False


class _Retries(TypedDict):
    retries: int
    retry_delay_seconds: int
    retry_condition_fn: Callable[..., bool]


IO_RETRIES: _Retries = {"retries": 2, "retry_delay_seconds": 10, "retry_condition_fn": _worth_retrying}


@dataclass
class RunSummary:
    batch_id: str
    batch_folder: str
    as_of: date
    load: BatchLoad
    staging: StagingBuild
    conformed: ConformedResult
    quality: QualitySummary
    published: stages.Publication
    alerts: str


@task(cache_policy=NO_CACHE, **IO_RETRIES)
def fingerprint_batch(batch_dir: Path, assume_complete: bool) -> Batch:
    return read_batch(batch_dir, require_marker=not assume_complete)


@task(cache_policy=NO_CACHE, **IO_RETRIES)
def load_raw(batch: Batch, warehouse_dir: Path, system: str | None) -> BatchLoad:
    return stages.load_raw(batch, warehouse_dir, progress=get_run_logger().info, system=system)


@task(cache_policy=NO_CACHE, **IO_RETRIES)
def load_staging(warehouse_dir: Path, batch_id: str) -> StagingBuild:
    return stages.load_staging(warehouse_dir, batch_id, progress=get_run_logger().info)


@task(cache_policy=NO_CACHE, **IO_RETRIES)
def load_conformed(warehouse_dir: Path, batch_id: str, as_of: date, run_id: str) -> ConformedResult:
    return stages.load_conformed(warehouse_dir, batch_id, as_of, run_id, progress=get_run_logger().info)


@task(cache_policy=NO_CACHE, **IO_RETRIES)
def check_quality(warehouse_dir: Path, batch_id: str, as_of: date, run_id: str) -> QualitySummary:
    """Validate the batch with every data-quality rule (Great Expectations), store the results, build Data Docs."""
    logger = get_run_logger()
    summary = stages.check_quality(warehouse_dir, batch_id, as_of, run_id)
    logger.info(
        f"data quality: {summary.rules_failed} of {summary.rules_checked} rules failed, "
        f"{summary.exceptions:,} records to fix; Data Docs: {summary.docs_index}"
    )
    if summary.blocking_rules_failed:
        logger.warning(
            f"blocking batch checks failed ({', '.join(summary.blocking_rules_failed)}): every record behind "
            f"{', '.join(summary.withheld_indicators)} is in doubt"
        )
    return summary


@task(cache_policy=NO_CACHE, **IO_RETRIES)
def publish_indicators(
    warehouse_dir: Path, batch_id: str, as_of: date, run_id: str, quality: QualitySummary
) -> stages.Publication:
    """Compute the indicators from conformed, pass them through the materiality gate, swap in a new marts.duckdb."""
    published = stages.publish_indicators(warehouse_dir, batch_id, as_of, run_id, docs=quality.docs_build)
    logger = get_run_logger()
    logger.info(f"published {published.path} ({published.rows['indicator_values']:,} indicator values)")
    for ref, (status, reason) in published.not_published.items():
        logger.warning(f"{ref} {status}: {reason}")
    return published


@task(cache_policy=NO_CACHE, **IO_RETRIES)
def alert_owners(warehouse_dir: Path, run_id: str) -> str:
    """Send each owner the new records to fix in their teams (email and webhook); remember what was sent."""
    logger = get_run_logger()
    report = stages.alert_owners(warehouse_dir, run_id, AlertSettings(), logger=logger)
    for failure in report.failures:
        logger.error(f"alert to {failure.owner} by {failure.channel} failed: {failure.error}")
    logger.info(report.summary())
    return report.summary()


def _record_failure(flow, flow_run, state) -> None:
    """A failed run is recorded in the run history with the reason."""
    warehouse_dir = flow_run.parameters.get("warehouse_dir")
    if not warehouse_dir:
        return
    record = partial(
        run_finished,
        Path(warehouse_dir).resolve(),
        str(flow_run.id),
        status="failed",
        message=str(state.message)[:2000],
        batch_folder=str(Path(flow_run.parameters.get("batch_dir") or "").resolve()),
    )
    try:
        try:
            with writer_slot(Path(warehouse_dir), f"recording failed run {flow_run.id}"):
                record()
        except WarehouseBusy:  # another run holds the warehouse: the next run to start records this one
            record(later=True)
    except Exception as e:  # the warehouse itself may be the problem: say so, never hide the run's failure
        logging.getLogger(__name__).error(f"could not record the failed run {flow_run.id} in ops.runs: {e}")


@flow(name="csc-nightly-load", on_failure=[_record_failure], on_crashed=[_record_failure])
def nightly_load(
    batch_dir: Path,
    warehouse_dir: Path,
    as_of: date | None = None,
    assume_complete: bool = False,
    system: str | None = None,
) -> RunSummary:
    """Load one SSD batch: raw as received, typed and cleaned staging, conformed facts, data-quality checks, the
    published indicators, and alerts to the data's owners. ``system`` names the case system whose SSD build
    every file must match (default: each file's own, from its header)."""
    # Absolute paths: the run history, Data Docs and logs should name folders the same wherever they are read.
    batch_dir, warehouse_dir = Path(batch_dir).resolve(), Path(warehouse_dir).resolve()
    run_id = str(runtime.flow_run.id)
    # One writer per warehouse for the whole run (DuckDB's own lock lasts only as long as each stage's connection).
    with writer_slot(warehouse_dir, f"run {run_id} loading {batch_dir.name}"):
        summary = _load(batch_dir, warehouse_dir, run_id, as_of, assume_complete, system)
    return summary


def _load(
    batch_dir: Path, warehouse_dir: Path, run_id: str, as_of: date | None, assume_complete: bool, system: str | None
) -> RunSummary:
    logger = get_run_logger()
    abandoned = run_started(warehouse_dir, run_id, str(batch_dir))
    for stale in abandoned:
        logger.warning(f"run {stale} ended without finishing (killed or stopped): marked abandoned in ops.runs")
    removed = clear_leftovers(warehouse_dir)
    if removed:
        logger.info(f"removed {len(removed)} file(s) a killed run left: {', '.join(removed[:5])}")
    batch = fingerprint_batch(batch_dir, assume_complete)
    run_as_of = decide_as_of(batch, as_of, published_as_of(warehouse_dir), date.today())
    logger.info(f"batch {batch.batch_id} from {batch_dir} ({len(batch.files)} files), as of {run_as_of}")
    loaded = load_raw(batch, warehouse_dir, system)
    if loaded.already_loaded:
        logger.info(f"batch {batch.batch_id} was loaded before: raw unchanged")
    for problem in loaded.problems:
        logger.warning(problem.message)
    staged = load_staging(warehouse_dir, batch.batch_id)
    stages.require_rows(batch_dir, loaded, staged)
    conformed = load_conformed(warehouse_dir, batch.batch_id, run_as_of, run_id)
    if conformed.unbalanced_tables:
        logger.error(f"reconciliation does not balance for {', '.join(conformed.unbalanced_tables)}")
    quality = check_quality(warehouse_dir, batch.batch_id, run_as_of, run_id)
    published = publish_indicators(warehouse_dir, batch.batch_id, run_as_of, run_id, quality)
    alerts = alert_owners(warehouse_dir, run_id)
    run_finished(
        warehouse_dir,
        run_id,
        status="completed",
        batch_id=batch.batch_id,
        as_of=run_as_of,
        rows_loaded=loaded.rows_loaded,
        rows_rejected=loaded.rows_rejected,
        files_failed=sum(f.status in ("failed", "missing") for f in loaded.files),
        dq_rules_failed=quality.rules_failed,
        dq_exceptions=quality.exceptions,
        withheld_indicators=published.withheld,
    )
    return RunSummary(batch.batch_id, str(batch_dir), run_as_of, loaded, staged, conformed, quality, published, alerts)
