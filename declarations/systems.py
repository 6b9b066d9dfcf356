"""How each case system's SSD build differs from the contract, declared once.

The SSD is built by a different script for each case system (``data-to-insight/ssd-data-model``:
``deployment_extracts/<system>/live/`` and ``deployment_extracts_la_release/``). The contract
(``declarations.contract``) carries the names of the Liquidlogic build, v1.4.5. The other builds rename some columns
and leave others out; where a left-out column is a person id, the contract says how it is derived
(``Column.derived_via``: a Mosaic CP visit's child is its plan's child).

The loader detects each file's shape from its header (or is told it: ``csc run --system``); the generator writes
each shape; the data dictionary and the README's table of differences are generated from here. No system
exports the local extensions (``Table.group == "extension"``, ``Column.ext``): a council adds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from declarations.contract import TABLES, Column, Table, table


@dataclass(frozen=True)
class TableShape:
    """One table as one system's build writes it, against the contract."""

    # contract column -> the name this system exports it under
    renamed: Mapping[str, str] = field(default_factory=dict)
    # contract columns this system does not export (NULL, or derived where the contract says how)
    absent: tuple[str, ...] = ()
    # optional contract columns (``Column.optional``) this system does export
    added: tuple[str, ...] = ()


NO_DIFFERENCE = TableShape()


@dataclass(frozen=True)
class SystemShape:
    name: str
    label: str
    source: str
    tables: Mapping[str, TableShape]
    # contract tables this system's build does not make at all
    absent_tables: tuple[str, ...] = ()

    def shape(self, table_name: str) -> TableShape:
        return self.tables.get(table_name, NO_DIFFERENCE)

    def exports(self, t: Table, c: Column) -> bool:
        """Whether this system's build writes column ``c`` of ``t`` (extensions aside: a council adds those)."""
        shape = self.shape(t.name)
        if c.ext or c.name in shape.absent:
            return False
        return not c.optional or c.name in shape.added

    def received_name(self, table_name: str, column: str) -> str:
        return self.shape(table_name).renamed.get(column, column)

    def columns(self, table_name: str) -> tuple[str, ...]:
        """The header this system's build writes for a table, in contract order."""
        t = table(table_name)
        return tuple(self.received_name(t.name, c.name) for c in t.columns if self.exports(t, c))


def _shapes(**tables: TableShape) -> Mapping[str, TableShape]:
    return MappingProxyType(tables)


SYSTEMS: dict[str, SystemShape] = {
    s.name: s
    for s in (
        SystemShape(
            "systemc",
            "Liquidlogic (SystemC), SSD v1.4.5",
            "deployment_extracts/systemc/live/ssd_deployment_individual_files/",
            _shapes(),
        ),
        SystemShape(
            "mosaic",
            "Mosaic",
            "deployment_extracts/mosaic/live/ssd_deployment_individual_files/populate_ssd_data_warehouse.sql",
            _shapes(
                ssd_professionals=TableShape(absent=("prof_professional_name",)),
                ssd_involvements=TableShape(absent=("invo_person_id",)),
                ssd_cin_plans=TableShape(renamed={"cinp_cin_plan_id": "cin_plan_id"}),
                # Mosaic's CIN visits carry the referral they were recorded against, under a CIN plan's name.
                ssd_cin_visits=TableShape(absent=("cinv_person_id",), added=("cinv_cin_plan_id",)),
                ssd_cp_visits=TableShape(absent=("cppv_person_id",)),
                ssd_cp_reviews=TableShape(absent=("cppr_person_id", "cppr_cp_review_meeting_id")),
                ssd_cla_placement=TableShape(absent=("clap_person_id",)),
                ssd_cla_immunisations=TableShape(absent=("clai_immunisations_status_date",)),
                ssd_cla_convictions=TableShape(absent=("clac_cla_conviction_offence",)),
                ssd_cla_care_plan=TableShape(renamed={"lacp_table_id": "lacp_cla_care_plan_id"}),
            ),
            absent_tables=("ssd_cohort", "ssd_dim_date", "ssd_pre_cla_care_plan"),
        ),
        SystemShape(
            "eclipse",
            "Eclipse (PostgreSQL)",
            "deployment_extracts/eclipse/live/ssd_deployment_individual_files/",
            _shapes(ssd_cla_reviews=TableShape(absent=("clar_cla_person_id",))),
            absent_tables=("ssd_cohort", "ssd_dim_date", "ssd_pre_cla_care_plan"),
        ),
        SystemShape(
            "la-release",
            "Per-council releases, SSD v1.2.4 (Liquidlogic)",
            "deployment_extracts_la_release/*_v1.2.4_1.sql",
            _shapes(
                ssd_person=TableShape(
                    absent=("pers_upn", "pers_forename", "pers_surname", "pers_single_unique_id"),
                    added=("pers_common_child_id",),
                ),
                ssd_cla_episodes=TableShape(renamed={"clae_cla_episode_ceased_date": "clae_cla_episode_ceased"}),
                ssd_cla_reviews=TableShape(absent=("clar_cla_person_id",)),
            ),
            absent_tables=("ssd_cohort", "ssd_dim_date"),
        ),
    )
}
DEFAULT_SYSTEM = "systemc"

