"""The conformed tables: dimensions and facts in the field's words, one declaration each.

``transforms.conformed`` builds each with one function named after the table, whose parameters are named after the
tables it reads; ``warehouse.conformed`` writes them with these types and comments.
"""

from __future__ import annotations

from declarations.tables import Declared, Field

CHILD = "conformed.child.person_id"
PERSON = Field("person_id", "VARCHAR", "The child (ssd_person.pers_person_id).", references=CHILD)
TEAM = Field("team_id", "VARCHAR", "Team (ssd_department.dept_team_id).")
WORKER = Field("worker_id", "VARCHAR", "Worker (ssd_professionals.prof_professional_id).")
# In a table derived from another conformed table, whose rows' children are checked there.
DERIVED_PERSON = Field("person_id", "VARCHAR", "The child (ssd_person.pers_person_id).")
START = Field("start_date", "DATE", "Start date.")
END = Field("end_date", "DATE", "End date; null while open. Open at E means start <= E and (end null or end > E).")
MATCHED_BY = "How the link was made: 'id' (the id recorded on the row) or 'person and date'; null if unlinked."

CONFORMED_TABLES: tuple[Declared, ...] = (
    Declared(
        "conformed",
        "calendar",
        "Every date the data needs, with England and Wales bank holidays and working days.",
        key=("calendar_date",),
        columns=(
            Field("calendar_date", "DATE", "The date."),
            Field(
                "bank_holiday_name",
                "VARCHAR",
                "Name of the bank holiday, if the date is one (from the `holidays` package).",
            ),
            Field("iso_weekday", "TINYINT", "Day of the week, 1 = Monday to 7 = Sunday."),
            Field("is_bank_holiday", "BOOLEAN", "True on an England and Wales bank holiday."),
            Field("is_working_day", "BOOLEAN", "Monday to Friday and not a bank holiday."),
            Field(
                "working_days_to_date",
                "INTEGER",
                "Working days from the calendar's first date up to and including this one.",
            ),
        ),
    ),
    Declared(
        "conformed",
        "child",
        "The child dimension: one row per person in ssd_person. No names, UPN or NHS number.",
        key=("person_id",),
        columns=(
            Field("person_id", "VARCHAR", "The child (ssd_person.pers_person_id)."),
            Field(
                "date_of_birth",
                "DATE",
                "Date of birth (needed for ages; degraded to the month in published marts).",
                source="ssd_person.pers_dob",
            ),
            Field(
                "expected_date_of_birth",
                "DATE",
                "Expected date of birth of an unborn child.",
                source="ssd_person.pers_expected_dob",
            ),
            Field("date_of_death", "DATE", "Date of death, if any.", source="ssd_person.pers_death_date"),
            Field("sex_code", "VARCHAR", "Sex as recorded.", source="ssd_person.pers_sex"),
            Field("gender_code", "VARCHAR", "Gender code.", source="ssd_person.pers_gender"),
            Field("ethnicity_code", "VARCHAR", "DfE ethnicity code.", source="ssd_person.pers_ethnicity"),
            Field(
                "send_code",
                "VARCHAR",
                "Special educational needs and disabilities status.",
                source="ssd_person.pers_send_flag",
            ),
            Field("is_mother", "BOOLEAN", "True if the person is a mother.", source="ssd_person.pers_is_mother"),
        ),
    ),
    Declared(
        "conformed",
        "team",
        "Teams.",
        key=("team_id",),
        columns=(
            TEAM,
            Field("team_name", "VARCHAR", "Team name.", source="ssd_department.dept_team_name"),
            Field("service_area_id", "VARCHAR", "Parent unit.", source="ssd_department.dept_team_parent_id"),
            Field("service_area_name", "VARCHAR", "Parent unit name.", source="ssd_department.dept_team_parent_name"),
        ),
    ),
    Declared(
        "conformed",
        "worker",
        "Workers, without names.",
        key=("worker_id",),
        columns=(
            WORKER,
            Field("job_title", "VARCHAR", "Job title.", source="ssd_professionals.prof_professional_job_title"),
            Field(
                "is_agency_worker",
                "BOOLEAN",
                "True for an agency worker.",
                source="ssd_professionals.prof_agency_worker_flag",
            ),
            Field(
                "team",
                "VARCHAR",
                "The worker's department as recorded.",
                source="ssd_professionals.prof_professional_department",
            ),
            Field(
                "recorded_caseload",
                "BIGINT",
                "Caseload as recorded in the case system.",
                source="ssd_professionals.prof_professional_caseload",
            ),
            Field(
                "full_time_equivalent",
                "DOUBLE",
                "Full-time equivalence.",
                source="ssd_professionals.prof_full_time_equivalency",
            ),
        ),
    ),
    Declared(
        "conformed",
        "allocation",
        (
            "Involvements: a worker and team involved with a child, in a role. A child with a case-holding "
            "involvement open at E is allocated, to the team and worker of the most senior case-holding "
            "role open then."
        ),
        key=("involvement_id",),
        columns=(
            Field(
                "involvement_id", "VARCHAR", "Involvement identifier.", source="ssd_involvements.invo_involvements_id"
            ),
            PERSON,
            WORKER,
            TEAM,
            Field(
                "role",
                "VARCHAR",
                "Involvement type as received (CW, IRO, 16PLUS, ...).",
                source="ssd_involvements.invo_professional_role_id",
            ),
            Field("is_case_holding", "BOOLEAN", "True if the type holds the child's case (CSC_CASE_HOLDING_ROLES)."),
            Field(
                "case_holding_rank",
                "INTEGER",
                "Seniority among case-holding types, 1 = most senior; null if not case-holding.",
            ),
            START,
            END,
            Field(
                "referral_id",
                "VARCHAR",
                "Referral the involvement belongs to.",
                source="ssd_involvements.invo_referral_id",
            ),
        ),
    ),
    Declared(
        "conformed",
        "management_oversight",
        "Management oversight recorded on a child's case (local extension).",
        key=("oversight_id",),
        columns=(
            Field(
                "oversight_id",
                "VARCHAR",
                "Oversight record identifier.",
                source="ext_management_oversight.mgmt_oversight_id",
            ),
            PERSON,
            Field(
                "oversight_date",
                "DATE",
                "Date oversight was recorded.",
                source="ext_management_oversight.mgmt_oversight_date",
            ),
            WORKER,
        ),
    ),
    Declared(
        "conformed",
        "care_leaver",
        "Care leavers: one row per person, the record with the latest contact.",
        key=("person_id",),
        record_id="care_leaver_record_id",
        columns=(
            Field(
                "care_leaver_record_id",
                "VARCHAR",
                "The ssd_care_leavers row used.",
                source="ssd_care_leavers.clea_table_id",
            ),
            PERSON,
            Field(
                "eligibility_code",
                "VARCHAR",
                "Care-leaver eligibility.",
                source="ssd_care_leavers.clea_care_leaver_eligibility",
            ),
            Field("in_touch_code", "VARCHAR", "YES, NO, DIED, REFU, NREQ or RHOM."),
            Field(
                "latest_contact_date",
                "DATE",
                "Date of the latest contact.",
                source="ssd_care_leavers.clea_care_leaver_latest_contact",
            ),
            Field(
                "activity_code",
                "VARCHAR",
                "SSDA903 activity code (descriptions mapped in staging; unmapped kept as received).",
            ),
            Field(
                "accommodation_code",
                "VARCHAR",
                "SSDA903 accommodation code (a letter plus 1 suitable or 2 unsuitable).",
            ),
            Field("is_eet", "BOOLEAN", "In education, employment or training: activity F1-F5 or P1-P5."),
            Field(
                "is_suitable_accommodation",
                "BOOLEAN",
                "Accommodation code ending in 1, or a suitability value meaning suitable.",
            ),
            Field(
                "pathway_plan_review_date",
                "DATE",
                "Latest pathway plan review.",
                source="ssd_care_leavers.clea_pathway_plan_review_date",
            ),
            TEAM,
            WORKER,
        ),
    ),
    Declared(
        "conformed",
        "referral",
        "Referrals (CIN episodes), with re-referrals within 12 months.",
        key=("referral_id",),
        columns=(
            Field("referral_id", "VARCHAR", "Referral identifier.", source="ssd_cin_episodes.cine_referral_id"),
            PERSON,
            Field("referral_date", "DATE", "Date of referral.", source="ssd_cin_episodes.cine_referral_date"),
            Field(
                "close_date",
                "DATE",
                "Date the episode closed; null while open.",
                source="ssd_cin_episodes.cine_close_date",
            ),
            Field(
                "is_nfa",
                "BOOLEAN",
                "True if the referral led to no further action.",
                source="ssd_cin_episodes.cine_referral_nfa",
            ),
            Field(
                "primary_need_code",
                "VARCHAR",
                "CIN primary need code.",
                source="ssd_cin_episodes.cine_cin_primary_need_code",
            ),
            Field("close_reason_code", "VARCHAR", "CIN closure reason.", source="ssd_cin_episodes.cine_close_reason"),
            Field("source_code", "VARCHAR", "Referral source.", source="ssd_cin_episodes.cine_referral_source_code"),
            TEAM,
            WORKER,
            Field("previous_referral_date", "DATE", "Date of the child's previous referral, if any."),
            Field("is_re_referral", "BOOLEAN", "True if the previous referral was within 12 months before this one."),
        ),
    ),
    Declared(
        "conformed",
        "contact",
        "Contacts and the timeliness of the decision on them.",
        key=("contact_id",),
        columns=(
            Field("contact_id", "VARCHAR", "Contact identifier.", source="ssd_contacts.cont_contact_id"),
            PERSON,
            Field("contact_date", "DATE", "Date the contact was received.", source="ssd_contacts.cont_contact_date"),
            Field(
                "decision_date",
                "DATE",
                "Date the decision was made (cont_contact_outcome_date).",
                source="ssd_contacts.cont_contact_outcome_date",
            ),
            Field("source_code", "VARCHAR", "Contact source.", source="ssd_contacts.cont_contact_source_code"),
            Field("decision_due_date", "DATE", "wd(contact date, 1): the decision is due within one working day."),
            Field("is_decided_on_time", "BOOLEAN", "Decided on or before the due date."),
        ),
    ),
    Declared(
        "conformed",
        "assessment",
        "Single assessments and their 45-working-day timescale.",
        key=("assessment_id",),
        columns=(
            Field(
                "assessment_id", "VARCHAR", "Assessment identifier.", source="ssd_cin_assessments.cina_assessment_id"
            ),
            PERSON,
            Field(
                "referral_id",
                "VARCHAR",
                "Referral recorded on the assessment.",
                source="ssd_cin_assessments.cina_referral_id",
            ),
            START,
            Field(
                "authorised_date",
                "DATE",
                "Date the assessment was completed (authorised).",
                source="ssd_cin_assessments.cina_assessment_auth_date",
            ),
            Field(
                "is_child_seen",
                "BOOLEAN",
                "True if the child was seen.",
                source="ssd_cin_assessments.cina_assessment_child_seen",
            ),
            Field(
                "is_nfa",
                "BOOLEAN",
                "True if no further action.",
                source="ssd_cin_assessments.cina_assessment_outcome_nfa",
            ),
            TEAM,
            WORKER,
            Field("referral_date", "DATE", "Date of the linked referral."),
            Field("has_linked_referral", "BOOLEAN", "True if the recorded referral exists."),
            Field(
                "timescale_start_date",
                "DATE",
                "The referral date, or the assessment start when there is no linked referral.",
            ),
            Field("due_date", "DATE", "wd(timescale start, 45)."),
            Field("is_on_time", "BOOLEAN", "Authorised on or before the due date."),
        ),
    ),
    Declared(
        "conformed",
        "s47_enquiry",
        "Section 47 enquiries.",
        key=("s47_enquiry_id",),
        columns=(
            Field("s47_enquiry_id", "VARCHAR", "Enquiry identifier.", source="ssd_s47_enquiry.s47e_s47_enquiry_id"),
            PERSON,
            Field("referral_id", "VARCHAR", "Referral.", source="ssd_s47_enquiry.s47e_referral_id"),
            START,
            END,
            Field("is_nfa", "BOOLEAN", "True if no further action.", source="ssd_s47_enquiry.s47e_s47_nfa"),
            TEAM,
            WORKER,
        ),
    ),
    Declared(
        "conformed",
        "initial_cp_conference",
        "Initial child protection conferences and their 15-working-day timescale from the s47 start.",
        key=("icpc_id",),
        columns=(
            Field("icpc_id", "VARCHAR", "Conference identifier.", source="ssd_initial_cp_conference.icpc_icpc_id"),
            PERSON,
            Field(
                "s47_enquiry_id",
                "VARCHAR",
                "Section 47 enquiry.",
                source="ssd_initial_cp_conference.icpc_s47_enquiry_id",
            ),
            Field(
                "cp_plan_id", "VARCHAR", "CP plan started, if any.", source="ssd_initial_cp_conference.icpc_cp_plan_id"
            ),
            Field("referral_id", "VARCHAR", "Referral.", source="ssd_initial_cp_conference.icpc_referral_id"),
            Field("conference_date", "DATE", "Date held.", source="ssd_initial_cp_conference.icpc_icpc_date"),
            Field(
                "recorded_target_date",
                "DATE",
                "Target date as recorded.",
                source="ssd_initial_cp_conference.icpc_icpc_target_date",
            ),
            Field(
                "is_transfer_in",
                "BOOLEAN",
                "True for a transfer-in conference.",
                source="ssd_initial_cp_conference.icpc_icpc_transfer_in",
            ),
            Field(
                "is_cp_plan_outcome",
                "BOOLEAN",
                "True if the child was made subject to a CP plan.",
                source="ssd_initial_cp_conference.icpc_icpc_outcome_cp_flag",
            ),
            TEAM,
            WORKER,
            Field("s47_start_date", "DATE", "Start of the linked section 47 enquiry."),
            Field("due_date", "DATE", "wd(s47 start, 15); null with no linked enquiry."),
            Field("is_on_time", "BOOLEAN", "Held on or before the due date; null with no due date."),
        ),
    ),
    Declared(
        "conformed",
        "cin_plan",
        "Child in need plans.",
        key=("cin_plan_id",),
        columns=(
            Field("cin_plan_id", "VARCHAR", "CIN plan identifier.", source="ssd_cin_plans.cinp_cin_plan_id"),
            PERSON,
            Field("referral_id", "VARCHAR", "Referral.", source="ssd_cin_plans.cinp_referral_id"),
            START,
            END,
            TEAM,
            WORKER,
        ),
    ),
    Declared(
        "conformed",
        "cp_plan",
        "Child protection plans, with the team and worker allocated at the start and the next review due.",
        key=("cp_plan_id",),
        columns=(
            Field("cp_plan_id", "VARCHAR", "CP plan identifier.", source="ssd_cp_plans.cppl_cp_plan_id"),
            PERSON,
            Field("referral_id", "VARCHAR", "Referral.", source="ssd_cp_plans.cppl_referral_id"),
            Field(
                "icpc_id", "VARCHAR", "Initial conference that started the plan.", source="ssd_cp_plans.cppl_icpc_id"
            ),
            START,
            END,
            Field(
                "is_other_la_plan",
                "BOOLEAN",
                "True if held for another local authority.",
                source="ssd_cp_plans.cppl_cp_plan_ola",
            ),
            Field(
                "initial_category_code",
                "VARCHAR",
                "Initial category (NEG, PHY, SAB, EMO, MUL; unmapped kept as received).",
                source="ssd_cp_plans.cppl_cp_plan_initial_category",
            ),
            Field(
                "latest_category_code",
                "VARCHAR",
                "Latest category.",
                source="ssd_cp_plans.cppl_cp_plan_latest_category",
            ),
            Field("team_id", "VARCHAR", "Team of the child's allocation open at the plan start."),
            Field("worker_id", "VARCHAR", "Worker of the child's allocation open at the plan start."),
            Field("last_review_date", "DATE", "Date of the plan's latest review conference."),
            Field("review_count", "INTEGER", "Number of review conferences linked to the plan."),
            Field(
                "next_review_due_date",
                "DATE",
                "3 months after the start with no review, else 6 months after the last review.",
            ),
        ),
    ),
    Declared(
        "conformed",
        "cla_episode",
        "Episodes of care.",
        key=("cla_episode_id",),
        columns=(
            Field("cla_episode_id", "VARCHAR", "Episode identifier.", source="ssd_cla_episodes.clae_cla_episode_id"),
            Field("cla_id", "VARCHAR", "Period of care.", source="ssd_cla_episodes.clae_cla_id"),
            PERSON,
            START,
            END,
            Field(
                "start_reason_code",
                "VARCHAR",
                "Reason for new episode.",
                source="ssd_cla_episodes.clae_cla_episode_start_reason",
            ),
            Field(
                "ceased_reason_code",
                "VARCHAR",
                "Reason episode ceased.",
                source="ssd_cla_episodes.clae_cla_episode_ceased_reason",
            ),
            Field(
                "primary_need_code", "VARCHAR", "Primary need.", source="ssd_cla_episodes.clae_cla_primary_need_code"
            ),
            Field("cla_placement_id", "VARCHAR", "Placement.", source="ssd_cla_episodes.clae_cla_placement_id"),
            Field("referral_id", "VARCHAR", "Referral.", source="ssd_cla_episodes.clae_referral_id"),
            Field("team_id", "VARCHAR", "Team of the child's allocation open at the episode start."),
            Field("worker_id", "VARCHAR", "Worker of the child's allocation open at the episode start."),
        ),
    ),
    Declared(
        "conformed",
        "cla_period_of_care",
        "Periods of care: episodes sharing clae_cla_id, from the earliest start to the latest episode's end.",
        key=("cla_id",),
        columns=(
            Field("cla_id", "VARCHAR", "Period of care."),
            DERIVED_PERSON,
            Field("start_date", "DATE", "Start of the earliest episode."),
            Field("end_date", "DATE", "Ceased date of the latest episode; null while it is open."),
            Field("episode_count", "UINTEGER", "Number of episodes."),
        ),
    ),
    Declared(
        "conformed",
        "cla_placement",
        "Placements, postcodes cut to the sector.",
        key=("cla_placement_id",),
        columns=(
            Field(
                "cla_placement_id", "VARCHAR", "Placement identifier.", source="ssd_cla_placement.clap_cla_placement_id"
            ),
            Field("cla_id", "VARCHAR", "Period of care.", source="ssd_cla_placement.clap_cla_id"),
            PERSON,
            START,
            END,
            Field(
                "placement_type_code", "VARCHAR", "Placement type.", source="ssd_cla_placement.clap_cla_placement_type"
            ),
            Field("provider_code", "VARCHAR", "Provider.", source="ssd_cla_placement.clap_cla_placement_provider"),
            Field(
                "distance_miles",
                "DOUBLE",
                "Distance from home.",
                source="ssd_cla_placement.clap_cla_placement_distance",
            ),
            Field("postcode_sector", "VARCHAR", "Postcode sector (e.g. AB1 2)."),
            Field(
                "change_reason_code",
                "VARCHAR",
                "Reason for change.",
                source="ssd_cla_placement.clap_cla_placement_change_reason",
            ),
        ),
    ),
    Declared(
        "conformed",
        "visit",
        (
            "Visits: one row per child per day from all three visit tables, classified by what the child "
            "was on that day, whatever file the visit came in."
        ),
        key=("person_id", "visit_date"),
        record_id="visit_key",
        columns=(
            Field("visit_key", "VARCHAR", "person_id|visit_date."),
            PERSON,
            Field("visit_date", "DATE", "Date of the visit."),
            Field(
                "visit_kind",
                "VARCHAR",
                "What the child was on the day: cp, cla, cin (CIN plan), referral (open referral) or none.",
            ),
            Field(
                "is_seen",
                "BOOLEAN",
                "Seen if any record of the day says so; null if none does and one has no seen flag.",
            ),
            Field("is_seen_alone", "BOOLEAN", "Seen alone in any record of the day."),
            Field("is_bedroom_seen", "BOOLEAN", "Bedroom seen in any record of the day."),
            Field("has_record_without_seen_flag", "BOOLEAN", "A record of the day has no seen flag."),
            Field("record_count", "INTEGER", "Records collapsed into this visit."),
            Field("source_tables", "VARCHAR[]", "Files the records came in."),
            Field(
                "source_records",
                "STRUCT(table_name VARCHAR, visit_id VARCHAR)[]",
                "Every record collapsed into this visit: file and visit id.",
            ),
            Field("expected_source_table", "VARCHAR", "The file a visit of this kind belongs in."),
            Field(
                "is_in_expected_file", "BOOLEAN", "False when the visit came only in another file (contract problem 2)."
            ),
            Field("cp_plan_id", "VARCHAR", "CP plan open on the day."),
            Field("cp_plan_id_matched_by", "VARCHAR", MATCHED_BY),
            Field("recorded_cp_plan_id", "VARCHAR", "CP plan id recorded on the visit (often blank)."),
            Field(
                "is_recorded_against_other_plan",
                "BOOLEAN",
                "A CP plan id was recorded and it is not the plan open on the day.",
            ),
            Field("cla_id", "VARCHAR", "Period of care open on the day."),
            Field("cla_id_matched_by", "VARCHAR", MATCHED_BY),
            Field("recorded_cla_id", "VARCHAR", "Period of care recorded on the visit."),
            Field("cin_plan_id", "VARCHAR", "CIN plan open on the day."),
            Field("referral_id", "VARCHAR", "Referral open on the day."),
        ),
    ),
    Declared(
        "conformed",
        "cp_review",
        "CP review conferences, linked to their plan, with the due date each answered (review chain, 4.8).",
        key=("cp_review_id",),
        columns=(
            Field("cp_review_id", "VARCHAR", "Review identifier.", source="ssd_cp_reviews.cppr_cp_review_id"),
            PERSON,
            Field("review_date", "DATE", "Date held.", source="ssd_cp_reviews.cppr_cp_review_date"),
            Field(
                "cp_plan_id",
                "VARCHAR",
                "Plan reviewed: by id, else by person and date inside the plan (end date included).",
            ),
            Field("cp_plan_id_matched_by", "VARCHAR", MATCHED_BY),
            Field(
                "recorded_cp_plan_id",
                "VARCHAR",
                "Plan id recorded on the review (often blank).",
                source="ssd_cp_reviews.cppr_cp_plan_id",
            ),
            Field("plan_start_date", "DATE", "Start of the plan."),
            Field("review_number", "INTEGER", "1 for the plan's first review, and so on."),
            Field(
                "due_date",
                "DATE",
                "3 months after the plan start for the first review, else 6 months after the previous one.",
            ),
            Field("recorded_due_date", "DATE", "Due date as recorded.", source="ssd_cp_reviews.cppr_cp_review_due"),
            Field("is_on_time", "BOOLEAN", "Held on or before the due date."),
            Field(
                "is_plan_continued",
                "BOOLEAN",
                "True if the plan continues.",
                source="ssd_cp_reviews.cppr_cp_review_outcome_continue_cp",
            ),
        ),
    ),
    Declared(
        "conformed",
        "cla_review",
        "CLA reviews linked to their period of care; cancelled ones marked.",
        key=("cla_review_id",),
        columns=(
            Field("cla_review_id", "VARCHAR", "Review identifier.", source="ssd_cla_reviews.clar_cla_review_id"),
            PERSON,
            Field("review_date", "DATE", "Date held.", source="ssd_cla_reviews.clar_cla_review_date"),
            Field(
                "is_cancelled",
                "BOOLEAN",
                "True if cancelled (it answers no due date).",
                source="ssd_cla_reviews.clar_cla_review_cancelled",
            ),
            Field("cla_id", "VARCHAR", "Period of care: by id, else by person and date."),
            Field("cla_id_matched_by", "VARCHAR", MATCHED_BY),
            Field(
                "recorded_cla_id",
                "VARCHAR",
                "Period of care recorded on the review.",
                source="ssd_cla_reviews.clar_cla_id",
            ),
            Field(
                "recorded_due_date", "DATE", "Due date as recorded.", source="ssd_cla_reviews.clar_cla_review_due_date"
            ),
            Field(
                "participation_code",
                "VARCHAR",
                "How the child took part.",
                source="ssd_cla_reviews.clar_cla_review_participation",
            ),
        ),
    ),
    Declared(
        "conformed",
        "cla_review_chain",
        "The CLA review chain (5.18): one record per due date up to the batch date, held or missed.",
        key=("cla_id", "review_number"),
        columns=(
            Field("cla_id", "VARCHAR", "Period of care."),
            DERIVED_PERSON,
            Field("review_number", "INTEGER", "Position in the chain."),
            Field(
                "due_date",
                "DATE",
                "wd(start, 20) first, then 3 months after the first review, then 6 months after each.",
            ),
            Field("cla_review_id", "VARCHAR", "The review that answered it; null if missed."),
            Field("review_date", "DATE", "Date held; null if missed."),
            Field("is_on_time", "BOOLEAN", "Held on or before the due date."),
        ),
    ),
    Declared(
        "conformed",
        "cin_plan_review",
        "CIN plan reviews linked to their plan.",
        key=("cin_review_id",),
        columns=(
            Field("cin_review_id", "VARCHAR", "Review identifier.", source="ext_cin_plan_reviews.cinr_cin_review_id"),
            PERSON,
            Field("review_date", "DATE", "Date held.", source="ext_cin_plan_reviews.cinr_cin_review_date"),
            Field("cin_plan_id", "VARCHAR", "Plan reviewed: by id, else by person and date."),
            Field("cin_plan_id_matched_by", "VARCHAR", MATCHED_BY),
            Field(
                "recorded_cin_plan_id",
                "VARCHAR",
                "Plan id recorded on the review.",
                source="ext_cin_plan_reviews.cinr_cin_plan_id",
            ),
        ),
    ),
    Declared(
        "conformed",
        "health_check",
        "Health assessments and dental checks of children in care (ssd_cla_health), with what kind each is.",
        key=("health_check_id",),
        columns=(
            Field(
                "health_check_id", "VARCHAR", "Health check identifier.", source="ssd_cla_health.clah_health_check_id"
            ),
            PERSON,
            Field("check_date", "DATE", "Date of the check.", source="ssd_cla_health.clah_health_check_date"),
            Field("check_type", "VARCHAR", "Type as recorded.", source="ssd_cla_health.clah_health_check_type"),
            Field(
                "kind",
                "VARCHAR",
                "initial (an initial health assessment), review (a review health assessment), dental, or other: "
                "read from the type's words.",
            ),
            Field("status", "VARCHAR", "Status as recorded.", source="ssd_cla_health.clah_health_check_status"),
        ),
    ),
    Declared(
        "conformed",
        "missing_episode",
        "Episodes of a child missing from home or care, or away without authorisation (ssd_missing).",
        key=("missing_episode_id",),
        columns=(
            Field("missing_episode_id", "VARCHAR", "Episode identifier.", source="ssd_missing.miss_table_id"),
            PERSON,
            START,
            END,
            Field("kind", "VARCHAR", "missing, or absent (away without authorisation), from the type recorded."),
            Field(
                "is_return_interview_offered",
                "BOOLEAN",
                "A return home interview was offered.",
                source="ssd_missing.miss_missing_rhi_offered",
            ),
            Field(
                "is_return_interview_accepted",
                "BOOLEAN",
                "It was accepted.",
                source="ssd_missing.miss_missing_rhi_accepted",
            ),
        ),
    ),
    Declared(
        "conformed",
        "pre_proceedings",
        "Pre-proceedings under the Public Law Outline (ssd_pre_proceedings): from the decision to enter them to the "
        "agreement to step down or issue care proceedings.",
        key=("pre_proceedings_id",),
        columns=(
            Field("pre_proceedings_id", "VARCHAR", "Record identifier.", source="ssd_pre_proceedings.prep_table_id"),
            PERSON,
            Field(
                "decision_date",
                "DATE",
                "Decision to enter pre-proceedings.",
                source="ssd_pre_proceedings.prep_pre_pro_decision_date",
            ),
            Field(
                "concluded_date",
                "DATE",
                "Date step-down or the issue of proceedings was agreed; null while they go on.",
                source="ssd_pre_proceedings.prep_agree_stepdown_issue_date",
            ),
            Field("outcome", "VARCHAR", "Outcome as recorded.", source="ssd_pre_proceedings.prep_pre_pro_outcome"),
        ),
    ),
)
CONFORMED_BY_NAME = {t.name: t for t in CONFORMED_TABLES}
