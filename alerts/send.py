"""Alerts to the owners of data-quality exceptions.

After each run the DQ step produces one row per failing record per rule (`exceptions`) and the rules themselves
(`rules`). This module decides who must fix what (`route`), keeps only what was not alerted before (`new_since`),
writes one message per owner (`compose_message`), and delivers it by email (`send_email`, plain smtplib) and to
an optional Teams/Slack-style incoming webhook (`post_webhook`). `send_alerts` does all of it for the pipeline.

Who owns what comes from an owners file (TOML, `CSC_OWNERS_FILE`)::

    [[owner]]
    name = "Safeguarding North"        # display name and key
    teams = ["105", "106"]             # team ids whose records this owner fixes (rules with owner "team")
    email = ["manager.north@council.example"]
    webhook = "https://teams.example/hook/abc"   # optional; or webhook_env = "NAME_OF_ENV_VARIABLE"

    [[owner]]
    name = "performance"               # a data role: rules whose owner is "performance" go here, for every team
    email = ["performance@council.example"]
    teams = ["unallocated"]            # a role may also own some teams' records

A rule's owner is either "team" (each record goes to the owner of the record's team) or a role name (all the
rule's records go to the owner with that name). Records nobody owns go to a fallback owner (default
"performance"); if that owner is missing too they are returned as unrouted, never dropped silently.

SMTP settings come from the environment (`AlertSettings`, `CSC_SMTP_*`); the password is a SecretStr and never
appears in logs, reports or the settings' repr.
"""

from __future__ import annotations

import html
import ipaddress
import json
import logging
import os
import re
import smtplib
import ssl
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from expectations.quality import EXCEPTION_COLUMNS  # the DQ step's exceptions, all text

__all__ = [
    "EXCEPTION_COLUMNS",
    "SENT_COLUMNS",
    "AlertReport",
    "AlertSettings",
    "Delivery",
    "Message",
    "Owner",
    "OwnerAlert",
    "OwnersConfigError",
    "Routing",
    "UnroutedRecord",
    "compose_message",
    "compose_nothing_new",
    "load_owners",
    "new_since",
    "post_webhook",
    "route",
    "send_alerts",
    "send_email",
    "sent_rows",
]

log = logging.getLogger(__name__)
# what alerts log to: a logger, or an adapter of one (Prefect's run logger)
AnyLogger = logging.Logger | logging.LoggerAdapter[logging.Logger]


SENT_COLUMNS = ("owner", "rule_id", "table_name", "record_id", "run_id")
"""What the caller stores after sending (`sent_rows`); `owner` is the owner alerted, not the rule's owner."""

TEAM_OWNER = "team"
"""A rule whose owner is this literal is routed record by record to the owner of the record's team."""

UNALLOCATED = "unallocated"
WEBHOOK_MAX_CHARS = 20_000  # Slack truncates text at 40,000 characters; Teams rejects payloads over about 28 KB
_SEVERITY_ORDER = {"blocking": 0, "warning": 1}
_SENT_SCHEMA = {c: pl.String for c in SENT_COLUMNS}
_KEY = ("rule_id", "table_name", "record_id")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --------------------------------------------------------------------------------------------------- settings


class AlertSettings(BaseSettings):
    """Alert delivery settings, from the environment (`CSC_<NAME>`). No .env file is read: secrets come only
    from the process environment (or a secrets manager that sets it)."""

    model_config = SettingsConfigDict(env_prefix="CSC_", extra="ignore")

    smtp_host: str | None = Field(None, description="SMTP relay host; unset means email cannot be delivered.")
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP port (25, or 587 for submission with STARTTLS).")
    smtp_username: str | None = Field(None, description="Log in to the relay only if this is set.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password; never logged or printed.")
    smtp_from: str | None = Field(None, description="The From address of alert emails.")
    smtp_starttls: bool = Field(False, description="Upgrade the connection with STARTTLS (certificate verified).")
    smtp_timeout: float = Field(30.0, gt=0, description="Seconds before an SMTP connection or command gives up.")
    webhook_timeout: float = Field(10.0, gt=0, description="Seconds before a webhook POST gives up.")
    owners_file: Path | None = Field(None, description="The owners TOML file; unset means alerts are off.")
    alert_fallback_owner: str = Field("performance", description="Receives records no owner claims.")
    alert_send_when_nothing_new: bool = Field(False, description="Send a short 'nothing new' message anyway.")
    alert_max_records_per_rule: int = Field(200, ge=1, description="Records listed per rule in a message.")
    alert_run_failure_owner: str = Field(
        "pipeline", description="The owner told when a pipeline run fails (else the fallback owner)."
    )


