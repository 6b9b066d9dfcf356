"""Tests of the other SSD tables of the synthetic batch (csc.synthetic.more).

A tiny world is built once; every table is checked against the contract (columns, keys), against the core
tables it refers to (ids written the same way), against the calendar (as-of, the six-year window, lives) and for
what it says about the world (health assessments follow entry to care, legal statuses tile the episodes, ...).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import combinations

import numpy as np
import polars as pl
import pytest

from csc.synthetic.calendar import to_date
from csc.synthetic.frame import Dates, Frame
from csc.synthetic.more import FACTORS, MORE_TABLE_NAMES, PERMANENCE_PLANS, MoreTables
from csc.synthetic.scales import SCALES
from csc.synthetic.tables import Tables
from csc.synthetic.world import World, build_world
from declarations import contract

AS_OF = date(2023, 8, 31)
SEED = 7
PLACEHOLDERS = ("ssd_pre_cla_care_plan", "ssd_s251_finance")
# Tables of a few rows per council: a tiny world may have none.
FEW = ("ssd_cla_substance_misuse", "ssd_cla_convictions", "ssd_cla_previous_permanence", "ssd_immigration_status")
SENTINEL_DATE = date(1900, 1, 1)
# Core tables the other tables refer to (besides ssd_person), and those the content checks read.
CORE_READ = ("ssd_person", "ssd_cla_episodes", "ssd_cin_assessments", "ssd_cp_plans")

# Dates that must come in this order where both are known.
ORDERED: dict[str, tuple[tuple[str, ...], ...]] = {
    "ssd_missing": (("miss_missing_episode_start_date", "miss_missing_episode_end_date"),),
    "ssd_cla_care_plan": (("lacp_cla_care_plan_start_date", "lacp_cla_care_plan_end_date"),),
    "ssd_legal_status": (("lega_legal_status_start_date", "lega_legal_status_end_date"),),
    "ssd_permanence": (
        (
            "perm_adm_decision_date",
            "perm_placement_order_date",
            "perm_matched_date",
            "perm_placed_for_adoption_date",
            "perm_permanence_order_date",
        ),
        ("perm_adm_decision_date", "perm_ffa_cp_decision_date", "perm_placed_ffa_cp_date", "perm_matched_date"),
        ("perm_ffa_cp_decision_date", "perm_placement_order_date"),
        ("perm_adm_decision_date", "perm_decision_reversed_date"),
        ("perm_placed_foster_carer_date", "perm_adm_decision_date"),
    ),
    "ssd_immigration_status": (("immi_immigration_status_start_date", "immi_immigration_status_end_date"),),
    "ssd_address": (("addr_address_start_date", "addr_address_end_date"),),
    "ssd_linked_identifiers": (("link_valid_from_date", "link_valid_to_date"),),
    "ssd_early_help_episodes": (("earl_episode_start_date", "earl_episode_end_date"),),
    "ssd_pre_proceedings": (
        (
            "prep_pre_pro_decision_date",
            "prep_pre_pro_letter_date",
            "prep_initial_pre_pro_meeting_date",
            "prep_care_pro_letter_date",
            "prep_agree_stepdown_issue_date",
        ),
    ),
    "ssd_ehcp_requests": (("ehcr_ehcp_req_date", "ehcr_ehcp_req_outcome_date"),),
    "ssd_ehcp_named_plan": (("ehcn_named_plan_start_date", "ehcn_named_plan_ceased_date"),),
    "ssd_cohort": (("first_activity_dttm", "last_activity_dttm"),),
}
# One-day events: inside the six-year window.
EVENT_DATES = {
    "ssd_missing": "miss_missing_episode_start_date",
    "ssd_cla_health": "clah_health_check_date",
    "ssd_cla_substance_misuse": "clas_substance_misuse_date",
    "ssd_cla_convictions": "clac_cla_conviction_date",
    "ssd_sdq_scores": "csdq_sdq_completed_date",
    "ssd_pre_proceedings": "prep_pre_pro_decision_date",
    "ssd_ehcp_requests": "ehcr_ehcp_req_date",
}
# Spans: ended inside the window, or still open.
SPAN_ENDS = {
    "ssd_address": "addr_address_end_date",
    "ssd_linked_identifiers": "link_valid_to_date",
    "ssd_early_help_episodes": "earl_episode_end_date",
    "ssd_immigration_status": "immi_immigration_status_end_date",
}


def as_df(frame: Frame) -> pl.DataFrame:
    """A frame as its file would read back: text ids and codes, dates, numbers."""
    return pl.DataFrame(
        [
            (c.to_series(0, frame.n, with_time=False) if isinstance(c, Dates) else c.to_series(0, frame.n)).alias(name)
            for name, c in frame.columns.items()
        ]
    )


def build_more(world: World, seed: int | None = None) -> dict[str, pl.DataFrame]:
    _, tables_seed, more_seed = np.random.SeedSequence(SEED if seed is None else seed).spawn(3)
    more = MoreTables(world, Tables(world, tables_seed).ids, more_seed)
    return {name: as_df(more.build(name)) for name in MORE_TABLE_NAMES}


@pytest.fixture(scope="module")
def world() -> World:
    world_seed, _, _ = np.random.SeedSequence(SEED).spawn(3)
    return build_world(np.random.Generator(np.random.PCG64(world_seed)), SCALES["tiny"], AS_OF)


@pytest.fixture(scope="module")
def core(world: World) -> dict[str, pl.DataFrame]:
    _, tables_seed, _ = np.random.SeedSequence(SEED).spawn(3)
    tables = Tables(world, tables_seed)
    referenced = {
        c.references.split(".")[0]
        for t in contract.MORE_TABLES
        for c in t.columns
        if c.references and c.references.split(".")[0] not in MORE_TABLE_NAMES
    }
    frames = {name: as_df(tables.build(name)) for name in sorted(referenced | set(CORE_READ))}
    # Open episodes are written with the 1900-01-01 sentinel: read back as missing.
    return {
        name: df.with_columns(
            pl.when(pl.col(c) == SENTINEL_DATE).then(None).otherwise(pl.col(c)).alias(c)
            for c, dtype in df.schema.items()
            if dtype == pl.Date
        )
        for name, df in frames.items()
    }


@pytest.fixture(scope="module")
def more(world: World) -> dict[str, pl.DataFrame]:
    return build_more(world)


def known(df: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return df.drop_nulls(list(columns))


# --- shape ------------------------------------------------------------------------------------------------------


def test_every_other_ssd_table_is_built_in_contract_order() -> None:
    expected = tuple(t.name for t in contract.MORE_TABLES if t.name not in ("ssd_version_log", "ssd_extract_log"))
    assert expected == MORE_TABLE_NAMES


def test_columns_are_the_contracts(more: dict[str, pl.DataFrame]) -> None:
    assert {name: tuple(df.columns) for name, df in more.items()} == {
        name: contract.table(name).column_names for name in MORE_TABLE_NAMES
    }


def test_a_frame_with_other_columns_is_refused(world: World) -> None:
    _, tables_seed, more_seed = np.random.SeedSequence(SEED).spawn(3)
    more = MoreTables(world, Tables(world, tables_seed).ids, more_seed)
    with pytest.raises(AssertionError, match="differ from the contract"):
        more.frame("ssd_mother", {"moth_table_id": more.ids["mother"].of(np.arange(1))})
    with pytest.raises(KeyError):
        more.build("ssd_person")


def test_keys_are_unique_and_present(more: dict[str, pl.DataFrame]) -> None:
    for name, df in more.items():
        key = contract.table(name).key
        if name in PLACEHOLDERS:
            assert df.height == 0, name
            continue
        assert df.height > 0 or name in FEW, name
        assert df[key].null_count() == 0, name
        assert df[key].n_unique() == df.height, name


def test_new_keys_never_look_like_core_ids(more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]) -> None:
    core_keys = set().union(*(set(df[contract.table(n).key].cast(pl.String)) for n, df in core.items()))
    own_keys = 0
    for name, df in more.items():
        key = contract.table(name).column(contract.table(name).key)
        if key.kind != "id" or key.references:  # keyed by the person
            continue
        assert not set(df[key.name]) & core_keys, name
        own_keys += 1
    assert own_keys == len(MORE_TABLE_NAMES) - 3  # immunisations, cohort and dim_date have none


def test_every_reference_joins(more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]) -> None:
    frames = {**core, **more}
    checked = 0
    for name in MORE_TABLE_NAMES:
        for c in contract.table(name).columns:
            if not c.references:
                continue
            target_table, target_column = c.references.split(".")
            values = set(frames[name][c.name].drop_nulls())
            missing = values - set(frames[target_table][target_column])
            assert not missing, f"{name}.{c.name}: {sorted(missing)[:5]}"
            checked += bool(values)
    assert checked >= 25


def test_whole_numbers_are_written_as_integers(more: dict[str, pl.DataFrame]) -> None:
    """As the SSD writes them ("3", not "3.0"), so any reader can type them."""
    checked = 0
    for name, df in more.items():
        for c in contract.table(name).columns:
            if c.kind == "int":
                text = df[c.name].cast(pl.String).drop_nulls()
                assert text.str.contains(r"^\d+$").all(), f"{name}.{c.name}: {text.head(3).to_list()}"
                checked += text.len()
    assert checked > 10_000


# --- dates ------------------------------------------------------------------------------------------------------


def date_columns(name: str) -> list[str]:
    return [c.name for c in contract.table(name).columns if c.kind == "date"]


def test_nothing_is_dated_after_as_of(more: dict[str, pl.DataFrame]) -> None:
    for name, df in more.items():
        if name == "ssd_dim_date":
            continue
        for column in date_columns(name):
            assert (df[column].drop_nulls() <= AS_OF).all(), f"{name}.{column}"


def test_dates_come_in_order(more: dict[str, pl.DataFrame]) -> None:
    compared = 0
    for name, chains in ORDERED.items():
        for chain in chains:
            for a, b in combinations(chain, 2):
                both = known(more[name], a, b)
                bad = both.filter(pl.col(a) > pl.col(b))
                assert bad.height == 0, f"{name}: {a} after {b}\n{bad}"
                compared += both.height
    assert compared > 1000


def test_events_and_spans_keep_to_the_window(world: World, more: dict[str, pl.DataFrame]) -> None:
    cutoff = to_date(world.cutoff)
    for name, column in EVENT_DATES.items():
        assert (more[name][column] >= cutoff).all(), f"{name}.{column}"
    for name, column in SPAN_ENDS.items():
        assert (more[name][column].drop_nulls() >= cutoff).all(), f"{name}.{column}"


def test_records_lie_inside_lives(more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]) -> None:
    people = core["ssd_person"].select(
        pl.col("pers_person_id").alias("person"), pl.col("pers_dob").alias("dob"), pl.col("pers_death_date")
    )
    for name in MORE_TABLE_NAMES:
        t = contract.table(name)
        columns = [c for c in date_columns(name) if c != "moth_childs_dob"]
        if t.person_column is None or not columns:
            continue
        df = more[name].join(people, left_on=t.person_column, right_on="person", how="left")
        for column in columns:
            dated = known(df, column)
            assert (dated[column] >= dated["dob"]).all(), f"{name}.{column} before birth"
            died = known(dated, "pers_death_date")
            assert (died[column] <= died["pers_death_date"]).all(), f"{name}.{column} after death"


# --- determinism ------------------------------------------------------------------------------------------------


def test_same_seed_same_frames_and_another_seed_differs(world: World, more: dict[str, pl.DataFrame]) -> None:
    again = build_more(world)
    assert [name for name in MORE_TABLE_NAMES if not again[name].equals(more[name])] == []
    _, tables_seed, more_seed = np.random.SeedSequence(SEED).spawn(3)
    one = MoreTables(world, Tables(world, tables_seed).ids, more_seed)
    # Built again, or after other tables, a table is the same.
    assert as_df(one.build("ssd_ehcp_active_plans")).equals(more["ssd_ehcp_active_plans"])
    assert as_df(one.build("ssd_missing")).equals(as_df(one.build("ssd_missing")))
    other = build_more(world, seed=SEED + 1)
    assert not other["ssd_missing"].equals(more["ssd_missing"])
    assert not other["ssd_address"].equals(more["ssd_address"])


# --- content ----------------------------------------------------------------------------------------------------


def periods(core: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Periods of care from the episodes: child, period, entry to care, end (null while open), why it ended."""
    e = core["ssd_cla_episodes"].sort("clae_cla_episode_start_date")
    return e.group_by("clae_cla_id").agg(
        pl.col("clae_person_id").first().alias("person"),
        pl.col("clae_entered_care_date").first().alias("start"),
        pl.col("clae_cla_episode_ceased_date").last().alias("end"),
        pl.col("clae_cla_episode_ceased_reason").last().alias("reason"),
    )


