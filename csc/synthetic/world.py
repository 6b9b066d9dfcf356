"""The simulated case history behind one export: people and every case record, cut off at the as-of date.

``build_world`` simulates ``simulated_years`` of referrals (so the cohorts open at as-of have built up), then
keeps what a nightly SSD export would show: nothing after as-of (later ends become blank: still open), and six
years of history (records that ended before as-of minus six years are dropped; records open then are kept).
Entities are then ordered by date so ids grow with time, as a case system's identity columns do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from . import journeys, vocab
from .calendar import NULL_DAY, WorkingDays, add_years, day
from .care import care_leavers, episodes_and_placements, reassessments, split_spans
from .entities import Entity, between, choice, concat, repeat_ranges, size, take
from .journeys import CIN, CLA, CP, DAYS_PER_YEAR, NONE
from .scales import Scale
from .workforce import KIND, Workforce, build_workforce

OPEN = np.iinfo(np.int32).max  # an end that has not happened (yet); becomes NULL_DAY once cut at as-of


@dataclass
class World:
    scale: Scale
    as_of: int
    cutoff: int
    wd: WorkingDays
    workforce: Workforce
    people: Entity
    contacts: Entity
    referrals: Entity
    assessments: Entity
    s47: Entity
    icpc: Entity
    cp_plans: Entity
    cp_reviews: Entity
    cin_plans: Entity
    cla_periods: Entity
    cla_episodes: Entity
    placements: Entity
    involvements: Entity
    care_leavers: Entity


def build_world(rng: np.random.Generator, scale: Scale, as_of_date: date) -> World:
    as_of = day(as_of_date)
    cutoff = int(add_years(np.array([as_of]), -6)[0])
    sim_start = as_of - int(scale.simulated_years * DAYS_PER_YEAR)
    wd = WorkingDays(as_of_date.year - scale.simulated_years - 2, as_of_date.year + 2)
    workforce = build_workforce(scale)

    children = _case_children(rng, scale, sim_start, as_of)
    cases = _referral_history(rng, scale, wd, children, as_of)
    people, contacts = _contacts(rng, scale, wd, children, cases["referrals"], cutoff, as_of)
    _person_details(rng, scale, people)

    referrals = cases["referrals"]
    phases = cases["phases"]
    cp_plans, cp_reviews = _cp_plans(rng, referrals, phases, cases["icpc"], cases["cp_reviews"])
    cin_plans = _plans_of_kind(referrals, phases, CIN)
    cla_periods = _plans_of_kind(referrals, phases, CLA)
    cla_periods["reason"] = phases["cla_reason"][phases["kind"] == CLA].astype(str)
    episodes, placements = episodes_and_placements(rng, scale, cla_periods)
    first_assessment = _first_auth_of_referral(cases["assessments"], size(referrals))
    again = reassessments(rng, scale, wd, cla_periods, first_assessment[cla_periods["referral"]])
    leavers = care_leavers(rng, scale, cla_periods, people["dob"], as_of)

    involvements = _involvements(rng, scale, workforce, people, referrals, phases, cla_periods, leavers)
    _assign_workers(rng, workforce, people, referrals, cases, cin_plans, cla_periods, involvements, again, leavers)
    assessments = _all_assessments(rng, scale, referrals, cases["assessments"], cla_periods, again)

    world = World(
        scale=scale,
        as_of=as_of,
        cutoff=cutoff,
        wd=wd,
        workforce=workforce,
        people=people,
        contacts=contacts,
        referrals=referrals,
        assessments=assessments,
        s47=cases["s47"],
        icpc=cases["icpc"],
        cp_plans=cp_plans,
        cp_reviews=cp_reviews,
        cin_plans=cin_plans,
        cla_periods=cla_periods,
        cla_episodes=episodes,
        placements=placements,
        involvements=involvements,
        care_leavers=leavers,
    )
    # The world now holds the only references, so cutting it below frees the uncut arrays.
    del cases, people, contacts, referrals, phases, cp_plans, cp_reviews, cin_plans, cla_periods
    del episodes, placements, first_assessment, again, leavers, involvements, assessments
    _cut_at_as_of(world)
    _deaths(rng, world)
    _keep_six_years(world)
    return world


# --- People and referrals ------------------------------------------------------------------------------------


def _case_children(rng: np.random.Generator, s: Scale, sim_start: int, as_of: int) -> Entity:
    """Children with at least one referral: their first contact day and date of birth."""
    n_children = round(s.referrals_per_year * s.simulated_years * (1 - s.re_referral_rate))
    n_teens = round(s.teen_entrants_per_year * s.simulated_years)
    n = n_children + n_teens
    first_contact = rng.integers(sim_start, as_of + 1, n).astype(np.int32)
    age = journeys.age_days_at_referral(rng, n)
    teen = np.arange(n) >= n_children
    age[teen] = ((15.0 + rng.random(n_teens) * 2.2) * DAYS_PER_YEAR).astype(np.int32)
    dob = (first_contact - age).astype(np.int32)
    return {"first_contact": first_contact, "dob": dob, "b18": add_years(dob, 18), "teen_entrant": teen}


def _referral_history(
    rng: np.random.Generator, s: Scale, wd: WorkingDays, children: Entity, as_of: int
) -> dict[str, Entity]:
    """Referral after referral for each child until no re-referral, adulthood or as-of."""
    person = np.arange(size(children))
    contact_day = children["first_contact"]
    forced = children["teen_entrant"]
    rounds: list[dict[str, Entity]] = []
    offset = 0
    while len(person):
        r = journeys.referral_round(
            rng, s, wd, person, contact_day, children["dob"][person], children["b18"][person], forced
        )
        for name in ("assessments", "s47", "icpc", "phases", "cp_reviews"):
            r[name]["referral"] = r[name]["referral"] + offset
        offset += len(person)
        rounds.append(r)
        close = r["referrals"]["close"].astype(np.int64)
        next_contact = close + 14 + rng.exponential(s.re_referral_gap_days, len(person)).astype(np.int64)
        again = (
            (rng.random(len(person)) < s.re_referral_rate)
            & (next_contact <= as_of)
            & (next_contact < children["b18"][person] - 180)
        )
        person, contact_day = person[again], next_contact[again].astype(np.int32)
        forced = np.zeros(len(person), bool)
    cases = {name: concat([r[name] for r in rounds]) for name in rounds[0]}
    # Link conferences to their enquiry (one enquiry per referral at most).
    s47_of_referral = _index_of(cases["s47"]["referral"], size(cases["referrals"]))
    cases["icpc"]["s47"] = s47_of_referral[cases["icpc"]["referral"]]
    for name in ("assessments", "s47", "icpc"):
        cases[name]["person"] = cases["referrals"]["person"][cases[name]["referral"]]
    return cases


def _index_of(keys: np.ndarray, n: int) -> np.ndarray:
    """For keys 0..n-1 appearing at most once: the row holding each key, -1 if absent."""
    out = np.full(n, -1, np.int64)
    out[keys] = np.arange(len(keys))
    return out


def _contacts(
    rng: np.random.Generator,
    s: Scale,
    wd: WorkingDays,
    children: Entity,
    referrals: Entity,
    cutoff: int,
    as_of: int,
) -> tuple[Entity, Entity]:
    """Every referral starts as a contact; most contacts are not referrals (advice, early help, no action)."""
    years = (as_of - cutoff) / DAYS_PER_YEAR
    referral_contacts = int(((referrals["contact_day"] >= cutoff) & (referrals["contact_day"] <= as_of)).sum())
    other = max(0, round(s.contacts_per_year * years) - referral_contacts)

    # Contact-only children (about 70% of the other contacts): first contact any time in the window (or the
    # year before), then a few more.
    n_only = round(other * 0.7 / s.contacts_per_contact_only_child)
    first = rng.integers(cutoff - 365, as_of + 1, n_only).astype(np.int32)
    only_dob = (first - rng.random(n_only) * 17.5 * DAYS_PER_YEAR).astype(np.int32)
    per_child = 1 + rng.poisson(s.contacts_per_contact_only_child - 1, n_only)
    child, rank = repeat_ranges(per_child)
    gaps = np.where(rank == 0, 0, 1 + rng.exponential(300, len(child))).astype(np.int64)
    running = np.cumsum(gaps)
    first_row_of_child = np.cumsum(per_child) - per_child
    only_day = first[child] + running - running[first_row_of_child][child]
    n_case = size(children)
    ok = (only_day >= cutoff) & (only_day <= as_of) & (only_day < add_years(only_dob, 18)[child])
    only_person = (child + n_case)[ok]
    only_day = only_day[ok].astype(np.int32)

    # The rest are about children who have referrals, any time in their childhood within the window.
    pick = rng.integers(0, n_case, max(0, other - len(only_day)))
    lo = np.maximum(children["dob"][pick], cutoff)
    hi = np.minimum(children["b18"][pick] - 1, as_of)
    ok = hi > lo
    pick, lo, hi = pick[ok], lo[ok], hi[ok]
    case_day = (lo + rng.random(len(pick)) * (hi - lo)).astype(np.int32)

    outcomes, outcome_w = vocab.split(vocab.NON_REFERRAL_CONTACT_OUTCOMES)
    code = {c: i for i, c in enumerate(vocab.CONTACT_OUTCOMES)}
    n_other = len(only_person) + len(pick)
    other_outcome = np.array([code[o] for o in outcomes])[choice(rng, outcomes, outcome_w, n_other)]
    contacts: Entity = {
        "person": np.concatenate([referrals["person"], only_person, pick]).astype(np.int64),
        "day": np.concatenate([referrals["contact_day"], only_day, case_day]).astype(np.int32),
        "outcome": np.concatenate([np.full(size(referrals), code["REF"]), other_outcome]).astype(np.int32),
    }
    n = size(contacts)
    contacts["minutes"] = between(rng, 8 * 60, 18 * 60, n).astype(np.int16)
    decided = np.concatenate([referrals["date"], _decision_day(rng, s, wd, contacts["day"][size(referrals) :])])
    contacts["decided"] = decided.astype(np.int32)
    same_day = decided == contacts["day"]
    later = np.minimum(contacts["minutes"] + between(rng, 10, 300, n), 23 * 60 + 59)
    contacts["decided_minutes"] = np.where(same_day, later, between(rng, 8 * 60 + 30, 17 * 60 + 30, n)).astype(np.int16)
    sources, source_w = vocab.split(tuple((c, w) for c, _, w in vocab.SOURCES))
    contacts["source"] = choice(rng, sources, source_w, n)
    referrals["source"] = contacts["source"][: size(referrals)]

    people = {
        "dob": np.concatenate([children["dob"], only_dob]),
        "first_day": np.concatenate([children["first_contact"], first]),
        "had_referral": np.arange(n_case + n_only) < n_case,
    }
    return people, contacts


def _decision_day(rng: np.random.Generator, s: Scale, wd: WorkingDays, contact_day: np.ndarray) -> np.ndarray:
    shares = np.asarray(s.contact_decision_lag_shares) / sum(s.contact_decision_lag_shares)
    lag = choice(rng, (0, 1, 2), shares, len(contact_day))
    lag = np.where(lag == 2, between(rng, 2, 5, len(contact_day)), lag)
    return wd.add(contact_day, lag)


def _person_details(rng: np.random.Generator, s: Scale, people: Entity) -> None:
    n = size(people)
    people["b18"] = add_years(people["dob"], 18)
    people["sex"] = choice(rng, ("M", "F", "U"), (0.51, 0.485, 0.005), n)
    weights = rng.lognormal(0, 0.5, s.councils)
    people["council"] = choice(rng, range(s.councils), weights, n)
    # Forenames index GIRLS + BOYS.
    people["forename"] = np.where(
        people["sex"] == 1, choice(rng, vocab.GIRLS, None, n), len(vocab.GIRLS) + choice(rng, vocab.BOYS, None, n)
    ).astype(np.int32)
    people["surname"] = choice(rng, vocab.SURNAMES, None, n)
    people["ethnicity"] = choice(rng, *vocab.split(vocab.ETHNICITY), n)
    people["nationality"] = choice(rng, *vocab.split(vocab.NATIONALITY), n)
    people["send"] = choice(rng, *vocab.split(vocab.SEND), n)
    people["disabled"] = rng.random(n) < s.disabled_children_rate
    people["has_legacy_id"] = rng.random(n) < 0.3
    people["upn"] = rng.integers(10**11, 10**12, n)
    people["nhs"] = rng.integers(4 * 10**9, 10**10 - 1, n)
    people["is_mother"] = (people["sex"] == 1) & (rng.random(n) < 0.01)
    people["death"] = np.full(n, NULL_DAY, np.int32)


# --- Plans ------------------------------------------------------------------------------------------------------


def _plans_of_kind(referrals: Entity, phases: Entity, kind: int) -> Entity:
    rows = np.nonzero(phases["kind"] == kind)[0]
    referral = phases["referral"][rows]
    return {
        "referral": referral,
        "person": referrals["person"][referral],
        "start": phases["start"][rows],
        "end": phases["end"][rows],
        "phase": rows,
    }


def _cp_plans(
    rng: np.random.Generator, referrals: Entity, phases: Entity, icpc: Entity, reviews: Entity
) -> tuple[Entity, Entity]:
    plans = _plans_of_kind(referrals, phases, CP)
    n = size(plans)
    icpc_of_referral = _index_of(icpc["referral"][icpc["cp"]], size(referrals))
    icpc_rows = np.nonzero(icpc["cp"])[0]
    plans["icpc"] = icpc_rows[icpc_of_referral[plans["referral"]]]
    icpc["plan"] = np.full(size(icpc), -1, np.int64)
    icpc["plan"][plans["icpc"]] = np.arange(n)
    categories, weights = vocab.split(vocab.CP_CATEGORY)
    plans["category"] = choice(rng, categories, weights, n)
    changed = rng.random(n) < 0.1
    plans["latest_category"] = np.where(changed, choice(rng, categories, weights, n), plans["category"])
    plan_of_referral = _index_of(plans["referral"], size(referrals))
    reviews["plan"] = plan_of_referral[reviews["referral"]]
    reviews["person"] = plans["person"][reviews["plan"]]
    return plans, reviews


def _first_auth_of_referral(assessments: Entity, n_referrals: int) -> np.ndarray:
    auth = np.full(n_referrals, OPEN, np.int64)
    auth[assessments["referral"]] = assessments["auth"]
    return auth


def _all_assessments(
    rng: np.random.Generator, s: Scale, referrals: Entity, first: Entity, periods: Entity, again: Entity
) -> Entity:
    n_again = size(again)
    return {
        "referral": np.concatenate([first["referral"], periods["referral"][again["period"]]]),
        "person": np.concatenate([first["person"], periods["person"][again["period"]]]),
        "start": np.concatenate([first["start"], again["start"]]).astype(np.int32),
        "auth": np.concatenate([first["auth"], again["auth"]]).astype(np.int32),
        "outcome": np.concatenate([first["outcome"], np.full(n_again, journeys.OUT_CLA)]),
        "seen": rng.random(size(first) + n_again) < s.assessment_child_seen_rate,
        "reassessment": np.arange(size(first) + n_again) >= size(first),
        "team": np.concatenate([first["team"], again["team"]]),
        "worker": np.concatenate([first["worker"], again["worker"]]),
    }


# --- Allocations ------------------------------------------------------------------------------------------------


def _involvements(
    rng: np.random.Generator,
    s: Scale,
    workforce: Workforce,
    people: Entity,
    referrals: Entity,
    phases: Entity,
    periods: Entity,
    leavers: Entity,
) -> Entity:
    """Allocations: the assessment team from the referral, then the team of each plan phase, then (for care
    leavers) the leaving care team; each split where the worker changes."""
    n_ref = size(referrals)
    person = referrals["person"]
    b18 = people["b18"][person]
    close = referrals["close"]
    lag = np.where(referrals["nfa"], 0, between(rng, 0, s.allocation_close_lag_days, n_ref))
    # Allocations are often ended some weeks after the referral closes (but not past adulthood).
    alloc_end = np.where(close < b18, np.minimum(close + lag, b18), close).astype(np.int32)
    first_phase_start = np.where(referrals["kind1"] != NONE, referrals["start1"], alloc_end)
    front = {
        "referral": np.arange(n_ref),
        "kind": np.where(referrals["nfa"], KIND["front_door"], KIND["assessment"]),
        "start": referrals["date"],
        "end": first_phase_start,
        "phase_number": np.zeros(n_ref, np.int8),
    }
    ph_ref = phases["referral"]
    has_next = (phases["number"] == 1) & (referrals["kind2"][ph_ref] != NONE)
    team_kind = np.select(
        [phases["kind"] == CP, phases["kind"] == CLA, people["disabled"][person[ph_ref]]],
        [KIND["safeguarding"], KIND["cla"], KIND["disabled"]],
        default=KIND["cin"],
    )
    plan_phases = {
        "referral": ph_ref,
        "kind": team_kind,
        "start": phases["start"],
        "end": np.where(has_next, referrals["start2"][ph_ref], alloc_end[ph_ref]),
        "phase_number": phases["number"],
    }
    spans = concat([front, plan_phases])
    spans["person"] = person[spans["referral"]]
    leaver = leavers["left_care"]
    leaver_person = leavers["person"][leaver]
    support_to = np.where(rng.random(len(leaver_person)) < s.care_leaver_support_to_25_rate, 25, 21)
    leaving_care = {
        "referral": np.full(len(leaver_person), -1),
        "kind": np.full(len(leaver_person), KIND["leaving_care"]),
        "start": leavers["left_day"][leaver],
        "end": add_years(people["dob"][leaver_person], support_to),
        "phase_number": np.full(len(leaver_person), 3, np.int8),
        "person": leaver_person,
    }
    spans = concat([spans, leaving_care])
    spans = take(spans, np.nonzero(spans["end"] > spans["start"])[0])
    spans["team"] = workforce.team_for(rng, people["council"][spans["person"]], spans["kind"])

    span, piece, start, end = split_spans(rng, spans["start"], spans["end"], s.worker_changes_per_year, 30)
    out = take(spans, span)
    out["start"], out["end"], out["piece"] = start, end, piece
    out["worker"] = workforce.practitioner_in(rng, out["team"])
    # Index into ALLOCATION_REASONS; -1 for a case's first allocation.
    change = rng.integers(0, len(vocab.WORKER_CHANGE_REASONS), size(out))
    transfer = len(vocab.WORKER_CHANGE_REASONS)
    out["reason"] = np.where(piece > 0, change, np.where(out["phase_number"] > 0, transfer, -1)).astype(np.int8)
    return out


def _assign_workers(
    rng: np.random.Generator,
    workforce: Workforce,
    people: Entity,
    referrals: Entity,
    cases: dict[str, Entity],
    cin_plans: Entity,
    periods: Entity,
    involvements: Entity,
    again: Entity,
    leavers: Entity,
) -> None:
    """The team and worker on each record are those of the allocation that held the work."""
    first_piece = involvements["piece"] == 0
    key = involvements["referral"] * 4 + involvements["phase_number"]
    rows = np.nonzero(first_piece & (involvements["referral"] >= 0))[0]
    rows = rows[np.argsort(key[rows])]
    sorted_keys = key[rows]

    def allocation(referral: np.ndarray, phase_number: np.ndarray) -> np.ndarray:
        """The first allocation of a referral's phase (0 = front door/assessment), -1 if none."""
        wanted = referral * 4 + phase_number
        pos = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
        return np.where(sorted_keys[pos] == wanted, rows[pos], -1)

    n_ref = size(referrals)
    # The allocation that took the referral; a child taken straight into care has only the care team's.
    front = allocation(np.arange(n_ref), np.zeros(n_ref, np.int64))
    front = np.where(front >= 0, front, allocation(np.arange(n_ref), np.ones(n_ref, np.int64)))
    referrals["team"] = np.where(front >= 0, involvements["team"][front], -1)
    referrals["worker"] = np.where(front >= 0, involvements["worker"][front], -1)
    for name in ("assessments", "s47"):
        e = cases[name]
        e["team"] = referrals["team"][e["referral"]]
        e["worker"] = referrals["worker"][e["referral"]]
    # Conferences are chaired for the safeguarding team that will hold the plan.
    icpc = cases["icpc"]
    cp_alloc = allocation(icpc["referral"], np.ones(size(icpc), np.int64))
    icpc["team"] = np.where(
        icpc["cp"] & (cp_alloc >= 0), involvements["team"][cp_alloc], referrals["team"][icpc["referral"]]
    )
    icpc["worker"] = np.where(
        icpc["cp"] & (cp_alloc >= 0), involvements["worker"][cp_alloc], referrals["worker"][icpc["referral"]]
    )
    for plans in (cin_plans, periods):
        numbers = cases["phases"]["number"][plans["phase"]].astype(np.int64)
        alloc = allocation(plans["referral"], numbers)
        plans["team"] = np.where(alloc >= 0, involvements["team"][alloc], -1)
        plans["worker"] = np.where(alloc >= 0, involvements["worker"][alloc], -1)
    again["team"] = periods["team"][again["period"]]
    again["worker"] = periods["worker"][again["period"]]
    # Personal advisers: the leaving care allocation, or any leaving care worker for those still in care.
    lc = involvements["kind"] == KIND["leaving_care"]
    lc_rows = np.nonzero(lc & first_piece)[0]
    adviser_of = np.full(size(people), -1, np.int64)
    adviser_of[involvements["person"][lc_rows]] = lc_rows
    row = adviser_of[leavers["person"]]
    fallback_team = workforce.team_for(rng, people["council"][leavers["person"]], KIND["leaving_care"])
    leavers["team"] = np.where(row >= 0, involvements["team"][row], fallback_team)
    leavers["worker"] = np.where(row >= 0, involvements["worker"][row], workforce.practitioner_in(rng, fallback_team))