# --------------------------------------------------------------------------------------------------- owners


class OwnersConfigError(ValueError):
    """The owners file is unusable; the message names the file and each entry at fault."""

    def __init__(self, path: Path, problems: Sequence[str]):
        self.path = path
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"owners file {path}: {len(self.problems)} problem(s):\n{lines}")


@dataclass(frozen=True)
class Owner:
    """Someone who receives alerts: a team manager (owns `teams`) or a data role (owns rules by `name`)."""

    name: str
    teams: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    webhook: str | None = field(default=None, repr=False)  # incoming-webhook URLs are capabilities: keep out of logs


_OWNER_KEYS = {"name", "teams", "email", "webhook", "webhook_env"}


def load_owners(path: Path | str) -> list[Owner]:
    """Read and check the owners file. Raises OwnersConfigError naming the file and every entry at fault."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise OwnersConfigError(path, [f"cannot read the file: {e.strerror or e}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise OwnersConfigError(path, [f"not valid TOML: {e}"]) from None

    problems: list[str] = []
    unknown = sorted(set(doc) - {"owner"})
    if unknown:
        problems.append(f"unknown top-level key(s) {', '.join(unknown)}: owners are [[owner]] entries")
    entries = doc.get("owner")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        problems.append("no [[owner]] entries")
        raise OwnersConfigError(path, problems)

    owners: list[Owner] = []
    names: dict[str, int] = {}
    team_claims: dict[str, int] = {}
    for i, entry in enumerate(entries, start=1):
        name = entry.get("name")
        where = f"[[owner]] entry {i}" + (f" ({name!r})" if isinstance(name, str) and name.strip() else "")
        entry_problems: list[str] = []

        extra = sorted(set(entry) - _OWNER_KEYS)
        if extra:
            entry_problems.append(f"unknown key(s) {', '.join(extra)} (allowed: {', '.join(sorted(_OWNER_KEYS))})")

        if not isinstance(name, str) or not name.strip():
            entry_problems.append("missing name")
            name = None
        elif _CONTROL.search(name):
            entry_problems.append("name contains a control character")
        elif name.strip() == TEAM_OWNER:
            entry_problems.append(f'name "{TEAM_OWNER}" is reserved (rules with owner "team" are routed by team)')
        elif name.strip() in names:
            entry_problems.append(f"name {name!r} is also used by [[owner]] entry {names[name.strip()]}")
        if isinstance(name, str):
            name = name.strip()
            names.setdefault(name, i)

        teams = _string_list(entry.get("teams", []), "teams", entry_problems, hint='team ids are text: "105"')
        emails = _string_list(entry.get("email", []), "email", entry_problems)
        for address in emails:
            if not _EMAIL.match(address):
                entry_problems.append(f"invalid email address {address!r}")

        webhook = _webhook(entry, entry_problems)
        if not emails and webhook is None and "webhook" not in entry and "webhook_env" not in entry:
            entry_problems.append("no email and no webhook: alerts to this owner could not be delivered")

        for team in dict.fromkeys(teams):
            if team in team_claims and team_claims[team] != i:
                other = entries[team_claims[team] - 1].get("name")
                entry_problems.append(
                    f"team {team!r} is also claimed by [[owner]] entry {team_claims[team]} ({other!r}); "
                    "a team has one owner"
                )
            else:
                team_claims[team] = i

        problems.extend(f"{where}: {p}" for p in entry_problems)
        if not entry_problems and name is not None:
            owners.append(Owner(name, tuple(dict.fromkeys(teams)), tuple(dict.fromkeys(emails)), webhook))

    if problems:
        raise OwnersConfigError(path, problems)
    return owners


def _string_list(value: Any, key: str, problems: list[str], hint: str = "") -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{key} must be a list of non-empty strings" + (f" ({hint})" if hint else ""))
        return []
    return [v.strip() for v in value]


def _webhook(entry: Mapping[str, Any], problems: list[str]) -> str | None:
    url = entry.get("webhook")
    env = entry.get("webhook_env")
    if url is not None and env is not None:
        problems.append("give webhook or webhook_env, not both")
        return None
    if env is not None:
        if not isinstance(env, str) or not _ENV_NAME.match(env):
            problems.append("webhook_env must be the name of an environment variable")
            return None
        url = os.environ.get(env)
        if not url:
            problems.append(f"webhook_env: environment variable {env} is not set")
            return None
        source = f"the URL in environment variable {env}"
    elif url is None:
        return None
    else:
        source = "webhook"
    if not isinstance(url, str) or not _is_http_url(url):
        problems.append(f"{source} must be an http(s) URL")
        return None
    return url


def _is_http_url(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not _CONTROL.search(url)


# --------------------------------------------------------------------------------------------------- routing


@dataclass(frozen=True)
class UnroutedRecord:
    """An exception no owner (not even the fallback) could receive."""

    rule_id: str | None
    rule_owner: str | None
    team_id: str | None
    table_name: str | None
    record_id: str | None
    reason: str


class Routing(NamedTuple):
    """`by_owner`: each owner's exceptions (the input columns plus `recipient` and `routed_as`: team, role or
    fallback); `unrouted`: records nobody can receive."""

    by_owner: dict[str, pl.DataFrame]
    unrouted: list[UnroutedRecord]


def _normalise(exceptions: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in EXCEPTION_COLUMNS if c not in exceptions.columns]
    if missing:
        raise ValueError(f"exceptions lack column(s) {', '.join(missing)}")
    return exceptions.with_columns(pl.col(c).cast(pl.String) for c in EXCEPTION_COLUMNS)


def _rules_frame(rules: pl.DataFrame | None) -> pl.DataFrame:
    cols = ("rule_id", "description", "severity", "owner", "indicators")
    if rules is None or rules.is_empty():
        return pl.DataFrame(schema={c: pl.String for c in cols})
    if "rule_id" not in rules.columns:
        raise ValueError("rules lack column rule_id")

    def column(c: str) -> pl.Expr:
        if c not in rules.columns:
            return pl.lit(None, pl.String).alias(c)
        if isinstance(rules.schema[c], pl.List):  # indicators as a list (as in expectations/rules.toml)
            return pl.col(c).cast(pl.List(pl.String)).list.join(", ").alias(c)
        return pl.col(c).cast(pl.String)

    return rules.select(column(c) for c in cols).unique("rule_id", keep="first", maintain_order=True)


def route(
    exceptions: pl.DataFrame,
    rules: pl.DataFrame | None,
    owners: Sequence[Owner],
    *,
    fallback: str = "performance",
) -> Routing:
    """Who receives each exception.

    A record of a rule owned by "team" goes to the owner whose `teams` has the record's team_id (null counts as
    "unallocated"); a record of a rule owned by a role goes to the owner with that name. The rule's owner is the
    exception's `owner`, or the rule's when that is null (and is the returned frames' `owner`). Records with no
    such owner go to `fallback`, and if no owner has that name either, into `unrouted`. No owner ever receives
    a team-routed record of a team another owner claims.
    """
    df = _normalise(exceptions)
    rules_owner = _rules_frame(rules).select("rule_id", pl.col("owner").alias("_rule_owner"))
    team_map = pl.DataFrame(
        {"team_id": [t for o in owners for t in o.teams], "_team_owner": [o.name for o in owners for t in o.teams]},
        schema={"team_id": pl.String, "_team_owner": pl.String},
    )
    names = [o.name for o in owners]
    has_fallback = fallback in names
    rule_owner = pl.col("_owner")
    is_team = rule_owner == TEAM_OWNER
    direct = pl.when(is_team).then(pl.col("_team_owner")).when(rule_owner.is_in(names)).then(rule_owner).otherwise(None)
    df = (
        df.with_row_index("_row")
        .join(rules_owner, on="rule_id", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce(pl.col("owner"), pl.col("_rule_owner")).str.strip_chars().alias("_owner"),
            pl.col("team_id").fill_null(UNALLOCATED).alias("_team"),
        )
        .join(team_map, left_on="_team", right_on="team_id", how="left", maintain_order="left")
        .with_columns(direct.alias("_direct"))
        .with_columns(
            pl.coalesce(pl.col("_direct"), pl.lit(fallback if has_fallback else None, pl.String)).alias("recipient"),
            pl.when(pl.col("_direct").is_not_null())
            .then(pl.when(is_team).then(pl.lit("team")).otherwise(pl.lit("role")))
            .when(pl.lit(has_fallback))
            .then(pl.lit("fallback"))
            .otherwise(None)
            .alias("routed_as"),
        )
        .sort("_row")
    )
    out_cols = [*exceptions.columns, "recipient", "routed_as"]
    by_owner = {
        name: part.with_columns(pl.col("_owner").alias("owner")).select(out_cols)
        for name in names
        if (part := df.filter(pl.col("recipient") == name)).height  # owners' order, records' order kept
    }
    unrouted = [
        UnroutedRecord(
            rule_id=r["rule_id"],
            rule_owner=r["_owner"],
            team_id=r["team_id"],
            table_name=r["table_name"],
            record_id=r["record_id"],
            reason=_unrouted_reason(r["_owner"], r["_team"], fallback),
        )
        for r in df.filter(pl.col("recipient").is_null()).iter_rows(named=True)
    ]
    return Routing(by_owner, unrouted)


def _unrouted_reason(rule_owner: str | None, team: str, fallback: str) -> str:
    if rule_owner is None:
        why = "the rule has no owner"
    elif rule_owner == TEAM_OWNER:
        why = f"no owner claims team {team!r}"
    else:
        why = f"no owner is named {rule_owner!r}"
    return f"{why}, and there is no fallback owner {fallback!r}"


# --------------------------------------------------------------------------------------------------- what is new


def _sent_frame(already_sent: pl.DataFrame | Iterable[Sequence[str | None]] | None) -> pl.DataFrame:
    cols = ("owner", *_KEY)
    if already_sent is None:
        return pl.DataFrame(schema={c: pl.String for c in cols})
    if isinstance(already_sent, pl.DataFrame):
        missing = [c for c in cols if c not in already_sent.columns]
        if missing:
            raise ValueError(f"already_sent lacks column(s) {', '.join(missing)}")
        return already_sent.select(pl.col(c).cast(pl.String) for c in cols)
    rows = [tuple(r) for r in already_sent]
    if any(len(r) != 4 for r in rows):
        raise ValueError("already_sent rows are (owner, rule_id, table_name, record_id)")
    return pl.DataFrame(rows, schema={c: pl.String for c in cols}, orient="row")


def new_since(
    exceptions: pl.DataFrame,
    already_sent: pl.DataFrame | Iterable[Sequence[str | None]] | None,
    *,
    owner_column: str | None = None,
) -> pl.DataFrame:
    """The exceptions not alerted before: rows whose (owner, rule_id, table_name, record_id) is not in
    `already_sent` (tuples, or a frame with those columns, e.g. what `sent_rows` returned on earlier runs).

    The owner compared is the owner alerted: the `recipient` column of `route`'s frames, else `owner`
    (or `owner_column`). A null record_id (a batch-level rule) matches a null record_id.
    """
    if owner_column is None:
        owner_column = "recipient" if "recipient" in exceptions.columns else "owner"
    sent = _sent_frame(already_sent).unique()
    if sent.is_empty() or exceptions.is_empty():
        return exceptions
    return exceptions.join(
        sent,
        left_on=[pl.col(owner_column).cast(pl.String), *(pl.col(c).cast(pl.String) for c in _KEY)],
        right_on=["owner", *_KEY],
        how="anti",
        nulls_equal=True,
        maintain_order="left",
    )


def sent_rows(alerted: Mapping[str, pl.DataFrame] | pl.DataFrame, *, run_id: str) -> pl.DataFrame:
    """The rows to store as sent (columns SENT_COLUMNS), from each owner's alerted records (a mapping owner ->
    records, or a frame with a `recipient` column). Give it only records whose delivery succeeded."""
    if isinstance(alerted, pl.DataFrame):
        alerted = {o: part for (o,), part in alerted.partition_by("recipient", as_dict=True).items()}
    parts = [
        records.select(pl.lit(owner, pl.String).alias("owner"), *(pl.col(c).cast(pl.String) for c in _KEY))
        for owner, records in alerted.items()
        if records.height
    ]
    if not parts:
        return pl.DataFrame(schema=_SENT_SCHEMA)
    return pl.concat(parts).unique(maintain_order=True).with_columns(pl.lit(run_id, pl.String).alias("run_id"))


# --------------------------------------------------------------------------------------------------- messages


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
    return _CONTROL.sub(" ", str(s)).strip()


def _sql(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _plural(n: int, one: str, many: str | None = None) -> str:
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
    records = _normalise(records).unique(maintain_order=True)  # staging keeps duplicate rows: list each once
    info = {r["rule_id"]: r for r in _rules_frame(rules).iter_rows(named=True)}
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
        f"Data quality: {_plural(n_rules, 'rule')} {'needs' if n_rules == 1 else 'need'} fixing in "
        f"{_one_line(owner.name)} (run {run})"
    )
    fell_back = records.filter(pl.col("routed_as") == "fallback") if "routed_as" in records.columns else records.clear()
    fallback_teams = sorted(
        {t or UNALLOCATED for t in fell_back.filter(pl.col("owner") == TEAM_OWNER)["team_id"].to_list()}
    )
    fallback_roles = sorted({o or "(none)" for o in fell_back.filter(pl.col("owner").ne_missing(TEAM_OWNER))["owner"]})
    all_query = f"SELECT * FROM dq_exceptions WHERE run_id = {_sql(run)}"

    text = [
        f"Pipeline run {run} found {_plural(n_records, 'record')} for {_one_line(owner.name)} to fix in the case "
        f"system: {_plural(n_rules, 'rule')} failing, {n_blocking} of them blocking. Blocking rules come first.",
        "",
    ]
    body = [
        f"<p>Pipeline run <b>{html.escape(run)}</b> found {_plural(n_records, 'record')} for "
        f"<b>{html.escape(owner.name)}</b> to fix in the case system: {_plural(n_rules, 'rule')} failing, "
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
        f" {_plural(open_count, 'exception')} reported before still {'fails' if open_count == 1 else 'fail'}: "
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


def send_run_failure(
    failure: RunFailure, settings: AlertSettings, *, logger: AnyLogger | None = None
) -> list[Delivery]:
    """Tell the run-failure owner (`CSC_ALERT_RUN_FAILURE_OWNER`, else the fallback owner) by email and webhook.
    Returns the deliveries; none when alerts are not configured (logged)."""
    logger = logger or log
    if settings.owners_file is None:
        logger.warning("alerts: CSC_OWNERS_FILE is not set, so nobody is told that run %s failed", failure.run_name)
        return []
    owners = load_owners(settings.owners_file)
    chosen = [o for o in owners if o.name == settings.alert_run_failure_owner] or [
        o for o in owners if o.name == settings.alert_fallback_owner
    ]
    if not chosen:
        logger.warning(
            "alerts: neither %r nor the fallback owner %r is in %s: nobody is told that run %s failed",
            settings.alert_run_failure_owner,
            settings.alert_fallback_owner,
            settings.owners_file,
            failure.run_name,
        )
    return deliver([compose_run_failure(o, failure) for o in chosen], settings, logger=logger)


# --------------------------------------------------------------------------------------------------- delivery


@dataclass(frozen=True)
class Delivery:
    """The outcome of one message on one channel. `target`: the addresses, or the webhook's host only."""

    owner: str
    channel: str  # "email" | "webhook"
    target: str
    ok: bool
    error: str | None = None


