"""The highlight indicators, exactly as shared/indicators.md defines them, as pure polars.

For each indicator and period end E, ``indicator_records`` lists every child or event in the denominator (or
counted), whether it is in the numerator, and the dates that decided it; ``indicator_values`` aggregates them for
the whole service and for each team. Targets, timescales and the child population come from the catalogue.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from declarations.catalogue import Catalogue, Indicator
from declarations.marts import MARTS_BY_NAME
from transforms.calendar import add_working_days
from transforms.people import age_at

# One record of the drill-through (marts.indicator_records), without the indicator and period it is for.
RECORD_SCHEMA = MARTS_BY_NAME["indicator_records"].polars_schema(without=("indicator_ref", "period_end"))


@dataclass(frozen=True)
class Conformed:
    """The conformed tables the indicators read."""

    calendar: pl.LazyFrame
    child: pl.LazyFrame
    team: pl.LazyFrame
    worker: pl.LazyFrame
    allocation: pl.LazyFrame
    management_oversight: pl.LazyFrame
    care_leaver: pl.LazyFrame
    referral: pl.LazyFrame
    contact: pl.LazyFrame
    assessment: pl.LazyFrame
    cin_plan: pl.LazyFrame
    cp_plan: pl.LazyFrame
    cla_episode: pl.LazyFrame
    cla_period_of_care: pl.LazyFrame
    cla_placement: pl.LazyFrame
    health_check: pl.LazyFrame
    missing_episode: pl.LazyFrame
    pre_proceedings: pl.LazyFrame
    s47_enquiry: pl.LazyFrame
    initial_cp_conference: pl.LazyFrame
    visit: pl.LazyFrame
    cp_review: pl.LazyFrame
    cla_review_chain: pl.LazyFrame
    cin_plan_review: pl.LazyFrame


# ---- dates -------------------------------------------------------------------------------------------------------


def months_before(d: date, months: int) -> date:
    """d minus calendar months, clamped to the month's end: 31 August - 3 months = 31 May; 31 May - 3 = 28/29 Feb."""
    total = d.year * 12 + d.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(d.day, _calendar.monthrange(year, month)[1]))


def months_after(d: date, months: int) -> date:
    return months_before(d, -months)


def financial_year_start(d: date) -> date:
    """The 1 April on or before d."""
    return date(d.year if d.month >= 4 else d.year - 1, 4, 1)


def month_end(d: date) -> date:
    return date(d.year, d.month, _calendar.monthrange(d.year, d.month)[1])


def period_ends(as_of: date, *, months: int = 13) -> list[date]:
    """The run's date, the month ends of the previous ``months`` months, and the previous financial year's end."""
    ends = {as_of}
    last = month_end(as_of) if month_end(as_of) == as_of else month_end(months_before(as_of, 1))
    for n in range(months + 1):
        ends.add(month_end(months_before(last, n)))
    ends.add(financial_year_start(as_of) - timedelta(days=1))
    return sorted(e for e in ends if e <= as_of)


# Indicators that count events over a period (the others are snapshots at E), and the periods they may count over.
EVENT_INDICATORS = ("2.1", "2.10a", "5.18", "7.1", "7.2", "7.3", "7.4", "7.6", "7.9", "7.10", "7.11")
EVENT_PERIOD_TYPES = ("ytd", "rolling_year")


def in_period(column: str, ind: Indicator, e: date) -> pl.Expr:
    """Dated in the indicator's period up to E (its catalogue period_type): the financial year to date (FYstart(E)
    to E), or the rolling year (E - 12 months < date <= E)."""
    if ind.period_type == "ytd":
        return pl.col(column).is_between(financial_year_start(e), e)
    if ind.period_type == "rolling_year":
        return (pl.col(column) > months_before(e, 12)) & (pl.col(column) <= e)
    raise ValueError(
        f"indicator {ind.ref} counts events over a period: its period_type must be one of "
        f"{', '.join(EVENT_PERIOD_TYPES)}, not {ind.period_type!r}"
    )


def open_at(e: date, start: str = "start_date", end: str = "end_date") -> pl.Expr:
    """Open at E: start <= E and (end blank or end > E)."""
    return (pl.col(start) <= e) & (pl.col(end).is_null() | (pl.col(end) > e))


def in_last_days(column: str, e: date, days: int) -> pl.Expr:
    """In the last N days: E - N days <= date <= E."""
    return pl.col(column).is_between(e - timedelta(days=days), e)


# ---- cohorts at E ------------------------------------------------------------------------------------------------


def latest_started(frame: pl.LazyFrame, by: str = "person_id", start: str = "start_date") -> pl.LazyFrame:
    """One row per ``by``: the latest started (ties: the greatest id in the first column)."""
    first = frame.collect_schema().names()[0]
    return frame.sort([by, start, first], nulls_last=False).group_by(by, maintain_order=True).last()


