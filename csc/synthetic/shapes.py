"""One batch of the simulated world written as a case system's SSD build exports it.

The columns each system's build writes are declared once, in ``declarations.systems``: this module applies them to
the contract-shaped frames the generator builds, and adds what the loader must cope with in each system's export:
- values: the Liquidlogic builds (``systemc``, ``la-release``) write CP categories, episode start and end reasons,
  review participation and care-leaver activity as descriptions, and the accommodation's type with its
  suitability in its own column (``shared/ssd-real.md``); each system writes its own involvement type codes;
  ``clea_table_id`` is a new GUID every night;
- a Mosaic person id derived from the row it refers to needs that reference filled in, as Mosaic's build selects
  the rows through it: every involvement and CIN visit carries a referral (``cinv_cin_plan_id``, despite its name);
- files: the encoding, date format, missing-value text, line ends, delimiter and file names of each system's
  export (``FileStyle``).

``contract`` is the extract contract's own shape, as the generator wrote it before the systems were declared: a
mix of habits across files, codes throughout, the extension tables and column included.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from declarations import codes as code_lists
from declarations import contract
from declarations.systems import SYSTEMS, tables_exported

from .export import STYLES, FileStyle
from .frame import NULL_ID, Codes, Frame, Ids, codes
from .tables import INVOLVEMENT_ROLES, Tables

CONTRACT = "contract"
SYSTEM_NAMES = (*SYSTEMS, CONTRACT)

# Each system's code for the generator's involvement types (tables.INVOLVEMENT_ROLES: case worker, leaving care
# personal adviser, IRO, personal adviser of a child in care). Liquidlogic's are its own (CW, 16PLUS, IRO), and
# Mosaic's and Eclipse's allocated worker codes are the ones their SSD builds select. Their personal adviser and
# IRO codes are set by each council (Mosaic's build asks for them: @personal_advisor_rel_type_codes), so these
# are the generator's stand-ins; a council lists its own adviser code in CSC_CASE_HOLDING_ROLES, after the case
# worker's, as MOSAIC_AND_ECLIPSE_CASE_HOLDING_ROLES does.
ROLE_CODES: dict[str, tuple[str, str, str, str]] = {
    "systemc": INVOLVEMENT_ROLES,
    "la-release": INVOLVEMENT_ROLES,
    "mosaic": ("REL.ALLWORK", "REL.PA", "REL.IRO", "REL.PA"),
    "eclipse": ("AW", "PA", "IRO", "PA"),
}
# CSC_CASE_HOLDING_ROLES as a council exporting Mosaic or Eclipse batches written here would set it.
MOSAIC_AND_ECLIPSE_CASE_HOLDING_ROLES = "REL.ALLWORK, AW, REL.PA, PA"

# Coded columns each system writes as descriptions (declarations.codes.DESCRIPTIONS).
_LIQUIDLOGIC_DESCRIBED = (
    "cppl_cp_plan_initial_category",
    "cppl_cp_plan_latest_category",
    "clae_cla_episode_start_reason",
    "clae_cla_episode_ceased_reason",
    "clar_cla_review_participation",
    "clea_care_leaver_activity",
    "clea_care_leaver_accommodation",
    "lega_legal_status",
)
DESCRIBED: dict[str, tuple[str, ...]] = {
    "systemc": _LIQUIDLOGIC_DESCRIBED,
    "la-release": _LIQUIDLOGIC_DESCRIBED,
    "mosaic": ("cppl_cp_plan_initial_category", "cppl_cp_plan_latest_category", "clea_care_leaver_activity"),
    "eclipse": ("clae_cla_episode_ceased_reason", "clea_care_leaver_accommodation"),
}

# Fault kinds an export cannot show. Mosaic's build exports no child on CIN visits, only the referral open on the
# visit's date, and takes a CP visit's child from its plan: a CIN visit dated outside every referral, or for a child
# who is not there, reaches the warehouse with no child; a CP visit against another child's plan reaches it as that
# child's. Nothing in the files tells them apart, so they are not injected into such a batch.
UNSHOWN_FAULTS: dict[str, dict[str, tuple[str, ...]]] = {
    "mosaic": {
        "ssd_cin_visits": ("date_before_birth", "date_after_death", "orphan_person", "visit_outside_plan"),
        "ssd_cp_visits": ("visit_wrong_plan",),
    },
}

# How each system's export is written. The SQL Server builds' exports (SSMS or bcp) write DATETIME values and the
# literal NULL, with Windows line ends; the SSD's own example files are UTF-8 with a byte-order mark. Windows-1252
# files still come from "save as" in older tools. Eclipse's PostgreSQL build is copied out with \copy: plain
# timestamps, empty for missing, Unix line ends, here with a pipe delimiter.
_SQL_SERVER = FileStyle(encoding="utf-8-sig", dates="sqlserver", missing="NULL", line_end="\r\n")
# Files of a system written otherwise than the rest: the differences from its usual style.
FILE_STYLES: dict[str, dict[str, dict[str, str]]] = {
    "systemc": {"ssd_person": {"encoding": "cp1252"}, "ssd_department": {"encoding": "cp1252"}},
    "la-release": {"ssd_person": {"encoding": "cp1252"}},
    "mosaic": {},
    "eclipse": {},
}
DEFAULT_STYLE: dict[str, FileStyle] = {
    "systemc": _SQL_SERVER,
    "la-release": replace(_SQL_SERVER, schema_prefix="ssd_development"),
    "mosaic": replace(_SQL_SERVER, encoding="utf-8", dated_name="dashes"),
    "eclipse": FileStyle(dates="timestamp", delimiter="|", extension="txt"),
}


@dataclass(frozen=True)
class ExportShape:
    """What one night's export of a system holds and how it is written."""

    system: str
    extensions: bool

    @property
    def label(self) -> str:
        return "the extract contract" if self.system == CONTRACT else SYSTEMS[self.system].label

    @property
    def unshown_faults(self) -> dict[str, tuple[str, ...]]:
        """Fault kinds, by table, that this export's files cannot show."""
        return UNSHOWN_FAULTS.get(self.system, {})

    @property
    def described_columns(self) -> frozenset[str]:
        """Coded columns this export writes as descriptions throughout."""
        return frozenset(DESCRIBED.get(self.system, ()))

    def writes(self, table: str) -> bool:
        t = contract.table(table)
        if t.ext:
            return self.extensions
        if self.system == CONTRACT:
            # the extract contract as first written: the core tables and the extensions
            return t.group == "core"
        return t in tables_exported(SYSTEMS[self.system])

    def style(self, table: str) -> FileStyle:
        if self.system == CONTRACT:
            return STYLES.get(table, FileStyle())
        return replace(DEFAULT_STYLE[self.system], **FILE_STYLES[self.system].get(table, {}))  # type: ignore[arg-type]

    def file_name(self, table: str, as_of: date) -> str:
        return self.style(table).file_name(table, as_of)

    def frame(self, table: str, frame: Frame, tables: Tables, *, seed: int) -> Frame:
        """A contract-shaped frame as this system's export writes it."""
        columns = dict(frame.columns)
        if not self.extensions:
            for c in contract.table(table).columns:
                if c.ext:
                    columns.pop(c.name, None)
        if self.system == CONTRACT:
            return Frame(columns, frame.hidden)
        system = SYSTEMS[self.system]
        _describe(table, columns, DESCRIBED[self.system])
        if table == "ssd_involvements":
            columns["invo_professional_role_id"] = _recode(columns["invo_professional_role_id"], self.system)
        if table == "ssd_care_leavers":
            columns["clea_table_id"] = nightly_guids(columns["clea_table_id"], seed=seed, as_of=tables.w.as_of)
        if self.system == "mosaic":
            _refer_to_referrals(table, columns, tables)
        if table == "ssd_person" and "pers_common_child_id" in system.shape(table).added:
            columns["pers_common_child_id"] = columns["pers_single_unique_id"]
        t = contract.table(table)
        shaped: dict[str, object] = {}
        for c in t.columns:
            if c.name in columns and (c.ext or system.exports(t, c)):
                shaped[system.received_name(table, c.name)] = columns[c.name]
        # Columns the contract does not list (an extra column some exports carry) stay as they are.
        shaped |= {name: column for name, column in columns.items() if name not in t.column_names}
        return Frame(shaped, frame.hidden)  # type: ignore[arg-type]


