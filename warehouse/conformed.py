"""Schema ``conformed``: dimensions and facts in the field's words, declared once here with descriptions.

The tables are built by ``transforms.conformed.build_conformed`` (pure polars); this module declares them, writes
them to DuckDB with their comments, and keeps the reconciliation of every run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb
import polars as pl

from declarations.systems import CASE_HOLDING_ROLES
from transforms.conformed import SOURCES, build_conformed
from transforms.timescales import DEFAULT_TIMESCALES
from warehouse.db import literal, quote, read_tables


@dataclass(frozen=True)
class ConformedTable:
    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)


PERSON = ("person_id", "The child (ssd_person.pers_person_id).")
TEAM = ("team_id", "Team (ssd_department.dept_team_id).")
WORKER = ("worker_id", "Worker (ssd_professionals.prof_professional_id).")
START = ("start_date", "Start date.")
END = ("end_date", "End date; null while open. Open at E means start <= E and (end null or end > E).")
MATCHED_BY = "How the link was made: 'id' (the id recorded on the row) or 'person and date'; null if unlinked."


def _t(name: str, description: str, key: tuple[str, ...], *columns: tuple[str, str]) -> ConformedTable:
    return ConformedTable(name, description, key, columns)


CONFORMED_TABLES: tuple[ConformedTable, ...] = (
    _t(
        "calendar",
        "Every date the data needs, with England and Wales bank holidays and working days.",
        ("calendar_date",),
        ("calendar_date", "The date."),
        ("bank_holiday_name", "Name of the bank holiday, if the date is one (from the `holidays` package)."),
        ("iso_weekday", "Day of the week, 1 = Monday to 7 = Sunday."),
        ("is_bank_holiday", "True on an England and Wales bank holiday."),
        ("is_working_day", "Monday to Friday and not a bank holiday."),
        ("working_days_to_date", "Working days from the calendar's first date up to and including this one."),
    ),
    _t(
        "child",
        "The child dimension: one row per person in ssd_person. No names, UPN or NHS number.",
        ("person_id",),
        PERSON,
        ("date_of_birth", "Date of birth (needed for ages; degraded to the month in published marts)."),
        ("expected_date_of_birth", "Expected date of birth of an unborn child."),
        ("date_of_death", "Date of death, if any."),
        ("sex_code", "Sex as recorded."),
        ("gender_code", "Gender code."),
        ("ethnicity_code", "DfE ethnicity code."),
        ("send_code", "Special educational needs and disabilities status."),
        ("is_mother", "True if the person is a mother."),
    ),
    _t(
        "team",
        "Teams.",
        ("team_id",),
        TEAM,
        ("team_name", "Team name."),
        ("service_area_id", "Parent unit."),
        ("service_area_name", "Parent unit name."),
    ),
    _t(
        "worker",
        "Workers, without names.",
        ("worker_id",),
        WORKER,
        ("job_title", "Job title."),
        ("is_agency_worker", "True for an agency worker."),
        ("team", "The worker's department as recorded."),
        ("recorded_caseload", "Caseload as recorded in the case system."),
        ("full_time_equivalent", "Full-time equivalence."),
    ),
    _t(
        "allocation",
        "Involvements: a worker and team involved with a child, in a role. A child with a case-holding involvement "
        "open at E is allocated, to the team and worker of the most senior case-holding role open then.",
        ("involvement_id",),
        ("involvement_id", "Involvement identifier."),
        PERSON,
        WORKER,
        TEAM,
        ("role", "Involvement type as received (CW, IRO, 16PLUS, ...)."),
        ("is_case_holding", "True if the type holds the child's case (CSC_CASE_HOLDING_ROLES)."),
        ("case_holding_rank", "Seniority among case-holding types, 1 = most senior; null if not case-holding."),
        START,
        END,
        ("referral_id", "Referral the involvement belongs to."),
    ),
    _t(
        "management_oversight",
        "Management oversight recorded on a child's case (local extension).",
        ("oversight_id",),
        ("oversight_id", "Oversight record identifier."),
        PERSON,
        ("oversight_date", "Date oversight was recorded."),
        WORKER,
    ),
    _t(
        "care_leaver",
        "Care leavers: one row per person, the record with the latest contact.",
        ("person_id",),
        ("care_leaver_record_id", "The ssd_care_leavers row used."),
        PERSON,
        ("eligibility_code", "Care-leaver eligibility."),
        ("in_touch_code", "YES, NO, DIED, REFU, NREQ or RHOM."),
        ("latest_contact_date", "Date of the latest contact."),
        ("activity_code", "SSDA903 activity code (descriptions mapped in staging; unmapped kept as received)."),
        ("accommodation_code", "SSDA903 accommodation code (a letter plus 1 suitable or 2 unsuitable)."),
        ("is_eet", "In education, employment or training: activity F1-F5 or P1-P5."),
        ("is_suitable_accommodation", "Accommodation code ending in 1, or a suitability value meaning suitable."),
        ("pathway_plan_review_date", "Latest pathway plan review."),
        TEAM,
        WORKER,
    ),
    _t(
        "referral",
        "Referrals (CIN episodes), with re-referrals within 12 months.",
        ("referral_id",),
        ("referral_id", "Referral identifier."),
        PERSON,
        ("referral_date", "Date of referral."),
        ("close_date", "Date the episode closed; null while open."),
        ("is_nfa", "True if the referral led to no further action."),
        ("primary_need_code", "CIN primary need code."),
        ("close_reason_code", "CIN closure reason."),
        ("source_code", "Referral source."),
        TEAM,
        WORKER,
        ("previous_referral_date", "Date of the child's previous referral, if any."),
        ("is_re_referral", "True if the previous referral was within 12 months before this one."),
    ),
    _t(
        "contact",
        "Contacts and the timeliness of the decision on them.",
        ("contact_id",),
        ("contact_id", "Contact identifier."),
        PERSON,
        ("contact_date", "Date the contact was received."),
        ("decision_date", "Date the decision was made (cont_contact_outcome_date)."),
        ("source_code", "Contact source."),
        ("decision_due_date", "wd(contact date, 1): the decision is due within one working day."),
        ("is_decided_on_time", "Decided on or before the due date."),
    ),
    _t(
        "assessment",
        "Single assessments and their 45-working-day timescale.",
        ("assessment_id",),
        ("assessment_id", "Assessment identifier."),
        PERSON,
        ("referral_id", "Referral recorded on the assessment."),
        START,
        ("authorised_date", "Date the assessment was completed (authorised)."),
        ("is_child_seen", "True if the child was seen."),
        ("is_nfa", "True if no further action."),
        TEAM,
        WORKER,
        ("referral_date", "Date of the linked referral."),
        ("has_linked_referral", "True if the recorded referral exists."),
        ("timescale_start_date", "The referral date, or the assessment start when there is no linked referral."),
        ("due_date", "wd(timescale start, 45)."),
        ("is_on_time", "Authorised on or before the due date."),
    ),
    _t(
        "s47_enquiry",
        "Section 47 enquiries.",
        ("s47_enquiry_id",),
        ("s47_enquiry_id", "Enquiry identifier."),
        PERSON,
        ("referral_id", "Referral."),
        START,
        END,
        ("is_nfa", "True if no further action."),
        TEAM,
        WORKER,
    ),
    _t(
        "initial_cp_conference",
        "Initial child protection conferences and their 15-working-day timescale from the s47 start.",
        ("icpc_id",),
        ("icpc_id", "Conference identifier."),
        PERSON,
        ("s47_enquiry_id", "Section 47 enquiry."),
        ("cp_plan_id", "CP plan started, if any."),
        ("referral_id", "Referral."),
        ("conference_date", "Date held."),
        ("recorded_target_date", "Target date as recorded."),
        ("is_transfer_in", "True for a transfer-in conference."),
        ("is_cp_plan_outcome", "True if the child was made subject to a CP plan."),
        TEAM,
        WORKER,
        ("s47_start_date", "Start of the linked section 47 enquiry."),
        ("due_date", "wd(s47 start, 15); null with no linked enquiry."),
        ("is_on_time", "Held on or before the due date; null with no due date."),
    ),
    _t(
        "cin_plan",
        "Child in need plans.",
        ("cin_plan_id",),
        ("cin_plan_id", "CIN plan identifier."),
        PERSON,
        ("referral_id", "Referral."),
        START,
        END,
        TEAM,
        WORKER,
    ),
    _t(
        "cp_plan",
        "Child protection plans, with the team and worker allocated at the start and the next review due.",
        ("cp_plan_id",),
        ("cp_plan_id", "CP plan identifier."),
        PERSON,
        ("referral_id", "Referral."),
        ("icpc_id", "Initial conference that started the plan."),
        START,
        END,
        ("is_other_la_plan", "True if held for another local authority."),
        ("initial_category_code", "Initial category (NEG, PHY, SAB, EMO, MUL; unmapped kept as received)."),
        ("latest_category_code", "Latest category."),
        ("team_id", "Team of the child's allocation open at the plan start."),
        ("worker_id", "Worker of the child's allocation open at the plan start."),
        ("last_review_date", "Date of the plan's latest review conference."),
        ("review_count", "Number of review conferences linked to the plan."),
        ("next_review_due_date", "3 months after the start with no review, else 6 months after the last review."),
    ),
    _t(
        "cla_episode",
        "Episodes of care.",
        ("cla_episode_id",),
        ("cla_episode_id", "Episode identifier."),
        ("cla_id", "Period of care."),
        PERSON,
        START,
        END,
        ("start_reason_code", "Reason for new episode."),
        ("ceased_reason_code", "Reason episode ceased."),
        ("primary_need_code", "Primary need."),
        ("cla_placement_id", "Placement."),
        ("referral_id", "Referral."),
        ("team_id", "Team of the child's allocation open at the episode start."),
        ("worker_id", "Worker of the child's allocation open at the episode start."),
    ),
    _t(
        "cla_period_of_care",
        "Periods of care: episodes sharing clae_cla_id, from the earliest start to the latest episode's end.",
        ("cla_id",),
        ("cla_id", "Period of care."),
        PERSON,
        ("start_date", "Start of the earliest episode."),
        ("end_date", "Ceased date of the latest episode; null while it is open."),
        ("episode_count", "Number of episodes."),
    ),
    _t(
        "cla_placement",
        "Placements, postcodes cut to the sector.",
        ("cla_placement_id",),
        ("cla_placement_id", "Placement identifier."),
        ("cla_id", "Period of care."),
        PERSON,
        START,
        END,
        ("placement_type_code", "Placement type."),
        ("provider_code", "Provider."),
        ("distance_miles", "Distance from home."),
        ("postcode_sector", "Postcode sector (e.g. AB1 2)."),
        ("change_reason_code", "Reason for change."),
    ),
    _t(
        "visit",
        "Visits: one row per child per day from all three visit tables, classified by what the child was on that "
        "day, whatever file the visit came in.",
        ("person_id", "visit_date"),
        ("visit_key", "person_id|visit_date."),
        PERSON,
        ("visit_date", "Date of the visit."),
        ("visit_kind", "What the child was on the day: cp, cla, cin (CIN plan), referral (open referral) or none."),
        ("is_seen", "Seen if any record of the day says so; null if none does and one has no seen flag."),
        ("is_seen_alone", "Seen alone in any record of the day."),
        ("is_bedroom_seen", "Bedroom seen in any record of the day."),
        ("has_record_without_seen_flag", "A record of the day has no seen flag."),
        ("record_count", "Records collapsed into this visit."),
        ("source_tables", "Files the records came in."),
        ("source_records", "Every record collapsed into this visit: file and visit id."),
        ("expected_source_table", "The file a visit of this kind belongs in."),
        ("is_in_expected_file", "False when the visit came only in another file (contract problem 2)."),
        ("cp_plan_id", "CP plan open on the day."),
        ("cp_plan_id_matched_by", MATCHED_BY),
        ("recorded_cp_plan_id", "CP plan id recorded on the visit (often blank)."),
        ("is_recorded_against_other_plan", "A CP plan id was recorded and it is not the plan open on the day."),
        ("cla_id", "Period of care open on the day."),
        ("cla_id_matched_by", MATCHED_BY),
        ("recorded_cla_id", "Period of care recorded on the visit."),
        ("cin_plan_id", "CIN plan open on the day."),
        ("referral_id", "Referral open on the day."),
    ),
    _t(
        "cp_review",
        "CP review conferences, linked to their plan, with the due date each answered (review chain, 4.8).",
        ("cp_review_id",),
        ("cp_review_id", "Review identifier."),
        PERSON,
        ("review_date", "Date held."),
        ("cp_plan_id", "Plan reviewed: by id, else by person and date inside the plan (end date included)."),
        ("cp_plan_id_matched_by", MATCHED_BY),
        ("recorded_cp_plan_id", "Plan id recorded on the review (often blank)."),
        ("plan_start_date", "Start of the plan."),
        ("review_number", "1 for the plan's first review, and so on."),
        ("due_date", "3 months after the plan start for the first review, else 6 months after the previous one."),
        ("recorded_due_date", "Due date as recorded."),
        ("is_on_time", "Held on or before the due date."),
        ("is_plan_continued", "True if the plan continues."),
    ),
    _t(
        "cla_review",
        "CLA reviews linked to their period of care; cancelled ones marked.",
        ("cla_review_id",),
        ("cla_review_id", "Review identifier."),
        PERSON,
        ("review_date", "Date held."),
        ("is_cancelled", "True if cancelled (it answers no due date)."),
        ("cla_id", "Period of care: by id, else by person and date."),
        ("cla_id_matched_by", MATCHED_BY),
        ("recorded_cla_id", "Period of care recorded on the review."),
        ("recorded_due_date", "Due date as recorded."),
        ("participation_code", "How the child took part."),
    ),
    _t(
        "cla_review_chain",
        "The CLA review chain (5.18): one record per due date up to the batch date, held or missed.",
        ("cla_id", "review_number"),
        ("cla_id", "Period of care."),
        PERSON,
        ("review_number", "Position in the chain."),
        ("due_date", "wd(start, 20) first, then 3 months after the first review, then 6 months after each."),
        ("cla_review_id", "The review that answered it; null if missed."),
        ("review_date", "Date held; null if missed."),
        ("is_on_time", "Held on or before the due date."),
    ),
    _t(
        "cin_plan_review",
        "CIN plan reviews linked to their plan.",
        ("cin_review_id",),
        ("cin_review_id", "Review identifier."),
        PERSON,
        ("review_date", "Date held."),
        ("cin_plan_id", "Plan reviewed: by id, else by person and date."),
        ("cin_plan_id_matched_by", MATCHED_BY),
        ("recorded_cin_plan_id", "Plan id recorded on the review."),
    ),
)

CONFORMED_BY_NAME = {t.name: t for t in CONFORMED_TABLES}

RUN_TABLES_DDL = """
CREATE SCHEMA IF NOT EXISTS conformed;
CREATE TABLE IF NOT EXISTS conformed.reconciliation (
    run_id VARCHAR, batch_id VARCHAR, built_at TIMESTAMP, table_name VARCHAR,
    staging_rows BIGINT, conformed_rows BIGINT, excluded_rows BIGINT, is_balanced BOOLEAN
);
COMMENT ON TABLE conformed.reconciliation IS
    'Per run and staging table: rows received, carried into conformed, excluded. Kept for every run.';