def allocated(c: Conformed, e: date) -> pl.LazyFrame:
    """Children with a case-holding involvement open at E, with its team and worker: the most senior
    case-holding role open then, the latest started among equals (an IRO's or any other role's never counts)."""
    return (
        c.allocation.filter(pl.col("is_case_holding") & open_at(e))
        .sort(
            ["person_id", "case_holding_rank", "start_date", "involvement_id"],
            descending=[False, True, False, False],
            nulls_last=False,
        )
        .group_by("person_id", maintain_order=True)
        .last()
        .select("person_id", "team_id", "worker_id")
    )


def cp_cohort(c: Conformed, e: date) -> pl.LazyFrame:
    return latest_started(c.cp_plan.filter(open_at(e))).select(
        "person_id", "cp_plan_id", pl.col("start_date").alias("plan_start_date")
    )


def cla_cohort(c: Conformed, e: date) -> pl.LazyFrame:
    return latest_started(c.cla_episode.filter(open_at(e))).select(
        "person_id", "cla_id", pl.col("start_date").alias("episode_start_date")
    )


def care_leaver_cohort(c: Conformed, cat: Catalogue, e: date) -> pl.LazyFrame:
    """People with a care-leaver record, aged 17 to 21 at E, not looked after at E."""
    return (
        c.care_leaver.join(c.child.select("person_id", "date_of_birth"), on="person_id", how="inner")
        .with_columns(age_at(pl.col("date_of_birth"), pl.lit(e)).alias("age"))
        .filter(pl.col("age").is_between(cat.care_leaver_min_age, cat.care_leaver_max_age))
        .join(cla_cohort(c, e), on="person_id", how="anti")
        .drop("date_of_birth", "team_id", "worker_id")
    )


def cin_cohort(c: Conformed, cat: Catalogue, e: date) -> pl.LazyFrame:
    """Children with a referral open at E who are in none of CP, CLA, care leavers."""
    referral = c.referral.rename({"referral_date": "start_date", "close_date": "end_date"})
    return (
        latest_started(referral.filter(open_at(e)))
        .select("person_id", "referral_id", pl.col("start_date").alias("referral_date"))
        .join(cp_cohort(c, e), on="person_id", how="anti")
        .join(cla_cohort(c, e), on="person_id", how="anti")
        .join(care_leaver_cohort(c, cat, e), on="person_id", how="anti")
    )


def cohort_candidates(c: Conformed, e: date) -> dict[str, pl.LazyFrame]:
    """The children a cohort weighs before its exclusions, by cohort: every child with a referral open at E
    (the CIN cohort excludes those in CP, CLA or care leavers) and everyone with a care-leaver record (the
    care-leaver cohort keeps those of age and not looked after). A doubt about an exclusion can only bring one of
    these into the cohort (the materiality gate)."""
    referral = c.referral.rename({"referral_date": "start_date", "close_date": "end_date"})
    return {
        "cin": referral.filter(open_at(e)).select("person_id").unique(),
        "care_leaver": c.care_leaver.select("person_id").unique(),
    }


# Which cohort's candidates each indicator counts from (the others count every child their cohort weighs).
CANDIDATES_OF = {
    "1.2": "cin",
    "3.1": "cin",
    "3.2": "cin",
    "3.3": "cin",
    "6.1": "care_leaver",
    "6.2": "care_leaver",
    "6.3": "care_leaver",
}


def indicator_candidates(c: Conformed, cat: Catalogue, ends: list[date]) -> pl.LazyFrame:
    """indicator_ref, period_end, person_id: the children each cohort-with-exclusions indicator weighs."""
    frames = []
    for e in ends:
        candidates = cohort_candidates(c, e)
        for ind in cat.indicators:
            if ind.ref in CANDIDATES_OF:
                frames.append(
                    candidates[CANDIDATES_OF[ind.ref]].select(
                        pl.lit(ind.ref).alias("indicator_ref"), pl.lit(e).alias("period_end"), "person_id"
                    )
                )
    schema = pl.Schema({"indicator_ref": pl.String, "period_end": pl.Date, "person_id": pl.String})
    return pl.concat(frames).cast(schema) if frames else pl.LazyFrame(schema=schema)


def with_team_at(children: pl.LazyFrame, c: Conformed, cat: Catalogue, e: date) -> pl.LazyFrame:
    """A child counts for the team of the involvement open at E; children with none go under 'unallocated'."""
    return children.join(allocated(c, e), on="person_id", how="left", maintain_order="left").with_columns(
        pl.col("team_id").fill_null(cat.unallocated_team)
    )


def latest_seen_visit(c: Conformed, e: date) -> pl.LazyFrame:
    """Each child's latest visit on or before E at which the child was seen, from all visit files together."""
    return (
        c.visit.filter(pl.col("is_seen").fill_null(False) & (pl.col("visit_date") <= e))
        .group_by("person_id")
        .agg(pl.col("visit_date").max().alias("latest_seen_visit_date"))
    )


