"""The published tables built from indicator values: the highlight report and the catalogue as data."""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl

from transforms.catalogue import Catalogue
from transforms.indicators import financial_year_start, month_end, months_before

TREND_MONTHS = 6


def trend_month_ends(as_of: date, months: int = TREND_MONTHS) -> list[date]:
    """The last six month ends on or before as_of, oldest first (as_of itself when it is a month end)."""
    last = as_of if month_end(as_of) == as_of else month_end(months_before(as_of, 1))
    return [month_end(months_before(last, n)) for n in reversed(range(months))]


def highlight_report(values: pl.DataFrame, cat: Catalogue, as_of: date) -> pl.DataFrame:
    """One row per indicator, in catalogue order, as the seed report lays it out."""
    whole = values.filter(pl.col("team_id").is_null())
    by_key = {(r["indicator_ref"], r["period_end"]): r for r in whole.iter_rows(named=True)}
    months = trend_month_ends(as_of)
    fy_end = financial_year_start(as_of) - timedelta(days=1)
    rows = []
    for ind in cat.indicators:
        now = by_key.get((ind.ref, as_of), {})
        row = {
            "indicator_ref": ind.ref,
            "section": ind.section,
            "title": ind.title,
            "previous_financial_year": by_key.get((ind.ref, fy_end), {}).get("value"),
            "numerator": now.get("numerator"),
            "denominator": now.get("denominator"),
            "current_value": now.get("value"),
            "period_type": ind.period_type,
        }
        row |= {f"month_end_{n}": m for n, m in enumerate(months, start=1)}
        row |= {f"value_month_{n}": by_key.get((ind.ref, m), {}).get("value") for n, m in enumerate(months, start=1)}
        row |= {
            "target_min": ind.target_min,
            "target_upper": ind.target_upper,
            "rag": now.get("rag"),
            "status": now.get("status"),
            "status_reason": now.get("status_reason"),
        }
        rows.append(row)
    schema = {
        "indicator_ref": pl.String,
        "section": pl.String,
        "title": pl.String,
        "previous_financial_year": pl.Float64,
        "numerator": pl.Int64,
        "denominator": pl.Int64,
        "current_value": pl.Float64,
        "period_type": pl.String,
        **{f"month_end_{n}": pl.Date for n in range(1, TREND_MONTHS + 1)},
        **{f"value_month_{n}": pl.Float64 for n in range(1, TREND_MONTHS + 1)},
        "target_min": pl.Float64,
        "target_upper": pl.Float64,
        "rag": pl.String,
        "status": pl.String,
        "status_reason": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


# The columns that carry an indicator's figure: empty when it is unavailable.
FIGURE_COLUMNS = ("numerator", "denominator", "value")


def unavailable_indicators(cat: Catalogue, not_supplied: set[str], columns_absent: set[str]) -> dict[str, str]:
    """Indicator ref -> why it cannot be computed from this export: the data it requires (``requires`` in the
    catalogue, the local extensions) is a table the export did not supply or a column its file lacks."""
    out = {}
    for ind in cat.indicators:
        lacking = [r for r in ind.requires if r in not_supplied or r in columns_absent]
        if lacking:
            out[ind.ref] = (
                f"not in this export: {', '.join(lacking)} (a local extension a council adds to its SSD export: "
                "see the README, 'Local extensions')"
            )
    return out


def with_statuses(values: pl.DataFrame, unavailable: dict[str, str], withheld: dict[str, str]) -> pl.DataFrame:
    """Status and its reason for every indicator value. Unavailable: the export lacks the data, so there is no
    figure at all. Withheld: a blocking data-quality rule failed on its inputs, so no RAG, never silently.
    A rate goes with its count."""

    def by_ref(reasons: dict[str, str]) -> dict[str, str]:
        return reasons | {f"{ref}.rate": reason for ref, reason in reasons.items()}

    unavailable, withheld = by_ref(unavailable), by_ref(withheld)
    ref = pl.col("indicator_ref")
    is_unavailable, is_withheld = ref.is_in(sorted(unavailable)), ref.is_in(sorted(withheld))
    reason = (
        pl.when(is_unavailable)
        .then(ref.replace_strict(unavailable, default=None, return_dtype=pl.String))
        .when(is_withheld)
        .then(ref.replace_strict(withheld, default=None, return_dtype=pl.String))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return values.with_columns(
        *(pl.when(is_unavailable).then(None).otherwise(pl.col(name)).alias(name) for name in FIGURE_COLUMNS),
        pl.when(is_unavailable | is_withheld).then(pl.lit(None, dtype=pl.String)).otherwise(pl.col("rag")).alias("rag"),
        pl.when(is_unavailable)
        .then(pl.lit("unavailable"))
        .when(is_withheld)
        .then(pl.lit("withheld"))
        .otherwise(pl.col("status"))
        .alias("status"),
        reason.alias("status_reason"),
    )


def catalogue_frame(cat: Catalogue) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "indicator_ref": i.ref,
                "section": i.section,
                "title": i.title,
                "period_type": i.period_type,
                "polarity": i.polarity,
                "target_min": i.target_min,
                "target_upper": i.target_upper,
                "timescales": json.dumps(i.params, sort_keys=True),
            }
            for i in cat.indicators
        ],
        schema={
            "indicator_ref": pl.String,
            "section": pl.String,
            "title": pl.String,
            "period_type": pl.String,
            "polarity": pl.String,
            "target_min": pl.Float64,
            "target_upper": pl.Float64,
            "timescales": pl.String,
        },
    )
