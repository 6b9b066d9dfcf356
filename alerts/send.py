"""Alerts to the owners of data-quality exceptions: the pipeline's one call (`send_alerts`), and the message
that a run failed (`send_run_failure`).

After each run the DQ step produces one row per failing record per rule (`exceptions`) and the rules themselves
(`rules`). `send_alerts` reads the owners file (alerts/owners.py), decides who must fix what and keeps only what
was not alerted before (alerts/routing.py), writes one message per owner (alerts/messages.py), delivers it by
email and webhook (alerts/delivery.py), and reports what became of each message and which rows to store as sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl

from alerts.delivery import AnyLogger, Delivery, deliver
from alerts.messages import Message, RunFailure, compose_message, compose_nothing_new, compose_run_failure, plural
from alerts.owners import load_owners
from alerts.routing import SENT_SCHEMA, UnroutedRecord, new_since, route, sent_rows
from declarations.settings import AlertSettings

__all__ = ["AlertReport", "OwnerAlert", "send_alerts", "send_run_failure"]

log = logging.getLogger(__name__)


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
    rows_to_store: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SENT_SCHEMA), repr=False)

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
            f"alerts for run {self.run_id}: {plural(len(self.sent), 'owner')} alerted "
            f"({plural(sum(self.sent.values()), 'new record')})"
        ]
        if self.failures:
            parts.append(
                f"{plural(len(self.failures), 'delivery', 'deliveries')} failed ("
                + "; ".join(f"{d.owner} {d.channel}: {d.error}" for d in self.failures)
                + ")"
            )
        if self.unrouted:
            parts.append(f"{plural(len(self.unrouted), 'record')} unrouted ({self.unrouted[0].reason}, ...)")
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
    batch: str | None = None,
) -> AlertReport:
    """Alert each owner to its new exceptions of this run (the pipeline's one call). `batch` names the run's batch
    in the messages (its extract date: `expectations.quality.alert_batch`).

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
                    owner,
                    new,
                    rules,
                    run_id=run_id,
                    max_records_per_rule=settings.alert_max_records_per_rule,
                    batch=batch,
                    attach_over=settings.alert_attach_over,
                )
            )
        elif settings.alert_send_when_nothing_new:
            still_open = 0 if routed is None else routed.height
            messages.append(compose_nothing_new(owner, run_id=run_id, open_count=still_open, batch=batch))

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