# --- Cutting the history to what the export shows ---------------------------------------------------------------

# (entity, start column, end column or None for one-day events)
SPANS = (
    ("contacts", "day", None),
    ("referrals", "date", "close"),
    ("assessments", "start", "auth"),
    ("s47", "start", "end"),
    ("icpc", "date", None),
    ("cp_plans", "start", "end"),
    ("cp_reviews", "date", None),
    ("cin_plans", "start", "end"),
    ("cla_periods", "start", "end"),
    ("cla_episodes", "start", "end"),
    ("placements", "start", "end"),
    ("involvements", "start", "end"),
)

# Which entity each reference column points to (used to renumber after rows are dropped and sorted).
REFERENCES = {
    "contacts": {"person": "people"},
    "referrals": {"person": "people"},
    "assessments": {"person": "people", "referral": "referrals"},
    "s47": {"person": "people", "referral": "referrals"},
    "icpc": {"person": "people", "referral": "referrals", "s47": "s47", "plan": "cp_plans"},
    "cp_plans": {"person": "people", "referral": "referrals", "icpc": "icpc"},
    "cp_reviews": {"person": "people", "plan": "cp_plans"},
    "cin_plans": {"person": "people", "referral": "referrals"},
    "cla_periods": {"person": "people", "referral": "referrals"},
    "cla_episodes": {"person": "people", "period": "cla_periods", "placement": "placements"},
    "placements": {"person": "people", "period": "cla_periods"},
    "involvements": {"person": "people", "referral": "referrals"},
    "care_leavers": {"person": "people", "period": "cla_periods"},
}