def _records(frame: pl.LazyFrame, **columns: pl.Expr) -> pl.LazyFrame:
    """Shape indicator records; missing columns are null."""
    exprs = [columns.get(name, pl.lit(None)).cast(dtype).alias(name) for name, dtype in RECORD_SCHEMA.items()]
    return frame.select(exprs)


def _child_records(frame: pl.LazyFrame, **columns: pl.Expr) -> pl.LazyFrame:
    """Records about children: the record is the child, counted for the team and worker of its allocation."""
    return _records(
        frame,
        person_id=pl.col("person_id"),
        record_id=pl.col("person_id"),
        team_id=pl.col("team_id"),
        worker_id=pl.col("worker_id"),
        **columns,
    )


def _date_text(column: str) -> pl.Expr:
    return pl.col(column).dt.to_string("%Y-%m-%d").fill_null("none")


# ---- the indicators ----------------------------------------------------------------------------------------------


# An indicator's definition: every record behind it at period end ``e``, in RECORD_SCHEMA. The catalogue names the
# definition each indicator uses (``definition``); a rate shares its count's.
IndicatorDefinition = Callable[[Conformed, Catalogue, Indicator, date], pl.LazyFrame]
DEFINITIONS: dict[str, IndicatorDefinition] = {}


def definition(function: IndicatorDefinition) -> IndicatorDefinition:
    """Make a function an indicator definition the catalogue can name (by the function's name)."""
    DEFINITIONS[function.__name__] = function
    return function


