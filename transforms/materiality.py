"""The materiality gate: how far each figure could be out, given the records the data-quality checks doubt.

A figure is withheld only when its doubt matters: a few records in doubt among thousands leave it usable; the same
few in a small team's figure may not. Every record the checks doubt (an exception of a rule, a value that could not
be typed, a record left out of conformed, a row rejected at load) is linked to the indicator records whose
membership it can change, through what each indicator reads (``INDICATOR_INPUTS``):

- a problem in a table that decides who or what is counted (``cohort``) can take a counted record out, or add one
  that is not counted (a CLA episode with no start date: the child may belong in the CLA cohort);
- a problem in a table that decides whether a counted record meets the measure (``measure``) can move it in or out
  of the numerator (a visit with no date);
- a problem with a child's allocation can move the child from one team's figure to another's;
- a problem whose record cannot be known (a row rejected at load) could be any record the table feeds.

For a percentage with numerator N and denominator D, with ``a`` counted records in doubt in the numerator, ``b`` in
doubt outside it, and ``c`` records in doubt that are not counted but might be: the figure could be as low as
(N - a) / (D + c) and as high as (N + b + c) / (D + c). A count could be as low as N - a and as high as N + c. A
figure is withheld when its band crosses a RAG boundary, or when either end is further from it than the
indicator's tolerance (the catalogue: percentage points, or a share of a count); otherwise it is published with
its band. A file that failed or is missing, or a batch-level check that failed, puts every record it feeds in doubt:
those figures are withheld whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypedDict

import polars as pl

from declarations.catalogue import Catalogue, Indicator
from transforms.indicators import financial_year_start, months_before, rag

# The three visit files, read together (one visit per child per day).
VISITS = ("ssd_cp_visits", "ssd_cla_visits", "ssd_cin_visits")
# What decides the CIN cohort: an open referral, and being in none of CP, CLA and care leavers (by age).
CIN_COHORT = ("ssd_cin_episodes", "ssd_cp_plans", "ssd_cla_episodes", "ssd_care_leavers", "ssd_person")
CARE_LEAVER_COHORT = ("ssd_care_leavers", "ssd_person", "ssd_cla_episodes")


# What an indicator looks at in a table, at period end E:
# - "open": its records open at E (start on or before E, end blank or after);
# - "to_date": its records dated on or before E (review chains, the latest assessment: any earlier one counts);
# - "period": its records dated in the indicator's period to E (the financial year, or the rolling year);
# - ("days", param) / ("months", param) / ("working_days", param): dated in that many days, months or working
#   days up to E, from the indicator's catalogue parameter.
Relevance = str | tuple[str, str]


@dataclass(frozen=True)
class Inputs:
    """What an indicator reads: the ``cohort`` tables decide who or what is counted, of which the ``membership``
    tables hold the records that make something a member (the others only exclude or qualify: an open CP plan
    keeps a child out of the CIN cohort); the ``measure`` tables decide whether a counted record meets the
    measure. ``records``: the table whose key is the indicator record's ``record_id`` (an event or plan); None
    when the record is the child. ``team_from_allocation``: the record counts for its child's team (an event
    with a team of its own does not)."""

    cohort: tuple[str, ...]
    measure: tuple[str, ...] = ()
    records: str | None = None
    membership: tuple[str, ...] = ()
    team_from_allocation: bool = True
    # table -> what of it the indicator looks at, at period end E (``Relevance``); "open" for a table that has a
    # start and an end, "to_date" for one with a single date, unless given
    looks_at: dict[str, Relevance] = field(default_factory=dict)
    # Which way a doubted ``measure`` record can move a counted record. "in": the measure is having such a record
    # in a window (a visit, a review, a manager's oversight), so a counted record outside the numerator may come
    # in through any doubted record, and one inside it can fall out only if a doubted record it has is dated
    # inside the window (it may be what counts). None: either way, whatever the dates.
    moves: str | None = None
    # The coded columns whose code decides the measure (a care leaver's activity decides 6.2).
    codes: tuple[str, ...] = ()
    # The references ("table.column") whose record decides the figure. Most links are not: a review or visit
    # naming no plan is linked by child and date instead, so a wrong plan id moves nothing.
    follows: tuple[str, ...] = ()

    @property
    def tables(self) -> tuple[str, ...]:
        return self.cohort + self.measure

    @property
    def members_from(self) -> tuple[str, ...]:
        return self.membership or self.cohort


class _Cohort(TypedDict):
    """The ``Inputs`` fields that several indicators share, given once."""

    cohort: tuple[str, ...]
    membership: tuple[str, ...]


class _CareLeavers(_Cohort):
    measure: tuple[str, ...]


_CIN: _Cohort = {"cohort": CIN_COHORT, "membership": ("ssd_cin_episodes",)}
_CARE_LEAVERS: _CareLeavers = {
    "cohort": CARE_LEAVER_COHORT,
    "membership": ("ssd_care_leavers",),
    "measure": ("ssd_care_leavers",),
}
_CARE_LEAVERS_6 = {
    ref: Inputs(**_CARE_LEAVERS, codes=(column,))
    for ref, column in (
        ("6.1", "clea_care_leaver_in_touch"),
        ("6.2", "clea_care_leaver_activity"),
        ("6.3", "clea_care_leaver_accommodation"),
    )
}

INDICATOR_INPUTS: dict[str, Inputs] = {
    "1.1": Inputs(
        cohort=("ssd_involvements",),
        measure=("ext_management_oversight",),
        looks_at={"ext_management_oversight": ("days", "window_days")},
        moves="in",
    ),
    "1.2": Inputs(**_CIN),
    "1.3": Inputs(cohort=("ssd_cp_plans",)),
    "1.4": Inputs(cohort=("ssd_cla_episodes",)),
    "2.1": Inputs(
        cohort=("ssd_contacts",),
        measure=("ssd_contacts",),
        records="ssd_contacts",
        team_from_allocation=False,
        looks_at={"ssd_contacts": "period"},
    ),
    "2.10a": Inputs(
        cohort=("ssd_cin_assessments",),
        measure=("ssd_cin_assessments", "ssd_cin_episodes"),
        records="ssd_cin_assessments",
        team_from_allocation=False,
        looks_at={"ssd_cin_assessments": "period", "ssd_cin_episodes": "to_date"},
        # the 45 working days run from the referral the assessment names
        follows=("ssd_cin_assessments.cina_referral_id",),
    ),
    "3.1": Inputs(**_CIN, measure=("ssd_cin_plans",)),
    "3.2": Inputs(
        cohort=(*CIN_COHORT, "ssd_cin_plans"),
        membership=("ssd_cin_episodes", "ssd_cin_plans"),
        measure=("ext_cin_plan_reviews",),
        looks_at={"ext_cin_plan_reviews": ("months", "window_months")},
        moves="in",
    ),
    "3.3": Inputs(**_CIN, measure=VISITS, looks_at=dict.fromkeys(VISITS, ("days", "window_days")), moves="in"),
    "4.7.2": Inputs(
        cohort=("ssd_cp_plans",),
        measure=VISITS,
        looks_at=dict.fromkeys(VISITS, ("working_days", "timescale_working_days")),
        moves="in",
    ),
    "4.8": Inputs(cohort=("ssd_cp_plans",), measure=("ssd_cp_reviews",), records="ssd_cp_plans"),
    "5.10": Inputs(
        cohort=("ssd_cla_episodes",), measure=("ssd_cin_assessments",), looks_at={"ssd_cin_assessments": "to_date"}
    ),
    "5.11": Inputs(
        cohort=("ssd_cla_episodes",),
        measure=VISITS,
        looks_at=dict.fromkeys(VISITS, ("days", "window_days")),
        moves="in",
    ),
    # A chain record is a due date of a period of care: a review with a wrong date can add or take one away.
    # Every review before E, and every episode since the period of care began, places the due dates.
    "5.18": Inputs(
        cohort=("ssd_cla_episodes", "ssd_cla_reviews"),
        measure=("ssd_cla_reviews",),
        looks_at={"ssd_cla_episodes": "to_date", "ssd_cla_reviews": "to_date"},
    ),
    **_CARE_LEAVERS_6,
    # whether a referral is a re-referral turns on the child's earlier referrals
    "7.1": Inputs(
        cohort=("ssd_cin_episodes",),
        measure=("ssd_cin_episodes",),
        records="ssd_cin_episodes",
        team_from_allocation=False,
        looks_at={"ssd_cin_episodes": "to_date"},
    ),
    "7.2": Inputs(
        cohort=("ssd_contacts",),
        records="ssd_contacts",
        team_from_allocation=False,
        looks_at={"ssd_contacts": "period"},
    ),
    "7.3": Inputs(
        cohort=("ssd_s47_enquiry",),
        records="ssd_s47_enquiry",
        team_from_allocation=False,
        looks_at={"ssd_s47_enquiry": "period"},
    ),
    "7.4": Inputs(
        cohort=("ssd_initial_cp_conference",),
        measure=("ssd_initial_cp_conference", "ssd_s47_enquiry"),
        records="ssd_initial_cp_conference",
        team_from_allocation=False,
        looks_at={"ssd_initial_cp_conference": "period", "ssd_s47_enquiry": "to_date"},
        # the working days run from the enquiry the conference names
        follows=("ssd_initial_cp_conference.icpc_s47_enquiry_id",),
    ),
    "7.5": Inputs(
        cohort=("ssd_cla_episodes",),
        measure=("ssd_cla_placement",),
        looks_at={"ssd_cla_placement": ("months", "window_months")},
    ),
    # its records are periods of care: a doubt reaches them through the child
    "7.6": Inputs(
        cohort=("ssd_cla_episodes",),
        measure=("ssd_cla_health",),
        looks_at={"ssd_cla_episodes": "to_date", "ssd_cla_health": "to_date"},
        moves="in",
    ),
    "7.7": Inputs(
        cohort=("ssd_cla_episodes",), measure=("ssd_cla_health",), looks_at={"ssd_cla_health": "to_date"}, moves="in"
    ),
    "7.8": Inputs(
        cohort=("ssd_cla_episodes",), measure=("ssd_cla_health",), looks_at={"ssd_cla_health": "to_date"}, moves="in"
    ),
    "7.10": Inputs(
        cohort=("ssd_cin_assessments",),
        measure=("ssd_cin_assessments",),
        records="ssd_cin_assessments",
        team_from_allocation=False,
        looks_at={"ssd_cin_assessments": "to_date"},
    ),
    "7.11": Inputs(
        cohort=("ssd_pre_proceedings",),
        measure=("ssd_pre_proceedings",),
        records="ssd_pre_proceedings",
        looks_at={"ssd_pre_proceedings": "to_date"},
    ),
    "7.9": Inputs(
        cohort=("ssd_missing",), measure=("ssd_missing",), records="ssd_missing", looks_at={"ssd_missing": "period"}
    ),
}

DOUBT_SCHEMA = pl.Schema(
    {
        "table_name": pl.String,
        "record_id": pl.String,
        "person_id": pl.String,
        # what found it: a rule id, or the load stage ("rejected at load", "value not typed", "left out of conformed")
        "source": pl.String,
        "reason": pl.String,
        # the problem is with the child's allocation: it can move the child between teams
        "is_allocation": pl.Boolean,
        # ... and only with who holds the case (the worker, the team): it changes nothing that is counted
        "only_allocation": pl.Boolean,
        # the dates the record could lie between: its own (a spell's start and end, an event's date), unbounded (null)
        # on a side that is missing or that the problem is about; both null when the record cannot be placed
        "earliest": pl.Date,
        "latest": pl.Date,
        # the record's dates as recorded (null when it has none, or cannot be found): where it counts today
        "recorded_from": pl.Date,
        "recorded_to": pl.Date,
    }
)
IN_DOUBT_SCHEMA = pl.Schema(
    {
        "indicator_ref": pl.String,
        "role": pl.String,
        "table_name": pl.String,
        "record_id": pl.String,
        "person_id": pl.String,
        "source": pl.String,
        "reason": pl.String,
        "earliest": pl.Date,
        "latest": pl.Date,
        "recorded_from": pl.Date,
        "recorded_to": pl.Date,
    }
)
BAND_SCHEMA = pl.Schema(
    {
        "indicator_ref": pl.String,
        "period_end": pl.Date,
        "team_id": pl.String,
        "records_in_doubt": pl.Int64,
        "value_low": pl.Float64,
        "value_high": pl.Float64,
    }
)
# Tables with a start and an end: their records are looked at when open.
SPELL_TABLES = (
    "ssd_involvements",
    "ssd_cin_episodes",
    "ssd_cin_plans",
    "ssd_cp_plans",
    "ssd_cla_episodes",
    "ssd_cla_placement",
    "ssd_s47_enquiry",
)


def indicators_reading(table: str, *, follows: str | None = None, code: str | None = None) -> tuple[str, ...]:
    """The indicators whose figures a record of ``table`` can move (with ``follows``, a "table.column" reference:
    those whose figure that reference decides; with ``code``, those whose measure that coded column decides)."""
    return tuple(
        ref
        for ref, inputs in INDICATOR_INPUTS.items()
        if table in inputs.tables
        and (follows is None or follows in inputs.follows)
        and (code is None or code in inputs.codes)
    )


def inputs_of(ref: str) -> Inputs:
    """A rate reads what its count reads."""
    return INDICATOR_INPUTS[ref.removesuffix(".rate")]


def records_in_doubt(doubts: pl.LazyFrame, cat: Catalogue) -> pl.LazyFrame:
    """Each doubted record linked to the indicators whose membership it can change, with its role:
    ``membership`` (the records that make something counted), ``cohort`` (what excludes or qualifies),
    ``measure`` (whether a counted record meets the measure) or ``allocation`` (which team a child counts for)."""
    frames = []
    for ind in cat.indicators:
        if ind.polarity == "rate":
            continue
        inputs = inputs_of(ind.ref)
        for role, tables in (
            ("membership", inputs.members_from),
            ("cohort", tuple(t for t in inputs.cohort if t not in inputs.members_from)),
            ("measure", inputs.measure),
        ):
            if tables:
                frames.append(
                    doubts.filter(pl.col("table_name").is_in(tables) & ~pl.col("only_allocation")).with_columns(
                        pl.lit(ind.ref).alias("indicator_ref"), pl.lit(role).alias("role")
                    )
                )
        if inputs.team_from_allocation:
            # an allocation problem moves a child between teams (events with a team of their own stay put)
            frames.append(
                doubts.filter(pl.col("is_allocation")).with_columns(
                    pl.lit(ind.ref).alias("indicator_ref"), pl.lit("allocation").alias("role")
                )
            )
    if not frames:
        return pl.LazyFrame(schema=IN_DOUBT_SCHEMA)
    return pl.concat(frames).select(list(IN_DOUBT_SCHEMA)).unique()


def _window(ind: Indicator, table: str, e: date) -> tuple[date | None, date | None, bool]:
    """(from, to, open): the dates the indicator looks at in a table at E; ``open`` means a spell open at E."""
    looks_at = inputs_of(ind.ref).looks_at.get(table, "open" if table in SPELL_TABLES else "to_date")
    if looks_at == "open":
        return e, e, True
    if looks_at == "to_date":
        return None, e, False
    if looks_at == "period":
        since = financial_year_start(e) if ind.period_type == "ytd" else months_before(e, 12)
        return since, e, False
    if isinstance(looks_at, str):
        raise ValueError(f"{ind.ref}: unknown relevance {looks_at!r} for {table}")
    unit, param = looks_at
    n = int(ind.param(param))
    if unit == "days":
        return e - timedelta(days=n), e, False
    if unit == "months":
        return months_before(e, n), e, False
    # Working days, in calendar days: every week has five, and a few bank holidays may fall in them.
    return e - timedelta(days=n * 7 // 5 + 7), e, False


def doubts_by_period(in_doubt: pl.LazyFrame, cat: Catalogue, ends: list[date]) -> pl.LazyFrame:
    """The linked doubts at each period end where they could matter: a record that could lie where the indicator
    looks at that period end (and every record that cannot be placed)."""
    windows = pl.LazyFrame(
        [
            (ind.ref, table, e, *_window(ind, table, e))
            for ind in cat.indicators
            if ind.polarity != "rate"
            for table in (*inputs_of(ind.ref).tables, "ssd_involvements")
            for e in ends
        ],
        schema={
            "indicator_ref": pl.String,
            "table_name": pl.String,
            "period_end": pl.Date,
            "_from": pl.Date,
            "_to": pl.Date,
            "_open": pl.Boolean,
        },
        orient="row",
    ).unique(subset=["indicator_ref", "table_name", "period_end"])
    earliest, latest = pl.col("earliest"), pl.col("latest")
    starts_by = earliest.is_null() | (earliest <= pl.col("_to"))
    open_then = latest.is_null() | (latest > pl.col("_to"))
    reaches = latest.is_null() | (latest >= pl.col("_from")) | pl.col("_from").is_null()
    # Where the record counts today: its recorded dates lie where the indicator looks.
    recorded_from, recorded_to = pl.col("recorded_from"), pl.col("recorded_to")
    inside = (
        recorded_from.is_not_null()
        & (recorded_from <= pl.col("_to"))
        & pl.when(pl.col("_open"))
        .then(recorded_to.is_null() | (recorded_to > pl.col("_to")))
        .otherwise(pl.col("_from").is_null() | (pl.coalesce(recorded_to, recorded_from) >= pl.col("_from")))
    )
    return (
        in_doubt.join(windows, on=["indicator_ref", "table_name"], how="left")
        .filter(
            pl.col("period_end").is_null() | (starts_by & pl.when(pl.col("_open")).then(open_then).otherwise(reaches))
        )
        .with_columns(inside.fill_null(True).alias("inside"))
        .drop("_from", "_to", "_open")
    )


def bands(
    records: pl.LazyFrame,
    in_doubt: pl.LazyFrame,
    candidates: pl.LazyFrame,
    candidate_teams: pl.LazyFrame,
    cat: Catalogue,
    ends: list[date],
) -> pl.LazyFrame:
    """Per indicator, period end and team (null: the whole service): the records in doubt and how low and how
    high the figure could be. ``records`` are the indicator records; ``in_doubt`` the linked doubts;
    ``candidates`` (indicator_ref, period_end, person_id) the children a cohort with exclusions weighs
    (``transforms.indicators.indicator_candidates``); ``candidate_teams`` (person_id, team_id) every team a child
    could count for (the teams of all their case-holding involvements, and the unallocated team)."""
    every = pl.LazyFrame(
        [(i.ref, e) for i in cat.indicators if i.polarity != "rate" for e in ends],
        schema={"indicator_ref": pl.String, "period_end": pl.Date},
        orient="row",
    )
    ref_of_record = {i.ref: inputs_of(i.ref).records for i in cat.indicators if i.polarity != "rate"}
    records_table = pl.col("indicator_ref").replace_strict(ref_of_record, default=None, return_dtype=pl.String)
    doubt = doubts_by_period(in_doubt, cat, ends).with_columns(records_table.alias("_records_table"))
    # A doubt on a table with no window (a table the indicator does not read by date) holds at every period end.
    doubt = pl.concat(
        [
            doubt.filter(pl.col("period_end").is_not_null()),
            doubt.filter(pl.col("period_end").is_null()).drop("period_end").join(every, on="indicator_ref"),
        ],
        how="diagonal",
    )
    key = ["indicator_ref", "period_end"]
    value_doubt = doubt.filter(pl.col("role") != "allocation")
    known = candidate_teams.select("person_id").unique()

    # Which way each doubt can move a counted record: a doubt about who is counted, either way; a doubt about the
    # measure, as the indicator's ``moves`` says (in: a record outside the numerator may come in through any
    # doubted record, one inside it falls out only through a doubted record dated where it counts today).
    moves_in = [i.ref for i in cat.indicators if i.polarity != "rate" and inputs_of(i.ref).moves == "in"]
    is_measure = pl.col("role") == "measure"
    value_doubt = value_doubt.with_columns(
        pl.lit(True).alias("_rise"),
        (~(is_measure & pl.col("indicator_ref").is_in(moves_in)) | pl.col("inside")).alias("_fall"),
    )

    # A counted record is in doubt for its figure when a doubt names its child, or (for an event or plan) the
    # record itself; an allocation doubt puts it in doubt for its team's figure only.
    def directions(frame: pl.LazyFrame, on: str) -> pl.LazyFrame:
        return frame.group_by(*key, on).agg(pl.col("_rise").any(), pl.col("_fall").any())

    by_person = directions(value_doubt.filter(pl.col("person_id").is_not_null()), "person_id")
    by_record = directions(
        value_doubt.filter((pl.col("table_name") == pl.col("_records_table")) & pl.col("record_id").is_not_null()),
        "record_id",
    )
    allocation_doubt = doubt.filter(pl.col("role") == "allocation")
    allocation = allocation_doubt.filter(pl.col("person_id").is_not_null()).select(*key, "person_id").unique()
    # an allocation that names no child could be any child's, in any team
    nobody_allocated = (
        allocation_doubt.filter(pl.col("person_id").is_null())
        .select(*key, pl.coalesce("record_id", "reason"))
        .unique()
        .group_by(key)
        .len("nobody_allocated")
    )
    either = (pl.col("_rise"), pl.col("_fall"), pl.col("_rise_r"), pl.col("_fall_r"))
    flagged = (
        records.join(by_person, on=[*key, "person_id"], how="left")
        .join(by_record.rename({"_rise": "_rise_r", "_fall": "_fall_r"}), on=[*key, "record_id"], how="left")
        .join(allocation.with_columns(pl.lit(True).alias("_allocation")), on=[*key, "person_id"], how="left")
        .with_columns(*(c.fill_null(False) for c in either))
        .with_columns(
            (pl.col("_rise") | pl.col("_rise_r")).alias("could_rise"),
            (pl.col("_fall") | pl.col("_fall_r")).alias("could_fall"),
            pl.col("_allocation").fill_null(False).alias("team_in_doubt"),
        )
    )

    # Records in doubt that are not counted but might be: a child a membership doubt names (a doubtful referral:
    # the child may have one open), or a child a doubt about an exclusion names among those the cohort weighs (a
    # doubtful CP plan may wrongly keep a child with an open referral out of CIN), not counted at that period end;
    # an event or plan a doubt names that is not counted; and every doubt whose record cannot be known.
    cohort = value_doubt.filter(pl.col("role").is_in(("membership", "cohort")))
    per_child = pl.col("_records_table").is_null() & pl.col("person_id").is_not_null()
    names_record = (pl.col("table_name") == pl.col("_records_table")).fill_null(False) & pl.col(
        "record_id"
    ).is_not_null()
    counted_children = records.select(*key, "person_id")
    missing_children = (
        pl.concat(
            [
                cohort.filter(per_child & (pl.col("role") == "membership")).select(*key, "person_id"),
                cohort.filter(per_child & (pl.col("role") == "cohort"))
                .select(*key, "person_id")
                .join(candidates, on=[*key, "person_id"]),
            ]
        )
        .unique()
        .join(counted_children, on=[*key, "person_id"], how="anti")
    )
    missing_records = (
        cohort.filter((pl.col("table_name") == pl.col("_records_table")) & pl.col("record_id").is_not_null())
        .select(*key, "record_id")
        .unique()
        .join(records.select(*key, "record_id"), on=[*key, "record_id"], how="anti")
    )

    # A doubted record that names no one who can be found (no child, or a child not in ssd_person) could be
    # anyone's: in the cohort, one more record that might or might not count; in the measure, one more counted
    # record that might meet it (or, where the measure can move either way, both).
    def loose(frame: pl.LazyFrame, name: str) -> pl.LazyFrame:
        one_each = pl.coalesce("record_id", "reason")
        return frame.select(*key, "table_name", one_each.alias("_one")).unique().group_by(key).len(name)

    measure = value_doubt.filter(is_measure)
    unplaced_measure = measure.filter(~names_record).join(known, on="person_id", how="anti")
    unknown = loose(
        pl.concat(
            [
                cohort.filter(~(pl.col("person_id").is_not_null() | names_record)),
                unplaced_measure.filter(~pl.col("indicator_ref").is_in(moves_in)),
            ]
        ),
        "unknown",
    )
    could_meet = loose(unplaced_measure.filter(pl.col("indicator_ref").is_in(moves_in)), "could_meet")
    whole_missing = pl.concat([missing_children.select(key), missing_records.select(key)]).group_by(key).len("missing")

    # For a team: the same, for the children who could count for the team and do not (allocation doubts
    # included); and every event or plan not counted and every unknown record (it could be any team's).
    teams = records.select(*key, "team_id").unique()
    any_team_missing = (
        pl.concat(
            [missing_records.group_by(key).len("any_team"), nobody_allocated.rename({"nobody_allocated": "any_team"})]
        )
        .group_by(key)
        .agg(pl.col("any_team").sum())
    )
    could_join = (
        pl.concat([missing_children.select(*key, "person_id"), allocation])
        .unique()
        .join(candidate_teams, on="person_id")
        .join(records.select(*key, "person_id", "team_id"), on=[*key, "person_id", "team_id"], how="anti")
        .group_by(*key, "team_id")
        .len("missing")
    )

    def counts(frame: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
        return frame.group_by(by).agg(
            pl.col("in_numerator").sum().alias("n"),
            pl.len().alias("d"),
            (pl.col("could_fall") & pl.col("in_numerator")).sum().alias("a"),
            (pl.col("could_rise") & ~pl.col("in_numerator")).sum().alias("b"),
        )

    whole = (
        every.join(counts(flagged, key), on=key, how="left")
        .join(whole_missing, on=key, how="left")
        .join(unknown, on=key, how="left")
        .join(could_meet, on=key, how="left")
        .with_columns(pl.lit(None, dtype=pl.String).alias("team_id"))
    )
    team_doubt = pl.col("team_in_doubt")
    by_team = (
        counts(
            flagged.with_columns((pl.col("could_rise") | team_doubt), (pl.col("could_fall") | team_doubt)),
            [*key, "team_id"],
        )
        .join(teams, on=[*key, "team_id"], how="right")
        .join(could_join, on=[*key, "team_id"], how="left")
        .join(any_team_missing, on=key, how="left")
        .join(unknown, on=key, how="left")
        .join(could_meet, on=key, how="left")
    )
    numbers = ("n", "d", "a", "b", "missing", "any_team", "unknown", "could_meet")
    counted = pl.concat([whole, by_team], how="diagonal").with_columns(
        *(pl.col(c).fill_null(0).cast(pl.Int64) for c in numbers)
    )
    counted = counted.with_columns((pl.col("missing") + pl.col("any_team") + pl.col("unknown")).alias("c"))
    return _bands_by_polarity(counted, cat)


def _bands_by_polarity(counted: pl.LazyFrame, cat: Catalogue) -> pl.LazyFrame:
    n, d, a, b, c, meet = (pl.col(x) for x in ("n", "d", "a", "b", "c", "could_meet"))
    frames = []
    for ind in cat.indicators:
        source = ind.ref.removesuffix(".rate")
        rows = counted.filter(pl.col("indicator_ref") == source).with_columns(pl.lit(ind.ref).alias("indicator_ref"))
        if ind.polarity in ("higher", "lower"):
            low: pl.Expr = pl.when(d + c > 0).then((n - a) * 100.0 / (d + c))
            # no more can meet the measure than are counted
            high: pl.Expr = pl.when(d + c > 0).then(pl.min_horizontal(n + b + meet + c, d + c) * 100.0 / (d + c))
        else:
            scale = 10_000 / cat.child_population if ind.polarity == "rate" else 1.0
            low, high = (n - a).cast(pl.Float64) * scale, (n + c).cast(pl.Float64) * scale
            if ind.polarity == "rate":
                rows = rows.filter(pl.col("team_id").is_null())
        frames.append(
            rows.select(
                "indicator_ref",
                "period_end",
                "team_id",
                (a + b + c + meet).alias("records_in_doubt"),
                low.alias("value_low"),
                high.alias("value_high"),
            )
        )
    return pl.concat(frames).cast(BAND_SCHEMA).select(list(BAND_SCHEMA))


def tolerance(ind: Indicator, cat: Catalogue, value: pl.Expr) -> pl.Expr:
    """How far the figure may be from either end of its band and still be published: percentage points for a
    percentage, a share of the count for a count or rate."""
    if ind.is_percentage:
        return pl.lit(float(ind.params.get("tolerance_points", cat.tolerance_points)))
    return value.abs() * float(ind.params.get("tolerance_share", cat.tolerance_share))


def material(ind: Indicator, cat: Catalogue) -> tuple[pl.Expr, pl.Expr]:
    """(whether the band makes the figure unusable, why) for the rows of one indicator's values."""
    value, low, high = pl.col("value"), pl.col("value_low"), pl.col("value_high")
    off = pl.max_horizontal(value - low, high - value)
    too_wide = (off > tolerance(ind, cat, value)).fill_null(False)
    crosses = pl.lit(False)
    if ind.is_percentage and ind.target_min is not None and ind.target_upper is not None:
        rag_low, rag_high = (rag(x, ind.polarity, ind.target_min, ind.target_upper) for x in (low, high))
        crosses = rag_low.ne_missing(rag_high) & pl.col("records_in_doubt").gt(0)
    unit = "points" if ind.is_percentage else "of the count"
    reason = (
        pl.format(
            "{} record(s) in doubt: the figure could be anywhere from {} to {}",
            pl.col("records_in_doubt"),
            low.round(1),
            high.round(1),
        )
        + pl.when(crosses)
        .then(pl.lit(", across a RAG boundary"))
        .otherwise(
            pl.format(", more than the tolerance ({} {}) from it", tolerance(ind, cat, value).round(2), pl.lit(unit))
        )
        + pl.lit(" (the records are in indicator_doubts and dq_exceptions)")
    )
    return crosses | too_wide, reason
