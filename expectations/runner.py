"""Validate a batch: run every rule's SQL on the warehouse, validate each table with its Great Expectations suite,
and return the results per rule and the record-level exceptions.

A rule that crashes fails the run loudly (``RuleCrashed``): a check is never skipped.
"""

from __future__ import annotations

import html
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

import duckdb
import polars as pl

from declarations.contract import TABLES_BY_NAME
from declarations.tables import literal, quote
from expectations.pages import SUMMARY_PAGE, RuleCount, offline_gx_pages, write_pages
from expectations.rules import BATCH_TABLE, Rule
from expectations.suites import basic_rules, flag_column, read_suites
from warehouse.db import arrow_frame

VIOLATION_SCHEMA = pl.Schema(
    {
        "rule_id": pl.String,
        "record_id": pl.String,
        "person_id": pl.String,
        "value": pl.String,
        "message": pl.String,
    }
)


class RuleCrashed(RuntimeError):
    """A rule's check could not run: the run fails rather than publish figures that were not checked."""


@dataclass
class RuleOutcome:
    rule: Rule
    checked: int
    failed: int

    @property
    def passed(self) -> int:
        return self.checked - self.failed


class DocsBuild:
    """Data Docs written in a background thread. They are only read by people, so the run need not wait for them
    before publishing: building them is 1 s of Python that overlaps the publish stage's polars work."""

    def __init__(self, work: Callable[[], object]):
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), name="csc-data-docs", daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], object]) -> None:
        try:
            work()
        except BaseException as e:  # re-raised in wait(), on the run's own thread
            self._error = e

    def wait(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


@dataclass
class QualityResult:
    outcomes: list[RuleOutcome]
    exceptions: pl.DataFrame  # rule_id, table_name, record_id, person_id, column_name, value, message
    docs_index: Path | None = None
    docs_build: DocsBuild | None = None  # set while the Data Docs are still being written

    def docs_written(self) -> Path | None:
        """The data-quality summary page, once written (waits for a build in the background)."""
        if self.docs_build is not None:
            self.docs_build.wait()
        return self.docs_index

    @property
    def blocking_failures(self) -> list[Rule]:
        return [o.rule for o in self.outcomes if o.rule.is_blocking and o.failed]

    @property
    def withheld_indicators(self) -> set[str]:
        """The indicators a failed blocking (batch-level) check puts wholly in doubt: they are withheld whole."""
        return {ref for rule in self.blocking_failures for ref in rule.indicators}


def _is_personal(rule: Rule) -> bool:
    t = TABLES_BY_NAME.get(rule.table)
    return bool(t and rule.column and rule.column in t.column_names and t.column(rule.column).personal)


def _rule_query(rule: Rule, as_of: date, ordinal: int) -> str:
    # A rule about personal data (a date of birth, an NHS number) reports the record, never the value, whatever
    # its SQL selects: exceptions are published and sent to owners.
    value = "NULL" if _is_personal(rule) else "CAST(value AS VARCHAR)"
    return (
        f"SELECT {ordinal} AS ordinal, {literal(rule.id)} AS rule_id, CAST(record_id AS VARCHAR) AS record_id, "
        f"CAST(person_id AS VARCHAR) AS person_id, {value} AS value, "
        f"CAST(message AS VARCHAR) AS message FROM ({rule.sql_for(as_of)}) AS rule_rows"
    )


def evaluate_rules(con: duckdb.DuckDBPyConnection, rules: tuple[Rule, ...], as_of: date) -> pl.DataFrame:
    """The records that break each rule, from the rules' SQL, in rule order. All rules run as one query (DuckDB
    plans and runs them together, several times faster than one query each); if it fails, each rule is tried
    alone so that the error names the rule at fault."""
    if not rules:
        return pl.DataFrame(schema=VIOLATION_SCHEMA)
    union = "\nUNION ALL\n".join(_rule_query(rule, as_of, i) for i, rule in enumerate(rules))
    try:
        found = arrow_frame(con.sql(union))
    except duckdb.Error as union_error:
        for i, rule in enumerate(rules):
            try:
                con.execute(_rule_query(rule, as_of, i)).fetchall()
            except duckdb.Error as e:
                raise RuleCrashed(f"data-quality rule {rule.id} could not run: {str(e).splitlines()[0]}") from e
        raise RuleCrashed(f"the data-quality rules could not run: {str(union_error).splitlines()[0]}") from union_error
    return (
        found.cast(VIOLATION_SCHEMA)
        .unique(maintain_order=True)
        .sort("ordinal", maintain_order=True)
        .select(list(VIOLATION_SCHEMA))
    )


def validation_frames(
    con: duckdb.DuckDBPyConnection, rules: tuple[Rule, ...], violations: pl.DataFrame
) -> dict[str, Callable[[], pl.DataFrame]]:
    """Per table, a function reading every staging record (key, person, file, row) with one column per rule
    marking the records that break it. The batch frame has one row. Each frame is read only when its suite is
    validated and dropped after: at national scale, every table's frame at once would not fit in memory."""
    by_rule = {
        rule_id: pl.Series(ids, dtype=pl.String)
        for rule_id, ids in violations.group_by("rule_id").agg(pl.col("record_id").unique()).iter_rows()
    }
    empty = pl.Series([], dtype=pl.String)

    def table_frame(name: str) -> pl.DataFrame:
        t = TABLES_BY_NAME[name]
        person = t.person_column or "NULL"
        # record_id is the record's stable key, as the rules report it (a care leaver is the person: the SSD's
        # clea_table_id is new every night); row_key is the row's own key, which every row must have.
        base = arrow_frame(
            con.sql(
                f"SELECT CAST({quote(t.record_key)} AS VARCHAR) AS record_id, CAST({quote(t.key)} AS VARCHAR) AS "
                f"row_key, CAST({person} AS VARCHAR) AS person_id, _source_file, _row_number "
                f"FROM staging.{quote(name)}"
            )
        )
        return base.with_columns(
            pl.col("record_id").is_in(by_rule.get(r.id, empty).implode()).alias(flag_column(r.id))
            for r in rules
            if r.table == name
        )

    frames: dict[str, Callable[[], pl.DataFrame]] = {name: partial(table_frame, name) for name in TABLES_BY_NAME}
    frames[BATCH_TABLE] = lambda: pl.DataFrame(
        {flag_column(r.id): [by_rule.get(r.id, empty).len() > 0] for r in rules if r.table == BATCH_TABLE}
        | {"record_id": ["batch"]}
    )
    return frames


_EXPECTATION_CLASSES = {
    "expect_column_values_to_not_be_null": "ExpectColumnValuesToNotBeNull",
    "expect_column_values_to_be_in_set": "ExpectColumnValuesToBeInSet",
}


# what html.escape replaces, applied to a whole column at once (replace_many replaces in one pass, so "&" is not
# escaped twice)
_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}


