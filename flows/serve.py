"""`csc serve`: the pipeline as Prefect deployments on a real Prefect server.

- ``csc-landing/nightly`` loads every complete batch in the landing folder, on a cron schedule (02:00
  Europe/London by default) and whenever a ``csc.batch.landed`` event arrives.
- A watcher on the landing folder emits that event for each complete batch (``_READY`` present: see
  flows/landing.py): at start-up for batches that landed while nothing was watching, on every file-system change,
  and once a minute in case the file system sends no change notices (network shares often do not).
- ``csc-run-failed/notify`` tells the pipeline's owners when a landing run fails or crashes; a Prefect
  automation runs it.
- The ``duckdb-writer`` global concurrency limit (one slot) makes runs queue for the warehouse.

Only wiring lives here: the loading is flows/landing.py and flows/nightly.py; the message is alerts/messages.py.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from declarations.settings import AlertSettings, apply_prefect_defaults

apply_prefect_defaults()

from prefect import flow, get_run_logger  # noqa: E402

from alerts.messages import RunFailure  # noqa: E402
from alerts.send import send_run_failure  # noqa: E402
from flows.landing import complete_batches, destinations, ensure_writer_limit, load_landed_batches  # noqa: E402

LANDED_EVENT = "csc.batch.landed"
LANDING_DEPLOYMENT = "nightly"
NOTIFY_DEPLOYMENT = "notify"
FAILURE_AUTOMATION = "csc: tell the pipeline's owners when a landing run fails"
FAILED_STATES = {"prefect.flow-run.Failed", "prefect.flow-run.Crashed", "prefect.flow-run.TimedOut"}
SWEEP_SECONDS = 60


class ServeError(RuntimeError):
    """`csc serve` cannot start; the message says what to do."""


# ------------------------------------------------------------------------------------------------ the server


def api_answers(api_url: str, timeout: float = 3.0) -> bool:
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass
class PrefectServer:
    api_url: str
    process: subprocess.Popen | None = None  # set when `csc serve` started the server (and so stops it)
    log_path: Path | None = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_or_reuse_server(port: int, log_path: Path, say: Callable[[str], None], timeout: float = 180) -> PrefectServer:
    """Reuse the Prefect server that PREFECT_API_URL (environment or Prefect profile) names, or one already on
    127.0.0.1:PORT; otherwise start ``prefect server start`` with its log in `log_path`. Points this process
    (and the flow runs it starts) at the server."""
    from prefect.context import refresh_global_settings_context
    from prefect.settings import get_current_settings

    configured = get_current_settings().api.url
    if configured:
        if not api_answers(configured):
            raise ServeError(
                f"PREFECT_API_URL is {configured} but no Prefect server answers there: start it (prefect server "
                "start) or unset PREFECT_API_URL so that csc serve starts one"
            )
        say(f"using the Prefect server at {configured}")
        return PrefectServer(configured)
    api_url = f"http://127.0.0.1:{port}/api"
    server = PrefectServer(api_url)
    if api_answers(api_url):
        say(f"using the Prefect server already running at {api_url}")
    else:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        say(f"starting a Prefect server on 127.0.0.1:{port} (its log: {log_path})")
        env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        with log_path.open("ab") as log:
            server.process = subprocess.Popen(
                [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # Ctrl-C reaches csc serve, which then stops the server in order
            )
        server.log_path = log_path
        deadline = time.monotonic() + timeout
        while not api_answers(api_url):
            if server.process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                tail = log_path.read_text(errors="replace")[-2000:]
                raise ServeError(f"the Prefect server did not start within {timeout:.0f}s; end of {log_path}:\n{tail}")
            time.sleep(0.5)
    os.environ["PREFECT_API_URL"] = api_url
    refresh_global_settings_context()
    return server


# ------------------------------------------------------------------------------------------------ the watcher


class LandingWatcher:
    """Announces each complete batch in the landing folder once while it is there: at start-up, on any change in
    the folder, and every SWEEP_SECONDS. A batch that leaves (archived, quarantined) and comes back is announced
    again, which is how a batch is re-run."""

    def __init__(self, landing_dir: Path, announce: Callable[[Path], None], *, log: Callable[[str], None] = print):
        self.landing_dir = landing_dir
        self.announce = announce
        self.log = log
        self._announced: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="csc-landing-watcher", daemon=True)

    def start(self) -> None:
        self.landing_dir.mkdir(parents=True, exist_ok=True)
        self.sweep()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def sweep(self) -> list[Path]:
        """Announce complete batches not yet announced; forget batches that have left the landing folder."""
        present = complete_batches(self.landing_dir)
        self._announced &= {b.name for b in present}
        new = [b for b in present if b.name not in self._announced]
        for batch in new:
            try:
                self.announce(batch)
            except Exception as e:  # the next sweep tries again
                self.log(f"could not announce batch {batch.name}: {e}")
                continue
            self._announced.add(batch.name)
            self.log(f"batch {batch.name} is complete: announced it")
        return new

    def _run(self) -> None:
        import watchfiles

        while not self._stop.is_set():
            try:
                for _ in watchfiles.watch(
                    self.landing_dir,
                    stop_event=self._stop,
                    rust_timeout=SWEEP_SECONDS * 1000,
                    yield_on_timeout=True,
                    raise_interrupt=False,
                ):
                    self.sweep()
            except Exception as e:  # e.g. the folder vanished or the watch limit is reached: keep sweeping
                self.log(f"watching {self.landing_dir} failed ({e}); sweeping every {SWEEP_SECONDS}s instead")
                while not self._stop.wait(SWEEP_SECONDS):
                    self.sweep()


def emit_landed(batch: Path) -> None:
    from prefect.events import emit_event

    event = emit_event(
        event=LANDED_EVENT,
        resource={"prefect.resource.id": f"csc.landing-batch.{batch.name}", "prefect.resource.name": batch.name},
        payload={"batch_dir": str(batch)},
    )
    if event is None:
        raise ServeError("Prefect events are not enabled for this process (is PREFECT_API_URL set?)")


# ------------------------------------------------------------------------------------------------ failures


@flow(name="csc-run-failed")
def tell_owners_run_failed(flow_run_id: str) -> str:
    """Tell the pipeline's owners (email and webhook, from the owners file) that a landing run failed or crashed.
    Run by the failure automation; `flow_run_id` is the failed run's id (or its event resource id)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import get_current_settings

    logger = get_run_logger()
    run_id = flow_run_id.removeprefix("prefect.flow-run.")
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(run_id))
        flow_name = client.read_flow(run.flow_id).name
    ui = get_current_settings().ui_url
    failure = RunFailure(
        run_id=run_id,
        run_name=run.name,
        flow_name=flow_name,
        state=(run.state.name if run.state else None) or "Failed",
        message=(run.state.message if run.state else "") or "",
        started=f"{run.start_time:%Y-%m-%d %H:%M:%S %Z}" if run.start_time else "not started",
        parameters=run.parameters,
        url=f"{ui.rstrip('/')}/runs/flow-run/{run_id}" if ui else None,
    )
    deliveries = send_run_failure(failure, AlertSettings(), logger=logger)
    told = [f"{d.owner} by {d.channel}" for d in deliveries if d.ok]
    if deliveries and not told:
        errors = "; ".join(d.error or "no reason given" for d in deliveries)
        raise RuntimeError(f"nobody could be told that run {run.name} failed: {errors}")
    summary = f"told {', '.join(told)} that run {run.name} ended {failure.state}" if told else "nobody told"
    logger.info(summary)
    return summary