def _cut_at_as_of(w: World) -> None:
    """Nothing after as-of exists yet: later starts are dropped, later ends become blank (still open)."""
    w.contacts["decided"] = np.where(w.contacts["decided"] > w.as_of, NULL_DAY, w.contacts["decided"])
    w.referrals["alloc_end"] = _allocation_end_of_referral(w)
    keep = {}
    for name, start, end in SPANS:
        e = getattr(w, name)
        keep[name] = e[start] <= w.as_of
        if end is not None:
            e[end] = np.where(e[end] > w.as_of, NULL_DAY, e[end]).astype(np.int32)
    _renumber(w, keep, sort_by={})


def _allocation_end_of_referral(w: World) -> np.ndarray:
    last = np.full(size(w.referrals), 0, np.int64)
    inv = w.involvements
    has = inv["referral"] >= 0
    end = np.where(inv["end"] > w.as_of, OPEN, inv["end"]).astype(np.int64)
    np.maximum.at(last, inv["referral"][has], end[has])
    return last


def _deaths(rng: np.random.Generator, w: World) -> None:
    """A few children die after their last record (clean data never has an event after death)."""
    n = size(w.people)
    last = np.full(n, 0, np.int64)

    def note(person: np.ndarray, when: np.ndarray) -> None:
        np.maximum.at(last, person, np.where(when == NULL_DAY, OPEN, when).astype(np.int64))

    note(w.contacts["person"], w.contacts["day"])
    note(w.contacts["person"], w.contacts["decided"])
    note(w.referrals["person"], w.referrals["close"])
    note(w.referrals["person"], w.referrals["date"])
    note(w.involvements["person"], w.involvements["end"])
    note(w.care_leavers["person"], np.full(size(w.care_leavers), NULL_DAY, np.int32))
    candidate = (last >= w.cutoff + 1) & (last <= w.as_of - 30)
    dies = candidate & (rng.random(n) < w.scale.death_rate)
    # Make sure some who die had CIN visits in the export, so visits after death can be injected as faults.
    cin = w.cin_plans
    long_visited = (
        (cin["end"] != NULL_DAY)
        & (cin["end"] >= w.cutoff + 60)
        & (cin["end"] - np.maximum(cin["start"], w.cutoff) >= 45)
    )
    visited = np.unique(cin["person"][long_visited])
    visited = visited[candidate[visited]]
    extra = rng.permutation(visited)[: w.scale.min_deaths_after_cin_visits]
    dies[extra] = True
    who = np.nonzero(dies)[0]
    room = np.minimum(365, w.as_of - last[who] - 1)
    w.people["death"][who] = (last[who] + 1 + (rng.random(len(who)) * room).astype(np.int64)).astype(np.int32)


