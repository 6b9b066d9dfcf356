"""The ``csc`` command: generate demo data, load batches, run the demo."""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer

# Typer 0.29 carries its own copy of Click: its commands raise that copy's errors, not the click package's.
from typer._click import exceptions as click
from typer.core import TyperGroup

# Tiny and free of imports: safe before --help answers, unlike the project's other modules (imported in commands).
from declarations.words import counted


class _Group(TyperGroup):
    """Exit status 1 for a mistyped or missing option as for any other bad argument: 2 means a degraded load."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as e:
            setattr(e, "exit_code", 1)  # noqa: B010 - the class attribute is Click's default: this error's own
            raise

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as e:
            setattr(e, "exit_code", 1)  # noqa: B010 - the class attribute is Click's default: this error's own
            raise


app = typer.Typer(
    cls=_Group,
    help="Children's social care performance pipeline: SSD extracts -> DuckDB warehouse -> indicators.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Set by the global --debug option: Prefect's log and full tracebacks on the terminal.
_options = {"debug": False}


@app.callback()
def _global_options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show Prefect's log and the full traceback of an error on the terminal.")
    ] = False,
) -> None:
    _options["debug"] = debug


def _say(message: str) -> None:
    typer.echo(message, err=True)


def fail(message: str, log_file: Path | None = None) -> NoReturn:
    """End a command on an error the user can act on: one line (two with the log's name), exit status 1."""
    _say(f"error: {message}")
    if log_file is not None:
        _say(f"  (the full log: {log_file})")
    raise typer.Exit(1)


@contextmanager
def command_errors(*expected: type[BaseException], log_file: Path | None = None) -> Iterator[None]:
    """Turn the errors a command expects into ``fail``'s one line. Anything else is a bug: its traceback goes to
    ``log_file`` (or a temporary file) and the message names it. With --debug every traceback is shown."""
    try:
        yield
    except (typer.Exit, typer.Abort, click.ClickException):
        raise
    except expected as e:
        if _options["debug"]:
            raise
        fail(str(e), log_file)
    except Exception as e:
        if _options["debug"]:
            raise
        if log_file is None:
            with tempfile.NamedTemporaryFile("w", prefix="csc-error-", suffix=".log", delete=False) as f:
                log_file = Path(f.name)
        with log_file.open("a", encoding="utf-8") as f:
            f.write(traceback.format_exc())
        fail(f"{type(e).__name__}: {e}", log_file)


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d+)")


def _parse_date(value: str, option: str = "--as-of") -> date:
    """A date as people write it in England (31/08/2023, day first) or ISO (2023-08-31)."""
    text = value.strip()
    try:
        if _ISO.fullmatch(text):
            return datetime.strptime(text, "%Y-%m-%d").date()
        uk = _UK.fullmatch(text)
        if uk:
            day, month, year = uk.groups()
            if len(year) != 4:
                fail(f"{option} {value!r}: write the year in full ({day}/{month}/20{year[-2:]}), so it is not a guess")
            return date(int(year), int(month), int(day))
    except ValueError as e:
        fail(f"{option} {value!r} is not a date ({e}); day first: 31/08/2023, or 2023-08-31")
    fail(f"{option} {value!r} is not a date: write 31/08/2023 (day first) or 2023-08-31")


AsOf = Annotated[str, typer.Option("--as-of", help="Extract date: 31/08/2023 (day first) or 2023-08-31.")]
CreateWarehouse = Annotated[
    bool,
    typer.Option(
        "--create-warehouse",
        help="Start a new warehouse in --warehouse if none is there (without it, a missing warehouse is an error, "
        "so a mistyped path never starts a new one).",
    ),
]


def _check_warehouse(warehouse: Path, create: bool) -> None:
    """Checked before Prefect starts: the warehouse is there, or the user asked for a new one."""
    if create or (warehouse / "warehouse.duckdb").is_file():
        return
    fail(
        f"{warehouse}: no warehouse here (no warehouse.duckdb). Check the path, or pass --create-warehouse to start one"
    )


