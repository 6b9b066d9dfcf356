"""The other SSD tables (``declarations.contract.MORE_TABLES``) built from the same simulated world.

The core tables (``tables.Tables``) carry what the indicators need; a Liquidlogic SSD build also exports every
other SSD table: missing episodes, health checks, legal statuses, permanence, addresses, early help, SEND and
more. The world simulates none of that, so it is drawn here on top of what the world has: a child's missing
episodes, health checks and legal statuses lie inside their periods of care, adoption dates lead up to the day
the period ended with an adoption order, pre-proceedings start during a CP plan, early help comes before a
referral. Ids of the world's records (people, periods of care, assessments, workers) are written with the core
tables' id schemes so the files join; each table's own key has a prefix of its own (``MORE_IDS``).

What the world does not fix is kept simple and said where it is drawn. As in the core tables: nothing is dated
after as-of; events keep to the six-year window; spans open at its start are kept, and a period of care is
exported whole (its legal statuses, care plans and permanence with it). Nobody has a record after their death.
Everything is numpy over whole arrays (england is ~150 times la) and drawn from one random stream per table,
plus one per draw several tables share (families, mothers, the SEND chain), so a table never depends on which
was built first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from declarations import contract

from . import events, vocab
from .calendar import NULL_DAY, add_years, whole_years_between
from .care import split_spans
from .entities import Entity, between, choice, repeat_ranges, size, take
from .frame import Codes, Dates, Frame, IdFormat, Ids, Numbers, codes, constant, flags
from .journeys import CLA, DAYS_PER_YEAR
from .scales import Cadence
from .tables import IdScheme
from .world import World

# The council releases' bookkeeping tables describe the export itself; they are written beside the batch.
WRITTEN_ELSEWHERE = ("ssd_version_log", "ssd_extract_log")
MORE_TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in contract.MORE_TABLES if t.name not in WRITTEN_ELSEWHERE)

# Keys of the new tables (and the few ids they introduce), each with a prefix no core scheme uses.
MORE_IDS: dict[str, IdScheme] = {
    "missing": IdScheme(IdFormat("MIS"), 1_000_001),
    "health_check": IdScheme(IdFormat("HLT"), 1_000_001),
    "substance_misuse": IdScheme(IdFormat("SUB"), 10_001),
    "conviction": IdScheme(IdFormat("CNV"), 10_001),
    "care_plan": IdScheme(IdFormat("LACP"), 100_001),
    "previous_permanence": IdScheme(IdFormat("PPRM"), 10_001),
    "permanence": IdScheme(IdFormat("PERM"), 10_001),
    "legal_status": IdScheme(IdFormat("LGS"), 100_001),
    "sdq": IdScheme(IdFormat("SDQ"), 100_001),
    "disability": IdScheme(IdFormat("DIS"), 100_001),
    "immigration": IdScheme(IdFormat("IMM"), 10_001),
    "mother": IdScheme(IdFormat("MOTH"), 10_001),
    "family_member": IdScheme(IdFormat("FAMR"), 1_000_001),
    "family": IdScheme(IdFormat("FAM"), 1_000_001),
    "address": IdScheme(IdFormat("ADR"), 1_000_001),
    "linked_identifier": IdScheme(IdFormat("LNK"), 100_001),
    "case_number": IdScheme(IdFormat("", 8), 10_000_000),
    "early_help": IdScheme(IdFormat("EHE"), 1_000_001),
    "early_help_worker": IdScheme(IdFormat("EHW"), 1_001),
    "assessment_factors": IdScheme(IdFormat("ASF"), 1_000_001),
    "pre_proceedings": IdScheme(IdFormat("PLO"), 10_001),
    "court_case": IdScheme(IdFormat("ZC", 8), 0),
    "voice": IdScheme(IdFormat("VOC"), 10_001),
    "pre_cla_care_plan": IdScheme(IdFormat("PCP"), 1),
    "s251": IdScheme(IdFormat("FIN"), 1),
    "send": IdScheme(IdFormat("SEND"), 100_001),
    "uln": IdScheme(IdFormat("", 10), 0),
    "sen_need": IdScheme(IdFormat("SENN"), 100_001),
    "ehcp_request": IdScheme(IdFormat("EHCR"), 100_001),
    "ehcp_assessment": IdScheme(IdFormat("EHCA"), 100_001),
    "ehcp_named_plan": IdScheme(IdFormat("EHCN"), 100_001),
    "ehcp_active_plan": IdScheme(IdFormat("EHCP"), 100_001),
}

# Shared draws: each has a stream of its own, beside the tables'.
SHARED = ("_families", "_mothers", "_send")

# --- Vocabularies (the field's codes; texts as a Liquidlogic build writes them) --------------------------------

MISSING_TYPES = ("M", "A")  # missing; away from placement without authorisation
HEALTH_CHECK_TYPES = ("Initial health assessment", "Review health assessment", "Dental check")
HEALTH_CHECK_STATUS = (("Completed", 0.94), ("Refused by young person", 0.03), ("Did not attend", 0.03))
SUBSTANCES = (("Cannabis", 0.55), ("Alcohol", 0.25), ("Cocaine", 0.07), ("Solvents", 0.05), ("Other", 0.08))
OFFENCES = (
    ("Theft", 0.25), ("Criminal damage", 0.20), ("Assault", 0.20), ("Possession of a controlled drug", 0.15),
    ("Public order offence", 0.12), ("Robbery", 0.08),
)  # fmt: skip
# SSDA903 permanence plan answers, as the SSD build concatenates them into the care plan JSON.
PERMANENCE_PLANS = (
    "REMAINSUP", "RETURN1M", "RETURN6M", "RETURNEV", "LTRELFR", "LTFOST18", "RESPLMT", "SUPPLIV", "ADOPTION",
    "OTHERPLN",
)  # fmt: skip
# The plan a period of care ends up with, by why it ended (SSDA903 REC); LTFOST18 otherwise.
FINAL_PLAN = {
    "E11": "ADOPTION", "E12": "ADOPTION", "E41": "LTRELFR", "E45": "LTRELFR", "E46": "LTRELFR", "E4A": "RETURN6M",
    "E17": "SUPPLIV", "E48": "SUPPLIV", "E47": "SUPPLIV",
}  # fmt: skip
ADOPTED = ("E11", "E12")
SPECIAL_GUARDIANSHIP = ("E45", "E46")
CHILD_ARRANGEMENTS = ("E41",)
PREVIOUS_PERMANENCE = (("P1", 0.25), ("P2", 0.35), ("P3", 0.20), ("P4", 0.05), ("Z1", 0.15))
# SSDA903 legal statuses: interim and full care orders, placement order, remand, police protection, emergency
# protection order, section 20 accommodation.
LEGAL_STATUSES = ("C1", "C2", "E1", "J1", "L1", "L2", "V2")
LEGAL_FIRST = (0.36, 0.0, 0.0, 0.03, 0.05, 0.06, 0.50)
# What a legal status changes to (rows follow LEGAL_STATUSES, a status never "changes" to itself).
LEGAL_NEXT = np.array(
    [
        [0.0, 0.85, 0.05, 0.0, 0.0, 0.0, 0.10],  # C1 -> mostly a full care order
        [0.0, 0.0, 0.30, 0.0, 0.0, 0.0, 0.70],  # C2 -> placement order or discharged to s20
        [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],  # E1 -> placement order revoked
        [0.3, 0.0, 0.0, 0.0, 0.0, 0.0, 0.70],  # J1
        [0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.50],  # L1
        [0.7, 0.0, 0.0, 0.0, 0.0, 0.0, 0.30],  # L2
        [0.6, 0.3, 0.0, 0.1, 0.0, 0.0, 0.0],  # V2
    ]
)
ADOPTER_SEX = (("MF", 0.70), ("FF", 0.08), ("MM", 0.07), ("F1", 0.13), ("M1", 0.02))
COUPLE_LEGAL_STATUS = (("L11", 0.60), ("L12", 0.10), ("L2", 0.30))  # married, civil partners, not married
SINGLE_LEGAL_STATUS = "L0"
DECISION_REVERSED = (("RD1", 0.45), ("RD2", 0.25), ("RD3", 0.20), ("RD4", 0.10))
ORDER_TYPES = ("Adoption order", "Special guardianship order", "Child arrangements order")
SDQ_REASONS = (("SDQ1", 0.35), ("SDQ2", 0.25), ("SDQ3", 0.15), ("SDQ4", 0.15), ("SDQ5", 0.10))
DISABILITIES = (
    ("MOB", 0.12), ("HAND", 0.05), ("PC", 0.06), ("INC", 0.05), ("COMM", 0.20), ("LD", 0.20), ("HEAR", 0.04),
    ("VIS", 0.04), ("BEH", 0.14), ("CON", 0.05), ("AUT", 0.25), ("DDA", 0.03),
)  # fmt: skip
LATER_IMMIGRATION = (("Refugee status", 0.55), ("Humanitarian protection", 0.15), ("Limited leave to remain", 0.30))
ADDRESS_TYPES = (("Home address", 0.93), ("Temporary accommodation", 0.07))
STREETS = (
    "Church Lane", "Station Road", "Mill Street", "Park Avenue", "Victoria Road", "High Street", "Green Lane",
    "Queen Street", "Manor Way", "Orchard Close", "The Crescent", "Meadow View", "Chapel Row", "Brook Road",
)  # fmt: skip
HOUSES_PER_POSTCODE = 4
LINKED_IDENTIFIER_TYPES = (
    ("Former case number", 0.60),
    ("Youth justice case number", 0.15),
    ("Court case number", 0.25),
)
EARLY_HELP_REASONS = (
    ("Parenting support", 0.25), ("School attendance", 0.15), ("Domestic abuse", 0.15), ("Child's behaviour", 0.20),
    ("Parental mental health", 0.10), ("Housing", 0.05), ("Substance misuse in the family", 0.10),
)  # fmt: skip
STEPPED_UP = "Stepped up to children's social care"
EARLY_HELP_ENDS = (("Needs met", 0.55), ("Family disengaged", 0.20), ("Moved out of area", 0.10), (STEPPED_UP, 0.15))
EARLY_HELP_ORGANISATIONS = (
    ("Family Hub", 0.40), ("Early Help Team", 0.30), ("School", 0.15), ("Health visiting service", 0.10),
    ("Youth service", 0.05),
)  # fmt: skip
EARLY_HELP_WORKERS_PER_COUNCIL = 25
# CIN census factors identified at assessment (weights: how often each is recorded).
FACTORS = (
    ("1A", 0.02), ("1B", 0.18), ("1C", 0.04), ("2A", 0.03), ("2B", 0.16), ("2C", 0.03), ("3A", 0.30), ("3B", 0.32),
    ("3C", 0.04), ("4A", 0.14), ("4B", 0.38), ("4C", 0.04), ("5A", 0.05), ("5B", 0.04), ("5C", 0.01), ("6A", 0.04),
    ("6B", 0.03), ("6C", 0.01), ("7A", 0.07), ("8B", 0.03), ("8C", 0.005), ("8D", 0.01), ("8E", 0.04), ("8F", 0.04),
    ("9A", 0.03), ("10A", 0.02), ("11A", 0.02), ("12A", 0.02), ("13A", 0.01), ("14A", 0.02), ("15A", 0.01),
    ("16A", 0.02), ("17A", 0.02), ("18B", 0.04), ("18C", 0.02), ("19A", 0.03), ("19B", 0.03), ("20", 0.01),
    ("21", 0.14), ("22A", 0.03), ("23A", 0.01), ("24A", 0.03),
)  # fmt: skip
FACTOR_COMBINATIONS = 800
PLO_OUTCOMES = ("Care proceedings issued", "Stepped down", "Remains in pre-proceedings")
CARE_PLANS_IN_COURT = (
    ("Return home under a supervision order", 0.20), ("Placement with family or friends", 0.25),
    ("Long-term foster care", 0.30), ("Adoption", 0.15), ("Special guardianship", 0.10),
)  # fmt: skip
SHORT_NOTICE_REASONS = ("Immediate risk of significant harm", "Newborn baby")
SEN_NEEDS = (
    ("SPLD", 0.06), ("MLD", 0.08), ("SLD", 0.06), ("PMLD", 0.02), ("SEMH", 0.18), ("SLCN", 0.16), ("HI", 0.02),
    ("VI", 0.01), ("MSI", 0.005), ("PD", 0.04), ("ASD", 0.30), ("OTH", 0.02),
)  # fmt: skip
EHCP_REQUEST_OUTCOMES = ("Assessment agreed", "Assessment refused")
EHCP_ASSESSMENT_OUTCOMES = ("EHC plan issued", "Decision not to issue")
EHCP_EXCEPTIONS = ("Child unavailable", "Parent requested a delay", "School holidays")
EHCP_CEASED = ("Moved to another local authority", "Needs met without a plan", "Child died")


def care_plan_json(plan: str) -> str:
    """The permanence plan answers as the SSD build concatenates them: the chosen one "Y", the others null."""
    return "{" + ",".join(f'"{k}":"Y"' if k == plan else f'"{k}":null' for k in PERMANENCE_PLANS) + "}"


def address_json(house: int, street: str, town: str, postcode: str) -> str:
    return (
        '{"ROOM":null,"FLOOR":null,"FLAT":null,"BUILDING":null,'
        f'"HOUSE":"{house}","STREET":"{street}","TOWN":"{town}","POSTCODE":"{postcode}","UPRN":null}}'
    )


def bits(is_yes: np.ndarray) -> Codes:
    """The Liquidlogic build's BIT columns (ssd_cohort, ssd_dim_date) export as 1/0, not Y/N."""
    return Codes(["1", "0"], np.where(is_yes, 0, 1).astype(np.int32))


