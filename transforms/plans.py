"""Plans, episodes and periods of care, in the field's words, from the staging tables."""

from __future__ import annotations

import polars as pl

from transforms.people import with_allocation_at
from transforms.reviews import cp_plan_next_review_due
from transforms.timescales import Timescales


def cp_plan_spell(ssd_cp_plans: pl.LazyFrame) -> pl.LazyFrame:
    """CP plans as recorded, in the field's words: the spells visits and reviews are linked to."""
    return ssd_cp_plans.select(
        pl.col("cppl_cp_plan_id").alias("cp_plan_id"),
        pl.col("cppl_person_id").alias("person_id"),
        pl.col("cppl_referral_id").alias("referral_id"),
        pl.col("cppl_icpc_id").alias("icpc_id"),
        pl.col("cppl_cp_plan_start_date").alias("start_date"),
        pl.col("cppl_cp_plan_end_date").alias("end_date"),
        pl.col("cppl_cp_plan_ola").alias("is_other_la_plan"),
        pl.col("cppl_cp_plan_initial_category").alias("initial_category_code"),
        pl.col("cppl_cp_plan_latest_category").alias("latest_category_code"),
    )


def cin_plan(ssd_cin_plans: pl.LazyFrame) -> pl.LazyFrame:
    return ssd_cin_plans.select(
        pl.col("cinp_cin_plan_id").alias("cin_plan_id"),
        pl.col("cinp_person_id").alias("person_id"),
        pl.col("cinp_referral_id").alias("referral_id"),
        pl.col("cinp_cin_plan_start_date").alias("start_date"),
        pl.col("cinp_cin_plan_end_date").alias("end_date"),
        pl.col("cinp_cin_plan_team").alias("team_id"),
        pl.col("cinp_cin_plan_worker_id").alias("worker_id"),
    )


def cla_episode_spell(ssd_cla_episodes: pl.LazyFrame) -> pl.LazyFrame:
    """Episodes of care as recorded, in the field's words."""
    return ssd_cla_episodes.select(
        pl.col("clae_cla_episode_id").alias("cla_episode_id"),
        pl.col("clae_cla_id").alias("cla_id"),
        pl.col("clae_person_id").alias("person_id"),
        pl.col("clae_cla_episode_start_date").alias("start_date"),
        pl.col("clae_cla_episode_ceased_date").alias("end_date"),
        pl.col("clae_cla_episode_start_reason").alias("start_reason_code"),
        pl.col("clae_cla_episode_ceased_reason").alias("ceased_reason_code"),
        pl.col("clae_cla_primary_need_code").alias("primary_need_code"),
        pl.col("clae_cla_placement_id").alias("cla_placement_id"),
        pl.col("clae_referral_id").alias("referral_id"),
    )


def cla_period_of_care(cla_episode_spell: pl.LazyFrame) -> pl.LazyFrame:
    """One row per period of care (``clae_cla_id``): it starts with its earliest episode and ends when its latest
    episode ceases (still open if that episode is)."""
    return (
        cla_episode_spell.filter(pl.col("cla_id").is_not_null())
        # An episode with no start date sorts first, so it never stands as the latest episode and closes the
        # period early; the missing date is reported by data quality (CLA-001).
        .sort(["cla_id", "start_date", "cla_episode_id"], nulls_last=False)
        .group_by("cla_id", maintain_order=True)
        .agg(
            pl.col("person_id").first(),
            pl.col("start_date").min(),
            pl.col("end_date").last().alias("end_date"),
            pl.len().alias("episode_count"),
        )
    )


def referral(ssd_cin_episodes: pl.LazyFrame) -> pl.LazyFrame:
    """Referrals, with whether each came within 12 months of the child's previous referral (a re-referral)."""
    base = ssd_cin_episodes.select(
        pl.col("cine_referral_id").alias("referral_id"),
        pl.col("cine_person_id").alias("person_id"),
        pl.col("cine_referral_date").alias("referral_date"),
        pl.col("cine_close_date").alias("close_date"),
        pl.col("cine_referral_nfa").alias("is_nfa"),
        pl.col("cine_cin_primary_need_code").alias("primary_need_code"),
        pl.col("cine_close_reason").alias("close_reason_code"),
        pl.col("cine_referral_source_code").alias("source_code"),
        pl.col("cine_referral_team").alias("team_id"),
        pl.col("cine_referral_worker_id").alias("worker_id"),
    )
    return (
        base.sort(["person_id", "referral_date", "referral_id"], nulls_last=True)
        .with_columns(pl.col("referral_date").shift(1).over("person_id").alias("previous_referral_date"))
        .with_columns(
            (
                pl.col("previous_referral_date").is_not_null()
                & (pl.col("previous_referral_date") >= pl.col("referral_date").dt.offset_by("-12mo"))
            ).alias("is_re_referral")
        )
    )