def test_initial_health_assessments_follow_entry_to_care(
    world: World, more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]
) -> None:
    initial = (
        more["ssd_cla_health"]
        .filter(pl.col("clah_health_check_type") == "Initial health assessment")
        .sort("clah_health_check_date")
    )
    entries = periods(core).sort("start")
    matched = initial.join_asof(
        entries,
        left_on="clah_health_check_date",
        right_on="start",
        by_left="clah_person_id",
        by_right="person",
        strategy="backward",
        check_sortedness=False,  # sorted by date; polars cannot check it within groups
    )
    assert matched["start"].null_count() == 0
    start = matched["start"].cast(pl.Int32).to_numpy()
    within = matched["clah_health_check_date"].cast(pl.Int32).to_numpy() <= world.wd.add(start, 20)
    assert initial.height >= 10
    assert within.mean() >= 0.7
    # Children in care for a while have one health assessment per entry (never two).
    assert matched.select("clah_person_id", "start").is_duplicated().sum() == 0
    assert set(more["ssd_cla_health"]["clah_health_check_type"]) == {
        "Initial health assessment",
        "Review health assessment",
        "Dental check",
    }


def test_legal_statuses_tile_the_episodes(more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]) -> None:
    episodes = core["ssd_cla_episodes"]
    legal = more["ssd_legal_status"]
    starting = episodes.filter(pl.col("clae_cla_episode_start_reason").is_in(["S", "L", "B"]))
    assert set(zip(legal["lega_person_id"], legal["lega_legal_status_start_date"], strict=True)) == set(
        zip(starting["clae_person_id"], starting["clae_cla_episode_start_date"], strict=True)
    )
    # Every episode lies inside one legal status of the same child.
    inside = (
        episodes.sort("clae_cla_episode_start_date")
        .join_asof(
            legal.sort("lega_legal_status_start_date"),
            left_on="clae_cla_episode_start_date",
            right_on="lega_legal_status_start_date",
            by_left="clae_person_id",
            by_right="lega_person_id",
            strategy="backward",
            check_sortedness=False,
        )
        .with_columns(
            pl.col("clae_cla_episode_ceased_date").fill_null(date.max).alias("episode_end"),
            pl.col("lega_legal_status_end_date").fill_null(date.max).alias("status_end"),
        )
    )
    assert inside["lega_legal_status_id"].null_count() == 0
    assert (inside["episode_end"] <= inside["status_end"]).all()
    assert set(legal["lega_legal_status"]) <= {"C1", "C2", "E1", "J1", "L1", "L2", "V2"}


