"""The Prefect server that `csc serve` talks to: reuse the one PREFECT_API_URL names (or one already on the
port), else start ``prefect server start`` as a child process and stop it again when serving ends.

Only the server process lives here: what is registered on it is flows/deployments.py, the landing watcher is
flows/watcher.py, and flows/serve.py puts the three together.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from declarations.settings import apply_prefect_defaults

apply_prefect_defaults()

from prefect.context import refresh_global_settings_context  # noqa: E402
from prefect.settings import get_current_settings  # noqa: E402


class ServeError(RuntimeError):
    """`csc serve` cannot start; the message says what to do."""


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