def cla_placement(ssd_cla_placement: pl.LazyFrame) -> pl.LazyFrame:
    return ssd_cla_placement.select(
        pl.col("clap_cla_placement_id").alias("cla_placement_id"),
        pl.col("clap_cla_id").alias("cla_id"),
        pl.col("clap_person_id").alias("person_id"),
        pl.col("clap_cla_placement_start_date").alias("start_date"),
        pl.col("clap_cla_placement_end_date").alias("end_date"),
        pl.col("clap_cla_placement_type").alias("placement_type_code"),
        pl.col("clap_cla_placement_provider").alias("provider_code"),
        pl.col("clap_cla_placement_distance").alias("distance_miles"),
        # Privacy practice in the sector: postcodes cut to the sector ("AB1 2").
        pl.col("clap_cla_placement_postcode").str.replace(r"^(\S+)\s*(\d).*$", "$1 $2").alias("postcode_sector"),
        pl.col("clap_cla_placement_change_reason").alias("change_reason_code"),
    )


def cp_plan(
    cp_plan_spell: pl.LazyFrame, allocation: pl.LazyFrame, cp_review: pl.LazyFrame, timescales: Timescales
) -> pl.LazyFrame:
    """Child protection plans, with the team and worker allocated at the start and the next review due."""
    return with_allocation_at(cp_plan_spell, allocation, key="cp_plan_id", on_date="start_date").join(
        cp_plan_next_review_due(cp_plan_spell, cp_review, timescales),
        on="cp_plan_id",
        how="left",
        maintain_order="left",
    )


def cla_episode(cla_episode_spell: pl.LazyFrame, allocation: pl.LazyFrame) -> pl.LazyFrame:
    """Episodes of care, with the team and worker allocated at the start."""
    return with_allocation_at(cla_episode_spell, allocation, key="cla_episode_id", on_date="start_date")


def health_check(ssd_cla_health: pl.LazyFrame) -> pl.LazyFrame:
    """Health checks, with their kind read from the type's words (builds write descriptions, not codes)."""
    words = pl.col("clah_health_check_type").str.to_lowercase()
    kind = (
        pl.when(words.str.contains("dental"))
        .then(pl.lit("dental"))
        .when(words.str.contains("initial"))
        .then(pl.lit("initial"))
        .when(words.str.contains("review") | words.str.contains("annual"))
        .then(pl.lit("review"))
        .otherwise(pl.lit("other"))
    )
    return ssd_cla_health.select(
        pl.col("clah_health_check_id").alias("health_check_id"),
        pl.col("clah_person_id").alias("person_id"),
        pl.col("clah_health_check_date").alias("check_date"),
        pl.col("clah_health_check_type").alias("check_type"),
        kind.alias("kind"),
        pl.col("clah_health_check_status").alias("status"),
    )


def missing_episode(ssd_missing: pl.LazyFrame) -> pl.LazyFrame:
    """Missing and away-without-authorisation episodes (SSDA903: M missing, A away)."""
    recorded = pl.col("miss_missing_episode_type").str.strip_chars().str.to_uppercase()
    return ssd_missing.select(
        pl.col("miss_table_id").alias("missing_episode_id"),
        pl.col("miss_person_id").alias("person_id"),
        pl.col("miss_missing_episode_start_date").alias("start_date"),
        pl.col("miss_missing_episode_end_date").alias("end_date"),
        pl.when(recorded.is_in(["A", "AWAY", "ABSENT", "ABSENCE"]))
        .then(pl.lit("absent"))
        .otherwise(pl.lit("missing"))
        .alias("kind"),
        pl.col("miss_missing_rhi_offered").alias("is_return_interview_offered"),
        pl.col("miss_missing_rhi_accepted").alias("is_return_interview_accepted"),
    )


def pre_proceedings(ssd_pre_proceedings: pl.LazyFrame) -> pl.LazyFrame:
    return ssd_pre_proceedings.select(
        pl.col("prep_table_id").alias("pre_proceedings_id"),
        pl.col("prep_person_id").alias("person_id"),
        pl.col("prep_pre_pro_decision_date").alias("decision_date"),
        pl.col("prep_agree_stepdown_issue_date").alias("concluded_date"),
        pl.col("prep_pre_pro_outcome").alias("outcome"),
    )
