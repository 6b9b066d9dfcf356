"""Generation parameters: one ``Scale`` per batch size, with every rate, duration and cadence in one place.

The ``la`` values imitate the mid-size council of ``shared/seeds/003_842a00b164d5a5ef.txt`` (August 2023:
about 2,300 allocated children, 270 on CP plans, 290 looked after, 790 children in need, 270 care leavers).
The ``england`` values imitate the DfE national statistics in ``shared/contract.md`` in one batch.
Flow rates were tuned by generating and measuring the cohorts at the as-of date (see the module's tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Cadence:
    """Gaps between recurring events (visits, reviews, oversight): most on time, a few late."""

    first_days: tuple[int, int]  # the first event comes this many days after the start, inclusive range
    gap_days: tuple[int, int]  # usual gap, inclusive range
    late_rate: float  # share of gaps that overrun
    late_gap_days: tuple[int, int]


@dataclass(frozen=True)
class Scale:
    name: str
    description: str
    councils: int
    children_population: int  # children aged 0-17 (for rates per 10,000 only)
    person_id_width: int  # person ids are zero-padded text ("0012345") everywhere they appear

    # --- Flows (per year, over the whole batch) ---
    contacts_per_year: float
    referrals_per_year: float  # new referrals and re-referrals (~8% fewer land: none in the months before 18)
    teen_entrants_per_year: float  # 15-17 year olds (often unaccompanied asylum seekers) who come straight into care
    simulated_years: int = 10  # history simulated before as-of; six are exported, the rest let cohorts build up
    re_referral_rate: float = 0.25  # share of closed referrals followed by another referral of the same child
    re_referral_gap_days: float = 420.0  # mean gap from closure to the next contact
    contacts_per_contact_only_child: float = 1.7  # children who never get a referral still get contacts

    # --- Front door ---
    # Working days from contact to decision: 0, 1, then 2-5 (indicator 2.1 counts <= 1).
    contact_decision_lag_shares: tuple[float, float, float] = (0.62, 0.32, 0.06)
    referral_nfa_rate: float = 0.08  # referrals closed with no further action before any assessment

    # --- Assessment (working days from the referral date to authorisation; 2.10a's limit is 45) ---
    # (lowest, commonest, highest) for assessments ending in no further action, and for the others.
    assessment_nfa_wd: tuple[int, int, int] = (2, 4, 35)
    assessment_wd: tuple[int, int, int] = (5, 15, 44)
    assessment_late_rate: float = 0.04
    assessment_late_wd: tuple[int, int] = (46, 75)
    assessment_child_seen_rate: float = 0.97
    # What follows an assessment; the rest close with no further action.
    assessment_to_cin_plan: float = 0.19
    assessment_to_s47: float = 0.31
    assessment_to_care: float = 0.033

    # --- Section 47, conferences and CP plans ---
    s47_to_icpc: float = 0.40
    icpc_to_cp_plan: float = 0.90
    s47_without_plan_to_cin_plan: float = 0.40
    # Reviews held before the plan ends: index 0 = ends before its first review (moved away, into care).
    cp_plan_reviews_before_end: tuple[float, ...] = (0.07, 0.22, 0.34, 0.19, 0.10, 0.05, 0.03)
    cp_review_late_rate: float = 0.025
    cp_plan_to_cin_plan: float = 0.50  # step-down after a CP plan
    cp_plan_to_care: float = 0.08

    # --- CIN plans ---
    cin_plan_median_days: float = 175.0
    cin_plan_sigma: float = 0.65
    referral_close_lag_days: int = 6  # a referral closes 0..this many days after its last plan ends

    # --- Children looked after ---
    cla_median_days: float = 520.0  # for children who go home, are adopted or get an SGO
    cla_sigma: float = 1.0
    cla_teen_age: int = 13  # entering care at this age or older ...
    cla_teen_until_18_rate: float = 0.65  # ... often means staying until adulthood
    cla_placement_moves_per_year: float = 0.55
    cla_legal_status_changes_per_year: float = 0.15
    cla_review_late_rate: float = 0.01
    cla_review_early_days: int = 10  # reviews on time are held up to this many days before they are due
    cla_review_cancelled_rate: float = 0.04
    cla_reassessment_gap_days: tuple[int, int] = (300, 480)  # annual re-assessment of children in care
    cla_no_reassessment_rate: float = 0.08

    # --- Care leavers ---
    care_leaver_support_to_25_rate: float = 0.80  # the rest stop being allocated at 21
    care_leaver_in_touch_rate: float = 0.965
    care_leaver_recent_contact_rate: float = 0.98
    care_leaver_eet_rate: float = 0.69
    care_leaver_suitable_accommodation_rate: float = 0.91

    # --- Allocations and oversight ---
    allocation_close_lag_days: int = 120  # allocations are ended up to this many days after the referral closes
    worker_changes_per_year: float = 0.45
    disabled_children_rate: float = 0.06  # children on CIN plans held by the Disabled Children's Team

    # --- Cadences (local practice: CP every 10 working days, CLA every 6 weeks, CIN every 4 weeks) ---
    cp_visits: Cadence = Cadence((0, 4), (4, 13), 0.16, (15, 28))
    cla_visits: Cadence = Cadence((0, 6), (20, 41), 0.16, (43, 80))
    cin_visits: Cadence = Cadence((0, 10), (12, 27), 0.30, (29, 50))
    assessment_visits: Cadence = Cadence((0, 7), (10, 28), 0.20, (29, 40))
    cin_plan_reviews: Cadence = Cadence((28, 70), (45, 90), 0.50, (95, 160))
    oversight: Cadence = Cadence((1, 20), (12, 50), 0.11, (57, 110))
    visit_seen_rate: float = 0.95

    # --- People ---
    death_rate: float = 0.004  # of children with every record closed (they die after their last record)
    min_deaths_after_cin_visits: int = 40  # so date_after_death faults always have visits to move

    # --- Workforce: teams of each kind per council and practitioners per team (plus 2 managers) ---
    teams_per_council: dict[str, int] = field(
        default_factory=lambda: {
            "front_door": 1,
            "assessment": 3,
            "safeguarding": 3,
            "cin": 2,
            "disabled": 1,
            "cla": 2,
            "leaving_care": 1,
            "iro": 1,
        }
    )
    practitioners_per_team: dict[str, int] = field(
        default_factory=lambda: {
            "front_door": 7,
            "assessment": 9,
            "safeguarding": 9,
            "cin": 9,
            "disabled": 7,
            "cla": 9,
            "leaving_care": 11,
            "iro": 6,
        }
    )

    # --- Faults and writing ---
    min_faults_per_kind: int = 12  # with fault_rate > 0, every kind is injected at least this often
    write_chunk_rows: int = 1_000_000

    def resized(self, size: float) -> Scale:
        """The same council ``size`` times as large: its children and every flow into the service scaled alike
        (rates, durations and cadences, and so the figures' shape, are the scale's own)."""
        if size == 1:
            return self
        return replace(
            self,
            children_population=round(self.children_population * size),
            contacts_per_year=self.contacts_per_year * size,
            referrals_per_year=self.referrals_per_year * size,
            teen_entrants_per_year=self.teen_entrants_per_year * size,
        )


LA = Scale(
    name="la",
    description="A mid-size council: ~64,000 children, ~2,300 allocated, 270 CP, 290 CLA, 790 CIN",
    councils=1,
    children_population=64_300,
    person_id_width=7,
    contacts_per_year=15_000,
    referrals_per_year=3_100,
    teen_entrants_per_year=34,
)

TINY = replace(
    LA,
    name="tiny",
    description="About 1/20 of a council, for fast tests",
    children_population=3_200,
    contacts_per_year=750,
    referrals_per_year=155,
    teen_entrants_per_year=1.5,
    min_deaths_after_cin_visits=6,
    min_faults_per_kind=3,
    teams_per_council={k: 1 for k in LA.teams_per_council},
    practitioners_per_team={k: 3 for k in LA.practitioners_per_team},
)

ENGLAND = replace(
    LA,
    name="england",
    description="National volumes in one batch: ~12m children, 150 councils, 49k CP, 82k CLA, 633k referrals/yr",
    councils=150,
    children_population=12_000_000,
    person_id_width=8,
    contacts_per_year=2_400_000,
    referrals_per_year=665_000,  # lands ~633,000 a year: re-referrals stop as children near 18
    teen_entrants_per_year=3_200,
    assessment_to_cin_plan=0.26,
    assessment_to_s47=0.27,
    assessment_to_care=0.053,
    cin_plan_median_days=290.0,
    min_deaths_after_cin_visits=400,
    teams_per_council={
        "front_door": 1,
        "assessment": 4,
        "safeguarding": 4,
        "cin": 3,
        "disabled": 1,
        "cla": 2,
        "leaving_care": 1,
        "iro": 1,
    },
    practitioners_per_team={
        "front_door": 8,
        "assessment": 10,
        "safeguarding": 10,
        "cin": 12,
        "disabled": 8,
        "cla": 14,
        "leaving_care": 10,
        "iro": 7,
    },
)

SCALES: dict[str, Scale] = {s.name: s for s in (TINY, LA, ENGLAND)}
