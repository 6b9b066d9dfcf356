"""Code lists and the descriptions that stand for their codes.

Contract problem 4, and what the SSD itself does: the Liquidlogic build writes CP categories, episode start and
end reasons, review participation, care-leaver activity and accommodation type as the case system's
descriptions, not the DfE codes (``shared/ssd-real.md``). Staging maps a description to its code; a value that is
neither a code nor a known description is kept as received and counted as unmapped.

Each code is listed with the DfE's wording (CIN census and SSDA903 guidance) and the shorter wordings case
systems use. A description matches whatever its case, spacing and punctuation ("Started to be looked-after" is
"started to be looked after"), and the part of a DfE wording before its bracketed note matches too.
"""

from __future__ import annotations

import re

CP_CATEGORY: dict[str, tuple[str, ...]] = {
    "NEG": ("Neglect",),
    "PHY": ("Physical abuse", "Physical"),
    "SAB": ("Sexual abuse", "Sexual"),
    "EMO": ("Emotional abuse", "Emotional"),
    "MUL": ("Multiple", "Multiple/not recommended", "Multiple categories"),
}

# SSDA903 reason for new episode (RNE).
CLA_START_REASON: dict[str, tuple[str, ...]] = {
    "S": ("Started to be looked after",),
    "L": ("Change of legal status only",),
    "P": ("Change of placement and carer(s) only",),
    "T": ("Change of placement (but same carer(s)) only",),
    "B": ("Change of legal status and placement and carer(s) at the same time",),
    "U": ("Change of legal status and change of placement (but same carer(s)) at the same time",),
}

# SSDA903 reason episode ceased (REC).
CLA_CEASED_REASON: dict[str, tuple[str, ...]] = {
    "E11": ("Adopted - application for an adoption order unopposed",),
    "E12": ("Adopted - consent dispensed with by the court",),
    "E13": ("Left care to live with parent(s), relative(s), or other person(s) with no parental responsibility",),
    "E14": ("Accommodation on remand ended",),
    "E15": ("Age assessment determined child is aged 18 or over and E5, E6 and E7 do not apply",),
    "E16": ("Child moved abroad",),
    "E17": ("Aged 18 (or over) and remained with current carers (inc under staying put arrangements)",),
    "E2": ("Died",),
    "E3": ("Care taken over by another local authority in the UK",),
    "E41": ("Residence order (or, from 22 April 2014, a child arrangement order) granted", "Child arrangement order"),
    "E45": ("Special guardianship order made to former foster carer(s), who was/are a relative(s) or friend(s)",),
    "E46": ("Special guardianship order made to former foster carer(s), other than relative(s) or friend(s)",),
    "E47": (
        "Special guardianship order made to carer(s), other than former foster carer(s), who was/are a relative(s) "
        "or friend(s)",
    ),
    "E48": (
        "Special guardianship order made to carer(s), other than former foster carer(s), other than relative(s) or "
        "friend(s)",
    ),
    "E4A": (
        "Returned home to live with parent(s), relative(s), or other person(s) with parental responsibility as part "
        "of the care planning process",
    ),
    "E4B": (
        "Returned home to live with parent(s), relative(s), or other person(s) with parental responsibility which "
        "was not part of the current care planning process",
    ),
    "E5": ("Moved into independent living arrangement and no longer looked-after: supportive accommodation",),
    "E6": ("Moved into independent living arrangement and no longer looked-after: no formalised support",),
    "E7": ("Transferred to residential care funded by adult social care services",),
    "E8": ("Period of being looked-after ceased for any other reason",),
    "E9": ("Sentenced to custody",),
    "X1": ("Episode ceases, and new episode begins on same day, for any reason",),
}

# SSDA903 participation of the child in their review (PN codes).
REVIEW_PARTICIPATION: dict[str, tuple[str, ...]] = {
    "PN0": ("Child aged under 4 at the time of the review",),
    "PN1": ("Child physically attends and speaks for him or herself (Attendance)",),
    "PN2": ("Child physically attends and an advocate speaks on his or her behalf (Attendance views represented)",),
    "PN3": ("Child attends and conveys his or her view symbolically (non-verbally) (Attendance symbols)",),
    "PN4": ("Child physically attends but does not speak for him or herself (Attendance without contribution)",),
    "PN5": ("Child does not attend physically but briefs an advocate to speak for him or her (Views represented)",),
    "PN6": ("Child does not attend but conveys his or her feelings to the review by a facilitative medium",),
    "PN7": ("Child does not attend nor are his or her views conveyed to the review",),
}

