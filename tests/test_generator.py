"""Tests of the synthetic SSD batch generator (csc.synthetic), on batches in the extract contract's own shape.

The batch is read back the way a loader would (encoding detected, three date formats, blank/NULL, sentinels)
and checked with "select the rows that fail" queries, one per recording problem: a clean batch must have none,
and a batch with faults must have exactly the logged ones. Each case system's shape of the same world is tested
in tests/test_generator_systems.py.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from csc.synthetic import FAULT_KINDS, READY_MARKER, SCALES, generate_batch
from declarations import codes, contract
from warehouse.db import fetch_one

AS_OF = date(2023, 8, 31)
# The contract's own shape: the tables as contract.md first declared them (the core tables and the extensions).
CONTRACT = "contract"
TABLES = contract.CORE_TABLES


def columns(t: contract.Table) -> list[contract.Column]:
    """The table's columns in the contract's own shape: those only some case systems export are left out."""
    return [c for c in t.columns if not c.optional]


# --- reading a batch back --------------------------------------------------------------------------------------


def table_file(folder: Path, table: str) -> Path:
    matches = [p for p in folder.iterdir() if re.fullmatch(rf"{table}(_\d{{8}})?\.csv", p.name)]
    assert len(matches) == 1, f"{table}: {matches}"
    return matches[0]


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def parse_dates(column: pl.Expr) -> pl.Expr:
    """ISO, UK day-first or SQL Server datetime; the 1900-01-01 sentinel means no date."""
    parsed = pl.coalesce(
        column.str.strptime(pl.Date, "%Y-%m-%d %H:%M:%S%.3f", strict=False),
        column.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        column.str.strptime(pl.Date, "%d/%m/%Y", strict=False),
    )
    return pl.when(parsed == date(1900, 1, 1)).then(None).otherwise(parsed)


def read_table(folder: Path, table: contract.Table) -> pl.DataFrame:
    text = decode(table_file(folder, table.name).read_bytes())
    raw = pl.read_csv(io.StringIO(text), infer_schema=False, null_values=["NULL"])
    typed = []
    for c in columns(table):
        col = pl.col(c.name)
        if c.kind == "date":
            typed.append(parse_dates(col).alias(c.name))
        elif c.kind == "id":
            typed.append(pl.when(col == "-1").then(None).otherwise(col).alias(c.name))
        elif c.kind == "int":
            typed.append(col.cast(pl.Int64))
        elif c.kind == "float":
            typed.append(col.cast(pl.Float64))
        else:
            typed.append(col)
    return raw.select(typed)


def read_batch(folder: Path) -> dict[str, pl.DataFrame]:
    return {t.name: read_table(folder, t) for t in TABLES}


def connect(frames: dict[str, pl.DataFrame]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, frame in frames.items():
        con.register(name, frame.to_arrow())
    con.execute(
        """
        CREATE VIEW visits AS
        SELECT 'ssd_cp_visits' AS table_name, cppv_cp_visit_id AS id, cppv_person_id AS person,
               cppv_cp_visit_date AS d, cppv_cp_visit_seen AS seen FROM ssd_cp_visits
        UNION ALL SELECT 'ssd_cla_visits', clav_cla_visit_id, clav_person_id, clav_cla_visit_date, clav_cla_visit_seen
        FROM ssd_cla_visits
        UNION ALL SELECT 'ssd_cin_visits', cinv_cin_visit_id, cinv_person_id, cinv_cin_visit_date, cinv_cin_visit_seen
        FROM ssd_cin_visits;
        CREATE VIEW people AS SELECT DISTINCT pers_person_id AS person, pers_dob AS dob, pers_death_date AS death
        FROM ssd_person;
        -- what dates events against a birth: a date of birth in the future is the birth date's own problem
        CREATE VIEW born AS SELECT * FROM people WHERE dob <= DATE '2023-08-31';
        -- each child's case-holding spells; a child with one of unknown start has no known first day
        CREATE VIEW spells AS
        SELECT cine_person_id AS person, cine_referral_date AS start FROM ssd_cin_episodes
        UNION ALL SELECT cppl_person_id, cppl_cp_plan_start_date FROM ssd_cp_plans
        UNION ALL SELECT cinp_person_id, cinp_cin_plan_start_date FROM ssd_cin_plans
        UNION ALL SELECT clae_person_id, clae_cla_episode_start_date FROM ssd_cla_episodes;
        CREATE VIEW first_case AS
        SELECT person, min(start) AS first FROM spells GROUP BY person HAVING count(*) = count(start);
        """
    )
    return con


# --- one "select the rows that fail" query per recording problem -------------------------------------------------

ASOF = f"DATE '{AS_OF}'"
REQUIRED_DATES = {
    "ssd_contacts": ("cont_contact_id", "cont_contact_date"),
    "ssd_cin_episodes": ("cine_referral_id", "cine_referral_date"),
    "ssd_cin_assessments": ("cina_assessment_id", "cina_assessment_start_date"),
    "ssd_cin_plans": ("cinp_cin_plan_id", "cinp_cin_plan_start_date"),
    "ssd_cp_plans": ("cppl_cp_plan_id", "cppl_cp_plan_start_date"),
    "ssd_cla_episodes": ("clae_cla_episode_id", "clae_cla_episode_start_date"),
    "ssd_cp_reviews": ("cppr_cp_review_id", "cppr_cp_review_date"),
    "ssd_cla_reviews": ("clar_cla_review_id", "clar_cla_review_date"),
    "ext_cin_plan_reviews": ("cinr_cin_review_id", "cinr_cin_review_date"),
    "ssd_cp_visits": ("cppv_cp_visit_id", "cppv_cp_visit_date"),
    "ssd_cla_visits": ("clav_cla_visit_id", "clav_cla_visit_date"),
    "ssd_cin_visits": ("cinv_cin_visit_id", "cinv_cin_visit_date"),
}
STARTS_AND_ENDS = {
    "ssd_contacts": ("cont_contact_id", "cont_contact_date", "cont_contact_outcome_date"),
    "ssd_cin_episodes": ("cine_referral_id", "cine_referral_date", "cine_close_date"),
    "ssd_cin_assessments": ("cina_assessment_id", "cina_assessment_start_date", "cina_assessment_auth_date"),
    "ssd_s47_enquiry": ("s47e_s47_enquiry_id", "s47e_s47_start_date", "s47e_s47_end_date"),
    "ssd_cin_plans": ("cinp_cin_plan_id", "cinp_cin_plan_start_date", "cinp_cin_plan_end_date"),
    "ssd_cp_plans": ("cppl_cp_plan_id", "cppl_cp_plan_start_date", "cppl_cp_plan_end_date"),
    "ssd_cla_episodes": ("clae_cla_episode_id", "clae_cla_episode_start_date", "clae_cla_episode_ceased_date"),
    "ssd_involvements": ("invo_involvements_id", "invo_involvement_start_date", "invo_involvement_end_date"),
}
PLAN_STARTS = {  # (table, key, person, start) of plans and episodes
    "ssd_cp_plans": ("cppl_cp_plan_id", "cppl_person_id", "cppl_cp_plan_start_date"),
    "ssd_cin_plans": ("cinp_cin_plan_id", "cinp_person_id", "cinp_cin_plan_start_date"),
    "ssd_cla_episodes": ("clae_cla_episode_id", "clae_person_id", "clae_cla_episode_start_date"),
}
EVENT_DATES = {  # events that cannot be after as-of
    "ssd_cp_reviews": ("cppr_cp_review_id", "cppr_cp_review_date"),
    "ssd_cla_reviews": ("clar_cla_review_id", "clar_cla_review_date"),
    "ssd_contacts": ("cont_contact_id", "cont_contact_date"),
}


def union(parts: list[str]) -> str:
    return "\nUNION ALL\n".join(parts)


def num(column: str) -> str:
    return f"CAST(regexp_extract({column}, '[0-9]+$') AS BIGINT)"


SQL_CHECKS: dict[str, str] = {
    "visit_in_cin_file": """
        SELECT 'ssd_cin_visits', v.cinv_cin_visit_id FROM ssd_cin_visits v
        WHERE EXISTS (SELECT 1 FROM ssd_cp_plans p WHERE p.cppl_person_id = v.cinv_person_id
                      AND p.cppl_cp_plan_start_date <= v.cinv_cin_visit_date
                      AND (p.cppl_cp_plan_end_date IS NULL OR p.cppl_cp_plan_end_date > v.cinv_cin_visit_date))
           OR EXISTS (SELECT 1 FROM ssd_cla_episodes e WHERE e.clae_person_id = v.cinv_person_id
                      AND e.clae_cla_episode_start_date <= v.cinv_cin_visit_date
                      AND (e.clae_cla_episode_ceased_date IS NULL
                           OR e.clae_cla_episode_ceased_date > v.cinv_cin_visit_date))""",
    "duplicate_visit": f"""
        SELECT table_name, id FROM (
            SELECT table_name, id, row_number() OVER (PARTITION BY person, d ORDER BY {num("id")}) AS k
            FROM visits WHERE d IS NOT NULL) WHERE k > 1""",
    "blank_cp_plan_id": """
        SELECT 'ssd_cp_visits', cppv_cp_visit_id FROM ssd_cp_visits WHERE cppv_cp_plan_id IS NULL
        UNION ALL SELECT 'ssd_cp_reviews', cppr_cp_review_id FROM ssd_cp_reviews WHERE cppr_cp_plan_id IS NULL""",
    "missing_date": union([f"SELECT '{t}', {k} FROM {t} WHERE {d} IS NULL" for t, (k, d) in REQUIRED_DATES.items()]),
    "date_before_birth": union(
        [
            "SELECT v.table_name, v.id FROM visits v JOIN born p USING (person) WHERE v.d < p.dob",
            *[
                f"SELECT '{t}', {k} FROM {t} JOIN born p ON p.person = {person} WHERE {start} < p.dob"
                for t, (k, person, start) in PLAN_STARTS.items()
            ],
        ]
    ),
    "date_after_death": "SELECT v.table_name, v.id FROM visits v JOIN people p USING (person) WHERE v.d > p.death",
    "future_date": union(
        [
            f"SELECT table_name, id FROM visits WHERE d > {ASOF}",
            *[f"SELECT '{t}', {k} FROM {t} WHERE {d} > {ASOF}" for t, (k, d) in EVENT_DATES.items()],
        ]
    ),
    "end_before_start": union(
        [f"SELECT '{t}', {k} FROM {t} WHERE {e} < {s}" for t, (k, s, e) in STARTS_AND_ENDS.items()]
    ),
    "duplicate_key": union(
        [f"SELECT '{t.name}', {t.key} FROM {t.name} GROUP BY {t.key} HAVING count(*) > 1" for t in TABLES]
    ),
    "orphan_person": union(
        [
            f"SELECT '{t.name}', {t.key} FROM {t.name} WHERE {t.person_column} IS NOT NULL "
            f"AND trim({t.person_column}) NOT IN (SELECT person FROM people)"
            for t in TABLES
            if t.person_column and t.name != "ssd_person"
        ]
    ),
    "orphan_plan": """
        SELECT 'ssd_cp_visits', cppv_cp_visit_id FROM ssd_cp_visits
        WHERE cppv_cp_plan_id NOT IN (SELECT cppl_cp_plan_id FROM ssd_cp_plans)
        UNION ALL SELECT 'ssd_cp_reviews', cppr_cp_review_id FROM ssd_cp_reviews
        WHERE cppr_cp_plan_id NOT IN (SELECT cppl_cp_plan_id FROM ssd_cp_plans)
        UNION ALL SELECT 'ssd_cla_visits', clav_cla_visit_id FROM ssd_cla_visits
        WHERE clav_cla_id NOT IN (SELECT clae_cla_id FROM ssd_cla_episodes)
        UNION ALL SELECT 'ssd_cla_reviews', clar_cla_review_id FROM ssd_cla_reviews
        WHERE clar_cla_id NOT IN (SELECT clae_cla_id FROM ssd_cla_episodes)""",
    "visit_wrong_plan": """
        SELECT 'ssd_cp_visits', v.cppv_cp_visit_id FROM ssd_cp_visits v
        JOIN ssd_cp_plans p ON p.cppl_cp_plan_id = v.cppv_cp_plan_id
        WHERE v.cppv_cp_visit_date IS NOT NULL AND NOT (
            p.cppl_person_id = v.cppv_person_id AND p.cppl_cp_plan_start_date <= v.cppv_cp_visit_date
            AND (p.cppl_cp_plan_end_date IS NULL OR p.cppl_cp_plan_end_date > v.cppv_cp_visit_date))""",
    "missing_seen_flag": "SELECT table_name, id FROM visits WHERE seen IS NULL",
    "overlapping_plan": f"""
        SELECT 'ssd_cp_plans', b.cppl_cp_plan_id FROM ssd_cp_plans a JOIN ssd_cp_plans b
          ON a.cppl_person_id = b.cppl_person_id AND {num("a.cppl_cp_plan_id")} < {num("b.cppl_cp_plan_id")}
         AND a.cppl_cp_plan_start_date < coalesce(b.cppl_cp_plan_end_date, DATE '9999-12-31')
         AND b.cppl_cp_plan_start_date < coalesce(a.cppl_cp_plan_end_date, DATE '9999-12-31')
        UNION ALL
        SELECT 'ssd_cla_episodes', b.clae_cla_episode_id FROM ssd_cla_episodes a JOIN ssd_cla_episodes b
          ON a.clae_person_id = b.clae_person_id AND {num("a.clae_cla_episode_id")} < {num("b.clae_cla_episode_id")}
         AND a.clae_cla_episode_start_date < coalesce(b.clae_cla_episode_ceased_date, DATE '9999-12-31')
         AND b.clae_cla_episode_start_date < coalesce(a.clae_cla_episode_ceased_date, DATE '9999-12-31')""",
    "review_before_plan": """
        SELECT 'ssd_cp_reviews', r.cppr_cp_review_id FROM ssd_cp_reviews r
        JOIN ssd_cp_plans p ON p.cppl_cp_plan_id = r.cppr_cp_plan_id
        WHERE r.cppr_cp_review_date < p.cppl_cp_plan_start_date""",
    "cp_plan_no_icpc": """
        SELECT 'ssd_cp_plans', cppl_cp_plan_id FROM ssd_cp_plans p WHERE cppl_icpc_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM ssd_initial_cp_conference c WHERE c.icpc_cp_plan_id = p.cppl_cp_plan_id)""",
    "assessment_no_referral": """
        SELECT 'ssd_cin_assessments', cina_assessment_id FROM ssd_cin_assessments
        WHERE cina_referral_id NOT IN (SELECT cine_referral_id FROM ssd_cin_episodes)""",
    "referral_closed_plan_open": f"""
        SELECT DISTINCT 'ssd_cin_episodes', r.cine_referral_id FROM ssd_cin_episodes r
        WHERE r.cine_close_date <= {ASOF} AND (
            EXISTS (SELECT 1 FROM ssd_cp_plans p WHERE p.cppl_referral_id = r.cine_referral_id
                    AND p.cppl_person_id = r.cine_person_id AND p.cppl_cp_plan_start_date <= {ASOF}
                    AND (p.cppl_cp_plan_end_date IS NULL OR p.cppl_cp_plan_end_date > {ASOF}))
            OR EXISTS (SELECT 1 FROM ssd_cin_plans p WHERE p.cinp_referral_id = r.cine_referral_id
                    AND p.cinp_person_id = r.cine_person_id AND p.cinp_cin_plan_start_date <= {ASOF}
                    AND (p.cinp_cin_plan_end_date IS NULL OR p.cinp_cin_plan_end_date > {ASOF})))""",
    "no_allocated_worker": f"""
        SELECT 'ssd_involvements', invo_involvements_id FROM ssd_involvements
        WHERE invo_involvement_start_date <= {ASOF}
          AND (invo_involvement_end_date IS NULL OR invo_involvement_end_date > {ASOF})
          AND (invo_professional_id IS NULL OR invo_professional_team IS NULL)
        UNION ALL SELECT 'ssd_cin_episodes', cine_referral_id FROM ssd_cin_episodes
        WHERE cine_referral_date <= {ASOF} AND (cine_close_date IS NULL OR cine_close_date > {ASOF})
          AND cine_referral_worker_id IS NULL""",
    "care_leaver_age": f"""
        SELECT 'ssd_care_leavers', clea_person_id FROM ssd_care_leavers c JOIN people p ON p.person = c.clea_person_id
        WHERE date_diff('year', p.dob, {ASOF}) - CASE WHEN strftime(p.dob, '%m%d') > '{AS_OF:%m%d}' THEN 1 ELSE 0 END
              NOT BETWEEN 16 AND 25""",
    "journey_out_of_order": """
        SELECT 'ssd_cin_assessments', a.cina_assessment_id FROM ssd_cin_assessments a
        JOIN ssd_cin_episodes r ON r.cine_referral_id = a.cina_referral_id
        WHERE a.cina_assessment_start_date < r.cine_referral_date
        UNION ALL SELECT 'ssd_s47_enquiry', e.s47e_s47_enquiry_id FROM ssd_s47_enquiry e
        JOIN ssd_cin_episodes r ON r.cine_referral_id = e.s47e_referral_id
        WHERE e.s47e_s47_start_date < r.cine_referral_date
        UNION ALL SELECT 'ssd_initial_cp_conference', c.icpc_icpc_id FROM ssd_initial_cp_conference c
        JOIN ssd_s47_enquiry e ON e.s47e_s47_enquiry_id = c.icpc_s47_enquiry_id
        WHERE c.icpc_icpc_date < e.s47e_s47_start_date""",
    "visit_outside_plan": """
        SELECT DISTINCT 'ssd_cin_visits', v.cinv_cin_visit_id FROM ssd_cin_visits v
        JOIN born p ON p.person = v.cinv_person_id JOIN first_case f ON f.person = v.cinv_person_id
        WHERE v.cinv_cin_visit_date >= p.dob AND v.cinv_cin_visit_date < f.first
          AND (p.death IS NULL OR v.cinv_cin_visit_date <= p.death)""",
    "closed_without_reason": """
        SELECT 'ssd_cin_episodes', cine_referral_id FROM ssd_cin_episodes
        WHERE cine_close_date IS NOT NULL AND cine_close_reason IS NULL
        UNION ALL SELECT 'ssd_cla_episodes', clae_cla_episode_id FROM ssd_cla_episodes
        WHERE clae_cla_episode_ceased_date IS NOT NULL AND clae_cla_episode_ceased_reason IS NULL""",
    "dob_missing": "SELECT 'ssd_person', person FROM people WHERE dob IS NULL",
    "dob_future": f"SELECT 'ssd_person', person FROM people WHERE dob > {ASOF}",
    "adult_on_plan": f"""
        SELECT DISTINCT 'ssd_person', p.person FROM people p
        JOIN ssd_cp_plans c ON c.cppl_person_id = p.person AND c.cppl_cp_plan_start_date <= {ASOF}
         AND (c.cppl_cp_plan_end_date IS NULL OR c.cppl_cp_plan_end_date > {ASOF})
        WHERE date_diff('year', p.dob, {ASOF}) - CASE WHEN strftime(p.dob, '%m%d') > '{AS_OF:%m%d}' THEN 1 ELSE 0 END
              >= 18""",
    "duplicate_person": """
        SELECT 'ssd_person', pers_person_id FROM (
            SELECT DISTINCT pers_person_id, pers_single_unique_id,
                   min(pers_person_id) OVER (PARTITION BY pers_single_unique_id) AS first
            FROM ssd_person WHERE pers_single_unique_id IS NOT NULL)
        WHERE pers_person_id <> first""",
    "two_teams": f"""
        WITH open_cw AS (
            SELECT * FROM ssd_involvements WHERE invo_professional_role_id = 'CW'
              AND invo_professional_team IS NOT NULL AND invo_involvement_start_date <= {ASOF}
              AND (invo_involvement_end_date IS NULL OR invo_involvement_end_date > {ASOF}))
        SELECT DISTINCT 'ssd_involvements', b.invo_involvements_id FROM open_cw a JOIN open_cw b
          ON a.invo_person_id = b.invo_person_id AND a.invo_referral_id = b.invo_referral_id
         AND a.invo_professional_team <> b.invo_professional_team
         AND {num("a.invo_involvements_id")} < {num("b.invo_involvements_id")}""",
    "unknown_worker_or_team": """
        SELECT 'ssd_involvements', invo_involvements_id FROM ssd_involvements
        WHERE invo_professional_id NOT IN (SELECT prof_professional_id FROM ssd_professionals)
           OR invo_professional_team NOT IN (SELECT dept_team_id FROM ssd_department)""",
}


def ids_with_spaces(frames: dict[str, pl.DataFrame]) -> set[tuple[str, str]]:
    found = set()
    for t in TABLES:
        for c in t.columns:
            if c.kind == "id" and c.name in frames[t.name].columns:
                spaced = frames[t.name].filter(pl.col(c.name) != pl.col(c.name).str.strip_chars())
                found |= {(t.name, r) for r in spaced[t.record_key].to_list()}
    return found


CODED = {  # (table, key, column, mapping) of columns that may hold descriptions
    ("ssd_cp_plans", "cppl_cp_plan_id", "cppl_cp_plan_initial_category", "cp_category"),
    ("ssd_cp_plans", "cppl_cp_plan_id", "cppl_cp_plan_latest_category", "cp_category"),
    ("ssd_care_leavers", "clea_person_id", "clea_care_leaver_activity", "care_leaver_activity"),
    ("ssd_care_leavers", "clea_person_id", "clea_care_leaver_accommodation", "care_leaver_accommodation"),
}


def coded_problems(frames: dict[str, pl.DataFrame], *, described: bool) -> set[tuple[str, str]]:
    """Rows holding a description that maps to a code (described) or a value that maps to nothing."""
    found = set()
    for table, key, column, mapping in sorted(CODED):
        for record, value in frames[table].select(key, column).iter_rows():
            if value is None or value.strip().upper() in codes.CODES[mapping]:
                continue
            if (codes.map_code(mapping, value) is not None) == described:
                found.add((table, record))
    return found


def invalid_json(frames: dict[str, pl.DataFrame]) -> set[tuple[str, str]]:
    found = set()
    for t in TABLES:
        for c in t.columns:
            if c.kind != "json":
                continue
            for record, value in frames[t.name].select(t.key, c.name).iter_rows():
                if value is not None:
                    try:
                        json.loads(value)
                    except ValueError:
                        found.add((t.name, record))
    return found


def detect(frames: dict[str, pl.DataFrame]) -> dict[str, set[tuple[str, str]]]:
    con = connect(frames)
    found = {kind: set(con.execute(sql).fetchall()) for kind, sql in SQL_CHECKS.items()}
    found["category_description"] = {f for f in coded_problems(frames, described=True) if f[0] == "ssd_cp_plans"}
    found["care_leaver_description"] = {f for f in coded_problems(frames, described=True) if f[0] == "ssd_care_leavers"}
    found["unmapped_code"] = coded_problems(frames, described=False)
    found["invalid_json"] = invalid_json(frames)
    found["id_with_spaces"] = ids_with_spaces(frames)
    assert set(found) == set(FAULT_KINDS)
    return found


# --- fixtures -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], list[str]]:
    folder = tmp_path_factory.mktemp("tiny")
    messages: list[str] = []
    rows = generate_batch(folder, as_of=AS_OF, scale="tiny", seed=1, system=CONTRACT, progress=messages.append)
    return folder, rows, messages


@pytest.fixture(scope="module")
def tiny_frames(tiny: tuple[Path, dict[str, int], list[str]]) -> dict[str, pl.DataFrame]:
    return read_batch(tiny[0])


def generate_with_faults(folder: Path, scale: str) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    log = folder.parent / f"{folder.name}_faults.csv"
    generate_batch(folder, as_of=AS_OF, scale=scale, seed=1, fault_rate=0.02, faults_log=log, system=CONTRACT)
    return read_batch(folder), pl.read_csv(log, infer_schema=False)


@pytest.fixture(scope="module")
def la(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    folder = tmp_path_factory.mktemp("la")
    generate_batch(folder, as_of=AS_OF, scale="la", seed=1, system=CONTRACT)
    return read_batch(folder)


# --- files, marker, determinism -------------------------------------------------------------------------------


def test_every_contract_table_is_written_with_its_header(tiny: tuple[Path, dict[str, int], list[str]]) -> None:
    folder, rows, _ = tiny
    assert list(rows) == [t.name for t in TABLES]
    for t in TABLES:
        text = decode(table_file(folder, t.name).read_bytes())
        header = text.splitlines()[0].split(",")
        assert header[: len(columns(t))] == [c.name for c in columns(t)], t.name
        assert len(header) - len(columns(t)) == (1 if t.name == "ssd_cla_placement" else 0), t.name
        assert rows[t.name] > 0, f"{t.name} is empty"
        assert pl.read_csv(io.StringIO(text), infer_schema=False).height == rows[t.name], t.name


def test_progress_reports_rows_per_table(tiny: tuple[Path, dict[str, int], list[str]]) -> None:
    _, rows, messages = tiny
    for t in TABLES:
        assert f"{t.name}: {rows[t.name]:,} rows" in messages


def test_ready_marker_is_written_last_and_no_part_files_remain(
    tiny: tuple[Path, dict[str, int], list[str]],
) -> None:
    folder, rows, _ = tiny
    marker = folder / READY_MARKER
    assert READY_MARKER == "_READY"
    assert json.loads(marker.read_text()) == {
        "as_of": "2023-08-31", "scale": "tiny", "seed": 1, "system": "contract", "extensions": True,
        "fault_rate": 0.0, "tables": rows,
    }  # fmt: skip
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]
    written = [p.stat().st_mtime_ns for p in folder.iterdir() if p.name != READY_MARKER]
    assert marker.stat().st_mtime_ns >= max(written)


def test_a_batch_that_fails_half_way_is_never_ready(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate_batch(tmp_path, as_of=AS_OF, scale="tiny", seed=1)
    import csc.synthetic.generate as generate

    calls = 0
    real_write = generate.write_table

    def failing_write(*args, **kwargs):  # noqa: ANN002, ANN003 - passes through
        nonlocal calls
        calls += 1
        if calls == 4:
            raise OSError("disk full")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(generate, "write_table", failing_write)
    with pytest.raises(OSError):
        generate_batch(tmp_path, as_of=AS_OF, scale="tiny", seed=2)
    # The earlier batch's marker is gone: the folder must not look complete.
    assert not (tmp_path / READY_MARKER).exists()


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(
    tmp_path: Path, tiny: tuple[Path, dict[str, int], list[str]]
) -> None:
    again, other = tmp_path / "again", tmp_path / "other"
    generate_batch(again, as_of=AS_OF, scale="tiny", seed=1, system=CONTRACT)
    generate_batch(other, as_of=AS_OF, scale="tiny", seed=2, system=CONTRACT)
    names = sorted(p.name for p in tiny[0].iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (tiny[0] / name).read_bytes() == (again / name).read_bytes(), name
    assert (tiny[0] / "ssd_person.csv").read_bytes() != (other / "ssd_person.csv").read_bytes()


def test_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate_batch(tmp_path, as_of=AS_OF, scale="county")
    with pytest.raises(ValueError, match="fault_rate"):
        generate_batch(tmp_path, as_of=AS_OF, scale="tiny", fault_rate=1.5)
    assert set(SCALES) == {"tiny", "la", "england"}


# --- the formats of a real export (clean batches have them too) ---------------------------------------------------


def test_files_carry_the_formats_councils_export(tiny: tuple[Path, dict[str, int], list[str]]) -> None:
    folder = tiny[0]
    raw = {t.name: table_file(folder, t.name).read_bytes() for t in TABLES}
    # Windows-1252: not UTF-8, with accents and the curly apostrophe.
    for name, words in (("ssd_person", ("’", "ë")), ("ssd_department", ("Children’s",))):
        with pytest.raises(UnicodeDecodeError):
            raw[name].decode("utf-8")
        text = raw[name].decode("cp1252")
        assert all(w in text for w in words), name
        assert "\r\n" in text
    assert raw["ssd_professionals"].startswith(b"\xef\xbb\xbf")
    assert "’" not in raw["ssd_cin_plans"].decode("utf-8") and not raw["ssd_cin_plans"].startswith(b"\xef")
    uk, sql_server = r"\d\d/\d\d/\d{4}", r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}"
    for name in ("ssd_person", "ssd_cla_episodes"):
        assert re.search(uk, decode(raw[name])), name
    for name in ("ssd_contacts", "ssd_cp_visits"):
        assert re.search(sql_server, decode(raw[name])), name
    assert re.search(r"\d{4}-\d\d-\d\d (1[0-9]|0[1-9]):\d\d:00\.000", decode(raw["ssd_cp_visits"]))
    assert re.search(r"^\d{4}-\d\d-\d\d,", decode(raw["ssd_cin_visits"]).split("\n")[1].split(",", 2)[2])
    # Missing values: the literal NULL in some files, blank in others.
    assert ",NULL," in decode(raw["ssd_involvements"]) and "NULL" not in decode(raw["ssd_cin_plans"])
    assert re.search(r",,", decode(raw["ssd_cin_plans"]))
    # Sentinels: 1900-01-01 (in the file's own date format) and -1.
    assert ",1900-01-01," in decode(raw["ssd_cp_plans"])
    assert ",01/01/1900," in decode(raw["ssd_cla_episodes"])
    assert re.search(r",-1\r?$", decode(raw["ssd_cin_episodes"]), re.MULTILINE)
    assert table_file(folder, "ssd_cp_visits").name == "ssd_cp_visits_20230831.csv"


def test_person_ids_are_zero_padded_text_everywhere(tiny_frames: dict[str, pl.DataFrame]) -> None:
    persons = set(tiny_frames["ssd_person"]["pers_person_id"])
    assert all(re.fullmatch(r"0\d{6}", p) for p in persons)
    for t in TABLES:
        if t.person_column and t.name != "ssd_person":
            used = set(tiny_frames[t.name][t.person_column].drop_nulls())
            assert used and used <= persons, t.name


def test_sentinels_and_blank_ids_read_back_as_missing(tiny_frames: dict[str, pl.DataFrame]) -> None:
    plans = tiny_frames["ssd_cp_plans"]
    open_plans = plans.filter(pl.col("cppl_cp_plan_end_date").is_null()).height
    assert 0 < open_plans < plans.height
    referrals = tiny_frames["ssd_cin_episodes"]
    no_worker = referrals.filter(pl.col("cine_referral_worker_id").is_null())
    # "-1" is only ever on closed referrals that led to no further action.
    assert no_worker.height > 0
    assert no_worker.filter(pl.col("cine_close_date").is_null() | (pl.col("cine_referral_nfa") != "Y")).height == 0


# --- a clean batch has no recording problems ------------------------------------------------------------------


def test_clean_batch_has_none_of_the_recording_problems(tiny_frames: dict[str, pl.DataFrame]) -> None:
    found = detect(tiny_frames)
    assert {k: sorted(v)[:3] for k, v in found.items() if v} == {}
    # the JSON check is not vacuous: a clean batch fills every JSON column it writes
    json_columns = [(t.name, c.name) for t in TABLES for c in t.columns if c.kind == "json"]
    assert json_columns and all(tiny_frames[t][c].drop_nulls().len() for t, c in json_columns)


def test_clean_la_batch_has_none_of_the_recording_problems(la: dict[str, pl.DataFrame]) -> None:
    found = detect(la)
    assert {k: sorted(v)[:3] for k, v in found.items() if v} == {}


def test_clean_batch_events_lie_inside_lives_and_plans(la: dict[str, pl.DataFrame]) -> None:
    con = connect(la)
    problems = []
    for t in TABLES:
        for c in t.columns:
            if c.kind != "date" or c.name in ("pers_dob", "pers_expected_dob"):
                continue
            if not re.search("due|target", c.name):  # due dates may lie ahead; nothing else may
                problems += con.execute(f"SELECT '{c.name}' FROM {t.name} WHERE {c.name} > {ASOF}").fetchall()
            if t.person_column and t.name != "ssd_person":
                problems += con.execute(
                    f"""SELECT '{c.name} outside life' FROM {t.name} JOIN people p ON p.person = {t.person_column}
                        WHERE {c.name} < p.dob OR {c.name} > p.death"""
                ).fetchall()
    problems += con.execute(
        """
        SELECT 'cla visit outside period' FROM ssd_cla_visits v JOIN (
            SELECT clae_cla_id, min(clae_cla_episode_start_date) s,
                   CASE WHEN bool_or(clae_cla_episode_ceased_date IS NULL) THEN NULL
                        ELSE max(clae_cla_episode_ceased_date) END e
            FROM ssd_cla_episodes GROUP BY clae_cla_id) p ON p.clae_cla_id = v.clav_cla_id
        WHERE v.clav_cla_visit_date < p.s OR v.clav_cla_visit_date >= p.e
        UNION ALL SELECT 'cp review outside plan' FROM ssd_cp_reviews r
        JOIN ssd_cp_plans p ON p.cppl_cp_plan_id = r.cppr_cp_plan_id
        WHERE r.cppr_cp_review_date > p.cppl_cp_plan_end_date
        UNION ALL SELECT 'cin review outside plan' FROM ext_cin_plan_reviews r
        JOIN ssd_cin_plans p ON p.cinp_cin_plan_id = r.cinr_cin_plan_id
        WHERE r.cinr_cin_review_date < p.cinp_cin_plan_start_date OR r.cinr_cin_review_date >= p.cinp_cin_plan_end_date
        UNION ALL SELECT 'plan outside referral' FROM ssd_cp_plans p
        JOIN ssd_cin_episodes r ON r.cine_referral_id = p.cppl_referral_id
        WHERE p.cppl_cp_plan_start_date < r.cine_referral_date OR p.cppl_cp_plan_end_date > r.cine_close_date
        """
    ).fetchall()
    assert problems == []


# --- cohorts and indicators near the seed council's -----------------------------------------------------------

COHORT_TARGETS = {"allocated": 2300, "cp": 270, "cla": 290, "cin": 790, "care_leavers": 270}


OPEN_AT_AS_OF = {  # cohort: (table, person, start, end) of the records that are open at as-of
    "cp": ("ssd_cp_plans", "cppl_person_id", "cppl_cp_plan_start_date", "cppl_cp_plan_end_date"),
    "cla": ("ssd_cla_episodes", "clae_person_id", "clae_cla_episode_start_date", "clae_cla_episode_ceased_date"),
    "allocated": ("ssd_involvements", "invo_person_id", "invo_involvement_start_date", "invo_involvement_end_date"),
    "referred": ("ssd_cin_episodes", "cine_person_id", "cine_referral_date", "cine_close_date"),
}


def cohorts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The cohorts of indicators.md at as-of, as temp tables of person ids (p)."""
    for name, (table, person, start, end) in OPEN_AT_AS_OF.items():
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT DISTINCT {person} AS p FROM {table} "
            f"WHERE {start} <= {ASOF} AND ({end} IS NULL OR {end} > {ASOF})"
        )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE care_leavers AS
            SELECT DISTINCT c.clea_person_id AS p FROM ssd_care_leavers c JOIN people ON person = c.clea_person_id
            WHERE date_diff('year', dob, {ASOF}) - (strftime(dob, '%m%d') > '{AS_OF:%m%d}')::INT BETWEEN 17 AND 21
              AND c.clea_person_id NOT IN (SELECT p FROM cla);
        CREATE OR REPLACE TEMP TABLE cin AS SELECT p FROM referred
            WHERE p NOT IN (SELECT p FROM cp UNION SELECT p FROM cla UNION SELECT p FROM care_leavers);
    """)
    return {name: fetch_one(con.execute(f"SELECT count(*) FROM {name}"))[0] for name in COHORT_TARGETS}


def test_la_cohorts_are_near_the_seed_council(la: dict[str, pl.DataFrame]) -> None:
    sizes = cohorts(connect(la))
    for name, target in COHORT_TARGETS.items():
        assert 0.8 * target <= sizes[name] <= 1.2 * target, (name, sizes[name], target)


def test_la_children_open_to_the_service_are_allocated(la: dict[str, pl.DataFrame]) -> None:
    con = connect(la)
    cohorts(con)
    unallocated = fetch_one(
        con.execute(
            "SELECT count(*) FROM (SELECT p FROM cp UNION SELECT p FROM cla UNION SELECT p FROM cin) "
            "WHERE p NOT IN (SELECT p FROM allocated)"
        )
    )[0]
    assert unallocated == 0


def test_la_indicators_are_near_the_seed_report(la: dict[str, pl.DataFrame]) -> None:
    """Snapshot indicators from indicators.md that need no working-day calendar, against the seed's values."""
    con = connect(la)
    cohorts(con)
    con.execute(
        """
        CREATE TEMP TABLE seen AS SELECT person, max(d) AS last_seen FROM visits
        WHERE seen = 'Y' AND d <= DATE '2023-08-31' GROUP BY person
        """
    )

    def share(numerator: str, cohort: str) -> float:
        n = fetch_one(con.execute(f"SELECT count(*) FROM {cohort} WHERE {numerator}"))[0]
        return n / fetch_one(con.execute(f"SELECT count(*) FROM {cohort}"))[0]

    oversight = (
        "p IN (SELECT mgmt_person_id FROM ext_management_oversight WHERE mgmt_oversight_date >= DATE '2023-07-06')"
    )
    seen_within = "p IN (SELECT person FROM seen WHERE last_seen >= DATE '2023-08-31' - INTERVAL {} DAY)"
    assert 0.85 <= share(oversight, "allocated") <= 0.97  # 1.1: 90.4%
    assert 0.72 <= share(seen_within.format(28), "cin") <= 0.92  # 3.3: 77.8%
    assert 0.82 <= share(seen_within.format(42), "cla") <= 0.96  # 5.11: 89.0%