def _published_warehouse(warehouse: Path) -> None:
    """For the commands that read a publication: a mistyped path is named as such, not as "nothing published"."""
    if not warehouse.is_dir():
        fail(f"{warehouse}: no such folder (--warehouse is the folder holding warehouse.duckdb and marts.duckdb)")


def _log_file(warehouse: Path, command: str) -> Path:
    folder = warehouse / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"csc-{command}-{datetime.now():%Y%m%d-%H%M%S}.log"


@contextmanager
def prefect_log(log_file: Path, on_record: Callable[[logging.LogRecord], None] | None = None) -> Iterator[None]:
    """Prefect's log goes to ``log_file`` (and to the UI through the API), not the terminal, where the command
    prints its own summary: otherwise a failed run's error is printed four times between two tracebacks. With
    --debug it stays on the terminal too. ``on_record`` sees each run's records (the progress display)."""
    root = logging.getLogger()
    console = [h for h in root.handlers if type(h).__name__ == "PrefectConsoleHandler"]
    to_file = logging.FileHandler(log_file, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    to_file.setLevel(logging.INFO)
    root.addHandler(to_file)
    if not _options["debug"]:
        for handler in console:
            root.removeHandler(handler)
    watcher = None
    if on_record is not None:
        watcher = _CallbackHandler(on_record)
        root.addHandler(watcher)
    try:
        yield
    finally:
        root.removeHandler(to_file)
        to_file.close()
        if watcher is not None:
            root.removeHandler(watcher)
        # Prefect's terminal handler stays away: the temporary server logs its stop when the process exits, after
        # the command's last line.


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Environment variables set for the block (for the processes it starts), as they were after it."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _CallbackHandler(logging.Handler):
    def __init__(self, callback: Callable[[logging.LogRecord], None]):
        super().__init__(logging.INFO)
        self.callback = callback

    def emit(self, record: logging.LogRecord) -> None:
        self.callback(record)


@contextmanager
def steps(total: int, label: str, *, plain: bool = True) -> Iterator[Callable[[str, bool], None]]:
    """A progress bar on the terminal for work that takes minutes (generation, each stage of a run); yields
    ``step(message, done)``: ``done`` moves the bar one step on. Not a terminal (a log, a test): each message is
    printed as a line instead (``plain=False``: nothing), so the output stays plain text."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield (lambda message, done: _say(message)) if plain else (lambda message, done: None)
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[note]}", style="dim"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total, note="")

        def step(message: str, done: bool) -> None:
            bar.update(task, advance=1 if done else 0, note=message[:80])

        yield step


# The nightly flow's tasks, in order: the run's progress bar moves on as each one starts.
RUN_STAGES = (
    "fingerprint_batch",
    "load_raw",
    "load_staging",
    "load_conformed",
    "check_quality",
    "publish_indicators",
    "alert_owners",
)


def _run_progress(step: Callable[[str, bool], None]) -> Callable[[logging.LogRecord], None]:
    """Feeds the progress bar from the run's log records: a new task is a stage done, its messages the note."""
    seen: list[str] = []

    def on_record(record: logging.LogRecord) -> None:
        task = getattr(record, "task_name", None)
        if task in RUN_STAGES and task not in seen:
            if seen:
                step(f"{seen[-1]} done", True)
            seen.append(task)
        if getattr(record, "flow_run_name", None) or task:
            step(record.getMessage(), False)

    return on_record


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the batch into (created).")],
    as_of: AsOf,
    scale: Annotated[str, typer.Option(help="Volume: la (a mid-size council), england, or tiny (tests).")] = "la",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same files.")] = 1,
    faults: Annotated[
        float, typer.Option(help="Inject recording problems into about this share of rows (0 to 1).")
    ] = 0.0,
    faults_log: Annotated[
        Path | None,
        typer.Option("--faults-log", help="CSV listing every injected fault (needed with --faults)."),
    ] = None,
    system: Annotated[
        str,
        typer.Option(
            help="Write the batch as this case system's SSD build exports it: systemc (Liquidlogic), mosaic, "
            "eclipse, la-release (the v1.2.4 council releases), or contract (the extract contract's own shape)."
        ),
    ] = "systemc",
    extensions: Annotated[
        bool,
        typer.Option(
            help="Include the local extensions (ext_cin_plan_reviews, ext_management_oversight and "
            "cont_contact_outcome_date) a council adds to supply indicators 1.1, 2.1 and 3.2."
        ),
    ] = True,
    councils: Annotated[
        int | None,
        typer.Option(
            "--councils",
            help="Write a region instead: this many councils of varied size and case system, one batch folder "
            "each in --out (council-001, ...), and councils.csv. England is about 150 councils of the la scale.",
        ),
    ] = None,
) -> None:
    """Write a synthetic SSD batch: the SSD tables with six years of history up to --as-of, as a case system's
    SSD build exports them (with --councils, one batch folder per council of a region)."""
    from csc.synthetic import SCALES, SYSTEM_NAMES, generate_batch
    from declarations.contract import TABLES

    if scale not in SCALES:
        fail(f"--scale must be one of {', '.join(SCALES)}, not {scale!r}")
    if councils is not None:
        if councils < 1:
            fail("--councils is how many councils to write: 1 or more")
        if faults > 0:
            fail("--faults is for one batch: a region's councils are written clean")
        _generate_region(out, _parse_date(as_of), councils, scale, seed)
        return
    if system not in SYSTEM_NAMES:
        fail(f"--system must be one of {', '.join(SYSTEM_NAMES)}, not {system!r}")
    if not 0 <= faults < 1:
        fail("--faults is a share of rows, from 0 up to 1")
    if faults > 0 and faults_log is None:
        fail("--faults needs --faults-log PATH, so the injected faults can be measured")
    day = _parse_date(as_of)
    started = time.perf_counter()
    with steps(len(TABLES), f"generating {scale}") as step, command_errors(OSError, ValueError):
        rows = generate_batch(
            out,
            as_of=day,
            scale=scale,
            seed=seed,
            fault_rate=faults,
            faults_log=faults_log,
            system=system,
            extensions=extensions,
            # each table written is a step ("ssd_person: 1,234 rows")
            progress=lambda message: step(message, message.endswith(" rows")),
        )
    _say(
        f"wrote {counted(sum(rows.values()), 'row')} in {counted(len(rows), 'file')} to {out} "
        f"in {time.perf_counter() - started:.1f}s"
    )


