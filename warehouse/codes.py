"""Code lists and the mappings from descriptions to codes.

Contract problem 4: CP abuse categories and care-leaver accommodation and activity may arrive as text
descriptions instead of DfE codes. Staging maps a description to its code (case and spacing ignored); a value
that is neither a code nor a known description is kept as received and counted as unmapped.
"""

from __future__ import annotations

CP_CATEGORY_CODES = ("NEG", "PHY", "SAB", "EMO", "MUL")

# SSDA903 care-leaver activity: F*/P* are in education, employment or training (EET), G4-G6 are not (NEET).
CARE_LEAVER_ACTIVITY_CODES = ("F1", "P1", "F2", "P2", "F3", "P3", "F4", "P4", "F5", "P5", "G4", "G5", "G6")

# SSDA903 accommodation: a letter for the type, then 1 (suitable) or 2 (unsuitable).
_ACCOMMODATION_TYPES = {
    "B": "Parents or relatives",
    "C": "Community home or other form of residential care",
    "D": "Semi-independent, transitional accommodation",
    "E": "Supported lodgings",
    "G": "Gone abroad",
    "H": "Deported",
    "K": "Ordinary lodgings",
    "R": "Residence not known",
    "S": "No fixed abode / homeless",
    "T": "Foyers",
    "U": "Independent living",
    "V": "Emergency accommodation",
    "W": "Bed and breakfast",
    "X": "In custody",
    "Y": "Other accommodation",
    "Z": "With former foster carers",
}
CARE_LEAVER_ACCOMMODATION_CODES = tuple(f"{k}{s}" for k in _ACCOMMODATION_TYPES for s in ("1", "2"))

# description -> code. Keys are compared after normalise().
MAPPINGS: dict[str, dict[str, str]] = {
    "cp_category": {
        "neglect": "NEG",
        "physical abuse": "PHY",
        "physical": "PHY",
        "sexual abuse": "SAB",
        "sexual": "SAB",
        "emotional abuse": "EMO",
        "emotional": "EMO",
        "multiple": "MUL",
        "multiple/not recommended": "MUL",
        "multiple categories": "MUL",
    },
    "care_leaver_activity": {
        "higher education": "F1",
        "higher education part-time": "P1",
        "education other than higher education": "F2",
        "education other than higher education part-time": "P2",
        "training or employment": "F3",
        "training or employment part-time": "P3",
        "apprenticeship": "F4",
        "apprenticeship part-time": "P4",
        "voluntary work": "F5",
        "voluntary work part-time": "P5",
        "not in education, training or employment, owing to illness or disability": "G4",
        "not in education, training or employment, owing to pregnancy or parenting": "G5",
        "not in education, training or employment, other reasons": "G6",
    },
    "care_leaver_accommodation": {
        **{f"{desc}, suitable".lower(): f"{k}1" for k, desc in _ACCOMMODATION_TYPES.items()},
        **{f"{desc}, not suitable".lower(): f"{k}2" for k, desc in _ACCOMMODATION_TYPES.items()},
    },
}

CODES: dict[str, tuple[str, ...]] = {
    "cp_category": CP_CATEGORY_CODES,
    "care_leaver_activity": CARE_LEAVER_ACTIVITY_CODES,
    "care_leaver_accommodation": CARE_LEAVER_ACCOMMODATION_CODES,
}

# The description each generator writes when it writes a description instead of the code (first key wins).
DESCRIPTIONS: dict[str, dict[str, str]] = {
    name: {code: desc for desc, code in reversed(list(mapping.items()))} for name, mapping in MAPPINGS.items()
}


def normalise(value: str) -> str:
    return " ".join(value.strip().lower().split())


def map_code(mapping: str, value: str | None) -> str | None:
    """The code for a received value: the code itself, or the code of a known description, else None."""
    if value is None:
        return None
    if value.strip().upper() in CODES[mapping]:
        return value.strip().upper()
    return MAPPINGS[mapping].get(normalise(value))
