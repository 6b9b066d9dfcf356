"""The published tables built from indicator values: the highlight report and the catalogue as data."""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl

from declarations.catalogue import Catalogue
from declarations.comparators import KINDS, Comparator
from declarations.constants import TREND_MONTHS
from declarations.marts import COMPARATOR_FIELDS, MARTS_BY_NAME
from transforms.indicators import financial_year_start, month_end, months_before
from transforms.materiality import material


def trend_month_ends(as_of: date, months: int = TREND_MONTHS) -> list[date]:
    """The last six month ends on or before as_of, oldest first (as_of itself when it is a month end)."""
    last = as_of if month_end(as_of) == as_of else month_end(months_before(as_of, 1))
    return [month_end(months_before(last, n)) for n in reversed(range(months))]


def highlight_report(
    values: pl.DataFrame, cat: Catalogue, as_of: date, restated: dict[str, list[date]] | None = None
) -> pl.DataFrame:
    """One row per indicator, in catalogue order, as the seed report lays it out. ``restated``: per indicator, the
    month ends whose whole-service figure differs from its first publication."""
    whole = values.filter(pl.col("team_id").is_null())
    by_key = {(r["indicator_ref"], r["period_end"]): r for r in whole.iter_rows(named=True)}

    def shown(ref: str, end: date, column: str = "value"):
        """A figure the board may see: none for a figure withheld or unavailable at that period end."""
        row = by_key.get((ref, end), {})
        return row.get(column) if row.get("status") == "published" else None

    months = trend_month_ends(as_of)
    fy_end = financial_year_start(as_of) - timedelta(days=1)
    year_ago = month_end(months_before(months[-1], 12))
    rows = []
    for ind in cat.indicators:
        now = by_key.get((ind.ref, as_of), {})
        row = {
            "indicator_ref": ind.ref,
            "section": ind.section,
            "title": ind.title,
            "previous_financial_year": shown(ind.ref, fy_end),
            "numerator": shown(ind.ref, as_of, "numerator"),
            "denominator": shown(ind.ref, as_of, "denominator"),
            "current_value": shown(ind.ref, as_of),
            "value_low": shown(ind.ref, as_of, "value_low"),
            "value_high": shown(ind.ref, as_of, "value_high"),
            "records_in_doubt": now.get("records_in_doubt"),
            "period_type": ind.period_type,
        }
        row |= {f"month_end_{n}": m for n, m in enumerate(months, start=1)}
        row |= {f"value_month_{n}": shown(ind.ref, m) for n, m in enumerate(months, start=1)}
        # a year before the latest month end: one of the 13 months period_ends computes, so a published figure
        row |= {"month_end_year_ago": year_ago, "value_year_ago": shown(ind.ref, year_ago)}
        row |= {
            "target_min": ind.target_min,
            "target_upper": ind.target_upper,
            "rag": now.get("rag"),
            "status": now.get("status"),
            "status_reason": now.get("status_reason"),
        }
        row |= {f.name: now.get(f.name) for f in COMPARATOR_FIELDS}
        restated_then = [m for m in months if m in (restated or {}).get(ind.ref, [])]
        row["restated_months"] = ", ".join(m.isoformat() for m in restated_then) or None
        rows.append(row)
    schema = MARTS_BY_NAME["highlight_report"].polars_schema()
    return pl.DataFrame(rows, schema=schema, orient="row")


# The columns that carry an indicator's figure: empty when it is unavailable.
FIGURE_COLUMNS = ("numerator", "denominator", "value")
BAND_COLUMNS = ("records_in_doubt", "value_low", "value_high")


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


