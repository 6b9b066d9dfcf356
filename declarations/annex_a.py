"""Ofsted's Annex A lists: the child-level lists inspectors ask for after the Monday call, each declared once with
Ofsted's column headings in Ofsted's order.

Every child list starts with the same five columns; the reporting period is the ``months`` (default 6) before the
date the lists are for; dates are written dd/mm/yyyy. Annex A is the one output that carries dates of birth,
because Ofsted asks for them: it is written only where ``csc annex-a`` is told to write it, never into marts.duckdb.
"""

from __future__ import annotations

from dataclasses import dataclass

COMMON: tuple[tuple[str, str], ...] = (
    ("ChildUniqueID", "The child's id in the case system (ssd_person.pers_person_id)."),
    ("Gender", "Sex as recorded (ssd_person.pers_sex)."),
    ("Ethnicity", "DfE ethnicity code (ssd_person.pers_ethnicity)."),
    ("DateOfBirth", "Date of birth (ssd_person.pers_dob): personal data."),
    ("Age", "Age in whole years at the date the lists are for."),
)
ALLOCATED = (
    ("AllocatedTeam", "Team the child is allocated to at the date (or at the event's end, if earlier)."),
    ("AllocatedWorker", "Worker the child is allocated to then."),
)
DISABILITY = (
    ("HasDisability", "Yes if the child has a disability recorded (ssd_disability, other than NONE), else No."),
)


@dataclass(frozen=True)
class AnnexList:
    number: int
    name: str
    rows: str  # which rows the list holds
    columns: tuple[tuple[str, str], ...]  # after the common ones: (Ofsted's heading, what fills it)
    # Why the list is not written (the SSD does not hold its data).
    not_written: str = ""
    # The SSD table the list is built from, where it is one an export may leave out: without it, no list.
    needs: str = ""

    @property
    def sheet(self) -> str:
        return f"List {self.number} {self.name}"[:31]

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(h for h, _ in (*COMMON, *self.columns))