def _generate_region(out: Path, day: date, councils: int, scale: str, seed: int) -> None:
    from csc.synthetic.region import MANIFEST, generate_region

    started = time.perf_counter()
    with (
        steps(councils, f"generating {counted(councils, 'council')} ({scale})") as step,
        command_errors(OSError, ValueError),
    ):
        written = generate_region(
            out, councils=councils, as_of=day, scale=scale, seed=seed, progress=lambda m: step(m, True)
        )
    _say(
        f"wrote {counted(len(written), 'council')} to {out} (one batch folder each, and {MANIFEST}) "
        f"in {time.perf_counter() - started:.1f}s"
    )


@app.command()
def run(
    batch: Annotated[Path, typer.Option("--batch", help="Batch folder: one file per SSD table, and _READY.")],
    warehouse: Annotated[Path, typer.Option("--warehouse", help="Warehouse folder (holds warehouse.duckdb).")],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Extract date, 31/08/2023 or 2023-08-31 (default: the files' date stamps, else the date in _READY, "
            "else a date in the "
            "folder's name; never today, never in the future, never before the figures already published).",
        ),
    ] = None,
    assume_complete: Annotated[
        bool, typer.Option(help="Load a folder that has no _READY marker (only if you know it is complete).")
    ] = False,
    create_warehouse: CreateWarehouse = False,
    system: Annotated[
        str | None,
        typer.Option(
            help="The case system whose SSD build made the export: systemc, mosaic, eclipse or la-release "
            "(default: found from each file's header; CSC_EXPORT_SYSTEM sets it for every run)."
        ),
    ] = None,
) -> None:
    """Load a batch into the warehouse as a Prefect flow run named after the batch and its date.

    Exit status: 0 loaded clean; 1 nothing loaded (bad arguments, batch incomplete or unreadable, no warehouse,
    warehouse busy); 2 loaded but degraded (files failed or missing, rows rejected beyond tolerance, indicators
    withheld: named in the output); the run ends Degraded in Prefect.
    """
    from warehouse.batch import BatchError, list_batch

    # Every argument is checked before Prefect starts (seconds): a mistake is told at once.
    _check_system(system)
    day = _parse_date(as_of) if as_of else None
    with command_errors(BatchError):
        list_batch(batch, require_marker=not assume_complete)
    _check_warehouse(warehouse, create_warehouse)
    log_file = _log_file(warehouse, "run")

    summary = _nightly(batch, warehouse, log_file, as_of=day, assume_complete=assume_complete, system=system)
    print_run_summary(summary)
    _say(f"  log: {log_file}")
    if summary.degraded:
        raise typer.Exit(2)


