"""Real councils' SSD exports: each case system's columns, file names and delimiters as councils produce them, and
values as the SSD writes them. Tiny inline batches throughout; the generated batches of each system are in
tests/test_systems.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from declarations.contract import TABLES, table
from declarations.systems import SYSTEMS, matching_systems, tables_exported
from tests.conftest import write_batch
from warehouse.batch import BatchError, parse_table_file_name, read_batch
from warehouse.raw import FileProblem, load_batch, plan_columns
from warehouse.staging import build_staging

D = dt.date


def load(batch: Path, warehouse: Path, **kw):
    warehouse.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse / "warehouse.duckdb")) as con:
        b = read_batch(batch)
        loaded = load_batch(con, b, work_dir=warehouse / "tmp", **kw)
        build_staging(con, b.batch_id)
    return loaded


def query(warehouse: Path, sql: str):
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def file_of(loaded, name: str):
    return next(f for f in loaded.files if f.table_name == name)


# ---- each system's header -------------------------------------------------------------------------------------


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_every_systems_header_for_every_table_loads_as_that_system(system):
    s = SYSTEMS[system]
    for t in tables_exported(s):
        header = list(s.columns(t.name))
        plan = plan_columns(t, header)
        assert system in plan.export_shape.split("/") or plan.export_shape == "any", (t.name, plan.export_shape)
        assert set(plan.received) | set(plan.absent) == set(t.column_names)
        # A person id the system leaves out is derived, never just absent.
        for column in plan.absent:
            c = t.column(column)
            assert (c.derived_via is not None) == (column in plan.derived), (t.name, column)
        forced = plan_columns(t, header, system=system)
        assert forced.received == plan.received and forced.derived == plan.derived


def test_what_each_system_renames_and_derives():
    mosaic = SYSTEMS["mosaic"]
    plan = plan_columns(table("ssd_cin_plans"), list(mosaic.columns("ssd_cin_plans")))
    assert plan.received["cinp_cin_plan_id"] == "cin_plan_id" and plan.renamed == ["cin_plan_id -> cinp_cin_plan_id"]
    plan = plan_columns(table("ssd_cp_visits"), list(mosaic.columns("ssd_cp_visits")))
    assert (plan.absent, plan.derived, plan.export_shape) == (["cppv_person_id"], ["cppv_person_id"], "mosaic")
    plan = plan_columns(table("ssd_cla_reviews"), list(SYSTEMS["eclipse"].columns("ssd_cla_reviews")))
    assert plan.derived == ["clar_cla_person_id"] and plan.export_shape == "eclipse/la-release"
    release = SYSTEMS["la-release"]
    plan = plan_columns(table("ssd_cla_episodes"), list(release.columns("ssd_cla_episodes")))
    assert plan.received["clae_cla_episode_ceased_date"] == "clae_cla_episode_ceased"
    plan = plan_columns(table("ssd_person"), list(release.columns("ssd_person")))
    assert set(plan.absent) == {"pers_upn", "pers_forename", "pers_surname", "pers_single_unique_id"}
    assert plan.derived == [] and plan.export_shape == "la-release"
    # The SSD as Liquidlogic defines it has no contact decision date: an extension, never a failure.
    plan = plan_columns(table("ssd_contacts"), list(SYSTEMS["systemc"].columns("ssd_contacts")))
    assert plan.absent == ["cont_contact_outcome_date"] and plan.export_shape == "any"


def test_a_header_no_system_writes_fails_naming_the_column():
    t = table("ssd_cp_visits")
    header = [c for c in SYSTEMS["mosaic"].columns(t.name) if c != "cppv_cp_plan_id"]
    with pytest.raises(FileProblem, match="cppv_person_id .or cppv_cp_plan_id, to derive it from."):
        plan_columns(t, header)
    header = [c for c in SYSTEMS["systemc"].columns("ssd_person") if c != "pers_dob"]
    with pytest.raises(FileProblem, match="required column pers_dob missing"):
        plan_columns(table("ssd_person"), header)
    # Told the system, a file of another system's shape fails with what that system's export has.
    with pytest.raises(FileProblem, match="pers_upn, pers_forename, pers_surname, pers_single_unique_id missing"):
        plan_columns(table("ssd_person"), list(SYSTEMS["la-release"].columns("ssd_person")), system="systemc")


def test_shapes_are_matched_whatever_the_extension_and_extra_columns():
    header = {*SYSTEMS["systemc"].columns("ssd_contacts"), "cont_contact_outcome_date", "a_local_column"}
    assert matching_systems("ssd_contacts", header) == list(SYSTEMS)


# ---- file names and delimiters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ssd_person.csv", ("ssd_person", "csv", None)),
        ("SSD_PERSON.CSV", ("ssd_person", "csv", None)),
        ("ssd_development.ssd_person.csv", ("ssd_person", "csv", None)),
        ("SSD_DEVELOPMENT.SSD_CP_VISITS_20230831.TXT", ("ssd_cp_visits", "txt", D(2023, 8, 31))),
        ("ssd_person_2025-08-31.csv", ("ssd_person", "csv", D(2025, 8, 31))),
        ("ssd_person-2025-08-31.tsv", ("ssd_person", "tsv", D(2025, 8, 31))),
        ("ssd_missing_20250831.parquet", ("ssd_missing", "parquet", D(2025, 8, 31))),
        ("ssd_person_2025.csv", None),
        ("ssd_person_20251340.csv", None),
        ("people.csv", None),
        ("ssd_person.xlsx", None),
    ],
)
def test_file_names_as_councils_write_them(name, expected):
    parsed = parse_table_file_name(name)
    assert (parsed and (parsed.table_name, parsed.extension, parsed.date_stamp)) == expected


PERSON = "pers_person_id,pers_dob,pers_sex\n"


def test_a_schema_prefix_upper_case_names_and_headers_and_dashed_date_stamps(tmp_path):
    batch = write_batch(
        tmp_path / "b",
        {
            "SSD_DEVELOPMENT.SSD_PERSON.CSV": "PERS_PERSON_ID,PERS_DOB\n0001,2015-03-01\n",
            "ssd_cp_plans_2023-08-31.csv": "cppl_cp_plan_id,cppl_person_id\nCP1,0001\n",
        },
    )
    b = read_batch(batch)
    assert sorted(f.table_name for f in b.files) == ["ssd_cp_plans", "ssd_person"]
    assert b.extract_date == D(2023, 8, 31)
    # Headers missing columns fail those files, but nothing was unrecognised.
    loaded = load(batch, tmp_path / "wh")
    assert not [f for f in loaded.files if f.status == "ignored"]


@pytest.mark.parametrize(
    ("delimiter", "extension", "name"),
    [
        ("|", "txt", "pipe"),
        ("\t", "tsv", "tab"),
        (";", "csv", "semicolon"),
        ("\t", "txt", "tab"),
        (",", "txt", "comma"),
    ],
)
def test_the_delimiter_is_found_from_the_header(tmp_path, delimiter, extension, name):
    header = SYSTEMS["systemc"].columns("ssd_department")
    rows = ["101", "Children's Services; North | East", "SA1", "Area"]
    quoted = [f'"{v}"' if any(d in v for d in (delimiter, '"')) else v for v in rows]
    text = delimiter.join(header) + "\r\n" + delimiter.join(quoted) + "\r\n"
    batch = write_batch(tmp_path / "b", {f"ssd_department.{extension}": text})
    loaded = load(batch, tmp_path / "wh")
    f = file_of(loaded, "ssd_department")
    assert (f.status, f.delimiter, f.rows_loaded) == ("loaded", delimiter, 1)
    assert query(tmp_path / "wh", "SELECT dept_team_id, dept_team_name FROM staging.ssd_department") == [
        ("101", "Children's Services; North | East")
    ]
    manifest = query(
        tmp_path / "wh", "SELECT delimiter, file_format FROM raw.load_manifest WHERE table_name = 'ssd_department'"
    )
    assert manifest == [(name, extension)]


def test_a_folder_with_no_table_file_is_refused_naming_what_it_found(tmp_path):
    batch = write_batch(tmp_path / "b", {"people.csv": PERSON, "notes.docx": b"x"})
    with pytest.raises(BatchError, match=r"no file is an SSD table.*found: notes.docx, people.csv"):
        read_batch(batch)
    with pytest.raises(BatchError, match="found: no files"):
        read_batch(write_batch(tmp_path / "empty", {}))


def test_tables_an_export_may_leave_out_are_not_supplied_not_missing(tmp_path):
    batch = write_batch(tmp_path / "b", {"ssd_person.csv": PERSON + "1,2015-01-01,F\n"})
    loaded = load(batch, tmp_path / "wh")
    status = {f.table_name: f.status for f in loaded.files}
    required = {t.name for t in TABLES if t.required}
    assert {n for n, s in status.items() if s == "missing"} == required - {"ssd_person"}
    assert set(loaded.not_supplied) == {t.name for t in TABLES if not t.required}
    assert not {f.table_name for f in loaded.problems} & set(loaded.not_supplied)


def test_every_ssd_table_is_loaded_typed_and_commented(tmp_path):
    batch = write_batch(
        tmp_path / "b",
        {
            "ssd_missing.csv": (
                "miss_table_id,miss_person_id,miss_missing_episode_start_date,miss_missing_episode_type,"
                "miss_missing_episode_end_date,miss_missing_rhi_offered,miss_missing_rhi_accepted\n"
                "M1,0001,2023-08-01 00:00:00.000,M,NULL,Y,N\n"
            ),
            "ssd_address.csv": (
                "addr_table_id,addr_person_id,addr_address_type,addr_address_start_date,addr_address_end_date,"
                "addr_address_postcode,addr_address_json\n"
                'A1,0001,Home,2020-01-01,,AB12 3CD,"{""line1"": ""1 High Street""}"\n'
            ),
            "ssd_s251_finance.csv": (
                "s251_table_id,s251_cla_placement_id,s251_placeholder_1,s251_placeholder_2,s251_placeholder_3,"
                "s251_placeholder_4\n"
            ),
        },
    )
    loaded = load(batch, tmp_path / "wh")
    assert [(f.table_name, f.status) for f in loaded.files if f.file_name] == [
        ("ssd_address", "loaded"),
        ("ssd_missing", "loaded"),
        ("ssd_s251_finance", "loaded"),
    ]
    wh = tmp_path / "wh"
    assert query(wh, "SELECT * EXCLUDE (_batch_id, _source_file, _row_number) FROM staging.ssd_missing") == [
        ("M1", "0001", D(2023, 8, 1), "M", None, True, False)
    ]
    # Past raw only the postcode sector: the full address stays in raw.
    assert query(wh, "SELECT addr_address_postcode, addr_address_json FROM staging.ssd_address") == [("AB12 3", None)]
    assert query(wh, "SELECT addr_address_json FROM raw.ssd_address") == [('{"line1": "1 High Street"}',)]
    undescribed = query(
        wh,
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE schema_name IN ('raw', 'staging') "
        "AND table_name LIKE 'ssd%' AND comment IS NULL",
    )
    assert undescribed == []


# ---- values as the SSD writes them, and person ids derived ----------------------------------------------------


def ssd_file(system: str, name: str, *rows: dict[str, str]) -> str:
    """A table's file as a system's build writes it: its whole header, the given values, the rest NULL."""
    header = SYSTEMS[system].columns(name)
    lines = [",".join(header)]
    for row in rows:
        unknown = set(row) - set(header)
        assert not unknown, unknown
        lines.append(",".join(row.get(c, "NULL") for c in header))
    return "\r\n".join(lines) + "\r\n"


def test_values_as_the_liquidlogic_build_writes_them_map_to_codes(tmp_path):
    episodes = ssd_file(
        "la-release",
        "ssd_cla_episodes",
        {
            "clae_cla_episode_id": "E1",
            "clae_person_id": "0001",
            "clae_cla_episode_start_date": "2022-01-01 00:00:00.000",
            "clae_cla_episode_start_reason": "Started to be looked-after",
            "clae_cla_episode_ceased": "2022-06-01 00:00:00.000",
            "clae_cla_episode_ceased_reason": '"Episode ceases, and new episode begins on same day, for any reason"',
            "clae_cla_id": "C1",
        },
        {
            "clae_cla_episode_id": "E2",
            "clae_person_id": "0001",
            "clae_cla_episode_start_date": "2022-06-01 00:00:00.000",
            "clae_cla_episode_start_reason": "Change of placement and carer(s) only",
            "clae_cla_id": "C1",
        },
    )
    reviews = ssd_file(
        "eclipse",
        "ssd_cla_reviews",
        {
            "clar_cla_review_id": "R1",
            "clar_cla_id": "C1",
            "clar_cla_review_date": "2022-01-20 00:00:00",
            "clar_cla_review_participation": "Child physically attends and speaks for him or herself (Attendance).",
        },
        {
            "clar_cla_review_id": "R2",
            "clar_cla_id": "C1",
            "clar_cla_review_date": "2022-04-20 00:00:00",
            "clar_cla_review_participation": "CHILD AGED UNDER 4 AT THE TIME OF THE REVIEW",
        },
    )
    leaver = {"clea_care_leaver_latest_contact": "2023-08-01 00:00:00.000"}
    leavers = ssd_file(
        "systemc",
        "ssd_care_leavers",
        leaver
        | {
            "clea_table_id": "6F9619FF-8B86-D011-B42D-00C04FC964FF",
            "clea_person_id": "0002",
            "clea_care_leaver_eligibility": "No Current Eligibility",
            "clea_care_leaver_accommodation": "Independent living",
            "clea_care_leaver_accom_suitable": "Suitable",
            "clea_care_leaver_activity": "Young person engaged full time in higher education (for example studies "
            "beyond A level)",
        },
        leaver
        | {
            "clea_table_id": "7F9619FF-8B86-D011-B42D-00C04FC964FF",
            "clea_person_id": "0003",
            "clea_care_leaver_eligibility": "Former relevant",
            "clea_care_leaver_accommodation": "Bed and breakfast",
            "clea_care_leaver_accom_suitable": "Not suitable",
            "clea_care_leaver_activity": '"Young person not in education, employment or training: other circumstances"',
        },
        leaver
        | {
            "clea_table_id": "8F9619FF-8B86-D011-B42D-00C04FC964FF",
            "clea_person_id": "0004",
            "clea_care_leaver_eligibility": "Relevant",
            "clea_care_leaver_accommodation": "U1",
            "clea_care_leaver_activity": "F3",
        },
    )
    batch = write_batch(
        tmp_path / "b",
        {"ssd_cla_episodes.csv": episodes, "ssd_cla_reviews.csv": reviews, "ssd_care_leavers.csv": leavers},
    )
    loaded = load(batch, tmp_path / "wh")
    assert [(f.table_name, f.status) for f in loaded.files if f.file_name] == [
        ("ssd_care_leavers", "loaded"),
        ("ssd_cla_episodes", "loaded"),
        ("ssd_cla_reviews", "loaded"),
    ]
    assert file_of(loaded, "ssd_cla_reviews").columns_derived == ["clar_cla_person_id"]
    assert file_of(loaded, "ssd_cla_episodes").columns_renamed == [
        "clae_cla_episode_ceased -> clae_cla_episode_ceased_date"
    ]
    wh = tmp_path / "wh"
    assert query(
        wh,
        "SELECT clae_cla_episode_start_reason, clae_cla_episode_ceased_date, clae_cla_episode_ceased_reason "
        "FROM staging.ssd_cla_episodes ORDER BY 1 DESC",
    ) == [("S", D(2022, 6, 1), "X1"), ("P", None, None)]
    # The Eclipse and v1.2.4 reviews have no person: the period of care's child is theirs.
    assert query(
        wh, "SELECT clar_cla_review_id, clar_cla_person_id, clar_cla_review_participation FROM staging.ssd_cla_reviews"
    ) == [("R1", "0001", "PN1"), ("R2", "0001", "PN0")]
    assert query(
        wh,
        "SELECT clea_person_id, clea_care_leaver_eligibility, clea_care_leaver_accommodation, "
        "clea_care_leaver_activity FROM staging.ssd_care_leavers ORDER BY 1",
    ) == [
        ("0002", "No Current Eligibility", "U1", "F1"),
        ("0003", "Former relevant", "W2", "G5"),
        ("0004", "Relevant", "U1", "F3"),
    ]
    assert query(wh, "SELECT sum(unmapped) FROM staging.cleaning_summary") == [(0,)]
    assert query(
        wh,
        "SELECT table_name, column_name, values_derived FROM staging.cleaning_summary WHERE values_derived > 0",
    ) == [("ssd_cla_reviews", "clar_cla_person_id", 2)]


def test_mosaic_person_ids_are_derived_from_the_rows_they_refer_to(tmp_path):
    m = "mosaic"
    files = {
        "ssd_cin_episodes": ssd_file(m, "ssd_cin_episodes", {"cine_referral_id": "9001", "cine_person_id": "P1"}),
        "ssd_cp_plans": ssd_file(m, "ssd_cp_plans", {"cppl_cp_plan_id": "501", "cppl_person_id": "P2"}),
        "ssd_cla_episodes": ssd_file(
            m,
            "ssd_cla_episodes",
            {"clae_cla_episode_id": "E1", "clae_person_id": "P3", "clae_cla_id": "C7"},
            {"clae_cla_episode_id": "E2", "clae_person_id": "P3", "clae_cla_id": "C7"},
        ),
        "ssd_involvements": ssd_file(
            m,
            "ssd_involvements",
            {"invo_involvements_id": "I1", "invo_referral_id": "9001"},
            {"invo_involvements_id": "I2"},
            {"invo_involvements_id": "I3", "invo_referral_id": "9999"},
        ),
        "ssd_cin_visits": ssd_file(m, "ssd_cin_visits", {"cinv_cin_visit_id": "V1", "cinv_cin_plan_id": "9001"}),
        "ssd_cp_visits": ssd_file(m, "ssd_cp_visits", {"cppv_cp_visit_id": "1", "cppv_cp_plan_id": "501"}),
        "ssd_cp_reviews": ssd_file(m, "ssd_cp_reviews", {"cppr_cp_review_id": "1", "cppr_cp_plan_id": "501"}),
        "ssd_cla_placement": ssd_file(m, "ssd_cla_placement", {"clap_cla_placement_id": "PL1", "clap_cla_id": "C7"}),
        "ssd_cin_plans": ssd_file(m, "ssd_cin_plans", {"cin_plan_id": "CINP1", "cinp_person_id": "P1"}),
    }
    batch = write_batch(tmp_path / "b", {f"{name}_2023-08-31.csv": text for name, text in files.items()})
    loaded = load(batch, tmp_path / "wh")
    shapes = {f.table_name: (f.status, f.export_shape) for f in loaded.files if f.file_name}
    for name in ("ssd_cp_visits", "ssd_cp_reviews", "ssd_cin_plans", "ssd_involvements", "ssd_cin_visits"):
        assert shapes[name] == ("loaded", "mosaic"), name
    assert {status for status, _ in shapes.values()} == {"loaded"}
    wh = tmp_path / "wh"
    # I2 has no referral and I3's is not in the export: their child cannot be known (ALL-004 reports them).
    assert query(wh, "SELECT invo_involvements_id, invo_person_id FROM staging.ssd_involvements ORDER BY 1") == [
        ("I1", "P1"),
        ("I2", None),
        ("I3", None),
    ]
    assert query(wh, "SELECT cinv_person_id, cinv_cin_plan_id FROM staging.ssd_cin_visits") == [("P1", "9001")]
    assert query(wh, "SELECT cppv_person_id FROM staging.ssd_cp_visits") == [("P2",)]
    assert query(wh, "SELECT cppr_person_id, cppr_cp_review_meeting_id FROM staging.ssd_cp_reviews") == [("P2", None)]
    assert query(wh, "SELECT clap_person_id FROM staging.ssd_cla_placement") == [("P3",)]
    assert query(wh, "SELECT cinp_cin_plan_id FROM staging.ssd_cin_plans") == [("CINP1",)]
    assert query(wh, "SELECT columns_renamed FROM raw.load_manifest WHERE table_name = 'ssd_cin_plans'") == [
        (["cin_plan_id -> cinp_cin_plan_id"],)
    ]


def test_the_extract_date_comes_from_file_stamps_else_the_ready_marker(tmp_path):
    person = "pers_person_id,pers_dob\n1,2015-01-01\n"
    stamped = write_batch(tmp_path / "a", {"ssd_person_20230831.csv": person})
    assert read_batch(stamped).extract_date == D(2023, 8, 31)
    for marker, expected in (
        ("2024-03-31\n", D(2024, 3, 31)),
        ("31/03/2024", D(2024, 3, 31)),
        ('{"as_of": "2024-03-31", "scale": "la"}', D(2024, 3, 31)),
        ("", None),
        ("written by the nightly job", None),
    ):
        folder = write_batch(tmp_path / f"m{len(marker)}", {"ssd_person.csv": person})
        (folder / "_READY").write_text(marker)
        assert read_batch(folder).extract_date == expected, marker