class MoreTables:
    """Builds each of ``MORE_TABLE_NAMES`` from the world, on demand (``build``), with the core id schemes.

    ``seed`` should be a SeedSequence of its own (another child of the batch's seed than the core tables'):
    one seed is spawned from it per table and per shared draw. Each build starts its table's stream afresh, so
    building a table again (or in another order) gives the same frame.
    """

    def __init__(self, world: World, ids: dict[str, IdScheme], seed: np.random.SeedSequence):
        clash = {s.format.prefix for s in MORE_IDS.values() if s.format.prefix} & {
            s.format.prefix for s in ids.values() if s.format.prefix
        }
        if clash:
            raise ValueError(f"id prefixes used by core tables: {sorted(clash)}")
        self.w = world
        self.ids = {**ids, **MORE_IDS}
        names = (*MORE_TABLE_NAMES, *SHARED)
        self.seeds = dict(zip(names, seed.spawn(len(names)), strict=True))
        self._shared: dict[str, object] = {}  # shared draws, made once
        p = world.people
        self.dob = p["dob"]
        self.death = p["death"]
        # Periods of care: the first day the export can no longer show the child in care (exclusive).
        pc = world.cla_periods
        self.period_stop = np.where(pc["end"] == NULL_DAY, world.as_of + 1, pc["end"]).astype(np.int64)

    def build(self, table: str) -> Frame:
        if table not in MORE_TABLE_NAMES:
            raise KeyError(f"{table!r} is not one of the tables MoreTables builds")
        builder: Callable[[np.random.Generator], Frame] = getattr(self, table)
        return builder(self.stream(table))

    def stream(self, name: str) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(self.seeds[name]))

    # --- helpers ---
    def frame(self, table: str, columns: dict[str, object]) -> Frame:
        expected = contract.table(table).column_names
        if tuple(columns) != expected:
            raise AssertionError(f"{table}: columns {tuple(columns)} differ from the contract {expected}")
        return Frame(columns)  # type: ignore[arg-type]

    def person(self, index: np.ndarray) -> Ids:
        return self.ids["person"].of(index)

    def age(self, person: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Age in years (fractional) on ``days``."""
        return (np.asarray(days, np.int64) - self.dob[person]) / DAYS_PER_YEAR

    def alive(self, person: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Whether ``days`` (a record's start) comes before the person's death, if any."""
        death = self.death[person]
        return (death == NULL_DAY) | (np.asarray(days) < death)

    def until_death(self, person: np.ndarray, end: np.ndarray) -> np.ndarray:
        """An open or later end becomes the day of death: nothing stays open for someone who has died."""
        death = self.death[person].astype(np.int64)
        end = np.asarray(end, np.int64)
        dead = death != NULL_DAY
        return np.where(dead & ((end == NULL_DAY) | (end > death)), death, end)

    def not_yet(self, days: np.ndarray) -> np.ndarray:
        """Days after as-of have not happened: blank."""
        days = np.asarray(days, np.int64)
        return np.where(days > self.w.as_of, NULL_DAY, days)

    # --- shared draws ---
    def _mothers(self) -> Entity:
        """The world's mothers (``is_mother``), each linked to one or two people born 15 or more years after."""
        if "_mothers" not in self._shared:
            rng, p = self.stream("_mothers"), self.w.people
            dob = self.dob
            by_age = np.argsort(dob, kind="stable")
            mothers = np.nonzero(p["is_mother"])[0]
            parent, _ = repeat_ranges(1 + (rng.random(len(mothers)) < 0.25))
            mother = mothers[parent]
            first = np.searchsorted(dob[by_age], add_years(dob[mother], 15))
            room = len(dob) - first
            child = by_age[np.minimum(first + (rng.random(len(mother)) * room).astype(np.int64), len(dob) - 1)]
            ok = (room > 0) & self.alive(mother, dob[child])
            mother, child = mother[ok], child[ok]
            # A child has one mother: the first drawn.
            _, first_of_child = np.unique(child, return_index=True)
            keep = np.sort(first_of_child)
            order = keep[np.lexsort((child[keep], mother[keep]))]
            self._shared["_mothers"] = {"mother": mother[order], "child": child[order]}
        return self._shared["_mothers"]  # type: ignore[return-value]

    def _families(self) -> np.ndarray:
        """Family index of every person: the world has no siblings, so children of one council are grouped at
        random (most alone, some in twos to fours), and a mother's children join her family."""
        if "_families" not in self._shared:
            rng = self.stream("_families")
            n = size(self.w.people)
            # People in random order, grouped by council (a stable sort of small ints is a linear radix sort).
            shuffled = rng.permutation(n)
            order = shuffled[np.argsort(self.w.people["council"][shuffled].astype(np.int16), kind="stable")]
            sizes = 1 + choice(rng, (1, 2, 3, 4), (0.55, 0.25, 0.13, 0.07), n)
            family = np.empty(n, np.int64)
            family[order] = np.repeat(np.arange(n), sizes)[:n]
            m = self._mothers()
            family[m["child"]] = family[m["mother"]]
            self._shared["_families"] = family
        return self._shared["_families"]  # type: ignore[return-value]

    def _send(self) -> dict[str, Entity]:
        """A small SEND chain for disabled children with special educational needs: their SEND record; requests
        for an EHC needs assessment (every child with an EHC plan, some on SEN support, mostly refused); the
        assessments agreed; plans issued; the plans still in force; and each plan's needs in rank order."""
        if "_send" not in self._shared:
            self._shared["_send"] = self._draw_send(self.stream("_send"))
        return self._shared["_send"]  # type: ignore[return-value]

    def _draw_send(self, rng: np.random.Generator) -> dict[str, Entity]:
        w, p = self.w, self.w.people
        who = np.nonzero(p["disabled"] & (p["send"] != 0))[0]
        send = {"person": who}
        ehc = p["send"][who] == 2
        asked = ehc | (rng.random(len(who)) < 0.3)
        # Requested between age 2 and a year before adulthood, inside the window, before any death.
        lo = np.maximum(add_years(self.dob[who], 2), w.cutoff).astype(np.int64)
        hi = np.minimum(add_years(self.dob[who], 17), w.as_of - 1).astype(np.int64)
        died = self.death[who] != NULL_DAY
        hi = np.where(died, np.minimum(hi, self.death[who].astype(np.int64) - 400), hi)
        rows = np.nonzero(asked & (hi >= lo))[0]
        m = len(rows)
        req_day = lo[rows] + (rng.random(m) * (hi[rows] - lo[rows] + 1)).astype(np.int64)
        decided = self.not_yet(req_day + between(rng, 20, 42, m))
        agreed = (decided != NULL_DAY) & (rng.random(m) < np.where(ehc[rows], 0.97, 0.25))
        requests = {"send": rows, "day": req_day, "decided": decided, "agreed": agreed}

        a = np.nonzero(agreed)[0]
        k = len(a)
        # The statutory limit is 20 weeks from the request to the plan; some are late, a few with an exception.
        late = rng.random(k) < 0.4
        weeks = np.where(late, between(rng, 141, 230, k), between(rng, 70, 140, k))
        outcome = self.not_yet(req_day[a] + weeks)
        issued = (outcome != NULL_DAY) & (rng.random(k) < np.where(ehc[rows[a]], 0.95, 0.5))
        exception = np.where(late & (outcome != NULL_DAY) & (rng.random(k) < 0.3), rng.integers(0, 3, k), -1)
        assessments = {"request": a, "outcome_day": outcome, "issued": issued, "exception": exception}

        i = np.nonzero(issued)[0]
        j = len(i)
        start = outcome[i]
        person = who[rows[a[i]]]
        moved = rng.random(j) < 0.06
        ceased = np.where(moved, self.not_yet(start + between(rng, 180, 900, j)), NULL_DAY)
        reason = np.where(ceased != NULL_DAY, 0, -1)
        # A plan ends when the child dies.
        with_death = self.until_death(person, ceased)
        reason = np.where(with_death != ceased, 2, reason)
        named = {"assessment": i, "start": start, "ceased": with_death, "reason": reason}

        active_rows = np.nonzero(with_death == NULL_DAY)[0]
        years_in_force = (w.as_of - start[active_rows]) // 365
        last_review = np.where(years_in_force >= 1, start[active_rows] + years_in_force * 365, NULL_DAY)
        active = {"named": active_rows, "request": a[i[active_rows]], "last_review": last_review}

        # Needs of each plan in force: a primary need, and for some a second, different one.
        n_active = len(active_rows)
        count = 1 + (rng.random(n_active) < 0.4)
        plan, rank = repeat_ranges(count)
        needs, weights = vocab.split(SEN_NEEDS)
        primary = choice(rng, needs, weights, n_active)
        other = (primary + 1 + rng.integers(0, len(needs) - 1, n_active)) % len(needs)
        need = np.where(rank == 0, primary[plan], other[plan])
        return {
            "send": send,
            "requests": requests,
            "assessments": assessments,
            "named": named,
            "active": active,
            "needs": {"plan": plan, "rank": rank, "need": need},
        }

    def _in_care_events(self, rng: np.random.Generator, min_age: float, share: float) -> Entity:
        """One dated event for ``share`` of the periods of care of children aged ``min_age`` or more."""
        w, p = self.w, self.w.cla_periods
        n = size(p)
        lo = np.maximum(p["start"], w.cutoff).astype(np.int64)
        length = self.period_stop - lo
        day = lo + (rng.random(n) * np.maximum(length, 0)).astype(np.int64)
        ok = (length > 0) & (rng.random(n) < share) & (self.age(p["person"], day) >= min_age)
        rows = np.nonzero(ok)[0]
        return _in_date_order({"person": p["person"][rows], "day": day[rows]}, "day")

    # --- tables ---
    def ssd_missing(self, rng: np.random.Generator) -> Frame:
        """Missing and away episodes of children in care, mostly teenagers; most end within a day or two."""
        w, p = self.w, self.w.cla_periods
        n = size(p)
        lo = np.maximum(p["start"], w.cutoff).astype(np.int64)
        length = np.maximum(self.period_stop - lo, 0)
        age = self.age(p["person"], (lo + self.period_stop) // 2)
        goes_missing = rng.random(n) < np.where(age >= 11, 0.35, 0.03)
        count = np.where(goes_missing, rng.poisson(3.0 * length / DAYS_PER_YEAR), 0)
        period, _ = repeat_ranges(count)
        m = len(period)
        start = lo[period] + (rng.random(m) * length[period]).astype(np.int64)
        u = rng.random(m)
        duration = np.select(
            [u < 0.75, u < 0.95], [between(rng, 0, 1, m), between(rng, 2, 6, m)], between(rng, 7, 30, m)
        )
        end = start + duration
        # Back by the end of the period of care; a child still away at as-of is still missing (blank end).
        ended = p["end"][period] != NULL_DAY
        end = self.not_yet(np.where(ended, np.minimum(end, p["end"][period]), end))
        e = _one_at_a_time({"person": p["person"][period], "start": start, "end": end})
        k = size(e)
        over = e["end"] != NULL_DAY
        offered = rng.random(k) < 0.9
        return self.frame(
            "ssd_missing",
            {
                "miss_table_id": self.ids["missing"].of(np.arange(k)),
                "miss_person_id": self.person(e["person"]),
                "miss_missing_episode_start_date": _dates(e["start"]),
                "miss_missing_episode_type": codes(MISSING_TYPES, (rng.random(k) < 0.3).astype(np.int32)),
                "miss_missing_episode_end_date": _dates(e["end"]),
                "miss_missing_rhi_offered": flags(offered, missing=~over),
                "miss_missing_rhi_accepted": flags(offered & (rng.random(k) < 0.6), missing=~over),
            },
        )

    def ssd_cla_health(self, rng: np.random.Generator) -> Frame:
        """An initial health assessment soon after a child comes into care (due within 20 working days), a
        review health assessment about every year after it and dental checks about every six months."""
        w, p = self.w, self.w.cla_periods
        n = size(p)
        lag = np.where(rng.random(n) < 0.85, between(rng, 5, 20, n), between(rng, 21, 60, n))
        initial = w.wd.add(p["start"], lag).astype(np.int64)
        held = np.nonzero(initial < self.period_stop)[0]
        first = {"person": p["person"][held], "day": initial[held], "type": np.zeros(len(held), np.int32)}
        first = take(first, np.nonzero(first["day"] >= w.cutoff)[0])
        yearly = Cadence((330, 365), (330, 365), 0.1, (366, 420))
        reviews = events.recurring(rng, initial[held], p["end"][held], yearly, w.as_of, w.cutoff)
        reviews = {
            "person": p["person"][held][reviews["parent"]],
            "day": reviews["day"],
            "type": np.ones(size(reviews), np.int32),
        }
        six_monthly = Cadence((30, 180), (150, 200), 0.2, (201, 400))
        dental = events.recurring(rng, p["start"], p["end"], six_monthly, w.as_of, w.cutoff)
        dental = {"person": p["person"][dental["parent"]], "day": dental["day"], "type": np.full(size(dental), 2)}
        checks = _in_date_order(_concat([first, reviews, dental]), "day")
        k = size(checks)
        return self.frame(
            "ssd_cla_health",
            {
                "clah_health_check_id": self.ids["health_check"].of(np.arange(k)),
                "clah_person_id": self.person(checks["person"]),
                "clah_health_check_type": codes(HEALTH_CHECK_TYPES, checks["type"]),
                "clah_health_check_date": _dates(checks["day"]),
                "clah_health_check_status": codes(*_choose(rng, HEALTH_CHECK_STATUS, k)),
            },
        )

    def ssd_cla_immunisations(self, rng: np.random.Generator) -> Frame:
        """One row per child in care at as-of: up to date or not, as last recorded while in care."""
        w, p = self.w, self.w.cla_periods
        rows = np.nonzero(p["end"] == NULL_DAY)[0]
        k = len(rows)
        recorded = np.maximum(w.as_of - between(rng, 0, 365, k), p["start"][rows])
        return self.frame(
            "ssd_cla_immunisations",
            {
                "clai_person_id": self.person(p["person"][rows]),
                "clai_immunisations_status": flags(rng.random(k) < 0.85),
                "clai_immunisations_status_date": _dates(recorded),
            },
        )

    def ssd_cla_substance_misuse(self, rng: np.random.Generator) -> Frame:
        e = self._in_care_events(rng, 11, 0.06)
        k = size(e)
        return self.frame(
            "ssd_cla_substance_misuse",
            {
                "clas_substance_misuse_id": self.ids["substance_misuse"].of(np.arange(k)),
                "clas_person_id": self.person(e["person"]),
                "clas_substance_misuse_date": _dates(e["day"]),
                "clas_substance_misused": codes(*_choose(rng, SUBSTANCES, k)),
                "clas_intervention_received": flags(rng.random(k) < 0.6),
            },
        )

    def ssd_cla_convictions(self, rng: np.random.Generator) -> Frame:
        e = self._in_care_events(rng, 10, 0.04)
        k = size(e)
        return self.frame(
            "ssd_cla_convictions",
            {
                "clac_cla_conviction_id": self.ids["conviction"].of(np.arange(k)),
                "clac_person_id": self.person(e["person"]),
                "clac_cla_conviction_date": _dates(e["day"]),
                "clac_cla_conviction_offence": codes(*_choose(rng, OFFENCES, k)),
            },
        )

    def ssd_cla_care_plan(self, rng: np.random.Generator) -> Frame:
        """Care plans from the day a child comes into care, replaced about yearly (at reviews). The first plan
        is often a return home; later ones name the plan the period ends with (adoption, long-term fostering,
        ...); a plan is current until replaced or the period of care ends."""
        p = self.w.cla_periods
        period, rank, start, end = split_spans(rng, p["start"], self.period_stop, 0.8, 60)
        is_open = p["end"][period] == NULL_DAY
        last = np.append(period[1:] != period[:-1], True) if len(period) else np.zeros(0, bool)
        end = np.where(last & is_open, NULL_DAY, end)
        plan_code = {k: i for i, k in enumerate(PERMANENCE_PLANS)}
        reason = p["reason"][period]
        final = np.full(len(period), plan_code["LTFOST18"], np.int32)
        for ceased, final_plan in FINAL_PLAN.items():
            final[reason == ceased] = plan_code[final_plan]
        # Young people of 16 and over in care move towards supported living.
        older = (self.age(p["person"][period], start) >= 16) & (final == plan_code["LTFOST18"])
        final = np.where(older, plan_code["SUPPLIV"], final)
        final = np.where(
            (final == plan_code["RETURN6M"]) & (rng.random(len(period)) < 0.3), plan_code["RETURN1M"], final
        )
        twin_track = choice(rng, ("RETURN6M", "RETURNEV", "final"), (0.5, 0.3, 0.2), len(period))
        initial = np.array([plan_code["RETURN6M"], plan_code["RETURNEV"], -1])[twin_track]
        pieces = np.bincount(period, minlength=size(p))[period]
        plan = np.where((rank == 0) & (pieces > 1) & (initial >= 0), initial, final)
        k = len(period)
        return self.frame(
            "ssd_cla_care_plan",
            {
                "lacp_table_id": self.ids["care_plan"].of(np.arange(k)),
                "lacp_person_id": self.person(p["person"][period]),
                "lacp_cla_care_plan_start_date": _dates(start),
                "lacp_cla_care_plan_end_date": _dates(end),
                "lacp_cla_care_plan_json": codes([care_plan_json(c) for c in PERMANENCE_PLANS], plan),
            },
        )

    def ssd_cla_previous_permanence(self, rng: np.random.Generator) -> Frame:
        """A few children coming into care had a permanence order before (adoption, special guardianship, ...).
        The order itself may be older than the window: it is a fact about the child, recorded on entry."""
        w, p = self.w, self.w.cla_periods
        n = size(p)
        order_latest = p["start"].astype(np.int64) - 180
        order_earliest = self.dob[p["person"]].astype(np.int64) + 30
        rows = np.nonzero((p["start"] >= w.cutoff) & (order_latest > order_earliest) & (rng.random(n) < 0.1))[0]
        k = len(rows)
        options, weights = vocab.split(PREVIOUS_PERMANENCE)
        option = choice(rng, options, weights, k)
        known = np.array(options)[option] != "Z1"
        span = order_latest[rows] - order_earliest[rows]
        order_day = np.where(known, order_earliest[rows] + (rng.random(k) * span).astype(np.int64), NULL_DAY)
        councils = [f"{stem} Council" for stem in vocab.COUNCIL_STEMS]
        return self.frame(
            "ssd_cla_previous_permanence",
            {
                "lapp_table_id": self.ids["previous_permanence"].of(np.arange(k)),
                "lapp_person_id": self.person(p["person"][rows]),
                "lapp_previous_permanence_option": codes(options, option),
                "lapp_previous_permanence_la": codes(councils, np.where(known, rng.integers(0, len(councils), k), -1)),
                "lapp_previous_permanence_order_date": _dates(order_day),
            },
        )

    def ssd_permanence(self, rng: np.random.Generator) -> Frame:
        """Permanence of periods of care: adoptions (decision, placement order, match, placement, order on the
        day the period ended E11/E12), adoptions still in progress, reversed decisions, and special guardianship
        and child arrangements orders (the order on the day the period ended)."""
        w, p = self.w, self.w.cla_periods
        n = size(p)
        is_open = p["end"] == NULL_DAY
        reason = p["reason"]
        young = self.age(p["person"], p["start"]) < 5
        adopted = ~is_open & np.isin(reason, ADOPTED)
        # Periods that will end in adoption (the world knows how they end) are adoptions in progress.
        adopting = is_open & np.isin(reason, ADOPTED)
        reversed_ = ~is_open & (reason == "E4A") & young & (rng.random(n) < 0.15)
        other_order = ~is_open & np.isin(reason, SPECIAL_GUARDIANSHIP + CHILD_ARRANGEMENTS)
        rows = np.nonzero(adopted | adopting | reversed_ | other_order)[0]
        k = len(rows)
        start = p["start"][rows].astype(np.int64)
        last = np.where(is_open[rows], w.as_of, p["end"][rows]).astype(np.int64)
        adoption = adopted[rows] | adopting[rows]

        # The adoption steps in order along the period: decision, placement order, match, placement.
        steps = start[:, None] + (np.sort(rng.uniform(0.05, 0.95, (k, 4)), axis=1) * (last - start)[:, None])
        steps = steps.astype(np.int64)
        # An adoption in progress has got so far; a reversed decision got no further than the decision.
        reached = np.where(adopted[rows], 4, np.where(adopting[rows], 1 + choice(rng, (1, 2, 3, 4), None, k), 0))
        reached = np.where(reversed_[rows], 1, reached)
        steps = np.where(np.arange(4)[None, :] < reached[:, None], steps, NULL_DAY)
        decision, placement_order, matched, placed = steps.T
        reversed_day = np.where(
            reversed_[rows], decision + ((last - decision) * rng.uniform(0.3, 0.9, k)).astype(np.int64), NULL_DAY
        )
        has_match = matched != NULL_DAY

        # Fostering for adoption / concurrent planning for some: decided before the placement order.
        ffa = adoption & (placement_order != NULL_DAY) & (rng.random(k) < 0.15)
        ffa_decision = np.where(
            ffa, decision + ((placement_order - decision) * rng.random(k)).astype(np.int64), NULL_DAY
        )
        ffa_placed = np.where(
            ffa & has_match, ffa_decision + ((matched - ffa_decision) * rng.random(k)).astype(np.int64), NULL_DAY
        )
        by_carer = adopted[rows] & (rng.random(k) < 0.12)
        with_carer = np.where(by_carer, start + ((decision - start) * rng.random(k)).astype(np.int64), NULL_DAY)

        sexes, sex_w = vocab.split(ADOPTER_SEX)
        sex = np.where(has_match, choice(rng, sexes, sex_w, k), -1)
        single = np.isin(sex, [sexes.index("F1"), sexes.index("M1")])
        statuses, status_w = vocab.split(COUPLE_LEGAL_STATUS)
        statuses = [SINGLE_LEGAL_STATUS, *statuses]
        status = np.where(single, 0, 1 + choice(rng, statuses[1:], status_w, k))
        status = np.where(has_match, status, -1)

        sibling_group = adoption & (rng.random(k) < 0.35)
        together = np.where(sibling_group, between(rng, 0, 2, k), 0)
        apart = np.where(sibling_group, between(rng, 0, 1, k), 0)
        reasons, reason_w = vocab.split(DECISION_REVERSED)
        order_type = np.select(
            [adopted[rows], np.isin(reason[rows], SPECIAL_GUARDIANSHIP), np.isin(reason[rows], CHILD_ARRANGEMENTS)],
            [0, 1, 2],
            -1,
        )
        worker = np.where(adoption | reversed_[rows], p["worker"][rows], -1)
        provider = np.where(placed != NULL_DAY, rng.integers(100_000, 999_999, k), -1)
        return self.frame(
            "ssd_permanence",
            {
                "perm_table_id": self.ids["permanence"].of(np.arange(k)),
                "perm_person_id": self.person(p["person"][rows]),
                "perm_cla_id": self.ids["cla_period"].of(rows),
                "perm_adm_decision_date": _dates(decision),
                "perm_part_of_sibling_group": flags(sibling_group, missing=~(adoption | reversed_[rows])),
                "perm_siblings_placed_together": counts(together, missing=~adoption),
                "perm_siblings_placed_apart": counts(apart, missing=~adoption),
                "perm_ffa_cp_decision_date": _dates(ffa_decision),
                "perm_placement_order_date": _dates(placement_order),
                "perm_matched_date": _dates(matched),
                "perm_adopter_sex": codes(sexes, sex),
                "perm_adopter_legal_status": codes(statuses, status),
                "perm_number_of_adopters": counts(np.where(single, 1, 2), missing=~has_match),
                "perm_placed_for_adoption_date": _dates(placed),
                "perm_adopted_by_carer_flag": flags(by_carer, missing=~adopted[rows]),
                "perm_placed_foster_carer_date": _dates(with_carer),
                "perm_placed_ffa_cp_date": _dates(ffa_placed),
                "perm_placement_provider_urn": self.ids["urn"].of(provider),
                "perm_decision_reversed_date": _dates(reversed_day),
                "perm_decision_reversed_reason": codes(
                    reasons, np.where(reversed_[rows], choice(rng, reasons, reason_w, k), -1)
                ),
                "perm_permanence_order_date": _dates(np.where(order_type >= 0, p["end"][rows], NULL_DAY)),
                "perm_permanence_order_type": codes(ORDER_TYPES, order_type),
                "perm_adoption_worker_id": self.ids["worker"].of(worker),
            },
        )

    def ssd_legal_status(self, rng: np.random.Generator) -> Frame:
        """A legal status from each episode that starts a period or changes the legal status (SSDA903 reason S,
        L or B) until the next such episode: the statuses tile the episodes of every period of care."""
        w, e = self.w, self.w.cla_episodes
        order = np.lexsort((e["start"], e["period"]))
        period, start, end = e["period"][order], e["start"][order], e["end"][order]
        new_status = (e["start_reason"][order] != "P") | np.append(True, period[1:] != period[:-1])
        first = np.nonzero(new_status)[0]
        last = np.append(first[1:] - 1, len(order) - 1) if len(first) else first
        run_period = period[first]
        k = len(first)
        first_of_period = np.append(True, run_period[1:] != run_period[:-1]) if k else np.zeros(0, bool)
        rank = np.arange(k) - np.maximum.accumulate(np.where(first_of_period, np.arange(k), 0))

        status = choice(rng, LEGAL_STATUSES, LEGAL_FIRST, k)
        cumulative = LEGAL_NEXT.cumsum(axis=1)
        cumulative[:, -1] = 1.0  # rounding must never leave a draw past the last status
        # Each change depends on the status before it: one step per rank, all periods at once.
        for r in range(1, int(rank.max(initial=0)) + 1):
            at = np.nonzero(rank == r)[0]
            before = status[at - 1]
            status[at] = (rng.random(len(at))[:, None] > cumulative[before]).sum(axis=1)
        # A period that ends in adoption ends under a placement order (with a care order before it).
        adopted = np.isin(w.cla_periods["reason"][run_period], ADOPTED)
        last_of_period = np.append(run_period[1:] != run_period[:-1], True) if k else np.zeros(0, bool)
        e1, c2 = LEGAL_STATUSES.index("E1"), LEGAL_STATUSES.index("C2")
        status = np.where(adopted & (status == e1), c2, status)
        status = np.where(adopted & last_of_period & (rank > 0), e1, status)
        return self.frame(
            "ssd_legal_status",
            {
                "lega_legal_status_id": self.ids["legal_status"].of(np.arange(k)),
                "lega_person_id": self.person(w.cla_periods["person"][run_period]),
                "lega_legal_status": codes(LEGAL_STATUSES, status),
                "lega_legal_status_start_date": _dates(start[first]),
                "lega_legal_status_end_date": _dates(end[last]),
            },
        )

    def ssd_sdq_scores(self, rng: np.random.Generator) -> Frame:
        """Yearly strengths and difficulties questionnaires of children in care aged 4 to 16."""
        w, p = self.w, self.w.cla_periods
        yearly = Cadence((300, 365), (330, 400), 0.1, (401, 500))
        s = events.recurring(rng, p["start"], p["end"], yearly, w.as_of, w.cutoff)
        person = p["person"][s["parent"]]
        age = np.floor(self.age(person, s["day"]))
        keep = np.nonzero((age >= 4) & (age <= 16))[0]
        person, day = person[keep], s["day"][keep]
        k = len(keep)
        scored = rng.random(k) < 0.85
        score = np.clip(np.round(rng.normal(14.0, 6.5, k)), 0, 40).astype(np.int64)
        reasons, weights = vocab.split(SDQ_REASONS)
        return self.frame(
            "ssd_sdq_scores",
            {
                "csdq_table_id": self.ids["sdq"].of(np.arange(k)),
                "csdq_person_id": self.person(person),
                "csdq_sdq_completed_date": _dates(day),
                "csdq_sdq_score": counts(score, missing=~scored),
                "csdq_sdq_reason": codes(reasons, np.where(scored, -1, choice(rng, reasons, weights, k))),
            },
        )

    def ssd_disability(self, rng: np.random.Generator) -> Frame:
        """One to three different CIN census disability codes for each disabled child."""
        who = np.nonzero(self.w.people["disabled"])[0]
        codes_, weights = vocab.split(DISABILITIES)
        count = 1 + choice(rng, (1, 2, 3), (0.55, 0.30, 0.15), len(who))
        picked = _distinct_weighted(rng, weights, count)
        return self.frame(
            "ssd_disability",
            {
                "disa_table_id": self.ids["disability"].of(np.arange(len(picked["row"]))),
                "disa_person_id": self.person(who[picked["row"]]),
                "disa_disability_code": codes(codes_, picked["value"]),
            },
        )

    def ssd_immigration_status(self, rng: np.random.Generator) -> Frame:
        """Unaccompanied asylum-seeking children: most teenagers of another nationality who came into care, until
        their 18th birthday; then, for most, the status they were granted."""
        w, p = self.w, self.w.cla_periods
        n = size(p)
        person = p["person"]
        british = w.people["nationality"][person] == vocab.split(vocab.NATIONALITY)[0].index("British")
        uasc = (self.age(person, p["start"]) >= 14) & ~british & (rng.random(n) < 0.8)
        rows = np.nonzero(uasc)[0]
        # One status history per young person: from their first period of care.
        _, first = np.unique(person[rows], return_index=True)
        rows = rows[np.sort(first)]
        k = len(rows)
        who = person[rows]
        b18 = w.people["b18"][who].astype(np.int64)
        start = p["start"][rows].astype(np.int64)
        end = self.until_death(who, self.not_yet(b18))
        granted = (end == b18) & (rng.random(k) < 0.7) & self.alive(who, b18)
        later = np.nonzero(granted)[0]
        statuses, weights = vocab.split(LATER_IMMIGRATION)
        parts = [
            {"person": who, "start": start, "end": end, "status": np.zeros(k, np.int32)},
            {
                "person": who[later],
                "start": b18[later],
                "end": self.until_death(who[later], np.full(len(later), NULL_DAY, np.int64)),
                "status": 1 + choice(rng, statuses, weights, len(later)),
            },
        ]
        e = _concat(parts)
        e = take(e, np.nonzero((e["end"] == NULL_DAY) | (e["end"] >= w.cutoff))[0])
        e = _in_date_order(e, "start")
        m = size(e)
        return self.frame(
            "ssd_immigration_status",
            {
                "immi_immigration_status_id": self.ids["immigration"].of(np.arange(m)),
                "immi_person_id": self.person(e["person"]),
                "immi_immigration_status_start_date": _dates(e["start"]),
                "immi_immigration_status_end_date": _dates(e["end"]),
                "immi_immigration_status": codes(["UASC", *statuses], e["status"]),
            },
        )

    def ssd_mother(self, rng: np.random.Generator) -> Frame:
        """The world's young mothers and their children (``_mothers``)."""
        m = self._mothers()
        k = size(m)
        return self.frame(
            "ssd_mother",
            {
                "moth_table_id": self.ids["mother"].of(np.arange(k)),
                "moth_person_id": self.person(m["mother"]),
                "moth_childs_person_id": self.person(m["child"]),
                "moth_childs_dob": Dates(self.dob[m["child"]]),
            },
        )

    def ssd_family(self, rng: np.random.Generator) -> Frame:
        """One row per person: the family they belong to (``_families``)."""
        family = self._families()
        n = len(family)
        return self.frame(
            "ssd_family",
            {
                "fami_table_id": self.ids["family_member"].of(np.arange(n)),
                "fami_family_id": self.ids["family"].of(family),
                "fami_person_id": self.person(np.arange(n)),
            },
        )

    def ssd_address(self, rng: np.random.Generator) -> Frame:
        """Every child's current address, since birth or a move before their first contact; three in ten moved
        since, so their previous address ends the day the current one starts. Fake streets and postcodes."""
        w = self.w
        n = size(w.people)
        dob, first_day = self.dob.astype(np.int64), w.people["first_day"].astype(np.int64)
        since_birth = rng.random(n) < 0.5
        moved_in = np.where(since_birth, dob, dob + (rng.random(n) * np.maximum(first_day - dob, 0)).astype(np.int64))
        latest = np.minimum(w.as_of, np.where(self.death == NULL_DAY, w.as_of, self.death.astype(np.int64) - 1))
        room = latest - (moved_in + 30)
        moves = (rng.random(n) < 0.3) & (room > 0)
        move_day = moved_in + 30 + (rng.random(n) * np.maximum(room, 0)).astype(np.int64)
        # One row per address, a child's rows together and in order (no sort: england has ~10 million).
        child, rank = repeat_ranges(1 + moves)
        current = rank == moves[child].astype(np.int64)
        e = {
            "person": child,
            "start": np.where(rank == 0, moved_in[child], move_day[child]),
            "end": np.where(current, NULL_DAY, move_day[child]),
        }
        e = take(e, np.nonzero((e["end"] == NULL_DAY) | (e["end"] >= w.cutoff))[0])
        k = size(e)
        postcodes, jsons = _addresses()
        postcode = rng.integers(0, len(postcodes), k)
        address = postcode * HOUSES_PER_POSTCODE + rng.integers(0, HOUSES_PER_POSTCODE, k)
        return self.frame(
            "ssd_address",
            {
                "addr_table_id": self.ids["address"].of(np.arange(k)),
                "addr_person_id": self.person(e["person"]),
                "addr_address_type": codes(*_choose(rng, ADDRESS_TYPES, k)),
                "addr_address_start_date": _dates(e["start"]),
                "addr_address_end_date": _dates(e["end"]),
                "addr_address_postcode": codes(postcodes, postcode),
                "addr_address_json": codes(jsons, address),
            },
        )

    def ssd_linked_identifiers(self, rng: np.random.Generator) -> Frame:
        """Case numbers of a few children known from another system or the courts, valid from their first
        contact; some have since been closed."""
        w, p = self.w, self.w.people
        who = np.nonzero(p["had_referral"] & (rng.random(size(p)) < 0.1))[0]
        k = len(who)
        start = p["first_day"][who].astype(np.int64)
        closed = self.not_yet(np.where(rng.random(k) < 0.2, start + between(rng, 30, 1500, k), NULL_DAY))
        closed = np.where(self.death[who] != NULL_DAY, np.minimum(closed, self.death[who]), closed)
        keep = np.nonzero((closed == NULL_DAY) | (closed >= w.cutoff))[0]
        who, start, closed = who[keep], start[keep], closed[keep]
        k = len(keep)
        return self.frame(
            "ssd_linked_identifiers",
            {
                "link_table_id": self.ids["linked_identifier"].of(np.arange(k)),
                "link_person_id": self.person(who),
                "link_identifier_type": codes(*_choose(rng, LINKED_IDENTIFIER_TYPES, k)),
                "link_identifier_value": self.ids["case_number"].of(rng.choice(9 * 10**7, k, replace=False)),
                "link_valid_from_date": _dates(start),
                "link_valid_to_date": _dates(closed),
            },
        )

    def ssd_early_help_episodes(self, rng: np.random.Generator) -> Frame:
        """Early help after a contact passed to early help, and before some referrals (stepped up to social
        care a few weeks before the contact); one episode at a time per child, ended by adulthood or death."""
        w, c, r = self.w, self.w.contacts, self.w.referrals
        eh = np.nonzero((c["outcome"] == vocab.CONTACT_OUTCOMES.index("EH")) & (c["decided"] != NULL_DAY))[0]
        eh = eh[rng.random(len(eh)) < 0.7]
        m = len(eh)
        after_start = c["decided"][eh].astype(np.int64) + between(rng, 0, 20, m)
        after_end = after_start + rng.lognormal(np.log(150), 0.5, m).astype(np.int64)
        ends, end_w = vocab.split(EARLY_HELP_ENDS)
        after = {
            "person": c["person"][eh],
            "start": after_start,
            "end": after_end,
            "end_reason": choice(rng, ends, end_w, m),
        }
        stepped = np.nonzero((r["date"] >= w.cutoff) & (rng.random(size(r)) < 0.15))[0]
        j = len(stepped)
        contact = r["contact_day"][stepped].astype(np.int64)
        before = {
            "person": r["person"][stepped],
            "start": np.maximum(contact - between(rng, 60, 365, j), self.dob[r["person"][stepped]]),
            "end": contact - between(rng, 0, 21, j),
            "end_reason": np.full(j, ends.index(STEPPED_UP), np.int32),
        }
        e = _concat([after, before])
        person = e["person"]
        b18 = self.w.people["b18"][person].astype(np.int64)
        ok = (e["start"] <= w.as_of) & (e["start"] < b18) & (e["end"] > e["start"]) & self.alive(person, e["start"])
        e = take(e, np.nonzero(ok)[0])
        person = e["person"]
        e["end"] = np.minimum(e["end"], self.w.people["b18"][person])
        e["end"] = self.until_death(person, self.not_yet(e["end"]))
        e = _one_at_a_time(e)
        e = take(e, np.nonzero((e["end"] == NULL_DAY) | (e["end"] >= w.cutoff))[0])
        e = _in_date_order(e, "start")
        k = size(e)
        council = w.people["council"][e["person"]]
        worker = council * EARLY_HELP_WORKERS_PER_COUNCIL + rng.integers(0, EARLY_HELP_WORKERS_PER_COUNCIL, k)
        return self.frame(
            "ssd_early_help_episodes",
            {
                "earl_episode_id": self.ids["early_help"].of(np.arange(k)),
                "earl_person_id": self.person(e["person"]),
                "earl_episode_start_date": _dates(e["start"]),
                "earl_episode_end_date": _dates(e["end"]),
                "earl_episode_reason": codes(*_choose(rng, EARLY_HELP_REASONS, k)),
                "earl_episode_end_reason": codes(ends, np.where(e["end"] == NULL_DAY, -1, e["end_reason"])),
                "earl_episode_organisation": codes(*_choose(rng, EARLY_HELP_ORGANISATIONS, k)),
                "earl_episode_worker_id": self.ids["early_help_worker"].of(worker),
            },
        )

    def ssd_assessment_factors(self, rng: np.random.Generator) -> Frame:
        """The factors of every authorised assessment, as a JSON list of CIN census codes. The lists come from
        a vocabulary of combinations drawn once (a few hundred strings, whatever the scale)."""
        a = self.w.assessments
        rows = np.nonzero(a["auth"] != NULL_DAY)[0]
        factors, weights = vocab.split(FACTORS)
        count = 1 + np.minimum(rng.poisson(1.6, FACTOR_COMBINATIONS), 7)
        picked = _distinct_weighted(rng, weights, count)
        lists: list[list[str]] = [[] for _ in range(FACTOR_COMBINATIONS)]
        for combination, factor in zip(picked["row"].tolist(), picked["value"].tolist(), strict=True):
            lists[combination].append(factors[factor])
        jsons = ["[" + ",".join(f'"{f}"' for f in sorted(fs, key=factors.index)) + "]" for fs in lists]
        k = len(rows)
        return self.frame(
            "ssd_assessment_factors",
            {
                "cinf_table_id": self.ids["assessment_factors"].of(np.arange(k)),
                "cinf_assessment_id": self.ids["assessment"].of(rows),
                "cinf_assessment_factors_json": codes(jsons, rng.integers(0, FACTOR_COMBINATIONS, k)),
            },
        )

    def ssd_pre_proceedings(self, rng: np.random.Generator) -> Frame:
        """Pre-proceedings for some children on CP plans: most of those whose plan ended with them coming into
        care (care proceedings issued the day the plan ended), and a few others (stepped down, or still in
        pre-proceedings). Decision, letter, first meeting, letter before proceedings and outcome in that order;
        nothing after as-of, nothing after a plan that has ended."""
        w, p = self.w, self.w.cp_plans
        n = size(p)
        is_open = p["end"] == NULL_DAY
        last = np.where(is_open, w.as_of, p["end"]).astype(np.int64)
        start = p["start"].astype(np.int64)
        to_care = ~is_open & (w.referrals["kind2"][p["referral"]] == CLA)
        enters = np.where(to_care, rng.random(n) < 0.85, rng.random(n) < 0.10) & (last - start >= 60)
        decision = np.where(
            to_care,
            np.maximum(start + 14, last - between(rng, 40, 150, n)),
            start + 30 + (rng.random(n) * np.maximum(last - start - 50, 0)).astype(np.int64),
        )
        rows = np.nonzero(enters & (decision >= w.cutoff) & (decision <= w.as_of))[0]
        k = len(rows)
        decision, last, plan_open, issued = decision[rows], last[rows], is_open[rows], to_care[rows]

        def by_then(days: np.ndarray) -> np.ndarray:
            """Not yet (blank) while the plan is open, else no later than its end."""
            return np.where(plan_open, self.not_yet(days), np.minimum(days, last))

        letter = by_then(decision + between(rng, 2, 10, k))
        meeting = by_then(_later(letter, between(rng, 5, 21, k)))
        stepped_down = ~issued & (rng.random(k) < 0.7)
        outcome_day = np.where(issued, last, _later(meeting, between(rng, 60, 120, k)))
        outcome_day = np.where(issued | stepped_down, by_then(outcome_day), NULL_DAY)
        outcome = np.select([issued, outcome_day != NULL_DAY], [0, 1], np.where(meeting != NULL_DAY, 2, -1))
        care_letter = np.where(issued, np.maximum(last - between(rng, 7, 21, k), meeting), NULL_DAY)
        meetings = np.where(meeting != NULL_DAY, 1 + np.minimum(rng.poisson(1.2, k), 5), 0)
        concluded = issued & (last + 182 <= w.as_of)
        plans, plan_w = vocab.split(CARE_PLANS_IN_COURT)
        initial_plan = choice(rng, plans, plan_w, k)
        final_plan = np.where(rng.random(k) < 0.8, initial_plan, choice(rng, plans, plan_w, k))
        short_notice = issued & (rng.random(k) < 0.15)
        hearings = np.minimum(1 + (w.as_of - last) // 45, 10) + between(rng, 0, 2, k)
        person = p["person"][rows]
        return self.frame(
            "ssd_pre_proceedings",
            {
                "prep_table_id": self.ids["pre_proceedings"].of(np.arange(k)),
                "prep_person_id": self.person(person),
                "prep_plo_family_id": self.ids["family"].of(self._families()[person]),
                "prep_pre_pro_decision_date": _dates(decision),
                "prep_initial_pre_pro_meeting_date": _dates(meeting),
                "prep_pre_pro_outcome": codes(PLO_OUTCOMES, outcome),
                "prep_agree_stepdown_issue_date": _dates(outcome_day),
                "prep_cp_plans_referral_period": whole(np.ones(k)),
                "prep_legal_gateway_outcome": constant("Threshold met: enter pre-proceedings", k),
                "prep_prev_pre_proc_child": whole(rng.random(k) < 0.1),
                "prep_prev_care_proc_child": whole(rng.random(k) < 0.05),
                "prep_pre_pro_letter_date": _dates(letter),
                "prep_care_pro_letter_date": _dates(care_letter),
                "prep_pre_pro_meetings_num": whole(meetings),
                "prep_pre_pro_parents_legal_rep": flags(rng.random(k) < 0.9),
                "prep_parents_legal_rep_point_of_issue": codes(
                    ("Y", "N"), np.where(issued, (rng.random(k) < 0.05).astype(np.int32), -1)
                ),
                "prep_court_reference": self.ids["court_case"].of(
                    np.where(issued, 10_000_000 + rng.choice(9 * 10**7, k, replace=False), -1)
                ),
                "prep_care_proc_court_hearings": counts(hearings, missing=~issued),
                "prep_care_proc_short_notice": flags(short_notice, missing=~issued),
                "prep_proc_short_notice_reason": codes(
                    SHORT_NOTICE_REASONS, np.where(short_notice, rng.integers(0, 2, k), -1)
                ),
                "prep_la_inital_plan_approved": flags(rng.random(k) < 0.9, missing=~issued),
                "prep_la_initial_care_plan": codes(plans, np.where(issued, initial_plan, -1)),
                "prep_la_final_plan_approved": flags(rng.random(k) < 0.85, missing=~concluded),
                "prep_la_final_care_plan": codes(plans, np.where(concluded, final_plan, -1)),
            },
        )

    def ssd_voice_of_child(self, rng: np.random.Generator) -> Frame:
        """A few children of five or over, open to the service at as-of, answered the questions."""
        w, r = self.w, self.w.referrals
        open_now = np.unique(r["person"][r["close"] == NULL_DAY])
        age = whole_years_between(self.dob[open_now], w.as_of)
        who = open_now[(age >= 5) & (rng.random(len(open_now)) < 0.1)]
        k = len(who)

        def answer(yes: float) -> Codes:
            return flags(rng.random(k) < yes, missing=rng.random(k) < 0.05)

        return self.frame(
            "ssd_voice_of_child",
            {
                "voch_table_id": self.ids["voice"].of(np.arange(k)),
                "voch_person_id": self.person(who),
                "voch_explained_worries": answer(0.8),
                "voch_story_help_understand": answer(0.7),
                "voch_agree_worker": answer(0.75),
                "voch_plan_safe": answer(0.8),
                "voch_tablet_help_explain": answer(0.3),
            },
        )

    def ssd_pre_cla_care_plan(self, rng: np.random.Generator) -> Frame:
        """An SSD placeholder: the build writes the table with no rows."""
        return self.frame(
            "ssd_pre_cla_care_plan",
            {
                "fact_form_id": self.ids["pre_cla_care_plan"].of(np.zeros(0, np.int64)),
                "dim_person_id": self.person(np.zeros(0, np.int64)),
                "answer_no": constant(None, 0),
                "answer": constant(None, 0),
                "latestresponsedate": Dates(np.zeros(0, np.int32)),
            },
        )

    def ssd_s251_finance(self, rng: np.random.Generator) -> Frame:
        """An SSD placeholder with no agreed columns yet: no rows."""
        return self.frame(
            "ssd_s251_finance",
            {
                "s251_table_id": self.ids["s251"].of(np.zeros(0, np.int64)),
                "s251_cla_placement_id": self.ids["placement"].of(np.zeros(0, np.int64)),
                "s251_placeholder_1": constant(None, 0),
                "s251_placeholder_2": constant(None, 0),
                "s251_placeholder_3": constant(None, 0),
                "s251_placeholder_4": constant(None, 0),
            },
        )

    def ssd_cohort(self, rng: np.random.Generator) -> Frame:
        """Every person of the export and why the build included them, with their first and latest activity
        (the earliest start and latest date of any of their records)."""
        w, p = self.w, self.w.people
        n = size(p)

        def has(e: Entity) -> np.ndarray:
            return np.bincount(e["person"], minlength=n) > 0

        first = np.full(n, np.iinfo(np.int64).max, np.int64)
        latest = np.full(n, np.iinfo(np.int64).min, np.int64)
        dated = (
            (w.contacts, ("day", "decided")),
            (w.referrals, ("date", "close")),
            (w.involvements, ("start", "end")),
            (w.cla_periods, ("start", "end")),
            (w.care_leavers, ("latest_contact",)),
        )
        for e, columns in dated:
            for column in columns:
                day = e[column].astype(np.int64)
                known = day != NULL_DAY
                np.minimum.at(first, e["person"][known], day[known])
                np.maximum.at(latest, e["person"][known], day[known])
        none = first == np.iinfo(np.int64).max
        leavers = w.care_leavers
        return self.frame(
            "ssd_cohort",
            {
                "dim_person_id": self.person(np.arange(n)),
                "legacy_id": self.ids["legacy"].of(np.where(p["has_legacy_id"], np.arange(n), -1)),
                "has_contact": bits(has(w.contacts)),
                "has_referral": bits(has(w.referrals)),
                "has_903": bits(has(w.cla_episodes)),
                "is_care_leaver": bits(has(take(leavers, np.nonzero(leavers["left_care"])[0]))),
                "has_eligibility": bits(has(leavers)),
                "has_client_flag": bits(p["disabled"] | p["is_mother"]),
                "has_involvement": bits(has(w.involvements)),
                "first_activity_dttm": _dates(np.where(none, NULL_DAY, first)),
                "last_activity_dttm": _dates(np.where(none, NULL_DAY, latest)),
            },
        )

    def ssd_dim_date(self, rng: np.random.Generator) -> Frame:
        """Every day of the calendar years from the window's start to the end of the as-of year."""
        w = self.w
        first_year = _year_start(np.array([w.cutoff]))[0]
        last_day = _year_start(np.array([w.as_of]), years=1)[0] - 1
        days = np.arange(first_year, last_day + 1, dtype=np.int64)
        d = days.astype("datetime64[D]")
        months = d.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
        year = months // 12 + 1970
        month = months % 12 + 1
        day_of_month = days - _month_start(months) + 1
        weekday = (days + 3) % 7 + 1  # 1970-01-01 was a Thursday; Monday = 1
        # ISO weeks belong to the year of their Thursday.
        thursday = days - weekday + 4
        iso_year = thursday.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        iso_week = (thursday - _month_start((iso_year - 1970) * 12)) // 7 + 1
        quarter_month = months - (month - 1) % 3
        fiscal_year = np.where(month >= 4, year, year - 1)
        fiscal_start_month = (fiscal_year - 1970) * 12 + 3
        fiscal_quarter = (months - fiscal_start_month) // 3 + 1
        fiscal_quarter_month = fiscal_start_month + (fiscal_quarter - 1) * 3
        labels = [f"{y}/{(y + 1) % 100:02d}" for y in range(int(fiscal_year.min()), int(fiscal_year.max()) + 1)]
        year_month = (year - 1970) * 12

        return self.frame(
            "ssd_dim_date",
            {
                "date_key": whole(year * 10_000 + month * 100 + day_of_month),
                "full_date": _dates(days),
                "calendar_year": whole(year),
                "calendar_quarter": whole((month - 1) // 3 + 1),
                "month_number": whole(month),
                "day_of_month": whole(day_of_month),
                "iso_year": whole(iso_year),
                "iso_week": whole(iso_week),
                "day_of_week_monday1": whole(weekday),
                "is_weekend": bits(weekday >= 6),
                "month_start_date": _dates(_month_start(months)),
                "month_end_date": _dates(_month_start(months + 1) - 1),
                "quarter_start_date": _dates(_month_start(quarter_month)),
                "quarter_end_date": _dates(_month_start(quarter_month + 3) - 1),
                "year_start_date": _dates(_month_start(year_month)),
                "year_end_date": _dates(_month_start(year_month + 12) - 1),
                "fiscal_year_start_year": whole(fiscal_year),
                "fiscal_year_label": codes(labels, fiscal_year - int(fiscal_year.min())),
                "fiscal_year_start_date": _dates(_month_start(fiscal_start_month)),
                "fiscal_year_end_date": _dates(_month_start(fiscal_start_month + 12) - 1),
                "fiscal_quarter": whole(fiscal_quarter),
                "fiscal_quarter_start_date": _dates(_month_start(fiscal_quarter_month)),
                "fiscal_quarter_end_date": _dates(_month_start(fiscal_quarter_month + 3) - 1),
            },
        )

    def ssd_send(self, rng: np.random.Generator) -> Frame:
        w, p = self.w, self.w.people
        who = self._send()["send"]["person"]
        k = len(who)
        age = whole_years_between(self.dob[who], w.as_of)
        has_upn = age >= 5  # as in ssd_person
        return self.frame(
            "ssd_send",
            {
                "send_table_id": self.ids["send"].of(np.arange(k)),
                "send_person_id": self.person(who),
                "send_upn": self.ids["upn"].of(np.where(has_upn, p["upn"][who], -1)),
                "send_uln": self.ids["uln"].of(np.where(age >= 14, rng.integers(10**9, 10**10, k), -1)),
                "send_upn_unknown": codes(("UN1",), np.where(has_upn, -1, 0)),
            },
        )

    def ssd_sen_need(self, rng: np.random.Generator) -> Frame:
        needs = self._send()["needs"]
        k = size(needs)
        ranks = [str(r) for r in range(1, int(needs["rank"].max(initial=0)) + 2)]
        return self.frame(
            "ssd_sen_need",
            {
                "senn_table_id": self.ids["sen_need"].of(np.arange(k)),
                "senn_active_ehcp_id": self.ids["ehcp_active_plan"].of(needs["plan"]),
                "senn_active_ehcp_need_type": codes(vocab.split(SEN_NEEDS)[0], needs["need"]),
                "senn_active_ehcp_need_rank": codes(ranks, needs["rank"]),
            },
        )

    def ssd_ehcp_requests(self, rng: np.random.Generator) -> Frame:
        r = self._send()["requests"]
        k = size(r)
        decided = r["decided"] != NULL_DAY
        return self.frame(
            "ssd_ehcp_requests",
            {
                "ehcr_ehcp_request_id": self.ids["ehcp_request"].of(np.arange(k)),
                "ehcr_send_table_id": self.ids["send"].of(r["send"]),
                "ehcr_ehcp_req_date": _dates(r["day"]),
                "ehcr_ehcp_req_outcome_date": _dates(r["decided"]),
                "ehcr_ehcp_req_outcome": codes(
                    EHCP_REQUEST_OUTCOMES, np.where(decided, np.where(r["agreed"], 0, 1), -1)
                ),
            },
        )

    def ssd_ehcp_assessment(self, rng: np.random.Generator) -> Frame:
        a = self._send()["assessments"]
        k = size(a)
        known = a["outcome_day"] != NULL_DAY
        return self.frame(
            "ssd_ehcp_assessment",
            {
                "ehca_ehcp_assessment_id": self.ids["ehcp_assessment"].of(np.arange(k)),
                "ehca_ehcp_request_id": self.ids["ehcp_request"].of(a["request"]),
                "ehca_ehcp_assessment_outcome_date": _dates(a["outcome_day"]),
                "ehca_ehcp_assessment_outcome": codes(
                    EHCP_ASSESSMENT_OUTCOMES, np.where(known, np.where(a["issued"], 0, 1), -1)
                ),
                "ehca_ehcp_assessment_exceptions": codes(EHCP_EXCEPTIONS, a["exception"]),
            },
        )

    def ssd_ehcp_named_plan(self, rng: np.random.Generator) -> Frame:
        named = self._send()["named"]
        k = size(named)
        return self.frame(
            "ssd_ehcp_named_plan",
            {
                "ehcn_named_plan_id": self.ids["ehcp_named_plan"].of(np.arange(k)),
                "ehcn_ehcp_asmt_id": self.ids["ehcp_assessment"].of(named["assessment"]),
                "ehcn_named_plan_start_date": _dates(named["start"]),
                "ehcn_named_plan_ceased_date": _dates(named["ceased"]),
                "ehcn_named_plan_ceased_reason": codes(EHCP_CEASED, named["reason"]),
            },
        )

    def ssd_ehcp_active_plans(self, rng: np.random.Generator) -> Frame:
        active = self._send()["active"]
        k = size(active)
        return self.frame(
            "ssd_ehcp_active_plans",
            {
                "ehcp_active_ehcp_id": self.ids["ehcp_active_plan"].of(np.arange(k)),
                "ehcp_ehcp_request_id": self.ids["ehcp_request"].of(active["request"]),
                "ehcp_active_ehcp_last_review_date": _dates(active["last_review"]),
            },
        )


# --- module helpers ---------------------------------------------------------------------------------------------


def whole(values: np.ndarray) -> Numbers:
    """Whole numbers, never missing: written as integers ("3")."""
    return Numbers(np.asarray(values).astype(np.int64))


def counts(values: np.ndarray, missing: np.ndarray) -> Codes:
    """Small whole numbers that may be missing. ``Numbers`` needs NaN for missing, which makes the column float
    and writes "3.0"; the SSD writes "3", so these are written as text from the numbers' vocabulary."""
    values = np.asarray(values).astype(np.int64)
    top = int(values[~missing].max(initial=0))
    return Codes([str(v) for v in range(top + 1)], np.where(missing, -1, values).astype(np.int32))


def _later(days: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """``gap`` days after each day; blank stays blank."""
    days = np.asarray(days, np.int64)
    return np.where(days == NULL_DAY, NULL_DAY, days + gap)


@functools.cache
def _addresses() -> tuple[list[str], list[str]]:
    """Fake postcodes, and the addresses at each (``HOUSES_PER_POSTCODE`` per postcode) as the SSD's JSON."""
    postcodes = vocab.postcodes()
    jsons = [
        address_json(
            1 + (a * 7) % 97,
            STREETS[(a // HOUSES_PER_POSTCODE) % len(STREETS)],
            vocab.COUNCIL_STEMS[(a // HOUSES_PER_POSTCODE) % len(vocab.COUNCIL_STEMS)],
            postcodes[a // HOUSES_PER_POSTCODE],
        )
        for a in range(len(postcodes) * HOUSES_PER_POSTCODE)
    ]
    return postcodes, jsons


def _dates(days: np.ndarray) -> Dates:
    return Dates(np.asarray(days, np.int64).astype(np.int32))


def _choose(rng: np.random.Generator, pairs: tuple[tuple[str, float], ...], n: int) -> tuple[list[str], np.ndarray]:
    """Values of a (value, weight) list and ``n`` draws from it: the arguments of ``codes``."""
    values, weights = vocab.split(pairs)
    return values, choice(rng, values, weights, n)


def _concat(parts: list[Entity]) -> Entity:
    """Rows of several entities with the same columns (empty ones too), ints widened to int64."""
    return {k: np.concatenate([np.asarray(p[k], np.int64) for p in parts]) for k in parts[0]}


def _in_date_order(e: Entity, day: str) -> Entity:
    """Rows by date then person, so a table's ids grow with time as a case system's identity columns do."""
    return take(e, np.lexsort((e["person"], e[day])))


def _one_at_a_time(e: Entity) -> Entity:
    """A child has one episode at a time: two starting the same day are one; an episode ends (at the latest)
    when the child's next one starts. Rows come back ordered by person and start."""
    e = take(e, np.lexsort((e["start"], e["person"])))
    person, start = e["person"], e["start"]
    duplicate = np.zeros(len(person), bool)
    duplicate[1:] = (person[1:] == person[:-1]) & (start[1:] == start[:-1])
    e = take(e, np.nonzero(~duplicate)[0])
    person, start, end = e["person"], e["start"], np.asarray(e["end"], np.int64)
    has_next = np.zeros(len(person), bool)
    has_next[:-1] = person[1:] == person[:-1]
    next_start = np.append(start[1:], 0).astype(np.int64)
    e["end"] = np.where(has_next & ((end == NULL_DAY) | (end > next_start)), next_start, end)
    return e


def _distinct_weighted(rng: np.random.Generator, weights: list[float], count: np.ndarray) -> Entity:
    """For each row, ``count`` different values drawn with ``weights`` (Gumbel top-k): the row and value of
    every pick, rows in order."""
    n, k = len(count), len(weights)
    keys = np.log(np.asarray(weights))[None, :] + rng.gumbel(size=(n, k))
    ranked = np.argsort(-keys, axis=1)
    row, position = np.nonzero(np.arange(k)[None, :] < np.minimum(count, k)[:, None])
    return {"row": row, "value": ranked[row, position]}


def _month_start(months: np.ndarray) -> np.ndarray:
    """Day number of the first day of a month counted from 1970-01."""
    return np.asarray(months, np.int64).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _year_start(days: np.ndarray, years: int = 0) -> np.ndarray:
    year = np.asarray(days, np.int64).astype("datetime64[D]").astype("datetime64[Y]") + years
    return year.astype("datetime64[D]").astype(np.int64)


# Every table has its builder (a missing one would only fail when the table is built).
assert all(callable(getattr(MoreTables, name, None)) for name in MORE_TABLE_NAMES)
