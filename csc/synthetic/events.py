"""Recurring events inside plans and allocations: visits, reviews and management oversight.

Sequences are drawn round by round for all plans at once (round k draws everyone's k-th gap), so the cost is
one numpy operation per round, never a loop per child. Events stay strictly inside their plan (on or after the
start, before the end) and on or before as-of; only the last six years are kept.
"""

from __future__ import annotations

import numpy as np

from . import vocab
from .calendar import NULL_DAY, WorkingDays, add_months
from .entities import Entity, between, choice, concat, size
from .journeys import NONE
from .scales import Cadence, Scale
from .world import OPEN, World


def _stop(end: np.ndarray, as_of: int) -> np.ndarray:
    """First day a span's events can no longer happen: its end, or the day after as-of if still open."""
    return np.where(end == NULL_DAY, as_of + 1, np.minimum(end, as_of + 1)).astype(np.int64)


def recurring(
    rng: np.random.Generator, start: np.ndarray, end: np.ndarray, cadence: Cadence, as_of: int, cutoff: int
) -> Entity:
    """Days of events from each span's start (gaps from ``cadence``) until its end; rows ordered by day."""
    stop = _stop(end, as_of)
    parent = np.nonzero((stop > cutoff) & (stop > start))[0]
    day = start[parent].astype(np.int64) + between(rng, *cadence.first_days, len(parent))
    parts = []
    while len(parent):
        live = day < stop[parent]
        parent, day = parent[live], day[live]
        parts.append({"parent": parent, "day": day.astype(np.int32)})
        m = len(parent)
        late = rng.random(m) < cadence.late_rate
        day = day + np.where(late, between(rng, *cadence.late_gap_days, m), between(rng, *cadence.gap_days, m))
    events: Entity = concat(parts) if parts else {"parent": np.zeros(0, np.int64), "day": np.zeros(0, np.int32)}
    keep = np.nonzero(events["day"] >= cutoff)[0]
    keep = keep[np.lexsort((events["parent"][keep], events["day"][keep]))]
    return {k: v[keep] for k, v in events.items()}


def visits(rng: np.random.Generator, s: Scale, spans: Entity, cadence: Cadence, w: World) -> Entity:
    v = recurring(rng, spans["start"], spans["end"], cadence, w.as_of, w.cutoff)
    n = size(v)
    v["person"] = spans["person"][v["parent"]]
    v["seen"] = rng.random(n) < s.visit_seen_rate
    v["seen_alone"] = v["seen"] & (rng.random(n) < 0.6)
    v["bedroom"] = v["seen"] & (rng.random(n) < 0.5)
    # Visits happen in the working day or early evening, on the quarter hour.
    v["minutes"] = (between(rng, 9 * 4, 19 * 4, n) * 15).astype(np.int16)
    return v


def assessment_spans(w: World) -> Entity:
    """From an initial assessment's start until it is authorised or the plan that follows starts."""
    a, r = w.assessments, w.referrals
    first = np.nonzero(~a["reassessment"])[0]
    referral = a["referral"][first]
    plan_start = np.where(r["kind1"][referral] != NONE, r["start1"][referral], OPEN).astype(np.int64)
    auth = np.where(a["auth"][first] == NULL_DAY, OPEN, a["auth"][first]).astype(np.int64)
    end = np.minimum(plan_start, auth)
    return {
        "start": a["start"][first],
        "end": np.where(end > w.as_of, NULL_DAY, end).astype(np.int32),
        "person": a["person"][first],
    }


def cin_visits(rng: np.random.Generator, s: Scale, w: World) -> Entity:
    """Visits to children in need: on CIN plans, and while they are being assessed (the child is seen)."""
    on_plan = visits(rng, s, w.cin_plans, s.cin_visits, w)
    assessed = visits(rng, s, assessment_spans(w), s.assessment_visits, w)
    assessed["parent"] = np.full(size(assessed), -1, np.int64)
    both = concat([on_plan, assessed])
    order = np.lexsort((both["person"], both["day"]))
    return {k: v[order] for k, v in both.items()}


def cla_reviews(rng: np.random.Generator, s: Scale, wd: WorkingDays, w: World) -> Entity:
    """Reviews of each period of care: first within 20 working days, then 3 months, then every 6 months.

    A few reviews were first arranged and cancelled (a row with the cancelled flag, before the held one).
    """
    periods = w.cla_periods
    stop = _stop(periods["end"], w.as_of)
    parent = np.nonzero(stop > w.cutoff)[0]
    due = wd.add(periods["start"][parent], 20).astype(np.int64)
    previous = periods["start"][parent].astype(np.int64)
    number = 0
    parts = []
    while len(parent):
        m = len(parent)
        late = rng.random(m) < s.cla_review_late_rate
        held = np.where(late, due + between(rng, 1, 20, m), due - between(rng, 0, s.cla_review_early_days, m))
        held = np.maximum(held, previous + 1)
        live = held < stop[parent]
        parent, due, held = parent[live], due[live], held[live]
        parts.append({"parent": parent, "due": due.astype(np.int32), "day": held.astype(np.int32)})
        number += 1
        previous = held
        due = add_months(held, 3 if number == 1 else 6).astype(np.int64)
    reviews = concat(parts)
    n = size(reviews)
    cancelled_first = rng.random(n) < s.cla_review_cancelled_rate
    cancelled_day = reviews["day"] - between(rng, 3, 14, n)
    start = periods["start"][reviews["parent"]]
    cancelled_first &= cancelled_day > start
    cancelled = {
        "parent": reviews["parent"][cancelled_first],
        "due": reviews["due"][cancelled_first],
        "day": cancelled_day[cancelled_first].astype(np.int32),
    }
    reviews["cancelled"] = np.zeros(n, bool)
    cancelled["cancelled"] = np.ones(len(cancelled["day"]), bool)
    out = concat([reviews, cancelled])
    keep = np.nonzero(out["day"] >= w.cutoff)[0]
    keep = keep[np.lexsort((out["parent"][keep], out["day"][keep]))]
    out = {k: v[keep] for k, v in out.items()}
    out["person"] = periods["person"][out["parent"]]
    values, weights = vocab.split(vocab.REVIEW_PARTICIPATION)
    out["participation"] = choice(rng, values, weights, size(out))
    return out


def cin_plan_reviews(rng: np.random.Generator, s: Scale, w: World) -> Entity:
    plans = w.cin_plans
    r = recurring(rng, plans["start"], plans["end"], s.cin_plan_reviews, w.as_of, w.cutoff)
    r["person"] = plans["person"][r["parent"]]
    return r


def oversight(rng: np.random.Generator, s: Scale, w: World) -> Entity:
    inv = w.involvements
    o = recurring(rng, inv["start"], inv["end"], s.oversight, w.as_of, w.cutoff)
    o["person"] = inv["person"][o["parent"]]
    o["worker"] = w.workforce.manager_of(rng, inv["team"][o["parent"]])
    o["minutes"] = between(rng, 8 * 60 + 30, 17 * 60 + 30, size(o)).astype(np.int16)
    return o
