"""The region's figures: every council's whole-service figures beside each other and the region's.

The regional figure sums what its councils counted, never averages their figures: 100 x summed numerators / summed
denominators for a percentage, the summed count for a count, the summed count per 10,000 of the summed child
populations for a rate. A council whose figure is withheld or unavailable is left out of the sum (``region_councils``
says how many are in it). Councils are ranked where the indicator has a better direction (1 = best, ties share the
best rank they span); counts and rates are not ranked: a count mostly measures a council's size, and the catalogue
gives a rate no direction.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from declarations.registry import declared

PUBLISHED = "published"


def region_indicator_values(
    council_values: pl.DataFrame, council_populations: pl.DataFrame, polarities: Mapping[str, str]
) -> pl.DataFrame:
    """``council_values``: each council's whole-service ``marts.indicator_values`` rows with ``council_code``;
    ``council_populations``: ``council_code`` and ``child_population`` (what its rates are per 10,000 of);
    ``polarities``: each indicator's polarity (higher, lower, count, rate) from the catalogue.
    Returns ``region.region_indicator_values``."""
    table = declared("region.region_indicator_values")
    key = ["indicator_ref", "period_end"]
    rows = (
        council_values.select("council_code", *key, "status", "numerator", "denominator", "value", "england_value")
        .join(council_populations.select("council_code", "child_population"), on="council_code", how="left")
        .with_columns(
            polarity=pl.col("indicator_ref").replace_strict(dict(polarities), default=None, return_dtype=pl.String)
        )
    )
    counted = (pl.col("status") == PUBLISHED) & pl.col("numerator").is_not_null()
    region = rows.group_by(key).agg(
        region_numerator=pl.col("numerator").filter(counted).sum(),
        region_denominator=pl.col("denominator").filter(counted).sum(),
        region_child_population=pl.col("child_population").filter(counted).sum(),
        region_councils=counted.sum(),
        councils=pl.len(),
    )
    polarity = pl.col("polarity")
    region_value = (
        pl.when(pl.col("region_councils") == 0)
        .then(None)
        .when(polarity.is_in(["higher", "lower"]))
        .then(
            pl.when(pl.col("region_denominator") > 0).then(
                100 * pl.col("region_numerator") / pl.col("region_denominator")
            )
        )
        .when(polarity == "count")
        .then(pl.col("region_numerator").cast(pl.Float64))
        .when(polarity == "rate")
        .then(
            pl.when(pl.col("region_child_population") > 0).then(
                pl.col("region_numerator") / pl.col("region_child_population") * 10_000
            )
        )
    )
    rankable = counted & polarity.is_in(["higher", "lower"]) & pl.col("value").is_not_null()
    # Lower is better: rank the negated value, so 1 is always the best.
    score = pl.when(polarity == "lower").then(-pl.col("value")).otherwise(pl.col("value"))
    ranked = pl.when(rankable).then(score)
    out = (
        rows.join(region, on=key, how="left")
        .with_columns(
            region_value=region_value,
            rank=ranked.rank(method="min", descending=True).over(key),
            ranked_councils=rankable.sum().over(key),
        )
        .with_columns(
            pl.when(pl.col("region_councils") == 0)
            .then(None)
            .otherwise(pl.col("region_numerator"))
            .alias("region_numerator"),
            pl.when(polarity.is_in(["higher", "lower"]) & (pl.col("region_councils") > 0))
            .then(pl.col("region_denominator"))
            .alias("region_denominator"),
            pl.when((polarity == "rate") & (pl.col("region_councils") > 0))
            .then(pl.col("region_child_population"))
            .alias("region_child_population"),
            difference_from_region=pl.col("value") - pl.col("region_value"),
            difference_from_england=pl.col("value") - pl.col("england_value"),
        )
        .drop("child_population")
        .sort(*key, "council_code")
    )
    return table.conform(out)
