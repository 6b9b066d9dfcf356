"""The extract contract: every SSD table and column the pipeline ingests, declared once.

This is the single place a table or column is described. The raw and staging DDL, the file loaders, the
synthetic generator, the data dictionary in the docs and the basic expectations all derive from it
(see ``shared/contract.md`` and the Data to Insight SSD, ``data-to-insight/ssd-data-model``).

Column kinds:
- ``id``: a text identifier (up to 48 characters). Never cast to a number: councils' ids can carry leading zeros.
- ``text``: free text or a code kept as received.
- ``code``: a code list value; with ``mapping`` set, descriptions ("Neglect") are mapped to codes ("NEG").
- ``date``: a date or datetime in any of the formats councils export (ISO, UK day-first, SQL Server datetime).
- ``flag``: a Y/N flag, typed as a boolean.
- ``int`` / ``float``: numbers.
- ``json``: text built by string concatenation in the SSD scripts; kept as text, its validity is checked later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["id", "text", "code", "date", "flag", "int", "float", "json"]

# Recording problem 1 of the contract: the SSD scripts write 1900-01-01 for "no date" and -1 for "no worker/team".
DATE_SENTINELS: tuple[str, ...] = ("1900-01-01",)
ID_SENTINELS: tuple[str, ...] = ("-1",)


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    description: str
    # For ``code`` columns: the name of the mapping (``warehouse.codes``) from descriptions to codes.
    mapping: str | None = None
    # Local extension (EXT) columns are not in the SSD itself.
    ext: bool = False

    @property
    def duckdb_type(self) -> str:
        return {
            "id": "VARCHAR",
            "text": "VARCHAR",
            "code": "VARCHAR",
            "json": "VARCHAR",
            "date": "DATE",
            "flag": "BOOLEAN",
            "int": "BIGINT",
            "float": "DOUBLE",
        }[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    description: str
    columns: tuple[Column, ...]
    # Who usually owns the recording in this table (used to route data-quality alerts).
    owner: str = "performance"
    ext: bool = False
    person_column: str | None = field(default=None)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _t(name: str, description: str, *columns: Column, ext: bool = False, person: str | None = None) -> Table:
    return Table(
        name=name,
        key=columns[0].name,
        description=description,
        columns=columns,
        ext=ext,
        person_column=person,
    )


C = Column

TABLES: tuple[Table, ...] = (
    _t(
        "ssd_person",
        "Children and young people known to children's social care, one row per person.",
        C("pers_person_id", "id", "Person identifier in the case system."),
        C("pers_legacy_id", "id", "Identifier in a previous case system."),
        C("pers_upn", "text", "Unique pupil number."),
        C("pers_forename", "text", "Forename (personal data: never published)."),
        C("pers_surname", "text", "Surname (personal data: never published)."),
        C("pers_sex", "code", "Sex as recorded (M, F, U)."),
        C("pers_gender", "code", "Gender identity code."),
        C("pers_ethnicity", "code", "DfE ethnicity code (e.g. WBRI)."),
        C("pers_dob", "date", "Date of birth (personal data: degraded to the month downstream)."),
        C("pers_single_unique_id", "id", "NHS number or other single unique identifier."),
        C("pers_upn_unknown", "code", "Reason the UPN is unknown (UN1-UN10)."),
        C("pers_send_flag", "code", "Special educational needs and disabilities status."),
        C("pers_expected_dob", "date", "Expected date of birth for an unborn child."),
        C("pers_death_date", "date", "Date of death, if any."),
        C("pers_is_mother", "flag", "Y if the person is a mother."),
        C("pers_nationality", "text", "Nationality."),
        person="pers_person_id",
    ),
    _t(
        "ssd_department",
        "Teams (departments) of the service.",
        C("dept_team_id", "id", "Team identifier."),
        C("dept_team_name", "text", "Team name."),
        C("dept_team_parent_id", "id", "Parent unit (service area) identifier."),
        C("dept_team_parent_name", "text", "Parent unit (service area) name."),
    ),
    _t(
        "ssd_professionals",
        "Workers (social workers, personal advisers, managers).",
        C("prof_professional_id", "id", "Worker identifier in the case system."),
        C("prof_staff_id", "id", "HR staff number."),
        C("prof_professional_name", "text", "Worker name (never published)."),
        C("prof_social_worker_registration_no", "text", "Social Work England registration number."),
        C("prof_agency_worker_flag", "flag", "Y if an agency worker."),
        C("prof_professional_job_title", "text", "Job title."),
        C("prof_professional_caseload", "int", "Number of children allocated to the worker."),
        C("prof_professional_department", "text", "Team the worker belongs to (team id or name)."),
        C("prof_full_time_equivalency", "float", "Full-time equivalence, 0 to 1."),
    ),
    _t(
        "ssd_involvements",
        "Allocations of a worker and team to a child; an involvement open at a date makes the child allocated.",
        C("invo_involvements_id", "id", "Involvement identifier."),
        C("invo_professional_id", "id", "Allocated worker (-1 means none)."),
        C("invo_professional_role_id", "text", "Role of the worker in the involvement."),
        C("invo_professional_team", "id", "Team of the allocation (-1 means none)."),
        C("invo_person_id", "id", "Child."),
        C("invo_involvement_start_date", "date", "Start of the allocation."),
        C("invo_involvement_end_date", "date", "End of the allocation; blank while open."),
        C("invo_worker_change_reason", "text", "Why the worker changed."),
        C("invo_referral_id", "id", "Referral the involvement belongs to."),
        person="invo_person_id",
    ),
    _t(
        "ssd_contacts",
        "Contacts to the front door, with the decision on each.",
        C("cont_contact_id", "id", "Contact identifier."),
        C("cont_person_id", "id", "Child the contact is about."),
        C("cont_contact_date", "date", "Date the contact was received."),
        C("cont_contact_source_code", "code", "Source of the contact (DfE referral source code)."),
        C("cont_contact_source_desc", "text", "Source of the contact, described."),
        C("cont_contact_outcome_json", "json", "Outcomes of the contact (concatenated JSON)."),
        C(
            "cont_contact_outcome_date",
            "date",
            "Date the decision on the contact was made (local extension).",
            ext=True,
        ),
        person="cont_person_id",
    ),
    _t(
        "ssd_cin_episodes",
        "Referrals: each opens an episode of need that stays open until closed.",
        C("cine_referral_id", "id", "Referral identifier."),
        C("cine_person_id", "id", "Child."),
        C("cine_referral_date", "date", "Date of referral."),
        C("cine_cin_primary_need_code", "code", "CIN census primary need code (N0-N9)."),
        C("cine_referral_source_code", "code", "Referral source code."),
        C("cine_referral_source_desc", "text", "Referral source, described."),
        C("cine_referral_outcome_json", "json", "Referral outcomes (concatenated JSON)."),
        C("cine_referral_nfa", "flag", "Y if the referral led to no further action."),
        C("cine_close_reason", "code", "CIN closure reason (RC1-RC9)."),
        C("cine_close_date", "date", "Date the episode closed; blank while open."),
        C("cine_referral_team", "id", "Team that took the referral."),
        C("cine_referral_worker_id", "id", "Worker allocated to the referral."),
        person="cine_person_id",
    ),
    _t(
        "ssd_cin_assessments",
        "Single (child and family) assessments.",
        C("cina_assessment_id", "id", "Assessment identifier."),
        C("cina_person_id", "id", "Child."),
        C("cina_referral_id", "id", "Referral the assessment belongs to."),
        C("cina_assessment_start_date", "date", "Date the assessment started."),
        C("cina_assessment_child_seen", "flag", "Y if the child was seen during the assessment."),
        C("cina_assessment_auth_date", "date", "Date the assessment was completed (authorised)."),
        C("cina_assessment_outcome_json", "json", "Assessment outcomes (concatenated JSON)."),
        C("cina_assessment_outcome_nfa", "flag", "Y if no further action."),
        C("cina_assessment_team", "id", "Team that did the assessment."),
        C("cina_assessment_worker_id", "id", "Worker who did the assessment."),
        person="cina_person_id",
    ),
    _t(
        "ssd_s47_enquiry",
        "Section 47 (child protection) enquiries.",
        C("s47e_s47_enquiry_id", "id", "Enquiry identifier."),
        C("s47e_referral_id", "id", "Referral the enquiry belongs to."),
        C("s47e_person_id", "id", "Child."),
        C("s47e_s47_start_date", "date", "Date the enquiry started (strategy discussion)."),
        C("s47e_s47_end_date", "date", "Date the enquiry ended."),
        C("s47e_s47_nfa", "flag", "Y if no further action."),
        C("s47e_s47_outcome_json", "json", "Outcomes (concatenated JSON)."),
        C("s47e_s47_completed_by_team", "id", "Team that completed the enquiry."),
        C("s47e_s47_completed_by_worker_id", "id", "Worker who completed the enquiry."),
        person="s47e_person_id",
    ),
    _t(
        "ssd_initial_cp_conference",
        "Initial child protection conferences.",
        C("icpc_icpc_id", "id", "Conference identifier."),
        C("icpc_icpc_meeting_id", "id", "Meeting identifier (shared by siblings at one meeting)."),
        C("icpc_s47_enquiry_id", "id", "Section 47 enquiry that led to the conference."),
        C("icpc_person_id", "id", "Child."),
        C("icpc_cp_plan_id", "id", "CP plan the conference started, if any."),
        C("icpc_referral_id", "id", "Referral."),
        C("icpc_icpc_transfer_in", "flag", "Y if a transfer-in conference."),
        C("icpc_icpc_target_date", "date", "Date the conference was due."),
        C("icpc_icpc_date", "date", "Date the conference was held."),
        C("icpc_icpc_outcome_cp_flag", "flag", "Y if the child was made subject to a CP plan."),
        C("icpc_icpc_outcome_json", "json", "Outcomes (concatenated JSON)."),
        C("icpc_icpc_team", "id", "Team."),
        C("icpc_icpc_worker_id", "id", "Worker."),
        person="icpc_person_id",
    ),
    _t(
        "ssd_cin_plans",
        "Child in need plans.",
        C("cinp_cin_plan_id", "id", "CIN plan identifier."),
        C("cinp_referral_id", "id", "Referral."),
        C("cinp_person_id", "id", "Child."),
        C("cinp_cin_plan_start_date", "date", "Plan start."),
        C("cinp_cin_plan_end_date", "date", "Plan end; blank while open."),
        C("cinp_cin_plan_team", "id", "Team responsible."),
        C("cinp_cin_plan_worker_id", "id", "Worker responsible."),
        person="cinp_person_id",
    ),
    _t(
        "ssd_cin_visits",
        "Visits recorded as CIN visits. Some systems also put CP and CLA visits here (contract problem 2).",
        C("cinv_cin_visit_id", "id", "Visit identifier."),
        C("cinv_person_id", "id", "Child."),
        C("cinv_cin_visit_date", "date", "Date of the visit."),
        C("cinv_cin_visit_seen", "flag", "Y if the child was seen."),
        C("cinv_cin_visit_seen_alone", "flag", "Y if the child was seen alone."),
        C("cinv_cin_visit_bedroom", "flag", "Y if the child's bedroom was seen."),
        person="cinv_person_id",
    ),
    _t(
        "ssd_cp_plans",
        "Child protection plans.",
        C("cppl_cp_plan_id", "id", "CP plan identifier."),
        C("cppl_referral_id", "id", "Referral."),
        C("cppl_icpc_id", "id", "Initial conference that started the plan."),
        C("cppl_person_id", "id", "Child."),
        C("cppl_cp_plan_start_date", "date", "Plan start."),
        C("cppl_cp_plan_end_date", "date", "Plan end; blank while open."),
        C("cppl_cp_plan_ola", "flag", "Y if the plan is held for another local authority."),
        C("cppl_cp_plan_initial_category", "code", "Initial category of abuse.", mapping="cp_category"),
        C("cppl_cp_plan_latest_category", "code", "Latest category of abuse.", mapping="cp_category"),
        person="cppl_person_id",
    ),
    _t(
        "ssd_cp_visits",
        "Visits to children on CP plans. The plan id is often blank (contract problem 3).",
        C("cppv_cp_visit_id", "id", "Visit identifier."),
        C("cppv_person_id", "id", "Child."),
        C("cppv_cp_plan_id", "id", "CP plan the visit was recorded against (often blank)."),
        C("cppv_cp_visit_date", "date", "Date of the visit."),
        C("cppv_cp_visit_seen", "flag", "Y if the child was seen."),
        C("cppv_cp_visit_seen_alone", "flag", "Y if the child was seen alone."),
        C("cppv_cp_visit_bedroom", "flag", "Y if the child's bedroom was seen."),
        person="cppv_person_id",
    ),
    _t(
        "ssd_cp_reviews",
        "Child protection review conferences.",
        C("cppr_cp_review_id", "id", "Review identifier."),
        C("cppr_person_id", "id", "Child."),
        C("cppr_cp_plan_id", "id", "CP plan reviewed (often blank)."),
        C("cppr_cp_review_due", "date", "Date the review was due."),
        C("cppr_cp_review_date", "date", "Date the review was held."),
        C("cppr_cp_review_meeting_id", "id", "Meeting identifier."),
        C("cppr_cp_review_outcome_continue_cp", "flag", "Y if the plan continues."),
        C("cppr_cp_review_quorate", "text", "Whether the conference was quorate."),
        C("cppr_cp_review_participation", "text", "How the child took part."),
        person="cppr_person_id",
    ),
    _t(
        "ssd_cla_episodes",
        "Episodes of care (SSDA903); episodes sharing clae_cla_id form one period of care.",
        C("clae_cla_episode_id", "id", "Episode identifier."),
        C("clae_person_id", "id", "Child."),
        C("clae_cla_placement_id", "id", "Placement of the episode."),
        C("clae_cla_episode_start_date", "date", "Episode start."),
        C("clae_cla_episode_start_reason", "code", "Reason for new episode (RNE code)."),
        C("clae_cla_primary_need_code", "code", "Primary need (N1-N8)."),
        C("clae_cla_episode_ceased_date", "date", "Episode end; blank while open."),
        C("clae_cla_episode_ceased_reason", "code", "Reason episode ceased (REC code)."),
        C("clae_cla_id", "id", "Period of care the episode belongs to."),
        C("clae_referral_id", "id", "Referral."),
        C("clae_cla_last_iro_contact_date", "date", "Last contact with the independent reviewing officer."),
        C("clae_entered_care_date", "date", "Date the child entered care (start of the period of care)."),
        person="clae_person_id",
    ),
    _t(
        "ssd_cla_placement",
        "Placements of children looked after.",
        C("clap_cla_placement_id", "id", "Placement identifier."),
        C("clap_cla_id", "id", "Period of care."),
        C("clap_person_id", "id", "Child."),
        C("clap_cla_placement_start_date", "date", "Placement start."),
        C("clap_cla_placement_type", "code", "Placement type (SSDA903 code, e.g. U1)."),
        C("clap_cla_placement_urn", "text", "Ofsted URN of the provider."),
        C("clap_cla_placement_distance", "float", "Distance from home in miles."),
        C("clap_cla_placement_provider", "code", "Placement provider code (PR0-PR5)."),
        C("clap_cla_placement_postcode", "text", "Placement postcode (personal data: cut to the sector)."),
        C("clap_cla_placement_end_date", "date", "Placement end; blank while open."),
        C("clap_cla_placement_change_reason", "code", "Reason for placement change."),
        person="clap_person_id",
    ),
    _t(
        "ssd_cla_reviews",
        "Reviews of children looked after.",
        C("clar_cla_review_id", "id", "Review identifier."),
        C("clar_cla_id", "id", "Period of care reviewed."),
        C("clar_cla_person_id", "id", "Child."),
        C("clar_cla_review_due_date", "date", "Date the review was due."),
        C("clar_cla_review_date", "date", "Date the review was held."),
        C("clar_cla_review_cancelled", "flag", "Y if the review was cancelled."),
        C("clar_cla_review_participation", "code", "How the child took part (PN0-PN7)."),
        person="clar_cla_person_id",
    ),
    _t(
        "ssd_cla_visits",
        "Statutory visits to children looked after.",
        C("clav_cla_visit_id", "id", "Visit identifier."),
        C("clav_cla_id", "id", "Period of care."),
        C("clav_person_id", "id", "Child."),
        C("clav_cla_visit_date", "date", "Date of the visit."),
        C("clav_cla_visit_seen", "flag", "Y if the child was seen."),
        C("clav_cla_visit_seen_alone", "flag", "Y if the child was seen alone."),
        person="clav_person_id",
    ),
    _t(
        "ssd_care_leavers",
        "Care leavers: latest known status.",
        C("clea_table_id", "id", "Row identifier."),
        C("clea_person_id", "id", "Young person."),
        C(
            "clea_care_leaver_eligibility",
            "code",
            "Care leaver eligibility (e.g. relevant, former relevant).",
        ),
        C("clea_care_leaver_in_touch", "code", "In touch: YES, NO, DIED, REFU, NREQ, RHOM."),
        C("clea_care_leaver_latest_contact", "date", "Date of the latest contact."),
        C(
            "clea_care_leaver_accommodation",
            "code",
            "Accommodation: a letter plus 1 (suitable) or 2 (unsuitable), or a description.",
            mapping="care_leaver_accommodation",
        ),
        C("clea_care_leaver_accom_suitable", "text", "Whether the accommodation is suitable."),
        C(
            "clea_care_leaver_activity",
            "code",
            "Activity: F*/P* in education, employment or training; G4-G6 not; or a description.",
            mapping="care_leaver_activity",
        ),
        C("clea_pathway_plan_review_date", "date", "Latest pathway plan review."),
        C("clea_care_leaver_personal_advisor", "text", "Personal adviser (never published)."),
        C("clea_care_leaver_allocated_team", "id", "Team."),
        C("clea_care_leaver_worker_id", "id", "Worker."),
        person="clea_person_id",
    ),
    _t(
        "ext_cin_plan_reviews",
        "Reviews of CIN plans (local extension).",
        C("cinr_cin_review_id", "id", "Review identifier."),
        C("cinr_cin_plan_id", "id", "CIN plan reviewed."),
        C("cinr_person_id", "id", "Child."),
        C("cinr_cin_review_date", "date", "Date the review was held."),
        ext=True,
        person="cinr_person_id",
    ),
    _t(
        "ext_management_oversight",
        "Case notes recording management oversight (local extension).",
        C("mgmt_oversight_id", "id", "Oversight record identifier."),
        C("mgmt_person_id", "id", "Child."),
        C("mgmt_oversight_date", "date", "Date oversight was recorded."),
        C("mgmt_worker_id", "id", "Manager who recorded it."),
        ext=True,
        person="mgmt_person_id",
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a table of the extract contract") from None
