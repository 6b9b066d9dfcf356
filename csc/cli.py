"""The ``csc`` command: generate demo data, load batches, run the demo."""

from __future__ import annotations

import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Children's social care performance pipeline: SSD extracts -> DuckDB warehouse -> indicators.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _parse_date(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


AsOf = Annotated[str, typer.Option("--as-of", help="Extract date, YYYY-MM-DD.")]


def _say(message: str) -> None:
    typer.echo(message, err=True)


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
) -> None:
    """Write a synthetic SSD batch: the SSD tables with six years of history up to --as-of, as a case system's
    SSD build exports them."""
    from csc.synthetic import SCALES, SYSTEM_NAMES, generate_batch

    if scale not in SCALES:
        raise typer.BadParameter(f"--scale must be one of {', '.join(SCALES)}")
    if system not in SYSTEM_NAMES:
        raise typer.BadParameter(f"--system must be one of {', '.join(SYSTEM_NAMES)}")
    if not 0 <= faults < 1:
        raise typer.BadParameter("--faults is a share of rows, from 0 up to 1")
    if faults > 0 and faults_log is None:
        raise typer.BadParameter("--faults needs --faults-log PATH, so the injected faults can be measured")
    started = time.perf_counter()
    rows = generate_batch(
        out,
        as_of=_parse_date(as_of),
        scale=scale,
        seed=seed,
        fault_rate=faults,
        faults_log=faults_log,
        system=system,
        extensions=extensions,
        progress=_say,
    )
    _say(f"wrote {sum(rows.values()):,} rows in {len(rows)} files to {out} in {time.perf_counter() - started:.1f}s")


@app.command()
def run(
    batch: Annotated[Path, typer.Option("--batch", help="Batch folder: one file per SSD table, and _READY.")],
    warehouse: Annotated[Path, typer.Option("--warehouse", help="Warehouse folder (holds warehouse.duckdb).")],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Extract date (default: the files' date stamps, else the date in _READY, else a date in the "
            "folder's name; never today, never in the future, never before the figures already published).",
        ),
    ] = None,
    assume_complete: Annotated[
        bool, typer.Option(help="Load a folder that has no _READY marker (only if you know it is complete).")
    ] = False,
    system: Annotated[
        str | None,
        typer.Option(
            help="The case system whose SSD build made the export: systemc, mosaic, eclipse or la-release "
            "(default: found from each file's header; CSC_EXPORT_SYSTEM sets it for every run)."
        ),
    ] = None,
) -> None:
    """Load a batch into the warehouse (raw, then staging) as a Prefect flow run.

    Exit status: 0 loaded; 1 nothing loaded (batch incomplete or unreadable, warehouse busy);
    2 loaded, but some files failed or were missing (named in the output).
    """
    from warehouse.batch import BatchError, list_batch

    _check_system(system)
    try:
        # Checked before Prefect starts: a folder that is not a batch is told at once.
        list_batch(batch, require_marker=not assume_complete)
    except BatchError as e:
        _say(f"error: {e}")
        raise typer.Exit(1) from None

    from flows.nightly import nightly_load
    from pipeline.stages import StageMismatch
    from warehouse.db import WarehouseBusy

    try:
        summary = nightly_load(
            batch,
            warehouse,
            as_of=_parse_date(as_of) if as_of else None,
            assume_complete=assume_complete,
            system=system,
        )
    except (BatchError, WarehouseBusy, StageMismatch, FileNotFoundError) as e:
        _say(f"error: {e}")
        raise typer.Exit(1) from None
    print_run_summary(summary)
    failed = [f for f in summary.load.files if f.status in ("failed", "missing")]
    if failed:
        raise typer.Exit(2)


def _check_system(system: str | None) -> None:
    from declarations.systems import SYSTEMS

    if system is not None and system not in SYSTEMS:
        raise typer.BadParameter(f"--system must be one of {', '.join(SYSTEMS)}")


