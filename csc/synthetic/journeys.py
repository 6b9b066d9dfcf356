"""How cases flow: contact -> referral -> assessment -> (s47 -> ICPC -> CP plan) / CIN plan / care.

Everything is simulated for all referrals of a round at once (numpy arrays, no loop per child). A child's next
referral starts only after the previous one closed, so a child's plans and periods of care never overlap, and
every plan lies inside its referral. Dates may run past the as-of date here; ``world`` cuts them off later.
"""

from __future__ import annotations

import numpy as np

from . import vocab
from .calendar import WorkingDays, add_months, add_years
from .entities import Entity, between, choice, concat
from .scales import Scale

# Kinds of plan phase that follow an assessment (also the allocation's team kind).
NONE, CP, CIN, CLA = 0, 1, 2, 3
# Assessment outcomes (what the assessment recommended).
OUT_NFA, OUT_CIN, OUT_S47, OUT_CLA = 0, 1, 2, 3

DAYS_PER_YEAR = 365.25


def age_days_at_referral(rng: np.random.Generator, n: int) -> np.ndarray:
    """Children's age at their first referral: babies and teenagers are over-represented."""
    bands = ((0.0, 1.0, 0.13), (1.0, 5.0, 0.20), (5.0, 10.0, 0.24), (10.0, 16.0, 0.33), (16.0, 17.4, 0.10))
    band = choice(rng, bands, [b[2] for b in bands], n)
    lo = np.array([b[0] for b in bands])[band]
    hi = np.array([b[1] for b in bands])[band]
    return ((lo + rng.random(n) * (hi - lo)) * DAYS_PER_YEAR).astype(np.int32)


def cp_plan_course(rng: np.random.Generator, s: Scale, start: np.ndarray) -> tuple[np.ndarray, Entity]:
    """Plan ends and review conferences: first due 3 months after the start, then 6 months after each review.

    Most plans end at a review (the conference decides the plan is no longer needed), so a plan's length
    follows from how many reviews it had.
    """
    n = len(start)
    p = np.asarray(s.cp_plan_reviews_before_end)
    reviews_before_end = rng.choice(len(p), p=p / p.sum(), size=n)
    end = start + between(rng, 14, 80, n)  # plans that end before their first review
    due = add_months(start, 3)
    previous = start.copy()
    parts = []
    for k in range(1, len(p)):
        live = np.nonzero(reviews_before_end >= k)[0]
        m = len(live)
        late = rng.random(m) < s.cp_review_late_rate
        held = np.where(late, due[live] + between(rng, 1, 21, m), due[live] - between(rng, 0, 14, m))
        held = np.maximum(held, previous[live] + 1).astype(np.int32)
        last = reviews_before_end[live] == k
        parts.append({"plan": live, "due": due[live].copy(), "date": held, "continue_cp": ~last})
        end[live[last]] = held[last]
        previous[live] = held
        due[live] = add_months(held, 6)
    return end, concat(parts)