def _keep_six_years(w: World) -> None:
    """Drop records that ended before as-of minus six years; keep what was open then, and what it needs."""
    c = w.cutoff

    def recent(e: Entity, end: str) -> np.ndarray:
        return (e[end] == NULL_DAY) | (e[end] >= c)

    keep = {
        "contacts": w.contacts["day"] >= c,
        "assessments": recent(w.assessments, "auth"),
        "cp_plans": recent(w.cp_plans, "end"),
        "cp_reviews": w.cp_reviews["date"] >= c,
        "cin_plans": recent(w.cin_plans, "end"),
        "cla_periods": recent(w.cla_periods, "end"),
        "involvements": recent(w.involvements, "end"),
        "care_leavers": np.ones(size(w.care_leavers), bool),
    }
    # A referral stays while its allocation does; a period of care is exported whole so its start is known.
    keep["referrals"] = (w.referrals["close"] == NULL_DAY) | (w.referrals["alloc_end"] >= c)
    keep["cla_episodes"] = keep["cla_periods"][w.cla_episodes["period"]]
    keep["placements"] = keep["cla_periods"][w.placements["period"]]
    # A plan's initial conference, and the enquiry behind it, go with the plan.
    keep["icpc"] = w.icpc["date"] >= c
    with_plan = w.icpc["plan"] >= 0
    keep["icpc"][with_plan] |= keep["cp_plans"][w.icpc["plan"][with_plan]]
    keep["s47"] = recent(w.s47, "end")
    keep["s47"][w.icpc["s47"][keep["icpc"]]] = True
    used = np.zeros(size(w.people), bool)
    for name, k in keep.items():
        used[getattr(w, name)["person"][k]] = True
    keep["people"] = used
    sort_by = {name: start for name, start, _ in SPANS} | {"people": "first_day", "care_leavers": "person"}
    _renumber(w, keep, sort_by)


def _renumber(w: World, keep: dict[str, np.ndarray], sort_by: dict[str, str]) -> None:
    """Keep rows, optionally sort them (ids then follow dates), and point every reference at the new rows."""
    new_index = {}
    for name, k in keep.items():
        e = getattr(w, name)
        rows = np.nonzero(k)[0]
        if name in sort_by:
            rows = rows[np.argsort(e[sort_by[name]][rows], kind="stable")]
        mapping = np.full(size(e) + 1, -1, np.int64)  # the extra slot maps -1 (no reference) to -1
        mapping[rows] = np.arange(len(rows))
        new_index[name] = mapping
        setattr(w, name, take(e, rows))
    for name, refs in REFERENCES.items():
        e = getattr(w, name)
        for column, target in refs.items():
            if target in new_index and column in e:
                e[column] = new_index[target][e[column]]