def _nightly(batch: Path, warehouse: Path, log_file: Path, **options):
    """The nightly flow, its log in ``log_file``, a progress bar on a terminal; expected errors in one line."""
    with steps(7, f"loading {batch.name}", plain=False) as step:
        # imported first: importing Prefect installs its terminal log handler, which prefect_log then takes away
        from flows.nightly import nightly_load
        from pipeline.stages import StageMismatch
        from warehouse.batch import BatchError
        from warehouse.db import WarehouseBusy

        with (
            prefect_log(log_file, _run_progress(step)),
            command_errors(BatchError, WarehouseBusy, StageMismatch, FileNotFoundError, log_file=log_file),
        ):
            return nightly_load(batch, warehouse, **options)


def _check_system(system: str | None) -> None:
    from declarations.systems import SYSTEMS

    if system is not None and system not in SYSTEMS:
        fail(f"--system must be one of {', '.join(SYSTEMS)}, not {system!r}")


def print_run_summary(summary) -> None:
    from declarations.systems import batch_shape

    load, staging = summary.load, summary.staging
    state = "already loaded (nothing changed)" if load.already_loaded else "loaded"
    if summary.degraded:
        state += ", degraded (below)"
    _say(f"batch {summary.batch_id} ({summary.batch_folder}) as of {summary.as_of}: {state}")
    _say(
        f"  raw: {counted(load.rows_loaded, 'row')} from "
        f"{counted(sum(1 for f in load.files if f.file_name and f.status != 'ignored'), 'file')}, "
        f"{counted(load.rows_rejected, 'row')} rejected"
    )
    shapes = [f.export_shape for f in load.files if f.export_shape]
    if shapes:
        _say(f"  export shape: {batch_shape(shapes)}")
    if load.not_supplied:
        _say(f"  not in this export: {len(load.not_supplied)} optional tables ({', '.join(sorted(load.not_supplied))})")
    _say(
        f"  staging: {counted(sum(staging.rows.values()), 'row')} in {counted(len(staging.rows), 'table')}; "
        f"{staging.sentinels_normalised:,} sentinel values normalised, {staging.values_rejected:,} values "
        f"rejected, {staging.unmapped_codes:,} codes unmapped, {staging.values_derived:,} person ids derived"
    )
    conformed = summary.conformed
    _say(
        f"  conformed: {counted(sum(conformed.rows.values()), 'row')} in {counted(len(conformed.rows), 'table')} "
        f"in {conformed.seconds:.1f}s; "
        f"{conformed.excluded_rows:,} staging rows excluded with a reason, {conformed.orphan_rows:,} rows whose child "
        "is not in ssd_person; reconciliation "
        + ("balances" if not conformed.unbalanced_tables else f"DOES NOT BALANCE for {conformed.unbalanced_tables}")
    )
    types = conformed.involvement_types
    if types:
        holding = ", ".join(f"{role} {n:,}" for role, (n, holds) in types.items() if holds) or "none"
        other = ", ".join(f"{role} {n:,}" for role, (n, holds) in types.items() if not holds) or "none"
        _say(f"  involvements that hold a case: {holding}; that do not: {other} (CSC_CASE_HOLDING_ROLES)")
    quality = summary.quality
    _say(
        f"  data quality: {quality.rules_failed} of {counted(quality.rules_checked, 'rule')} failed, "
        f"{counted(quality.exceptions, 'record')} to fix (marts: dq_exceptions); pages: {quality.docs_index}"
    )
    unavailable = {
        ref: why for ref, (status, why) in summary.published.not_published.items() if status == "unavailable"
    }
    for ref, why in unavailable.items():
        if not ref.endswith(".rate"):
            _say(f"  UNAVAILABLE {ref}: {why}")
    _say(f"  alerts: {summary.alerts}")
    for ref, (status, why) in summary.published.not_published.items():
        if status == "withheld" and not ref.endswith(".rate"):
            _say(f"  WITHHELD {ref}: {why}")
    for f in load.problems:
        _say(f"  {f.status}: {f.message}")
    if summary.degraded:
        _say(f"DEGRADED (published what could be published): {'; '.join(summary.degraded)}")