def _describe(table: str, columns: dict, described: tuple[str, ...]) -> None:
    """Codes written as the descriptions a Liquidlogic build writes; accommodation as its type, with the
    suitability in its own column."""
    for name in described:
        if name not in columns:
            continue
        column = columns[name]
        assert isinstance(column, Codes)
        mapping = contract.table(table).column(name).mapping or ""
        if name == "clea_care_leaver_accommodation":
            type_of = {code: code_lists.ACCOMMODATION_TYPE_DESCRIPTIONS.get(code[:1], code) for code in column.vocab}
            suitable = {code: code_lists.SUITABILITY_DESCRIPTIONS.get(code[1:], None) for code in column.vocab}
            columns[name] = Codes([type_of[code] for code in column.vocab], column.index)
            vocab = ["Suitable", "Not suitable"]
            index = np.array(
                [vocab.index(s) if (s := suitable[code]) else -1 for code in column.vocab] + [-1], np.int32
            )
            columns["clea_care_leaver_accom_suitable"] = Codes(vocab, index[column.index])
            continue
        wording = code_lists.DESCRIPTIONS[mapping]
        columns[name] = Codes([wording.get(code, code) for code in column.vocab], column.index)


def _recode(column: object, system: str) -> Codes:
    assert isinstance(column, Codes) and tuple(column.vocab[: len(INVOLVEMENT_ROLES)]) == INVOLVEMENT_ROLES
    return Codes(list(ROLE_CODES[system]) + column.vocab[len(INVOLVEMENT_ROLES) :], column.index)