# --- faults --------------------------------------------------------------------------------------------------


def logged(log: pl.DataFrame) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {kind: set() for kind in FAULT_KINDS}
    for table, record, problem in log.iter_rows():
        out[problem].add((table, record))
    return out


def test_every_fault_kind_is_documented() -> None:
    from csc.synthetic.faults import TABLE_FAULTS

    assert all(len(text) > 20 for text in FAULT_KINDS.values())
    used = {k for kinds in TABLE_FAULTS.values() for k in kinds}
    assert used == set(FAULT_KINDS)


def test_faults_are_logged_exactly(tmp_path: Path) -> None:
    frames, log = generate_with_faults(tmp_path / "batch", "tiny")
    assert log.columns == ["table_name", "record_id", "problem"]
    expected = logged(log)
    assert all(expected[kind] for kind in FAULT_KINDS), [k for k in FAULT_KINDS if not expected[k]]
    found = detect(frames)
    for kind in FAULT_KINDS:
        assert found[kind] == expected[kind], (kind, sorted(found[kind] ^ expected[kind])[:5])


def test_la_faults_are_plentiful_and_exact(tmp_path: Path) -> None:
    frames, log = generate_with_faults(tmp_path / "batch", "la")
    expected = logged(log)
    counts = {kind: len(v) for kind, v in expected.items()}
    assert min(counts.values()) >= 10, counts
    assert log.height == sum(counts.values())  # one problem per logged row
    found = detect(frames)
    assert {k for k in FAULT_KINDS if found[k] != expected[k]} == set()
    # About 2% of rows carry a fault overall (small tables get at least the minimum per kind).
    total_rows = sum(f.height for f in frames.values())
    assert 0.01 <= log.height / total_rows <= 0.04