def print_run_summary(summary) -> None:
    from declarations.systems import batch_shape

    load, staging = summary.load, summary.staging
    state = "already loaded (nothing changed)" if load.already_loaded else "loaded"
    _say(f"batch {summary.batch_id} ({summary.batch_folder}) as of {summary.as_of}: {state}")
    _say(
        f"  raw: {load.rows_loaded:,} rows from {sum(1 for f in load.files if f.file_name and f.status != 'ignored')}"
        f" files, {load.rows_rejected:,} rows rejected"
    )
    shapes = [f.export_shape for f in load.files if f.export_shape]
    if shapes:
        _say(f"  export shape: {batch_shape(shapes)}")
    if load.not_supplied:
        _say(f"  not in this export: {len(load.not_supplied)} optional tables ({', '.join(sorted(load.not_supplied))})")
    _say(
        f"  staging: {sum(staging.rows.values()):,} rows in {len(staging.rows)} tables; "
        f"{staging.sentinels_normalised:,} sentinel values normalised, {staging.values_rejected:,} values "
        f"rejected, {staging.unmapped_codes:,} codes unmapped, {staging.values_derived:,} person ids derived"
    )
    conformed = summary.conformed
    _say(
        f"  conformed: {sum(conformed.rows.values()):,} rows in {len(conformed.rows)} tables "
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
        f"  data quality: {quality.rules_failed} of {quality.rules_checked} rules failed, {quality.exceptions:,} "
        f"records to fix (marts: dq_exceptions); Data Docs: {quality.docs_index}"
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
    landing: LandingDir, warehouse: WarehouseDir, archive: ArchiveDir = None, quarantine: QuarantineDir = None
) -> None:
    """Load every complete batch (a folder with _READY) in the landing folder once, oldest first; archive each one
    that loads, quarantine each one that fails with the reason beside it. Exit status 1 if any was quarantined."""
    from flows.landing import BatchesQuarantined, load_landed_batches

    try:
        results = load_landed_batches(landing, warehouse, archive, quarantine)
    except BatchesQuarantined as e:
        _say(f"error: {e}")
        raise typer.Exit(1) from None
    for r in results:
        _say(f"{r.batch}: {r.status} in {r.moved_to}")
    if not results:
        _say(f"no complete batch in {landing}")


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
) -> None:
    """Serve the pipeline on a Prefect server until stopped: load the landing folder nightly (cron) and as soon
    as a batch lands (watcher -> csc.batch.landed event), one writer at a time; tell the pipeline's owners when a
    run fails. Reuses the server PREFECT_API_URL names, else starts `prefect server start`. See docs/operations.md.
    """
    from declarations.settings import settings
    from flows.serve import serve_pipeline
    from flows.server import ServeError

    config = settings()
    try:
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
    except ServeError as e:
        _say(f"error: {e}")
        raise typer.Exit(1) from None


@app.command()
def demo(
    folder: Annotated[Path | None, typer.Option("--dir", help="Where to put the demo batch and warehouse.")] = None,
    as_of: Annotated[str, typer.Option("--as-of", help="Extract date of the demo batch.")] = "2023-08-31",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
) -> None:
    """Generate a council-sized (la) batch and run everything the pipeline has on it."""
    from csc.synthetic import generate_batch
    from declarations.constants import READY_MARKER
    from declarations.settings import settings
    from flows.nightly import nightly_load

    folder = folder or settings().demo_dir
    batch_dir, warehouse_dir = folder / f"batch_{as_of.replace('-', '')}", folder / "warehouse"
    if not (batch_dir / READY_MARKER).exists():
        _say(f"1. generating an la-scale SSD batch as of {as_of} in {batch_dir}")
        generate_batch(batch_dir, as_of=_parse_date(as_of), scale="la", seed=seed, progress=_say)
    else:
        _say(f"1. reusing the demo batch in {batch_dir}")
    _say(f"2. loading it into {warehouse_dir / 'warehouse.duckdb'}")
    summary = nightly_load(batch_dir, warehouse_dir, as_of=_parse_date(as_of))
    print_run_summary(summary)
    from csc.report import write_reports
    from warehouse.marts import marts_path

    html_path, xlsx_path, text = write_reports(marts_path(warehouse_dir), folder)
    _say(f"\n3. the highlight report (period end {as_of}):\n")
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
        raise typer.BadParameter(f"--scale must be one of {', '.join(SCALES)}")
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

    try:
        html_path, xlsx_path, text = write_reports(marts_path(warehouse), out or warehouse)
    except (FileNotFoundError, LogoError) as e:  # no publication yet, or no logo at CSC_COUNCIL_LOGO
        _say(f"error: {e}")
        raise typer.Exit(1) from None
    typer.echo(text)
    _say(f"wrote {html_path}, its PDF {html_path.with_suffix('.pdf')} and {xlsx_path}")


@app.command("annex-a")
def annex_a(
    warehouse: WarehouseDir,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the lists into (created).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date the lists are for, YYYY-MM-DD (default: the published date).")
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
    try:
        day, lists = build_annex_a(
            warehouse, load_catalogue(settings().indicator_catalogue), as_of=wanted, months=months
        )
    except (AnnexAError, FileNotFoundError) as e:
        _say(f"error: {e}")
        raise typer.Exit(1) from None
    written = write_annex_a(lists, out, as_of=day, months=months)
    for number, frame in lists.items():
        _say(f"list {number}: {frame.height:,} rows")
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

    try:
        manifest = export_publication(warehouse, out, fmt, choose_tables(tables), overwrite=overwrite)
    except ExportError as e:
        _say(f"error: {e}")
        raise typer.Exit(1) from None
    for t in manifest["tables"]:
        _say(f"{t['file']}: {t['rows']:,} rows, {t['columns']} columns")
    _say(f"wrote {len(manifest['tables'])} tables as of {manifest['as_of']} and {out / 'manifest.json'}")


@app.command()
def catalogue(
    out: Annotated[Path, typer.Option("--out", help="Folder for the HTML pages (created).")],
) -> None:
    """Write the browsable catalogue: static HTML, offline, of every published table and column with its lineage
    back to the SSD columns each case system exports, and every indicator with the tables it reads."""
    from csc.catalogue import write_catalogue

    pages = write_catalogue(out)
    _say(f"wrote {len(pages)} pages; open {out / 'index.html'}")


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