LandingDir = Annotated[Path, typer.Option("--landing", help="Landing folder: one sub-folder per batch.")]
WarehouseDir = Annotated[Path, typer.Option("--warehouse", help="Warehouse folder (holds warehouse.duckdb).")]
ArchiveDir = Annotated[
    Path | None, typer.Option("--archive", help="Where loaded batches go (default: LANDING/../archive).")
]
QuarantineDir = Annotated[
    Path | None, typer.Option("--quarantine", help="Where failed batches go (default: LANDING/../quarantine).")
]


@app.command("run-landing")
def run_landing(
    landing: LandingDir,
    warehouse: WarehouseDir,
    archive: ArchiveDir = None,
    quarantine: QuarantineDir = None,
    create_warehouse: CreateWarehouse = False,
) -> None:
    """Load every complete batch (a folder with _READY) in the landing folder once, oldest first; archive each one
    that loads, quarantine each one that fails with the reason beside it. Exit status 1 if any was quarantined."""
    if not landing.is_dir():
        fail(f"{landing}: not a folder (the landing folder holds one sub-folder per batch)")
    _check_warehouse(warehouse, create_warehouse)
    log_file = _log_file(warehouse, "run-landing")
    from flows.landing import BatchesQuarantined, load_landed_batches  # before prefect_log: see _nightly

    with prefect_log(log_file), command_errors(BatchesQuarantined, log_file=log_file):
        results = load_landed_batches(landing, warehouse, archive, quarantine)
    for r in results:
        _say(f"{r.batch}: {r.status} in {r.moved_to}")
    if not results:
        _say(f"no complete batch in {landing}")