# CIN census primary need (category of need); SSDA903's CIN code for a looked-after child uses N1-N8.
CIN_NEED: dict[str, tuple[str, ...]] = {
    "N1": ("Abuse or neglect",),
    "N2": ("Child's disability or illness", "Child's disability", "Disability or illness"),
    "N3": ("Parental illness or disability", "Parental illness/disability", "Parent's disability or illness"),
    "N4": ("Family in acute stress",),
    "N5": ("Family dysfunction",),
    "N6": ("Socially unacceptable behaviour",),
    "N7": ("Low income",),
    "N8": ("Absent parenting",),
    "N9": ("Cases other than children in need",),
    "N0": ("Not stated",),
}

# CIN census reason for closure.
CIN_CLOSURE: dict[str, tuple[str, ...]] = {
    "RC1": ("Adopted",),
    "RC2": ("Died",),
    "RC3": ("Child arrangements order", "Residence order"),
    "RC4": ("Special guardianship order",),
    "RC5": ("Transferred to services of another local authority", "Transferred to another local authority"),
    "RC6": ("Transferred to adult social care services", "Transferred to adult social care"),
    "RC7": (
        "Services ceased for any other reason, including child no longer in need",
        "Services ceased for any other reason",
    ),
    "RC8": ("Case closed after assessment, no further action", "Case closed after assessment - no further action"),
    "RC9": ("Case closed after assessment, referred to early help",),
}

# SSDA903 placement type (PL).
PLACEMENT_TYPE: dict[str, tuple[str, ...]] = {
    "A3": ("Placed for adoption with parental/guardian consent with current foster carer(s)",),
    "A4": ("Placed for adoption with parental/guardian consent not with current foster carer(s)",),
    "A5": ("Placed for adoption with placement order with current foster carer(s)",),
    "A6": ("Placed for adoption with placement order not with current foster carer(s)",),
    "H5": ("Semi-independent living accommodation not subject to children's homes regulations",),
    "K1": ("Secure children's homes", "Secure children's home"),
    "K2": ("Children's homes subject to Children's Homes Regulations", "Children's home"),
    "P1": ("Placed with own parent(s) or other person(s) with parental responsibility",),
    "P2": ("Independent living, for example in a flat, lodgings, bedsit, bed and breakfast or with friends",),
    "P3": ("Residential employment",),
    "R1": ("Residential care home",),
    "R2": ("NHS/health trust or other establishment providing medical or nursing care",),
    "R3": ("Family centre or mother and baby unit",),
    "R5": ("Young offender institution (YOI)", "Young offender institution"),
    "S1": ("All residential schools, except where dual-registered as a school and children's home",),
    "T0": ("All types of temporary move",),
    "T1": ("Temporary periods in hospital",),
    "T2": ("Temporary absences of the child on holiday",),
    "T3": ("Temporary accommodation whilst normal foster carer(s) is/are on holiday",),
    "T4": ("Temporary accommodation of seven days or less, for any reason, not covered by codes T1 to T3",),
    "U1": ("Foster placement with relative(s) or friend(s) - long term fostering",),
    "U2": (
        "Foster placement with relative(s) or friend(s) who is/are also an approved adopter(s) - fostering for "
        "adoption/concurrent planning",
    ),
    "U3": (
        "Foster placement with relative(s) or friend(s) who is/are not long-term or fostering for "
        "adoption/concurrent planning",
    ),
    "U4": ("Foster placement with other foster carer(s) - long term fostering",),
    "U5": (
        "Foster placement with other foster carer(s) who is/are also an approved adopter(s) - fostering for "
        "adoption/concurrent planning",
    ),
    "U6": (
        "Foster placement with other foster carer(s) - not long term or fostering for adoption/concurrent planning",
    ),
    "Z1": ("Other placements",),
}

# SSDA903 legal status (LS).
LEGAL_STATUS: dict[str, tuple[str, ...]] = {
    "C1": ("Interim care order",),
    "C2": ("Full care order",),
    "D1": ("Freeing order granted",),
    "E1": ("Placement order granted",),
    "J1": ("Remanded to local authority accommodation or to youth detention accommodation",),
    "J2": ("Placed in local authority accommodation under the Police and Criminal Evidence Act 1984",),
    "J3": ("Sentenced to Youth Rehabilitation Order (Criminal Justice and Immigration Act 2008 as amended)",),
    "L1": ("Under police protection and in local authority accommodation",),
    "L2": ("Emergency protection order (EPO)", "Emergency protection order"),
    "L3": ("Under child assessment order and in local authority accommodation",),
    "V2": ("Single period of accommodation under section 20 (Children Act 1989)", "Section 20"),
    "V3": ("Accommodated under an agreed series of short-term breaks, when individual episodes of care are recorded",),
    "V4": ("Accommodated under an agreed series of short-term breaks, when agreements are recorded",),
}

