"""The rule catalogue: every data-quality rule with its id, description, severity, owner and the indicators it
affects. A rule is written as SQL that selects the records that break it (``expectations/rules.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from declarations.contract import TABLES_BY_NAME

RULES_FILE = Path(__file__).with_name("rules.toml")
SEVERITIES = ("blocking", "warning")
# Rules about a whole batch rather than one table's records.
BATCH_TABLE = "batch"


class RuleError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    severity: str
    owner: str
    indicators: tuple[str, ...]
    table: str
    sql: str
    column: str | None = None
    problems: tuple[str, ...] = ()
    # the record's date in ``column`` is wrong, so it could lie anywhere in time (the materiality gate)
    dates_unsure: bool = False

    @property
    def is_blocking(self) -> bool:
        return self.severity == "blocking"

    def sql_for(self, as_of) -> str:
        return self.sql.replace("$as_of", f"DATE '{as_of.isoformat()}'")


def parse_rules(text: str, *, source: str = "<text>") -> tuple[Rule, ...]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RuleError(f"{source}: {e}") from None
    rules = []
    for n, entry in enumerate(data.get("rule", []), start=1):
        where = f"{source}: rule {n} ({entry.get('id', 'no id')})"
        for required in ("id", "description", "severity", "owner", "indicators", "table", "sql"):
            if required not in entry:
                raise RuleError(f"{where}: missing {required!r}")
        if entry["severity"] not in SEVERITIES:
            raise RuleError(f"{where}: severity must be blocking or warning")
        if entry["table"] not in TABLES_BY_NAME and entry["table"] != BATCH_TABLE:
            raise RuleError(f"{where}: table {entry['table']!r} is not a contract table")
        if entry["severity"] == "blocking" and entry["table"] != BATCH_TABLE:
            raise RuleError(
                f"{where}: only a batch-level rule is blocking; a record-level rule puts its records in doubt and "
                "the materiality gate decides whether they matter"
            )
        rules.append(
            Rule(
                id=entry["id"],
                description=entry["description"],
                severity=entry["severity"],
                owner=entry["owner"],
                indicators=tuple(entry["indicators"]),
                table=entry["table"],
                sql=entry["sql"],
                column=entry.get("column"),
                problems=tuple(entry.get("problems", ())),
                dates_unsure=bool(entry.get("dates_unsure", False)),
            )
        )
    ids = [r.id for r in rules]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise RuleError(f"{source}: rule ids appear twice: {', '.join(twice)}")
    return tuple(rules)
