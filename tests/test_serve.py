"""`csc serve`: the landing watcher, the run-failure message, and end to end on a real Prefect server: batches
dropped into the landing folder are published in order, a failed batch is quarantined and its owners told, and
the cron schedule creates runs."""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest

from alerts.messages import RunFailure, compose_run_failure
from alerts.owners import load_owners
from alerts.send import send_run_failure
from csc.synthetic import generate_batch
from declarations.settings import AlertSettings
from flows.deployments import landing_deployment, notify_deployment
from flows.landing import REASON_FILE
from flows.server import api_answers
from flows.watcher import LandingWatcher
from tests.conftest import CSC, free_port, prefect_api, write_batch
from tests.test_alerts import _start_smtp
from warehouse.db import fetch_one

smtp_server = contextlib.contextmanager(_start_smtp)


def wait_for(condition: Callable[[], object], timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-6000:] if log and log.exists() else ""
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{tail}")


def complete_batch(folder: Path) -> Path:
    return write_batch(folder, {"ssd_person.csv": "person_id\n1\n"})


# ------------------------------------------------------------------------------------------------ watcher


class Announced(list):
    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()

    def __call__(self, batch: Path) -> None:
        with self.lock:
            self.append(batch.name)


def test_watcher_announces_batches_found_at_start_up_but_not_incomplete_ones(tmp_path: Path):
    landing = tmp_path / "landing"
    complete_batch(landing / "b_2023-07-31")
    complete_batch(landing / "a_2023-06-30")
    (landing / "c_still_writing").mkdir()
    (landing / "c_still_writing" / "ssd_person.csv").write_text("person_id\n")
    announced = Announced()
    watcher = LandingWatcher(landing, announced, log=lambda m: None)
    try:
        watcher.start()
        assert announced == ["a_2023-06-30", "b_2023-07-31"]  # oldest first
    finally:
        watcher.stop()


def test_watcher_announces_a_batch_when_its_marker_appears_or_it_is_moved_in_and_once_only(tmp_path: Path):
    landing, elsewhere = tmp_path / "landing", tmp_path / "elsewhere"
    announced = Announced()
    watcher = LandingWatcher(landing, announced, log=lambda m: None)
    watcher.start()
    try:
        batch = landing / "b1"
        batch.mkdir()
        (batch / "ssd_person.csv").write_text("person_id\n1\n")
        time.sleep(2.5)
        assert announced == []  # no marker yet: still being written
        (batch / "_READY").write_text("")
        wait_for(lambda: announced == ["b1"], 15, "the marker to announce b1")
        (batch / "ssd_person.csv").write_text("person_id\n1\n2\n")  # more changes: not announced again
        os.rename(complete_batch(elsewhere / "b2"), landing / "b2")  # a whole folder renamed in
        wait_for(lambda: announced == ["b1", "b2"], 15, "the rename to announce b2")
        # a batch that leaves (archived) and comes back (to re-run it) is announced again
        os.rename(batch, elsewhere / "b1")
        wait_for(lambda: "b1" not in watcher._announced, 15, "b1 to be forgotten once it left")
        os.rename(elsewhere / "b1", landing / "b1")
        wait_for(lambda: announced == ["b1", "b2", "b1"], 15, "b1 to be announced again")
    finally:
        watcher.stop()


def test_watcher_tries_a_failed_announcement_again_at_the_next_sweep(tmp_path: Path):
    landing = tmp_path / "landing"
    complete_batch(landing / "b1")
    calls: list[str] = []
    messages: list[str] = []

    def flaky(batch: Path) -> None:
        calls.append(batch.name)
        if len(calls) == 1:
            raise ConnectionError("server unavailable")

    watcher = LandingWatcher(landing, flaky, log=messages.append)
    assert watcher.sweep() == [landing / "b1"]
    assert messages == ["could not announce batch b1: server unavailable"]
    watcher.sweep()
    watcher.sweep()
    assert calls == ["b1", "b1"]  # retried once, then remembered


# ------------------------------------------------------------------------------------------------ failure message

FAILURE = RunFailure(
    run_id="0b6c",
    run_name="tested-toucanet",
    flow_name="csc-landing",
    state="Failed",
    message="1 of 2 landed batches failed and were quarantined: c_bad -> /q/c_bad (still being written)",
    started="2026-11-22 02:00:04 UTC",
    parameters={"landing_dir": "/data/landing", "landed_batch": None},
    url="http://127.0.0.1:4200/runs/flow-run/0b6c",
)