# SSDA903 care leaver in touch (IN_TOUCH).
IN_TOUCH: dict[str, tuple[str, ...]] = {
    "YES": ("Yes", "In touch"),
    "NO": ("No", "Not in touch"),
    "DIED": ("Died",),
    "REFU": ("Young person refuses contact", "Refuses contact"),
    "NREQ": ("Young person no longer requires services", "No longer requires services"),
    "RHOM": ("Young person has returned home", "Returned home"),
}

# SSDA903 care-leaver activity: F*/P* are in education, employment or training (EET), G4-G6 are not (NEET).
CARE_LEAVER_ACTIVITY: dict[str, tuple[str, ...]] = {
    "F1": ("Young person engaged full time in higher education (for example studies beyond A level)",),
    "P1": ("Young person engaged part time in higher education (for example studies beyond A level)",),
    "F2": ("Young person engaged full time in education other than higher education",),
    "P2": ("Young person engaged part time in education other than higher education",),
    "F3": ("Young person engaged full time in training or employment (not apprenticeship)",),
    "P3": ("Young person engaged part time in training or employment (not apprenticeship)",),
    "F4": ("Young person engaged full time in an apprenticeship",),
    "P4": ("Young person engaged part time in an apprenticeship",),
    "F5": ("Young person engaged full time in voluntary work",),
    "P5": ("Young person engaged part time in voluntary work",),
    "G4": ("Young person not in education, employment or training because of illness or disability",),
    "G5": ("Young person not in education, employment or training: other circumstances",),
    "G6": ("Young person not in education, employment or training due to pregnancy or parenting",),
}

# SSDA903 accommodation: a letter for the type, then 1 (suitable) or 2 (unsuitable).
ACCOMMODATION_TYPES: dict[str, tuple[str, ...]] = {
    "B": ("With parent(s) or relative(s)", "Parents or relatives"),
    "C": ("Community home or other form of residential care", "Residential care"),
    "D": ("Semi-independent, transitional accommodation", "Semi-independent accommodation"),
    "E": ("Supported lodgings",),
    "G": ("Gone abroad",),
    "H": ("Deported",),
    "K": ("Ordinary lodgings, without formal support", "Ordinary lodgings"),
    "R": ("Residence not known",),
    "S": ("No fixed abode / homeless", "No fixed abode"),
    "T": ("Foyers and similar supported accommodation", "Foyers"),
    "U": ("Independent living",),
    "V": ("Emergency accommodation",),
    "W": ("Bed and breakfast",),
    "X": ("In custody",),
    "Y": ("Other accommodation",),
    "Z": ("With former foster carer(s)", "With former foster carers"),
}
# The suitability column's wordings: 1 = suitable, 2 = not suitable.
SUITABILITY: dict[str, tuple[str, ...]] = {
    "1": ("Suitable", "Y", "Yes", "Accommodation suitable", "Accommodation considered suitable"),
    "2": (
        "Not suitable",
        "Unsuitable",
        "N",
        "No",
        "Accommodation not suitable",
        "Accommodation considered unsuitable",
    ),
}

CP_CATEGORY_CODES = tuple(CP_CATEGORY)
CARE_LEAVER_ACTIVITY_CODES = tuple(CARE_LEAVER_ACTIVITY)
CARE_LEAVER_ACCOMMODATION_CODES = tuple(f"{k}{s}" for k in ACCOMMODATION_TYPES for s in ("1", "2"))


def normalise(value: str) -> str:
    """A wording as compared: lower case, every run of spaces and punctuation one space."""
    return re.sub(r"[^a-z0-9]+", " ", value.lower()).strip()


# The same normalisation in DuckDB SQL (staging maps descriptions there).
NORMALISE_SQL = "trim(regexp_replace(lower({v}), '[^a-z0-9]+', ' ', 'g'))"
# A code written with its wording after it ("RC7 - Services ceased ...", as some Mosaic builds write): the code.
LEADING_CODE = r"^([A-Z0-9]+)\s*[-:]\s"