def test_immunisations_are_for_children_in_care_now(
    more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]
) -> None:
    in_care = periods(core).filter(pl.col("end").is_null())
    assert set(more["ssd_cla_immunisations"]["clai_person_id"]) == set(in_care["person"])


def test_adoptions_lead_up_to_the_adoption_order(more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]) -> None:
    adopted = periods(core).filter(pl.col("reason").is_in(["E11", "E12"]) & pl.col("end").is_not_null())
    perm = more["ssd_permanence"]
    orders = perm.filter(pl.col("perm_permanence_order_type") == "Adoption order")
    assert adopted.height > 0, "this seed's tiny world has adoptions"
    assert set(zip(orders["perm_cla_id"], orders["perm_permanence_order_date"], strict=True)) == set(
        zip(adopted["clae_cla_id"], adopted["end"], strict=True)
    )
    assert (
        orders.select("perm_adm_decision_date", "perm_placed_for_adoption_date").null_count().sum_horizontal()[0] == 0
    )


def test_care_plans_name_one_permanence_plan(more: dict[str, pl.DataFrame]) -> None:
    plans = more["ssd_cla_care_plan"]["lacp_cla_care_plan_json"]
    for text in set(plans):
        answers = json.loads(text)
        assert tuple(answers) == PERMANENCE_PLANS
        assert sorted(v for v in answers.values() if v is not None) == ["Y"]
    assert plans.n_unique() >= 3