# Involvement types (ssd_involvements.invo_professional_role_id) that hold a child's case, most senior first:
# Liquidlogic's allocated case worker (CW: the SSD's own caseload counts only these, and its caseload tooling
# calls them "Allocated Case Worker"), Mosaic's allocated worker relationships (REL.ALLWORK, REL.ALLWORKCF),
# Eclipse's allocated worker (AW, as its SSD scripts pick the allocated worker), then Liquidlogic's personal
# adviser (16PLUS), who holds a care leaver's case once no case worker does. Independent reviewing officers and
# every other role never decide a child's team or worker. A council changes them with CSC_CASE_HOLDING_ROLES.
CASE_HOLDING_ROLES: tuple[str, ...] = ("CW", "ALLOCATED CASE WORKER", "REL.ALLWORK", "REL.ALLWORKCF", "AW", "16PLUS")
# The bookkeeping tables only the council releases write.
_RELEASE_ONLY = ("ssd_version_log", "ssd_extract_log")


def _check(systems: dict[str, SystemShape]) -> None:
    """Every name in a shape is a contract table and column: a typo here would silently stop a file loading."""
    for s in systems.values():
        for name, shape in s.tables.items():
            t = table(name)
            for column in (*shape.renamed, *shape.absent, *shape.added):
                t.column(column)
            for column in shape.added:
                if not t.column(column).optional:
                    raise ValueError(f"{s.name}: {name}.{column} is added but not optional in the contract")


_check(SYSTEMS)


def tables_exported(system: SystemShape) -> tuple[Table, ...]:
    """The contract tables a system's build makes (extensions aside)."""
    return tuple(
        t
        for t in TABLES
        if not t.ext
        and t.name not in system.absent_tables
        and (t.name not in _RELEASE_ONLY or system.name == "la-release")
    )


def aliases(table_name: str) -> dict[str, str]:
    """Received name -> contract column, over every system: the names a file may use for a contract column."""
    return {received: column for s in SYSTEMS.values() for column, received in s.shape(table_name).renamed.items()}


def may_be_absent(t: Table, c: Column) -> bool:
    """A column an export may lack without the file failing: an extension, an optional column, or one some
    system's build leaves out (unless it is derived: then what it is derived from must be there)."""
    if c.ext or c.optional:
        return True
    return c.derived_via is None and any(c.name in s.shape(t.name).absent for s in SYSTEMS.values())


def _known_columns(table_name: str) -> set[str]:
    """Every name a file may use for a contract column of the table (extensions aside)."""
    return {c.name for c in table(table_name).columns if not c.ext} | set(aliases(table_name))


def matching_systems(table_name: str, header: set[str]) -> list[str]:
    """The systems whose build writes this header for the table (extension and unknown columns aside)."""
    found = header & _known_columns(table_name)
    return [s.name for s in SYSTEMS.values() if set(s.columns(table_name)) == found]


def closest_system(table_name: str, header: set[str]) -> str:
    """The system whose header for the table is nearest to this one: fewest columns missing, then fewest extra."""
    found = header & _known_columns(table_name)

    def distance(s: SystemShape) -> tuple[int, int]:
        expected = set(s.columns(table_name))
        return len(expected - found), len(found - expected)

    return min(SYSTEMS.values(), key=distance).name


def batch_shape(file_shapes: list[str]) -> str:
    """The systems whose export every file of a batch matches (each file's ``export_shape``: names joined by "/",
    "any", or the closest with "?"), as text for a person: "systemc (Liquidlogic ...)", or the mix found."""
    common = set(SYSTEMS)
    for shape in file_shapes:
        if shape != "any":
            common &= set() if shape.endswith("?") else set(shape.split("/"))
    if common:
        return ", ".join(f"{name} ({SYSTEMS[name].label})" for name in SYSTEMS if name in common)
    return "no one system's: " + ", ".join(sorted(set(file_shapes)))
