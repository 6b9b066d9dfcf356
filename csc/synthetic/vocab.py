"""Code lists, fake names and the fixed texts a case system writes (JSON outcomes, reasons, team names).

Names are fake and built from short lists. Some carry accents or the curly apostrophe (Zoë, Renée, O’Brien)
because councils' Windows-1252 exports do: every string here must be encodable in Windows-1252.
"""

from __future__ import annotations

GIRLS = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia", "Grace", "Freya",
    "Willow", "Evie", "Ella", "Poppy", "Chloë", "Zoë", "Renée", "Anaïs", "Léa", "Siân", "Niamh", "Aoife",
    "Amira", "Fatima", "Aisha", "Maja", "Zuzanna", "Ruby", "Daisy", "Hannah", "Jessica", "Leah", "Maryam",
)  # fmt: skip
BOYS = (
    "Oliver", "George", "Noah", "Arthur", "Leo", "Muhammad", "Harry", "Oscar", "Archie", "Henry", "Jack",
    "Theo", "Charlie", "Jacob", "Freddie", "Alfie", "Noël", "José", "Rhys", "Ciarán", "Seán", "Dylan",
    "Tyler", "Kacper", "Jakub", "Ibrahim", "Yusuf", "Kai", "Riley", "Mason", "Logan", "Ethan", "Jayden",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
    "Khan", "Ahmed", "Hussain", "Begum", "Ali", "Nowak", "Kowalski", "Popescu", "Murphy", "Kelly",
    "O’Brien", "O’Connor", "O’Neill", "D’Souza", "Müller", "Lefèvre", "Núñez", "Ó Súilleabháin", "Mensah",
    "Okafor", "Adeyemi", "Campbell", "Stewart", "Hughes", "Edwards", "Turner", "Hill", "Moore", "Cooper",
)  # fmt: skip

ETHNICITY = (
    ("WBRI", 0.70), ("WIRI", 0.01), ("WOTH", 0.05), ("WROM", 0.01), ("MWBC", 0.03), ("MWBA", 0.01),
    ("MWAS", 0.01), ("MOTH", 0.03), ("AIND", 0.02), ("APKN", 0.03), ("ABAN", 0.01), ("AOTH", 0.01),
    ("BCRB", 0.01), ("BAFR", 0.03), ("BOTH", 0.01), ("CHNE", 0.005), ("OOTH", 0.015), ("REFU", 0.01),
    ("NOBT", 0.01),
)  # fmt: skip
NATIONALITY = (
    ("British", 0.90), ("Polish", 0.02), ("Romanian", 0.02), ("Irish", 0.01), ("Afghan", 0.01),
    ("Eritrean", 0.01), ("Sudanese", 0.01), ("Albanian", 0.01), ("Nigerian", 0.01),
)  # fmt: skip
SEND = (("N", 0.80), ("K", 0.14), ("E", 0.06))  # none, SEN support, EHC plan

# DfE referral source codes (CIN census), used for contacts and referrals.
SOURCES = (
    ("1A", "Individual", 0.04), ("1B", "Individual - family member", 0.05), ("1C", "Individual - acquaintance", 0.01),
    ("1D", "Individual - self", 0.01), ("2A", "Schools", 0.19), ("2B", "Education services", 0.02),
    ("3A", "Health services - GP", 0.02), ("3B", "Health services - health visitor", 0.03),
    ("3C", "Health services - school nurse", 0.01), ("3D", "Health services - other primary health", 0.03),
    ("3E", "Health services - A&E", 0.03), ("3F", "Health services - other", 0.05), ("4", "Housing", 0.02),
    ("5A", "LA services - social care", 0.06), ("5B", "LA services - other internal", 0.03),
    ("5C", "LA services - external", 0.02), ("5D", "LA services - early help", 0.03), ("6", "Police", 0.28),
    ("7", "Other legal agency", 0.02), ("8", "Other", 0.03), ("9", "Anonymous", 0.01), ("10", "Unknown", 0.01),
)  # fmt: skip
PRIMARY_NEED = (
    ("N1", 0.56), ("N2", 0.04), ("N3", 0.04), ("N4", 0.09), ("N5", 0.15), ("N6", 0.03), ("N7", 0.01),
    ("N8", 0.05), ("N9", 0.02), ("N0", 0.01),
)  # fmt: skip
CLA_NEED = (("N1", 0.66), ("N2", 0.03), ("N3", 0.03), ("N4", 0.07), ("N5", 0.13), ("N6", 0.02), ("N8", 0.06))
CP_CATEGORY = (("NEG", 0.50), ("EMO", 0.35), ("PHY", 0.07), ("SAB", 0.04), ("MUL", 0.04))

