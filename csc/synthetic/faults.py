"""Recording problems injected into a batch on purpose, each logged so data-quality recall can be measured.

With ``fault_rate`` r, about r of the rows of each table a kind applies to get one problem (each affected row
gets exactly one), and every kind appears at least ``Scale.min_faults_per_kind`` times where the table has
enough eligible rows. Faults are chosen so they do not set off another kind by accident (for example a visit
moved into the future is never a second visit that day), which keeps the log exact: every logged problem is in
the files, and a clean batch (rate 0) has none of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from declarations import codes as code_lists
from declarations import contract

from . import vocab
from .calendar import NULL_DAY, whole_years_between
from .entities import between
from .export import write_atomically
from .frame import NULL_ID, SENTINEL_ID, Codes, Dates, Frame, Ids, codes
from .tables import KEY_SCHEME, ROLE_CASE_WORKER, ROLE_IRO, Tables

FAULT_KINDS: dict[str, str] = {
    "visit_in_cin_file": "A CP or CLA visit (child on a CP plan or in care that day) written into ssd_cin_visits "
    "instead of its own table (contract problem 2). Logged against ssd_cin_visits.",
    "duplicate_visit": "The same child's visit on the same date recorded again with a new id "
    "(ssd_cin_visits, ssd_cp_visits, ssd_cla_visits). Logged with the extra row's id.",
    "blank_cp_plan_id": "cppv_cp_plan_id / cppr_cp_plan_id left blank (ssd_cp_visits, ssd_cp_reviews; "
    "contract problem 3).",
    "category_description": "CP category written as a description that maps to a code ('Neglect' for NEG) "
    "(ssd_cp_plans; contract problem 4).",
    "care_leaver_description": "Care-leaver activity or accommodation written as a description that maps to a "
    "code (ssd_care_leavers; contract problem 4).",
    "unmapped_code": "A CP category, care-leaver activity or accommodation that maps to no code "
    "('Other - see case notes') (ssd_cp_plans, ssd_care_leavers).",
    "invalid_json": "A *_json outcome column truncated so it is not valid JSON (ssd_contacts, ssd_cin_episodes, "
    "ssd_cin_assessments, ssd_s47_enquiry, ssd_initial_cp_conference; contract problem 5).",
    "missing_date": "A date that must be there left blank: visit date, CIN plan start, CLA episode start, "
    "review date, contact date, referral date, assessment start.",
    "date_before_birth": "A visit (CIN, CLA), a plan start (CIN, CP) or a CLA episode start before the child's "
    "date of birth.",
    "date_after_death": "A CIN visit dated after the child's pers_death_date.",
    "future_date": "A visit, review (CP, CLA) or contact dated after the as-of date.",
    "end_before_start": "A CIN plan, CLA episode, referral, involvement or s47 enquiry ending before it starts; "
    "an assessment authorised before it started; a contact decided before it was made.",
    "duplicate_key": "A row exported twice with the same primary key (exact copy). Logged with that key.",
    "orphan_person": "A row whose person id is not in ssd_person (ssd_contacts, ssd_cin_visits, "
    "ext_management_oversight).",
    "orphan_plan": "A CP visit/review whose plan id is in no CP plan; a CLA visit/review whose period of care "
    "(clae_cla_id) does not exist.",
    "visit_wrong_plan": "A CP visit whose cppv_cp_plan_id is a real plan, but another child's, not the one open "
    "for the child that day.",
    "missing_seen_flag": "A visit with the seen flag blank (all three visit tables).",
    "overlapping_plan": "A second CP plan or CLA episode for the same child overlapping an existing one. "
    "Logged with the added row's id.",
    "review_before_plan": "A CP review dated before its plan started.",
    "cp_plan_no_icpc": "A CP plan with no initial conference: cppl_icpc_id blank and the ICPC row missing.",
    "assessment_no_referral": "An assessment whose cina_referral_id matches no referral.",
    "referral_closed_plan_open": "A referral closed on or before as-of while a CP or CIN plan of that referral "
    "stays open at as-of.",
    "no_allocated_worker": "An open involvement (worker and team -1) or open referral (worker -1) with nobody "
    "allocated.",
    "care_leaver_age": "A care leaver row for a person aged under 16 or over 25 at as-of.",
    # The checks a performance analyst and the DfE's CIN census and SSDA903 validators make.
    "journey_out_of_order": "A step of the child's journey dated before the step it follows: an assessment or s47 "
    "enquiry starting before its referral, an initial conference before its s47 enquiry.",
    "visit_outside_plan": "A CIN visit dated before the child's first referral, plan or period of care: on a day "
    "the child had no open case.",
    "closed_without_reason": "A referral closed, or a CLA episode ceased, with its reason left blank.",
    "dob_missing": "A child with open work (open referral, CP plan or period of care) whose date of birth is "
    "blank (ssd_person).",
    "dob_future": "A child with open work whose date of birth is after the extract date (ssd_person).",
    "adult_on_plan": "A child on an open CP plan whose date of birth makes them 18 or over at the extract date "
    "(ssd_person).",
    "duplicate_person": "The same child recorded again under a new person id, with the same NHS number "
    "(ssd_person). Logged with the added row's id.",
    "two_teams": "An open case-holding involvement added for a child who already has one of the same type, in "
    "another team: the case is open in two teams at once. Logged with the added row's id.",
    "unknown_worker_or_team": "An involvement naming a worker or team that is not in ssd_professionals or "
    "ssd_department.",
    "id_with_spaces": "A person id written with a stray space before or after it (ssd_contacts).",
}

# The kinds each table can carry, in the order they are chosen (rows are never shared between kinds).
TABLE_FAULTS: dict[str, tuple[str, ...]] = {
    "ssd_person": ("duplicate_key", "dob_missing", "dob_future", "adult_on_plan", "duplicate_person"),
    "ssd_contacts": (
        "invalid_json", "missing_date", "future_date", "end_before_start", "orphan_person", "duplicate_key",
        "id_with_spaces",
    ),
    "ssd_cin_episodes": (
        "referral_closed_plan_open", "no_allocated_worker", "invalid_json", "missing_date", "end_before_start",
        "closed_without_reason", "duplicate_key",
    ),
    "ssd_cin_assessments": (
        "assessment_no_referral", "invalid_json", "missing_date", "end_before_start", "journey_out_of_order",
        "duplicate_key",
    ),
    "ssd_s47_enquiry": ("invalid_json", "end_before_start", "journey_out_of_order", "duplicate_key"),
    "ssd_cp_plans": (
        "cp_plan_no_icpc", "overlapping_plan", "date_before_birth", "category_description", "unmapped_code",
    ),
    "ssd_initial_cp_conference": ("invalid_json", "journey_out_of_order"),
    "ssd_cin_plans": ("missing_date", "date_before_birth", "end_before_start", "duplicate_key"),
    "ssd_cp_reviews": (
        "review_before_plan", "blank_cp_plan_id", "orphan_plan", "missing_date", "future_date", "duplicate_key",
    ),
    "ssd_cla_episodes": (
        "overlapping_plan", "date_before_birth", "missing_date", "end_before_start", "closed_without_reason",
    ),
    "ssd_cla_placement": ("duplicate_key",),
    "ssd_cla_reviews": ("orphan_plan", "missing_date", "future_date", "duplicate_key"),
    "ssd_care_leavers": ("care_leaver_age", "care_leaver_description", "unmapped_code"),
    "ssd_involvements": (
        "no_allocated_worker", "end_before_start", "two_teams", "unknown_worker_or_team", "duplicate_key",
    ),
    "ssd_cp_visits": (
        "visit_in_cin_file", "visit_wrong_plan", "future_date", "duplicate_visit", "blank_cp_plan_id", "orphan_plan",
        "missing_date", "missing_seen_flag",
    ),
    "ssd_cla_visits": (
        "visit_in_cin_file", "date_before_birth", "future_date", "duplicate_visit", "orphan_plan", "missing_date",
        "missing_seen_flag",
    ),
    "ssd_cin_visits": (
        "date_after_death", "date_before_birth", "future_date", "visit_outside_plan", "duplicate_visit",
        "orphan_person", "missing_date", "missing_seen_flag",
    ),
    "ext_cin_plan_reviews": ("missing_date", "duplicate_key"),
    "ext_management_oversight": ("orphan_person", "duplicate_key"),
}  # fmt: skip

VISIT_TABLES = ("ssd_cp_visits", "ssd_cla_visits", "ssd_cin_visits")
FUTURE_DAYS = (1, 60)


ADDING = ("duplicate_visit", "overlapping_plan", "visit_in_cin_file", "duplicate_person", "two_teams")
# Visit faults that move a date out of the child's plans; one per child, so two never land on the same day.
DATE_MOVES_OF_VISITS = ("date_before_birth", "date_after_death", "future_date", "visit_outside_plan")
# Each step of the journey and the step it follows: (its date, its id of that step, the world's entity of that
# step, the entity's date, the step's id scheme).
JOURNEY = {
    "ssd_cin_assessments": ("cina_assessment_start_date", "cina_referral_id", "referrals", "date", "referral"),
    "ssd_s47_enquiry": ("s47e_s47_start_date", "s47e_referral_id", "referrals", "date", "referral"),
    "ssd_initial_cp_conference": ("icpc_icpc_date", "icpc_s47_enquiry_id", "s47", "start", "s47"),
}
# The spells that open a child's case: their starts place the child's first day.
SPELL_STARTS = ("ssd_cin_episodes", "ssd_cin_plans", "ssd_cp_plans", "ssd_cla_episodes")
CLOSE_REASON = {"ssd_cin_episodes": "cine_close_reason", "ssd_cla_episodes": "clae_cla_episode_ceased_reason"}

# The column each kind changes, per table.
DATE_COLUMN = {
    "ssd_contacts": "cont_contact_date",
    "ssd_cin_episodes": "cine_referral_date",
    "ssd_cin_assessments": "cina_assessment_start_date",
    "ssd_cin_plans": "cinp_cin_plan_start_date",
    "ssd_cp_plans": "cppl_cp_plan_start_date",
    "ssd_cp_reviews": "cppr_cp_review_date",
    "ssd_cla_episodes": "clae_cla_episode_start_date",
    "ssd_cla_reviews": "clar_cla_review_date",
    "ssd_cp_visits": "cppv_cp_visit_date",
    "ssd_cla_visits": "clav_cla_visit_date",
    "ssd_cin_visits": "cinv_cin_visit_date",
    "ext_cin_plan_reviews": "cinr_cin_review_date",
}
END_COLUMN = {
    "ssd_contacts": "cont_contact_outcome_date",
    "ssd_cin_episodes": "cine_close_date",
    "ssd_cin_assessments": "cina_assessment_auth_date",
    "ssd_s47_enquiry": "s47e_s47_end_date",
    "ssd_cin_plans": "cinp_cin_plan_end_date",
    "ssd_cla_episodes": "clae_cla_episode_ceased_date",
    "ssd_involvements": "invo_involvement_end_date",
}
START_COLUMN = DATE_COLUMN | {
    "ssd_s47_enquiry": "s47e_s47_start_date",
    "ssd_involvements": "invo_involvement_start_date",
}
JSON_COLUMN = {
    "ssd_contacts": "cont_contact_outcome_json",
    "ssd_cin_episodes": "cine_referral_outcome_json",
    "ssd_cin_assessments": "cina_assessment_outcome_json",
    "ssd_s47_enquiry": "s47e_s47_outcome_json",
    "ssd_initial_cp_conference": "icpc_icpc_outcome_json",
}
SEEN_COLUMN = {
    "ssd_cp_visits": "cppv_cp_visit_seen",
    "ssd_cla_visits": "clav_cla_visit_seen",
    "ssd_cin_visits": "cinv_cin_visit_seen",
}
PLAN_COLUMN = {
    "ssd_cp_visits": ("cppv_cp_plan_id", "cp_plan"),
    "ssd_cp_reviews": ("cppr_cp_plan_id", "cp_plan"),
    "ssd_cla_visits": ("clav_cla_id", "cla_period"),
    "ssd_cla_reviews": ("clar_cla_id", "cla_period"),
}
# The columns every system's CIN visits file has (Mosaic's cinv_cin_plan_id is added when a batch is written).
CIN_VISIT_COLUMNS = tuple(c.name for c in contract.table("ssd_cin_visits").columns if not c.optional)
# Where a moved CP/CLA visit's values come from.
CIN_FILE_COLUMNS = {
    "ssd_cp_visits": {
        "cinv_person_id": "cppv_person_id",
        "cinv_cin_visit_date": "cppv_cp_visit_date",
        "cinv_cin_visit_seen": "cppv_cp_visit_seen",
        "cinv_cin_visit_seen_alone": "cppv_cp_visit_seen_alone",
        "cinv_cin_visit_bedroom": "cppv_cp_visit_bedroom",
    },
    "ssd_cla_visits": {
        "cinv_person_id": "clav_person_id",
        "cinv_cin_visit_date": "clav_cla_visit_date",
        "cinv_cin_visit_seen": "clav_cla_visit_seen",
        "cinv_cin_visit_seen_alone": "clav_cla_visit_seen_alone",
    },
}
CATEGORY_COLUMNS = ("cppl_cp_plan_initial_category", "cppl_cp_plan_latest_category")
CARE_LEAVER_COLUMNS = (
    ("clea_care_leaver_activity", "care_leaver_activity"),
    ("clea_care_leaver_accommodation", "care_leaver_accommodation"),
)


@dataclass
class Choice:
    """Rows picked for one kind: changed in place, or used as templates for added rows."""

    kind: str
    rows: np.ndarray


class FaultInjector:
    """Injects faults table by table, in the order the tables are built (see ``generate.BUILD_ORDER``).

    Some faults reach across tables: a CP plan without its conference removes the ICPC row, a CP or CLA visit
    moved into the CIN visits file leaves its own table, and changed CLA episodes keep their period's visits
    out of the moved ones. The injector keeps that state between tables.
    """

    def __init__(
        self,
        rate: float,
        rng: np.random.Generator,
        tables: Tables,
        described: frozenset[str] = frozenset(),
        unshown: Mapping[str, tuple[str, ...]] | None = None,
    ):
        self.rate = rate
        self.rng = rng
        self.t = tables
        self.w = tables.w
        # Coded columns the export writes as descriptions throughout (the Liquidlogic builds): a description there
        # is the export's way, not a recording slip, so no "description" fault goes in them.
        self.described = described
        # Kinds, by table, the export's files cannot show (``shapes.UNSHOWN_FAULTS``): not injected.
        self.unshown = dict(unshown or {})
        self.log: list[tuple[str, list[str], str]] = []
        self.moved_to_cin_file: list[Frame] = []
        self.icpc_removed = np.zeros(0, np.int64)
        self.changed_periods = np.zeros(0, np.int64)
        self.changed_cp_plans = np.zeros(0, np.int64)
        self.date_moved_people = np.zeros(0, np.int64)
        self.next_row: dict[str, int] = {}
        self.orphans = 0
        tables_of_kind: dict[str, int] = {}
        for kinds in TABLE_FAULTS.values():
            for k in kinds:
                tables_of_kind[k] = tables_of_kind.get(k, 0) + 1
        minimum = self.w.scale.min_faults_per_kind
        self.min_per_table = {k: math.ceil(minimum / n) for k, n in tables_of_kind.items()}
        if rate > 0:
            self._world_state()

    def _world_state(self) -> None:
        w = self.w
        n = len(w.people["dob"])
        self.dob = w.people["dob"].astype(np.int64)
        self.death = w.people["death"].astype(np.int64)
        self.on_cp_or_cla_now = np.zeros(n, bool)
        self.on_cp_or_cla_now[w.cp_plans["person"][w.cp_plans["end"] == NULL_DAY]] = True
        self.on_cp_or_cla_now[w.cla_periods["person"][w.cla_periods["end"] == NULL_DAY]] = True
        # The start of each child's first plan or period of care in the export: a start moved before birth
        # from there covers no other record of the child.
        self.first_start = np.full(n, np.iinfo(np.int64).max, np.int64)
        for e in (w.cp_plans, w.cin_plans, w.cla_periods):
            np.minimum.at(self.first_start, e["person"], e["start"].astype(np.int64))
        visits = self.t.event("cin_visits")
        self.first_cin_visit = np.full(n, np.iinfo(np.int64).max, np.int64)
        np.minimum.at(self.first_cin_visit, visits["person"], visits["day"].astype(np.int64))
        self.is_care_leaver = np.zeros(n, bool)
        self.is_care_leaver[w.care_leavers["person"]] = True
        # Open work at as-of: an open referral, CP plan or period of care.
        self.open_work = self.on_cp_or_cla_now.copy()
        self.open_work[w.referrals["person"][w.referrals["close"] == NULL_DAY]] = True
        self.on_cp_now = np.zeros(n, bool)
        self.on_cp_now[w.cp_plans["person"][w.cp_plans["end"] == NULL_DAY]] = True
        # The first day of each child's first case (referral, plan or period of care): nothing of theirs is open
        # before it.
        self.first_case = self.first_start.copy()
        np.minimum.at(self.first_case, w.referrals["person"], w.referrals["date"].astype(np.int64))

    # --- driving ---
    def apply(self, table: str, frame: Frame) -> Frame:
        if self.rate <= 0:
            return frame
        # Ids are numbered by row, so added rows are numbered after the table as built.
        self.next_row[table] = frame.n
        # Frames share arrays with the world, which later tables still read: change a copy.
        rows = np.arange(frame.n)
        if table == "ssd_initial_cp_conference":
            rows = np.setdiff1d(rows, self.icpc_removed)
        frame = frame.take(rows)
        choices = self._choose(table, frame)
        # Added rows are copied from clean rows before anything is changed in place.
        added = [(c.kind, self._added_rows(table, c, frame)) for c in choices if c.kind in ADDING]
        for c in choices:
            if c.kind not in ADDING and c.kind != "duplicate_key":
                getattr(self, f"_{c.kind}")(table, frame, c.rows)
                self._log(table, frame, c.rows, c.kind)
        duplicates = next((c.rows for c in choices if c.kind == "duplicate_key"), np.zeros(0, np.int64))
        self._log(table, frame, duplicates, "duplicate_key")
        moved = next((c.rows for c in choices if c.kind == "visit_in_cin_file"), np.zeros(0, np.int64))
        # Each exact copy sits right after its original, as a bad join would leave it.
        order = np.sort(np.concatenate([np.setdiff1d(np.arange(frame.n), moved), duplicates]), kind="stable")
        frame = frame.take(order)
        for kind, extra in added:
            if kind == "visit_in_cin_file":
                self.moved_to_cin_file.append(extra)
            else:
                frame = self._append(table, frame, extra, kind)
        if table == "ssd_cin_visits":
            for extra in self.moved_to_cin_file:
                frame = self._append(table, frame, extra, "visit_in_cin_file")
        return frame

    def _choose(self, table: str, frame: Frame) -> list[Choice]:
        kinds = tuple(k for k in TABLE_FAULTS.get(table, ()) if k not in self.unshown.get(table, ()))
        taken = np.zeros(frame.n, bool)
        budget = round(self.rate * frame.n / max(len(kinds), 1))
        choices = []
        for kind in kinds:
            eligible = getattr(self, f"_can_{kind}")(table, frame) & ~taken
            candidates = np.nonzero(eligible)[0]
            k = min(len(candidates), max(budget, self.min_per_table[kind]))
            rows = np.sort(self.rng.choice(candidates, size=k, replace=False)) if k else candidates[:0]
            if table in VISIT_TABLES and kind in DATE_MOVES_OF_VISITS:
                rows = self._one_per_child(table, frame, rows)
            taken[rows] = True
            choices.append(Choice(kind, rows))
        return choices

    def _append(self, table: str, frame: Frame, extra: Frame, kind: str) -> Frame:
        """Added rows get new ids after the table's last."""
        key = contract.table(table).key
        scheme = self.t.ids[KEY_SCHEME[table]]
        first = self.next_row[table]
        extra.columns[key] = scheme.of(np.arange(first, first + extra.n))
        self.next_row[table] = first + extra.n
        self._log(table, extra, np.arange(extra.n), kind)
        return frame.append(extra)

    def _log(self, table: str, frame: Frame, rows: np.ndarray, kind: str) -> None:
        """Logged by the record's stable key (``Table.record_key``), as the rules report it."""
        if len(rows):
            key = frame.columns[contract.table(table).record_key]
            assert isinstance(key, Ids)
            self.log.append((table, key.take(rows).to_series(0, len(rows)).to_list(), kind))

    def _one_per_child(self, table: str, frame: Frame, rows: np.ndarray) -> np.ndarray:
        person = self._person(table, frame)[rows]
        _, first = np.unique(person, return_index=True)
        rows = np.sort(rows[first])
        self.date_moved_people = np.union1d(self.date_moved_people, self._person(table, frame)[rows])
        return rows

    # --- helpers reading the frame ---
    def _person(self, table: str, frame: Frame) -> np.ndarray:
        ids = frame.columns[_person_column(table)]
        assert isinstance(ids, Ids)
        return ids.values - self.t.ids["person"].base

    def _days(self, frame: Frame, column: str) -> np.ndarray:
        dates = frame.columns[column]
        assert isinstance(dates, Dates)
        return dates.days

    def _world_rows(self, table: str) -> dict[str, np.ndarray]:
        return {
            "ssd_cp_plans": self.w.cp_plans,
            "ssd_cin_plans": self.w.cin_plans,
            "ssd_cla_episodes": self.w.cla_episodes,
            "ssd_cin_episodes": self.w.referrals,
            "ssd_involvements": self.w.involvements,
            "ssd_care_leavers": self.w.care_leavers,
        }[table]

    def _ever(self, frame: Frame) -> np.ndarray:
        return np.ones(frame.n, bool)

    def _has(self, frame: Frame, column: str) -> np.ndarray:
        return self._days(frame, column) != NULL_DAY

    def _not_moved(self, table: str, frame: Frame) -> np.ndarray:
        return ~np.isin(self._person(table, frame), self.date_moved_people)

    # --- eligibility: which rows can carry a kind without setting off another one ---
    def _can_duplicate_key(self, table: str, frame: Frame) -> np.ndarray:
        return self._ever(frame)

    _can_duplicate_visit = _can_duplicate_key
    _can_missing_seen_flag = _can_duplicate_key
    _can_blank_cp_plan_id = _can_duplicate_key
    _can_orphan_plan = _can_duplicate_key
    _can_orphan_person = _can_duplicate_key
    _can_assessment_no_referral = _can_duplicate_key
    _can_unmapped_code = _can_duplicate_key

    def _can_category_description(self, table: str, frame: Frame) -> np.ndarray:
        return self._ever(frame) & bool(set(CATEGORY_COLUMNS) - self.described)

    def _can_care_leaver_description(self, table: str, frame: Frame) -> np.ndarray:
        return self._ever(frame) & bool({c for c, _ in CARE_LEAVER_COLUMNS} - self.described)

    _can_care_leaver_age = _can_duplicate_key
    _can_visit_wrong_plan = _can_duplicate_key

    def _can_dob_missing(self, table: str, frame: Frame) -> np.ndarray:
        # A child with open work, not a care leaver (whose age decides 6.1-6.3), whose dates are not moved.
        person = self._person(table, frame)
        return (
            self.open_work[person]
            & ~self.is_care_leaver[person]
            & (self.death[person] == NULL_DAY)
            & self._not_moved(table, frame)
        )

    _can_dob_future = _can_dob_missing

    def _can_adult_on_plan(self, table: str, frame: Frame) -> np.ndarray:
        person = self._person(table, frame)
        age = whole_years_between(self.w.people["dob"][person], self.w.as_of)
        return self._can_dob_missing(table, frame) & self.on_cp_now[person] & (age < 18)

    def _can_duplicate_person(self, table: str, frame: Frame) -> np.ndarray:
        nhs = frame.columns["pers_single_unique_id"]
        assert isinstance(nhs, Ids)
        return (nhs.values != NULL_ID) & self._not_moved(table, frame)

    def _can_id_with_spaces(self, table: str, frame: Frame) -> np.ndarray:
        ids = frame.columns[_person_column(table)]
        assert isinstance(ids, Ids)
        return ids.values != NULL_ID

    def _can_closed_without_reason(self, table: str, frame: Frame) -> np.ndarray:
        reason = frame.columns[CLOSE_REASON[table]]
        assert isinstance(reason, Codes)
        return self._has(frame, END_COLUMN[table]) & (reason.index >= 0)

    def _journey_step(self, table: str, frame: Frame) -> tuple[np.ndarray, np.ndarray]:
        """(the day of the step each row follows, or NULL_DAY; whether it has one)."""
        _, column, entity, field, scheme = JOURNEY[table]
        ids = frame.columns[column]
        assert isinstance(ids, Ids)
        days = getattr(self.w, entity)[field]
        index = ids.values - self.t.ids[scheme].base
        known = (ids.values != NULL_ID) & (index >= 0) & (index < len(days))
        before = np.where(known, days[np.clip(index, 0, len(days) - 1)], NULL_DAY).astype(np.int64)
        return before, known & (before != NULL_DAY)

    def _can_journey_out_of_order(self, table: str, frame: Frame) -> np.ndarray:
        before, known = self._journey_step(table, frame)
        person = self._person(table, frame)
        return known & self._has(frame, JOURNEY[table][0]) & (before - self.dob[person] > 15)

    def _can_visit_outside_plan(self, table: str, frame: Frame) -> np.ndarray:
        person = self._person(table, frame)
        return (
            self._has(frame, DATE_COLUMN[table])
            & (self.first_case[person] - self.dob[person] > 40)
            & (self.death[person] == NULL_DAY)
            & self._not_moved(table, frame)
        )

    def _holds_case(self, frame: Frame) -> np.ndarray:
        role = frame.columns["invo_professional_role_id"]
        worker = frame.columns["invo_professional_id"]
        assert isinstance(role, Codes) and isinstance(worker, Ids)
        return (role.index != ROLE_IRO) & (worker.values >= 0)

    def _can_two_teams(self, table: str, frame: Frame) -> np.ndarray:
        role = frame.columns["invo_professional_role_id"]
        assert isinstance(role, Codes)
        start = self._days(frame, "invo_involvement_start_date").astype(np.int64)
        open_now = ~self._has(frame, "invo_involvement_end_date")
        return (role.index == ROLE_CASE_WORKER) & self._holds_case(frame) & open_now & (start < self.w.as_of - 2)

    def _can_unknown_worker_or_team(self, table: str, frame: Frame) -> np.ndarray:
        return self._holds_case(frame)

    def _can_invalid_json(self, table: str, frame: Frame) -> np.ndarray:
        json = frame.columns[JSON_COLUMN[table]]
        assert isinstance(json, Codes)
        return json.index >= 0

    def _can_missing_date(self, table: str, frame: Frame) -> np.ndarray:
        if table == "ssd_cla_episodes":
            # Only later episodes: the first one's start is the period's start.
            e = self.w.cla_episodes
            return e["start"] > self.w.cla_periods["start"][e["period"]]
        return self._has(frame, DATE_COLUMN[table])

    def _can_end_before_start(self, table: str, frame: Frame) -> np.ndarray:
        closed = self._has(frame, END_COLUMN[table]) & self._has(frame, START_COLUMN[table])
        if table == "ssd_cla_episodes":
            # Not the last episode: its end is the end of the period of care.
            e = self.w.cla_episodes
            last_start = np.full(len(self.w.cla_periods["start"]), np.iinfo(np.int32).min, np.int64)
            np.maximum.at(last_start, e["period"], e["start"].astype(np.int64))
            closed &= e["start"] < last_start[e["period"]]
        return closed

    def _can_future_date(self, table: str, frame: Frame) -> np.ndarray:
        person = self._person(table, frame)
        alive = self.death[person] == NULL_DAY
        not_moved = self._not_moved(table, frame)
        if table in ("ssd_cp_visits", "ssd_cp_reviews"):
            return (self.w.cp_plans["end"][self._plan_index(table, frame)] == NULL_DAY) & not_moved
        if table in ("ssd_cla_visits", "ssd_cla_reviews"):
            return (self.w.cla_periods["end"][self._plan_index(table, frame)] == NULL_DAY) & not_moved
        if table == "ssd_cin_visits":
            # Not on a CP plan or in care now: a future CIN visit would fall inside that open plan.
            return alive & ~self.on_cp_or_cla_now[person] & not_moved
        return alive

    def _can_date_before_birth(self, table: str, frame: Frame) -> np.ndarray:
        if table in ("ssd_cp_plans", "ssd_cla_episodes"):
            # Only a child's first plan, with no CIN visit before it (from their assessment): the plan moved
            # back before birth would otherwise catch those visits.
            e = self.w.cp_plans if table == "ssd_cp_plans" else self.w.cla_episodes
            return (
                (e["start"] == self.first_start[e["person"]])
                & (e["start"] <= self.first_cin_visit[e["person"]])
                & ~np.isin(e["person"], self.date_moved_people)
            )
        return self._not_moved(table, frame) & self._has(frame, DATE_COLUMN[table])

    def _can_date_after_death(self, table: str, frame: Frame) -> np.ndarray:
        death = self.death[self._person(table, frame)]
        return (death != NULL_DAY) & (death < self.w.as_of - 1) & self._not_moved(table, frame)

    def _can_visit_in_cin_file(self, table: str, frame: Frame) -> np.ndarray:
        if table == "ssd_cla_visits":
            return ~np.isin(frame.hidden["_parent"], self.changed_periods)
        return self._ever(frame)

    def _can_overlapping_plan(self, table: str, frame: Frame) -> np.ndarray:
        e = self._world_rows(table)
        end = np.where(e["end"] == NULL_DAY, self.w.as_of, e["end"])
        return end - e["start"] >= 3

    def _can_cp_plan_no_icpc(self, table: str, frame: Frame) -> np.ndarray:
        return self.w.cp_plans["icpc"] >= 0

    def _can_review_before_plan(self, table: str, frame: Frame) -> np.ndarray:
        plan = self._plan_index(table, frame)
        start = self.w.cp_plans["start"][plan].astype(np.int64)
        person = self.w.cp_plans["person"][plan]
        return (
            (start - self.dob[person] >= 2)
            & ~np.isin(plan, self.changed_cp_plans)
            & ~np.isin(person, self.date_moved_people)
        )

    def _can_referral_closed_plan_open(self, table: str, frame: Frame) -> np.ndarray:
        w = self.w
        with_open_plan = np.concatenate(
            [
                w.cp_plans["referral"][w.cp_plans["end"] == NULL_DAY],
                w.cin_plans["referral"][w.cin_plans["end"] == NULL_DAY],
            ]
        )
        eligible = np.zeros(frame.n, bool)
        eligible[with_open_plan] = True
        return eligible & (w.referrals["close"] == NULL_DAY)

    def _can_no_allocated_worker(self, table: str, frame: Frame) -> np.ndarray:
        if table == "ssd_cin_episodes":
            return self._world_rows(table)["close"] == NULL_DAY
        # An open involvement that holds the case: an IRO's with no worker leaves the child allocated.
        role = frame.columns["invo_professional_role_id"]
        assert isinstance(role, Codes)
        return ~self._has(frame, "invo_involvement_end_date") & (role.index == ROLE_CASE_WORKER)

    def _plan_index(self, table: str, frame: Frame) -> np.ndarray:
        if "_parent" in frame.hidden:
            return frame.hidden["_parent"]
        column, scheme = PLAN_COLUMN[table]
        ids = frame.columns[column]
        assert isinstance(ids, Ids)
        return ids.values - self.t.ids[scheme].base

    # --- the faults themselves ---
    def _added_rows(self, table: str, c: Choice, frame: Frame) -> Frame:
        extra = frame.take(c.rows)
        if c.kind == "visit_in_cin_file":
            return self._as_cin_visits(table, extra)
        if c.kind == "two_teams":
            # A later involvement of the same type, in another team, while the first stays open.
            start = self._days(extra, "invo_involvement_start_date").astype(np.int64)
            self._days(extra, "invo_involvement_start_date")[:] = start + between(
                self.rng, 1, self.w.as_of - start - 1, extra.n
            )
            team = extra.columns["invo_professional_team"]
            assert isinstance(team, Ids)
            wf = self.w.workforce
            own = team.values - self.t.ids["team"].base
            other = (own + self.rng.integers(1, wf.n_teams, extra.n)) % wf.n_teams
            extra.columns["invo_professional_team"] = self.t.team(other)
            extra.columns["invo_professional_id"] = self.t.worker(wf.practitioner_in(self.rng, other))
            return extra
        if c.kind == "overlapping_plan":
            e = self._world_rows(table)
            start = e["start"][c.rows].astype(np.int64)
            end = np.where(e["end"][c.rows] == NULL_DAY, self.w.as_of, e["end"][c.rows]).astype(np.int64)
            later = start + between(self.rng, 1, end - start - 1, len(c.rows))
            self._days(extra, START_COLUMN[table])[:] = later
            if table == "ssd_cla_episodes":
                reason = extra.columns["clae_cla_episode_start_reason"]
                assert isinstance(reason, Codes)
                reason.index[:] = reason.add("P")
                self.changed_periods = np.union1d(self.changed_periods, e["period"][c.rows])
        return extra

    def _as_cin_visits(self, table: str, visits: Frame) -> Frame:
        """CP/CLA visit rows as the CIN visits file holds them (a date without time, no plan)."""
        n = visits.n
        source = CIN_FILE_COLUMNS[table]
        columns = {name: visits.columns[source[name]] if name in source else None for name in CIN_VISIT_COLUMNS}
        columns["cinv_cin_visit_id"] = self.t.ids["cin_visit"].of(np.full(n, -1))
        columns["cinv_cin_visit_date"] = Dates(self._days(visits, source["cinv_cin_visit_date"]).copy())
        if columns["cinv_cin_visit_bedroom"] is None:
            columns["cinv_cin_visit_bedroom"] = codes(("Y", "N"), np.full(n, -1))
        return Frame(columns, {"_parent": np.full(n, -1, np.int64)})  # type: ignore[arg-type]

    def _missing_date(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        self._days(frame, DATE_COLUMN[table])[rows] = NULL_DAY
        if table in SPELL_STARTS:
            # the child's first day is no longer known: no visit of theirs is moved before it
            self._moved(self._person(table, frame)[rows])
        if table == "ssd_cla_episodes":
            # An episode with no start no longer covers its days: a visit moved into the CIN file then would not
            # be seen as a CLA visit.
            self.changed_periods = np.union1d(self.changed_periods, self.w.cla_episodes["period"][rows])

    def _missing_seen_flag(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        seen = frame.columns[SEEN_COLUMN[table]]
        assert isinstance(seen, Codes)
        seen.index[rows] = -1

    def _invalid_json(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        # String concatenation that lost its tail: the closing quote and brace are gone.
        json = frame.columns[JSON_COLUMN[table]]
        assert isinstance(json, Codes)
        cut = between(self.rng, 2, 12, len(rows))
        for row, k in zip(rows.tolist(), cut.tolist(), strict=True):
            json.index[row] = json.add(json.vocab[json.index[row]][:-k])

    def _future_date(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        self._days(frame, DATE_COLUMN[table])[rows] = self.w.as_of + between(self.rng, *FUTURE_DAYS, len(rows))
        if table == "ssd_contacts":
            # A contact not made yet cannot have been decided.
            self._days(frame, "cont_contact_outcome_date")[rows] = NULL_DAY
            json = frame.columns["cont_contact_outcome_json"]
            assert isinstance(json, Codes)
            json.index[rows] = -1

    def _end_before_start(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        start = self._days(frame, START_COLUMN[table])[rows]
        self._days(frame, END_COLUMN[table])[rows] = start - between(self.rng, 1, 10, len(rows))
        if table == "ssd_cla_episodes":
            self.changed_periods = np.union1d(self.changed_periods, self.w.cla_episodes["period"][rows])

    def _date_before_birth(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        person = self._person(table, frame)[rows]
        self._days(frame, DATE_COLUMN[table])[rows] = self.dob[person] - between(self.rng, 1, 200, len(rows))
        if table in SPELL_STARTS:
            # The child's visits and reviews must not be caught by the now longer plan.
            self._moved(person)
        if table == "ssd_cp_plans":
            self.changed_cp_plans = np.union1d(self.changed_cp_plans, rows)
        if table == "ssd_cla_episodes":
            self.changed_periods = np.union1d(self.changed_periods, self.w.cla_episodes["period"][rows])

    def _date_after_death(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        death = self.death[self._person(table, frame)[rows]]
        room = np.minimum(60, self.w.as_of - death)
        self._days(frame, DATE_COLUMN[table])[rows] = death + between(self.rng, 1, room, len(rows))

    def _orphan_person(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        column = _person_column(table)
        ids = frame.columns[column]
        assert isinstance(ids, Ids)
        ids.values[rows] = [self.t.ids["person"].missing(self._next_orphan()) for _ in rows]

    def _next_orphan(self) -> int:
        self.orphans += 1
        return self.orphans

    def _orphan_plan(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        column, scheme = PLAN_COLUMN[table]
        ids = frame.columns[column]
        assert isinstance(ids, Ids)
        ids.values[rows] = [self.t.ids[scheme].missing(self._next_orphan()) for _ in rows]

    def _blank_cp_plan_id(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        ids = frame.columns[PLAN_COLUMN[table][0]]
        assert isinstance(ids, Ids)
        ids.values[rows] = NULL_ID

    def _visit_wrong_plan(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        plans = self.w.cp_plans
        person = self._person(table, frame)[rows]
        other = self.rng.integers(0, len(plans["person"]), len(rows))
        # Another child's plan: step on to the next plan until the child differs.
        for _ in range(100):
            same = plans["person"][other] == person
            if not same.any():
                break
            other[same] = (other[same] + 1) % len(plans["person"])
        ids = frame.columns["cppv_cp_plan_id"]
        assert isinstance(ids, Ids)
        ids.values[rows] = self.t.ids["cp_plan"].of(other).values

    def _review_before_plan(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        plan = self._plan_index(table, frame)[rows]
        start = self.w.cp_plans["start"][plan].astype(np.int64)
        room = np.minimum(30, start - self.dob[self.w.cp_plans["person"][plan]] - 1)
        self._days(frame, "cppr_cp_review_date")[rows] = start - between(self.rng, 1, room, len(rows))

    def _cp_plan_no_icpc(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        ids = frame.columns["cppl_icpc_id"]
        assert isinstance(ids, Ids)
        ids.values[rows] = NULL_ID
        self.icpc_removed = np.union1d(self.icpc_removed, self.w.cp_plans["icpc"][rows])

    def _category_description(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        self._recode(frame, rows, CATEGORY_COLUMNS, ("cp_category", "cp_category"), described=True)

    def _care_leaver_description(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        columns, mappings = zip(*CARE_LEAVER_COLUMNS, strict=True)
        self._recode(frame, rows, columns, mappings, described=True)

    def _unmapped_code(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        if table == "ssd_cp_plans":
            self._recode(frame, rows, CATEGORY_COLUMNS, ("cp_category", "cp_category"), described=False)
        else:
            columns, mappings = zip(*CARE_LEAVER_COLUMNS, strict=True)
            self._recode(frame, rows, columns, mappings, described=False)

    def _recode(
        self, frame: Frame, rows: np.ndarray, columns: tuple[str, ...], mappings: tuple[str, ...], *, described: bool
    ) -> None:
        """Write one of the columns as a description of its code (or as a value that maps to nothing)."""
        if described:
            kept = [i for i, c in enumerate(columns) if c not in self.described]
            columns, mappings = tuple(columns[i] for i in kept), tuple(mappings[i] for i in kept)
        which = self.rng.integers(0, len(columns), len(rows))
        unmapped = self.rng.integers(0, len(vocab.UNMAPPED_VALUES), len(rows))
        for row, w, u in zip(rows.tolist(), which.tolist(), unmapped.tolist(), strict=True):
            column = frame.columns[columns[w]]
            assert isinstance(column, Codes)
            code = column.vocab[column.index[row]]
            text = code_lists.DESCRIPTIONS[mappings[w]][code] if described else vocab.UNMAPPED_VALUES[u]
            column.index[row] = column.add(text)

    def _dob_missing(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        self._days(frame, "pers_dob")[rows] = NULL_DAY
        self._moved(self._person(table, frame)[rows])

    def _dob_future(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        self._days(frame, "pers_dob")[rows] = self.w.as_of + between(self.rng, *FUTURE_DAYS, len(rows))
        self._moved(self._person(table, frame)[rows])

    def _adult_on_plan(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        # 18 years and a few months before as-of: older, so no record of the child comes before the birth.
        self._days(frame, "pers_dob")[rows] = self.w.as_of - 6576 - between(self.rng, 30, 300, len(rows))
        self._moved(self._person(table, frame)[rows])

    def _moved(self, person: np.ndarray) -> None:
        """People whose date of birth changed: no later fault moves their dates against it."""
        self.date_moved_people = np.union1d(self.date_moved_people, person)

    def _id_with_spaces(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        # The id as text from here on: a space before it, or after it.
        column = _person_column(table)
        ids = frame.columns[column]
        assert isinstance(ids, Ids)
        text = ids.to_series(0, frame.n).to_list()
        after = self.rng.random(len(rows)) < 0.5
        for row, a in zip(rows.tolist(), after.tolist(), strict=True):
            text[row] = f"{text[row]} " if a else f" {text[row]}"
        vocab_ = sorted({t for t in text if t is not None})
        position = {t: i for i, t in enumerate(vocab_)}
        frame.columns[column] = Codes(vocab_, np.array([position.get(t, -1) for t in text], np.int32))

    def _closed_without_reason(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        reason = frame.columns[CLOSE_REASON[table]]
        assert isinstance(reason, Codes)
        reason.index[rows] = -1

    def _journey_out_of_order(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        before, _ = self._journey_step(table, frame)
        self._days(frame, JOURNEY[table][0])[rows] = before[rows] - between(self.rng, 1, 10, len(rows))

    def _visit_outside_plan(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        first = self.first_case[self._person(table, frame)[rows]]
        self._days(frame, DATE_COLUMN[table])[rows] = first - between(self.rng, 1, 30, len(rows))

    def _unknown_worker_or_team(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        # Half name a worker who is not in ssd_professionals, half a team that is not in ssd_department.
        for i, row in enumerate(rows.tolist()):
            column, scheme = ("invo_professional_id", "worker") if i % 2 == 0 else ("invo_professional_team", "team")
            ids = frame.columns[column]
            assert isinstance(ids, Ids)
            ids.values[row] = self.t.ids[scheme].missing(self._next_orphan())

    def _care_leaver_age(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        age = whole_years_between(self.w.people["dob"], self.w.as_of)
        moved = np.zeros(len(age), bool)
        moved[self.date_moved_people] = True
        young = np.nonzero((age < 16) & ~self.is_care_leaver & ~moved)[0]
        ids = frame.columns["clea_person_id"]
        assert isinstance(ids, Ids)
        ids.values[rows] = self.t.ids["person"].of(self.rng.choice(young, len(rows), replace=False)).values

    def _assessment_no_referral(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        ids = frame.columns["cina_referral_id"]
        assert isinstance(ids, Ids)
        ids.values[rows] = [self.t.ids["referral"].missing(self._next_orphan()) for _ in rows]

    def _referral_closed_plan_open(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        start = self._days(frame, "cine_referral_date")[rows].astype(np.int64)
        room = np.minimum(30, self.w.as_of - start)
        self._days(frame, "cine_close_date")[rows] = self.w.as_of - between(self.rng, 0, room, len(rows))
        reason = frame.columns["cine_close_reason"]
        assert isinstance(reason, Codes)
        reason.index[rows] = reason.add("RC7")

    def _no_allocated_worker(self, table: str, frame: Frame, rows: np.ndarray) -> None:
        columns = {
            "ssd_cin_episodes": ("cine_referral_worker_id",),
            "ssd_involvements": ("invo_professional_id", "invo_professional_team"),
        }[table]
        for name in columns:
            ids = frame.columns[name]
            assert isinstance(ids, Ids)
            ids.values[rows] = SENTINEL_ID


def _person_column(table: str) -> str:
    """The column naming a table's child: every fault about a child's id is injected into a table that has one."""
    column = contract.table(table).person_column
    if column is None:
        raise ValueError(f"{table} has no person column to inject a fault about a child's id into")
    return column


def write_log(path: Path, log: list[tuple[str, list[str], str]]) -> None:
    """The faults log: one line per injected problem, ``table_name,record_id,problem``."""
    rows = [(table, record, kind) for table, records, kind in log for record in records]
    frame = pl.DataFrame(rows, schema=["table_name", "record_id", "problem"], orient="row")
    write_atomically(path, frame.write_csv().encode())
