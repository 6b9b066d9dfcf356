"""Ofsted's Annex A lists from the conformed tables: one function per list, each returning Ofsted's columns in
Ofsted's order (``declarations.annex_a``), dates as dates (written dd/mm/yyyy) and flags as Yes or No."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

from declarations.annex_a import ANNEX_A_LISTS, AnnexList
from declarations.catalogue import Catalogue
from declarations.registry import declared
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


def _allocated_to(c: Conformed, as_of: date) -> pl.LazyFrame:
    """AllocatedTeam and AllocatedWorker: the child's allocation at the date (the indicators' allocation)."""
    return allocated(c, as_of).rename({"team_id": "AllocatedTeam", "worker_id": "AllocatedWorker"})


def contacts_list(c: Conformed, disabled: pl.LazyFrame | None, start: date, as_of: date) -> pl.LazyFrame:
    return _common(c.contact.filter(pl.col("contact_date").is_between(start, as_of)), c, disabled, as_of).with_columns(
        pl.col("contact_date").alias("DateOfContact"), pl.col("source_code").alias("ContactSource")
    )


def referrals_list(c: Conformed, disabled: pl.LazyFrame | None, start: date, as_of: date) -> pl.LazyFrame:
    in_period = c.referral.filter(pl.col("referral_date").is_between(start, as_of))
    last_12 = _in_12_months_to(in_period, "referral_id", "referral_date", c.referral, "referral_date")
    return _common(
        in_period.join(last_12.rename({"events": "ReferralsLast12Months"}), on="referral_id", how="left"),
        c,
        disabled,
        as_of,
    ).with_columns(
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
            _allocated_to(c, as_of),
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


def _within_12_months(date_column: str, of: str) -> pl.Expr:
    """``date_column`` in the 12 months up to and including ``of``."""
    return (pl.col(date_column) <= pl.col(of)) & (pl.col(date_column) > pl.col(of).dt.offset_by("-12mo"))


def _in_12_months_to(frame: pl.LazyFrame, key: str, on: str, events: pl.LazyFrame, event_date: str) -> pl.LazyFrame:
    """Per row of ``frame`` (``key``), how many of the child's ``events`` fall in the 12 months up to its date
    ``on``, that day included (a row counts itself when it is one of the events): ``key``, ``events``."""
    return (
        frame.select(key, "person_id", on)
        .join(events.select("person_id", pl.col(event_date).alias("_other")), on="person_id")
        .filter(_within_12_months("_other", on))
        .group_by(key)
        .agg(pl.len().cast(pl.Int64).alias("events"))
    )


def _or_empty(frame: pl.LazyFrame | None, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    """A table the export may leave out: empty (its columns blank in the lists) when it did."""
    return frame if frame is not None else pl.LazyFrame(schema=schema)


def early_help_list(
    c: Conformed, disabled: pl.LazyFrame | None, start: date, as_of: date, episodes: pl.LazyFrame
) -> pl.LazyFrame:
    open_in_period = (pl.col("earl_episode_start_date") <= as_of) & (
        pl.col("earl_episode_end_date").is_null() | (pl.col("earl_episode_end_date") >= start)
    )
    return _common(
        episodes.filter(open_in_period).rename({"earl_person_id": "person_id"}), c, disabled, as_of
    ).with_columns(
        pl.col("earl_episode_start_date").alias("AssessmentStartDate"),
        pl.col("earl_episode_end_date").alias("AssessmentCompletionDate"),
        pl.col("earl_episode_organisation").alias("OrganisationCompletingAssessment"),
    )


def section_47_list(c: Conformed, disabled: pl.LazyFrame | None, start: date, as_of: date) -> pl.LazyFrame:
    enquiries = c.s47_enquiry.filter(
        (pl.col("start_date") <= as_of) & (pl.col("end_date").is_null() | (pl.col("end_date") >= start))
    )
    conference = (
        c.initial_cp_conference.filter(pl.col("s47_enquiry_id").is_not_null())
        .sort("s47_enquiry_id", "conference_date")
        .group_by("s47_enquiry_id", maintain_order=True)
        .first()
        .select(
            "s47_enquiry_id",
            pl.col("conference_date").alias("InitialCPConfDate"),
            yes_no(pl.col("is_cp_plan_outcome")).alias("CPConfResultInCPPlan"),
        )
    )
    s47s = _in_12_months_to(enquiries, "s47_enquiry_id", "start_date", c.s47_enquiry, "start_date")
    icpcs = _in_12_months_to(enquiries, "s47_enquiry_id", "start_date", c.initial_cp_conference, "conference_date")
    unnecessary = (
        pl.when(pl.col("end_date").is_null() | (pl.col("end_date") > as_of))
        .then(None)
        .otherwise(yes_no(pl.col("is_nfa").fill_null(False)))
    )
    return _common(
        enquiries.join(conference, on="s47_enquiry_id", how="left")
        .join(s47s.rename({"events": "NumberS47s12m"}), on="s47_enquiry_id", how="left")
        .join(icpcs.rename({"events": "NumberICPCs12m"}), on="s47_enquiry_id", how="left"),
        c,
        disabled,
        as_of,
    ).with_columns(
        pl.col("start_date").alias("StratDiscussionDate"),
        unnecessary.alias("InitialCPConfUnnecessary"),
        pl.col("NumberICPCs12m").fill_null(0),
        pl.col("team_id").alias("AllocatedTeam"),
        pl.col("worker_id").alias("AllocatedWorker"),
    )


def children_in_care_list(
    c: Conformed, disabled: pl.LazyFrame | None, start: date, as_of: date, more: dict[str, pl.LazyFrame]
) -> pl.LazyFrame:
    periods = c.cla_period_of_care.filter(
        (pl.col("start_date") <= as_of) & (pl.col("end_date").is_null() | (pl.col("end_date") >= start))
    )
    latest_episode = (
        c.cla_episode.filter(pl.col("start_date") <= as_of)
        .sort("cla_id", "start_date", "cla_episode_id")
        .group_by("cla_id", maintain_order=True)
        .last()
        .select(
            "cla_id",
            pl.col("primary_need_code").alias("ChildCategoryOfNeed"),
            pl.col("ceased_reason_code").alias("_ceased_reason"),
        )
    )
    earlier = (
        periods.select("cla_id", "person_id", "start_date")
        .join(
            c.cla_period_of_care.select(
                "person_id", pl.col("cla_id").alias("_other"), pl.col("end_date").alias("_ended")
            ),
            on="person_id",
        )
        .filter((pl.col("_other") != pl.col("cla_id")) & _within_12_months("_ended", "start_date"))
        .select("cla_id", pl.lit("Yes").alias("_subsequent"))
        .unique()
    )
    legal = (
        more["ssd_legal_status"]
        .filter(pl.col("lega_legal_status_start_date") <= as_of)
        .sort("lega_person_id", "lega_legal_status_start_date")
        .group_by("lega_person_id", maintain_order=True)
        .last()
        .select(
            pl.col("lega_person_id").alias("person_id"),
            pl.col("lega_legal_status_start_date").alias("MostRecentLegalStatusStart"),
            pl.col("lega_legal_status").alias("LegalStatus"),
        )
    )
    reviews = (
        c.cla_review_chain.filter(pl.col("review_date").is_not_null() & (pl.col("review_date") <= as_of))
        .group_by("cla_id")
        .agg(pl.col("review_date").max().alias("LatestStatutoryReviewDate"))
    )
    until = pl.min_horizontal(pl.col("end_date").fill_null(as_of), pl.lit(as_of))
    visits = (
        periods.select("cla_id", "person_id", "start_date", until.alias("_until"))
        .join(c.visit.select("person_id", "visit_date"), on="person_id")
        .filter(pl.col("visit_date").is_between(pl.col("start_date"), pl.col("_until")))
        .group_by("cla_id")
        .agg(pl.col("visit_date").max().alias("LastSocialWorkVisitDate"))
    )
    check = pl.col("clah_health_check_type").str.to_lowercase()
    health = (
        more["ssd_cla_health"]
        .filter(pl.col("clah_health_check_date") <= as_of)
        .group_by(pl.col("clah_person_id").alias("person_id"))
        .agg(
            pl.col("clah_health_check_date")
            .filter(check.str.contains("health"))
            .max()
            .alias("LastHealthAssessmentDate"),
            pl.col("clah_health_check_date").filter(check.str.contains("dental")).max().alias("LastDentalCheckDate"),
        )
    )
    placements = c.cla_placement.filter(pl.col("start_date") <= as_of)
    latest_placement = (
        placements.sort("cla_id", "start_date", "cla_placement_id")
        .group_by("cla_id", maintain_order=True)
        .last()
        .join(
            more["ssd_cla_placement"].select(
                pl.col("clap_cla_placement_id").alias("cla_placement_id"),
                pl.col("clap_cla_placement_urn").alias("PlacementURN"),
            ),
            on="cla_placement_id",
            how="left",
        )
        .select(
            "cla_id",
            pl.col("start_date").alias("MostRecentPlacementStartDate"),
            pl.col("placement_type_code").alias("PlacementType"),
            pl.col("provider_code").alias("PlacementProvider"),
            pl.col("postcode_sector").alias("PlacementPostcode"),
            "PlacementURN",
        )
    )
    recent_placements = (
        placements.filter(pl.col("start_date") > pl.lit(as_of).dt.offset_by("-12mo"))
        .group_by("cla_id")
        .agg(pl.len().cast(pl.Int64).alias("PlacementsLast12Months"))
    )
    kind = pl.col("miss_missing_episode_type").str.to_uppercase()
    missing = more["ssd_missing"].filter(pl.col("miss_missing_episode_start_date").is_between(start, as_of))
    away = missing.group_by(pl.col("miss_person_id").alias("person_id")).agg(
        kind.is_in(["M", "MISSING"]).sum().cast(pl.Int64).alias("EpisodesChildMissingFromPlacement"),
        kind.is_in(["A", "AWAY", "ABSENT", "ABSENCE"]).sum().cast(pl.Int64).alias("EpisodesChildAbsentFromPlacement"),
    )
    last_missing = (
        missing.filter(kind.is_in(["M", "MISSING"]))
        .sort("miss_person_id", "miss_missing_episode_start_date")
        .group_by("miss_person_id", maintain_order=True)
        .last()
        .select(
            pl.col("miss_person_id").alias("person_id"),
            yes_no(pl.col("miss_missing_rhi_offered")).alias("ChildOfferedReturnInterviewAfterLastMFH"),
            yes_no(pl.col("miss_missing_rhi_accepted")).alias("ChildAcceptedReturnInterviewAfterLastMFH"),
        )
    )
    status = pl.col("immi_immigration_status").str.to_uppercase()
    uasc = (
        more["ssd_immigration_status"]
        .filter(status.str.contains("UASC") | status.str.contains("UNACCOMPANIED"))
        .select(pl.col("immi_person_id").alias("person_id"), pl.lit("Yes").alias("UASC"))
        .unique()
    )
    ended = pl.col("end_date").is_not_null() & (pl.col("end_date") <= as_of)
    return _common(
        periods.join(latest_episode, on="cla_id", how="left")
        .join(earlier, on="cla_id", how="left")
        .join(legal, on="person_id", how="left")
        .join(reviews, on="cla_id", how="left")
        .join(visits, on="cla_id", how="left")
        .join(health, on="person_id", how="left")
        .join(latest_placement, on="cla_id", how="left")
        .join(recent_placements, on="cla_id", how="left")
        .join(away, on="person_id", how="left")
        .join(last_missing, on="person_id", how="left")
        .join(uasc, on="person_id", how="left")
        .join(
            _allocated_to(c, as_of),
            on="person_id",
            how="left",
        ),
        c,
        disabled,
        as_of,
    ).with_columns(
        pl.col("UASC").fill_null("No"),
        pl.col("start_date").alias("LookedAfterStartDate"),
        pl.col("_subsequent").fill_null("No").alias("SubsequentLACEpisodeLast12Months"),
        pl.lit(None, dtype=pl.String).alias("PermanencePlan"),
        pl.lit(None, dtype=pl.Date).alias("LastIROVisitDate"),
        pl.col("PlacementsLast12Months").fill_null(0),
        pl.when(ended).then(pl.col("end_date")).alias("CeasedLookedAfterDate"),
        pl.when(ended).then(pl.col("_ceased_reason")).alias("ReasonCeasedLookedAfter"),
        pl.col("EpisodesChildMissingFromPlacement").fill_null(0),
        pl.col("EpisodesChildAbsentFromPlacement").fill_null(0),
    )


def adoption_list(c: Conformed, disabled: pl.LazyFrame | None, as_of: date, permanence: pl.LazyFrame) -> pl.LazyFrame:
    year_before = pl.lit(as_of).dt.offset_by("-12mo")
    adopted = pl.col("perm_permanence_order_type").str.to_lowercase().str.contains("adoption")
    order = pl.when(adopted).then(pl.col("perm_permanence_order_date"))

    def in_year(column: pl.Expr) -> pl.Expr:
        return column.is_not_null() & (column > year_before) & (column <= as_of)

    decided = permanence.filter(pl.col("perm_adm_decision_date").is_not_null()).filter(
        in_year(order) | in_year(pl.col("perm_adm_decision_date")) | in_year(pl.col("perm_decision_reversed_date"))
    )
    return _common(
        decided.rename({"perm_person_id": "person_id"}).join(
            c.cla_period_of_care.select(
                pl.col("cla_id").alias("perm_cla_id"), pl.col("start_date").alias("EnteredCareDate")
            ),
            on="perm_cla_id",
            how="left",
        ),
        c,
        disabled,
        as_of,
    ).with_columns(
        pl.col("perm_adm_decision_date").alias("ADMDecisionDate"),
        pl.col("perm_placement_order_date").alias("PlacementOrderDate"),
        pl.col("perm_matched_date").alias("MatchedForAdoptionDate"),
        pl.col("perm_placed_for_adoption_date").alias("PlacedForAdoptionDate"),
        order.alias("AdoptionOrderDate"),
        pl.col("perm_decision_reversed_date").alias("DecisionReversedDate"),
        pl.col("perm_decision_reversed_reason").alias("DecisionReversedReason"),
        pl.col("perm_placed_ffa_cp_date").alias("DateFFAConcurrencyPlacement"),
    )


def annex_a_lists(
    c: Conformed,
    disabled: pl.LazyFrame | None,
    cat: Catalogue,
    as_of: date,
    months: int = 6,
    more: dict[str, pl.LazyFrame | None] | None = None,
) -> dict[int, pl.DataFrame]:
    """Every list the data supports, by number: Ofsted's columns in Ofsted's order, ordered by child and date.
    ``more``: the SSD's other tables the lists read (None for one the export left out: its columns are blank, and a
    list built from it alone is not written)."""
    start = months_before(as_of, months)
    given = more or {}
    tables = {name: _or_empty(given.get(name), staging_schema(name)) for name in MORE_TABLES}
    builders: dict[int, Callable[[], pl.LazyFrame]] = {
        1: lambda: contacts_list(c, disabled, start, as_of),
        2: lambda: early_help_list(c, disabled, start, as_of, tables["ssd_early_help_episodes"]),
        5: lambda: section_47_list(c, disabled, start, as_of),
        8: lambda: children_in_care_list(c, disabled, start, as_of, tables),
        10: lambda: adoption_list(c, disabled, as_of, tables["ssd_permanence"]),
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
        if spec.number in builders and (not spec.needs or given.get(spec.needs) is not None)
    }


# The SSD's other tables the lists read.
MORE_TABLES = (
    "ssd_early_help_episodes",
    "ssd_permanence",
    "ssd_legal_status",
    "ssd_missing",
    "ssd_cla_health",
    "ssd_immigration_status",
    "ssd_cla_placement",
)


def staging_schema(name: str) -> dict[str, pl.DataType]:
    return declared(f"staging.{name}").polars_schema()


def _in_order(frame: pl.LazyFrame, spec: AnnexList) -> pl.LazyFrame:
    headings = list(spec.headings)
    first_date = next((h for h in headings[5:] if h.endswith("Date") or h.startswith("DateOf")), None)
    order = ["ChildUniqueID", *([first_date] if first_date else [])]
    return frame.select(headings).sort(order, nulls_last=True)
