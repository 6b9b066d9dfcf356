"""The regional run: every council of a landing folder loaded into its own warehouse, each as a task on a Dask
cluster (prefect-dask's task runner), then ``region.duckdb`` built from their publications.

The cluster is a local one (``CSC_DASK_WORKERS`` worker processes, one per core by default) or, with
``CSC_DASK_ADDRESS``, a running scheduler: a regional group adds machines by starting workers against it, without
code changes. Each council's task runs the nightly flow as a subflow (its own tasks on the worker's threads, never
a Dask runner of its own), holding that council's writer slot: one writer per council warehouse. A council that
fails is reported; the others are loaded and the region built from what the councils have published.

Workers report to the flow's Prefect API: a local cluster's workers inherit ``PREFECT_API_URL`` from the flow's
process (set here before the first task starts them); the workers of a running cluster need it in their own
environment, or each starts a temporary Prefect server of its own.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from declarations.settings import apply_prefect_defaults

apply_prefect_defaults()

import polars as pl  # noqa: E402
from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.client.orchestration import get_client  # noqa: E402
from prefect_dask import DaskTaskRunner  # noqa: E402

from declarations.catalogue import load_catalogue  # noqa: E402
from declarations.constants import READY_MARKER  # noqa: E402
from declarations.registry import declared  # noqa: E402
from declarations.settings import settings  # noqa: E402
from declarations.words import counted  # noqa: E402
from flows.nightly import nightly_flow, run_summary  # noqa: E402
from warehouse.region import build_region  # noqa: E402


@dataclass(frozen=True)
class CouncilRun:
    """How one council's run went (a row of ``region.region_councils``)."""

    council_code: str
    batch_folder: str
    warehouse: str
    outcome: str  # completed, degraded or failed
    message: str | None = None
    run_id: str | None = None
    batch_id: str | None = None
    as_of: date | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class RegionRun:
    councils: list[CouncilRun]
    region_file: Path
    cluster: str


def council_folders(landing: Path) -> list[Path]:
    """The landing folder's councils: its sub-folders holding a complete batch (``_READY``), by name."""
    return sorted(p for p in Path(landing).iterdir() if p.is_dir() and (p / READY_MARKER).is_file())


_council_flow = nightly_flow.with_options(validate_parameters=False)


@task(cache_policy=NO_CACHE, task_run_name="load {council_code}")
def load_council(council_code: str, batch_dir: Path, warehouse_dir: Path) -> CouncilRun:
    """One council's nightly load into its own warehouse, as a subflow (on whichever worker runs this task). Never
    raises: a failed load is the outcome ``failed`` with its error."""
    started = time.perf_counter()
    where = (council_code, str(batch_dir), str(warehouse_dir))
    try:
        # In a Dask worker Prefect cannot build the parameters' model of a flow annotated with ``date``
        # (PydanticUserError "not fully defined"); the paths passed here are typed already.
        state = _council_flow(batch_dir, warehouse_dir, return_state=True)
        summary = run_summary(state)
    except Exception as e:
        message = f"{type(e).__name__}: {e}"[:2000]
        return CouncilRun(*where, outcome="failed", message=message, seconds=time.perf_counter() - started)
    return CouncilRun(
        *where,
        outcome="degraded" if summary.degraded else "completed",
        message="; ".join(summary.degraded)[:2000] or None,
        run_id=str(state.state_details.flow_run_id) if state.state_details.flow_run_id else None,
        batch_id=summary.batch_id,
        as_of=summary.as_of,
        seconds=time.perf_counter() - started,
    )


@flow(name="csc-region-run", flow_run_name="region of {landing}")
def region_flow(landing: Path, warehouses: Path, region_dir: Path) -> RegionRun:
    """Load each council's batch (``landing/<code>/``) into ``warehouses/<code>/`` as a task on the Dask cluster,
    then write ``region_dir/region.duckdb``."""
    logger = get_run_logger()
    landing, warehouses, region_dir = Path(landing).resolve(), Path(warehouses).resolve(), Path(region_dir).resolve()
    folders = council_folders(landing)
    logger.info(f"{counted(len(folders), 'council')} in {landing}")
    # The workers of a local cluster start at the first submit and inherit this process's environment: without the
    # flow's API they would each start a temporary Prefect server.
    with get_client(sync_client=True) as client:
        os.environ.setdefault("PREFECT_API_URL", str(client.api_url))
    futures = [load_council.submit(f.name, f, warehouses / f.name) for f in folders]
    runs = []
    for folder, future in zip(folders, futures, strict=True):
        try:
            run = future.result()
        except Exception as e:  # the task itself crashed (a worker killed): the council failed, not the region
            run = CouncilRun(folder.name, str(folder), str(warehouses / folder.name), "failed", f"{e}"[:2000])
        logger.info(f"{run.council_code}: {run.outcome}" + (f" ({run.message})" if run.message else ""))
        runs.append(run)
    councils = pl.DataFrame(
        [asdict(r) for r in runs],
        schema=declared("region.region_councils").polars_schema(without=("indicator_values", "child_population")),
    )
    region_file = build_region(region_dir, councils, load_catalogue(settings().indicator_catalogue))
    logger.info(f"wrote {region_file}")
    return RegionRun(runs, region_file, settings().dask_address or "local")


def dask_runner() -> DaskTaskRunner:
    """A running scheduler (``CSC_DASK_ADDRESS``), or a local cluster of ``CSC_DASK_WORKERS`` processes (one
    thread each: DuckDB and polars use the worker's cores themselves)."""
    s = settings()
    if s.dask_address:
        return DaskTaskRunner(address=s.dask_address)
    workers = s.dask_workers or os.cpu_count() or 1
    return DaskTaskRunner(
        cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": ":0"}
    )


def region_run(landing: Path, warehouses: Path, region_dir: Path) -> RegionRun:
    """Run ``region_flow`` on the cluster the settings name; the API URL it sets for its workers is unset after."""
    had_api = "PREFECT_API_URL" in os.environ
    try:
        # prefect-dask's runner yields its own futures, which Prefect's annotation does not allow for
        runner = dask_runner()
        return region_flow.with_options(task_runner=runner)(landing, warehouses, region_dir)  # type: ignore[arg-type]
    finally:
        if not had_api:
            os.environ.pop("PREFECT_API_URL", None)
