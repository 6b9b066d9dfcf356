"""The rules every table gets from its declaration in ``declarations.contract``, so none of them is hand-written and a
table added to the contract has them at once:

- ``KEY-<table>``: its primary key is unique;
- ``REF-<table>-<column>``: every relationship the contract declares (``Column.references``, and every table's
  person column to ``ssd_person``) names a record that is in the export;
- ``CODE-<table>-<column>``: every coded column with a code list (``Column.mapping``) holds a code or a known
  description of one;
- ``DESC-<table>-<column>``: ... and a description where the rest of the export writes codes is a slip, reported
  (mapped all the same);
- ``FUT-<table>-<column>``: no date that places a record (``Table.dated_by``) is after the extract date;
- ``SPC-<table>``: no id arrives with stray spaces (staging trims them; the export should not carry them).

Which figures each can move comes from what the indicators read (``transforms.materiality.INDICATOR_INPUTS``);
which generator fault kinds each finds (for ``scripts/dq_recall.py``) is declared below, beside the rules.
"""

from __future__ import annotations

from pathlib import Path

from declarations.codes import CODES
from declarations.contract import TABLES, Column, Table
from declarations.tables import literal, quote
from expectations.rules import RULES_FILE, Rule, RuleError, parse_rules
from transforms.materiality import indicators_reading

PERSON = "ssd_person.pers_person_id"
# The generator's fault kinds (csc/synthetic/faults.py) each derived rule finds, by the table a reference names.
REFERENCE_PROBLEMS = {
    "ssd_person": ("orphan_person",),
    "ssd_cp_plans": ("orphan_plan",),
    "ssd_cla_episodes": ("orphan_plan",),
    "ssd_cin_episodes": ("assessment_no_referral",),
    "ssd_professionals": ("unknown_worker_or_team",),
    "ssd_department": ("unknown_worker_or_team",),
}
DESCRIPTION_PROBLEMS = {
    "cp_category": ("category_description",),
    "care_leaver_activity": ("care_leaver_description",),
    "care_leaver_accommodation": ("care_leaver_description",),
}
# The columns of an allocation that say who holds the case: an unknown worker or team moves the child's figure
# between teams (an allocation doubt), so it matters to every figure by team.
WHO_HOLDS = ("invo_professional_id", "invo_professional_team", "invo_professional_role_id")


def _rule(
    id: str,
    description: str,
    t: Table,
    column: str | None,
    sql: str,
    *,
    problems: tuple[str, ...] = (),
    indicators: tuple[str, ...] = (),
    owner: str = "systems",
    dates_unsure: bool = False,
) -> Rule:
    """A declared rule: a warning; a record-level problem never withholds a figure by itself (the gate weighs it)."""
    return Rule(
        id=id,
        description=description,
        severity="warning",
        owner=owner,
        indicators=indicators,
        table=t.name,
        column=column,
        problems=problems,
        dates_unsure=dates_unsure,
        sql=sql,
    )


def _person(t: Table, alias: str = "x") -> str:
    return f"{alias}.{quote(t.person_column)}" if t.person_column else "NULL"


def _record(t: Table, alias: str = "x") -> str:
    return f"CAST({alias}.{quote(t.record_key)} AS VARCHAR)"


def key_rules() -> list[Rule]:
    rules = []
    for t in TABLES:
        key = quote(t.key)
        rules.append(
            _rule(
                id=f"KEY-{t.name}",
                description=f"A record exported more than once: two or more {t.name} rows with the same {t.key}",
                indicators=indicators_reading(t.name),
                t=t,
                column=t.key,
                problems=("duplicate_key",),
                sql=f"""
SELECT any_value({_record(t)}) AS record_id, any_value({_person(t)}) AS person_id, CAST(count(*) AS VARCHAR) AS value,
       concat({literal(f"{t.name}: {t.key} ")}, x.{key}, ' appears ', count(*), ' times (', any_value(x._source_file),
              ' rows ', string_agg(CAST(x._row_number AS VARCHAR), ', ' ORDER BY x._row_number), '), ',
              CASE WHEN count(DISTINCT hash(*COLUMNS(x.* EXCLUDE (_batch_id, _source_file, _row_number)))) = 1
                   THEN 'exact copies' ELSE 'with different values: the first row is used' END) AS message
FROM staging.{quote(t.name)} x
WHERE x.{key} IS NOT NULL
GROUP BY x.{key}
HAVING count(*) > 1
""",
            )
        )
    return rules


