"""The watcher of the landing folder: it emits a ``csc.batch.landed`` event for each complete batch (``_READY``
present: see flows/landing.py) at start-up for batches that landed while nothing was watching, on every
file-system change, and every SWEEP_SECONDS in case the file system sends no change notices (network shares
often do not).

Only the watching and the event live here: the deployment that the event triggers is flows/deployments.py, and
flows/serve.py starts the watcher. The watcher runs anywhere a Prefect server can be reached (docs/operations.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import watchfiles

from declarations.settings import apply_prefect_defaults

apply_prefect_defaults()

from prefect.events import emit_event  # noqa: E402

from flows.landing import complete_batches  # noqa: E402
from flows.server import ServeError  # noqa: E402

LANDED_EVENT = "csc.batch.landed"
SWEEP_SECONDS = 60


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
    event = emit_event(
        event=LANDED_EVENT,
        resource={"prefect.resource.id": f"csc.landing-batch.{batch.name}", "prefect.resource.name": batch.name},
        payload={"batch_dir": str(batch)},
    )
    if event is None:
        raise ServeError("Prefect events are not enabled for this process (is PREFECT_API_URL set?)")