"""


def conform_columns(t: ConformedTable, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame's columns in declared order; a column built but not declared, or declared but not built, is a
    programming error caught here rather than published undescribed."""
    built, declared = set(frame.columns), set(t.column_names)
    if built != declared:
        raise ValueError(
            f"conformed.{t.name}: built columns differ from the declaration "
            f"(undeclared: {sorted(built - declared)}, not built: {sorted(declared - built)})"
        )
    return frame.select(t.column_names)


def write_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame, description: str) -> None:
    arrow = frame.to_arrow()
    con.register("conformed_frame", arrow)
    try:
        con.execute(f"CREATE OR REPLACE TABLE conformed.{quote(name)} AS SELECT * FROM conformed_frame")
    finally:
        con.unregister("conformed_frame")
    con.execute(f"COMMENT ON TABLE conformed.{quote(name)} IS {literal(description)}")


def write_comments(con: duckdb.DuckDBPyConnection, t: ConformedTable) -> None:
    for column, description in t.columns:
        con.execute(f"COMMENT ON COLUMN conformed.{quote(t.name)}.{quote(column)} IS {literal(description)}")


@dataclass
class ConformedResult:
    rows: dict[str, int]
    excluded_rows: int
    orphan_rows: int
    unbalanced_tables: list[str]
    seconds: float
    # involvement type -> (involvements, whether it holds a case): a type the settings miss shows here
    involvement_types: dict[str, tuple[int, bool]] = field(default_factory=dict)


