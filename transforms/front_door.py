"""Front-door events and their timescales: contacts, assessments, section 47 enquiries, initial conferences."""

from __future__ import annotations

import polars as pl

from transforms.calendar import add_working_days
from transforms.timescales import DEFAULT_TIMESCALES, Timescales


def contact(
    ssd_contacts: pl.LazyFrame, calendar: pl.LazyFrame, timescales: Timescales = DEFAULT_TIMESCALES
) -> pl.LazyFrame:
    """Contacts with the decision deadline wd(contact date, the contact decision's working days: 1 by default,
    indicator 2.1) and whether the decision met it."""
    base = ssd_contacts.select(
        pl.col("cont_contact_id").alias("contact_id"),
        pl.col("cont_person_id").alias("person_id"),
        pl.col("cont_contact_date").alias("contact_date"),
        pl.col("cont_contact_outcome_date").alias("decision_date"),
        pl.col("cont_contact_source_code").alias("source_code"),
    )
    return add_working_days(
        base,
        calendar,
        date_column="contact_date",
        days=timescales.contact_decision_working_days,
        alias="decision_due_date",
    ).with_columns(
        (pl.col("decision_date").is_not_null() & (pl.col("decision_date") <= pl.col("decision_due_date"))).alias(
            "is_decided_on_time"
        )
    )


def assessment(
    ssd_cin_assessments: pl.LazyFrame,
    referral: pl.LazyFrame,
    calendar: pl.LazyFrame,
    timescales: Timescales = DEFAULT_TIMESCALES,
) -> pl.LazyFrame:
    """Single assessments. The working days (45 by default: indicator 2.10a) run from the linked referral's
    date; with no linked referral, from the assessment's own start."""
    base = ssd_cin_assessments.select(
        pl.col("cina_assessment_id").alias("assessment_id"),
        pl.col("cina_person_id").alias("person_id"),
        pl.col("cina_referral_id").alias("referral_id"),
        pl.col("cina_assessment_start_date").alias("start_date"),
        pl.col("cina_assessment_auth_date").alias("authorised_date"),
        pl.col("cina_assessment_child_seen").alias("is_child_seen"),
        pl.col("cina_assessment_outcome_nfa").alias("is_nfa"),
        pl.col("cina_assessment_team").alias("team_id"),
        pl.col("cina_assessment_worker_id").alias("worker_id"),
    )
    linked = base.join(
        referral.select("referral_id", "referral_date", pl.lit(True).alias("has_referral")),
        on="referral_id",
        how="left",
        maintain_order="left",
    ).with_columns(
        pl.col("has_referral").fill_null(False).alias("has_linked_referral"),
        pl.coalesce("referral_date", "start_date").alias("timescale_start_date"),
    )
    return add_working_days(
        linked.drop("has_referral"),
        calendar,
        date_column="timescale_start_date",
        days=timescales.assessment_working_days,
        alias="due_date",
    ).with_columns(
        (pl.col("authorised_date").is_not_null() & (pl.col("authorised_date") <= pl.col("due_date"))).alias(
            "is_on_time"
        )
    )


def s47_enquiry(ssd_s47_enquiry: pl.LazyFrame) -> pl.LazyFrame:
    return ssd_s47_enquiry.select(
        pl.col("s47e_s47_enquiry_id").alias("s47_enquiry_id"),
        pl.col("s47e_person_id").alias("person_id"),
        pl.col("s47e_referral_id").alias("referral_id"),
        pl.col("s47e_s47_start_date").alias("start_date"),
        pl.col("s47e_s47_end_date").alias("end_date"),
        pl.col("s47e_s47_nfa").alias("is_nfa"),
        pl.col("s47e_s47_completed_by_team").alias("team_id"),
        pl.col("s47e_s47_completed_by_worker_id").alias("worker_id"),
    )


def initial_cp_conference(
    ssd_initial_cp_conference: pl.LazyFrame,
    s47_enquiry: pl.LazyFrame,
    calendar: pl.LazyFrame,
    timescales: Timescales = DEFAULT_TIMESCALES,
) -> pl.LazyFrame:
    """Initial CP conferences, due 15 working days after the section 47 enquiry started (the strategy
    discussion). Transfer-in conferences have no enquiry here and no due date."""
    base = ssd_initial_cp_conference.select(
        pl.col("icpc_icpc_id").alias("icpc_id"),
        pl.col("icpc_person_id").alias("person_id"),
        pl.col("icpc_s47_enquiry_id").alias("s47_enquiry_id"),
        pl.col("icpc_cp_plan_id").alias("cp_plan_id"),
        pl.col("icpc_referral_id").alias("referral_id"),
        pl.col("icpc_icpc_date").alias("conference_date"),
        pl.col("icpc_icpc_target_date").alias("recorded_target_date"),
        pl.col("icpc_icpc_transfer_in").alias("is_transfer_in"),
        pl.col("icpc_icpc_outcome_cp_flag").alias("is_cp_plan_outcome"),
        pl.col("icpc_icpc_team").alias("team_id"),
        pl.col("icpc_icpc_worker_id").alias("worker_id"),
    )
    linked = base.join(
        s47_enquiry.select("s47_enquiry_id", pl.col("start_date").alias("s47_start_date")),
        on="s47_enquiry_id",
        how="left",
        maintain_order="left",
    )
    return add_working_days(
        linked, calendar, date_column="s47_start_date", days=timescales.icpc_working_days, alias="due_date"
    ).with_columns(
        (pl.col("conference_date").is_not_null() & (pl.col("conference_date") <= pl.col("due_date"))).alias(
            "is_on_time"
        )
    )