def cla_course(
    rng: np.random.Generator, s: Scale, start: np.ndarray, dob: np.ndarray, b18: np.ndarray, forced: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """End of a period of care and why it ended (SSDA903 REC code)."""
    n = len(start)
    age = (start - dob) / DAYS_PER_YEAR
    until_adult = forced | ((age >= s.cla_teen_age) & (rng.random(n) < s.cla_teen_until_18_rate))
    stay = rng.lognormal(np.log(s.cla_median_days), s.cla_sigma, n).astype(np.int64) + 7
    end = np.where(until_adult, b18, start + stay)
    # Some young people move to independent living at 16 or 17 rather than on their 18th birthday.
    leave_early = until_adult & (rng.random(n) < 0.2)
    early_day = add_years(dob, 16) + (rng.random(n) * 1.9 * DAYS_PER_YEAR).astype(np.int32)
    end = np.where(leave_early & (early_day > start + 91), early_day, end)
    end = np.minimum(end, b18).astype(np.int32)

    young, young_w = vocab.split(vocab.CEASED_YOUNG)
    adult, adult_w = vocab.split(vocab.CEASED_ADULT)
    reasons = np.array(young + adult)
    reason = np.where(
        (end - dob) / DAYS_PER_YEAR >= 16,
        len(young) + choice(rng, adult, adult_w, n),
        choice(rng, young, young_w, n),
    )
    # Adoption is for young children; older children go home instead.
    adopted = np.isin(reasons[reason], vocab.LEGAL_STATUS_NEEDS_ADOPTION)
    reason = np.where(adopted & (age >= 6), young.index("E4A"), reason)
    return end, reasons[reason]


def referral_round(
    rng: np.random.Generator,
    s: Scale,
    wd: WorkingDays,
    person: np.ndarray,
    contact_day: np.ndarray,
    dob: np.ndarray,
    b18: np.ndarray,
    forced_care: np.ndarray,
) -> dict[str, Entity]:
    """One referral per row (a child's first, second, ... referral) and everything that follows from it."""
    n = len(person)
    shares = np.asarray(s.contact_decision_lag_shares)
    lag = np.select(
        [rng.random(n) < shares[0] / shares.sum(), rng.random(n) < shares[1] / shares[1:].sum()],
        [0, 1],
        default=between(rng, 2, 5, n),
    )
    referral_day = wd.add(contact_day, lag)
    referral_nfa = (rng.random(n) < s.referral_nfa_rate) & ~forced_care

    # Assessment: started within 2 working days, authorised within 45 working days of the referral (mostly).
    # Assessments that end in no further action are quicker than those that lead to a plan.
    u = rng.random(n)
    cuts = np.cumsum([s.assessment_to_cin_plan, s.assessment_to_s47, s.assessment_to_care])
    outcome = np.select([u < cuts[0], u < cuts[1], u < cuts[2]], [OUT_CIN, OUT_S47, OUT_CLA], default=OUT_NFA)
    outcome = np.where(forced_care, OUT_CLA, outcome)
    outcome = np.where(referral_nfa, OUT_NFA, outcome)
    start_lag = between(rng, 0, 2, n)
    assess_start = wd.add(referral_day, start_lag)
    late = rng.random(n) < s.assessment_late_rate
    quick_lo, quick_mode, quick_hi = s.assessment_nfa_wd
    lo, mode, hi = s.assessment_wd
    on_time = np.where(
        outcome == OUT_NFA,
        rng.triangular(quick_lo, quick_mode, quick_hi + 1, n),
        rng.triangular(lo, mode, hi + 1, n),
    ).astype(np.int32)
    total_wd = np.where(late, between(rng, *s.assessment_late_wd, n), on_time)
    auth = wd.add(referral_day, np.maximum(total_wd, start_lag + 1))

    # Section 47 enquiries start during the assessment; some lead to an initial conference, most of those to a plan.
    s47 = (outcome == OUT_S47) & ~referral_nfa
    s47_start = assess_start + between(rng, 0, 5, n)
    s47_end = wd.add(s47_start, between(rng, 2, 15, n))
    icpc = s47 & (rng.random(n) < s.s47_to_icpc)
    icpc_target = wd.add(s47_start, 15)
    icpc_day = wd.add(s47_start, np.where(rng.random(n) < 0.85, between(rng, 5, 15, n), between(rng, 16, 30, n)))
    s47_end = np.where(icpc, np.minimum(s47_end, icpc_day), s47_end)
    cp = icpc & (rng.random(n) < s.icpc_to_cp_plan)
    s47_to_cin = s47 & ~cp & (rng.random(n) < s.s47_without_plan_to_cin_plan)
    last_front_door = np.maximum(auth, np.where(s47, np.maximum(s47_end, np.where(icpc, icpc_day, 0)), 0))

    # First plan phase.
    kind1 = np.select([cp, (outcome == OUT_CIN) | s47_to_cin, outcome == OUT_CLA], [CP, CIN, CLA], default=NONE)
    start1 = np.select(
        [kind1 == CP, kind1 == CIN, kind1 == CLA],
        [icpc_day, last_front_door + between(rng, 0, 10, n), np.maximum(assess_start, auth - between(rng, 0, 20, n))],
        default=0,
    ).astype(np.int32)
    kind1 = np.where(start1 >= b18 - 30, NONE, kind1)
    end1, cp_reviews, cla_reason1 = _phase_ends(rng, s, kind1, start1, dob, b18, forced_care)

    # Second phase after a CP plan: step down to a CIN plan, or into care.
    u = rng.random(n)
    kind2 = np.where(
        kind1 == CP,
        np.select([u < s.cp_plan_to_cin_plan, u < s.cp_plan_to_cin_plan + s.cp_plan_to_care], [CIN, CLA], NONE),
        NONE,
    )
    start2 = end1.copy()
    kind2 = np.where(start2 >= b18 - 30, NONE, kind2)
    end2, _, cla_reason2 = _phase_ends(rng, s, kind2, start2, dob, b18, np.zeros(n, bool))

    last = np.select([kind2 != NONE, kind1 != NONE], [end2, end1], default=last_front_door)
    close = np.where(
        referral_nfa, referral_day + between(rng, 0, 5, n), last + between(rng, 0, s.referral_close_lag_days, n)
    )
    close = np.minimum(close, b18).astype(np.int32)

    referrals = {
        "person": person,
        "contact_day": contact_day,
        "date": referral_day,
        "nfa": referral_nfa,
        "outcome": outcome,
        "close": close,
        "close_reason": _close_reasons(rng, outcome, kind1, kind2, cla_reason1, cla_reason2, close, b18),
        "kind1": kind1,
        "start1": start1,
        "kind2": kind2,
        "start2": start2,
        "end1": end1,
        "end2": end2,
    }
    assessed = ~referral_nfa
    assessments = {
        "referral": np.nonzero(assessed)[0],
        "start": assess_start[assessed],
        "auth": auth[assessed],
        "outcome": outcome[assessed],
    }
    enquiries = {
        "referral": np.nonzero(s47)[0],
        "start": s47_start[s47],
        "end": s47_end[s47],
        "icpc": icpc[s47],
        "to_cin": s47_to_cin[s47],
    }
    conferences = {
        "referral": np.nonzero(icpc)[0],
        "target": icpc_target[icpc],
        "date": icpc_day[icpc],
        "cp": cp[icpc],
        "to_cin": s47_to_cin[icpc],
    }
    phases = []
    for kind, start, end, reason, number in (
        (kind1, start1, end1, cla_reason1, 1),
        (kind2, start2, end2, cla_reason2, 2),
    ):
        has = kind != NONE
        phases.append(
            {
                "referral": np.nonzero(has)[0],
                "kind": kind[has],
                "number": np.full(int(has.sum()), number, np.int8),
                "start": start[has],
                "end": end[has],
                "cla_reason": reason[has],
            }
        )
    # CP reviews belong to phase 1 plans; keep the referral so they can be attached to the plan later.
    cp_reviews["referral"] = cp_reviews.pop("plan")
    return {
        "referrals": referrals,
        "assessments": assessments,
        "s47": enquiries,
        "icpc": conferences,
        "phases": concat(phases),
        "cp_reviews": cp_reviews,
    }


def _phase_ends(
    rng: np.random.Generator,
    s: Scale,
    kind: np.ndarray,
    start: np.ndarray,
    dob: np.ndarray,
    b18: np.ndarray,
    forced_care: np.ndarray,
) -> tuple[np.ndarray, Entity, np.ndarray]:
    """End of each phase by kind (capped at the 18th birthday), CP reviews, and why periods of care ended."""
    n = len(kind)
    end = np.zeros(n, np.int32)
    cla_reason = np.full(n, "", dtype=object)

    cp = np.nonzero(kind == CP)[0]
    cp_end, reviews = cp_plan_course(rng, s, start[cp])
    end[cp] = cp_end
    reviews["plan"] = cp[reviews["plan"]]

    cin = np.nonzero(kind == CIN)[0]
    end[cin] = (
        start[cin] + rng.lognormal(np.log(s.cin_plan_median_days), s.cin_plan_sigma, len(cin)).astype(np.int32) + 14
    )

    cla = np.nonzero(kind == CLA)[0]
    cla_end, reason = cla_course(rng, s, start[cla], dob[cla], b18[cla], forced_care[cla])
    end[cla] = cla_end
    cla_reason[cla] = reason

    end = np.minimum(end, b18)
    # Reviews after a plan was cut short at the 18th birthday never happened.
    keep = reviews["date"] <= end[reviews["plan"]]
    reviews = {k: v[keep] for k, v in reviews.items()}
    return end, reviews, cla_reason


def _close_reasons(
    rng: np.random.Generator,
    outcome: np.ndarray,
    kind1: np.ndarray,
    kind2: np.ndarray,
    cla_reason1: np.ndarray,
    cla_reason2: np.ndarray,
    close: np.ndarray,
    b18: np.ndarray,
) -> np.ndarray:
    """CIN census closure reasons RC1-RC9 consistent with how the case ended."""
    n = len(outcome)
    last_kind = np.where(kind2 != NONE, kind2, kind1)
    cla_reason = np.where(kind2 != NONE, cla_reason2, cla_reason1)
    after_assessment = np.where(rng.random(n) < 0.7, "RC8", "RC9")
    after_plan = np.where(rng.random(n) < 0.92, "RC7", "RC5")
    after_care = np.select(
        [np.isin(cla_reason, ("E11", "E12")), np.isin(cla_reason, ("E41",)), np.isin(cla_reason, ("E45", "E46"))],
        ["RC1", "RC3", "RC4"],
        default="RC7",
    )
    reason = np.select([last_kind == CLA, last_kind != NONE], [after_care, after_plan], default=after_assessment)
    reason = np.where((close >= b18) & (rng.random(n) < 0.3), "RC6", reason)
    return reason
