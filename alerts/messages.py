"""What each owner is told: one message per owner per run (`compose_message`), the short one when there is
nothing new (`compose_nothing_new`), and the one telling the pipeline's owners that a run failed
(`compose_run_failure`). Each has a plain-text and an HTML body, and a shorter text for a chat webhook.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from alerts.owners import CONTROL_CHARACTERS, TEAM_OWNER, Owner
from alerts.routing import exceptions_frame, rules_frame
from declarations.constants import UNALLOCATED_TEAM
from expectations.quality import EXCEPTION_COLUMNS

__all__ = [
    "ATTACHED_SHOWN_PER_RULE",
    "Attachment",
    "Message",
    "RunFailure",
    "compose_message",
    "compose_nothing_new",
    "compose_run_failure",
    "csv_cell",
    "plural",
]

# With the records attached, the body lists each rule's first few: enough to see what the problem looks like, while
# an email of thousands of rows (1.8 MB measured on a faulted batch) is hard to open and search; the CSV sorts and
# filters in Excel.
ATTACHED_SHOWN_PER_RULE = 10
SUBJECT_MAX_CHARS = 200
# The attachment's columns: the rule in words, who and where, then the exception itself.
CSV_COLUMNS = (
    "rule_id",
    "rule",
    "team_id",
    "team_name",
    "worker",
    "table_name",
    "record_id",
    "person_id",
    "column_name",
    "value",
    "message",
)
WEBHOOK_MAX_CHARS = 20_000  # Slack truncates text at 40,000 characters; Teams rejects payloads over about 28 KB
_SEVERITY_ORDER = {"blocking": 0, "warning": 1}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "text/csv"


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
    attachments: tuple[Attachment, ...] = field(default=(), repr=False)

    @property
    def webhook_text(self) -> str:
        # A chat message carries no file: the body's "attached" means the e-mail's attachment, so say so.
        files = ", ".join(a.filename for a in self.attachments)
        where = f"\n(The CSV named below is attached to the e-mail only: {files}.)" if files else ""
        text = f"{self.subject}{where}\n\n{self.text}"
        if len(text) <= WEBHOOK_MAX_CHARS:
            return text
        cut = text.rfind("\n", 0, WEBHOOK_MAX_CHARS - 200)
        return text[: cut if cut > 0 else WEBHOOK_MAX_CHARS - 200] + (
            "\n\n... (cut short for the chat message: the email and the dq_exceptions table in marts.duckdb "
            "have every record)"
        )


_CONTROL_RUNS = re.compile(f"(?:{CONTROL_CHARACTERS.pattern})+")


def _one_line(s: object) -> str:
    """Text safe in a header or a line: control characters (CR and LF among them) become one space."""
    return _CONTROL_RUNS.sub(" ", str(s)).strip()


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
        who.append(_team(r))
    if r.get("worker"):
        who.append(f"worker {r['worker']}")
    line = where + (f" ({', '.join(who)})" if who else "")
    if r["column_name"] is not None:
        line += f": {r['column_name']}" + (f" = {r['value']!r}" if r["value"] is not None else " is empty")
    elif r["value"] is not None:
        line += f": value {r['value']!r}"
    if r["message"]:
        line += f": {r['message']}"
    return _one_line(line)


def _team(r: Mapping[str, str | None]) -> str:
    """'Assessment Team 2 (team 103)'; the id alone where the batch has no name for it."""
    name = r.get("team_name")
    if r["team_id"] == UNALLOCATED_TEAM and not name:
        return "no allocated team"
    return f"{name} (team {r['team_id']})" if name else f"team {r['team_id']}"


def csv_cell(value: object) -> str:
    """A cell Excel shows as text: a value starting =, +, -, @, tab or CR would be run as a formula (names and
    values are whatever the case system lets anyone type), so it gets a leading apostrophe (OWASP's advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def records_csv(records: pl.DataFrame, descriptions: Mapping[str, str]) -> bytes:
    """Every record, one row each (CSV_COLUMNS), UTF-8 with a byte-order mark so that Excel reads names right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in records.iter_rows(named=True):
        row = {**r, "rule": descriptions.get(r["rule_id"], "")}
        writer.writerow(csv_cell(row.get(c)) for c in CSV_COLUMNS)
    return out.getvalue().encode("utf-8-sig")


def _subject(what: str, owner: str, team_names: list[str], batch: str | None) -> str:
    """One line, no run id: the owner, the teams named when they are few, and the batch's date."""
    teams = ", ".join(team_names[:3]) + (f" and {len(team_names) - 3} more teams" if len(team_names) > 3 else "")
    who = owner if not teams or teams == owner else f"{owner} ({teams})"
    line = _one_line(f"Data quality: {what} for {who}" + (f" - batch {batch}" if batch else ""))
    return line if len(line) <= SUBJECT_MAX_CHARS else line[: SUBJECT_MAX_CHARS - 3].rstrip() + "..."


def compose_message(
    owner: Owner,
    records: pl.DataFrame,
    rules: pl.DataFrame | None,
    *,
    run_id: str,
    max_records_per_rule: int = 200,
    batch: str | None = None,
    attach_over: int | None = None,
) -> Message:
    """One owner's message. It opens with the count per failing rule (id, words, records) and per team (by name);
    then per rule (blocking first) its severity, the indicators it affects and the records to fix (at most
    `max_records_per_rule`). With more than `attach_over` records, every record is attached as CSV and each rule
    lists only its first ATTACHED_SHOWN_PER_RULE. The subject names the owner, its teams and the batch, never the
    run id (it is in the body). Optional columns `team_name` and `worker` name the team and the worker."""
    if max_records_per_rule < 1:
        raise ValueError("max_records_per_rule must be at least 1")
    records = exceptions_frame(records).unique(maintain_order=True)  # staging keeps duplicate rows: list each once
    for optional in ("team_name", "worker"):
        if optional not in records.columns:
            records = records.with_columns(pl.lit(None, pl.String).alias(optional))
    info = {r["rule_id"]: r for r in rules_frame(rules).iter_rows(named=True)}
    run = _one_line(run_id)
    sections = []
    for (rule_id,), part in records.partition_by("rule_id", as_dict=True, maintain_order=True).items():
        rule = info.get(rule_id, {})
        given = part["severity"].drop_nulls()
        severity = (given[0] if given.len() else None) or rule.get("severity") or "unknown"
        sections.append((_SEVERITY_ORDER.get(severity, 2), str(rule_id), severity, rule, part))
    sections.sort(key=lambda s: (s[0], s[1]))
    descriptions = {
        rule_id: _one_line(rule.get("description") or "(rule not in the rules table)")
        for _, rule_id, _, rule, _ in sections
    }

    n_records = records.height
    n_rules = len(sections)
    n_blocking = sum(1 for s in sections if s[2] == "blocking")
    attach = attach_over is not None and n_records > attach_over
    limit = min(max_records_per_rule, ATTACHED_SHOWN_PER_RULE) if attach else max_records_per_rule
    teams = (
        records.filter(pl.col("team_id").is_not_null())
        .group_by("team_id", maintain_order=True)
        .agg(pl.col("team_name").drop_nulls().first(), pl.len().alias("n"))
        .sort("n", "team_id", descending=[True, False])
    )
    team_rows = [(_one_line(_team(r)), r["n"]) for r in teams.iter_rows(named=True)]
    # the subject names the teams an owner receives records for as their owner, not those a role's rules touch
    claimed = (
        teams.join(records.filter(pl.col("routed_as") == "team").select("team_id").unique(), on="team_id")
        if "routed_as" in records.columns
        else teams
    ).filter(pl.col("team_id") != UNALLOCATED_TEAM)
    team_names = [_one_line(r["team_name"] or f"team {r['team_id']}") for r in claimed.iter_rows(named=True)]
    subject = _subject(f"{plural(n_records, 'record')} to fix", _one_line(owner.name), team_names, batch)
    fell_back = records.filter(pl.col("routed_as") == "fallback") if "routed_as" in records.columns else records.clear()
    fallback_teams = sorted(
        {
            _one_line(_team(r)) if r["team_id"] else UNALLOCATED_TEAM
            for r in fell_back.filter(pl.col("owner") == TEAM_OWNER).iter_rows(named=True)
        }
    )
    fallback_roles = sorted({o or "(none)" for o in fell_back.filter(pl.col("owner").ne_missing(TEAM_OWNER))["owner"]})
    all_query = f"SELECT * FROM dq_exceptions WHERE run_id = {_sql(run)}"
    of_batch = f" in batch {_one_line(batch)}" if batch else ""
    attachment_name = f"data-quality-{_file_part(owner.name)}{'-' + _file_part(batch) if batch else ''}.csv"

    opening = (
        f"{plural(n_records, 'record')} for {_one_line(owner.name)} to fix in the case system{of_batch}: "
        f"{plural(n_rules, 'rule')} failing, {n_blocking} of them blocking."
        + (
            f" Every record is in the attached {attachment_name}; below, each rule lists its first {limit}."
            if attach
            else ""
        )
    )
    text = [opening, "", "Records per rule:"]
    text += [f"  {part.height:>6}  {rule_id}: {descriptions[rule_id]}" for _, rule_id, _, _, part in sections]
    if team_rows:
        text += ["", "Records per team:"] + [f"  {n:>6}  {name}" for name, n in team_rows]
    text.append("")
    # plain attributes, not a style per cell: they render in every mail client and keep a long message small
    num = 'align="right"'
    body = [
        f"<p>{html.escape(opening)}</p>",
        '<table border="1" cellspacing="0" cellpadding="3"><tr>'
        f"<th>Rule</th><th>What is wrong</th><th {num}>Records</th></tr>"
        + "".join(
            f"<tr><td>{html.escape(rule_id)}</td><td>{html.escape(descriptions[rule_id])}</td>"
            f"<td {num}>{part.height:,}</td></tr>"
            for _, rule_id, _, _, part in sections
        )
        + "</table>",
    ]
    if team_rows:
        body.append(
            f'<p>Records per team:</p><table border="1" cellspacing="0" cellpadding="3"><tr><th>Team</th>'
            f"<th {num}>Records</th></tr>"
            + "".join(f"<tr><td>{html.escape(name)}</td><td {num}>{n:,}</td></tr>" for name, n in team_rows)
            + "</table>"
        )
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
        description = descriptions[rule_id]
        indicators = _one_line(rule.get("indicators") or "") or "none recorded"
        shown = part.head(limit)
        more = part.height - shown.height
        query = f"{all_query} AND rule_id = {_sql(rule_id)}"
        where_rest = f"in {attachment_name}, and in" if attach else "in"
        text += [
            f"{number}. {_one_line(rule_id)} ({severity.upper()}): {description}",
            f"   Indicators affected: {indicators}",
            f"   Records to fix: {part.height}",
        ]
        text += [f"   - {_record_text(r)}" for r in shown.iter_rows(named=True)]
        if more:
            text.append(
                f"   ... and {more} more: the full list is {where_rest} the dq_exceptions table in marts.duckdb:"
            )
            text.append(f"       {query}")
        text.append("")

        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(v)}</td>"
                for v in (
                    r["table_name"] or "",
                    r["record_id"] or "",
                    r["person_id"] or "",
                    _team(r) if r["team_id"] is not None else "",
                    r["worker"] or "",
                    r["column_name"] or "",
                    r["value"] or "",
                    r["message"] or "",
                )
            )
            + "</tr>"
            for r in shown.iter_rows(named=True)
        )
        heads = ("table", "record id", "person id", "team", "worker", "column", "value", "message")
        body.append(
            f"<h3>{number}. {html.escape(rule_id)} ({html.escape(severity)}): {html.escape(description)}</h3>"
            f"<p>Indicators affected: {html.escape(indicators)}<br>Records to fix: {part.height:,}</p>"
            '<table border="1" cellspacing="0" cellpadding="3"><tr>'
            + "".join(f"<th>{h}</th>" for h in heads)
            + f"</tr>{rows}</table>"
            + (
                f"<p>... and {more:,} more: the full list is {html.escape(where_rest)} the <code>dq_exceptions</code> "
                f"table in marts.duckdb: <code>{html.escape(query)}</code></p>"
                if more
                else ""
            )
        )

    footer = (
        f"Pipeline run {run}. Only exceptions not alerted before are listed. Every exception of this run is in the "
        f"dq_exceptions table in marts.duckdb: {all_query}"
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
        attachments=(Attachment(attachment_name, records_csv(records, descriptions)),) if attach else (),
    )


def _file_part(s: str) -> str:
    """Text safe in an attachment's file name: letters, digits and hyphens."""
    return "-".join(re.findall(r"[A-Za-z0-9]+", s))[:60] or "owner"


def compose_nothing_new(owner: Owner, *, run_id: str, open_count: int = 0, batch: str | None = None) -> Message:
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
        subject=_subject("nothing new", _one_line(owner.name), [], batch),
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
