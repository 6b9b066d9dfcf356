"""The extract contract: every SSD table and column the pipeline ingests, declared once.

This is the single place a table or column is described. The raw and staging DDL, the file loaders, the
synthetic generator, the data dictionary in the docs and the basic expectations all derive from it. The tables
and columns are the Standard Safeguarding Dataset's (Data to Insight, ``data-to-insight/ssd-data-model``, v1.4.5,
names as in its Liquidlogic build); how each case system's build differs from it is declared once beside this,
in ``declarations.systems``.

Tables come in three groups:
- ``core``: the SSD tables the highlight indicators are built from; every nightly export must have them.
- ``extension``: the two local extensions (``ext_*``) and the extension column ``cont_contact_outcome_date``; a
  council adds them to supply indicators 1.1, 2.1 and 3.2, which are published as unavailable without them.
- ``more``: every other SSD table. Loaded, typed and documented when the export has them; never required.

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
TableGroup = Literal["core", "extension", "more"]
# What staging keeps of a column: the typed value; the postcode cut to its sector ("AB1 2", the sector's privacy
# practice); or nothing (the value stays in raw only, e.g. a full address).
PastRaw = Literal["typed", "postcode_sector", "dropped"]

# Recording problem 1 of the contract: the SSD scripts write 1900-01-01 for "no date" and -1 for "no worker/team".
DATE_SENTINELS: tuple[str, ...] = ("1900-01-01",)
ID_SENTINELS: tuple[str, ...] = ("-1",)
# The dates a record can carry. Outside them a date is rejected as a value (named by file, row and column), never
# typed: 9999-12-31 would overflow the working-day calendar, and 2999-12-31 as an end would silently keep a plan
# open. The first day is the SSD's "no date" sentinel, so it is inside.
DATE_RANGE: tuple[str, str] = ("1900-01-01", "2100-12-31")


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    description: str
    # For ``code`` columns: the name of the mapping (``declarations.codes``) from descriptions to codes.
    mapping: str | None = None
    # A column of the same table that completes a description into a code (a care leaver's accommodation type
    # and, beside it, whether it is suitable).
    mapping_with: str | None = None
    # Local extension (EXT) columns are not in the SSD itself: an export may lack them (see TableGroup).
    ext: bool = False
    # Only some case systems' builds export this column (``declarations.systems``); an export may lack it.
    optional: bool = False
    # "table.column" this column refers to (a plan's referral, a visit's plan, ...).
    references: str | None = None
    # For a person id some case systems do not export: the column of the same table whose referenced row's
    # person is this row's person (a Mosaic CP visit's child is its plan's child).
    derived_via: str | None = None
    past_raw: PastRaw = "typed"
    # Personal data (a name, date of birth, pupil or NHS number, address): never in a publication, a data-quality
    # message or value, or an alert; a rule about it reports the record, not the value.
    personal: bool = False

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
    group: TableGroup = "core"
    person_column: str | None = field(default=None)
    # The column that identifies a record from one night to the next, where the key does not: the SSD builds
    # ``clea_table_id`` as a new GUID every night, so a care leaver is known by the person. Data-quality
    # exceptions, alerts already sent and restatements key on it.
    stable_key: str | None = None
    # When a record happens: its date (an event), or its start and end (a spell, open while the end is blank).
    dated_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in self.dated_by:
            if self.column(name).kind != "date":
                raise ValueError(f"{self.name}: dated_by names {name}, which is not a date column")

    @property
    def ext(self) -> bool:
        return self.group == "extension"

    @property
    def required(self) -> bool:
        """Every nightly export must have this table (a missing file withholds the figures built on it)."""
        return self.group == "core"

    @property
    def record_key(self) -> str:
        return self.stable_key or self.key

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _t(
    name: str,
    description: str,
    *columns: Column,
    group: TableGroup = "core",
    person: str | None = None,
    stable_key: str | None = None,
    dated_by: tuple[str, ...] = (),
) -> Table:
    return Table(
        name=name,
        key=columns[0].name,
        description=description,
        columns=columns,
        group=group,
        person_column=person,
        stable_key=stable_key,
        dated_by=dated_by,
    )


C = Column

CORE_TABLES: tuple[Table, ...] = (
    _t(
        "ssd_person",
        "Children and young people known to children's social care, one row per person.",
        C("pers_person_id", "id", "Person identifier in the case system."),
        C("pers_legacy_id", "id", "Identifier in a previous case system."),
        C("pers_upn", "text", "Unique pupil number.", personal=True),
        C("pers_forename", "text", "Forename (personal data: never published).", personal=True),
        C("pers_surname", "text", "Surname (personal data: never published).", personal=True),
        C("pers_sex", "code", "Sex as recorded (M, F, U)."),
        C("pers_gender", "code", "Gender identity code."),
        C("pers_ethnicity", "code", "DfE ethnicity code (e.g. WBRI)."),
        C("pers_dob", "date", "Date of birth (personal data: degraded to the month downstream).", personal=True),
        C("pers_single_unique_id", "id", "NHS number or other single unique identifier.", personal=True),
        C("pers_upn_unknown", "code", "Reason the UPN is unknown (UN1-UN10)."),
        C("pers_send_flag", "code", "Special educational needs and disabilities status."),
        C("pers_expected_dob", "date", "Expected date of birth for an unborn child.", personal=True),
        C("pers_death_date", "date", "Date of death, if any."),
        C("pers_is_mother", "flag", "Y if the person is a mother."),
        C("pers_nationality", "text", "Nationality."),
        C(
            "pers_common_child_id",
            "id",
            "v1.2.4 council releases only: an identifier shared across agencies (often the NHS number).",
            optional=True,
            personal=True,
        ),
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
        C(
            "invo_professional_id",
            "id",
            "Allocated worker (-1 means none).",
            references="ssd_professionals.prof_professional_id",
        ),
        C(
            "invo_professional_role_id",
            "text",
            "Involvement type: the role the worker holds (Liquidlogic CW = allocated case worker, IRO, 16PLUS = "
            "personal adviser, ...). Only case-holding types decide a child's team and worker "
            "(CSC_CASE_HOLDING_ROLES).",
        ),
        C(
            "invo_professional_team",
            "id",
            "Team of the allocation (-1 means none).",
            references="ssd_department.dept_team_id",
        ),
        C(
            "invo_person_id",
            "id",
            "Child (Mosaic exports none: derived from the referral).",
            derived_via="invo_referral_id",
        ),
        C("invo_involvement_start_date", "date", "Start of the allocation."),
        C("invo_involvement_end_date", "date", "End of the allocation; blank while open."),
        C("invo_worker_change_reason", "text", "Why the worker changed."),
        C(
            "invo_referral_id",
            "id",
            "Referral the involvement belongs to.",
            references="ssd_cin_episodes.cine_referral_id",
        ),
        person="invo_person_id",
        dated_by=("invo_involvement_start_date", "invo_involvement_end_date"),
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
        dated_by=("cont_contact_date",),
    ),
    _t(
        "ssd_cin_episodes",
        "Referrals: each opens an episode of need that stays open until closed.",
        C("cine_referral_id", "id", "Referral identifier."),
        C("cine_person_id", "id", "Child."),
        C("cine_referral_date", "date", "Date of referral."),
        C("cine_cin_primary_need_code", "code", "CIN census primary need code (N0-N9).", mapping="cin_need"),
        C("cine_referral_source_code", "code", "Referral source code."),
        C("cine_referral_source_desc", "text", "Referral source, described."),
        C("cine_referral_outcome_json", "json", "Referral outcomes (concatenated JSON)."),
        C("cine_referral_nfa", "flag", "Y if the referral led to no further action."),
        C("cine_close_reason", "code", "CIN closure reason (RC1-RC9).", mapping="cin_closure"),
        C("cine_close_date", "date", "Date the episode closed; blank while open."),
        C("cine_referral_team", "id", "Team that took the referral."),
        C("cine_referral_worker_id", "id", "Worker allocated to the referral."),
        person="cine_person_id",
        dated_by=("cine_referral_date", "cine_close_date"),
    ),
    _t(
        "ssd_cin_assessments",
        "Single (child and family) assessments.",
        C("cina_assessment_id", "id", "Assessment identifier."),
        C("cina_person_id", "id", "Child."),
        C(
            "cina_referral_id",
            "id",
            "Referral the assessment belongs to.",
            references="ssd_cin_episodes.cine_referral_id",
        ),
        C("cina_assessment_start_date", "date", "Date the assessment started."),
        C("cina_assessment_child_seen", "flag", "Y if the child was seen during the assessment."),
        C("cina_assessment_auth_date", "date", "Date the assessment was completed (authorised)."),
        C("cina_assessment_outcome_json", "json", "Assessment outcomes (concatenated JSON)."),
        C("cina_assessment_outcome_nfa", "flag", "Y if no further action."),
        C("cina_assessment_team", "id", "Team that did the assessment."),
        C("cina_assessment_worker_id", "id", "Worker who did the assessment."),
        person="cina_person_id",
        dated_by=("cina_assessment_start_date", "cina_assessment_auth_date"),
    ),
    _t(
        "ssd_s47_enquiry",
        "Section 47 (child protection) enquiries.",
        C("s47e_s47_enquiry_id", "id", "Enquiry identifier."),
        C("s47e_referral_id", "id", "Referral the enquiry belongs to.", references="ssd_cin_episodes.cine_referral_id"),
        C("s47e_person_id", "id", "Child."),
        C("s47e_s47_start_date", "date", "Date the enquiry started (strategy discussion)."),
        C("s47e_s47_end_date", "date", "Date the enquiry ended."),
        C("s47e_s47_nfa", "flag", "Y if no further action."),
        C("s47e_s47_outcome_json", "json", "Outcomes (concatenated JSON)."),
        C("s47e_s47_completed_by_team", "id", "Team that completed the enquiry."),
        C("s47e_s47_completed_by_worker_id", "id", "Worker who completed the enquiry."),
        person="s47e_person_id",
        dated_by=("s47e_s47_start_date", "s47e_s47_end_date"),
    ),
    _t(
        "ssd_initial_cp_conference",
        "Initial child protection conferences.",
        C("icpc_icpc_id", "id", "Conference identifier."),
        C("icpc_icpc_meeting_id", "id", "Meeting identifier (shared by siblings at one meeting)."),
        C(
            "icpc_s47_enquiry_id",
            "id",
            "Section 47 enquiry that led to the conference.",
            references="ssd_s47_enquiry.s47e_s47_enquiry_id",
        ),
        C("icpc_person_id", "id", "Child."),
        C(
            "icpc_cp_plan_id",
            "id",
            "CP plan the conference started, if any.",
            references="ssd_cp_plans.cppl_cp_plan_id",
        ),
        C("icpc_referral_id", "id", "Referral.", references="ssd_cin_episodes.cine_referral_id"),
        C("icpc_icpc_transfer_in", "flag", "Y if a transfer-in conference."),
        C("icpc_icpc_target_date", "date", "Date the conference was due."),
        C("icpc_icpc_date", "date", "Date the conference was held."),
        C("icpc_icpc_outcome_cp_flag", "flag", "Y if the child was made subject to a CP plan."),
        C("icpc_icpc_outcome_json", "json", "Outcomes (concatenated JSON)."),
        C("icpc_icpc_team", "id", "Team."),
        C("icpc_icpc_worker_id", "id", "Worker."),
        person="icpc_person_id",
        dated_by=("icpc_icpc_date",),
    ),
    _t(
        "ssd_cin_plans",
        "Child in need plans.",
        C("cinp_cin_plan_id", "id", "CIN plan identifier."),
        C("cinp_referral_id", "id", "Referral.", references="ssd_cin_episodes.cine_referral_id"),
        C("cinp_person_id", "id", "Child."),
        C("cinp_cin_plan_start_date", "date", "Plan start."),
        C("cinp_cin_plan_end_date", "date", "Plan end; blank while open."),
        C("cinp_cin_plan_team", "id", "Team responsible."),
        C("cinp_cin_plan_worker_id", "id", "Worker responsible."),
        person="cinp_person_id",
        dated_by=("cinp_cin_plan_start_date", "cinp_cin_plan_end_date"),
    ),
    _t(
        "ssd_cin_visits",
        "Visits recorded as CIN visits. Some systems also put CP and CLA visits here (contract problem 2).",
        C("cinv_cin_visit_id", "id", "Visit identifier."),
        C(
            "cinv_person_id",
            "id",
            "Child (Mosaic exports none: derived from cinv_cin_plan_id).",
            derived_via="cinv_cin_plan_id",
        ),
        C("cinv_cin_visit_date", "date", "Date of the visit."),
        C("cinv_cin_visit_seen", "flag", "Y if the child was seen."),
        C("cinv_cin_visit_seen_alone", "flag", "Y if the child was seen alone."),
        C("cinv_cin_visit_bedroom", "flag", "Y if the child's bedroom was seen."),
        C(
            "cinv_cin_plan_id",
            "id",
            "Mosaic only: the referral (CIN episode) the visit was recorded against, despite its name.",
            optional=True,
            references="ssd_cin_episodes.cine_referral_id",
        ),
        person="cinv_person_id",
        dated_by=("cinv_cin_visit_date",),
    ),
    _t(
        "ssd_cp_plans",
        "Child protection plans.",
        C("cppl_cp_plan_id", "id", "CP plan identifier."),
        C("cppl_referral_id", "id", "Referral.", references="ssd_cin_episodes.cine_referral_id"),
        C(
            "cppl_icpc_id",
            "id",
            "Initial conference that started the plan.",
            references="ssd_initial_cp_conference.icpc_icpc_id",
        ),
        C("cppl_person_id", "id", "Child."),
        C("cppl_cp_plan_start_date", "date", "Plan start."),
        C("cppl_cp_plan_end_date", "date", "Plan end; blank while open."),
        C("cppl_cp_plan_ola", "flag", "Y if the plan is held for another local authority."),
        C("cppl_cp_plan_initial_category", "code", "Initial category of abuse.", mapping="cp_category"),
        C("cppl_cp_plan_latest_category", "code", "Latest category of abuse.", mapping="cp_category"),
        person="cppl_person_id",
        dated_by=("cppl_cp_plan_start_date", "cppl_cp_plan_end_date"),
    ),
    _t(
        "ssd_cp_visits",
        "Visits to children on CP plans. The plan id is often blank (contract problem 3).",
        C("cppv_cp_visit_id", "id", "Visit identifier."),
        C("cppv_person_id", "id", "Child (Mosaic exports none: derived from the plan).", derived_via="cppv_cp_plan_id"),
        C(
            "cppv_cp_plan_id",
            "id",
            "CP plan the visit was recorded against (often blank).",
            references="ssd_cp_plans.cppl_cp_plan_id",
        ),
        C("cppv_cp_visit_date", "date", "Date of the visit."),
        C("cppv_cp_visit_seen", "flag", "Y if the child was seen."),
        C("cppv_cp_visit_seen_alone", "flag", "Y if the child was seen alone."),
        C("cppv_cp_visit_bedroom", "flag", "Y if the child's bedroom was seen."),
        person="cppv_person_id",
        dated_by=("cppv_cp_visit_date",),
    ),
    _t(
        "ssd_cp_reviews",
        "Child protection review conferences.",
        C("cppr_cp_review_id", "id", "Review identifier."),
        C("cppr_person_id", "id", "Child (Mosaic exports none: derived from the plan).", derived_via="cppr_cp_plan_id"),
        C("cppr_cp_plan_id", "id", "CP plan reviewed (often blank).", references="ssd_cp_plans.cppl_cp_plan_id"),
        C("cppr_cp_review_due", "date", "Date the review was due."),
        C("cppr_cp_review_date", "date", "Date the review was held."),
        C("cppr_cp_review_meeting_id", "id", "Meeting identifier."),
        C("cppr_cp_review_outcome_continue_cp", "flag", "Y if the plan continues."),
        C("cppr_cp_review_quorate", "text", "Whether the conference was quorate."),
        C("cppr_cp_review_participation", "text", "How the child took part."),
        person="cppr_person_id",
        dated_by=("cppr_cp_review_date",),
    ),
    _t(
        "ssd_cla_episodes",
        "Episodes of care (SSDA903); episodes sharing clae_cla_id form one period of care.",
        C("clae_cla_episode_id", "id", "Episode identifier."),
        C("clae_person_id", "id", "Child."),
        C(
            "clae_cla_placement_id",
            "id",
            "Placement of the episode.",
            references="ssd_cla_placement.clap_cla_placement_id",
        ),
        C("clae_cla_episode_start_date", "date", "Episode start."),
        C(
            "clae_cla_episode_start_reason",
            "code",
            "Reason for new episode (SSDA903 RNE code, or its description).",
            mapping="cla_start_reason",
        ),
        C("clae_cla_primary_need_code", "code", "Primary need (N1-N8).", mapping="cin_need"),
        C("clae_cla_episode_ceased_date", "date", "Episode end; blank while open."),
        C(
            "clae_cla_episode_ceased_reason",
            "code",
            "Reason episode ceased (SSDA903 REC code, or its description).",
            mapping="cla_ceased_reason",
        ),
        C("clae_cla_id", "id", "Period of care the episode belongs to."),
        C("clae_referral_id", "id", "Referral.", references="ssd_cin_episodes.cine_referral_id"),
        C("clae_cla_last_iro_contact_date", "date", "Last contact with the independent reviewing officer."),
        C("clae_entered_care_date", "date", "Date the child entered care (start of the period of care)."),
        person="clae_person_id",
        dated_by=("clae_cla_episode_start_date", "clae_cla_episode_ceased_date"),
    ),
    _t(
        "ssd_cla_placement",
        "Placements of children looked after.",
        C("clap_cla_placement_id", "id", "Placement identifier."),
        C("clap_cla_id", "id", "Period of care.", references="ssd_cla_episodes.clae_cla_id"),
        C(
            "clap_person_id",
            "id",
            "Child (Mosaic exports none: derived from the period of care).",
            derived_via="clap_cla_id",
        ),
        C("clap_cla_placement_start_date", "date", "Placement start."),
        C("clap_cla_placement_type", "code", "Placement type (SSDA903 code, e.g. U1).", mapping="placement_type"),
        C("clap_cla_placement_urn", "text", "Ofsted URN of the provider."),
        C("clap_cla_placement_distance", "float", "Distance from home in miles."),
        C("clap_cla_placement_provider", "code", "Placement provider code (PR0-PR5)."),
        C(
            "clap_cla_placement_postcode",
            "text",
            "Placement postcode (personal data: cut to the sector).",
            personal=True,
        ),
        C("clap_cla_placement_end_date", "date", "Placement end; blank while open."),
        C("clap_cla_placement_change_reason", "code", "Reason for placement change."),
        person="clap_person_id",
        dated_by=("clap_cla_placement_start_date", "clap_cla_placement_end_date"),
    ),
    _t(
        "ssd_cla_reviews",
        "Reviews of children looked after.",
        C("clar_cla_review_id", "id", "Review identifier."),
        C("clar_cla_id", "id", "Period of care reviewed.", references="ssd_cla_episodes.clae_cla_id"),
        C(
            "clar_cla_person_id",
            "id",
            "Child (Eclipse and the v1.2.4 council releases export none: derived from the period of care).",
            derived_via="clar_cla_id",
        ),
        C("clar_cla_review_due_date", "date", "Date the review was due."),
        C("clar_cla_review_date", "date", "Date the review was held."),
        C("clar_cla_review_cancelled", "flag", "Y if the review was cancelled."),
        C(
            "clar_cla_review_participation",
            "code",
            "How the child took part (PN0-PN7, or its description).",
            mapping="review_participation",
        ),
        person="clar_cla_person_id",
        dated_by=("clar_cla_review_date",),
    ),
    _t(
        "ssd_cla_visits",
        "Statutory visits to children looked after.",
        C("clav_cla_visit_id", "id", "Visit identifier."),
        C("clav_cla_id", "id", "Period of care.", references="ssd_cla_episodes.clae_cla_id"),
        C("clav_person_id", "id", "Child."),
        C("clav_cla_visit_date", "date", "Date of the visit."),
        C("clav_cla_visit_seen", "flag", "Y if the child was seen."),
        C("clav_cla_visit_seen_alone", "flag", "Y if the child was seen alone."),
        person="clav_person_id",
        dated_by=("clav_cla_visit_date",),
    ),
    _t(
        "ssd_care_leavers",
        "Care leavers: latest known status.",
        C("clea_table_id", "id", "Row identifier. The SSD makes a new GUID every night: never a key across nights."),
        C("clea_person_id", "id", "Young person."),
        C(
            "clea_care_leaver_eligibility",
            "code",
            "Care leaver eligibility (e.g. relevant, former relevant).",
        ),
        C("clea_care_leaver_in_touch", "code", "In touch: YES, NO, DIED, REFU, NREQ, RHOM.", mapping="in_touch"),
        C("clea_care_leaver_latest_contact", "date", "Date of the latest contact."),
        C(
            "clea_care_leaver_accommodation",
            "code",
            "Accommodation: a letter plus 1 (suitable) or 2 (unsuitable); or a description of the type, its "
            "suitability then taken from clea_care_leaver_accom_suitable (as the Liquidlogic build writes it).",
            mapping="care_leaver_accommodation",
            mapping_with="clea_care_leaver_accom_suitable",
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
        stable_key="clea_person_id",
    ),
    _t(
        "ext_cin_plan_reviews",
        "Reviews of CIN plans (local extension).",
        C("cinr_cin_review_id", "id", "Review identifier."),
        C("cinr_cin_plan_id", "id", "CIN plan reviewed.", references="ssd_cin_plans.cinp_cin_plan_id"),
        C("cinr_person_id", "id", "Child."),
        C("cinr_cin_review_date", "date", "Date the review was held."),
        group="extension",
        person="cinr_person_id",
        dated_by=("cinr_cin_review_date",),
    ),
    _t(
        "ext_management_oversight",
        "Case notes recording management oversight (local extension).",
        C("mgmt_oversight_id", "id", "Oversight record identifier."),
        C("mgmt_person_id", "id", "Child."),
        C("mgmt_oversight_date", "date", "Date oversight was recorded."),
        C("mgmt_worker_id", "id", "Manager who recorded it."),
        group="extension",
        person="mgmt_person_id",
        dated_by=("mgmt_oversight_date",),
    ),
)


# Every other table of the SSD (v1.4.5), and the two bookkeeping tables of the v1.2.4 council releases. Loaded,
# typed and documented when an export has them; never required. Column names are the SSD's.


def _more(name: str, description: str, *columns: Column, person: str | None = None) -> Table:
    return _t(name, description, *columns, group="more", person=person)


PERSON_ID = "ssd_person.pers_person_id"

MORE_TABLES: tuple[Table, ...] = (
    _more(
        "ssd_missing",
        "Episodes of a child missing from home or care, or away without authorisation, and return interviews.",
        C("miss_table_id", "id", "Missing episode identifier."),
        C("miss_person_id", "id", "Child.", references=PERSON_ID),
        C("miss_missing_episode_start_date", "date", "Start of the episode."),
        C("miss_missing_episode_type", "code", "Missing (M) or away from placement without authorisation (A)."),
        C("miss_missing_episode_end_date", "date", "End of the episode; blank while the child is still missing."),
        C("miss_missing_rhi_offered", "flag", "Y if a return home interview was offered."),
        C("miss_missing_rhi_accepted", "flag", "Y if the return home interview was accepted."),
        person="miss_person_id",
    ),
    _more(
        "ssd_cla_health",
        "Health checks of children looked after: health assessments, dental checks, developmental checks.",
        C("clah_health_check_id", "id", "Health check identifier."),
        C("clah_person_id", "id", "Child.", references=PERSON_ID),
        C("clah_health_check_type", "text", "Kind of check (health assessment, dental check, ...), as recorded."),
        C("clah_health_check_date", "date", "Date of the check."),
        C("clah_health_check_status", "text", "Outcome or status of the check, as recorded."),
        person="clah_person_id",
    ),
    _more(
        "ssd_cla_immunisations",
        "Whether each child looked after is up to date with immunisations.",
        C("clai_person_id", "id", "Child.", references=PERSON_ID),
        C("clai_immunisations_status", "flag", "Y if immunisations are up to date."),
        C(
            "clai_immunisations_status_date",
            "date",
            "When the status was recorded (Mosaic exports none).",
        ),
        person="clai_person_id",
    ),
    _more(
        "ssd_cla_substance_misuse",
        "Substance misuse identified for children looked after, and interventions.",
        C("clas_substance_misuse_id", "id", "Record identifier."),
        C("clas_person_id", "id", "Child.", references=PERSON_ID),
        C("clas_substance_misuse_date", "date", "Date the misuse was recorded."),
        C("clas_substance_misused", "text", "Substance misused."),
        C("clas_intervention_received", "flag", "Y if an intervention was received."),
        person="clas_person_id",
    ),
    _more(
        "ssd_cla_convictions",
        "Convictions and youth cautions of children looked after.",
        C("clac_cla_conviction_id", "id", "Record identifier."),
        C("clac_person_id", "id", "Child.", references=PERSON_ID),
        C("clac_cla_conviction_date", "date", "Date of the conviction or caution."),
        C("clac_cla_conviction_offence", "text", "Offence (Mosaic exports none)."),
        person="clac_person_id",
    ),
    _more(
        "ssd_cla_care_plan",
        "Care plans of children looked after, with the permanence plan as concatenated JSON.",
        C("lacp_table_id", "id", "Care plan identifier (Mosaic: lacp_cla_care_plan_id)."),
        C("lacp_person_id", "id", "Child.", references=PERSON_ID),
        C("lacp_cla_care_plan_start_date", "date", "Start of the care plan."),
        C("lacp_cla_care_plan_end_date", "date", "End of the care plan; blank while current."),
        C("lacp_cla_care_plan_json", "json", "The plan's answers, including the permanence plan (concatenated JSON)."),
        person="lacp_person_id",
    ),
    _more(
        "ssd_cla_previous_permanence",
        "Permanence orders a child had before becoming looked after (SSDA903 previous permanence).",
        C("lapp_table_id", "id", "Record identifier."),
        C("lapp_person_id", "id", "Child.", references=PERSON_ID),
        C("lapp_previous_permanence_option", "code", "Previous permanence option (P1-P4, Z1)."),
        C("lapp_previous_permanence_la", "text", "Local authority that made the previous order."),
        C("lapp_previous_permanence_order_date", "date", "Date of the previous order (text in the SSD)."),
        person="lapp_person_id",
    ),
    _more(
        "ssd_permanence",
        "Adoption and other permanence: decisions, orders, matching and placement dates (Annex A list 10).",
        C("perm_table_id", "id", "Record identifier."),
        C("perm_person_id", "id", "Child.", references=PERSON_ID),
        C("perm_cla_id", "id", "Period of care.", references="ssd_cla_episodes.clae_cla_id"),
        C("perm_adm_decision_date", "date", "Date of the agency decision maker's decision that adoption is the plan."),
        C("perm_part_of_sibling_group", "flag", "Y if the child is part of a sibling group."),
        C("perm_siblings_placed_together", "int", "Siblings placed together."),
        C("perm_siblings_placed_apart", "int", "Siblings placed apart."),
        C("perm_ffa_cp_decision_date", "date", "Decision for fostering for adoption or concurrent planning."),
        C("perm_placement_order_date", "date", "Date of the placement order."),
        C("perm_matched_date", "date", "Date the child was matched with adopters."),
        C("perm_adopter_sex", "code", "Sex of the adopter(s)."),
        C("perm_adopter_legal_status", "code", "Legal status of the adopter(s)."),
        C("perm_number_of_adopters", "int", "Number of adopters."),
        C("perm_placed_for_adoption_date", "date", "Date placed for adoption."),
        C("perm_adopted_by_carer_flag", "flag", "Y if adopted by the child's foster carer."),
        C("perm_placed_foster_carer_date", "date", "Date placed with the foster carer who adopted."),
        C("perm_placed_ffa_cp_date", "date", "Date placed for fostering for adoption or concurrent planning."),
        C("perm_placement_provider_urn", "text", "Ofsted URN of the placement provider."),
        C("perm_decision_reversed_date", "date", "Date the decision that adoption is the plan was reversed."),
        C("perm_decision_reversed_reason", "code", "Why the decision was reversed."),
        C("perm_permanence_order_date", "date", "Date of the permanence order (adoption, special guardianship, ...)."),
        C("perm_permanence_order_type", "text", "Kind of permanence order."),
        C("perm_adoption_worker_id", "id", "Adoption worker.", references="ssd_professionals.prof_professional_id"),
        person="perm_person_id",
    ),
    _more(
        "ssd_legal_status",
        "Legal statuses of children looked after (SSDA903: C1 interim care order, C2 full care order, V2 ...).",
        C("lega_legal_status_id", "id", "Record identifier."),
        C("lega_person_id", "id", "Child.", references=PERSON_ID),
        C("lega_legal_status", "code", "SSDA903 legal status (C1, C2, E1, V2, ...).", mapping="legal_status"),
        C("lega_legal_status_start_date", "date", "Start of the legal status."),
        C("lega_legal_status_end_date", "date", "End of the legal status; blank while current."),
        person="lega_person_id",
    ),
    _more(
        "ssd_sdq_scores",
        "Strengths and difficulties questionnaire scores of children looked after.",
        C("csdq_table_id", "id", "Record identifier."),
        C("csdq_person_id", "id", "Child.", references=PERSON_ID),
        C("csdq_sdq_completed_date", "date", "Date the questionnaire was completed."),
        C("csdq_sdq_score", "int", "Total difficulties score (0-40)."),
        C("csdq_sdq_reason", "code", "Why no score was recorded (SDQ1-SDQ5)."),
        person="csdq_person_id",
    ),
    _more(
        "ssd_disability",
        "Disabilities recorded for a child, one row per disability.",
        C("disa_table_id", "id", "Record identifier."),
        C("disa_person_id", "id", "Child.", references=PERSON_ID),
        C("disa_disability_code", "code", "CIN census disability code (e.g. MOB, LD, AUT)."),
        person="disa_person_id",
    ),
    _more(
        "ssd_immigration_status",
        "Immigration statuses, including unaccompanied asylum-seeking children.",
        C("immi_immigration_status_id", "id", "Record identifier."),
        C("immi_person_id", "id", "Child.", references=PERSON_ID),
        C("immi_immigration_status_start_date", "date", "Start of the status."),
        C("immi_immigration_status_end_date", "date", "End of the status; blank while current."),
        C("immi_immigration_status", "text", "Immigration status, as recorded (e.g. UASC)."),
        person="immi_person_id",
    ),
    _more(
        "ssd_mother",
        "Children of mothers known to the service (a row links a mother to her child).",
        C("moth_table_id", "id", "Record identifier."),
        C("moth_person_id", "id", "The mother.", references=PERSON_ID),
        C("moth_childs_person_id", "id", "The child.", references=PERSON_ID),
        C("moth_childs_dob", "date", "The child's date of birth (personal data: never published).", personal=True),
        person="moth_person_id",
    ),
    _more(
        "ssd_family",
        "Family groups: people who belong to one family in the case system.",
        C("fami_table_id", "id", "Record identifier."),
        C("fami_family_id", "id", "Family identifier."),
        C("fami_person_id", "id", "Person.", references=PERSON_ID),
        person="fami_person_id",
    ),
    _more(
        "ssd_address",
        "Addresses of children. Past raw only the postcode sector is kept; the full address stays in raw.",
        C("addr_table_id", "id", "Record identifier."),
        C("addr_person_id", "id", "Child.", references=PERSON_ID),
        C("addr_address_type", "text", "Kind of address (home, placement, ...)."),
        C("addr_address_start_date", "date", "Date the child started living there."),
        C("addr_address_end_date", "date", "Date the child left; blank while current."),
        C(
            "addr_address_postcode",
            "text",
            "Postcode: cut to the sector in staging (AB1 2; personal data).",
            past_raw="postcode_sector",
            personal=True,
        ),
        C(
            "addr_address_json",
            "json",
            "The full address (personal data: kept in raw only, NULL in staging).",
            past_raw="dropped",
            personal=True,
        ),
        person="addr_person_id",
    ),
    _more(
        "ssd_linked_identifiers",
        "Other identifiers of a person (case numbers, former UPNs, NHS numbers, ...).",
        C("link_table_id", "id", "Record identifier."),
        C("link_person_id", "id", "Person.", references=PERSON_ID),
        C("link_identifier_type", "text", "Kind of identifier."),
        C("link_identifier_value", "text", "The identifier (personal data: never published).", personal=True),
        C("link_valid_from_date", "date", "Valid from."),
        C("link_valid_to_date", "date", "Valid to; blank while valid."),
        person="link_person_id",
    ),
    _more(
        "ssd_early_help_episodes",
        "Early help episodes (Annex A list 2).",
        C("earl_episode_id", "id", "Episode identifier."),
        C("earl_person_id", "id", "Child.", references=PERSON_ID),
        C("earl_episode_start_date", "date", "Start of the episode."),
        C("earl_episode_end_date", "date", "End of the episode; blank while open."),
        C("earl_episode_reason", "text", "Why early help started."),
        C("earl_episode_end_reason", "text", "Why it ended."),
        C("earl_episode_organisation", "text", "Organisation that led it."),
        C("earl_episode_worker_id", "id", "Worker."),
        person="earl_person_id",
    ),
    _more(
        "ssd_assessment_factors",
        "Factors identified at the end of a single assessment (CIN census factor codes, as concatenated JSON).",
        C("cinf_table_id", "id", "Record identifier."),
        C("cinf_assessment_id", "id", "Assessment.", references="ssd_cin_assessments.cina_assessment_id"),
        C("cinf_assessment_factors_json", "json", "The factors (concatenated JSON)."),
    ),
    _more(
        "ssd_pre_proceedings",
        "Pre-proceedings (public law outline) and care proceedings: decisions, meetings, letters and outcomes.",
        C("prep_table_id", "id", "Record identifier."),
        C("prep_person_id", "id", "Child.", references=PERSON_ID),
        C("prep_plo_family_id", "id", "Family in pre-proceedings."),
        C("prep_pre_pro_decision_date", "date", "Date of the decision to enter pre-proceedings."),
        C("prep_initial_pre_pro_meeting_date", "date", "Date of the first pre-proceedings meeting."),
        C("prep_pre_pro_outcome", "text", "Outcome of pre-proceedings."),
        C("prep_agree_stepdown_issue_date", "date", "Date step-down or issue of proceedings was agreed."),
        C("prep_cp_plans_referral_period", "int", "CP plans in the referral period."),
        C("prep_legal_gateway_outcome", "text", "Outcome of the legal gateway meeting."),
        C("prep_prev_pre_proc_child", "int", "Previous pre-proceedings for the child."),
        C("prep_prev_care_proc_child", "int", "Previous care proceedings for the child."),
        C("prep_pre_pro_letter_date", "date", "Date of the pre-proceedings letter."),
        C("prep_care_pro_letter_date", "date", "Date of the letter before care proceedings."),
        C("prep_pre_pro_meetings_num", "int", "Number of pre-proceedings meetings."),
        C("prep_pre_pro_parents_legal_rep", "flag", "Y if the parents had legal representation."),
        C("prep_parents_legal_rep_point_of_issue", "code", "Parents' legal representation when proceedings issued."),
        C("prep_court_reference", "text", "Court reference."),
        C("prep_care_proc_court_hearings", "int", "Number of court hearings."),
        C("prep_care_proc_short_notice", "flag", "Y if proceedings were issued at short notice."),
        C("prep_proc_short_notice_reason", "text", "Why at short notice."),
        C("prep_la_inital_plan_approved", "flag", "Y if the local authority's initial care plan was approved."),
        C("prep_la_initial_care_plan", "text", "The initial care plan."),
        C("prep_la_final_plan_approved", "flag", "Y if the final care plan was approved."),
        C("prep_la_final_care_plan", "text", "The final care plan."),
        person="prep_person_id",
    ),
    _more(
        "ssd_voice_of_child",
        "What the child said about their plan and worker (Y/N answers).",
        C("voch_table_id", "id", "Record identifier."),
        C("voch_person_id", "id", "Child.", references=PERSON_ID),
        C("voch_explained_worries", "flag", "Y if the child's worries were explained."),
        C("voch_story_help_understand", "flag", "Y if their story helped them understand."),
        C("voch_agree_worker", "flag", "Y if the child agrees with their worker."),
        C("voch_plan_safe", "flag", "Y if the child feels their plan keeps them safe."),
        C("voch_tablet_help_explain", "flag", "Y if a tablet helped them explain."),
        person="voch_person_id",
    ),
    _more(
        "ssd_pre_cla_care_plan",
        "Answers of the care plan before a child becomes looked after (an SSD placeholder; headers in upper case).",
        C("fact_form_id", "id", "Form identifier."),
        C("dim_person_id", "id", "Child.", references=PERSON_ID),
        C("answer_no", "text", "Question number."),
        C("answer", "text", "Answer."),
        C("latestresponsedate", "date", "Date of the latest answer."),
        person="dim_person_id",
    ),
    _more(
        "ssd_s251_finance",
        "Placement costs for the section 251 return (an SSD placeholder with no agreed columns yet).",
        C("s251_table_id", "id", "Record identifier."),
        C("s251_cla_placement_id", "id", "Placement.", references="ssd_cla_placement.clap_cla_placement_id"),
        C("s251_placeholder_1", "text", "Placeholder."),
        C("s251_placeholder_2", "text", "Placeholder."),
        C("s251_placeholder_3", "text", "Placeholder."),
        C("s251_placeholder_4", "text", "Placeholder."),
    ),
    _more(
        "ssd_cohort",
        "The people the SSD build included, and why (Liquidlogic build only).",
        C("dim_person_id", "id", "Person.", references=PERSON_ID),
        C("legacy_id", "id", "Identifier in a previous system."),
        C("has_contact", "flag", "Included for a contact."),
        C("has_referral", "flag", "Included for a referral."),
        C("has_903", "flag", "Included for an SSDA903 (looked-after) record."),
        C("is_care_leaver", "flag", "Included as a care leaver."),
        C("has_eligibility", "flag", "Included for care-leaver eligibility."),
        C("has_client_flag", "flag", "Included for a client flag."),
        C("has_involvement", "flag", "Included for an involvement."),
        C("first_activity_dttm", "date", "First activity in the SSD's time frame."),
        C("last_activity_dttm", "date", "Latest activity."),
        person="dim_person_id",
    ),
    _more(
        "ssd_dim_date",
        "The SSD's own date dimension (the pipeline keeps its own working-day calendar: conformed.calendar).",
        C("date_key", "int", "Date as a number (YYYYMMDD)."),
        C("full_date", "date", "The date."),
        C("calendar_year", "int", "Calendar year."),
        C("calendar_quarter", "int", "Calendar quarter."),
        C("month_number", "int", "Month."),
        C("day_of_month", "int", "Day of the month."),
        C("iso_year", "int", "ISO year."),
        C("iso_week", "int", "ISO week."),
        C("day_of_week_monday1", "int", "Day of the week, 1 = Monday."),
        C("is_weekend", "flag", "1 on Saturdays and Sundays."),
        C("month_start_date", "date", "First day of the month."),
        C("month_end_date", "date", "Last day of the month."),
        C("quarter_start_date", "date", "First day of the quarter."),
        C("quarter_end_date", "date", "Last day of the quarter."),
        C("year_start_date", "date", "1 January."),
        C("year_end_date", "date", "31 December."),
        C("fiscal_year_start_year", "int", "Year the financial year starts in."),
        C("fiscal_year_label", "text", "Financial year, e.g. 2023/24."),
        C("fiscal_year_start_date", "date", "1 April."),
        C("fiscal_year_end_date", "date", "31 March."),
        C("fiscal_quarter", "int", "Financial quarter."),
        C("fiscal_quarter_start_date", "date", "First day of the financial quarter."),
        C("fiscal_quarter_end_date", "date", "Last day of the financial quarter."),
    ),
    _more(
        "ssd_send",
        "Special educational needs: the education identifiers of a child.",
        C("send_table_id", "id", "Record identifier."),
        C("send_person_id", "id", "Child.", references=PERSON_ID),
        C("send_upn", "text", "Unique pupil number (personal data: never published).", personal=True),
        C("send_uln", "text", "Unique learner number (personal data: never published).", personal=True),
        C("send_upn_unknown", "code", "Why the UPN is unknown."),
        person="send_person_id",
    ),
    _more(
        "ssd_sen_need",
        "Special educational needs of a plan, in rank order.",
        C("senn_table_id", "id", "Record identifier."),
        C(
            "senn_active_ehcp_id",
            "id",
            "Education, health and care plan.",
            references="ssd_ehcp_active_plans.ehcp_active_ehcp_id",
        ),
        C("senn_active_ehcp_need_type", "code", "Type of need."),
        C("senn_active_ehcp_need_rank", "text", "Rank of the need (1 = primary)."),
    ),
    _more(
        "ssd_ehcp_requests",
        "Requests for an education, health and care (EHC) needs assessment.",
        C("ehcr_ehcp_request_id", "id", "Request identifier."),
        C("ehcr_send_table_id", "id", "The child's SEND record.", references="ssd_send.send_table_id"),
        C("ehcr_ehcp_req_date", "date", "Date of the request."),
        C("ehcr_ehcp_req_outcome_date", "date", "Date of the decision on it."),
        C("ehcr_ehcp_req_outcome", "text", "Decision."),
    ),
    _more(
        "ssd_ehcp_assessment",
        "EHC needs assessments.",
        C("ehca_ehcp_assessment_id", "id", "Assessment identifier."),
        C("ehca_ehcp_request_id", "id", "Request.", references="ssd_ehcp_requests.ehcr_ehcp_request_id"),
        C("ehca_ehcp_assessment_outcome_date", "date", "Date of the outcome."),
        C("ehca_ehcp_assessment_outcome", "text", "Outcome."),
        C("ehca_ehcp_assessment_exceptions", "text", "Exceptions to the timescale."),
    ),
    _more(
        "ssd_ehcp_named_plan",
        "EHC plans issued (named plans).",
        C("ehcn_named_plan_id", "id", "Plan identifier."),
        C("ehcn_ehcp_asmt_id", "id", "Assessment.", references="ssd_ehcp_assessment.ehca_ehcp_assessment_id"),
        C("ehcn_named_plan_start_date", "date", "Start of the plan."),
        C("ehcn_named_plan_ceased_date", "date", "End of the plan; blank while current."),
        C("ehcn_named_plan_ceased_reason", "text", "Why it ended."),
    ),
    _more(
        "ssd_ehcp_active_plans",
        "EHC plans in force and their latest review.",
        C("ehcp_active_ehcp_id", "id", "Plan identifier."),
        C("ehcp_ehcp_request_id", "id", "Request.", references="ssd_ehcp_requests.ehcr_ehcp_request_id"),
        C("ehcp_active_ehcp_last_review_date", "date", "Date of the latest annual review."),
    ),
    _more(
        "ssd_version_log",
        "v1.2.4 council releases: which SSD version built the tables.",
        C("version_number", "text", "Version (e.g. 1.2.4)."),
        C("release_date", "date", "When the version was released."),
        C("description", "text", "What the version changed."),
        C("is_current", "flag", "1 for the version in use."),
        C("created_at", "date", "When the row was written."),
        C("created_by", "text", "Who wrote it."),
        C("impact_description", "text", "Notes on the release's impact."),
    ),
    _more(
        "ssd_extract_log",
        "v1.2.4 council releases: the SSD build's own log, one row per table with the rows it wrote.",
        C("table_name", "text", "SSD table."),
        C("schema_name", "text", "Database schema."),
        C("status", "text", "Build status, with any error."),
        C("rows_inserted", "int", "Rows the build wrote to the table."),
        C("table_size_kb", "int", "Table size in KB."),
        C("has_pk", "flag", "1 if the table has a primary key."),
        C("has_fks", "flag", "1 if it has foreign keys."),
        C("index_count", "int", "Indexes."),
        C("creation_date", "date", "When it was built."),
        C("null_count", "int", "Null values in the table."),
        C("pk_datatype", "text", "Type of the primary key."),
        C("additional_detail", "text", "Anything else the build noted."),
    ),
)

TABLES: tuple[Table, ...] = CORE_TABLES + MORE_TABLES
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a table of the extract contract") from None