def references(t: Table) -> list[tuple[Column, str, str]]:
    """(column, referenced table, referenced column) for every relationship the table declares: its columns'
    ``references``, and its person column to ssd_person."""
    out = []
    for c in t.columns:
        target = c.references or (PERSON if c.name == t.person_column and t.name != "ssd_person" else None)
        if target:
            table, _, column = target.partition(".")
            out.append((c, table, column))
    return out


def reference_rules() -> list[Rule]:
    rules = []
    for t in TABLES:
        for c, target, target_column in references(t):
            person = target == "ssd_person"
            # A record for a child who is not in the export belongs to nobody; an allocation's unknown worker or
            # team moves the child between teams; a record naming another that is not there (a visit's plan)
            # matters only where a figure follows that reference (others link by child and date).
            if person or c.name in WHO_HOLDS:
                indicators = indicators_reading(t.name)
            else:
                indicators = indicators_reading(t.name, follows=f"{t.name}.{c.name}")
            what = "a child who is not in the person file" if person else f"a {target} record that is not in it"
            rules.append(
                _rule(
                    id=f"REF-{t.name}-{c.name}",
                    description=f"{t.name}.{c.name} names {what} ({target}.{target_column})",
                    indicators=indicators,
                    t=t,
                    column=c.name,
                    problems=REFERENCE_PROBLEMS.get(target, ()),
                    sql=f"""
SELECT {_record(t)} AS record_id, {_person(t)} AS person_id, x.{quote(c.name)} AS value,
       concat({literal(f"{t.name} ")}, x.{quote(t.key)}, {literal(f": {c.name} ")}, x.{quote(c.name)},
              {literal(f" is not in {target} ({target_column})")}) AS message
FROM staging.{quote(t.name)} x
WHERE x.{quote(c.name)} IS NOT NULL
  -- a table the export does not have says nothing about what is in it
  AND EXISTS (SELECT 1 FROM staging.{quote(target)})
  AND NOT EXISTS (SELECT 1 FROM staging.{quote(target)} r WHERE r.{quote(target_column)} = x.{quote(c.name)})
""",
                )
            )
    return rules


def _codes(mapping: str) -> str:
    return ", ".join(literal(code) for code in CODES[mapping])


def code_rules() -> list[Rule]:
    rules = []
    for t in TABLES:
        for c in t.columns:
            if c.kind != "code" or not c.mapping:
                continue
            col = quote(c.name)
            indicators = indicators_reading(t.name, code=c.name)
            rules.append(
                _rule(
                    id=f"CODE-{t.name}-{c.name}",
                    description=f"{t.name}.{c.name} holds a value that is neither a code ({c.mapping}) nor a known "
                    "description of one",
                    indicators=indicators,
                    t=t,
                    column=c.name,
                    problems=("unmapped_code",),
                    sql=f"""
SELECT {_record(t)} AS record_id, {_person(t)} AS person_id, x.{col} AS value,
       concat({literal(f"{t.name} ")}, x.{quote(t.key)}, {literal(f": {c.name} ")}, '"', x.{col}, '"',
              ' is neither a code nor a known description of one') AS message
FROM staging.{quote(t.name)} x
WHERE x.{col} IS NOT NULL AND x.{col} NOT IN ({_codes(c.mapping)})
""",
                )
            )
            # Some builds write descriptions throughout, by design (Liquidlogic's): only a description among codes
            # is a slip. Staging maps it either way, so it moves no figure.
            rules.append(
                _rule(
                    id=f"DESC-{t.name}-{c.name}",
                    description=f"{t.name}.{c.name} written as a description where the rest of the export writes "
                    "codes (a slip in recording; mapped to the code here)",
                    indicators=(),
                    t=t,
                    column=c.name,
                    problems=DESCRIPTION_PROBLEMS.get(c.mapping, ()),
                    sql=f"""
WITH received AS (
    SELECT {_record(t, "s")} AS record_id, {_person(t, "s")} AS person_id, trim(r.{col}) AS value, s.{col} AS code,
           upper(trim(r.{col})) = s.{col} AS is_code
    FROM staging.{quote(t.name)} s
    JOIN raw.{quote(t.name)} r ON r._batch_id = s._batch_id AND r._source_file = s._source_file
     AND r._row_number = s._row_number
    WHERE s.{col} IN ({_codes(c.mapping)})
),
export_writes AS (SELECT count(*) FILTER (WHERE is_code) > count(*) FILTER (WHERE NOT is_code) AS codes FROM received)
SELECT x.record_id, x.person_id, x.value,
       concat({literal(f"{t.name} ")}, x.record_id, {literal(f": {c.name} received as the description ")}, '"',
              x.value, '" instead of the code ', x.code, ', where the rest of the export writes codes') AS message
FROM received x, export_writes w
WHERE w.codes AND NOT x.is_code
""",
                )
            )
    return rules


