"""The nightly load as a Prefect flow. It only wires steps: the work lives in ``warehouse`` and ``transforms``.

Tasks sit at the I/O boundaries and receive paths and ids, never a DuckDB connection (a connection cannot be
hashed or persisted between tasks: shared/stack-notes.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Literal, TypedDict, overload
from uuid import UUID

from declarations.settings import AlertSettings, apply_prefect_defaults

apply_prefect_defaults()

from prefect import flow, get_run_logger, runtime, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.client.orchestration import get_client  # noqa: E402
from prefect.states import Failed, State  # noqa: E402

from declarations.settings import settings  # noqa: E402
from declarations.words import counted  # noqa: E402
from expectations.quality import QualitySummary  # noqa: E402
from flows.artifacts import FILES_KEY, SUMMARY_KEY, file_rows, run_markdown  # noqa: E402
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
    # Why the run is not clean (files failed or missing, rows rejected beyond tolerance, indicators withheld):
    # empty for a clean run. A degraded run still published what it could.
    degraded: list[str] = field(default_factory=list)


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
        f"{counted(summary.exceptions, 'record')} to fix; data-quality pages: {summary.docs_index}"
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
    if report.configured:  # unconfigured alerts were said once already, by send_alerts
        logger.info(report.summary())
    return report.summary()


def _record_failure(flow, flow_run, state) -> None:
    """A failed run is recorded in the run history with the reason. A degraded run is not a failure of the load:
    it finished and recorded itself (with its failed files and withheld indicators) before ending Degraded."""
    warehouse_dir = flow_run.parameters.get("warehouse_dir")
    if not warehouse_dir or state.name == DEGRADED:
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


# The name of the FAILED-type state a degraded run ends in: the UI shows it red with this name and the message,
# on_failure hooks see it (``_record_failure`` skips it), and its event (prefect.flow-run.Degraded) does not match
# the failure automation's, so the owners are not told the load failed.
DEGRADED = "Degraded"


def _run_name() -> str:
    """The run's name in the UI: the batch folder and the as-of date asked for (the flow renames the run once the
    date is decided from the files)."""
    parameters = runtime.flow_run.parameters
    as_of = parameters.get("as_of")
    return f"{Path(parameters['batch_dir']).name} as of {as_of or '(from the files)'}"


def _rename_run(run_id: str, name: str) -> None:
    try:
        with get_client(sync_client=True) as client:
            client.update_flow_run(UUID(run_id), name=name)
    except Exception as e:  # a name is for people: never fail a load that has published over it
        get_run_logger().warning(f"could not rename the run to {name!r}: {e}")


@flow(
    name="csc-nightly-load",
    flow_run_name=_run_name,
    on_failure=[_record_failure],
    on_crashed=[_record_failure],
)
def nightly_flow(
    batch_dir: Path,
    warehouse_dir: Path,
    as_of: date | None = None,
    assume_complete: bool = False,
    system: str | None = None,
) -> RunSummary | State:
    """Load one SSD batch: raw as received, typed and cleaned staging, conformed facts, data-quality checks, the
    published indicators, and alerts to the data's owners. ``system`` names the case system whose SSD build
    every file must match (default: each file's own, from its header). Ends Completed when clean, else in a
    FAILED-type state named Degraded that says what is missing or withheld (what could be published was)."""
    # Absolute paths: the run history, Data Docs and logs should name folders the same wherever they are read.
    batch_dir, warehouse_dir = Path(batch_dir).resolve(), Path(warehouse_dir).resolve()
    run_id = str(runtime.flow_run.id)
    # One writer per warehouse for the whole run (DuckDB's own lock lasts only as long as each stage's connection).
    with writer_slot(warehouse_dir, f"run {run_id} loading {batch_dir.name}"):
        summary = _load(batch_dir, warehouse_dir, run_id, as_of, assume_complete, system)
    if summary.degraded:
        # the docs were waited for before publishing; a thread cannot be kept with the state's result
        summary = replace(summary, quality=replace(summary.quality, docs_build=None))
        return Failed(name=DEGRADED, message="; ".join(summary.degraded)[:2000], data=summary)
    return summary


@overload
def nightly_load(
    batch_dir: Path,
    warehouse_dir: Path,
    as_of: date | None = ...,
    assume_complete: bool = ...,
    system: str | None = ...,
    *,
    return_state: Literal[False] = ...,
) -> RunSummary: ...


@overload
def nightly_load(
    batch_dir: Path,
    warehouse_dir: Path,
    as_of: date | None = ...,
    assume_complete: bool = ...,
    system: str | None = ...,
    *,
    return_state: Literal[True],
) -> State: ...


def nightly_load(
    batch_dir: Path,
    warehouse_dir: Path,
    as_of: date | None = None,
    assume_complete: bool = False,
    system: str | None = None,
    *,
    return_state: bool = False,
) -> RunSummary | State:
    """Run ``nightly_flow`` and return its summary, degraded or not (``RunSummary.degraded`` says why); a run that
    failed raises its error. ``return_state``: the run's final state instead."""
    state = nightly_flow(batch_dir, warehouse_dir, as_of, assume_complete, system, return_state=True)
    if return_state:
        return state
    return run_summary(state)


def run_summary(state: State) -> RunSummary:
    """The summary a finished run returned: a degraded run's is its state's data; a failed run raises its error."""
    summary = state.result(raise_on_failure=state.name != DEGRADED)
    if not isinstance(summary, RunSummary):
        raise TypeError(f"run ended {state.name} without a summary: {state.message}")
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
    degraded = stages.degradations(loaded, published, settings().rejected_rows_tolerance)
    if degraded:
        logger.warning(f"degraded: {'; '.join(degraded)}")
    extract = batch.extract_date
    title = f"{batch_dir.name}{f' {extract}' if extract and extract != run_as_of else ''} as of {run_as_of}"
    _rename_run(run_id, title)
    _write_artifacts(title, warehouse_dir, run_id, loaded, quality, published, degraded)
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
    return RunSummary(
        batch.batch_id, str(batch_dir), run_as_of, loaded, staged, conformed, quality, published, alerts, degraded
    )


def _write_artifacts(
    title: str,
    warehouse_dir: Path,
    run_id: str,
    loaded: BatchLoad,
    quality: QualitySummary,
    published: stages.Publication,
    degraded: list[str],
) -> None:
    """The run's summary and its files as artifacts, so the UI shows what the logs only said."""
    markdown = run_markdown(
        title=title,
        load=loaded,
        rules=stages.failed_rules(warehouse_dir, run_id),
        rules_checked=quality.rules_checked,
        published=published,
        degraded=degraded,
        docs_index=quality.docs_index,
        warehouse_dir=warehouse_dir,
    )
    create_markdown_artifact(markdown, key=SUMMARY_KEY, description=f"{title}: files, rules, indicators")
    create_table_artifact(file_rows(loaded), key=FILES_KEY, description=f"{title}: rows loaded and rejected per file")
