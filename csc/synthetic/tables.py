"""The 21 contract tables built from the simulated world, row for row, as a case system would export them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from declarations import contract

from . import care, events, vocab
from .calendar import NULL_DAY, SENTINEL_DAY, add_years, whole_years_between
from .entities import Entity, between, choice, concat, positions, size
from .frame import NULL_ID, SENTINEL_ID, Dates, Frame, IdFormat, Ids, Numbers, codes, constant, flags
from .journeys import OUT_CIN, OUT_CLA, OUT_NFA, OUT_S47
from .workforce import TEAM_KINDS, team_names
from .world import World

# Contract problem 1 again: some systems write 1900-01-01 where a date is missing; this council does for open
# CP plans and open CLA episodes.
SENTINEL_END = {"ssd_cp_plans": "cppl_cp_plan_end_date", "ssd_cla_episodes": "clae_cla_episode_ceased_date"}
# One export carries a column the contract does not list (kept in raw, ignored downstream).
EXTRA_COLUMNS = {"ssd_cla_placement": "clap_cla_placement_la_code"}

# Involvement types, as Liquidlogic codes them (``invo_professional_role_id``); each system's export writes its
# own code for each (csc/synthetic/shapes.py).
INVOLVEMENT_ROLES = ("CW", "16PLUS", "IRO", "16PLUS")
ROLE_CASE_WORKER, ROLE_LEAVING_CARE_ADVISER, ROLE_IRO, ROLE_ADVISER_IN_CARE = range(4)


@dataclass(frozen=True)
class IdScheme:
    """Text ids: a prefix per entity and numbers from ``base`` up, so ids of different tables never clash."""

    format: IdFormat
    base: int

    def of(self, index: np.ndarray) -> Ids:
        index = np.asarray(index, dtype=np.int64)
        return Ids(np.where(index < 0, NULL_ID, index + self.base), self.format)

    def text(self, index: int) -> str:
        return self.format.format(index + self.base)

    def missing(self, k: int) -> int:
        """Number of an id that belongs to no row (for orphan faults): far above any real one."""
        return self.base + 9 * 10**7 + k if not self.format.width else 10**self.format.width - 1 - k


def id_schemes(person_width: int) -> dict[str, IdScheme]:
    return {
        "person": IdScheme(IdFormat("", person_width), 10_000),
        "team": IdScheme(IdFormat(), 101),
        "service_area": IdScheme(IdFormat("SA"), 1),
        "worker": IdScheme(IdFormat(), 20_001),
        "contact": IdScheme(IdFormat("CON"), 1_000_001),
        "referral": IdScheme(IdFormat("REF"), 200_001),
        "assessment": IdScheme(IdFormat("ASM"), 300_001),
        "s47": IdScheme(IdFormat("S47E"), 40_001),
        "icpc": IdScheme(IdFormat("ICPC"), 50_001),
        "meeting": IdScheme(IdFormat("MTG"), 50_001),
        "cin_plan": IdScheme(IdFormat("CINP"), 60_001),
        "cp_plan": IdScheme(IdFormat("CPP"), 70_001),
        "cp_review": IdScheme(IdFormat("CPR"), 80_001),
        "review_meeting": IdScheme(IdFormat("RVM"), 80_001),
        "cla_period": IdScheme(IdFormat("POC"), 90_001),
        "cla_episode": IdScheme(IdFormat("EPI"), 90_001),
        "placement": IdScheme(IdFormat("PLC"), 90_001),
        "cla_review": IdScheme(IdFormat("CLR"), 100_001),
        "care_leaver": IdScheme(IdFormat("CLEA"), 1_001),
        "involvement": IdScheme(IdFormat("INV"), 500_001),
        "cin_visit": IdScheme(IdFormat("CINV"), 1_000_001),
        "cp_visit": IdScheme(IdFormat("CPV"), 1_000_001),
        "cla_visit": IdScheme(IdFormat("CLAV"), 1_000_001),
        "cin_review": IdScheme(IdFormat("CINR"), 100_001),
        "oversight": IdScheme(IdFormat("MO"), 1_000_001),
        "legacy": IdScheme(IdFormat("LEG"), 700_001),
        "upn": IdScheme(IdFormat("A", 12), 0),
        "nhs": IdScheme(IdFormat("", 10), 0),
        "staff": IdScheme(IdFormat("E"), 10_001),
        "registration": IdScheme(IdFormat("SW"), 100_001),
        "urn": IdScheme(IdFormat("SC"), 0),
    }


# Which id scheme each table's key uses, and the entity its rows come from.
KEY_SCHEME = {
    "ssd_person": "person",
    "ssd_department": "team",
    "ssd_professionals": "worker",
    "ssd_involvements": "involvement",
    "ssd_contacts": "contact",
    "ssd_cin_episodes": "referral",
    "ssd_cin_assessments": "assessment",
    "ssd_s47_enquiry": "s47",
    "ssd_initial_cp_conference": "icpc",
    "ssd_cin_plans": "cin_plan",
    "ssd_cin_visits": "cin_visit",
    "ssd_cp_plans": "cp_plan",
    "ssd_cp_visits": "cp_visit",
    "ssd_cp_reviews": "cp_review",
    "ssd_cla_episodes": "cla_episode",
    "ssd_cla_placement": "placement",
    "ssd_cla_reviews": "cla_review",
    "ssd_cla_visits": "cla_visit",
    "ssd_care_leavers": "care_leaver",
    "ext_cin_plan_reviews": "cin_review",
    "ext_management_oversight": "oversight",
}


EVENTS = ("cp_visits", "cla_visits", "cin_visits", "cla_reviews", "cin_reviews", "oversight")


class Tables:
    """Builds each table's frame on demand (england-scale event tables are built, written and dropped one
    at a time) from the world, with the id schemes.

    Each table and each event list draws from its own random stream, so what one draws never depends on which
    was built first (fault injection may need the CIN visits before their table is written).
    """

    def __init__(self, world: World, seed: np.random.SeedSequence):
        self.w = world
        self.ids = id_schemes(world.scale.person_id_width)
        self.events: dict[str, Entity] = {}
        names = (*KEY_SCHEME, *EVENTS)
        self.streams = {
            n: np.random.Generator(np.random.PCG64(s)) for n, s in zip(names, seed.spawn(len(names)), strict=True)
        }
        self.rng = self.streams["ssd_person"]

    # --- helpers ---
    def person(self, index: np.ndarray) -> Ids:
        return self.ids["person"].of(index)

    def team(self, index: np.ndarray) -> Ids:
        return self.ids["team"].of(index)

    def worker(self, index: np.ndarray) -> Ids:
        return self.ids["worker"].of(index)

    def end_dates(self, table: str, days: np.ndarray) -> Dates:
        if table in SENTINEL_END:
            return Dates(np.where(days == NULL_DAY, SENTINEL_DAY, days).astype(np.int32))
        return Dates(days)

    def frame(self, table: str, columns: dict[str, object], hidden: dict[str, np.ndarray] | None = None) -> Frame:
        # Columns only some systems export (Column.optional) are added when a batch is written in their shape.
        expected = tuple(c.name for c in contract.table(table).columns if not c.optional)
        extra = (EXTRA_COLUMNS[table],) if table in EXTRA_COLUMNS else ()
        if tuple(columns) != expected + extra:
            raise AssertionError(f"{table}: columns {tuple(columns)} differ from the contract {expected}")
        return Frame(columns, hidden)  # type: ignore[arg-type]

    def event(self, name: str) -> Entity:
        """Visits and reviews, drawn once (fault injection and several tables may need them)."""
        if name not in self.events:
            w, s, rng = self.w, self.w.scale, self.streams[name]
            self.events[name] = {
                "cp_visits": lambda: events.visits(rng, s, w.cp_plans, s.cp_visits, w),
                "cla_visits": lambda: events.visits(rng, s, w.cla_periods, s.cla_visits, w),
                "cin_visits": lambda: events.cin_visits(rng, s, w),
                "cla_reviews": lambda: events.cla_reviews(rng, s, w.wd, w),
                "cin_reviews": lambda: events.cin_plan_reviews(rng, s, w),
                "oversight": lambda: events.oversight(rng, s, w),
            }[name]()
        return self.events[name]

    def drop_event(self, name: str) -> None:
        self.events.pop(name, None)

    def referral_overlapping(self, person: np.ndarray, start: np.ndarray, end: np.ndarray) -> Ids:
        """Each row's referral as Mosaic's SSD build finds it: the child's latest referral that starts on or
        before the row's end and is still open (or closes) on or after its start; none if no referral of the
        child overlaps, or the row has no child."""
        r = self.w.referrals
        order = np.lexsort((r["date"], r["person"]))
        by_person = r["person"][order].astype(np.int64)
        by_date = r["date"][order].astype(np.int64)
        close = r["close"][order].astype(np.int64)
        person = np.asarray(person, dtype=np.int64)
        end = np.where(np.asarray(end) == NULL_DAY, np.iinfo(np.int32).max, end)

        def key(p: np.ndarray, d: np.ndarray) -> np.ndarray:
            return (p << 32) + (np.asarray(d, dtype=np.int64) - np.iinfo(np.int32).min)

        latest = np.searchsorted(key(by_person, by_date), key(person, end), side="right") - 1
        at = np.maximum(latest, 0)
        overlaps = (
            (latest >= 0)
            & (by_person[at] == person)
            & ((close[at] == NULL_DAY) | (close[at] >= np.asarray(start, dtype=np.int64)))
        )
        return self.ids["referral"].of(np.where(overlaps, order[at], -1))

    # --- tables ---
    def ssd_person(self) -> Frame:
        p = self.w.people
        n = size(p)
        idx = np.arange(n)
        age = whole_years_between(p["dob"], self.w.as_of)
        has_upn = age >= 5  # school age
        return self.frame(
            "ssd_person",
            {
                "pers_person_id": self.person(idx),
                "pers_legacy_id": self.ids["legacy"].of(np.where(p["has_legacy_id"], idx, -1)),
                "pers_upn": self.ids["upn"].of(np.where(has_upn, p["upn"], -1)),
                "pers_forename": codes(vocab.GIRLS + vocab.BOYS, p["forename"]),
                "pers_surname": codes(vocab.SURNAMES, p["surname"]),
                "pers_sex": codes(("M", "F", "U"), p["sex"]),
                "pers_gender": codes(("M", "F", "U"), p["sex"]),
                "pers_ethnicity": codes(vocab.split(vocab.ETHNICITY)[0], p["ethnicity"]),
                "pers_dob": Dates(p["dob"]),
                "pers_single_unique_id": self.ids["nhs"].of(p["nhs"]),
                "pers_upn_unknown": codes(("UN1",), np.where(has_upn, -1, 0)),
                "pers_send_flag": codes(vocab.split(vocab.SEND)[0], p["send"]),
                "pers_expected_dob": Dates(np.full(n, NULL_DAY, np.int32)),
                "pers_death_date": Dates(p["death"]),
                "pers_is_mother": flags(p["is_mother"]),
                "pers_nationality": codes(vocab.split(vocab.NATIONALITY)[0], p["nationality"]),
            },
        )

    def ssd_department(self) -> Frame:
        wf = self.w.workforce
        n = wf.n_teams
        area_names = list(vocab.SERVICE_AREA_ORDER)
        area = np.array([area_names.index(vocab.SERVICE_AREAS[TEAM_KINDS[k]]) for k in wf.team_kind])
        area_id = wf.team_council * len(area_names) + area
        councils = wf.council_names
        parent_names = [f"{c} – {a}" if c else a for c in councils for a in area_names]
        return self.frame(
            "ssd_department",
            {
                "dept_team_id": self.team(np.arange(n)),
                "dept_team_name": codes(team_names(wf), np.arange(n)),
                "dept_team_parent_id": self.ids["service_area"].of(area_id),
                "dept_team_parent_name": codes(parent_names, area_id),
            },
        )

    def ssd_professionals(self) -> Frame:
        wf, rng = self.w.workforce, self.rng
        n = wf.n_workers
        kind = wf.team_kind[wf.worker_team]
        titles: list[str] = []
        title = np.zeros(n, np.int32)
        for k, name in enumerate(TEAM_KINDS):
            options = vocab.JOB_TITLES[name]
            rows = np.nonzero((kind == k) & ~wf.worker_is_manager)[0]
            title[rows] = len(titles) + rng.integers(0, len(options), len(rows))
            titles.extend(options)
        managers = np.nonzero(wf.worker_is_manager)[0]
        rank_in_team = managers - wf.first_worker[wf.worker_team[managers]]
        title[managers] = len(titles) + rank_in_team
        titles.extend(vocab.MANAGER_TITLES)
        registered = np.array(
            [not t.startswith(("Personal", "Senior Personal", "Family")) for t in titles], dtype=bool
        )[title]
        forename = rng.integers(0, len(vocab.GIRLS + vocab.BOYS), n)
        surname = rng.integers(0, len(vocab.SURNAMES), n)
        names = [f"{f} {s}" for f in vocab.GIRLS + vocab.BOYS for s in vocab.SURNAMES]
        self.worker_name_index = forename * len(vocab.SURNAMES) + surname
        caseload = np.bincount(self._open_allocations_worker(), minlength=n)
        return self.frame(
            "ssd_professionals",
            {
                "prof_professional_id": self.worker(np.arange(n)),
                "prof_staff_id": self.ids["staff"].of(np.arange(n)),
                "prof_professional_name": codes(names, self.worker_name_index),
                "prof_social_worker_registration_no": self.ids["registration"].of(
                    np.where(registered, rng.permutation(n), -1)
                ),
                "prof_agency_worker_flag": flags(rng.random(n) < 0.15),
                "prof_professional_job_title": codes(titles, title),
                "prof_professional_caseload": Numbers(caseload.astype(np.int64)),
                "prof_professional_department": self.team(wf.worker_team),
                "prof_full_time_equivalency": Numbers(
                    np.array([1.0, 0.8, 0.6, 0.5])[choice(rng, (0, 1, 2, 3), (0.7, 0.15, 0.1, 0.05), n)]
                ),
            },
        )

    def _open_allocations_worker(self) -> np.ndarray:
        inv = self.w.involvements
        open_now = (inv["start"] <= self.w.as_of) & (inv["end"] == NULL_DAY)
        return inv["worker"][open_now]

    def ssd_involvements(self) -> Frame:
        """Every involvement type, as a real export holds them: the case allocations of the world (a case worker;
        after care, the leaving care team's personal adviser), then the independent reviewing officers of periods
        of care and CP plans, and the personal advisers allocated at 16 to children still in care. The role is
        an index into ``INVOLVEMENT_ROLES``; each system's export writes its own code for it."""
        inv = self.w.involvements
        leaving_care = inv["kind"] == TEAM_KINDS.index("leaving_care")
        allocations = {
            "person": inv["person"],
            "worker": inv["worker"],
            "team": inv["team"],
            "start": inv["start"],
            "end": inv["end"],
            "referral": inv["referral"],
            "reason": inv["reason"].astype(np.int32),
            "role": np.where(leaving_care, ROLE_LEAVING_CARE_ADVISER, ROLE_CASE_WORKER).astype(np.int32),
        }
        inv = concat([allocations, *self._other_involvements()])
        n = size(inv)
        reasons = [*vocab.WORKER_CHANGE_REASONS, vocab.CASE_TRANSFER_REASON]
        return self.frame(
            "ssd_involvements",
            {
                "invo_involvements_id": self.ids["involvement"].of(np.arange(n)),
                "invo_professional_id": self.worker(inv["worker"]),
                "invo_professional_role_id": codes(INVOLVEMENT_ROLES, inv["role"]),
                "invo_professional_team": self.team(inv["team"]),
                "invo_person_id": self.person(inv["person"]),
                "invo_involvement_start_date": Dates(inv["start"]),
                "invo_involvement_end_date": Dates(inv["end"]),
                "invo_worker_change_reason": codes(reasons, inv["reason"]),
                "invo_referral_id": self.ids["referral"].of(inv["referral"]),
            },
        )

    def _other_involvements(self) -> list[Entity]:
        """Involvements that hold no case. An IRO is involved a few days after a period of care or a CP plan
        starts, so a child's latest-started involvement is often the IRO's, not the case worker's (the trap the
        SSD's real involvement histories set: their latest open involvement is a case worker's for 6 of 40
        people). A child in care is given a personal adviser from 16, while the case worker stays."""
        w, rng = self.w, self.rng
        council = w.people["council"]
        iro_kind, leaving_care_kind = TEAM_KINDS.index("iro"), TEAM_KINDS.index("leaving_care")

        def spans(person, start, end, referral, role: int, kind: int) -> Entity:
            live = (start <= w.as_of) & ((end == NULL_DAY) | (end > start))
            person, start, end, referral = person[live], start[live], end[live], referral[live]
            team = w.workforce.team_for(rng, council[person], kind)
            return {
                "person": person,
                "worker": w.workforce.practitioner_in(rng, team),
                "team": team,
                "start": start.astype(np.int32),
                "end": end.astype(np.int32),
                "referral": referral,
                "reason": np.full(len(person), -1, np.int32),
                "role": np.full(len(person), role, np.int32),
            }

        periods, plans = w.cla_periods, w.cp_plans
        dob16 = add_years(w.people["dob"][periods["person"]], 16)
        adviser_start = np.maximum(dob16, periods["start"]) + between(rng, 0, 30, size(periods))
        adviser_ends_first = (periods["end"] != NULL_DAY) & (periods["end"] <= adviser_start)
        return [
            spans(
                periods["person"],
                periods["start"] + between(rng, 3, 20, size(periods)),
                periods["end"],
                periods["referral"],
                ROLE_IRO,
                iro_kind,
            ),
            spans(
                plans["person"],
                plans["start"] + between(rng, 1, 10, size(plans)),
                plans["end"],
                plans["referral"],
                ROLE_IRO,
                iro_kind,
            ),
            spans(
                periods["person"][~adviser_ends_first],
                adviser_start[~adviser_ends_first],
                periods["end"][~adviser_ends_first],
                periods["referral"][~adviser_ends_first],
                ROLE_ADVISER_IN_CARE,
                leaving_care_kind,
            ),
        ]

    def ssd_contacts(self) -> Frame:
        c = self.w.contacts
        n = size(c)
        sources = vocab.SOURCES
        return self.frame(
            "ssd_contacts",
            {
                "cont_contact_id": self.ids["contact"].of(np.arange(n)),
                "cont_person_id": self.person(c["person"]),
                "cont_contact_date": Dates(c["day"], c["minutes"]),
                "cont_contact_source_code": codes([s[0] for s in sources], c["source"]),
                "cont_contact_source_desc": codes([s[1] for s in sources], c["source"]),
                "cont_contact_outcome_json": codes(
                    [vocab.contact_outcome_json(o) for o in vocab.CONTACT_OUTCOMES],
                    np.where(c["decided"] == NULL_DAY, -1, c["outcome"]),
                ),
                "cont_contact_outcome_date": Dates(c["decided"], c["decided_minutes"]),
            },
        )

    def ssd_cin_episodes(self) -> Frame:
        r = self.w.referrals
        n = size(r)
        closed = r["close"] != NULL_DAY
        needs, need_w = vocab.split(vocab.PRIMARY_NEED)
        need = choice(self.rng, needs, need_w, n)
        need = np.where(r["nfa"], needs.index("N9"), need)
        reasons = [f"RC{i}" for i in range(1, 10)]
        close_reason = np.where(closed, positions(reasons, r["close_reason"]), -1)
        # Contract problem 1: a referral closed with no further action has no worker ("-1").
        worker = self.worker(r["worker"])
        worker.values[r["nfa"] & closed] = SENTINEL_ID
        sources = vocab.SOURCES
        outcome_json = [vocab.yes_no_json(("nfa", "assessment"), y) for y in ("nfa", "assessment")]
        return self.frame(
            "ssd_cin_episodes",
            {
                "cine_referral_id": self.ids["referral"].of(np.arange(n)),
                "cine_person_id": self.person(r["person"]),
                "cine_referral_date": Dates(r["date"]),
                "cine_cin_primary_need_code": codes(needs, need),
                "cine_referral_source_code": codes([s[0] for s in sources], r["source"]),
                "cine_referral_source_desc": codes([s[1] for s in sources], r["source"]),
                "cine_referral_outcome_json": codes(outcome_json, np.where(r["nfa"], 0, 1)),
                "cine_referral_nfa": flags(r["nfa"]),
                "cine_close_reason": codes(reasons, close_reason),
                "cine_close_date": Dates(r["close"]),
                "cine_referral_team": self.team(r["team"]),
                "cine_referral_worker_id": worker,
            },
        )

    def ssd_cin_assessments(self) -> Frame:
        a = self.w.assessments
        n = size(a)
        done = a["auth"] != NULL_DAY
        keys = vocab.ASSESSMENT_OUTCOMES
        by_outcome = {OUT_NFA: "NFA", OUT_CIN: "CIN_PLAN", OUT_S47: "S47", OUT_CLA: "CLA"}
        outcome = np.zeros(n, np.int32)
        for code, key in by_outcome.items():
            outcome[a["outcome"] == code] = keys.index(key)
        # Some assessments ending in no further action pass the family to early help instead.
        early_help = (a["outcome"] == OUT_NFA) & (self.rng.random(n) < 0.3)
        outcome[early_help] = keys.index("EARLY_HELP")
        outcome[~done] = -1
        return self.frame(
            "ssd_cin_assessments",
            {
                "cina_assessment_id": self.ids["assessment"].of(np.arange(n)),
                "cina_person_id": self.person(a["person"]),
                "cina_referral_id": self.ids["referral"].of(a["referral"]),
                "cina_assessment_start_date": Dates(a["start"]),
                "cina_assessment_child_seen": flags(a["seen"]),
                "cina_assessment_auth_date": Dates(a["auth"]),
                "cina_assessment_outcome_json": codes([vocab.yes_no_json(keys, k) for k in keys], outcome),
                "cina_assessment_outcome_nfa": flags(np.isin(a["outcome"], (OUT_NFA,)), missing=~done),
                "cina_assessment_team": self.team(a["team"]),
                "cina_assessment_worker_id": self.worker(a["worker"]),
            },
        )

    def ssd_s47_enquiry(self) -> Frame:
        e = self.w.s47
        n = size(e)
        ended = e["end"] != NULL_DAY
        keys = vocab.S47_OUTCOMES
        outcome = np.select([e["icpc"], e["to_cin"]], [keys.index("ICPC"), keys.index("CIN_PLAN")], keys.index("NFA"))
        nfa = ~e["icpc"] & ~e["to_cin"]
        return self.frame(
            "ssd_s47_enquiry",
            {
                "s47e_s47_enquiry_id": self.ids["s47"].of(np.arange(n)),
                "s47e_referral_id": self.ids["referral"].of(e["referral"]),
                "s47e_person_id": self.person(e["person"]),
                "s47e_s47_start_date": Dates(e["start"]),
                "s47e_s47_end_date": Dates(e["end"]),
                "s47e_s47_nfa": flags(nfa, missing=~ended),
                "s47e_s47_outcome_json": codes(
                    [vocab.yes_no_json(keys, k) for k in keys], np.where(ended, outcome, -1)
                ),
                "s47e_s47_completed_by_team": self.team(e["team"]),
                "s47e_s47_completed_by_worker_id": self.worker(e["worker"]),
            },
        )

    def ssd_initial_cp_conference(self) -> Frame:
        c = self.w.icpc
        n = size(c)
        keys = vocab.ICPC_OUTCOMES
        outcome = np.select([c["cp"], c["to_cin"]], [keys.index("CP_PLAN"), keys.index("CIN_PLAN")], keys.index("NFA"))
        return self.frame(
            "ssd_initial_cp_conference",
            {
                "icpc_icpc_id": self.ids["icpc"].of(np.arange(n)),
                "icpc_icpc_meeting_id": self.ids["meeting"].of(np.arange(n)),
                "icpc_s47_enquiry_id": self.ids["s47"].of(c["s47"]),
                "icpc_person_id": self.person(c["person"]),
                "icpc_cp_plan_id": self.ids["cp_plan"].of(c["plan"]),
                "icpc_referral_id": self.ids["referral"].of(c["referral"]),
                "icpc_icpc_transfer_in": flags(np.zeros(n, bool)),
                "icpc_icpc_target_date": Dates(c["target"]),
                "icpc_icpc_date": Dates(c["date"]),
                "icpc_icpc_outcome_cp_flag": flags(c["cp"]),
                "icpc_icpc_outcome_json": codes([vocab.yes_no_json(keys, k) for k in keys], outcome),
                "icpc_icpc_team": self.team(c["team"]),
                "icpc_icpc_worker_id": self.worker(c["worker"]),
            },
        )

    def ssd_cin_plans(self) -> Frame:
        p = self.w.cin_plans
        n = size(p)
        return self.frame(
            "ssd_cin_plans",
            {
                "cinp_cin_plan_id": self.ids["cin_plan"].of(np.arange(n)),
                "cinp_referral_id": self.ids["referral"].of(p["referral"]),
                "cinp_person_id": self.person(p["person"]),
                "cinp_cin_plan_start_date": Dates(p["start"]),
                "cinp_cin_plan_end_date": Dates(p["end"]),
                "cinp_cin_plan_team": self.team(p["team"]),
                "cinp_cin_plan_worker_id": self.worker(p["worker"]),
            },
        )

    def ssd_cin_visits(self) -> Frame:
        v = self.event("cin_visits")
        n = size(v)
        return self.frame(
            "ssd_cin_visits",
            {
                "cinv_cin_visit_id": self.ids["cin_visit"].of(np.arange(n)),
                "cinv_person_id": self.person(v["person"]),
                "cinv_cin_visit_date": Dates(v["day"]),
                "cinv_cin_visit_seen": flags(v["seen"]),
                "cinv_cin_visit_seen_alone": flags(v["seen_alone"]),
                "cinv_cin_visit_bedroom": flags(v["bedroom"]),
            },
            {"_parent": v["parent"]},
        )

    def ssd_cp_plans(self) -> Frame:
        p = self.w.cp_plans
        n = size(p)
        categories = vocab.split(vocab.CP_CATEGORY)[0]
        return self.frame(
            "ssd_cp_plans",
            {
                "cppl_cp_plan_id": self.ids["cp_plan"].of(np.arange(n)),
                "cppl_referral_id": self.ids["referral"].of(p["referral"]),
                "cppl_icpc_id": self.ids["icpc"].of(p["icpc"]),
                "cppl_person_id": self.person(p["person"]),
                "cppl_cp_plan_start_date": Dates(p["start"]),
                "cppl_cp_plan_end_date": self.end_dates("ssd_cp_plans", p["end"]),
                "cppl_cp_plan_ola": flags(np.zeros(n, bool)),
                "cppl_cp_plan_initial_category": codes(categories, p["category"]),
                "cppl_cp_plan_latest_category": codes(categories, p["latest_category"]),
            },
        )

    def ssd_cp_visits(self) -> Frame:
        v = self.event("cp_visits")
        n = size(v)
        return self.frame(
            "ssd_cp_visits",
            {
                "cppv_cp_visit_id": self.ids["cp_visit"].of(np.arange(n)),
                "cppv_person_id": self.person(v["person"]),
                "cppv_cp_plan_id": self.ids["cp_plan"].of(v["parent"]),
                "cppv_cp_visit_date": Dates(v["day"], v["minutes"]),
                "cppv_cp_visit_seen": flags(v["seen"]),
                "cppv_cp_visit_seen_alone": flags(v["seen_alone"]),
                "cppv_cp_visit_bedroom": flags(v["bedroom"]),
            },
            {"_parent": v["parent"]},
        )

    def ssd_cp_reviews(self) -> Frame:
        r = self.w.cp_reviews
        n = size(r)
        values, weights = vocab.split(vocab.CP_REVIEW_PARTICIPATION)
        return self.frame(
            "ssd_cp_reviews",
            {
                "cppr_cp_review_id": self.ids["cp_review"].of(np.arange(n)),
                "cppr_person_id": self.person(r["person"]),
                "cppr_cp_plan_id": self.ids["cp_plan"].of(r["plan"]),
                "cppr_cp_review_due": Dates(r["due"]),
                "cppr_cp_review_date": Dates(r["date"]),
                "cppr_cp_review_meeting_id": self.ids["review_meeting"].of(np.arange(n)),
                "cppr_cp_review_outcome_continue_cp": flags(r["continue_cp"]),
                "cppr_cp_review_quorate": codes(("Y", "N"), (self.rng.random(n) < 0.03).astype(np.int32)),
                "cppr_cp_review_participation": codes(values, choice(self.rng, values, weights, n)),
            },
        )

    def ssd_cla_episodes(self) -> Frame:
        e = self.w.cla_episodes
        periods = self.w.cla_periods
        n = size(e)
        open_now = e["end"] == NULL_DAY
        last_day = np.where(open_now, self.w.as_of, e["end"])
        iro = np.maximum(last_day - between(self.rng, 0, 60, n), e["start"]).astype(np.int32)
        ceased = sorted({v for v, _ in vocab.CEASED_YOUNG + vocab.CEASED_ADULT} | {vocab.CEASED_INTERMEDIATE})
        ceased_index = np.where(open_now, -1, positions(ceased, e["ceased_reason"]))
        needs = vocab.split(vocab.CLA_NEED)[0]
        return self.frame(
            "ssd_cla_episodes",
            {
                "clae_cla_episode_id": self.ids["cla_episode"].of(np.arange(n)),
                "clae_person_id": self.person(e["person"]),
                "clae_cla_placement_id": self.ids["placement"].of(e["placement"]),
                "clae_cla_episode_start_date": Dates(e["start"]),
                "clae_cla_episode_start_reason": codes(
                    vocab.REASON_NEW_EPISODE, positions(vocab.REASON_NEW_EPISODE, e["start_reason"])
                ),
                "clae_cla_primary_need_code": codes(needs, e["need"]),
                "clae_cla_episode_ceased_date": self.end_dates("ssd_cla_episodes", e["end"]),
                "clae_cla_episode_ceased_reason": codes(ceased, ceased_index),
                "clae_cla_id": self.ids["cla_period"].of(e["period"]),
                "clae_referral_id": self.ids["referral"].of(periods["referral"][e["period"]]),
                "clae_cla_last_iro_contact_date": Dates(iro),
                "clae_entered_care_date": Dates(periods["start"][e["period"]]),
            },
        )

    def ssd_cla_placement(self) -> Frame:
        p = self.w.placements
        n = size(p)
        types = vocab.split(vocab.PLACEMENT_TYPES)[0]
        residential = np.isin(np.array(types)[p["type"]], ("K2", "H5", "R1", "S1"))
        postcodes = vocab.postcodes()
        change = vocab.split(vocab.PLACEMENT_CHANGE_REASONS)[0]
        return self.frame(
            "ssd_cla_placement",
            {
                "clap_cla_placement_id": self.ids["placement"].of(np.arange(n)),
                "clap_cla_id": self.ids["cla_period"].of(p["period"]),
                "clap_person_id": self.person(p["person"]),
                "clap_cla_placement_start_date": Dates(p["start"]),
                "clap_cla_placement_type": codes(types, p["type"]),
                "clap_cla_placement_urn": self.ids["urn"].of(np.where(residential, p["urn"], -1)),
                "clap_cla_placement_distance": Numbers(p["distance"]),
                "clap_cla_placement_provider": codes(vocab.split(vocab.PLACEMENT_PROVIDERS)[0], p["provider"]),
                "clap_cla_placement_postcode": codes(postcodes, p["postcode"] % len(postcodes)),
                "clap_cla_placement_end_date": Dates(p["end"]),
                "clap_cla_placement_change_reason": codes(
                    change, np.where(p["end"] == NULL_DAY, -1, p["change_reason"])
                ),
                "clap_cla_placement_la_code": constant("E06000099", n),
            },
        )

    def ssd_cla_reviews(self) -> Frame:
        r = self.event("cla_reviews")
        n = size(r)
        return self.frame(
            "ssd_cla_reviews",
            {
                "clar_cla_review_id": self.ids["cla_review"].of(np.arange(n)),
                "clar_cla_id": self.ids["cla_period"].of(r["parent"]),
                "clar_cla_person_id": self.person(r["person"]),
                "clar_cla_review_due_date": Dates(r["due"]),
                "clar_cla_review_date": Dates(r["day"]),
                "clar_cla_review_cancelled": flags(r["cancelled"]),
                "clar_cla_review_participation": codes(
                    vocab.split(vocab.REVIEW_PARTICIPATION)[0], np.where(r["cancelled"], -1, r["participation"])
                ),
            },
            {"_parent": r["parent"]},
        )

    def ssd_cla_visits(self) -> Frame:
        v = self.event("cla_visits")
        n = size(v)
        return self.frame(
            "ssd_cla_visits",
            {
                "clav_cla_visit_id": self.ids["cla_visit"].of(np.arange(n)),
                "clav_cla_id": self.ids["cla_period"].of(v["parent"]),
                "clav_person_id": self.person(v["person"]),
                "clav_cla_visit_date": Dates(v["day"]),
                "clav_cla_visit_seen": flags(v["seen"]),
                "clav_cla_visit_seen_alone": flags(v["seen_alone"]),
            },
            {"_parent": v["parent"]},
        )

    def ssd_care_leavers(self) -> Frame:
        c = self.w.care_leavers
        n = size(c)
        names = [f"{f} {s}" for f in vocab.GIRLS + vocab.BOYS for s in vocab.SURNAMES]
        adviser_name = self.rng.integers(0, len(names), n)
        return self.frame(
            "ssd_care_leavers",
            {
                "clea_table_id": self.ids["care_leaver"].of(np.arange(n)),
                "clea_person_id": self.person(c["person"]),
                "clea_care_leaver_eligibility": codes(vocab.CARE_LEAVER_ELIGIBILITY, c["eligibility"]),
                "clea_care_leaver_in_touch": codes(care.IN_TOUCH_VALUES, c["in_touch"]),
                "clea_care_leaver_latest_contact": Dates(c["latest_contact"]),
                "clea_care_leaver_accommodation": codes(care.ACCOMMODATION_VALUES, c["accommodation"]),
                "clea_care_leaver_accom_suitable": codes(("Suitable", "Not suitable"), np.where(c["suitable"], 0, 1)),
                "clea_care_leaver_activity": codes(care.ACTIVITY_VALUES, c["activity"]),
                "clea_pathway_plan_review_date": Dates(c["pathway_review"]),
                "clea_care_leaver_personal_advisor": codes(names, adviser_name),
                "clea_care_leaver_allocated_team": self.team(c["team"]),
                "clea_care_leaver_worker_id": self.worker(c["worker"]),
            },
        )

    def ext_cin_plan_reviews(self) -> Frame:
        r = self.event("cin_reviews")
        n = size(r)
        return self.frame(
            "ext_cin_plan_reviews",
            {
                "cinr_cin_review_id": self.ids["cin_review"].of(np.arange(n)),
                "cinr_cin_plan_id": self.ids["cin_plan"].of(r["parent"]),
                "cinr_person_id": self.person(r["person"]),
                "cinr_cin_review_date": Dates(r["day"]),
            },
        )

    def ext_management_oversight(self) -> Frame:
        o = self.event("oversight")
        n = size(o)
        return self.frame(
            "ext_management_oversight",
            {
                "mgmt_oversight_id": self.ids["oversight"].of(np.arange(n)),
                "mgmt_person_id": self.person(o["person"]),
                "mgmt_oversight_date": Dates(o["day"], o["minutes"]),
                "mgmt_worker_id": self.worker(o["worker"]),
            },
        )

    def build(self, table: str) -> Frame:
        self.rng = self.streams[table]
        return getattr(self, table)()