def future_rules() -> list[Rule]:
    rules = []
    for t in TABLES:
        for name in t.dated_by:
            col = quote(name)
            # a personal date (a date of birth) is never shown: the message names the record only
            shown = "" if t.column(name).personal else f", ' ', x.{col}"
            rules.append(
                _rule(
                    id=f"FUT-{t.name}-{name}",
                    description=f"{t.name}.{name} is after the extract date (a date in the future)",
                    owner="team",
                    indicators=indicators_reading(t.name),
                    t=t,
                    column=name,
                    problems=("future_date",),
                    dates_unsure=True,
                    sql=f"""
SELECT {_record(t)} AS record_id, {_person(t)} AS person_id,
       {"NULL" if not shown else f"CAST(x.{col} AS VARCHAR)"} AS value,
       concat({literal(f"{t.name} ")}, x.{quote(t.key)}, {literal(f": {name}")}{shown},
              ' is after the extract date ', $as_of) AS message
FROM staging.{quote(t.name)} x
WHERE x.{col} > $as_of
""",
                )
            )
    return rules


def space_rules() -> list[Rule]:
    rules = []
    for t in TABLES:
        ids = [c.name for c in t.columns if c.kind == "id"]
        if not ids:
            continue
        spaced = " OR ".join(f"r.{quote(c)} <> trim(r.{quote(c)})" for c in ids)
        which = ", ".join(f"CASE WHEN r.{quote(c)} <> trim(r.{quote(c)}) THEN {literal(c)} END" for c in ids)
        # an NHS number or other personal identifier is named, never shown
        first = ", ".join(
            f"CASE WHEN r.{quote(c)} <> trim(r.{quote(c)}) THEN r.{quote(c)} END"
            for c in ids
            if not t.column(c).personal
        )
        shown = f"""'"' || coalesce({first}) || '"'""" if first else "NULL"
        rules.append(
            _rule(
                id=f"SPC-{t.name}",
                description=f"An id in {t.name} arrives with stray spaces before or after it (trimmed here)",
                indicators=(),
                t=t,
                column=None,
                problems=("id_with_spaces",),
                sql=f"""
SELECT {_record(t, "s")} AS record_id, {_person(t, "s")} AS person_id, {shown} AS value,
       concat({literal(f"{t.name} ")}, s.{quote(t.key)}, ': ', concat_ws(', ', {which}),
              ' received with spaces before or after the id (', s._source_file, ' row ', s._row_number,
              ', trimmed here)') AS message
FROM staging.{quote(t.name)} s
JOIN raw.{quote(t.name)} r ON r._batch_id = s._batch_id AND r._source_file = s._source_file
 AND r._row_number = s._row_number
WHERE {spaced}
""",
            )
        )
    return rules


def declared_rules() -> tuple[Rule, ...]:
    """Every rule the contract's declarations imply."""
    return tuple(key_rules() + reference_rules() + code_rules() + future_rules() + space_rules())


def load_rules(path: Path | None = None) -> tuple[Rule, ...]:
    """The hand-written rules (``rules.toml``) and those every table gets from its declaration
    (``expectations.declared``)."""
    path = path or RULES_FILE
    written = parse_rules(path.read_text(encoding="utf-8"), source=str(path))
    derived = declared_rules()
    clash = sorted({r.id for r in written} & {r.id for r in derived})
    if clash:
        raise RuleError(f"{path}: rule ids also derived from the contract's declarations: {', '.join(clash)}")
    return written + derived
