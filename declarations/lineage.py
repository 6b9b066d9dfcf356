"""What each published table is built from, for the catalogue's lineage (``csc catalogue``).

A conformed table's lineage is not declared: it is its transform's parameter names (``transforms.conformed.reads``),
and a column's is its ``Field.source``. The marts are built in ``warehouse.marts.build_publication`` from several
transforms at once, so their sources are declared here, as qualified table names of the registry. A test checks
every published table is here, every name is declared, and the indicator tables name exactly the conformed tables
the indicators read (``transforms.indicators.Conformed``).
"""

from __future__ import annotations

# The conformed tables every indicator may read (transforms.indicators.Conformed); which SSD tables each indicator
# reads is in transforms.materiality.INDICATOR_INPUTS.
_INDICATOR_INPUTS = tuple(
    f"conformed.{name}"
    for name in (
        "calendar",
        "child",
        "team",
        "worker",
        "allocation",
        "management_oversight",
        "care_leaver",
        "referral",
        "contact",
        "assessment",
        "cin_plan",
        "cp_plan",
        "cla_episode",
        "cla_period_of_care",
        "cla_placement",
        "health_check",
        "missing_episode",
        "pre_proceedings",
        "s47_enquiry",
        "initial_cp_conference",
        "visit",
        "cp_review",
        "cla_review_chain",
        "cin_plan_review",
    )
)

MART_SOURCES: dict[str, tuple[str, ...]] = {
    "indicator_records": _INDICATOR_INPUTS,
    "indicator_values": (
        "marts.indicator_records",
        "marts.indicator_doubts",
        "marts.indicator_catalogue",
        "dq.rule_results",
        "raw.load_manifest",
        *_INDICATOR_INPUTS,
    ),
    "indicator_doubts": (
        "dq.exceptions",
        "dq.rule_results",
        "staging.rejected_values",
        "conformed.excluded_records",
        "raw.load_rejects",
        "conformed.allocation",
    ),
    "highlight_report": ("marts.indicator_values", "marts.indicator_catalogue", "marts.restatements"),
    "indicator_catalogue": (),
    "teams": ("conformed.team",),
    "dq_exceptions": ("dq.exceptions",),
    "dq_rule_summary": ("dq.rule_results",),
    "publication": ("ops.runs",),
    "caseload": ("marts.caseload_children", "conformed.worker", "conformed.allocation"),
    "caseload_by_team": ("marts.caseload", "marts.caseload_children"),
    "caseload_children": ("conformed.allocation",),
    "drift_list": (
        "conformed.allocation",
        "conformed.child",
        "conformed.referral",
        "conformed.care_leaver",
        "conformed.visit",
        "conformed.cp_review",
        "conformed.cla_review_chain",
        "conformed.cin_plan_review",
        "conformed.cp_plan",
        "conformed.cin_plan",
        "conformed.cla_episode",
    ),
    "restatements": (
        "marts.indicator_values",
        "marts.indicator_records",
        "ops.first_published_values",
        "ops.first_published_records",
    ),
    "restated_records": ("marts.indicator_records", "ops.first_published_records", "marts.restatements"),
}
# Not a table: where the indicator catalogue comes from.
CATALOGUE_SOURCE = "declarations/indicators.toml (or the council's CSC_INDICATOR_CATALOGUE)"
