"""The pipeline's stages, each from a warehouse folder to its results. The Prefect flow (flows/nightly.py) runs each
as a task; `csc bench` runs and measures them one by one. Each opens and closes its own connection, so a stage
never holds the warehouse longer than it works on it."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from alerts.delivery import AnyLogger
from alerts.send import AlertReport, send_alerts
from declarations.catalogue import load_catalogue
from declarations.comparators import load_comparators
from declarations.settings import AlertSettings, case_holding_roles, settings
from expectations.declared import load_rules
from expectations.quality import (
    QualitySummary,
    alert_batch,
    alert_inputs,
    record_alerts_sent,
    record_quality,
    rule_summary,
)
from expectations.runner import DocsBuild, quiet_gx, run_quality
from transforms.timescales import Timescales
from warehouse.batch import Batch, BatchError
from warehouse.conformed import ConformedResult, build_and_write_conformed
from warehouse.db import connect
from warehouse.marts import build_publication, keep_first_published, publish
from warehouse.raw import BatchLoad, load_batch
from warehouse.staging import StagingBuild, build_staging

Progress = Callable[[str], None]


def _silent(message: str) -> None:
    pass


def warm_up() -> threading.Thread | None:
    """Import Great Expectations in a background thread, once per process. The import is about 3 s of Python that
    the data-quality stage would otherwise wait for. Staging and conformed spend their time inside single DuckDB
    statements and polars queries, which release the GIL, so the import overlaps them; raw does not (it
    transcodes in Python and runs many short statements), and overlapping it there made raw twice as slow."""
    if "great_expectations" in sys.modules:
        return None

    def import_gx() -> None:
        quiet_gx()
        import great_expectations  # noqa: F401

    thread = threading.Thread(target=import_gx, name="csc-import-gx", daemon=True)
    thread.start()
    return thread


class StageMismatch(Exception):
    """A stage found another batch's or run's data where its own should be: it stops rather than build on it."""


def _first(con: duckdb.DuckDBPyConnection, sql: str) -> tuple | None:
    try:
        rows = con.execute(sql).fetchall()  # all of it: a result left unread blocks the connection's next statement
    except duckdb.CatalogException:  # the stage before never ran on this warehouse
        return None
    return rows[0] if rows else None


def _expect(con: duckdb.DuckDBPyConnection, stage: str, batch_id: str, run_id: str | None = None) -> None:
    """Each stage checks it reads what the run built: staging holds the run's batch; conformed (and, for the
    publication, the data-quality results) were built by this run. With the writer slot held this never fails;
    it is the last line should two writers ever meet."""
    found = []
    staged = _first(con, "SELECT max(batch_id) FROM staging.current_batch")
    if not staged or staged[0] != batch_id:
        found.append(f"staging holds batch {staged[0] if staged else None}")
    if run_id is not None:
        built = _first(con, "SELECT run_id, batch_id FROM conformed.reconciliation ORDER BY built_at DESC LIMIT 1")
        if built != (run_id, batch_id):
            found.append(f"conformed was built by run {built[0] if built else None}")
        if stage == "publish":
            checked = _first(con, "SELECT run_id FROM dq.rule_results ORDER BY run_at DESC LIMIT 1")
            if checked != (run_id,):
                found.append(f"the data-quality results are run {checked[0] if checked else None}'s")
    if found:
        raise StageMismatch(
            f"{stage} for run {run_id or '-'}, batch {batch_id}: {'; '.join(found)}. Another writer reached this "
            "warehouse; nothing was published. Run the batch again"
        )


# What a run leaves behind when it is killed: raw's transcoded copies of files, a publication half built.
LEFTOVER_PATTERNS = ("tmp/*.utf8.csv", "marts.duckdb.building-*")


def clear_leftovers(warehouse_dir: Path) -> list[str]:
    """Remove what killed runs left (call with the writer slot held: no live run owns them); their names."""
    removed = []
    for pattern in LEFTOVER_PATTERNS:
        for path in sorted(Path(warehouse_dir).glob(pattern)):
            if path.is_file() and not path.is_symlink():
                path.unlink()
                removed.append(path.name)
    return removed


def load_raw(batch: Batch, warehouse_dir: Path, progress: Progress = _silent, system: str | None = None) -> BatchLoad:
    with connect(warehouse_dir) as con:
        return load_batch(
            con,
            batch,
            work_dir=warehouse_dir / "tmp",
            keep_batches=settings().raw_batches_kept,
            system=system or settings().export_system,
            progress=progress,
        )


def load_staging(warehouse_dir: Path, batch_id: str, progress: Progress = _silent) -> StagingBuild:
    warm_up()
    with connect(warehouse_dir) as con:
        return build_staging(con, batch_id, progress=progress)


def require_rows(batch_folder: Path, loaded: BatchLoad, staged: StagingBuild) -> None:
    """Stop a batch from which no row could be loaded (every file empty, failed or rejected whole): figures from
    nothing would replace the last good publication."""
    if not sum(staged.rows.values()):
        problems = [p.message for p in loaded.problems if p.status != "missing"][:5]
        raise BatchError(
            f"{batch_folder}: no rows could be loaded from any file; nothing was published and the last publication "
            f"stays. {' '.join(problems)}"
        )


def load_conformed(
    warehouse_dir: Path, batch_id: str, as_of: date, run_id: str, progress: Progress = _silent
) -> ConformedResult:
    timescales = Timescales.from_catalogue(load_catalogue(settings().indicator_catalogue))
    with connect(warehouse_dir) as con:
        _expect(con, "conformed", batch_id)
        return build_and_write_conformed(
            con,
            batch_id=batch_id,
            as_of=as_of,
            run_id=run_id,
            timescales=timescales,
            case_holding_roles=case_holding_roles(),
            progress=progress,
        )


def check_quality(warehouse_dir: Path, batch_id: str, as_of: date, run_id: str) -> QualitySummary:
    """Every data-quality rule (Great Expectations), results stored in ``dq``, Data Docs per run (still being
    written when this returns: the summary carries the build, and ``publish_indicators`` waits for it)."""
    docs_dir = warehouse_dir / "dq-docs" / f"{as_of:%Y%m%d}-{run_id[:8]}"
    with connect(warehouse_dir) as con:
        _expect(con, "data quality", batch_id, run_id)
        result = run_quality(con, rules=load_rules(), as_of=as_of, docs_dir=docs_dir, docs_in_background=True)
        return record_quality(con, result, run_id=run_id, batch_id=batch_id, as_of=as_of)


@dataclass
class Publication:
    path: Path
    rows: dict[str, int]
    # indicator ref -> (status, reason) for the indicators not published as usual at the run's date
    not_published: dict[str, tuple[str, str]]

    @property
    def withheld(self) -> list[str]:
        return [ref for ref, (status, _) in self.not_published.items() if status == "withheld"]


def publish_indicators(
    warehouse_dir: Path, batch_id: str, as_of: date, run_id: str, docs: DocsBuild | None = None
) -> Publication:
    """Compute the indicators from conformed, decide what is published, withheld or unavailable (the materiality
    gate reads the run's data-quality results), and swap in a new marts.duckdb. ``docs``: the run's Data Docs
    still being written (``QualitySummary.docs_build``); a failed build fails the run before anything is published."""
    with connect(warehouse_dir) as con:
        _expect(con, "publish", batch_id, run_id)
        catalogue = load_catalogue(settings().indicator_catalogue)
        refs = frozenset(i.ref for i in catalogue.indicators)
        tables = build_publication(
            con,
            catalogue=catalogue,
            as_of=as_of,
            run_id=run_id,
            batch_id=batch_id,
            dq_exceptions=con.sql("SELECT * EXCLUDE (team_id) FROM dq.exceptions").pl(),
            dq_rule_summary=rule_summary(con, run_id),
            dates_unsure=frozenset(r.id for r in load_rules() if r.dates_unsure),
            caseload_threshold=settings().caseload_threshold,
            drift_days=settings().drift_days,
            comparators=load_comparators(settings().comparators_file, refs=refs),
        )
    if docs is not None:
        docs.wait()
    report = tables["highlight_report"].filter(pl.col("status") != "published")
    path = publish(warehouse_dir, tables)
    # kept once the publication is in place: a run that fails before never counts as a month's first publication
    with connect(warehouse_dir) as con:
        keep_first_published(con, tables, run_id=run_id, batch_id=batch_id)
    return Publication(
        path,
        {name: frame.height for name, frame in tables.items()},
        {
            ref: (status, reason or "")
            for ref, status, reason in report.select("indicator_ref", "status", "status_reason").iter_rows()
        },
    )


def alert_owners(
    warehouse_dir: Path, run_id: str, alert_settings: AlertSettings, *, logger: AnyLogger | None = None
) -> AlertReport:
    """Send each owner the run's new records to fix in their teams (email and webhook); remember what was sent."""
    with connect(warehouse_dir) as con:
        exceptions, rules, already_sent = alert_inputs(con, run_id)
        report = send_alerts(
            exceptions,
            rules,
            run_id=run_id,
            already_sent=already_sent,
            settings=alert_settings,
            logger=logger,
            batch=alert_batch(con, run_id),
        )
        record_alerts_sent(con, report.rows_to_store)
    return report


def degradations(loaded: BatchLoad, published: Publication, rejected_tolerance: float) -> list[str]:
    """Why a run that published is not clean, one reason a line (empty: clean). A file that failed or is missing,
    a file with more rows rejected than the tolerance allows, an indicator withheld: each leaves the publication
    short of what the batch should have given, so the run must not look like an ordinary success."""
    missing = [f.table_name for f in loaded.files if f.status == "missing"]
    reasons = (
        [f"{len(missing)} file{'s' if len(missing) != 1 else ''} missing: {', '.join(missing)}"] if missing else []
    )
    reasons += [f"failed: {f.message or f.file_name}" for f in loaded.files if f.status == "failed"]
    for f in loaded.files:
        seen = f.rows_loaded + f.rows_rejected
        if f.rows_rejected and seen and f.rows_rejected / seen > rejected_tolerance:
            reasons.append(
                f"{f.file_name}: {f.rows_rejected:,} of {seen:,} rows rejected ({f.rows_rejected / seen:.1%}, "
                f"tolerance {rejected_tolerance:.1%})"
            )
    withheld = [ref for ref in published.withheld if not ref.endswith(".rate")]
    if withheld:
        reasons.append(f"{len(withheld)} indicator{'s' if len(withheld) != 1 else ''} withheld: {', '.join(withheld)}")
    return reasons


@dataclass
class FailedRule:
    rule_id: str
    description: str
    severity: str
    records: int


def failed_rules(warehouse_dir: Path, run_id: str) -> list[FailedRule]:
    """The run's failed data-quality rules, most severe first, for the run's summary."""
    with connect(warehouse_dir) as con:
        rules = rule_summary(con, run_id).filter(pl.col("status") == "failed")
    return [
        FailedRule(
            str(r["rule_id"]), str(r["description"] or ""), str(r["severity"] or ""), int(r["records_failed"] or 0)
        )
        for r in rules.iter_rows(named=True)
    ]