def _redact_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}{':' + str(parts.port) if parts.port else ''}/..."


def _scrub(text: str, *secrets: str | None) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "**********")
    return text


def _error(e: BaseException, *secrets: str | None) -> str:
    return _scrub(f"{type(e).__name__}: {e}", *secrets)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _email(message: Message, sender: str) -> EmailMessage:
    m = EmailMessage()
    m["Subject"] = message.subject
    m["From"] = sender
    m["To"] = ", ".join(message.to)
    m["Date"] = formatdate(localtime=True)
    m["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    m["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    m.set_content(message.text)
    m.add_alternative(message.html, subtype="html")
    return m


def _connect(settings: AlertSettings, logger: AnyLogger) -> smtplib.SMTP:
    assert settings.smtp_host
    conn = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    try:
        conn.ehlo()
        if settings.smtp_starttls:
            conn.starttls(context=ssl.create_default_context())
            conn.ehlo()
        if settings.smtp_username:
            if not settings.smtp_starttls and not _is_loopback(settings.smtp_host):
                logger.warning(
                    "alerts: logging in to SMTP host %s without STARTTLS: the password crosses the network in clear",
                    settings.smtp_host,
                )
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            conn.login(settings.smtp_username, password)
        return conn
    except BaseException:
        conn.close()
        raise


def send_email(
    messages: Sequence[Message], settings: AlertSettings, *, logger: AnyLogger | None = None
) -> list[Delivery]:
    """Send each message that has addresses over one SMTP conversation (STARTTLS if set, login if a username is
    set). Returns one Delivery per message. A message the server fails is recorded and the next one is tried on
    a new connection; if connecting (or STARTTLS, or login) fails, every message left fails with that error
    rather than waiting out one timeout per owner."""
    logger = logger or log
    secret = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    todo = [m for m in messages if m.to]
    deliveries: list[Delivery] = []

    def fail(message: Message, error: str) -> None:
        target = ", ".join(message.to)
        logger.warning("alerts: email to %s (%s) failed: %s", message.owner, target, error)
        deliveries.append(Delivery(message.owner, "email", target, False, error))

    if todo and (not settings.smtp_host or not settings.smtp_from):
        missing = "CSC_SMTP_HOST" if not settings.smtp_host else "CSC_SMTP_FROM"
        for message in todo:
            fail(message, f"{missing} is not set")
        return deliveries

    conn: smtplib.SMTP | None = None
    try:
        for i, message in enumerate(todo):
            assert settings.smtp_host and settings.smtp_from
            if conn is None:
                try:
                    conn = _connect(settings, logger)
                except (smtplib.SMTPException, OSError, ValueError) as e:
                    error = f"cannot connect to {settings.smtp_host}:{settings.smtp_port}: {_error(e, secret)}"
                    for left in todo[i:]:
                        fail(left, error)
                    break
            try:
                refused = conn.send_message(_email(message, settings.smtp_from), settings.smtp_from, list(message.to))
            except (smtplib.SMTPException, OSError, ValueError) as e:
                fail(message, _error(e, secret))
                _close(conn)
                conn = None
                continue
            if refused:
                fail(
                    message, "refused by the server: " + ", ".join(f"{a} ({c} {r!r})" for a, (c, r) in refused.items())
                )
            else:
                logger.info("alerts: emailed %s (%s)", message.owner, ", ".join(message.to))
                deliveries.append(Delivery(message.owner, "email", ", ".join(message.to), True))
    finally:
        if conn is not None:
            _close(conn)
    return deliveries


def _close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would be replayed as a GET without its body and look delivered: treat it as a failure."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def post_webhook(
    message: Message, url: str | None = None, *, timeout: float = 10.0, logger: AnyLogger | None = None
) -> Delivery:
    """POST `{"text": ...}` (the subject and the plain-text body, cut short for chat) to an incoming webhook
    (Slack and Teams both accept it). Any non-2xx answer, timeout or connection error is a failed Delivery."""
    logger = logger or log
    url = url or message.webhook
    if not url:
        return Delivery(message.owner, "webhook", "", False, "no webhook URL")
    target = _redact_url(url) if _is_http_url(url) else "(invalid URL)"
    if not _is_http_url(url):
        return Delivery(message.owner, "webhook", target, False, "the webhook must be an http(s) URL")
    body = json.dumps({"text": message.webhook_text}).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        # Built per call so the proxy settings (https_proxy, no_proxy) are the environment's at the time.
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=timeout) as response:
            status = response.status
            response.read(65536)
    except urllib.error.HTTPError as e:
        error = _scrub(f"HTTP {e.code} {e.reason}", url)
    except (urllib.error.URLError, OSError, ValueError) as e:
        error = _error(e, url)
    else:
        if 200 <= status < 300:
            logger.info("alerts: posted to %s's webhook (%s)", message.owner, target)
            return Delivery(message.owner, "webhook", target, True)
        error = f"HTTP {status}"
    logger.warning("alerts: webhook of %s (%s) failed: %s", message.owner, target, error)
    return Delivery(message.owner, "webhook", target, False, error)