def test_mothers_are_mothers_of_younger_children(more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]) -> None:
    person = core["ssd_person"].select("pers_person_id", "pers_dob", "pers_is_mother")
    links = (
        more["ssd_mother"]
        .join(person, left_on="moth_person_id", right_on="pers_person_id")
        .join(person, left_on="moth_childs_person_id", right_on="pers_person_id", suffix="_child")
    )
    assert links.height == more["ssd_mother"].height > 0
    assert (links["pers_is_mother"] == "Y").all()
    assert (links["moth_childs_dob"] == links["pers_dob_child"]).all()
    assert (links["pers_dob"] + timedelta(days=15 * 365) <= links["moth_childs_dob"]).all()
    assert links["moth_childs_person_id"].n_unique() == links.height  # one mother each


def test_families_group_everyone_and_keep_mothers_with_their_children(
    more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]
) -> None:
    family = more["ssd_family"]
    assert sorted(family["fami_person_id"]) == sorted(core["ssd_person"]["pers_person_id"])
    assert family["fami_family_id"].n_unique() < family.height  # some siblings
    of = dict(zip(family["fami_person_id"], family["fami_family_id"], strict=True))
    mothers = more["ssd_mother"]
    assert [of[m] for m in mothers["moth_person_id"]] == [of[c] for c in mothers["moth_childs_person_id"]]
    plo = more["ssd_pre_proceedings"]
    assert list(plo["prep_plo_family_id"]) == [of[p] for p in plo["prep_person_id"]]


