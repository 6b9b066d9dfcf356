"""What each owner is told: one message per owner per run (`compose_message`), the short one when there is
nothing new (`compose_nothing_new`), and the one telling the pipeline's owners that a run failed
(`compose_run_failure`). Each has a plain-text and an HTML body, and a shorter text for a chat webhook.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from alerts.owners import CONTROL_CHARACTERS, TEAM_OWNER, Owner
from alerts.routing import exceptions_frame, rules_frame
from declarations.constants import UNALLOCATED_TEAM
from expectations.quality import EXCEPTION_COLUMNS

__all__ = ["Message", "RunFailure", "compose_message", "compose_nothing_new", "compose_run_failure", "plural"]

WEBHOOK_MAX_CHARS = 20_000  # Slack truncates text at 40,000 characters; Teams rejects payloads over about 28 KB
_SEVERITY_ORDER = {"blocking": 0, "warning": 1}


@dataclass(frozen=True, eq=False)
class Message:
    """One owner's alert. `records` are the exceptions it lists (all of them, not only the ones shown)."""

    owner: str
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    record_count: int
    rule_count: int
    records: pl.DataFrame = field(repr=False)
    webhook: str | None = field(default=None, repr=False)
    nothing_new: bool = False

    @property
    def webhook_text(self) -> str:
        text = f"{self.subject}\n\n{self.text}"
        if len(text) <= WEBHOOK_MAX_CHARS:
            return text
        cut = text.rfind("\n", 0, WEBHOOK_MAX_CHARS - 200)
        return text[: cut if cut > 0 else WEBHOOK_MAX_CHARS - 200] + (
            "\n\n... (cut short for the chat message: the email and the dq_exceptions table in marts.duckdb "
            "have every record)"
        )


def _one_line(s: object) -> str:
    return CONTROL_CHARACTERS.sub(" ", str(s)).strip()


def _sql(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 record', '2 records' (or `many` for an irregular plural)."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _record_text(r: Mapping[str, str | None]) -> str:
    table = r["table_name"] or "(no table)"
    if r["record_id"] is not None:
        where = f"{table} record {r['record_id']}"
    else:
        where = "the batch" if table == "batch" else f"{table} (whole table)"
    who = [f"person {r['person_id']}"] if r["person_id"] is not None else []
    if r.get("team_id") is not None:
        who.append(f"team {r['team_id']}")
    line = where + (f" ({', '.join(who)})" if who else "")
    if r["column_name"] is not None:
        line += f": {r['column_name']}" + (f" = {r['value']!r}" if r["value"] is not None else " is empty")
    elif r["value"] is not None:
        line += f": value {r['value']!r}"
    if r["message"]:
        line += f": {r['message']}"
    return _one_line(line)


def compose_message(
    owner: Owner,
    records: pl.DataFrame,
    rules: pl.DataFrame | None,
    *,
    run_id: str,
    max_records_per_rule: int = 200,
) -> Message:
    """One owner's message: per failing rule (blocking first) its id, description, severity, the indicators
    it affects, how many records fail and the records to fix (at most `max_records_per_rule` of them)."""
    if max_records_per_rule < 1:
        raise ValueError("max_records_per_rule must be at least 1")
    records = exceptions_frame(records).unique(maintain_order=True)  # staging keeps duplicate rows: list each once
    info = {r["rule_id"]: r for r in rules_frame(rules).iter_rows(named=True)}
    run = _one_line(run_id)
    sections = []
    for (rule_id,), part in records.partition_by("rule_id", as_dict=True, maintain_order=True).items():
        rule = info.get(rule_id, {})
        given = part["severity"].drop_nulls()
        severity = (given[0] if given.len() else None) or rule.get("severity") or "unknown"
        sections.append((_SEVERITY_ORDER.get(severity, 2), str(rule_id), severity, rule, part))
    sections.sort(key=lambda s: (s[0], s[1]))

    n_records = records.height
    n_rules = len(sections)
    n_blocking = sum(1 for s in sections if s[2] == "blocking")
    subject = (
        f"Data quality: {plural(n_rules, 'rule')} {'needs' if n_rules == 1 else 'need'} fixing in "
        f"{_one_line(owner.name)} (run {run})"
    )
    fell_back = records.filter(pl.col("routed_as") == "fallback") if "routed_as" in records.columns else records.clear()
    fallback_teams = sorted(
        {t or UNALLOCATED_TEAM for t in fell_back.filter(pl.col("owner") == TEAM_OWNER)["team_id"].to_list()}
    )
    fallback_roles = sorted({o or "(none)" for o in fell_back.filter(pl.col("owner").ne_missing(TEAM_OWNER))["owner"]})
    all_query = f"SELECT * FROM dq_exceptions WHERE run_id = {_sql(run)}"

    text = [
        f"Pipeline run {run} found {plural(n_records, 'record')} for {_one_line(owner.name)} to fix in the case "
        f"system: {plural(n_rules, 'rule')} failing, {n_blocking} of them blocking. Blocking rules come first.",
        "",
    ]
    body = [
        f"<p>Pipeline run <b>{html.escape(run)}</b> found {plural(n_records, 'record')} for "
        f"<b>{html.escape(owner.name)}</b> to fix in the case system: {plural(n_rules, 'rule')} failing, "
        f"{n_blocking} of them blocking. Blocking rules come first.</p>"
    ]
    notes = []
    if fallback_teams:
        notes.append(
            "Some records are sent to you because no owner is configured for their team: "
            + ", ".join(fallback_teams)
            + ". Add the team to the owners file to route them."
        )
    if fallback_roles:
        notes.append(
            "Some rules' records are sent to you because no owner is named after their rule's owner: "
            + ", ".join(fallback_roles)
            + ". Add an owner with that name to the owners file to route them."
        )
    for note in notes:
        text += [_one_line(note), ""]
        body.append(f"<p><i>{html.escape(note)}</i></p>")

    for number, (_, rule_id, severity, rule, part) in enumerate(sections, start=1):
        description = _one_line(rule.get("description") or "(rule not in the rules table)")
        indicators = _one_line(rule.get("indicators") or "") or "none recorded"
        shown = part.head(max_records_per_rule)
        more = part.height - shown.height
        query = f"{all_query} AND rule_id = {_sql(rule_id)}"
        text += [
            f"{number}. {_one_line(rule_id)} ({severity.upper()}): {description}",
            f"   Indicators affected: {indicators}",
            f"   Records to fix: {part.height}",
        ]
        text += [f"   - {_record_text(r)}" for r in shown.iter_rows(named=True)]
        if more:
            text.append(f"   ... and {more} more: the full list is in the dq_exceptions table in marts.duckdb:")
            text.append(f"       {query}")
        text.append("")

        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape('' if r[c] is None else str(r[c]))}</td>"
                for c in ("table_name", "record_id", "person_id", "team_id", "column_name", "value", "message")
            )
            + "</tr>"
            for r in shown.iter_rows(named=True)
        )
        body.append(
            f"<h3>{number}. {html.escape(rule_id)} ({html.escape(severity)}): {html.escape(description)}</h3>"
            f"<p>Indicators affected: {html.escape(indicators)}<br>Records to fix: {part.height}</p>"
            '<table border="1" cellspacing="0" cellpadding="3"><tr><th>table</th><th>record id</th>'
            "<th>person id</th><th>team</th><th>column</th><th>value</th><th>message</th></tr>"
            f"{rows}</table>"
            + (
                f"<p>... and {more} more: the full list is in the <code>dq_exceptions</code> table in "
                f"marts.duckdb: <code>{html.escape(query)}</code></p>"
                if more
                else ""
            )
        )

    footer = (
        "Only exceptions not alerted before are listed. Every exception of this run is in the dq_exceptions "
        f"table in marts.duckdb: {all_query}"
    )
    text += [footer, "", "Sent automatically by the csc pipeline."]
    body.append(f"<p>{html.escape(footer)}</p><p><small>Sent automatically by the csc pipeline.</small></p>")
    return Message(
        owner=owner.name,
        to=owner.email,
        subject=subject,
        text="\n".join(text),
        html="<html><body>" + "\n".join(body) + "</body></html>",
        record_count=n_records,
        rule_count=n_rules,
        records=records,
        webhook=owner.webhook,
    )