# Contact outcomes: the JSON is what the SSD scripts build by string concatenation.
CONTACT_OUTCOMES = ("REF", "IA", "EH", "NFA", "OPEN")
CONTACT_OUTCOME_DESC = {
    "REF": "Referral to children's social care",
    "IA": "Information and advice",
    "EH": "Early help",
    "NFA": "No further action",
    "OPEN": "Passed to allocated worker (open case)",
}
# Shares of contacts that do not become referrals (REF is decided by the referral flow).
NON_REFERRAL_CONTACT_OUTCOMES = (("IA", 0.35), ("EH", 0.30), ("NFA", 0.30), ("OPEN", 0.05))


def contact_outcome_json(code: str) -> str:
    return '{"outcome_code": "' + code + '", "outcome_desc": "' + CONTACT_OUTCOME_DESC[code] + '"}'


def yes_no_json(keys: tuple[str, ...], yes: str | None) -> str:
    return "{" + ", ".join(f'"{k}": "{"Y" if k == yes else "N"}"' for k in keys) + "}"


REFERRAL_OUTCOMES = ("NFA", "ASSESSMENT")
ASSESSMENT_OUTCOMES = ("NFA", "CIN_PLAN", "S47", "CLA", "EARLY_HELP")
S47_OUTCOMES = ("NFA", "ICPC", "CIN_PLAN")
ICPC_OUTCOMES = ("CP_PLAN", "CIN_PLAN", "NFA")

# SSDA903 episode reasons.
REASON_NEW_EPISODE = ("S", "P", "L", "B")  # started, placement change, legal status change, both
CEASED_INTERMEDIATE = "X1"
CEASED_YOUNG = (("E4A", 0.55), ("E41", 0.10), ("E45", 0.10), ("E46", 0.05), ("E11", 0.10), ("E12", 0.04), ("E8", 0.06))
CEASED_ADULT = (("E17", 0.35), ("E8", 0.30), ("E48", 0.20), ("E47", 0.05), ("E4A", 0.10))
LEGAL_STATUS_NEEDS_ADOPTION = ("E11", "E12")
PLACEMENT_TYPES = (
    ("U1", 0.10), ("U2", 0.05), ("U3", 0.04), ("U4", 0.30), ("U5", 0.10), ("U6", 0.08), ("K2", 0.12),
    ("H5", 0.07), ("P1", 0.05), ("R1", 0.02), ("S1", 0.02), ("Z1", 0.05),
)  # fmt: skip
PLACEMENT_PROVIDERS = (("PR1", 0.45), ("PR2", 0.05), ("PR3", 0.05), ("PR4", 0.35), ("PR5", 0.05), ("PR0", 0.05))
PLACEMENT_CHANGE_REASONS = (
    ("CARPL", 0.30), ("CLOSE", 0.05), ("ALLEG", 0.03), ("STAND", 0.03), ("APPRR", 0.02), ("CREQB", 0.15),
    ("CREQO", 0.10), ("CHILD", 0.10), ("LAREQ", 0.12), ("PLACE", 0.05), ("OTHER", 0.05),
)  # fmt: skip
REVIEW_PARTICIPATION = tuple((f"PN{i}", w) for i, w in enumerate((0.05, 0.35, 0.25, 0.10, 0.10, 0.05, 0.05, 0.05)))
CP_REVIEW_PARTICIPATION = (
    ("Child attended", 0.30), ("Views conveyed by advocate", 0.25), ("Views conveyed by social worker", 0.25),
    ("Child did not attend", 0.10), ("Under 4 - not applicable", 0.10),
)  # fmt: skip
WORKER_CHANGE_REASONS = (
    "Worker left the service", "Caseload rebalancing", "Worker on long-term leave", "Change of worker requested",
)  # fmt: skip
CASE_TRANSFER_REASON = "Case transferred to new team"

# Care leavers (SSDA903).
CARE_LEAVER_EET = (("F1", 0.10), ("F2", 0.30), ("F3", 0.30), ("F4", 0.06), ("F5", 0.01), ("P2", 0.10),
                   ("P3", 0.10), ("P1", 0.02), ("P4", 0.005), ("P5", 0.005))  # fmt: skip
CARE_LEAVER_NEET = (("G4", 0.20), ("G5", 0.15), ("G6", 0.65))
CARE_LEAVER_SUITABLE = (("B1", 0.20), ("D1", 0.20), ("E1", 0.10), ("U1", 0.25), ("Z1", 0.10), ("K1", 0.05),
                        ("T1", 0.05), ("C1", 0.05))  # fmt: skip
