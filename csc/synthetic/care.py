"""Children looked after: episodes and placements inside each period of care, annual re-assessments, and the
care leavers who come out of care aged 16 or over."""

from __future__ import annotations

import numpy as np

from . import vocab
from .calendar import NULL_DAY, WorkingDays, add_years, whole_years_between
from .entities import Entity, between, choice, concat, repeat_ranges
from .scales import Scale

DAYS_PER_YEAR = 365.25


def split_spans(
    rng: np.random.Generator, start: np.ndarray, end: np.ndarray, per_year: float, min_days: int = 7
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut each span [start, end) at random days (a Poisson number per year).

    Returns for every piece: its span's index, its rank in the span, its start and its end.
    """
    length = (end - start).astype(np.int64)
    cuts = rng.poisson(per_year * np.maximum(length, 0) / DAYS_PER_YEAR)
    cuts = np.where(length > 2 * min_days, cuts, 0)
    parent, _ = repeat_ranges(cuts)
    cut_day = start[parent] + min_days + (rng.random(len(parent)) * (length[parent] - 2 * min_days)).astype(np.int64)
    # Pieces start at the span start or at a cut; sorting by (span, day) puts them in order.
    piece_span = np.concatenate([np.arange(len(start)), parent])
    piece_start = np.concatenate([start.astype(np.int64), cut_day])
    order = np.lexsort((piece_start, piece_span))
    piece_span, piece_start = piece_span[order], piece_start[order]
    # Two cuts on the same day would make an empty piece: keep the first of each (span, day).
    distinct = np.ones(len(piece_span), bool)
    distinct[1:] = (piece_span[1:] != piece_span[:-1]) | (piece_start[1:] != piece_start[:-1])
    piece_span, piece_start = piece_span[distinct], piece_start[distinct]
    last_of_span = np.ones(len(piece_span), bool)
    last_of_span[:-1] = piece_span[1:] != piece_span[:-1]
    piece_end = np.where(last_of_span, end[piece_span], np.roll(piece_start, -1))
    counts = np.bincount(piece_span, minlength=len(start))
    _, rank = repeat_ranges(counts)
    return piece_span, rank, piece_start.astype(np.int32), piece_end.astype(np.int32)


def episodes_and_placements(rng: np.random.Generator, s: Scale, periods: Entity) -> tuple[Entity, Entity]:
    """SSDA903 episodes: a new episode at each placement move or change of legal status, all in one period."""
    moves = s.cla_placement_moves_per_year + s.cla_legal_status_changes_per_year
    period, rank, start, end = split_spans(rng, periods["start"], periods["end"], moves, min_days=14)
    n = len(period)
    u = rng.random(n)
    legal_share = s.cla_legal_status_changes_per_year / moves
    start_reason = np.where(rank == 0, "S", np.where(u < legal_share * 0.7, "L", np.where(u < legal_share, "B", "P")))
    new_placement = start_reason != "L"
    placement = (np.cumsum(new_placement) - 1).astype(np.int64)
    last_of_period = np.ones(n, bool)
    last_of_period[:-1] = period[1:] != period[:-1]
    ceased_reason = np.where(last_of_period, periods["reason"][period], vocab.CEASED_INTERMEDIATE)
    needs, need_w = vocab.split(vocab.CLA_NEED)
    episodes = {
        "period": period,
        "person": periods["person"][period],
        "start": start,
        "end": end,
        "start_reason": start_reason,
        "ceased_reason": ceased_reason,
        "placement": placement,
        "need": choice(rng, needs, need_w, len(periods["start"]))[period],
    }
    n_placements = int(placement[-1]) + 1 if n else 0
    first = np.nonzero(new_placement)[0]
    last = np.append(first[1:] - 1, n - 1) if n else first
    types, type_w = vocab.split(vocab.PLACEMENT_TYPES)
    providers, provider_w = vocab.split(vocab.PLACEMENT_PROVIDERS)
    change, change_w = vocab.split(vocab.PLACEMENT_CHANGE_REASONS)
    placements = {
        "period": period[first],
        "person": episodes["person"][first],
        "start": start[first],
        "end": end[last],
        "type": choice(rng, types, type_w, n_placements),
        "provider": choice(rng, providers, provider_w, n_placements),
        "distance": np.round(rng.gamma(1.5, 6.0, n_placements), 1),
        "urn": rng.integers(100_000, 999_999, n_placements),
        "postcode": rng.integers(0, 10**6, n_placements),
        # The last placement of a period ends with the period (no change reason).
        "change_reason": np.where(last_of_period[last], -1, choice(rng, change, change_w, n_placements)),
    }
    return episodes, placements


def reassessments(rng: np.random.Generator, s: Scale, wd: WorkingDays, periods: Entity, anchor: np.ndarray) -> Entity:
    """Children in care are re-assessed about yearly, counting from their last assessment (``anchor``)."""
    lo, hi = s.cla_reassessment_gap_days
    live = rng.random(len(anchor)) >= s.cla_no_reassessment_rate
    last_auth = anchor.astype(np.int64)
    parts = []
    while live.any():
        idx = np.nonzero(live)[0]
        m = len(idx)
        auth = last_auth[idx] + between(rng, lo, hi, m)
        start = wd.add(auth.astype(np.int32), -between(rng, 10, 35, m))
        inside = (start > periods["start"][idx]) & (auth < periods["end"][idx])
        parts.append({"period": idx[inside], "start": start[inside], "auth": auth[inside].astype(np.int32)})
        last_auth[idx] = auth
        live[idx] = auth < periods["end"][idx]
    return (
        concat(parts)
        if parts
        else {"period": np.zeros(0, np.int64), "start": np.zeros(0, np.int32), "auth": np.zeros(0, np.int32)}
    )


def care_leavers(rng: np.random.Generator, s: Scale, periods: Entity, dob: np.ndarray, as_of: int) -> Entity:
    """Young people aged 16-25 at as-of who were in care at least 13 weeks and were 16 or over when it ended.

    Those still in care at 16-17 get an "Eligible" row too (the care leaver cohort excludes children in care).
    """
    person = periods["person"]
    start, end = periods["start"], periods["end"]
    in_care_at_end = (end - start) >= 91
    age_at_end = (end - dob[person]) / DAYS_PER_YEAR
    age_now = whole_years_between(dob[person], as_of)
    left = (end <= as_of) & (age_at_end >= 16) & in_care_at_end
    still_in = (start <= as_of) & (end > as_of) & ((as_of - start) >= 91) & (age_now >= 16)
    candidate = (left | still_in) & (age_now >= 16) & (age_now <= 25)
    # One row per young person: their latest period of care.
    idx = np.nonzero(candidate)[0]
    idx = idx[np.lexsort((start[idx], person[idx]))]
    last_of_person = np.ones(len(idx), bool)
    last_of_person[:-1] = person[idx][1:] != person[idx][:-1]
    idx = idx[last_of_person]
    n = len(idx)
    leaver_person = person[idx]
    left_care = left[idx]
    eligibility = np.where(~left_care, 0, np.where(age_now[idx] < 18, 1, 2))
    since = np.where(left_care, end[idx], as_of - 180)

    in_touch = rng.random(n) < s.care_leaver_in_touch_rate
    recent = rng.random(n) < s.care_leaver_recent_contact_rate
    contact_ago = np.where(recent, between(rng, 0, 120, n), between(rng, 366, 600, n))
    latest_contact = np.maximum(as_of - contact_ago, since).astype(np.int32)
    not_in_touch, nit_w = vocab.split(vocab.CARE_LEAVER_NOT_IN_TOUCH)
    in_touch_code = np.where(in_touch, 0, 1 + choice(rng, not_in_touch, nit_w, n))

    eet, eet_w = vocab.split(vocab.CARE_LEAVER_EET)
    neet, neet_w = vocab.split(vocab.CARE_LEAVER_NEET)
    is_eet = rng.random(n) < s.care_leaver_eet_rate
    activity = np.where(is_eet, choice(rng, eet, eet_w, n), len(eet) + choice(rng, neet, neet_w, n))
    good, good_w = vocab.split(vocab.CARE_LEAVER_SUITABLE)
    bad, bad_w = vocab.split(vocab.CARE_LEAVER_UNSUITABLE)
    suitable = rng.random(n) < s.care_leaver_suitable_accommodation_rate
    accommodation = np.where(suitable, choice(rng, good, good_w, n), len(good) + choice(rng, bad, bad_w, n))
    pathway_review = np.maximum(as_of - between(rng, 0, 180, n), add_years(dob[leaver_person], 16)).astype(np.int32)
    return {
        "person": leaver_person,
        "period": idx,
        "left_care": left_care,
        "left_day": np.where(left_care, end[idx], NULL_DAY).astype(np.int32),
        "eligibility": eligibility,
        "in_touch": in_touch_code,
        "latest_contact": latest_contact,
        "activity": activity,
        "accommodation": accommodation,
        "suitable": suitable,
        "pathway_review": pathway_review,
    }


IN_TOUCH_VALUES = ("YES", *vocab.split(vocab.CARE_LEAVER_NOT_IN_TOUCH)[0])
ACTIVITY_VALUES = (*vocab.split(vocab.CARE_LEAVER_EET)[0], *vocab.split(vocab.CARE_LEAVER_NEET)[0])
ACCOMMODATION_VALUES = (*vocab.split(vocab.CARE_LEAVER_SUITABLE)[0], *vocab.split(vocab.CARE_LEAVER_UNSUITABLE)[0])
