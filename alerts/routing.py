"""Who must fix what, and what they have not been told yet.

A rule's owner is either "team" (each record goes to the owner of the record's team) or a role name (all the
rule's records go to the owner with that name). Records nobody owns go to a fallback owner (default
"performance"); if that owner is missing too they are returned as unrouted, never dropped silently (`route`).

An owner is alerted to a record once: `new_since` keeps the routed records not in what was sent before, and
`sent_rows` gives the rows (SENT_COLUMNS) the caller stores once a message has been delivered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import polars as pl

from alerts.owners import TEAM_OWNER, Owner
from declarations.constants import UNALLOCATED_TEAM
from expectations.quality import EXCEPTION_COLUMNS  # the DQ step's exceptions, all text

__all__ = [
    "SENT_COLUMNS",
    "SENT_SCHEMA",
    "Routing",
    "UnroutedRecord",
    "exceptions_frame",
    "new_since",
    "route",
    "rules_frame",
    "sent_rows",
]

SENT_COLUMNS = ("owner", "rule_id", "table_name", "record_id", "run_id")
"""What the caller stores after sending (`sent_rows`); `owner` is the owner alerted, not the rule's owner."""

SENT_SCHEMA = {c: pl.String for c in SENT_COLUMNS}
_KEY = ("rule_id", "table_name", "record_id")


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


def exceptions_frame(exceptions: pl.DataFrame) -> pl.DataFrame:
    """The exceptions with every EXCEPTION_COLUMNS column as text; a missing column is an error."""
    missing = [c for c in EXCEPTION_COLUMNS if c not in exceptions.columns]
    if missing:
        raise ValueError(f"exceptions lack column(s) {', '.join(missing)}")
    return exceptions.with_columns(pl.col(c).cast(pl.String) for c in EXCEPTION_COLUMNS)


def rules_frame(rules: pl.DataFrame | None) -> pl.DataFrame:
    """One row per rule: rule_id, description, severity, owner and indicators (joined into text), all text."""
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
    df = exceptions_frame(exceptions)
    rules_owner = rules_frame(rules).select("rule_id", pl.col("owner").alias("_rule_owner"))
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
            pl.col("team_id").fill_null(UNALLOCATED_TEAM).alias("_team"),
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
        return pl.DataFrame(schema=SENT_SCHEMA)
    return pl.concat(parts).unique(maintain_order=True).with_columns(pl.lit(run_id, pl.String).alias("run_id"))