@definition
def management_oversight_1_1(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    window = ind.param("window_days")
    latest = (
        c.management_oversight.filter(pl.col("oversight_date") <= e)
        .group_by("person_id")
        .agg(pl.col("oversight_date").max().alias("latest"))
    )
    frame = (
        allocated(c, e)
        .join(latest, on="person_id", how="left")
        .with_columns(pl.col("team_id").fill_null(cat.unallocated_team))
    )
    return _child_records(
        frame,
        in_numerator=in_last_days("latest", e, window).fill_null(False),
        key_date=pl.col("latest"),
        due_date=pl.col("latest") + timedelta(days=window),
        detail=pl.lit("latest management oversight: ") + _date_text("latest"),
    )


def _cohort_count(cohort: pl.LazyFrame, c: Conformed, cat: Catalogue, e: date, key_date: str, what: str):
    frame = with_team_at(cohort, c, cat, e)
    return _child_records(
        frame,
        in_numerator=pl.lit(True),
        key_date=pl.col(key_date),
        detail=pl.lit(f"{what} since ") + _date_text(key_date),
    )


@definition
def cin_count_1_2(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    return _cohort_count(cin_cohort(c, cat, e), c, cat, e, "referral_date", "referral open")


@definition
def cp_count_1_3(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    return _cohort_count(cp_cohort(c, e), c, cat, e, "plan_start_date", "CP plan")


@definition
def cla_count_1_4(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    return _cohort_count(cla_cohort(c, e), c, cat, e, "episode_start_date", "CLA episode")


@definition
def contacts_2_1(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    """The decision due date (``timescale_working_days`` after the contact) is built into conformed.contact."""
    undecided_at_e = pl.col("decision_date").is_null() | (pl.col("decision_date") > e)
    frame = c.contact.filter(in_period("contact_date", ind, e) & ~(undecided_at_e & (pl.col("decision_due_date") > e)))
    return _records(
        frame,
        person_id=pl.col("person_id"),
        record_id=pl.col("contact_id"),
        team_id=pl.lit(cat.unallocated_team),
        in_numerator=(~undecided_at_e & (pl.col("decision_date") <= pl.col("decision_due_date"))).fill_null(False),
        key_date=pl.col("decision_date"),
        due_date=pl.col("decision_due_date"),
        detail=pl.lit("contact ") + _date_text("contact_date") + pl.lit(", decided ") + _date_text("decision_date"),
    )


@definition
def assessments_2_10a(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    """The due date (``timescale_working_days`` after the referral) is built into conformed.assessment."""
    days = ind.param("timescale_working_days")
    frame = c.assessment.filter(in_period("authorised_date", ind, e))
    return _records(
        frame,
        person_id=pl.col("person_id"),
        record_id=pl.col("assessment_id"),
        team_id=pl.col("team_id").fill_null(cat.unallocated_team),
        worker_id=pl.col("worker_id"),
        in_numerator=(pl.col("authorised_date") <= pl.col("due_date")).fill_null(False),
        key_date=pl.col("authorised_date"),
        due_date=pl.col("due_date"),
        detail=pl.when(pl.col("has_linked_referral"))
        .then(pl.lit(f"{days} working days from referral ") + _date_text("timescale_start_date"))
        .otherwise(pl.lit(f"no linked referral: {days} working days from start ") + _date_text("timescale_start_date")),
    )


def _open_cin_plans(c: Conformed, e: date) -> pl.LazyFrame:
    return latest_started(c.cin_plan.filter(open_at(e))).select(
        "person_id", "cin_plan_id", pl.col("start_date").alias("cin_plan_start_date")
    )


@definition
def cin_plan_3_1(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    frame = with_team_at(cin_cohort(c, cat, e), c, cat, e).join(_open_cin_plans(c, e), on="person_id", how="left")
    return _child_records(
        frame,
        in_numerator=pl.col("cin_plan_id").is_not_null(),
        key_date=pl.col("cin_plan_start_date"),
        detail=pl.lit("CIN plan open since ") + _date_text("cin_plan_start_date"),
    )


@definition
def cin_plan_reviews_3_2(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    since = months_before(e, ind.param("window_months"))
    plans = c.cin_plan.filter(open_at(e)).select("person_id", "cin_plan_id")
    latest_review = (
        c.cin_plan_review.filter(pl.col("review_date") <= e)
        .join(plans, on="cin_plan_id", how="semi")
        .group_by(pl.col("person_id"))
        .agg(pl.col("review_date").max().alias("latest_review_date"))
    )
    frame = (
        with_team_at(cin_cohort(c, cat, e), c, cat, e)
        .join(_open_cin_plans(c, e), on="person_id", how="inner")
        .join(latest_review, on="person_id", how="left")
    )
    return _child_records(
        frame,
        in_numerator=(
            pl.col("latest_review_date").is_between(since, e).fill_null(False)
            | pl.col("cin_plan_start_date").is_between(since, e)
        ),
        key_date=pl.coalesce("latest_review_date", "cin_plan_start_date"),
        due_date=pl.lit(since),
        detail=pl.lit("latest review ")
        + _date_text("latest_review_date")
        + pl.lit(", plan started ")
        + _date_text("cin_plan_start_date"),
    )


def _with_latest_seen_visit(cohort: pl.LazyFrame, c: Conformed, cat: Catalogue, e: date) -> pl.LazyFrame:
    """A cohort with each child's team at E and latest seen visit on or before E."""
    return with_team_at(cohort, c, cat, e).join(latest_seen_visit(c, e), on="person_id", how="left")


@definition
def cin_visits_3_3(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    days = ind.param("window_days")
    frame = _with_latest_seen_visit(cin_cohort(c, cat, e), c, cat, e)
    return _child_records(
        frame,
        in_numerator=in_last_days("latest_seen_visit_date", e, days).fill_null(False),
        key_date=pl.col("latest_seen_visit_date"),
        due_date=pl.col("latest_seen_visit_date") + timedelta(days=days),
        detail=pl.lit("latest seen visit ") + _date_text("latest_seen_visit_date"),
    )


@definition
def cp_visits_4_7_2(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    n = ind.param("timescale_working_days")
    frame = _with_latest_seen_visit(cp_cohort(c, e), c, cat, e)
    frame = add_working_days(frame, c.calendar, date_column="latest_seen_visit_date", days=n, alias="visit_due")
    frame = add_working_days(frame, c.calendar, date_column="plan_start_date", days=n, alias="start_due")
    return _child_records(
        frame,
        in_numerator=((pl.col("visit_due") >= e).fill_null(False) | (pl.col("start_due") >= e).fill_null(False)),
        key_date=pl.coalesce("latest_seen_visit_date", "plan_start_date"),
        due_date=pl.max_horizontal("visit_due", "start_due"),
        detail=pl.lit("latest seen visit ")
        + _date_text("latest_seen_visit_date")
        + pl.lit(", plan started ")
        + _date_text("plan_start_date"),
    )


def cp_review_chain_at(c: Conformed, ind: Indicator, e: date) -> pl.LazyFrame:
    """Per CP plan open at E: whether its review chain is on time at E (indicators.md, review chains). Each
    review's due date is in conformed.cp_review (it depends only on the reviews before it); what E adds is the
    next review due after the last one held by E."""
    first, later = ind.param("first_review_months"), ind.param("later_review_months")
    plans = cp_cohort(c, e)
    reviews = c.cp_review.filter(pl.col("cp_plan_id").is_not_null() & (pl.col("review_date") <= e)).join(
        plans.select("cp_plan_id"), on="cp_plan_id", how="semi"
    )
    chain = reviews.group_by("cp_plan_id").agg(
        (~pl.col("is_on_time")).any().alias("any_late"),
        pl.col("review_date").max().alias("last_review_date"),
        pl.len().alias("reviews"),
    )
    return (
        plans.join(chain, on="cp_plan_id", how="left")
        .with_columns(
            pl.when(pl.col("last_review_date").is_null())
            .then(pl.col("plan_start_date").dt.offset_by(f"{first}mo"))
            .otherwise(pl.col("last_review_date").dt.offset_by(f"{later}mo"))
            .alias("next_due")
        )
        .with_columns((~pl.col("any_late").fill_null(False) & (pl.col("next_due") >= e)).alias("chain_on_time"))
    )


@definition
def cp_reviews_4_8(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    first = ind.param("first_review_months")
    chains = cp_review_chain_at(c, ind, e).filter(pl.col("plan_start_date") <= months_before(e, first))
    frame = with_team_at(chains, c, cat, e)
    return _records(
        frame,
        person_id=pl.col("person_id"),
        record_id=pl.col("cp_plan_id"),
        team_id=pl.col("team_id"),
        worker_id=pl.col("worker_id"),
        in_numerator=pl.col("chain_on_time"),
        key_date=pl.col("last_review_date"),
        due_date=pl.col("next_due"),
        detail=pl.lit("plan started ")
        + _date_text("plan_start_date")
        + pl.lit(", ")
        + pl.col("reviews").fill_null(0).cast(pl.String)
        + pl.lit(" review(s), last ")
        + _date_text("last_review_date")
        + pl.when(pl.col("any_late").fill_null(False)).then(pl.lit(", a review was late")).otherwise(pl.lit("")),
    )


@definition
def cla_assessment_5_10(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    days = ind.param("window_days")
    latest = (
        c.assessment.filter(pl.col("authorised_date") <= e)
        .group_by("person_id")
        .agg(pl.col("authorised_date").max().alias("latest_authorised_date"))
    )
    frame = with_team_at(cla_cohort(c, e), c, cat, e).join(latest, on="person_id", how="left")
    return _child_records(
        frame,
        # the numerator is the bad outcome: lower is better
        in_numerator=(
            pl.col("latest_authorised_date").is_null() | (pl.col("latest_authorised_date") < e - timedelta(days=days))
        ),
        key_date=pl.col("latest_authorised_date"),
        due_date=pl.col("latest_authorised_date") + timedelta(days=days),
        detail=pl.lit("latest assessment authorised ") + _date_text("latest_authorised_date"),
    )


@definition
def cla_visits_5_11(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    days, grace = ind.param("window_days"), ind.param("new_episode_grace_days")
    frame = _with_latest_seen_visit(cla_cohort(c, e), c, cat, e)
    return _child_records(
        frame,
        in_numerator=(
            in_last_days("latest_seen_visit_date", e, days).fill_null(False)
            | in_last_days("episode_start_date", e, grace)
        ),
        key_date=pl.coalesce("latest_seen_visit_date", "episode_start_date"),
        due_date=pl.col("latest_seen_visit_date") + timedelta(days=days),
        detail=pl.lit("latest seen visit ")
        + _date_text("latest_seen_visit_date")
        + pl.lit(", episode started ")
        + _date_text("episode_start_date"),
    )


@definition
def cla_reviews_5_18(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    records = c.cla_review_chain.filter(in_period("due_date", ind, e))
    frame = with_team_at(records, c, cat, e)
    return _records(
        frame,
        person_id=pl.col("person_id"),
        record_id=pl.col("cla_id") + pl.lit("#") + pl.col("review_number").cast(pl.String),
        team_id=pl.col("team_id"),
        worker_id=pl.col("worker_id"),
        in_numerator=(pl.col("review_date").is_not_null() & (pl.col("review_date") <= pl.col("due_date"))),
        key_date=pl.col("review_date"),
        due_date=pl.col("due_date"),
        detail=pl.lit("review ")
        + pl.col("review_number").cast(pl.String)
        + pl.lit(" of period of care ")
        + pl.col("cla_id")
        + pl.lit(", held ")
        + _date_text("review_date"),
    )


def _care_leavers(c: Conformed, cat: Catalogue, e: date, in_numerator: pl.Expr, detail: pl.Expr):
    frame = with_team_at(care_leaver_cohort(c, cat, e), c, cat, e)
    return _child_records(
        frame,
        in_numerator=in_numerator.fill_null(False),
        key_date=pl.col("latest_contact_date"),
        detail=detail,
    )


@definition
def care_leavers_in_touch_6_1(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    days = ind.param("window_days")
    return _care_leavers(
        c,
        cat,
        e,
        (pl.col("in_touch_code") == "YES") & in_last_days("latest_contact_date", e, days),
        pl.lit("in touch: ")
        + pl.col("in_touch_code").fill_null("none")
        + pl.lit(", latest contact ")
        + _date_text("latest_contact_date"),
    )


@definition
def care_leavers_eet_6_2(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    return _care_leavers(c, cat, e, pl.col("is_eet"), pl.lit("activity ") + pl.col("activity_code").fill_null("none"))


@definition
def care_leavers_accommodation_6_3(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    return _care_leavers(
        c,
        cat,
        e,
        pl.col("is_suitable_accommodation"),
        pl.lit("accommodation ") + pl.col("accommodation_code").fill_null("none"),
    )


# ---- the wider measures (the catalogue's second part) ---------------------------------------------------------


@definition
def re_referrals_7_1(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    """Referrals in the period; in the numerator, those within 12 months of the child's previous referral."""
    frame = c.referral.filter(in_period("referral_date", ind, e))
    return _records(
        frame,
        person_id=pl.col("person_id"),
        record_id=pl.col("referral_id"),
        team_id=pl.col("team_id").fill_null(cat.unallocated_team),
        worker_id=pl.col("worker_id"),
        in_numerator=pl.col("is_re_referral").fill_null(False),
        key_date=pl.col("referral_date"),
        detail=pl.lit("referral ")
        + _date_text("referral_date")
        + pl.lit(", previous referral ")
        + _date_text("previous_referral_date"),
    )


@definition
def contacts_received_7_2(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    """Demand at the front door: every contact received in the period."""
    return _records(
        c.contact.filter(in_period("contact_date", ind, e)),
        person_id=pl.col("person_id"),
        record_id=pl.col("contact_id"),
        team_id=pl.lit(cat.unallocated_team),
        in_numerator=pl.lit(True),
        key_date=pl.col("contact_date"),
        detail=pl.lit("contact ") + _date_text("contact_date"),
    )


@definition
def s47_enquiries_7_3(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    """Demand: every section 47 enquiry started in the period."""
    return _records(
        c.s47_enquiry.filter(in_period("start_date", ind, e)),
        person_id=pl.col("person_id"),
        record_id=pl.col("s47_enquiry_id"),
        team_id=pl.col("team_id").fill_null(cat.unallocated_team),
        worker_id=pl.col("worker_id"),
        in_numerator=pl.lit(True),
        key_date=pl.col("start_date"),
        detail=pl.lit("enquiry started ") + _date_text("start_date"),
    )


@definition
def icpc_timeliness_7_4(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    """Initial conferences held in the period after a section 47 enquiry; in the numerator, those held within the
    working days (conformed.initial_cp_conference.due_date) of the enquiry's start. Transfer-in conferences and
    those with no enquiry have no due date and are not measured."""
    frame = c.initial_cp_conference.filter(in_period("conference_date", ind, e) & pl.col("due_date").is_not_null())
    return _records(
        frame,
        person_id=pl.col("person_id"),
        record_id=pl.col("icpc_id"),
        team_id=pl.col("team_id").fill_null(cat.unallocated_team),
        worker_id=pl.col("worker_id"),
        in_numerator=pl.col("is_on_time").fill_null(False),
        key_date=pl.col("conference_date"),
        due_date=pl.col("due_date"),
        detail=pl.lit("enquiry started ")
        + _date_text("s47_start_date")
        + pl.lit(", conference ")
        + _date_text("conference_date"),
    )


@definition
def placement_stability_7_5(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    """Children looked after at E; in the numerator, those with ``moves`` or more placements starting in the
    ``window_months`` to E (lower is better)."""
    months, moves = ind.param("window_months"), ind.param("moves")
    since = months_before(e, months)
    placements = (
        c.cla_placement.filter((pl.col("start_date") > since) & (pl.col("start_date") <= e))
        .group_by("person_id")
        .agg(pl.len().alias("placements"), pl.col("start_date").max().alias("latest_placement"))
    )
    frame = with_team_at(cla_cohort(c, e), c, cat, e).join(placements, on="person_id", how="left")
    return _child_records(
        frame,
        in_numerator=pl.col("placements").fill_null(0) >= moves,
        key_date=pl.col("latest_placement"),
        detail=pl.col("placements").fill_null(0).cast(pl.String) + pl.lit(f" placement(s) in {months} months"),
    )


def _periods_of_care_at(c: Conformed, e: date) -> pl.LazyFrame:
    """Children looked after at E, with the start of their current period of care."""
    return (
        c.cla_period_of_care.filter(open_at(e))
        .sort("person_id", "start_date", "cla_id")
        .group_by("person_id", maintain_order=True)
        .last()
        .select("person_id", "cla_id", pl.col("start_date").alias("care_start_date"))
    )


@definition
def initial_health_assessments_7_6(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    """Periods of care whose initial health assessment fell due in the period (``timescale_working_days`` after
    the period of care started); in the numerator, those with an initial assessment on or before it."""
    days = ind.param("timescale_working_days")
    started = add_working_days(
        c.cla_period_of_care.select("person_id", "cla_id", "start_date"),
        c.calendar,
        date_column="start_date",
        days=days,
        alias="due_date",
    ).filter(in_period("due_date", ind, e))
    first = (
        c.health_check.filter(pl.col("kind") == "initial")
        .join(started.select("cla_id", "person_id", "start_date"), on="person_id")
        .filter(pl.col("check_date") >= pl.col("start_date"))
        .group_by("cla_id")
        .agg(pl.col("check_date").min().alias("assessed"))
    )
    frame = with_team_at(started.join(first, on="cla_id", how="left"), c, cat, e)
    return _records(
        frame,
        person_id=pl.col("person_id"),
        record_id=pl.col("cla_id"),
        team_id=pl.col("team_id"),
        worker_id=pl.col("worker_id"),
        in_numerator=(pl.col("assessed") <= pl.col("due_date")).fill_null(False),
        key_date=pl.col("assessed"),
        due_date=pl.col("due_date"),
        detail=pl.lit("looked after from ") + _date_text("start_date") + pl.lit(", assessed ") + _date_text("assessed"),
    )


def _checked_in_last_year(
    c: Conformed, cat: Catalogue, ind: Indicator, e: date, kinds: tuple[str, ...]
) -> pl.LazyFrame:
    """Children looked after at E for ``months_looked_after`` or more; in the numerator, those with a check of
    one of ``kinds`` in the 12 months to E."""
    months = ind.param("months_looked_after")
    since = months_before(e, 12)
    cohort = _periods_of_care_at(c, e).filter(pl.col("care_start_date") <= months_before(e, months))
    latest = (
        c.health_check.filter(
            pl.col("kind").is_in(kinds) & (pl.col("check_date") > since) & (pl.col("check_date") <= e)
        )
        .group_by("person_id")
        .agg(pl.col("check_date").max().alias("checked"))
    )
    frame = with_team_at(cohort.join(latest, on="person_id", how="left"), c, cat, e)
    return _child_records(
        frame,
        in_numerator=pl.col("checked").is_not_null(),
        key_date=pl.col("checked"),
        detail=pl.lit("looked after from ") + _date_text("care_start_date") + pl.lit(", last ") + _date_text("checked"),
    )


@definition
def health_assessments_7_7(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    return _checked_in_last_year(c, cat, ind, e, ("initial", "review"))


@definition
def dental_checks_7_8(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    return _checked_in_last_year(c, cat, ind, e, ("dental",))


@definition
def return_interviews_7_9(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    """Missing episodes (not absences) that ended in the period; in the numerator, those after which a return home
    interview was offered."""
    frame = with_team_at(
        c.missing_episode.filter((pl.col("kind") == "missing") & in_period("end_date", ind, e)), c, cat, e
    )
    return _records(
        frame,
        person_id=pl.col("person_id"),
        record_id=pl.col("missing_episode_id"),
        team_id=pl.col("team_id"),
        worker_id=pl.col("worker_id"),
        in_numerator=pl.col("is_return_interview_offered").fill_null(False),
        key_date=pl.col("end_date"),
        detail=pl.lit("missing ") + _date_text("start_date") + pl.lit(" to ") + _date_text("end_date"),
    )


@definition
def repeat_assessments_7_10(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    """Single assessments started in the period; in the numerator, those of a child with another assessment
    started in the ``window_months`` before this one started (lower is better)."""
    months = ind.param("window_months")
    frame = c.assessment.filter(in_period("start_date", ind, e))
    earlier = (
        frame.select("assessment_id", "person_id", "start_date")
        .join(
            c.assessment.select(
                "person_id", pl.col("assessment_id").alias("_other"), pl.col("start_date").alias("_at")
            ),
            on="person_id",
        )
        .filter(
            (pl.col("_other") != pl.col("assessment_id"))
            & (pl.col("_at") <= pl.col("start_date"))
            & (pl.col("_at") > pl.col("start_date").dt.offset_by(f"-{months}mo"))
        )
        .group_by("assessment_id")
        .agg(pl.col("_at").max().alias("previous_start"))
    )
    return _records(
        frame.join(earlier, on="assessment_id", how="left"),
        person_id=pl.col("person_id"),
        record_id=pl.col("assessment_id"),
        team_id=pl.col("team_id").fill_null(cat.unallocated_team),
        worker_id=pl.col("worker_id"),
        in_numerator=pl.col("previous_start").is_not_null(),
        key_date=pl.col("start_date"),
        detail=pl.lit("started ") + _date_text("start_date") + pl.lit(", previous ") + _date_text("previous_start"),
    )


@definition
def pre_proceedings_7_11(c: Conformed, cat: Catalogue, ind: Indicator, e: date) -> pl.LazyFrame:
    """Pre-proceedings concluded in the period (step-down or the issue of proceedings agreed); in the numerator,
    those concluded within ``timescale_weeks`` of the decision to enter them."""
    weeks = ind.param("timescale_weeks")
    frame = with_team_at(
        c.pre_proceedings.filter(in_period("concluded_date", ind, e)).with_columns(
            (pl.col("decision_date") + pl.duration(weeks=weeks)).alias("due_date")
        ),
        c,
        cat,
        e,
    )
    return _records(
        frame,
        person_id=pl.col("person_id"),
        record_id=pl.col("pre_proceedings_id"),
        team_id=pl.col("team_id"),
        worker_id=pl.col("worker_id"),
        in_numerator=(pl.col("concluded_date") <= pl.col("due_date")).fill_null(False),
        key_date=pl.col("concluded_date"),
        due_date=pl.col("due_date"),
        detail=pl.lit("decided ") + _date_text("decision_date") + pl.lit(", concluded ") + _date_text("concluded_date"),
    )


def indicator_records(c: Conformed, cat: Catalogue, ends: list[date]) -> pl.LazyFrame:
    """Every record behind every indicator at every period end. Rates share their count's records."""
    frames = []
    for ind in cat.indicators:
        if ind.polarity == "rate":
            continue
        if ind.definition not in DEFINITIONS:
            raise KeyError(
                f"indicator {ind.ref}: the catalogue names definition {ind.definition!r}, which "
                f"transforms/indicators.py does not have (it has {', '.join(sorted(DEFINITIONS))})"
            )
        if ind.ref not in EVENT_INDICATORS and ind.period_type != "snapshot":
            raise ValueError(
                f"indicator {ind.ref} is measured at the period end: its period_type must be snapshot, not "
                f"{ind.period_type!r}"
            )
        for e in ends:
            frames.append(
                DEFINITIONS[ind.definition](c, cat, ind, e).with_columns(
                    pl.lit(ind.ref).alias("indicator_ref"), pl.lit(e).alias("period_end")
                )
            )
    return pl.concat(frames).select("indicator_ref", "period_end", *RECORD_SCHEMA)


def rag(value: pl.Expr, polarity: str, target_min: float | None, target_upper: float | None) -> pl.Expr:
    """Higher is better: green >= upper, amber min..upper, red < min. Lower is better: green <= upper, amber
    upper..min, red > min. Counts and rates: none."""
    if polarity not in ("higher", "lower") or target_min is None or target_upper is None:
        return pl.lit(None, dtype=pl.String)
    if polarity == "higher":
        return (
            pl.when(value.is_null())
            .then(None)
            .when(value >= target_upper)
            .then(pl.lit("green"))
            .when(value >= target_min)
            .then(pl.lit("amber"))
            .otherwise(pl.lit("red"))
        )
    return (
        pl.when(value.is_null())
        .then(None)
        .when(value <= target_upper)
        .then(pl.lit("green"))
        .when(value <= target_min)
        .then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
    )


def indicator_values(records: pl.LazyFrame, cat: Catalogue, ends: list[date]) -> pl.LazyFrame:
    """Numerator, denominator, value, targets and RAG per indicator, period end, and team (null = whole
    service). Every indicator has a whole-service row at every period end, even with nothing to count."""
    every = pl.LazyFrame(
        [(i.ref, e) for i in cat.indicators if i.polarity != "rate" for e in ends],
        schema={"indicator_ref": pl.String, "period_end": pl.Date},
        orient="row",
    )
    whole = every.join(
        records.group_by("indicator_ref", "period_end").agg(
            pl.col("in_numerator").sum().cast(pl.Int64).alias("numerator"),
            pl.len().cast(pl.Int64).alias("denominator"),
        ),
        on=["indicator_ref", "period_end"],
        how="left",
    ).with_columns(pl.col("numerator").fill_null(0), pl.col("denominator").fill_null(0))
    by_team = records.group_by("indicator_ref", "period_end", "team_id").agg(
        pl.col("in_numerator").sum().cast(pl.Int64).alias("numerator"), pl.len().cast(pl.Int64).alias("denominator")
    )
    counted = pl.concat([whole.with_columns(pl.lit(None, dtype=pl.String).alias("team_id")), by_team], how="diagonal")
    frames = []
    for ind in cat.indicators:
        source_ref = ind.ref.removesuffix(".rate")
        rows = counted.filter(pl.col("indicator_ref") == source_ref).with_columns(
            pl.lit(ind.ref).alias("indicator_ref")
        )
        if ind.polarity == "rate":
            value = pl.col("numerator") / cat.child_population * 10_000
            rows = rows.filter(pl.col("team_id").is_null()).with_columns(value.alias("value"))
            rows = rows.with_columns(pl.lit(None, dtype=pl.Int64).alias("denominator"))
        elif ind.polarity == "count":
            rows = rows.with_columns(
                pl.col("numerator").cast(pl.Float64).alias("value"), pl.lit(None, dtype=pl.Int64).alias("denominator")
            )
        else:
            rows = rows.with_columns(
                pl.when(pl.col("denominator") > 0)
                .then(pl.col("numerator") * 100.0 / pl.col("denominator"))
                .otherwise(None)
                .alias("value")
            )
        frames.append(
            rows.with_columns(
                pl.lit(ind.period_type).alias("period_type"),
                pl.lit(ind.target_min, dtype=pl.Float64).alias("target_min"),
                pl.lit(ind.target_upper, dtype=pl.Float64).alias("target_upper"),
                rag(pl.col("value"), ind.polarity, ind.target_min, ind.target_upper).alias("rag"),
                pl.lit("published").alias("status"),
            )
        )
    return (
        pl.concat(frames, how="diagonal")
        .select(
            "indicator_ref",
            "period_end",
            "team_id",
            pl.col("numerator").cast(pl.Int64),
            pl.col("denominator").cast(pl.Int64),
            pl.col("value").cast(pl.Float64),
            "period_type",
            "target_min",
            "target_upper",
            "rag",
            "status",
            pl.lit(None, dtype=pl.String).alias("status_reason"),
        )
        .sort("indicator_ref", "period_end", "team_id", nulls_last=False)
    )