@app.command("run-region")
def run_region(
    landing: Annotated[
        Path, typer.Option("--landing", help="Landing folder: one sub-folder per council, each a batch with _READY.")
    ],
    warehouses: Annotated[
        Path, typer.Option("--warehouses", help="Folder of the councils' warehouses: one sub-folder per council.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for region.duckdb (created).")],
    create_warehouse: Annotated[
        bool,
        typer.Option(
            "--create-warehouse",
            help="Start a new warehouse for a council that has none in --warehouses (without it, a missing one is "
            "an error, so a mistyped path never starts new ones).",
        ),
    ] = False,
) -> None:
    """Load every council's batch (LANDING/<council>/) into its own warehouse (WAREHOUSES/<council>/), each as a task
    on a Dask cluster (local, CSC_DASK_WORKERS processes; or the scheduler CSC_DASK_ADDRESS), then write
    region.duckdb: every council's figures beside the region's, ranks and differences. Exit status 1 if a council
    failed (the region is still written from what the councils have published)."""
    from declarations.constants import READY_MARKER

    if not landing.is_dir():
        fail(f"{landing}: not a folder (the landing folder holds one sub-folder per council)")
    councils = sorted(p.name for p in landing.iterdir() if p.is_dir() and (p / READY_MARKER).is_file())
    if not councils:
        fail(f"{landing}: no council's batch here (a sub-folder per council, each with {READY_MARKER})")
    if not create_warehouse:
        missing = [c for c in councils if not (warehouses / c / "warehouse.duckdb").is_file()]
        if missing:
            fail(
                f"{warehouses}: no warehouse for {counted(len(missing), 'council')} ({', '.join(missing[:5])}"
                f"{', ...' if len(missing) > 5 else ''}). Check the path, or pass --create-warehouse to start them"
            )
    out.mkdir(parents=True, exist_ok=True)
    log_file = _log_file(out, "run-region")
    _say(f"loading {counted(len(councils), 'council')} from {landing} on a Dask cluster")
    started = time.perf_counter()
    from flows.region import region_run  # before prefect_log: see _nightly

    # The Dask workers are processes of their own: their Prefect log goes to the API (the UI), not the terminal.
    quiet = {} if _options["debug"] else {"PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL"}
    with prefect_log(log_file), environment(quiet), command_errors(OSError, log_file=log_file):
        result = region_run(landing, warehouses, out)
    failed = 0
    for run in result.councils:
        when = f" as of {run.as_of}" if run.as_of else ""
        took = f" in {run.seconds:.1f}s" if run.seconds is not None else ""
        _say(f"  {run.council_code}: {run.outcome}{when}{took}" + (f": {run.message}" if run.message else ""))
        failed += run.outcome == "failed"
    _say(
        f"wrote {result.region_file} ({counted(len(result.councils), 'council')}, {failed:,} failed; "
        f"cluster: {result.cluster}) in {time.perf_counter() - started:.1f}s; log: {log_file}"
    )
    if failed:
        raise typer.Exit(1)


@app.command()
def serve(
    landing: LandingDir,
    warehouse: WarehouseDir,
    archive: ArchiveDir = None,
    quarantine: QuarantineDir = None,
    cron: Annotated[
        str | None, typer.Option(help="Nightly schedule, cron syntax (default: CSC_SCHEDULE_CRON, 0 2 * * *).")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Time zone of --cron (default: CSC_SCHEDULE_TIMEZONE, Europe/London).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port for the Prefect server, if csc serve has to start one (default 4200).")
    ] = None,
    create_warehouse: CreateWarehouse = False,
) -> None:
    """Serve the pipeline on a Prefect server until stopped: load the landing folder nightly (cron) and as soon
    as a batch lands (watcher -> csc.batch.landed event), one writer at a time; tell the pipeline's owners when a
    run fails. Reuses the server PREFECT_API_URL names, else starts `prefect server start`. See docs/operations.md.
    """
    _check_warehouse(warehouse, create_warehouse)
    from declarations.settings import settings
    from flows.serve import serve_pipeline
    from flows.server import ServeError

    config = settings()
    with command_errors(ServeError):
        serve_pipeline(
            landing,
            warehouse,
            archive,
            quarantine,
            cron=cron or config.schedule_cron,
            timezone=timezone or config.schedule_timezone,
            port=port or config.prefect_port,
            say=_say,
        )