def ensure_failure_automation(notify_deployment_id) -> None:
    """(Re)create the automation that runs ``csc-run-failed/notify`` when a ``csc-landing`` run fails or crashes.
    It lives on the server, so it also catches runs whose process died."""
    from prefect.automations import Automation, EventTrigger, Posture, RunDeployment
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for old in client.read_automations_by_name(FAILURE_AUTOMATION):
            client.delete_automation(old.id)
    Automation(
        name=FAILURE_AUTOMATION,
        description="Runs csc-run-failed/notify, which emails the owner named by CSC_ALERT_RUN_FAILURE_OWNER.",
        trigger=EventTrigger(
            expect=FAILED_STATES,
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.role": "flow", "prefect.resource.name": load_landed_batches.name},
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[
            RunDeployment(
                source="selected",
                deployment_id=notify_deployment_id,
                parameters={"flow_run_id": "{{ event.resource.id }}"},
            )
        ],
    ).create()


# ------------------------------------------------------------------------------------------------ serving


def landing_deployment(
    landing_dir: Path, warehouse_dir: Path, archive_dir: Path, quarantine_dir: Path, *, cron: str, timezone: str
):
    from prefect.deployments.runner import EntrypointType
    from prefect.events import DeploymentEventTrigger
    from prefect.schedules import Cron

    return load_landed_batches.to_deployment(
        name=LANDING_DEPLOYMENT,
        description="Loads complete batches from the landing folder nightly and as soon as one lands.",
        schedules=[Cron(cron, timezone=timezone)],
        triggers=[
            DeploymentEventTrigger(
                name="a complete batch landed",
                expect={LANDED_EVENT},
                match={"prefect.resource.id": "csc.landing-batch.*"},
                parameters={"landed_batch": "{{ event.resource.name }}"},
            )
        ],
        parameters={
            "landing_dir": str(landing_dir),
            "warehouse_dir": str(warehouse_dir),
            "archive_dir": str(archive_dir),
            "quarantine_dir": str(quarantine_dir),
        },
        tags=["csc"],
        # Module path, not file path: the runs start from any working directory.
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


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
    from prefect.deployments.runner import EntrypointType
    from prefect.exceptions import TerminationSignal
    from prefect.runner import Runner

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
        notify_id = runner.add_deployment(
            # async_dispatch types the call as "deployment or coroutine"; called from sync code it is the deployment
            tell_owners_run_failed.to_deployment(  # type: ignore[arg-type]
                name=NOTIFY_DEPLOYMENT, tags=["csc"], entrypoint_type=EntrypointType.MODULE_PATH
            )
        )
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