def quiet_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def validate_with_gx(
    frames: dict[str, Callable[[], pl.DataFrame]], suites: dict[str, dict], docs_dir: Path | None
) -> tuple[dict[str, tuple[int, int, list[dict]]], Callable[[], object]]:
    """Run each table's suite; per rule id: (records checked, records failing, the failing rows GX reports), and
    a function that builds the run's Data Docs in ``docs_dir`` (it does nothing without one)."""
    quiet_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    site = "csc_data_quality"
    if docs_dir is not None:
        context.add_data_docs_site(
            site_name=site,
            site_config={
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                # GX refuses a relative base directory
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir.resolve()),
                },
            },
        )
    source = context.data_sources.add_pandas("dq")
    definitions = []
    for name, suite_dict in suites.items():
        if name not in frames or not suite_dict["expectations"]:
            continue
        batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(name)
        suite = gx.ExpectationSuite(
            name=suite_dict["name"],
            expectations=[
                getattr(gx.expectations, _EXPECTATION_CLASSES[e["type"]])(**e["kwargs"], meta=e["meta"])
                for e in suite_dict["expectations"]
            ],
            meta=suite_dict.get("meta"),
        )
        suite = context.suites.add(suite)
        definitions.append(
            (name, context.validation_definitions.add(gx.ValidationDefinition(data=batch, suite=suite, name=name)))
        )
    index_columns = ["record_id", "_source_file", "_row_number"]
    out: dict[str, tuple[int, int, list[dict]]] = {}
    for name, definition in definitions:
        frame = frames[name]()
        # GX writes the failing rows' ids and file names into its Data Docs unescaped: ids are whatever the case
        # system holds, so GX is given them HTML-escaped (and the file names it returns are unescaped below).
        shown = frame.with_columns(
            pl.col(c).str.replace_many(list(_HTML_ESCAPES), list(_HTML_ESCAPES.values()))
            for c in ("record_id", "_source_file")
            if c in frame.columns
        )
        result = definition.run(
            batch_parameters={"dataframe": shown.to_pandas()},
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [c for c in index_columns if c in frame.columns],
            },
        )
        for r in result.results:
            # GX names the expectation of every result of a definition's run
            assert r.expectation_config is not None
            rule_id = r.expectation_config.meta["rule_id"]
            if r.exception_info and r.exception_info.get("raised_exception"):
                raise RuleCrashed(f"data-quality rule {rule_id}: {r.exception_info.get('exception_message')}")
            out[rule_id] = (
                int(r.result.get("element_count", frame.height)),
                int(r.result.get("unexpected_count", 0) or 0),
                list(r.result.get("unexpected_index_list") or []),
            )
    if docs_dir is None:
        return out, lambda: None
    return out, partial(context.build_data_docs, site_names=[site])