def test_the_run_failure_message_says_what_failed_why_and_where_to_look():
    [owner] = [o for o in load_owners(Path("docs/owners.example.toml")) if o.name == "pipeline"]
    message = compose_run_failure(owner, FAILURE)
    assert FAILURE.url is not None
    assert message.to == ("data.engineers@council.example",)
    assert message.subject == "Pipeline run tested-toucanet failed"
    for expected in ("csc-landing", "c_bad", "landing_dir: /data/landing", FAILURE.url, "QUARANTINE_REASON.txt"):
        assert expected in message.text
    assert "landed_batch" not in message.text  # empty parameters left out


def test_run_failures_go_to_the_named_owner_else_the_fallback_over_smtp(tmp_path: Path):
    owners = tmp_path / "owners.toml"
    owners.write_text(
        '[[owner]]\nname = "pipeline"\nemail = ["de@council.example"]\n\n'
        '[[owner]]\nname = "performance"\nemail = ["perf@council.example"]\n'
    )
    with smtp_server() as server:
        settings = AlertSettings(smtp_host="127.0.0.1", smtp_port=server.port, smtp_from="csc@x.example")
        assert send_run_failure(FAILURE, settings) == []  # no owners file: nobody to tell, said in the log
        settings = settings.model_copy(update={"owners_file": owners})
        [delivery] = send_run_failure(FAILURE, settings)
        assert delivery.ok
        assert server.to("de@council.example")[0].message["Subject"] == "Pipeline run tested-toucanet failed"
        settings = settings.model_copy(update={"alert_run_failure_owner": "nobody-by-that-name"})
        [delivery] = send_run_failure(FAILURE, settings)
        assert delivery.ok and len(server.to("perf@council.example")) == 1