def deliver(messages: Sequence[Message], settings: AlertSettings, *, logger: AnyLogger) -> list[Delivery]:
    """Every message by email (those with addresses) and by webhook (those with one)."""
    return send_email(messages, settings, logger=logger) + [
        post_webhook(m, timeout=settings.webhook_timeout, logger=logger) for m in messages if m.webhook is not None
    ]


# --------------------------------------------------------------------------------------------------- entry point


@dataclass(frozen=True)
class OwnerAlert:
    """One owner's message in a run and what became of it."""

    owner: str
    subject: str
    record_count: int
    rule_count: int
    nothing_new: bool
    delivered: tuple[str, ...]  # channels that took it
    failed: tuple[str, ...]  # channels that did not


@dataclass(frozen=True, eq=False)
class AlertReport:
    """What `send_alerts` did.

    `alerts`: every message composed, per owner, with record and rule counts and its delivery; `sent`: owner ->
    record count for messages every channel took; `failures`: failed deliveries (owner, channel, error);
    `unrouted`: records no owner could receive; `rows_to_store`: the (owner, rule_id, table_name, record_id,
    run_id) rows to append to the sent-alerts table (only messages every channel took, so failed ones are
    retried next run).
    """

    run_id: str
    configured: bool
    note: str = ""
    alerts: list[OwnerAlert] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    unrouted: list[UnroutedRecord] = field(default_factory=list)
    rows_to_store: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_SENT_SCHEMA), repr=False)

    @property
    def failures(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.ok]

    @property
    def sent(self) -> dict[str, int]:
        return {a.owner: a.record_count for a in self.alerts if a.delivered and not a.failed}

    @property
    def ok(self) -> bool:
        return not self.failures and not self.unrouted

    def summary(self) -> str:
        if not self.configured:
            return f"alerts for run {self.run_id}: {self.note}"
        parts = [
            f"alerts for run {self.run_id}: {_plural(len(self.sent), 'owner')} alerted "
            f"({_plural(sum(self.sent.values()), 'new record')})"
        ]
        if self.failures:
            parts.append(
                f"{_plural(len(self.failures), 'delivery', 'deliveries')} failed ("
                + "; ".join(f"{d.owner} {d.channel}: {d.error}" for d in self.failures)
                + ")"
            )
        if self.unrouted:
            parts.append(f"{_plural(len(self.unrouted), 'record')} unrouted ({self.unrouted[0].reason}, ...)")
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)