def nightly_guids(ids: object, *, seed: int, as_of: int) -> Codes:
    """A new GUID for every row each night, as the SSD's NEWID() makes them: the same row keeps its GUID only
    within one export (an exact duplicate row stays a duplicate), never from one night to the next."""
    assert isinstance(ids, Ids)
    distinct, index = np.unique(ids.values, return_inverse=True)
    night = f"{seed}:{as_of}:".encode()
    guids = []
    for value in distinct.tolist():
        h = hashlib.blake2b(night + str(value).encode(), digest_size=16).hexdigest().upper()
        guids.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return codes(guids, index.astype(np.int32))


def _refer_to_referrals(table: str, columns: dict, tables: Tables) -> None:
    """Mosaic exports no person on involvements and CIN visits, only the referral its build finds for each:
    the child's latest referral open during the involvement, or on the visit's date. An involvement no referral
    overlaps (a care leaver's, starting after the referral closed) carries none, so its child cannot be known:
    that is Mosaic's build, and the loader reports it."""
    if table == "ssd_involvements":
        person = _person_index(columns["invo_person_id"], tables)
        start, end = columns["invo_involvement_start_date"].days, columns["invo_involvement_end_date"].days
        recorded = columns["invo_referral_id"]
        assert isinstance(recorded, Ids)
        found = tables.referral_overlapping(person, start, end)
        columns["invo_referral_id"] = Ids(
            np.where(recorded.values == NULL_ID, found.values, recorded.values), found.format
        )
    elif table == "ssd_cin_visits":
        person, on = _person_index(columns["cinv_person_id"], tables), columns["cinv_cin_visit_date"].days
        columns["cinv_cin_plan_id"] = tables.referral_overlapping(person, on, on)


def _person_index(person: object, tables: Tables) -> np.ndarray:
    assert isinstance(person, Ids)
    return person.values - tables.ids["person"].base