def _wordings(descriptions: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """normalised wording -> code: every wording listed, and the part of it before a bracketed note."""
    out: dict[str, str] = {}
    for code, wordings in descriptions.items():
        for wording in wordings:
            for variant in (wording, wording.split("(")[0]):
                out.setdefault(normalise(variant), code)
    return out


_ACCOMMODATION_WITH_SUITABILITY = {
    f"{type_wording}, {suitability}": f"{letter}{digit}"
    for letter, wordings in ACCOMMODATION_TYPES.items()
    for type_wording in wordings
    for digit, suitability in (("1", "suitable"), ("2", "not suitable"))
}

# mapping name -> (normalised wording -> code)
MAPPINGS: dict[str, dict[str, str]] = {
    "cin_need": _wordings(CIN_NEED),
    "cin_closure": _wordings(CIN_CLOSURE),
    "placement_type": _wordings(PLACEMENT_TYPE),
    "legal_status": _wordings(LEGAL_STATUS),
    "in_touch": _wordings(IN_TOUCH),
    "cp_category": _wordings(CP_CATEGORY),
    "cla_start_reason": _wordings(CLA_START_REASON),
    "cla_ceased_reason": _wordings(CLA_CEASED_REASON),
    "review_participation": _wordings(REVIEW_PARTICIPATION),
    "care_leaver_activity": _wordings(CARE_LEAVER_ACTIVITY),
    # A wording that carries its suitability ("Independent living, suitable"); the type alone is completed from
    # clea_care_leaver_accom_suitable (ACCOMMODATION_TYPE_WORDINGS, SUITABILITY_WORDINGS).
    "care_leaver_accommodation": {normalise(k): v for k, v in _ACCOMMODATION_WITH_SUITABILITY.items()},
}
ACCOMMODATION_TYPE_WORDINGS = _wordings(ACCOMMODATION_TYPES) | {
    letter.lower(): letter for letter in ACCOMMODATION_TYPES
}
SUITABILITY_WORDINGS = _wordings(SUITABILITY)

CODES: dict[str, tuple[str, ...]] = {
    "cin_need": tuple(CIN_NEED),
    "cin_closure": tuple(CIN_CLOSURE),
    "placement_type": tuple(PLACEMENT_TYPE),
    "legal_status": tuple(LEGAL_STATUS),
    "in_touch": tuple(IN_TOUCH),
    "cp_category": CP_CATEGORY_CODES,
    "cla_start_reason": tuple(CLA_START_REASON),
    "cla_ceased_reason": tuple(CLA_CEASED_REASON),
    "review_participation": tuple(REVIEW_PARTICIPATION),
    "care_leaver_activity": CARE_LEAVER_ACTIVITY_CODES,
    "care_leaver_accommodation": CARE_LEAVER_ACCOMMODATION_CODES,
}

# The description a generator writes for a code, as the Liquidlogic build does: the first wording listed.
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "cin_need": {code: wordings[0] for code, wordings in CIN_NEED.items()},
    "cin_closure": {code: wordings[0] for code, wordings in CIN_CLOSURE.items()},
    "placement_type": {code: wordings[0] for code, wordings in PLACEMENT_TYPE.items()},
    "legal_status": {code: wordings[0] for code, wordings in LEGAL_STATUS.items()},
    "in_touch": {code: wordings[0] for code, wordings in IN_TOUCH.items()},
    "cp_category": {code: wordings[0] for code, wordings in CP_CATEGORY.items()},
    "cla_start_reason": {code: wordings[0] for code, wordings in CLA_START_REASON.items()},
    "cla_ceased_reason": {code: wordings[0] for code, wordings in CLA_CEASED_REASON.items()},
    "review_participation": {code: wordings[0] for code, wordings in REVIEW_PARTICIPATION.items()},
    "care_leaver_activity": {code: wordings[0] for code, wordings in CARE_LEAVER_ACTIVITY.items()},
    "care_leaver_accommodation": {
        f"{letter}{digit}": f"{wordings[0]}, {'suitable' if digit == '1' else 'not suitable'}"
        for letter, wordings in ACCOMMODATION_TYPES.items()
        for digit in ("1", "2")
    },
}
ACCOMMODATION_TYPE_DESCRIPTIONS = {letter: wordings[0] for letter, wordings in ACCOMMODATION_TYPES.items()}
SUITABILITY_DESCRIPTIONS = {"1": "Suitable", "2": "Not suitable"}


def map_code(mapping: str, value: str | None, *, suitability: str | None = None) -> str | None:
    """The code for a received value: the code itself, or the code of a known description, else None. For
    accommodation, a type alone takes its suitability digit from ``suitability``."""
    if value is None:
        return None
    if value.strip().upper() in CODES[mapping]:
        return value.strip().upper()
    led = re.match(LEADING_CODE, value.strip().upper())
    if led and led.group(1) in CODES[mapping]:
        return led.group(1)
    code = MAPPINGS[mapping].get(normalise(value))
    if code is None and mapping == "care_leaver_accommodation" and suitability is not None:
        letter = ACCOMMODATION_TYPE_WORDINGS.get(normalise(value))
        digit = SUITABILITY_WORDINGS.get(normalise(suitability))
        if letter and digit:
            code = f"{letter}{digit}"
    return code