CARE_LEAVER_UNSUITABLE = (("S2", 0.25), ("W2", 0.15), ("X2", 0.25), ("V2", 0.15), ("R2", 0.20))
CARE_LEAVER_NOT_IN_TOUCH = (("NO", 0.5), ("REFU", 0.25), ("NREQ", 0.15), ("RHOM", 0.10))
CARE_LEAVER_ELIGIBILITY = ("Eligible", "Relevant", "Former relevant")

# Values a case system can hold that map to no code (faults only: clean data never has them).
UNMAPPED_VALUES = ("Other - see case notes", "Not recorded", "Awaiting update")

# Workforce.
TEAM_NAMES = {
    "front_door": ("Front Door (MASH)",),
    "assessment": ("Assessment Team 1", "Assessment Team 2", "Assessment Team 3", "Assessment Team 4"),
    "safeguarding": (
        "Safeguarding Team North", "Safeguarding Team South", "Safeguarding Team East", "Safeguarding Team West",
    ),
    "cin": ("Family Support Team 1", "Family Support Team 2", "Family Support Team 3"),
    "disabled": ("Disabled Children’s Team",),
    "cla": ("Children in Care Team 1", "Children in Care Team 2"),
    "leaving_care": ("Leaving Care Team",),
    "iro": ("Independent Reviewing Service",),
}  # fmt: skip
SERVICE_AREAS = {
    "front_door": "Children’s Services – Front Door and Assessment",
    "assessment": "Children’s Services – Front Door and Assessment",
    "safeguarding": "Children’s Social Care – Safeguarding and Family Support",
    "cin": "Children’s Social Care – Safeguarding and Family Support",
    "disabled": "Children’s Social Care – Safeguarding and Family Support",
    "cla": "Children in Care and Care Leavers",
    "leaving_care": "Children in Care and Care Leavers",
    "iro": "Quality Assurance and Safeguarding Unit",
}
SERVICE_AREA_ORDER = tuple(dict.fromkeys(SERVICE_AREAS.values()))
JOB_TITLES = {
    "front_door": ("Social Worker", "Senior Social Worker"),
    "assessment": ("Social Worker", "Senior Social Worker", "Advanced Practitioner"),
    "safeguarding": ("Social Worker", "Senior Social Worker", "Advanced Practitioner"),
    "cin": ("Social Worker", "Senior Social Worker", "Family Support Worker"),
    "disabled": ("Social Worker", "Senior Social Worker"),
    "cla": ("Social Worker", "Senior Social Worker", "Advanced Practitioner"),
    "leaving_care": ("Personal Adviser", "Senior Personal Adviser"),
    "iro": ("Independent Reviewing Officer",),
}
MANAGER_TITLES = ("Team Manager", "Assistant Team Manager")
COUNCIL_STEMS = (
    "Ashford", "Brampton", "Calder", "Dunmore", "Elmbridge", "Fenwick", "Garside", "Hollins", "Ivybridge",
    "Kessling", "Larkfield", "Marston", "Netherby", "Oakham", "Penwortham", "Queensbury", "Redmarsh", "Stowfield",
    "Thornbury", "Upholland", "Valewood", "Westerleigh", "Yarrowby", "Zennor", "Amberley",
)  # fmt: skip
COUNCIL_PREFIXES = ("", "North ", "South ", "East ", "West ", "Greater ")
POSTCODE_AREAS = ("AB", "BX", "CQ", "DZ", "EY", "FQ", "GX", "HZ")


def council_names(n: int) -> list[str]:
    names = [f"{p}{s}" for p in COUNCIL_PREFIXES for s in COUNCIL_STEMS]
    if n > len(names):
        raise ValueError(f"at most {len(names)} councils")
    return names[:n]


def split(pairs: tuple[tuple[str, float], ...]) -> tuple[list[str], list[float]]:
    """Values and normalised weights of a (value, weight) list."""
    total = sum(w for _, w in pairs)
    return [v for v, _ in pairs], [w / total for _, w in pairs]


def postcodes() -> list[str]:
    """Fake full postcodes in made-up areas (the privacy step downstream cuts them to the sector)."""
    units = ("AB", "DF", "GH", "JL", "NP", "QR", "ST", "UW", "XY")
    return [f"{a}{d} {s}{u}" for a in POSTCODE_AREAS for d in range(1, 10) for s in range(1, 10) for u in units]