@app.command()
def demo(
    folder: Annotated[Path | None, typer.Option("--dir", help="Where to put the demo batch and warehouse.")] = None,
    as_of: Annotated[str, typer.Option("--as-of", help="Extract date of the demo batch.")] = "2023-08-31",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
) -> None:
    """Generate a council-sized (la) batch and run everything the pipeline has on it."""
    from csc.synthetic import generate_batch
    from declarations.constants import READY_MARKER
    from declarations.contract import TABLES
    from declarations.settings import settings

    day = _parse_date(as_of)
    folder = folder or settings().demo_dir
    batch_dir, warehouse_dir = folder / f"batch_{day:%Y%m%d}", folder / "warehouse"
    if not (batch_dir / READY_MARKER).exists():
        _say(f"1. generating an la-scale SSD batch as of {day} in {batch_dir}")
        with steps(len(TABLES), "generating la") as step:
            generate_batch(
                batch_dir,
                as_of=day,
                scale="la",
                seed=seed,
                progress=lambda message: step(message, message.endswith(" rows")),
            )
    else:
        _say(f"1. reusing the demo batch in {batch_dir}")
    # the demo makes its own warehouse: its folder is the demo's, never one a user typed for real data
    _say(f"2. loading it into {warehouse_dir / 'warehouse.duckdb'}")
    summary = _nightly(batch_dir, warehouse_dir, _log_file(warehouse_dir, "demo"), as_of=day)
    print_run_summary(summary)
    from csc.report import write_reports
    from warehouse.marts import marts_path

    html_path, xlsx_path, text = write_reports(marts_path(warehouse_dir), folder)
    _say(f"\n3. the highlight report (period end {day}):\n")
    typer.echo(text)
    from csc.annex_a import write_annex_a
    from declarations.catalogue import load_catalogue
    from warehouse.annex_a import build_annex_a

    day, lists = build_annex_a(warehouse_dir, load_catalogue(settings().indicator_catalogue))
    annex = write_annex_a(lists, folder / "annex-a", as_of=day, months=6)
    _say(f"\nReport: {html_path}, {html_path.with_suffix('.pdf')} and {xlsx_path}")
    _say(f"Ofsted's Annex A lists: {annex[0]} and {len(annex) - 1} CSVs (personal data: dates of birth)")
    _say(f"Explore: duckdb -readonly {marts_path(warehouse_dir)}  (indicator_values, indicator_records, ...)")


@app.command()
def bench(
    scale: Annotated[
        str, typer.Option(help="la (a mid-size council), england (every council), or tiny (a quick check).")
    ] = "la",
    folder: Annotated[
        Path | None, typer.Option("--dir", help="Where the batch and warehouse go (default: .csc-bench/SCALE).")
    ] = None,
    as_of: Annotated[str, typer.Option("--as-of", help="Extract date of the generated batch.")] = "2023-08-31",
    seed: Annotated[int, typer.Option(help="Random seed of the generated batch.")] = 1,
    regenerate: Annotated[bool, typer.Option(help="Write a new batch even if one is there.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="JSON file for the figures (default: DIR/bench-SCALE.json).")
    ] = None,
    max_memory_gb: Annotated[
        float | None,
        typer.Option(
            "--max-memory-gb",
            help="Stop the run (exit 3, figures so far reported) when it holds more memory than this "
            "(default: the machine's memory less 2 GB).",
        ),
    ] = None,
) -> None:
    """Measure the pipeline stage by stage on a generated batch (reused if there): wall time, rows per second and
    peak memory of each stage, and the floor (DuckDB reading the same files once). Prefect's start-up is left out."""
    from csc.bench import machine, run_bench, write_figures
    from csc.synthetic import SCALES

    if scale not in SCALES:
        fail(f"--scale must be one of {', '.join(SCALES)}, not {scale!r}")
    folder = folder or Path(".csc-bench") / scale
    path = out or folder / f"bench-{scale}.json"

    def report(result) -> None:
        write_figures(result, path)
        typer.echo(
            f"\n{scale}: {result.batch_rows:,} rows in {result.batch_mb:,.0f} MB of files, "
            f"{result.machine['cores']} cores, {result.machine['memory_gb']} GB\n"
        )
        typer.echo(result.table())
        _say(f"\nfigures written to {path}")

    total_gb = machine()["memory_gb"]
    cap = max_memory_gb * 1024 if max_memory_gb else (total_gb * 1024 - 2048 if total_gb else None)
    result = run_bench(
        scale,
        folder,
        as_of=_parse_date(as_of),
        seed=seed,
        regenerate=regenerate,
        say=_say,
        memory_cap_mb=cap,
        on_stop=report,
    )
    report(result)


@app.command()
def report(
    warehouse: Annotated[Path, typer.Option("--warehouse", help="Warehouse folder (holds marts.duckdb).")],
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the report files (default: warehouse).")] = None,
) -> None:
    """Write the highlight report from the published marts: an HTML page (readable offline), its PDF and an Excel
    workbook."""
    from csc.report import LogoError, write_reports
    from warehouse.marts import marts_path

    _published_warehouse(warehouse)
    with command_errors(FileNotFoundError, LogoError):  # no publication yet, or no logo at CSC_COUNCIL_LOGO
        html_path, xlsx_path, text = write_reports(marts_path(warehouse), out or warehouse)
    typer.echo(text)
    _say(f"wrote {html_path}, its PDF {html_path.with_suffix('.pdf')} and {xlsx_path}")


@app.command("annex-a")
def annex_a(
    warehouse: WarehouseDir,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the lists into (created).")],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date the lists are for: 31/08/2023 or 2023-08-31 (default: the published date)."),
    ] = None,
    months: Annotated[int, typer.Option("--months", min=1, max=24, help="Months the lists cover.")] = 6,
) -> None:
    """Write Ofsted's Annex A lists (a workbook and a CSV each, dates dd/mm/yyyy). They hold personal data (dates
    of birth): they go only to --out, never into marts.duckdb."""
    from csc.annex_a import write_annex_a
    from declarations.catalogue import load_catalogue
    from declarations.settings import settings
    from warehouse.annex_a import AnnexAError, build_annex_a

    wanted = _parse_date(as_of) if as_of else None
    _published_warehouse(warehouse)
    with command_errors(AnnexAError, FileNotFoundError):
        day, lists = build_annex_a(
            warehouse, load_catalogue(settings().indicator_catalogue), as_of=wanted, months=months
        )
        written = write_annex_a(lists, out, as_of=day, months=months)
    for number, frame in lists.items():
        _say(f"list {number}: {counted(frame.height, 'row')}")
    _say(f"wrote {len(written)} files to {out}: they hold personal data (dates of birth); keep them safe")