def test_cohort_is_everyone_with_why_they_are_in_it(
    more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]
) -> None:
    cohort = more["ssd_cohort"]
    assert sorted(cohort["dim_person_id"]) == sorted(core["ssd_person"]["pers_person_id"])
    in_care = set(cohort.filter(pl.col("has_903") == "1")["dim_person_id"])
    assert in_care == set(core["ssd_cla_episodes"]["clae_person_id"])
    flag_columns = [c.name for c in contract.table("ssd_cohort").columns if c.kind == "flag"]
    assert set(cohort.select(flag_columns).unpivot()["value"]) == {"0", "1"}
    assert cohort["first_activity_dttm"].null_count() == 0


def test_dim_date_is_the_calendar(world: World, more: dict[str, pl.DataFrame]) -> None:
    dim = more["ssd_dim_date"]
    first, last = date(to_date(world.cutoff).year, 1, 1), date(AS_OF.year, 12, 31)
    assert list(dim["full_date"]) == [first + timedelta(days=i) for i in range((last - first).days + 1)]
    expected = []
    for d in dim["full_date"]:
        iso = d.isocalendar()
        fy = d.year if d.month >= 4 else d.year - 1
        expected.append(
            (
                d.year * 10_000 + d.month * 100 + d.day,
                iso.year,
                iso.week,
                iso.weekday,
                "1" if iso.weekday >= 6 else "0",
                f"{fy}/{(fy + 1) % 100:02d}",
                date(fy, 4, 1),
                (d.month - 4) % 12 // 3 + 1,
                date(d.year, d.month, 1),
            )
        )
    actual = dim.select(
        pl.col("date_key").cast(pl.Int64),
        pl.col("iso_year").cast(pl.Int64),
        pl.col("iso_week").cast(pl.Int64),
        pl.col("day_of_week_monday1").cast(pl.Int64),
        "is_weekend",
        "fiscal_year_label",
        "fiscal_year_start_date",
        pl.col("fiscal_quarter").cast(pl.Int64),
        "month_start_date",
    ).rows()
    assert actual == expected
    assert (dim["month_end_date"] + timedelta(days=1)).dt.day().eq(1).all()
    assert (dim["fiscal_quarter_end_date"] >= dim["full_date"]).all()
    assert (dim["fiscal_quarter_start_date"] <= dim["full_date"]).all()


def test_assessment_factors_for_every_authorised_assessment(
    more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]
) -> None:
    authorised = core["ssd_cin_assessments"].drop_nulls("cina_assessment_auth_date")
    factors = more["ssd_assessment_factors"]
    assert sorted(factors["cinf_assessment_id"]) == sorted(authorised["cina_assessment_id"])
    codes = {c for c, _ in FACTORS}
    for text in set(factors["cinf_assessment_factors_json"]):
        listed = json.loads(text)
        assert listed and len(set(listed)) == len(listed) and set(listed) <= codes, text


def test_every_child_has_one_current_address_with_its_postcode(
    more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]
) -> None:
    address = more["ssd_address"]
    current = address.filter(pl.col("addr_address_end_date").is_null())
    assert sorted(current["addr_person_id"]) == sorted(core["ssd_person"]["pers_person_id"])
    postcodes = [json.loads(a)["POSTCODE"] for a in address["addr_address_json"]]
    assert postcodes == list(address["addr_address_postcode"])


