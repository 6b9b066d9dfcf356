"""Children, teams, workers, allocations and care leavers. No names leave staging."""

from __future__ import annotations

import polars as pl

from transforms.spells import link_to_spell


def child(ssd_person: pl.LazyFrame) -> pl.LazyFrame:
    """The child dimension. Names, UPN and NHS number stay behind in staging."""
    return ssd_person.select(
        pl.col("pers_person_id").alias("person_id"),
        pl.col("pers_dob").alias("date_of_birth"),
        pl.col("pers_expected_dob").alias("expected_date_of_birth"),
        pl.col("pers_death_date").alias("date_of_death"),
        pl.col("pers_sex").alias("sex_code"),
        pl.col("pers_gender").alias("gender_code"),
        pl.col("pers_ethnicity").alias("ethnicity_code"),
        pl.col("pers_send_flag").alias("send_code"),
        pl.col("pers_is_mother").alias("is_mother"),
    )


def age_at(date_of_birth: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Whole years between date of birth and a date (a birthday on 29 February counts on 28 February)."""
    had_birthday = (on.dt.month() > date_of_birth.dt.month()) | (
        (on.dt.month() == date_of_birth.dt.month())
        & (on.dt.day() >= pl.min_horizontal(date_of_birth.dt.day(), on.dt.month_end().dt.day()))
    )
    return (on.dt.year() - date_of_birth.dt.year() - pl.when(had_birthday).then(0).otherwise(1)).cast(pl.Int32)


def team(ssd_department: pl.LazyFrame) -> pl.LazyFrame:
    return ssd_department.select(
        pl.col("dept_team_id").alias("team_id"),
        pl.col("dept_team_name").alias("team_name"),
        pl.col("dept_team_parent_id").alias("service_area_id"),
        pl.col("dept_team_parent_name").alias("service_area_name"),
    )


def worker(ssd_professionals: pl.LazyFrame) -> pl.LazyFrame:
    """Workers, without their names (shared outputs drop worker names: shared/contract.md)."""
    return ssd_professionals.select(
        pl.col("prof_professional_id").alias("worker_id"),
        pl.col("prof_professional_job_title").alias("job_title"),
        pl.col("prof_agency_worker_flag").alias("is_agency_worker"),
        pl.col("prof_professional_department").alias("team"),
        pl.col("prof_professional_caseload").alias("recorded_caseload"),
        pl.col("prof_full_time_equivalency").alias("full_time_equivalent"),
    )


def allocation(ssd_involvements: pl.LazyFrame, case_holding_roles: tuple[str, ...]) -> pl.LazyFrame:
    """Involvements: a worker and team involved with a child from start to end, in a role. Real exports hold
    every involvement type (case workers, independent reviewing officers, personal advisers, ...); only the
    ``case_holding_roles`` (most senior first) hold the child's case, and ``case_holding_rank`` orders them."""
    role = pl.col("invo_professional_role_id").str.strip_chars().str.to_uppercase()
    rank = role.replace_strict(
        {r.upper(): n for n, r in enumerate(case_holding_roles, start=1)}, default=None, return_dtype=pl.Int32
    )
    return ssd_involvements.select(
        pl.col("invo_involvements_id").alias("involvement_id"),
        pl.col("invo_person_id").alias("person_id"),
        pl.col("invo_professional_id").alias("worker_id"),
        pl.col("invo_professional_team").alias("team_id"),
        pl.col("invo_professional_role_id").alias("role"),
        rank.is_not_null().alias("is_case_holding"),
        rank.alias("case_holding_rank"),
        pl.col("invo_involvement_start_date").alias("start_date"),
        pl.col("invo_involvement_end_date").alias("end_date"),
        pl.col("invo_referral_id").alias("referral_id"),
    )


def case_holders(allocation: pl.LazyFrame) -> pl.LazyFrame:
    """The involvements that hold a case, for linking a child to their team and worker."""
    return allocation.filter(pl.col("is_case_holding"))


def management_oversight(ext_management_oversight: pl.LazyFrame) -> pl.LazyFrame:
    return ext_management_oversight.select(
        pl.col("mgmt_oversight_id").alias("oversight_id"),
        pl.col("mgmt_person_id").alias("person_id"),
        pl.col("mgmt_oversight_date").alias("oversight_date"),
        pl.col("mgmt_worker_id").alias("worker_id"),
    )


_SUITABLE = ("Y", "YES", "SUITABLE", "1")


def care_leaver_record(ssd_care_leavers: pl.LazyFrame) -> pl.LazyFrame:
    """Every care-leaver record, with EET and suitability read from the (already mapped) codes."""
    activity = pl.col("clea_care_leaver_activity")
    accommodation = pl.col("clea_care_leaver_accommodation")
    return ssd_care_leavers.select(
        pl.col("clea_table_id").alias("care_leaver_record_id"),
        pl.col("clea_person_id").alias("person_id"),
        pl.col("clea_care_leaver_eligibility").alias("eligibility_code"),
        pl.col("clea_care_leaver_in_touch").str.to_uppercase().alias("in_touch_code"),
        pl.col("clea_care_leaver_latest_contact").alias("latest_contact_date"),
        activity.alias("activity_code"),
        accommodation.alias("accommodation_code"),
        # SSDA903: F*/P* are in education, employment or training; G4-G6 are not.
        activity.str.contains(r"^[FP][1-5]$").alias("is_eet"),
        # Accommodation codes end in 1 (suitable) or 2 (unsuitable); else the suitability column decides.
        pl.when(accommodation.str.contains(r"^[A-Z][12]$"))
        .then(accommodation.str.ends_with("1"))
        .otherwise(pl.col("clea_care_leaver_accom_suitable").str.to_uppercase().is_in(_SUITABLE))
        .alias("is_suitable_accommodation"),
        pl.col("clea_pathway_plan_review_date").alias("pathway_plan_review_date"),
        pl.col("clea_care_leaver_allocated_team").alias("team_id"),
        pl.col("clea_care_leaver_worker_id").alias("worker_id"),
        pl.col("_row_number"),
    )


def care_leaver(care_leaver_record: pl.LazyFrame) -> pl.LazyFrame:
    """One row per person: the record with the latest contact (indicators.md), the later row on a tie."""
    return (
        care_leaver_record.filter(pl.col("person_id").is_not_null())
        .sort(["person_id", "latest_contact_date", "_row_number"], nulls_last=False)
        .group_by("person_id", maintain_order=True)
        .last()
        .drop("_row_number")
    )


def superseded_care_leaver_records(care_leaver_record: pl.LazyFrame, care_leaver: pl.LazyFrame) -> pl.LazyFrame:
    """The care-leaver records not carried into ``care_leaver``, with the reason (for conformed.excluded_records)."""
    return care_leaver_record.join(
        care_leaver.select("care_leaver_record_id"), on="care_leaver_record_id", how="anti"
    ).select(
        pl.col("care_leaver_record_id").alias("record_id"),
        pl.when(pl.col("person_id").is_null())
        .then(pl.lit("care-leaver record with no person"))
        .otherwise(pl.lit("superseded by the person's care-leaver record with the latest contact"))
        .alias("reason"),
    )


def with_allocation_at(frame: pl.LazyFrame, allocation: pl.LazyFrame, *, key: str, on_date: str) -> pl.LazyFrame:
    """Add the team and worker of the child's case-holding involvement open on ``on_date`` (the most senior
    role, then the latest started): plans and episodes carry no team in the SSD."""
    holders = case_holders(allocation)
    linked = link_to_spell(
        frame,
        holders,
        event_key=key,
        event_date=on_date,
        recorded_spell_id=None,
        spell_id="involvement_id",
        linked_id="_involvement_id",
        spell_rank="case_holding_rank",
        end_inclusive=True,
    )
    return linked.join(
        allocation.select(pl.col("involvement_id").alias("_involvement_id"), "team_id", "worker_id"),
        on="_involvement_id",
        how="left",
        maintain_order="left",
    ).drop("_involvement_id", "_involvement_id_matched_by")
