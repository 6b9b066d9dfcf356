"""Schema ``dq`` in the warehouse: data-quality results per run and rule (kept for the trend), the run's
exceptions with the team each belongs to, and what has been alerted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import polars as pl

from declarations.constants import UNALLOCATED_TEAM
from declarations.operations import ALERTS_SENT, EXCEPTIONS, RULE_RESULTS
from expectations.runner import DocsBuild, QualityResult
from warehouse.db import arrow_frame, ensure_tables

DQ_TABLES = (RULE_RESULTS, EXCEPTIONS, ALERTS_SENT)


# dq.exceptions, as the alerts read them: one row per failing record per rule, all text.
EXCEPTION_COLUMNS = EXCEPTIONS.column_names


@dataclass
class QualitySummary:
    rules_checked: int
    rules_failed: int
    exceptions: int
    blocking_rules_failed: list[str]
    withheld_indicators: list[str]
    docs_index: str | None
    # The run's Data Docs while they are still being written (the publish stage waits for them): handed on as
    # part of the stage's result, never kept between runs.
    docs_build: DocsBuild | None = field(default=None, repr=False, compare=False)


def exceptions_with_teams(
    con: duckdb.DuckDBPyConnection, exceptions: pl.DataFrame, as_of: date, unallocated: str = UNALLOCATED_TEAM
) -> pl.DataFrame:
    """Each exception's team: the team of the child's case-holding involvement open at the batch date (the most
    senior role, then the latest started), else 'unallocated' (routed to the performance team)."""
    teams = arrow_frame(
        con.sql(
            """
            -- the same involvement the indicators count the child for (transforms.indicators.allocated)
            SELECT person_id,
                   first(team_id ORDER BY case_holding_rank, start_date DESC, involvement_id DESC) AS team_id
            FROM conformed.allocation
            WHERE is_case_holding AND start_date <= ? AND (end_date IS NULL OR end_date > ?)
            GROUP BY person_id
            """,
            params=[as_of, as_of],
        )
    )
    return exceptions.join(teams, on="person_id", how="left").with_columns(pl.col("team_id").fill_null(unallocated))


def record_quality(
    con: duckdb.DuckDBPyConnection, result: QualityResult, *, run_id: str, batch_id: str, as_of: date
) -> QualitySummary:
    """Store the run's results and its exceptions (with rule details and teams); return the summary."""
    ensure_tables(con, DQ_TABLES)
    rules = pl.DataFrame(
        [
            (
                o.rule.id,
                o.rule.description,
                o.rule.severity,
                o.rule.owner,
                ", ".join(o.rule.indicators),
                o.rule.table,
                o.checked,
                o.failed,
                o.passed,
                "failed" if o.failed else "passed",
            )
            for o in result.outcomes
        ],
        schema=[
            "rule_id",
            "description",
            "severity",
            "owner",
            "indicators",
            "table_name",
            "records_checked",
            "records_failed",
            "records_passed",
            "status",
        ],
        orient="row",
    )
    exceptions = (
        exceptions_with_teams(con, result.exceptions, as_of)
        .join(rules.select("rule_id", "severity", "owner"), on="rule_id", how="left")
        .with_columns(pl.lit(run_id).alias("run_id"))
        .select(EXCEPTION_COLUMNS)
    )
    con.begin()
    try:
        con.register("dq_rules_frame", rules.to_arrow())
        con.execute(
            "INSERT INTO dq.rule_results SELECT ?, ?, now()::TIMESTAMP, * FROM dq_rules_frame", [run_id, batch_id]
        )
        con.unregister("dq_rules_frame")
        con.execute("DELETE FROM dq.exceptions")
        con.register("dq_exceptions_frame", exceptions.to_arrow())
        con.execute("INSERT INTO dq.exceptions SELECT * FROM dq_exceptions_frame")
        con.unregister("dq_exceptions_frame")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    summary = QualitySummary(
        rules_checked=len(result.outcomes),
        rules_failed=sum(1 for o in result.outcomes if o.failed),
        exceptions=exceptions.height,
        blocking_rules_failed=[r.id for r in result.blocking_failures],
        withheld_indicators=sorted(result.withheld_indicators),
        docs_index=str(result.docs_index) if result.docs_index else None,
        docs_build=result.docs_build,
    )
    return summary


