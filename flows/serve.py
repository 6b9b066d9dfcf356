"""`csc serve`: the pipeline as Prefect deployments on a real Prefect server, until stopped.

Only the wiring lives here: the server process is flows/server.py, the landing watcher and its event are
flows/watcher.py, and the deployments and the failure automation are flows/deployments.py. The
``duckdb-writer`` global concurrency limit (one slot, flows/landing.py) makes runs queue for the warehouse.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from declarations.settings import apply_prefect_defaults

apply_prefect_defaults()

from prefect.exceptions import TerminationSignal  # noqa: E402
from prefect.runner import Runner  # noqa: E402

from flows.deployments import (  # noqa: E402
    LANDING_DEPLOYMENT,
    ensure_failure_automation,
    landing_deployment,
    notify_deployment,
)
from flows.landing import destinations, ensure_writer_limit  # noqa: E402
from flows.server import start_or_reuse_server  # noqa: E402
from flows.watcher import LandingWatcher, emit_landed  # noqa: E402


def serve_pipeline(
    landing_dir: Path,
    warehouse_dir: Path,
    archive_dir: Path | None,
    quarantine_dir: Path | None,
    *,
    cron: str,
    timezone: str,
    port: int,
    say: Callable[[str], None] = print,
) -> None:
    """Start or reuse the server, register the deployments, the writer limit and the failure automation, watch
    the landing folder, and run flow runs until stopped (Ctrl-C or SIGTERM)."""
    landing_dir, warehouse_dir = landing_dir.resolve(), warehouse_dir.resolve()
    archive_dir, quarantine_dir = destinations(landing_dir, archive_dir, quarantine_dir)
    for folder in (landing_dir, warehouse_dir, archive_dir, quarantine_dir):
        folder.mkdir(parents=True, exist_ok=True)
    server = start_or_reuse_server(port, warehouse_dir / "logs" / "prefect-server.log", say)
    watcher = None
    try:
        ensure_writer_limit()
        runner = Runner(name="csc-serve", pause_on_shutdown=True)
        runner.add_deployment(
            landing_deployment(landing_dir, warehouse_dir, archive_dir, quarantine_dir, cron=cron, timezone=timezone)
        )
        notify_id = runner.add_deployment(notify_deployment())
        ensure_failure_automation(notify_id)
        ui = server.api_url.removesuffix("/api")
        say(
            f"serving csc-landing/{LANDING_DEPLOYMENT}: cron '{cron}' ({timezone}) and on every batch landing in "
            f"{landing_dir}\n  archive: {archive_dir}\n  quarantine: {quarantine_dir}\n  warehouse: {warehouse_dir}"
            f"\n  Prefect UI: {ui}  (Ctrl-C stops; the schedule is paused until csc serve starts again)"
        )
        watcher = LandingWatcher(landing_dir, emit_landed, log=say)
        watcher.start()
        asyncio.run(runner.start())
    except (KeyboardInterrupt, TerminationSignal):
        say("stopping")
    finally:
        if watcher is not None:
            watcher.stop()
        server.stop()