def send_alerts(
    exceptions: pl.DataFrame,
    rules: pl.DataFrame | None,
    *,
    run_id: str,
    already_sent: pl.DataFrame | Iterable[Sequence[str | None]] | None,
    settings: AlertSettings,
    logger: AnyLogger | None = None,
) -> AlertReport:
    """Alert each owner to its new exceptions of this run (the pipeline's one call).

    Without `settings.owners_file` it does nothing and says so in the report. A bad owners file raises
    OwnersConfigError. Delivery failures never raise: they are in the report, and their records are not in
    `rows_to_store`, so the next run sends them again.
    """
    logger = logger or log
    if settings.owners_file is None:
        note = "alerts are not configured (CSC_OWNERS_FILE is not set)"
        logger.info("alerts: %s", note)
        return AlertReport(run_id=run_id, configured=False, note=note)

    owners = load_owners(settings.owners_file)
    routing = route(exceptions, rules, owners, fallback=settings.alert_fallback_owner)
    for u in routing.unrouted[:20]:
        logger.warning(
            "alerts: unrouted: rule %s, %s record %s (team %s): %s",
            u.rule_id,
            u.table_name,
            u.record_id,
            u.team_id,
            u.reason,
        )
    if len(routing.unrouted) > 20:
        logger.warning("alerts: ... and %d more unrouted records", len(routing.unrouted) - 20)

    messages: list[Message] = []
    for owner in owners:
        routed = routing.by_owner.get(owner.name)
        new = new_since(routed, already_sent) if routed is not None else None
        if new is not None and new.height:
            messages.append(
                compose_message(
                    owner, new, rules, run_id=run_id, max_records_per_rule=settings.alert_max_records_per_rule
                )
            )
        elif settings.alert_send_when_nothing_new:
            still_open = 0 if routed is None else routed.height
            messages.append(compose_nothing_new(owner, run_id=run_id, open_count=still_open))

    deliveries = deliver(messages, settings, logger=logger)

    alerts = []
    delivered_records: dict[str, pl.DataFrame] = {}
    for m in messages:
        mine = [d for d in deliveries if d.owner == m.owner]
        ok = tuple(d.channel for d in mine if d.ok)
        failed = tuple(d.channel for d in mine if not d.ok)
        alerts.append(OwnerAlert(m.owner, m.subject, m.record_count, m.rule_count, m.nothing_new, ok, failed))
        if ok and not failed:
            delivered_records[m.owner] = m.records
    report = AlertReport(
        run_id=run_id,
        configured=True,
        note="" if messages else "nothing new to send",
        alerts=alerts,
        deliveries=deliveries,
        unrouted=routing.unrouted,
        rows_to_store=sent_rows(delivered_records, run_id=run_id),
    )
    logger.info("%s", report.summary())
    return report