def compose_nothing_new(owner: Owner, *, run_id: str, open_count: int = 0) -> Message:
    """The short message for a run with nothing new for this owner (`open_count`: exceptions alerted before
    that still fail)."""
    run = _one_line(run_id)
    still = (
        f" {plural(open_count, 'exception')} reported before still {'fails' if open_count == 1 else 'fail'}: "
        f"see the dq_exceptions table in marts.duckdb (run_id = {_sql(run)})."
        if open_count
        else " Nothing is outstanding."
    )
    text = f"Pipeline run {run} found no new data-quality exceptions for {_one_line(owner.name)}.{still}"
    return Message(
        owner=owner.name,
        to=owner.email,
        subject=f"Data quality: nothing new for {_one_line(owner.name)} (run {run})",
        text=text + "\n\nSent automatically by the csc pipeline.",
        html=f"<html><body><p>{html.escape(text)}</p></body></html>",
        record_count=0,
        rule_count=0,
        records=pl.DataFrame(schema={c: pl.String for c in EXCEPTION_COLUMNS}),
        webhook=owner.webhook,
        nothing_new=True,
    )


@dataclass(frozen=True)
class RunFailure:
    """A pipeline run that failed or crashed, as the Prefect server recorded it."""

    run_id: str
    run_name: str
    flow_name: str
    state: str  # Failed, Crashed, TimedOut
    message: str
    started: str
    parameters: Mapping[str, object] = field(default_factory=dict)
    url: str | None = None  # the run's page in the Prefect UI


def compose_run_failure(owner: Owner, failure: RunFailure) -> Message:
    """The message telling the pipeline's owners that a run failed: what, when, why, and where to look."""
    params = "\n".join(f"  {k}: {_one_line(v)}" for k, v in failure.parameters.items() if v not in (None, ""))
    text = (
        f"The {_one_line(failure.flow_name)} run {_one_line(failure.run_name)} (started {failure.started}) "
        f"ended {_one_line(failure.state)}.\n\n"
        f"Reason:\n{failure.message.strip() or '(Prefect recorded no message: see the run logs)'}\n\n"
        + (f"Parameters:\n{params}\n\n" if params else "")
        + (f"Logs: {failure.url}\n" if failure.url else f"Flow run id: {failure.run_id}\n")
        + "Failed batches are in the quarantine folder, each with QUARANTINE_REASON.txt; the last good "
        "publication stays in marts.duckdb. docs/operations.md says how to re-run a batch.\n\n"
        "Sent automatically by the csc pipeline."
    )
    return Message(
        owner=owner.name,
        to=owner.email,
        subject=f"Pipeline run {_one_line(failure.run_name)} {_one_line(failure.state).lower()}",
        text=text,
        html=f"<html><body><pre>{html.escape(text)}</pre></body></html>",
        record_count=0,
        rule_count=0,
        records=pl.DataFrame(schema={c: pl.String for c in EXCEPTION_COLUMNS}),
        webhook=owner.webhook,
    )