def with_statuses(
    values: pl.DataFrame, cat: Catalogue, unavailable: dict[str, str], withheld_whole: dict[str, str]
) -> pl.DataFrame:
    """Status and its reason for every indicator value (with its band: ``transforms.materiality``).

    - unavailable: the export lacks the data it needs; there is no figure at all;
    - withheld: every record behind it is in doubt (a file it reads failed, a blocking batch check failed), or
      its band crosses a RAG boundary or strays beyond the tolerance; no RAG, never silently;
    - published: with its band, which is the figure itself when nothing is in doubt.
    A rate goes with its count."""

    def by_ref(reasons: dict[str, str]) -> dict[str, str]:
        return reasons | {f"{ref}.rate": reason for ref, reason in reasons.items()}

    unavailable, withheld_whole = by_ref(unavailable), by_ref(withheld_whole)
    frames = []
    for ind in cat.indicators:
        rows = values.filter(pl.col("indicator_ref") == ind.ref)
        if ind.ref in unavailable:
            status, reason = pl.lit("unavailable"), pl.lit(unavailable[ind.ref])
            rows = rows.with_columns(pl.lit(None, values.schema[c]).alias(c) for c in (*FIGURE_COLUMNS, *BAND_COLUMNS))
        elif ind.ref in withheld_whole:
            status, reason = pl.lit("withheld"), pl.lit(withheld_whole[ind.ref])
            rows = rows.with_columns(pl.lit(None, values.schema[c]).alias(c) for c in BAND_COLUMNS[1:])
        else:
            is_material, why = material(ind, cat)
            status = pl.when(is_material).then(pl.lit("withheld")).otherwise(pl.lit("published"))
            reason = pl.when(is_material).then(why).otherwise(pl.lit(None, dtype=pl.String))
        frames.append(
            rows.with_columns(status.alias("status"), reason.alias("status_reason")).with_columns(
                pl.when(pl.col("status") == "published").then(pl.col("rag")).otherwise(None).alias("rag")
            )
        )
    return pl.concat(frames).cast(values.schema).sort("indicator_ref", "period_end", "team_id", nulls_last=False)


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
                "note": i.note or None,
                "part": i.part,
                "counts": i.counts or None,
                "out_of": i.out_of or None,
            }
            for i in cat.indicators
        ],
        schema=MARTS_BY_NAME["indicator_catalogue"].polars_schema(),
    )


def comparator_values(values: pl.DataFrame, comparators: tuple[Comparator, ...]) -> pl.DataFrame:
    """Each indicator value with its comparators: of the years the comparators have for the indicator, the latest
    up to the financial year its period end falls in (the year ending 31 March after it), or the earliest where
    none is that early. Null where there are none for the indicator."""
    columns = [f.name for f in COMPARATOR_FIELDS]
    if not comparators:
        return values.with_columns(pl.lit(None, dtype=f.polars_type).alias(f.name) for f in COMPARATOR_FIELDS)
    given = pl.DataFrame(
        [(c.indicator_ref, c.year, c.kind, c.value) for c in comparators],
        schema={"indicator_ref": pl.String, "year": pl.Int64, "kind": pl.String, "value": pl.Float64},
        orient="row",
    )
    financial_year = pl.col("period_end").dt.year() + (pl.col("period_end").dt.month() > 3).cast(pl.Int32)
    chosen = (
        values.select("indicator_ref", "period_end")
        .unique()
        .join(given.select("indicator_ref", "year").unique(), on="indicator_ref")
        .group_by("indicator_ref", "period_end")
        .agg(
            pl.col("year")
            .filter(pl.col("year") <= financial_year)
            .max()
            .fill_null(pl.col("year").min())
            .cast(pl.Int64)
            .alias("comparator_year")
        )
    )
    by_kind = given.pivot("kind", index=["indicator_ref", "year"], values="value").rename(
        {kind: f"{kind}_value" for kind in KINDS}, strict=False
    )
    for kind in KINDS:
        if f"{kind}_value" not in by_kind.columns:
            by_kind = by_kind.with_columns(pl.lit(None, dtype=pl.Float64).alias(f"{kind}_value"))
    return (
        values.join(chosen, on=["indicator_ref", "period_end"], how="left")
        .join(by_kind.rename({"year": "comparator_year"}), on=["indicator_ref", "comparator_year"], how="left")
        .select(*values.columns, *columns)
    )