def test_serve_says_so_when_the_configured_server_does_not_answer(tmp_path: Path):
    url = f"http://127.0.0.1:{free_port()}/api"
    env = {**os.environ, "PREFECT_API_URL": url, "PREFECT_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [*CSC, "serve", "--landing", str(tmp_path / "l"), "--warehouse", str(tmp_path / "w"), "--create-warehouse"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"error: PREFECT_API_URL is {url} but no Prefect server answers there" in result.stderr


# ------------------------------------------------------------------------------------------------ deployments


def test_each_deployment_names_a_module_path_that_holds_its_flow(tmp_path: Path):
    """The runs import the flow by this path: a flow moved to another module must move its entrypoint with it."""
    landing = landing_deployment(tmp_path, tmp_path, tmp_path, tmp_path, cron="0 2 * * *", timezone="Europe/London")
    for deployment, expected in (
        (landing, "flows.landing.load_landed_batches"),
        (notify_deployment(), "flows.deployments.tell_owners_run_failed"),
    ):
        assert deployment.entrypoint == expected
        module, _, name = expected.rpartition(".")
        assert getattr(importlib.import_module(module), name).name == deployment.flow_name


# ------------------------------------------------------------------------------------------------ end to end


def flow_runs(api: str, flow_name: str, *states: str) -> list[dict]:
    body: dict = {"flows": {"name": {"any_": [flow_name]}}, "limit": 200}
    if states:
        body["flow_runs"] = {"state": {"type": {"any_": list(states)}}}
    return prefect_api(api, "/flow_runs/filter", body)


def start_serve(tmp_path: Path, env: dict[str, str], *extra: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [
            *CSC,
            "serve",
            "--landing",
            str(tmp_path / "landing"),
            "--warehouse",
            str(tmp_path / "wh"),
            "--create-warehouse",
            *extra,
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    return process, log


def stop_serve(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.slow
def test_batches_dropped_into_landing_are_published_in_order_and_a_failed_one_is_quarantined(
    prefect_server, tmp_path: Path
):
    outbox = tmp_path / "outbox"  # the exporter writes here, then renames each finished batch into landing
    first, second = outbox / "extract_20230731", outbox / "extract_20230831"
    generate_batch(first, as_of=date(2023, 7, 31), scale="tiny", seed=1)
    generate_batch(second, as_of=date(2023, 8, 31), scale="tiny", seed=2)
    broken = complete_batch(outbox / "extract_20230901")
    (broken / "ssd_cp_visits.csv.part").write_text("")  # a file the exporter never finished
    owners = tmp_path / "owners.toml"
    owners.write_text('[[owner]]\nname = "pipeline"\nemail = ["data.engineers@council.example"]\n')
    landing, warehouse = tmp_path / "landing", tmp_path / "wh"
    landing.mkdir()

    with smtp_server() as smtp:
        env = {
            **os.environ,
            "PREFECT_API_URL": prefect_server,
            "PREFECT_HOME": str(tmp_path / "client_home"),
            "CSC_OWNERS_FILE": str(owners),
            "CSC_SMTP_HOST": "127.0.0.1",
            "CSC_SMTP_PORT": str(smtp.port),
            "CSC_SMTP_FROM": "csc-pipeline@council.example",
        }
        serve, log = start_serve(tmp_path, env)
        try:
            wait_for(lambda: "serving csc-landing/nightly" in log.read_text(), 120, "csc serve to start", log)
            os.rename(first, landing / first.name)
            wait_for(lambda: flow_runs(prefect_server, "csc-nightly-load", "RUNNING"), 120, "the first load", log)
            assert (landing / first.name).exists()  # the first batch is still loading ...
            os.rename(second, landing / second.name)  # ... when the second lands
            os.rename(broken, landing / broken.name)
            archive, quarantine = tmp_path / "archive", tmp_path / "quarantine"
            wait_for(
                lambda: (archive / second.name).exists() and (quarantine / broken.name).exists(),
                240,
                "both batches archived and the broken one quarantined",
                log,
            )
            mail = wait_for(lambda: smtp.to("data.engineers@council.example"), 120, "the failure email", log)
            # every landing run the events triggered has ended before the server stops (one still running when it
            # stops would stay RUNNING in the UI)
            wait_for(
                lambda: (
                    not [
                        r
                        for r in flow_runs(prefect_server, "csc-landing", "RUNNING", "PENDING")
                        if not r["auto_scheduled"]
                    ]
                ),
                120,
                "the landing runs to end",
                log,
            )
        finally:
            stop_serve(serve)
    assert sorted(p.name for p in landing.iterdir()) == []
    assert (archive / first.name).is_dir()
    reason = (quarantine / broken.name / REASON_FILE).read_text()
    assert "ssd_cp_visits.csv.part" in reason

    # the failure email names the failed landing run and the quarantined batch
    [message] = mail
    assert message.message["Subject"].startswith("Pipeline run ") and message.message["Subject"].endswith("failed")
    assert broken.name in message.text and "csc-landing" in message.text

    # one writer at a time: the second load started after the first finished; the failed one is recorded too
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        runs = con.execute(
            "SELECT batch_folder, status, started_at, finished_at FROM ops.runs ORDER BY started_at"
        ).fetchall()
    assert [(Path(r[0]).name, r[1]) for r in runs] == [
        (first.name, "completed"),
        (second.name, "completed"),
        (broken.name, "failed"),
    ]
    assert runs[0][3] <= runs[1][2]
    # the publication is the second batch's
    with duckdb.connect(str(warehouse / "marts.duckdb"), read_only=True) as con:
        assert con.execute("SELECT as_of FROM publication").fetchone() == (date(2023, 8, 31),)
        assert fetch_one(con.execute("SELECT count(*) FROM indicator_values"))[0] > 0

    # the UI's view: both deployments, the writer limit, the failure automation and every run
    deployments = {d["name"] for d in prefect_api(prefect_server, "/deployments/filter", {})}
    assert {"nightly", "notify"} <= deployments
    limit = prefect_api(prefect_server, "/v2/concurrency_limits/filter", {})
    assert [(c["name"], c["limit"]) for c in limit] == [("duckdb-writer", 1)]
    # (the 02:00 schedule also creates future runs; only the runs the landings triggered are asserted)
    landing_runs = [r for r in flow_runs(prefect_server, "csc-landing") if not r["auto_scheduled"]]
    assert {r["state_type"] for r in landing_runs} == {"COMPLETED", "FAILED"}
    ours = [r for r in flow_runs(prefect_server, "csc-nightly-load") if str(landing) in r["parameters"]["batch_dir"]]
    assert len(ours) == 3  # (the server is shared with other tests)
    assert [r["state_type"] for r in flow_runs(prefect_server, "csc-run-failed")] == ["COMPLETED"]


@pytest.mark.slow
def test_serve_starts_its_own_server_whose_cron_schedule_creates_runs(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "home")}
    env.pop("PREFECT_API_URL", None)
    serve, log = start_serve(tmp_path, env, "--cron", "* * * * *", "--port", str(port))
    api = f"http://127.0.0.1:{port}/api"
    try:
        wait_for(lambda: "serving csc-landing/nightly" in log.read_text(), 180, "csc serve to start", log)
        assert f"starting a Prefect server on 127.0.0.1:{port}" in log.read_text()
        [deployment] = [d for d in prefect_api(api, "/deployments/filter", {}) if d["name"] == "nightly"]
        [schedule] = deployment["schedules"]
        assert (schedule["schedule"]["cron"], schedule["schedule"]["timezone"]) == ("* * * * *", "Europe/London")
        completed = wait_for(
            lambda: [r for r in flow_runs(api, "csc-landing", "COMPLETED") if r["auto_scheduled"]],
            200,
            "a scheduled run to complete",
            log,
        )
        assert completed[0]["parameters"]["landing_dir"] == str((tmp_path / "landing").resolve())
    finally:
        stop_serve(serve)
    assert serve.returncode == 0
    assert not api_answers(api)  # the server csc serve started stopped with it
    assert "no extract has landed since the last load" in log.read_text()
