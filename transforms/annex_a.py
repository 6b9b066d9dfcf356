"""Ofsted's Annex A lists from the conformed tables: one function per list, each returning Ofsted's columns in
Ofsted's order (``declarations.annex_a``), dates as dates (written dd/mm/yyyy) and flags as Yes or No."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

from declarations.annex_a import ANNEX_A_LISTS, AnnexList
from declarations.catalogue import Catalogue
from transforms.indicators import (
    Conformed,
    allocated,
    care_leaver_cohort,
    cla_cohort,
    cp_cohort,
    months_before,
    open_at,
)
from transforms.people import age_at


def yes_no(flag: pl.Expr) -> pl.Expr:
    return pl.when(flag).then(pl.lit("Yes")).when(~flag).then(pl.lit("No")).otherwise(pl.lit(None, dtype=pl.String))


def _common(frame: pl.LazyFrame, c: Conformed, disabled: pl.LazyFrame | None, as_of: date) -> pl.LazyFrame:
    """The five columns every list starts with, and HasDisability, joined on the child. ``disabled``: the children
    with a disability recorded; None when the export has no disability table (HasDisability is then blank)."""
    child = c.child.select(
        "person_id",
        pl.col("sex_code").alias("Gender"),
        pl.col("ethnicity_code").alias("Ethnicity"),
        pl.col("date_of_birth").alias("DateOfBirth"),
        age_at(pl.col("date_of_birth"), pl.lit(as_of)).alias("Age"),
    )
    joined = frame.join(child, on="person_id", how="left").with_columns(pl.col("person_id").alias("ChildUniqueID"))
    if disabled is None:
        return joined.with_columns(pl.lit(None, dtype=pl.String).alias("HasDisability"))
    return joined.join(
        disabled.select("person_id", pl.lit(True).alias("_disabled")), on="person_id", how="left"
    ).with_columns(yes_no(pl.col("_disabled").fill_null(False)).alias("HasDisability"))


def contacts_list(c: Conformed, disabled: pl.LazyFrame | None, start: date, as_of: date) -> pl.LazyFrame:
    return _common(c.contact.filter(pl.col("contact_date").is_between(start, as_of)), c, disabled, as_of).with_columns(
        pl.col("contact_date").alias("DateOfContact"), pl.col("source_code").alias("ContactSource")
    )


def referrals_list(c: Conformed, disabled: pl.LazyFrame | None, start: date, as_of: date) -> pl.LazyFrame:
    mine = c.referral.select("person_id", pl.col("referral_date").alias("_other"))
    in_period = c.referral.filter(pl.col("referral_date").is_between(start, as_of))
    last_12 = (
        in_period.select("referral_id", "person_id", "referral_date")
        .join(mine, on="person_id")
        .filter(
            (pl.col("_other") <= pl.col("referral_date"))
            & (pl.col("_other") > pl.col("referral_date").dt.offset_by("-12mo"))
        )
        .group_by("referral_id")
        .agg(pl.len().cast(pl.Int64).alias("ReferralsLast12Months"))
    )
    return _common(in_period.join(last_12, on="referral_id", how="left"), c, disabled, as_of).with_columns(
        pl.col("referral_date").alias("ReferralDate"),
        pl.col("source_code").alias("ReferralSource"),
        yes_no(pl.col("is_nfa")).alias("ReferralNFA"),
        pl.col("team_id").alias("AllocatedTeam"),
        pl.col("worker_id").alias("AllocatedWorker"),
    )


def assessments_list(c: Conformed, disabled: pl.LazyFrame | None, start: date, as_of: date) -> pl.LazyFrame:
    open_in_period = (pl.col("start_date") <= as_of) & (
        pl.col("authorised_date").is_null() | (pl.col("authorised_date") >= start)
    )
    return _common(c.assessment.filter(open_in_period), c, disabled, as_of).with_columns(
        pl.col("start_date").alias("ContinuousAssessmentStart"),
        yes_no(pl.col("is_child_seen")).alias("ContinuousAssessmentChildSeen"),
        pl.col("authorised_date").alias("ContinuousAssessmentAuthDate"),
        pl.when(pl.col("authorised_date").is_not_null())
        .then(yes_no(~pl.col("is_nfa").fill_null(False)))
        .alias("CSCSupportRequired"),
        pl.col("team_id").alias("AllocatedTeam"),
        pl.col("worker_id").alias("AllocatedWorker"),
    )


def children_in_need_list(
    c: Conformed, disabled: pl.LazyFrame | None, start: date, as_of: date, cat: Catalogue
) -> pl.LazyFrame:
    episodes = c.referral.filter(
        (pl.col("referral_date") <= as_of) & (pl.col("close_date").is_null() | (pl.col("close_date") >= start))
    ).join(care_leaver_cohort(c, cat, as_of).select("person_id"), on="person_id", how="anti")
    last_seen = (
        c.visit.filter(pl.col("is_seen").fill_null(False) & (pl.col("visit_date") <= as_of))
        .group_by("person_id")
        .agg(pl.col("visit_date").max().alias("DateChildLastSeen"))
    )
    cin_plan = c.cin_plan.filter(open_at(as_of)).select("person_id").unique()
    status = (
        pl.when(pl.col("close_date").is_not_null() & (pl.col("close_date") <= as_of))
        .then(pl.lit("Closed"))
        .when(pl.col("_cp"))
        .then(pl.lit("Child protection plan"))
        .when(pl.col("_cla"))
        .then(pl.lit("Looked after"))
        .when(pl.col("_cin"))
        .then(pl.lit("Child in need plan"))
        .otherwise(pl.lit("Open referral"))
    )
    flagged = (
        episodes.join(cp_cohort(c, as_of).select("person_id", pl.lit(True).alias("_cp")), on="person_id", how="left")
        .join(cla_cohort(c, as_of).select("person_id", pl.lit(True).alias("_cla")), on="person_id", how="left")
        .join(cin_plan.with_columns(pl.lit(True).alias("_cin")), on="person_id", how="left")
        .join(last_seen, on="person_id", how="left")
        .join(
            allocated(c, as_of).rename({"team_id": "AllocatedTeam", "worker_id": "AllocatedWorker"}),
            on="person_id",
            how="left",
        )
    )
    return _common(flagged, c, disabled, as_of).with_columns(
        pl.col("referral_date").alias("CINStartDate"),
        pl.col("primary_need_code").alias("PrimaryNeedCode"),
        pl.col("close_date").alias("CINClosureDate"),
        pl.col("close_reason_code").alias("ReasonForClosure"),
        status.alias("CaseStatus"),
    )


def child_protection_list(c: Conformed, disabled: pl.LazyFrame | None, start: date, as_of: date) -> pl.LazyFrame:
    plans = c.cp_plan.filter(
        (pl.col("start_date") <= as_of) & (pl.col("end_date").is_null() | (pl.col("end_date") >= start))
    )
    until = pl.min_horizontal(pl.col("end_date").fill_null(as_of), pl.lit(as_of))
    visits = (
        plans.select("cp_plan_id", "person_id", "start_date", until.alias("_until"))
        .join(c.visit.select("person_id", "visit_date", "is_seen_alone"), on="person_id")
        .filter(pl.col("visit_date").is_between(pl.col("start_date"), pl.col("_until")))
        .sort("cp_plan_id", "visit_date")
        .group_by("cp_plan_id", maintain_order=True)
        .last()
        .select(
            "cp_plan_id",
            pl.col("visit_date").alias("DateOfLastStatutoryVisit"),
            yes_no(pl.col("is_seen_alone")).alias("ChildSeenAlone"),
        )
    )
    reviews = (
        c.cp_review.filter(pl.col("cp_plan_id").is_not_null() & (pl.col("review_date") <= as_of))
        .group_by("cp_plan_id")
        .agg(pl.col("review_date").max().alias("DateOfLatestReviewConf"))
    )
    earlier = (
        plans.select("cp_plan_id", "person_id", "start_date")
        .join(c.cp_plan.select("person_id", pl.col("start_date").alias("_other")), on="person_id")
        .group_by("cp_plan_id")
        .agg(
            (pl.col("_other") < pl.col("start_date")).sum().cast(pl.Int64).alias("NumberOfPreviousChildProtectionPlans")
        )
    )
    return _common(
        plans.join(visits, on="cp_plan_id", how="left")
        .join(reviews, on="cp_plan_id", how="left")
        .join(earlier, on="cp_plan_id", how="left"),
        c,
        disabled,
        as_of,
    ).with_columns(
        pl.col("start_date").alias("ChildProtectionPlanStartDate"),
        pl.col("initial_category_code").alias("InitialCategoryOfAbuse"),
        pl.col("latest_category_code").alias("LatestCategoryOfAbuse"),
        pl.col("end_date").alias("ChildProtectionPlanEndDate"),
        pl.col("team_id").alias("AllocatedTeam"),
        pl.col("worker_id").alias("AllocatedWorker"),
    )


def care_leavers_list(c: Conformed, disabled: pl.LazyFrame | None, as_of: date, cat: Catalogue) -> pl.LazyFrame:
    leavers = care_leaver_cohort(c, cat, as_of).select("person_id").join(c.care_leaver, on="person_id")
    return _common(leavers, c, disabled, as_of).with_columns(
        pl.col("team_id").alias("AllocatedTeam"),
        pl.col("worker_id").alias("AllocatedPersonalAdvisor"),
        pl.col("eligibility_code").alias("EligibilityCategory"),
        pl.col("pathway_plan_review_date").alias("LatestPathwayPlan"),
        pl.col("in_touch_code").alias("LAInTouch"),
        pl.col("latest_contact_date").alias("LatestContact"),
        pl.col("accommodation_code").alias("TypeOfAccommodation"),
        pl.when(pl.col("is_suitable_accommodation"))
        .then(pl.lit("Suitable"))
        .when(~pl.col("is_suitable_accommodation"))
        .then(pl.lit("Unsuitable"))
        .alias("SuitabilityOfAccommodation"),
        pl.col("activity_code").alias("ActivityStatus"),
    )


def annex_a_lists(
    c: Conformed, disabled: pl.LazyFrame | None, cat: Catalogue, as_of: date, months: int = 6
) -> dict[int, pl.DataFrame]:
    """Every list this version writes, by number: Ofsted's columns in Ofsted's order, ordered by child and date."""
    start = months_before(as_of, months)
    builders: dict[int, Callable[[], pl.LazyFrame]] = {
        1: lambda: contacts_list(c, disabled, start, as_of),
        3: lambda: referrals_list(c, disabled, start, as_of),
        4: lambda: assessments_list(c, disabled, start, as_of),
        6: lambda: children_in_need_list(c, disabled, start, as_of, cat),
        7: lambda: child_protection_list(c, disabled, start, as_of),
        9: lambda: care_leavers_list(c, disabled, as_of, cat),
    }
    unbuilt = [s.number for s in ANNEX_A_LISTS if not s.not_written and s.number not in builders]
    if unbuilt:
        raise ValueError(f"declarations.annex_a declares lists {unbuilt} that nothing builds")
    return {
        spec.number: _in_order(builders[spec.number](), spec).collect()
        for spec in ANNEX_A_LISTS
        if spec.number in builders
    }


def _in_order(frame: pl.LazyFrame, spec: AnnexList) -> pl.LazyFrame:
    headings = list(spec.headings)
    first_date = next((h for h in headings[5:] if h.endswith("Date") or h.startswith("DateOf")), None)
    order = ["ChildUniqueID", *([first_date] if first_date else [])]
    return frame.select(headings).sort(order, nulls_last=True)
