"""Great Expectations suites, one per contract table (and one for the batch), built from the contract declaration
and the rule catalogue, and kept as JSON files in ``expectations/suites/`` (``csc dq-suites`` rewrites them).

Each table's suite holds:
- the basic expectations the declaration implies: every row has its primary key;
- one expectation per rule on that table: the rule's SQL selects the records that break it, the runner marks them
  in a column ``breaks_<rule id>``, and the expectation is that no record is marked. The rule's id, description,
  severity, owner and indicators travel in the expectation's ``meta``, so Data Docs show them.
"""

from __future__ import annotations

import json
from pathlib import Path

from declarations.contract import TABLES
from expectations.rules import BATCH_TABLE, Rule

SUITES_DIR = Path(__file__).with_name("suites")
BASIC_RULE_PREFIX = "BAS"


def flag_column(rule_id: str) -> str:
    return f"breaks_{rule_id}"


def basic_rules() -> tuple[Rule, ...]:
    """The rules every contract table gets from its declaration."""
    return tuple(
        Rule(
            id=f"{BASIC_RULE_PREFIX}-{t.name}-key",
            description=f"A row of {t.name} has no {t.key} (its primary key), so it cannot be traced or fixed",
            severity="warning",
            owner="systems",
            indicators=(),
            table=t.name,
            column=t.key,
            sql="",
        )
        for t in TABLES
    )


def _meta(rule: Rule) -> dict:
    return {
        "rule_id": rule.id,
        "description": rule.description,
        "severity": rule.severity,
        "owner": rule.owner,
        "indicators": list(rule.indicators),
        "column": rule.column,
    }


def suite_dicts(rules: tuple[Rule, ...]) -> dict[str, dict]:
    """Suite name -> suite as GX stores it (``ExpectationSuite.to_json_dict()`` shape)."""
    suites: dict[str, list[dict]] = {t.name: [] for t in TABLES}
    suites[BATCH_TABLE] = []
    for t in TABLES:
        basic = next(r for r in basic_rules() if r.table == t.name)
        suites[t.name].append(
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "row_key"}, "meta": _meta(basic)}
        )
    for rule in rules:
        suites[rule.table].append(
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": flag_column(rule.id), "value_set": [False]},
                "meta": _meta(rule),
            }
        )
    return {
        name: {"name": f"dq_{name}", "expectations": expectations, "meta": {"table": name}}
        for name, expectations in suites.items()
    }


def write_suites(rules: tuple[Rule, ...], directory: Path = SUITES_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, suite in suite_dicts(rules).items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(suite, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written


def read_suites(directory: Path = SUITES_DIR) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))}