def build_and_write_conformed(
    con: duckdb.DuckDBPyConnection,
    *,
    batch_id: str,
    as_of,
    run_id: str,
    timescales=None,
    case_holding_roles: tuple[str, ...] | None = None,
    progress=lambda message: None,
) -> ConformedResult:
    """Build every conformed table from staging and replace them in one transaction, with the run's
    reconciliation, excluded records and orphans."""
    started = time.perf_counter()
    # The batch id and source file are in every staging row and unused by the transforms: left out, they would
    # be most of the memory at national scale (11 GB of text for England).
    staging = read_tables(con, "staging", SOURCES, exclude=("_batch_id", "_source_file"))
    build = build_conformed(
        staging,
        as_of=as_of,
        timescales=timescales or DEFAULT_TIMESCALES,
        case_holding_roles=case_holding_roles or CASE_HOLDING_ROLES,
    ).collect()
    tables = {name: frame.collect() for name, frame in build.tables.items()}
    excluded, reconciliation, orphans = (f.collect() for f in (build.excluded, build.reconciliation, build.orphans))
    con.execute(RUN_TABLES_DDL)
    con.begin()
    try:
        for name, frame in tables.items():
            t = CONFORMED_BY_NAME[name]
            write_table(con, name, conform_columns(t, frame), t.description)
            write_comments(con, t)
            progress(f"conformed.{name}: {frame.height:,} rows")
        write_table(
            con,
            "excluded_records",
            excluded,
            "Staging rows not carried into a conformed table, with the reason (this run).",
        )
        write_table(
            con,
            "orphan_records",
            orphans,
            "Conformed rows whose child is not in conformed.child (this run): reported, not dropped.",
        )
        con.register("reconciliation_frame", reconciliation.to_arrow())
        con.execute(
            "INSERT INTO conformed.reconciliation SELECT ?, ?, now()::TIMESTAMP, table_name, staging_rows, "
            "conformed_rows, excluded_rows, is_balanced FROM reconciliation_frame",
            [run_id, batch_id],
        )
        con.unregister("reconciliation_frame")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    unbalanced = reconciliation.filter(~pl.col("is_balanced"))["table_name"].to_list()
    types = tables["allocation"].group_by("role", "is_case_holding").len().sort("len", descending=True)
    return ConformedResult(
        rows={n: f.height for n, f in tables.items()},
        excluded_rows=excluded.height,
        orphan_rows=orphans.height,
        unbalanced_tables=unbalanced,
        seconds=time.perf_counter() - started,
        involvement_types={role or "(blank)": (n, holds) for role, holds, n in types.iter_rows()},
    )
