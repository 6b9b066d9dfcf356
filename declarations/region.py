"""The regional tables in ``region.duckdb`` (``csc run-region``): every council's figures beside each other and the
region's, and how each council's run went."""

from __future__ import annotations

from declarations.tables import Declared, Field

REGION_TABLES: tuple[Declared, ...] = (
    Declared(
        "region",
        "region_indicator_values",
        "Every council's whole-service figure for each indicator and period end, beside the region's (its councils' "
        "numerators and denominators summed), its rank among the councils and its difference from the region and "
        "England.",
        columns=(
            Field("indicator_ref", "VARCHAR", "Indicator reference.", source="marts.indicator_values.indicator_ref"),
            Field("period_end", "DATE", "The period end.", source="marts.indicator_values.period_end"),
            Field("council_code", "VARCHAR", "The council (its landing sub-folder's name)."),
            Field("polarity", "VARCHAR", "higher or lower (is better), count or rate: from the indicator catalogue."),
            Field(
                "status",
                "VARCHAR",
                "The council's figure: published, withheld or unavailable.",
                source="marts.indicator_values.status",
            ),
            Field(
                "numerator",
                "BIGINT",
                "The council's numerator (for counts and rates, the count).",
                source="marts.indicator_values.numerator",
            ),
            Field(
                "denominator",
                "BIGINT",
                "The council's denominator; null for counts and rates.",
                source="marts.indicator_values.denominator",
            ),
            Field(
                "value",
                "DOUBLE",
                "The council's figure: a percentage, a count or a rate per 10,000 children.",
                source="marts.indicator_values.value",
            ),
            Field(
                "region_numerator",
                "BIGINT",
                "The numerators summed over the councils whose figure is published (withheld and unavailable "
                "figures are left out).",
            ),
            Field("region_denominator", "BIGINT", "Their denominators summed; null for counts and rates."),
            Field(
                "region_child_population",
                "BIGINT",
                "For rates: the child populations of the councils in the regional figure, summed.",
            ),
            Field(
                "region_value",
                "DOUBLE",
                "The region's figure: 100 x summed numerators / summed denominators for a percentage, the summed "
                "count for a count, summed count / summed child population x 10,000 for a rate.",
            ),
            Field("region_councils", "BIGINT", "How many councils' figures the regional figure sums."),
            Field("councils", "BIGINT", "How many councils have a row for the indicator and period end."),
            Field(
                "rank",
                "BIGINT",
                "1 = the best of the councils with a published figure (highest where higher is better, lowest where "
                "lower is); tied councils share a rank. Null for counts and rates, which have no better direction "
                "(a count mostly measures a council's size), and for a figure not published.",
            ),
            Field("ranked_councils", "BIGINT", "How many councils are ranked (the worst rank possible)."),
            Field("difference_from_region", "DOUBLE", "value - region_value."),
            Field(
                "england_value",
                "DOUBLE",
                "England's figure, from the council's comparators.",
                source="marts.indicator_values.england_value",
            ),
            Field("difference_from_england", "DOUBLE", "value - england_value."),
        ),
        key=("indicator_ref", "period_end", "council_code"),
    ),
    Declared(
        "region",
        "region_councils",
        "The councils of the regional run: where each one's batch and warehouse are and how its run went.",
        columns=(
            Field("council_code", "VARCHAR", "The council (its landing sub-folder's name)."),
            Field("batch_folder", "VARCHAR", "The council's batch folder."),
            Field("warehouse", "VARCHAR", "The council's own warehouse folder (one writer each)."),
            Field(
                "outcome",
                "VARCHAR",
                "completed, degraded (published what it could: see message), or failed (nothing of this run is "
                "published for the council; its last publication, if any, is used).",
            ),
            Field("message", "VARCHAR", "Why the run is degraded or failed."),
            Field("run_id", "VARCHAR", "The council's Prefect flow run (ops.runs in its warehouse)."),
            Field("batch_id", "VARCHAR", "The batch loaded (its fingerprint)."),
            Field("as_of", "DATE", "The as-of date of the council's publication."),
            Field("child_population", "BIGINT", "Children aged 0-17 its rates are per 10,000 of."),
            Field("indicator_values", "BIGINT", "Whole-service figures read from its marts.duckdb."),
            Field("seconds", "DOUBLE", "How long the council's run took on its Dask worker."),
        ),
        key=("council_code",),
    ),
)
