"""What `csc serve` registers on the Prefect server:

- ``csc-landing/nightly`` loads every complete batch in the landing folder, on a cron schedule (02:00
  Europe/London by default) and whenever a ``csc.batch.landed`` event (flows/watcher.py) arrives.
- ``csc-run-failed/notify`` tells the pipeline's owners when a landing run fails or crashes; a Prefect
  automation runs it.

The deployments find their flows by module path (``flows.landing.load_landed_batches``,
``flows.deployments.tell_owners_run_failed``), so the flow runs start from any working directory; moving either
flow changes its deployment's entrypoint. Only deployments and the failure automation live here: the loading is
flows/landing.py, the message is alerts/, the server is flows/server.py, and flows/serve.py wires them together.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from declarations.settings import apply_prefect_defaults

apply_prefect_defaults()

from prefect import flow, get_run_logger  # noqa: E402
from prefect.automations import Automation, EventTrigger, Posture, RunDeployment  # noqa: E402
from prefect.client.orchestration import get_client  # noqa: E402
from prefect.events import DeploymentEventTrigger  # noqa: E402
from prefect.schedules import Cron  # noqa: E402
from prefect.settings import get_current_settings  # noqa: E402

from alerts.messages import RunFailure  # noqa: E402
from alerts.send import send_run_failure  # noqa: E402
from declarations.settings import AlertSettings  # noqa: E402
from flows.landing import load_landed_batches  # noqa: E402
from flows.watcher import LANDED_EVENT  # noqa: E402

LANDING_DEPLOYMENT = "nightly"
NOTIFY_DEPLOYMENT = "notify"
FAILURE_AUTOMATION = "csc: tell the pipeline's owners when a landing run fails"
FAILED_STATES = {"prefect.flow-run.Failed", "prefect.flow-run.Crashed", "prefect.flow-run.TimedOut"}


@flow(name="csc-run-failed")
def tell_owners_run_failed(flow_run_id: str) -> str:
    """Tell the pipeline's owners (email and webhook, from the owners file) that a landing run failed or crashed.
    Run by the failure automation; `flow_run_id` is the failed run's id (or its event resource id)."""
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


# The deployment machinery is imported where a deployment is built: the notify flow's runs import this module,
# and they need none of it.


def landing_deployment(
    landing_dir: Path, warehouse_dir: Path, archive_dir: Path, quarantine_dir: Path, *, cron: str, timezone: str
):
    from prefect.deployments.runner import EntrypointType

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


def notify_deployment():
    from prefect.deployments.runner import EntrypointType

    return tell_owners_run_failed.to_deployment(
        name=NOTIFY_DEPLOYMENT, tags=["csc"], entrypoint_type=EntrypointType.MODULE_PATH
    )