@app.command("dq-suites")
def dq_suites() -> None:
    """Rewrite the Great Expectations suites in expectations/suites/ from the rule catalogue and the contract."""
    from expectations.declared import load_rules
    from expectations.suites import write_suites

    for path in write_suites(load_rules()):
        _say(f"wrote {path}")


@app.command()
def dictionary(
    out: Annotated[Path, typer.Option("--out", help="Markdown file to write.")] = Path("docs/data-dictionary.md"),
) -> None:
    """Write the data dictionary (every table and column, from the contract declaration) as Markdown."""
    from warehouse.dictionary import data_dictionary_markdown

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(data_dictionary_markdown(), encoding="utf-8")
    _say(f"wrote {out}")


@app.command()
def export(
    warehouse: Annotated[Path, typer.Option("--warehouse", help="Warehouse folder (holds marts.duckdb).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the files (created; must be empty).")],
    fmt: Annotated[str, typer.Option("--format", help="parquet (exact types, for Power BI) or csv (for Excel).")],
    tables: Annotated[
        str | None, typer.Option("--tables", help="Comma-separated published tables (default: all of them).")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an earlier export's files in --out.")] = False,
) -> None:
    """Write the published tables (marts.duckdb) one file each, with manifest.json: rows, columns, sha256 and the
    publication's run, batch and as-of date. CSV is UTF-8 with a BOM, ISO dates; see docs/analyst-guide.md."""
    from warehouse.export import ExportError, choose_tables, export_publication

    with command_errors(ExportError):
        manifest = export_publication(warehouse, out, fmt, choose_tables(tables), overwrite=overwrite)
    for t in manifest["tables"]:
        _say(f"{t['file']}: {counted(t['rows'], 'row')}, {counted(t['columns'], 'column')}")
    _say(f"wrote {len(manifest['tables'])} tables as of {manifest['as_of']} and {out / 'manifest.json'}")


@app.command()
def catalogue(
    out: Annotated[Path, typer.Option("--out", help="Folder for the HTML pages (created).")],
) -> None:
    """Write the browsable catalogue: static HTML, offline, of every published table and column with its lineage
    back to the SSD columns each case system exports, and every indicator with the tables it reads."""
    from csc.catalogue import write_catalogue

    with command_errors(OSError):
        pages = write_catalogue(out)
    _say(f"wrote {len(pages)} pages; open {out / 'index.html'}")


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