def run_quality(
    con: duckdb.DuckDBPyConnection,
    *,
    rules: tuple[Rule, ...],
    as_of: date,
    docs_dir: Path | None = None,
    suites: dict[str, dict] | None = None,
    docs_in_background: bool = False,
) -> QualityResult:
    """Every rule's SQL, then Great Expectations over the flagged records; with ``docs_dir``, the run's Data Docs
    (in a background thread with ``docs_in_background``: wait with ``docs_written()``)."""
    violations = evaluate_rules(con, rules, as_of)
    frames = validation_frames(con, rules, violations)
    results, build_docs = validate_with_gx(frames, suites or read_suites(), docs_dir)
    all_rules = basic_rules() + rules
    missing = [r.id for r in all_rules if r.id not in results]
    if missing:
        raise RuleCrashed(
            f"rules {', '.join(missing)} are not in the Great Expectations suites: run `csc dq-suites` and commit"
        )
    outcomes = []
    for rule in all_rules:
        checked, failed, _ = results[rule.id]
        reported = violations.filter(pl.col("rule_id") == rule.id)["record_id"].n_unique()
        outcomes.append(RuleOutcome(rule, checked, max(failed, reported) if rule.table != BATCH_TABLE else failed))
    basic = [
        {
            "rule_id": rule.id,
            "record_id": None,
            "person_id": None,
            "value": None,
            "message": f"{html.unescape(str(row.get('_source_file')))} row {row.get('_row_number')} "
            f"has no {rule.column}",
        }
        for rule in basic_rules()
        for row in results[rule.id][2]
    ]
    meta = pl.DataFrame(
        [(r.id, r.table, r.column) for r in all_rules],
        schema={"rule_id": pl.String, "table_name": pl.String, "column_name": pl.String},
        orient="row",
    )
    exceptions = (
        pl.concat([violations, pl.DataFrame(basic, schema=VIOLATION_SCHEMA)])
        .join(meta, on="rule_id", how="left")
        .select("rule_id", "table_name", "record_id", "person_id", "column_name", "value", "message")
    )
    if docs_dir is None:
        return QualityResult(outcomes=outcomes, exceptions=exceptions)

    def write_docs() -> None:
        build_docs()
        offline_gx_pages(docs_dir, all_rules)
        write_pages(docs_dir, [RuleCount(o.rule, o.checked, o.failed) for o in outcomes], exceptions, as_of)

    result = QualityResult(outcomes=outcomes, exceptions=exceptions, docs_index=docs_dir / SUMMARY_PAGE)
    if docs_in_background:
        result.docs_build = DocsBuild(write_docs)
    else:
        write_docs()
    return result