def rule_summary(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """This run's results per rule, with the previous run's failures for the trend."""
    return arrow_frame(
        con.sql(
            """
            WITH runs AS (SELECT run_id, min(run_at) AS run_at FROM dq.rule_results GROUP BY run_id),
            previous AS (
                SELECT run_id FROM runs WHERE run_at < (SELECT run_at FROM runs WHERE run_id = $1)
                ORDER BY run_at DESC LIMIT 1
            )
            SELECT r.rule_id, r.description, r.severity, r.owner, r.indicators, r.table_name, r.records_checked,
                   r.records_failed, r.records_passed, p.records_failed AS previous_records_failed, r.status
            FROM dq.rule_results r
            LEFT JOIN dq.rule_results p ON p.rule_id = r.rule_id AND p.run_id = (SELECT run_id FROM previous)
            WHERE r.run_id = $1
            ORDER BY r.status, r.severity, r.rule_id
            """,
            params=[run_id],
        )
    )


def alert_inputs(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """What the alerts read: the run's exceptions (with the team's name, and the allocated worker's name where the
    case system exports names, else the worker's id), its rules, and what was alerted before."""
    return (
        # The worker: the case-holding involvement in the exception's team open at the batch's extract date, most
        # senior first (the involvement exceptions_with_teams chose the team by). Names go only to the team that
        # fixes the record, never into marts.duckdb.
        arrow_frame(
            con.sql(
                """
                WITH batch AS (
                    SELECT b.extract_date FROM raw.load_batches b
                    WHERE b.batch_id = (SELECT any_value(batch_id) FROM dq.rule_results WHERE run_id = $1)
                ),
                worker AS (
                    SELECT a.person_id, a.team_id,
                           first(a.worker_id ORDER BY a.case_holding_rank, a.start_date DESC, a.involvement_id DESC)
                               AS worker_id
                    FROM conformed.allocation a, batch
                    WHERE a.is_case_holding AND a.start_date <= batch.extract_date
                      AND (a.end_date IS NULL OR a.end_date > batch.extract_date)
                    GROUP BY a.person_id, a.team_id
                )
                SELECT e.*, t.team_name,
                       coalesce(nullif(trim(p.prof_professional_name), ''), w.worker_id) AS worker
                FROM dq.exceptions e
                LEFT JOIN conformed.team t ON t.team_id = e.team_id
                LEFT JOIN worker w ON w.person_id = e.person_id AND w.team_id = e.team_id
                LEFT JOIN (SELECT prof_professional_id, any_value(prof_professional_name) AS prof_professional_name
                           FROM staging.ssd_professionals GROUP BY ALL) p
                       ON p.prof_professional_id = w.worker_id
                """,
                params=[run_id],
            )
        ),
        arrow_frame(
            con.sql(
                "SELECT rule_id, description, severity, owner, indicators FROM dq.rule_results WHERE run_id = ?",
                params=[run_id],
            )
        ),
        con.sql("SELECT owner, rule_id, table_name, record_id FROM dq.alerts_sent").pl(),
    )


def record_alerts_sent(con: duckdb.DuckDBPyConnection, sent: pl.DataFrame) -> None:
    """Remember what was alerted (owner, rule_id, table_name, record_id, run_id), so the next run sends only what is
    new."""
    if not sent.height:
        return
    con.register("alerts_sent_frame", sent.to_arrow())
    try:
        con.execute(
            "INSERT INTO dq.alerts_sent SELECT owner, rule_id, table_name, record_id, run_id, now()::TIMESTAMP "
            "FROM alerts_sent_frame"
        )
    finally:
        con.unregister("alerts_sent_frame")


def alert_batch(con: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    """The run's batch as the alerts name it: its extract date (else its id)."""
    rows = con.execute(
        """
        SELECT coalesce(CAST(b.extract_date AS VARCHAR), r.batch_id)
        FROM (SELECT any_value(batch_id) AS batch_id FROM dq.rule_results WHERE run_id = ?) r
        LEFT JOIN raw.load_batches b ON b.batch_id = r.batch_id
        """,
        [run_id],
    ).fetchall()
    return rows[0][0] if rows else None