ANNEX_A_LISTS: tuple[AnnexList, ...] = (
    AnnexList(
        1,
        "Contacts",
        "Each contact received in the period.",
        (("DateOfContact", "Date the contact was received."), ("ContactSource", "Contact source code.")),
    ),
    AnnexList(
        2,
        "Early help",
        "Each early help episode open at any time in the period (ssd_early_help_episodes).",
        (
            ("AssessmentStartDate", "Date the episode started."),
            ("AssessmentCompletionDate", "Date the episode ended; blank while open."),
            ("OrganisationCompletingAssessment", "Organisation leading the episode."),
        ),
        needs="ssd_early_help_episodes",
    ),
    AnnexList(
        3,
        "Referrals",
        "Each referral received in the period.",
        (
            ("ReferralDate", "Date of the referral."),
            ("ReferralSource", "Referral source code."),
            ("ReferralNFA", "Yes if the referral led to no further action."),
            (
                "ReferralsLast12Months",
                "The child's referrals in the 12 months up to and including this one's date (this one included).",
            ),
            ("AllocatedTeam", "Team recorded on the referral."),
            ("AllocatedWorker", "Worker recorded on the referral."),
        ),
    ),
    AnnexList(
        4,
        "Assessments",
        "Each single assessment open at any time in the period (started by its end, not authorised before its start).",
        (
            *DISABILITY,
            ("ContinuousAssessmentStart", "Date the assessment started."),
            ("ContinuousAssessmentChildSeen", "Yes if the child was seen during the assessment."),
            ("ContinuousAssessmentAuthDate", "Date the assessment was completed (authorised); blank while open."),
            ("CSCSupportRequired", "Yes if the assessment did not end in no further action; blank while open."),
            ("AllocatedTeam", "Team recorded on the assessment."),
            ("AllocatedWorker", "Worker recorded on the assessment."),
        ),
    ),
    AnnexList(
        5,
        "Section 47 and ICPC",
        "Each section 47 enquiry open at any time in the period, with the initial conference that followed it.",
        (
            *DISABILITY,
            ("StratDiscussionDate", "Date the enquiry started (the strategy discussion)."),
            (
                "InitialCPConfUnnecessary",
                "Yes if the enquiry ended in no further action (no conference needed); No if it did not; blank while "
                "open.",
            ),
            ("InitialCPConfDate", "Date of the initial conference that followed the enquiry."),
            ("CPConfResultInCPPlan", "Yes if that conference made the child subject to a plan."),
            (
                "NumberS47s12m",
                "The child's enquiries started in the 12 months up to this one's start (this one included).",
            ),
            ("NumberICPCs12m", "The child's initial conferences in the 12 months up to this enquiry's start."),
            ("AllocatedTeam", "Team recorded on the enquiry."),
            ("AllocatedWorker", "Worker recorded on the enquiry."),
        ),
    ),
    AnnexList(
        6,
        "Children in need",
        "Each child in need (an open referral) at any time in the period, other than care leavers: one row per "
        "referral.",
        (
            *DISABILITY,
            ("CINStartDate", "Date of the referral that opened the episode."),
            ("PrimaryNeedCode", "CIN primary need code."),
            ("DateChildLastSeen", "Date of the child's latest visit at which the child was seen, up to the date."),
            ("CINClosureDate", "Date the episode closed; blank while open."),
            ("ReasonForClosure", "CIN closure reason code."),
            (
                "CaseStatus",
                "What the child is on at the date: Child protection plan, Looked after, Child in need plan, or Open "
                "referral (Closed if the episode closed).",
            ),
            *ALLOCATED,
        ),
    ),
    AnnexList(
        7,
        "Child protection",
        "Each child protection plan open at any time in the period.",
        (
            *DISABILITY,
            ("ChildProtectionPlanStartDate", "Date the plan started."),
            ("InitialCategoryOfAbuse", "Initial category of abuse (NEG, PHY, SAB, EMO, MUL)."),
            ("LatestCategoryOfAbuse", "Latest category of abuse."),
            ("DateOfLastStatutoryVisit", "Date of the latest visit on the plan, up to the date or the plan's end."),
            ("ChildSeenAlone", "Yes if the child was seen alone at that visit."),
            ("DateOfLatestReviewConf", "Date of the plan's latest review conference."),
            ("ChildProtectionPlanEndDate", "Date the plan ended; blank while open."),
            ("NumberOfPreviousChildProtectionPlans", "The child's plans that started before this one."),
            ("AllocatedTeam", "Team allocated at the plan's start."),
            ("AllocatedWorker", "Worker allocated at the plan's start."),
        ),
    ),
    AnnexList(
        8,
        "Children in care",
        "Each period of care open at any time in the period (looked after at the date, or ceased in the period).",
        (
            ("UASC", "Yes if the child has an immigration status naming an unaccompanied asylum-seeking child."),
            *DISABILITY,
            ("LookedAfterStartDate", "Date the period of care started."),
            ("ChildCategoryOfNeed", "Primary need code of the period's latest episode."),
            (
                "SubsequentLACEpisodeLast12Months",
                "Yes if another period of care of the child ended in the 12 months before this one started.",
            ),
            ("MostRecentLegalStatusStart", "Start of the child's latest legal status up to the date."),
            ("LegalStatus", "That legal status code."),
            ("LatestStatutoryReviewDate", "Date of the period's latest CLA review held, up to the date."),
            ("LastSocialWorkVisitDate", "Date of the child's latest visit in the period of care, up to the date."),
            ("PermanencePlan", "Not in the SSD's typed columns (it sits in the care plan's JSON): blank."),
            ("LastIROVisitDate", "Not in the SSD: blank."),
            ("LastHealthAssessmentDate", "Date of the latest health assessment (ssd_cla_health, not a dental check)."),
            ("LastDentalCheckDate", "Date of the latest dental check."),
            ("PlacementsLast12Months", "Placements of the period of care that started in the 12 months to the date."),
            ("CeasedLookedAfterDate", "Date the period of care ended; blank while open."),
            ("ReasonCeasedLookedAfter", "Reason the latest episode ceased, if the period ended."),
            ("MostRecentPlacementStartDate", "Start of the period's latest placement."),
            ("PlacementType", "That placement's type code."),
            ("PlacementProvider", "That placement's provider code."),
            ("PlacementPostcode", "That placement's postcode sector (the warehouse keeps the sector only)."),
            ("PlacementURN", "That placement's Ofsted URN."),
            ("EpisodesChildMissingFromPlacement", "The child's missing episodes that started in the period."),
            ("EpisodesChildAbsentFromPlacement", "The child's absences (away without authorisation) in the period."),
            ("ChildOfferedReturnInterviewAfterLastMFH", "Yes if a return interview was offered after the latest."),
            ("ChildAcceptedReturnInterviewAfterLastMFH", "Yes if it was accepted."),
            *ALLOCATED,
        ),
    ),
    AnnexList(
        9,
        "Care leavers",
        "Each care leaver aged 17 to 21 at the date and not looked after then (the indicators' cohort, 6.1-6.3).",
        (
            *DISABILITY,
            ("AllocatedTeam", "Team recorded on the care-leaver record."),
            ("AllocatedPersonalAdvisor", "Worker (personal adviser) recorded on the care-leaver record."),
            ("EligibilityCategory", "Care-leaver eligibility."),
            ("LatestPathwayPlan", "Date of the latest pathway plan review."),
            ("LAInTouch", "In touch code (YES, NO, DIED, REFU, NREQ, RHOM)."),
            ("LatestContact", "Date of the latest contact."),
            ("TypeOfAccommodation", "SSDA903 accommodation code."),
            ("SuitabilityOfAccommodation", "Suitable or Unsuitable."),
            ("ActivityStatus", "SSDA903 activity code."),
        ),
    ),
    AnnexList(
        10,
        "Adoption",
        "Each child with an adoption decision (ssd_permanence) who was adopted, or whose decision was made or "
        "reversed, in the 12 months to the date.",
        (
            *DISABILITY,
            ("EnteredCareDate", "Start of the period of care the decision belongs to."),
            ("ADMDecisionDate", "Date the agency decision maker decided adoption is the plan."),
            ("PlacementOrderDate", "Date of the placement order."),
            ("MatchedForAdoptionDate", "Date the child was matched."),
            ("PlacedForAdoptionDate", "Date the child was placed for adoption."),
            ("AdoptionOrderDate", "Date of the adoption order (a permanence order of type adoption)."),
            ("DecisionReversedDate", "Date the decision was reversed."),
            ("DecisionReversedReason", "Why."),
            ("DateFFAConcurrencyPlacement", "Date of a fostering for adoption or concurrent placement."),
        ),
        needs="ssd_permanence",
    ),
    AnnexList(11, "Adopters", "", (), not_written="the SSD does not hold the data"),
)