def test_missing_and_early_help_episodes_one_at_a_time(more: dict[str, pl.DataFrame]) -> None:
    for name, person, start, end in (
        ("ssd_missing", "miss_person_id", "miss_missing_episode_start_date", "miss_missing_episode_end_date"),
        ("ssd_early_help_episodes", "earl_person_id", "earl_episode_start_date", "earl_episode_end_date"),
    ):
        df = more[name].sort(person, start)
        following = df.with_columns(pl.col(start).shift(-1).over(person).alias("next_start"))
        still_open = following.filter(pl.col(end).is_null() & pl.col("next_start").is_not_null())
        overlapping = known(following, end, "next_start").filter(pl.col(end) > pl.col("next_start"))
        assert still_open.height == 0 and overlapping.height == 0, name
    missing = more["ssd_missing"]
    assert set(missing["miss_missing_episode_type"]) == {"M", "A"}
    ended = missing["miss_missing_episode_end_date"].is_not_null()
    assert (missing["miss_missing_rhi_offered"].is_not_null() == ended).all()
    quick = (missing["miss_missing_episode_end_date"] - missing["miss_missing_episode_start_date"]).dt.total_days()
    within_a_week = quick.drop_nulls() <= 7
    assert within_a_week.len() > 0 and within_a_week.sum() >= 0.8 * within_a_week.len()


def test_sdq_has_a_score_or_a_reason(more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]) -> None:
    sdq = more["ssd_sdq_scores"].join(
        core["ssd_person"].select("pers_person_id", "pers_dob"), left_on="csdq_person_id", right_on="pers_person_id"
    )
    assert (sdq["csdq_sdq_score"].is_null() != sdq["csdq_sdq_reason"].is_null()).all()
    assert sdq["csdq_sdq_score"].drop_nulls().cast(pl.Int64).is_between(0, 40).all()
    age = (sdq["csdq_sdq_completed_date"] - sdq["pers_dob"]).dt.total_days() / 365.25
    assert age.is_between(4, 17).all()


def test_pre_proceedings_follow_cp_plans(more: dict[str, pl.DataFrame], core: dict[str, pl.DataFrame]) -> None:
    plo = more["ssd_pre_proceedings"]
    assert plo.height > 0
    assert set(plo["prep_person_id"]) <= set(core["ssd_cp_plans"]["cppl_person_id"])
    issued = plo.filter(pl.col("prep_pre_pro_outcome") == "Care proceedings issued")
    assert issued["prep_court_reference"].null_count() == 0
    not_in_court = plo.filter(pl.col("prep_pre_pro_outcome").ne_missing("Care proceedings issued"))
    assert not_in_court.height > 0
    assert not_in_court["prep_court_reference"].is_null().all()
    assert not_in_court["prep_la_initial_care_plan"].is_null().all()


def test_send_chain_holds_together(more: dict[str, pl.DataFrame]) -> None:
    requests, assessments = more["ssd_ehcp_requests"], more["ssd_ehcp_assessment"]
    named, active = more["ssd_ehcp_named_plan"], more["ssd_ehcp_active_plans"]
    agreed = requests.filter(pl.col("ehcr_ehcp_req_outcome") == "Assessment agreed")
    assert sorted(assessments["ehca_ehcp_request_id"]) == sorted(agreed["ehcr_ehcp_request_id"])
    plans = named.join(assessments, left_on="ehcn_ehcp_asmt_id", right_on="ehca_ehcp_assessment_id")
    assert (plans["ehca_ehcp_assessment_outcome"] == "EHC plan issued").all()
    assert (plans["ehcn_named_plan_start_date"] == plans["ehca_ehcp_assessment_outcome_date"]).all()
    issued = assessments.filter(pl.col("ehca_ehcp_assessment_outcome") == "EHC plan issued")
    assert named.height == issued.height > 0
    in_force = plans.filter(pl.col("ehcn_named_plan_ceased_date").is_null())
    assert sorted(active["ehcp_ehcp_request_id"]) == sorted(in_force["ehca_ehcp_request_id"])
    need = more["ssd_sen_need"]
    assert set(need["senn_active_ehcp_id"]) == set(active["ehcp_active_ehcp_id"])
    assert not need.select("senn_active_ehcp_id", "senn_active_ehcp_need_type").is_duplicated().any()
    assert not need.select("senn_active_ehcp_id", "senn_active_ehcp_need_rank").is_duplicated().any()
