"""Ingest: batch files into raw as received, then typed and cleaned staging. Tiny inline files throughout."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import pytest

from declarations.contract import TABLES
from tests.conftest import write_batch
from warehouse.batch import BatchError, read_batch
from warehouse.raw import load_batch
from warehouse.staging import build_staging

D = dt.date

CP_VISITS_HEADER = (
    "cppv_cp_visit_id,cppv_person_id,cppv_cp_plan_id,cppv_cp_visit_date,cppv_cp_visit_seen,"
    "cppv_cp_visit_seen_alone,cppv_cp_visit_bedroom\n"
)
PERSON_HEADER = (
    "pers_person_id,pers_legacy_id,pers_upn,pers_forename,pers_surname,pers_sex,pers_gender,pers_ethnicity,"
    "pers_dob,pers_single_unique_id,pers_upn_unknown,pers_send_flag,pers_expected_dob,pers_death_date,"
    "pers_is_mother,pers_nationality\n"
)
CP_PLANS_HEADER = (
    "cppl_cp_plan_id,cppl_referral_id,cppl_icpc_id,cppl_person_id,cppl_cp_plan_start_date,cppl_cp_plan_end_date,"
    "cppl_cp_plan_ola,cppl_cp_plan_initial_category,cppl_cp_plan_latest_category\n"
)


def load(batch: Path, warehouse: Path, **kw):
    con = duckdb.connect(str(warehouse / "warehouse.duckdb"))
    try:
        b = read_batch(batch, **kw)
        loaded = load_batch(con, b, work_dir=warehouse / "tmp")
        staged = build_staging(con, b.batch_id)
    finally:
        con.close()
    return loaded, staged


def query(warehouse: Path, sql: str):
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def status_of(loaded, table: str):
    return next(f for f in loaded.files if f.table_name == table)


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    (tmp_path / "wh").mkdir()
    return tmp_path / "wh"


def test_windows_1252_file_with_uk_dates_loads_correctly(tmp_path, wh):
    person = (
        PERSON_HEADER
        + "0001,,,Zoë,O’Brien,F,,WBRI,31/08/2015,,,,,,N,British\n"
        + "0002,,,Renée,Smith,F,,WBRI,01/02/2010 00:00:00,,,,,01/09/2023,,\n"
    ).encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        person.decode("utf-8")
    batch = write_batch(tmp_path / "b", {"ssd_person.csv": person})
    loaded, _ = load(batch, wh)
    assert status_of(loaded, "ssd_person").encoding == "windows-1252"
    rows = query(
        wh, "SELECT pers_person_id, pers_forename, pers_surname, pers_dob, pers_death_date FROM staging.ssd_person"
    )
    assert rows == [
        ("0001", "Zoë", "O’Brien", D(2015, 8, 31), None),
        ("0002", "Renée", "Smith", D(2010, 2, 1), D(2023, 9, 1)),
    ]


def test_undefined_windows_1252_bytes_are_kept_not_lost(tmp_path, wh):
    person = (PERSON_HEADER + "1,,,Ab").encode() + b"\x81" + b"c,Smith,F,,,2015-01-01,,,,,,,\n"
    loaded, _ = load(write_batch(tmp_path / "b", {"ssd_person.csv": person}), wh)
    assert query(wh, "SELECT pers_forename FROM raw.ssd_person") == [("Ab\x81c",)]


def test_dates_in_every_export_format_and_sentinels_become_null(tmp_path, wh):
    visits = CP_VISITS_HEADER + (
        "V1,P1,CP1,2023-08-31,Y,N,NULL\n"
        "V2,P1,CP1,31/08/2023,y,n,\n"
        "V3,P1,CP1,2023-08-31 14:30:00.000,Yes,No,N\n"
        "V4,P1,CP1,1900-01-01,Y,Y,Y\n"
        "V5,P1,CP1,01/01/1900 00:00:00,Y,Y,Y\n"
        "V6,P1,,NULL,Y,Y,Y\n"
    )
    load(write_batch(tmp_path / "b", {"ssd_cp_visits.csv": visits}), wh)
    rows = query(
        wh,
        "SELECT cppv_cp_visit_id, cppv_cp_plan_id, cppv_cp_visit_date, cppv_cp_visit_seen, cppv_cp_visit_seen_alone,"
        " cppv_cp_visit_bedroom FROM staging.ssd_cp_visits ORDER BY 1",
    )
    assert rows == [
        ("V1", "CP1", D(2023, 8, 31), True, False, None),
        ("V2", "CP1", D(2023, 8, 31), True, False, None),
        ("V3", "CP1", D(2023, 8, 31), True, False, False),
        ("V4", "CP1", None, True, True, True),
        ("V5", "CP1", None, True, True, True),
        ("V6", None, None, True, True, True),
    ]
    sentinels = query(
        wh,
        "SELECT sentinels_normalised FROM staging.cleaning_summary WHERE column_name = 'cppv_cp_visit_date'",
    )
    assert sentinels == [(2,)]
    # a sentinel is the extract's way of writing "none", not a rejected value
    assert query(wh, "SELECT count(*) FROM staging.rejected_values") == [(0,)]


def test_minus_one_means_no_worker_or_team_but_ids_stay_text(tmp_path, wh):
    involvements = (
        "invo_involvements_id,invo_professional_id,invo_professional_role_id,invo_professional_team,"
        "invo_person_id,invo_involvement_start_date,invo_involvement_end_date,invo_worker_change_reason,"
        "invo_referral_id\n"
        "-1,-1,SW,-1,000123,2023-01-01,,,0042\n"
        "00017,W9,SW,T1,000124,2023-01-01,,,\n"
    )
    load(write_batch(tmp_path / "b", {"ssd_involvements.csv": involvements}), wh)
    rows = query(
        wh,
        "SELECT invo_involvements_id, invo_professional_id, invo_professional_team, invo_person_id, invo_referral_id "
        "FROM staging.ssd_involvements ORDER BY invo_person_id",
    )
    # a primary key of -1 is a real id (it is not a reference to "no worker")
    assert rows == [("-1", None, None, "000123", "0042"), ("00017", "W9", "T1", "000124", None)]
    assert query(wh, "SELECT typeof(invo_person_id) FROM staging.ssd_involvements LIMIT 1") == [("VARCHAR",)]


def test_descriptions_map_to_codes_and_unmapped_values_are_kept_and_counted(tmp_path, wh):
    plans = CP_PLANS_HEADER + (
        "CP1,R1,I1,P1,2023-01-01,,N,Neglect,NEG\n"
        "CP2,R2,I2,P2,2023-01-01,,N,  physical   ABUSE ,emo\n"
        "CP3,R3,I3,P3,2023-01-01,,N,Other - see case notes,MUL\n"
    )
    _, staged = load(write_batch(tmp_path / "b", {"ssd_cp_plans.csv": plans}), wh)
    rows = query(
        wh,
        "SELECT cppl_cp_plan_initial_category, cppl_cp_plan_latest_category FROM staging.ssd_cp_plans ORDER BY 1",
    )
    assert rows == [("NEG", "NEG"), ("Other - see case notes", "MUL"), ("PHY", "EMO")]
    assert staged.unmapped_codes == 1
    mapped = query(
        wh,
        "SELECT descriptions_mapped, unmapped FROM staging.cleaning_summary "
        "WHERE column_name = 'cppl_cp_plan_initial_category'",
    )
    assert mapped == [(2, 1)]
    assert query(wh, "SELECT received_value, code FROM staging.code_mappings WHERE code IS NULL") == [
        ("Other - see case notes", None)
    ]


def test_invalid_json_and_long_ids_are_kept_as_text(tmp_path, wh):
    long_id = "X" * 48
    contacts = (
        "cont_contact_id,cont_person_id,cont_contact_date,cont_contact_source_code,cont_contact_source_desc,"
        "cont_contact_outcome_json,cont_contact_outcome_date\n"
        f'{long_id},P1,2023-08-01,1A,Police,"{{""outcome"": ""NFA""",2023-08-01\n'
    )
    load(write_batch(tmp_path / "b", {"ssd_contacts.csv": contacts}), wh)
    assert query(wh, "SELECT cont_contact_id, cont_contact_outcome_json FROM staging.ssd_contacts") == [
        (long_id, '{"outcome": "NFA"')
    ]


def test_values_that_do_not_parse_are_listed_with_file_row_and_column(tmp_path, wh):
    visits = (
        CP_VISITS_HEADER + "V1,P1,CP1,2023-08-31,Y,N,N\nV2,P1,CP1,2023-02-30,maybe,N,N\nV3,P1,CP1,31-08-2023,Y,N,N\n"
    )
    _, staged = load(write_batch(tmp_path / "b", {"ssd_cp_visits_20230831.csv": visits}), wh)
    rejected = query(
        wh,
        "SELECT source_file, row_number, record_id, column_name, value FROM staging.rejected_values ORDER BY 2, 4",
    )
    assert rejected == [
        ("ssd_cp_visits_20230831.csv", 2, "V2", "cppv_cp_visit_date", "2023-02-30"),
        ("ssd_cp_visits_20230831.csv", 2, "V2", "cppv_cp_visit_seen", "maybe"),
        ("ssd_cp_visits_20230831.csv", 3, "V3", "cppv_cp_visit_date", "31-08-2023"),
    ]
    assert staged.values_rejected == 3
    # the rows themselves are kept, with the bad value as NULL
    assert staged.rows["ssd_cp_visits"] == 3


def test_loading_the_same_batch_twice_adds_nothing(tmp_path, wh):
    batch = write_batch(tmp_path / "b", {"ssd_cp_visits.csv": CP_VISITS_HEADER + "V1,P1,CP1,2023-08-31,Y,N,N\n"})
    first, _ = load(batch, wh)
    counts = "SELECT (SELECT count(*) FROM raw.ssd_cp_visits), (SELECT count(*) FROM raw.load_manifest), "
    counts += "(SELECT count(*) FROM raw.load_batches), (SELECT count(*) FROM staging.ssd_cp_visits)"
    before = query(wh, counts)
    second, staged = load(batch, wh)
    assert not first.already_loaded and second.already_loaded and not staged.rebuilt
    assert query(wh, counts) == before == [(1, len(TABLES), 1, 1)]
    # the same files copied to another folder are the same batch
    import shutil

    shutil.copytree(batch, tmp_path / "copy")
    third, _ = load(tmp_path / "copy", wh)
    assert third.already_loaded and query(wh, counts) == before


def test_a_new_batch_replaces_staging_and_raw_keeps_recent_batches(tmp_path, wh):
    for night, n in ((1, 1), (2, 2), (3, 3)):
        rows = "".join(f"V{i},P1,CP1,2023-08-0{night},Y,N,N\n" for i in range(n))
        load(write_batch(tmp_path / f"b{night}", {"ssd_cp_visits.csv": CP_VISITS_HEADER + rows}), wh)
    assert query(wh, "SELECT count(*) FROM staging.ssd_cp_visits") == [(3,)]
    # two batches kept in raw by default: nights 2 and 3
    assert query(wh, "SELECT count(*), count(DISTINCT _batch_id) FROM raw.ssd_cp_visits") == [(5, 2)]


def test_batch_without_ready_marker_or_with_partial_files_is_not_loaded(tmp_path, wh):
    visits = {"ssd_cp_visits.csv": CP_VISITS_HEADER + "V1,P1,CP1,2023-08-31,Y,N,N\n"}
    unmarked = write_batch(tmp_path / "b", visits, ready=False)
    with pytest.raises(BatchError, match="no _READY marker"):
        read_batch(unmarked)
    assert read_batch(unmarked, require_marker=False).files
    partial = write_batch(tmp_path / "p", {**visits, ".ssd_person.csv.part": "pers_person_id\n"})
    with pytest.raises(BatchError, match="still being written"):
        read_batch(partial)
    assert not (wh / "warehouse.duckdb").exists()


def test_a_file_changed_while_loading_aborts_the_whole_batch(tmp_path, wh):
    batch_path = write_batch(tmp_path / "b", {"ssd_cp_visits.csv": CP_VISITS_HEADER + "V1,P1,CP1,2023-08-31,Y,N,N\n"})
    batch = read_batch(batch_path)
    # the exporter appends a row after the batch was fingerprinted
    with (batch_path / "ssd_cp_visits.csv").open("a") as fh:
        fh.write("V2,P1,CP1,2023-08-31,Y,N,N\n")
    con = duckdb.connect(str(wh / "warehouse.duckdb"))
    with pytest.raises(BatchError, match="changed while the batch was being loaded"):
        load_batch(con, batch, work_dir=wh / "tmp")
    assert con.execute("SELECT count(*) FROM raw.ssd_cp_visits").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM raw.load_batches").fetchone() == (0,)
    con.close()


def test_malformed_rows_are_rejected_with_line_and_reason_and_the_rest_loads(tmp_path, wh):
    visits = CP_VISITS_HEADER + (
        "V1,P1,CP1,2023-08-01,Y,N,N\n"
        "V2,P1,CP1,2023-08-02,Y,N\n"  # a column short
        "V3,P1,CP1,2023-08-03,Y,N,N,extra\n"  # one too many
        "V4,P1,CP1,2023-08-04,Y,N,N\n"
    )
    person = PERSON_HEADER + "P1,,,A,B,F,,,2015-01-01,,,,,,,\n"
    loaded, staged = load(write_batch(tmp_path / "b", {"ssd_cp_visits.csv": visits, "ssd_person.csv": person}), wh)
    cp = status_of(loaded, "ssd_cp_visits")
    assert (cp.status, cp.rows_loaded, cp.rows_rejected) == ("loaded_with_rejects", 2, 2)
    assert "ssd_cp_visits.csv: 2 row(s) rejected, first at line 3" in cp.message
    assert status_of(loaded, "ssd_person").status == "loaded"
    rejects = query(wh, "SELECT file_name, line, error_type, received_line FROM raw.load_rejects ORDER BY line")
    assert rejects == [
        ("ssd_cp_visits.csv", 3, "MISSING COLUMNS", "V2,P1,CP1,2023-08-02,Y,N"),
        ("ssd_cp_visits.csv", 4, "TOO MANY COLUMNS", "V3,P1,CP1,2023-08-03,Y,N,N,extra"),
    ]
    # good rows keep their place in the file
    assert query(wh, "SELECT cppv_cp_visit_id, _row_number FROM raw.ssd_cp_visits ORDER BY 2") == [
        ("V1", 1),
        ("V4", 4),
    ]
    assert staged.rows["ssd_cp_visits"] == 2 and staged.rows["ssd_person"] == 1


def test_a_file_missing_a_required_column_fails_alone_and_its_rows_are_kept_in_raw(tmp_path, wh):
    header = CP_VISITS_HEADER.replace("cppv_cp_visit_seen,", "")
    visits = header + "V1,P1,CP1,2023-08-01,N,N\n"
    person = PERSON_HEADER + "P1,,,A,B,F,,,2015-01-01,,,,,,,\n"
    loaded, staged = load(write_batch(tmp_path / "b", {"ssd_cp_visits.csv": visits, "ssd_person.csv": person}), wh)
    cp = status_of(loaded, "ssd_cp_visits")
    assert cp.status == "failed"
    assert cp.message.startswith("ssd_cp_visits.csv: line 1 (header): required column cppv_cp_visit_seen missing")
    assert status_of(loaded, "ssd_person").status == "loaded"
    assert query(wh, "SELECT cppv_cp_visit_id, cppv_cp_visit_seen FROM raw.ssd_cp_visits") == [("V1", None)]
    assert staged.rows["ssd_cp_visits"] == 0 and staged.rows["ssd_person"] == 1


def test_empty_and_header_only_files_fail_with_a_clear_message(tmp_path, wh):
    batch = write_batch(tmp_path / "b", {"ssd_cp_visits.csv": "", "ssd_person.csv": PERSON_HEADER})
    loaded, _ = load(batch, wh)
    assert status_of(loaded, "ssd_cp_visits").message == "ssd_cp_visits.csv: the file is empty (0 bytes)"
    assert status_of(loaded, "ssd_person").message == "ssd_person.csv: has a header but no data rows"


def test_unreadable_parquet_fails_and_a_good_parquet_loads(tmp_path, wh):
    good = tmp_path / "good.parquet"
    with duckdb.connect() as con:
        con.execute(
            "COPY (SELECT '007' AS PERS_PERSON_ID, DATE '2015-03-01' AS pers_dob, 'x' AS something_else) "
            f"TO '{good}' (FORMAT parquet)"
        )
    batch = write_batch(
        tmp_path / "b", {"ssd_person.parquet": good.read_bytes(), "ssd_cp_visits.parquet": b"not parquet at all"}
    )
    loaded, _ = load(batch, wh)
    cp = status_of(loaded, "ssd_cp_visits")
    assert cp.status == "failed" and cp.message.startswith("ssd_cp_visits.parquet: cannot be read")
    person = status_of(loaded, "ssd_person")
    # a parquet file lacking contract columns fails, but its rows are kept in raw with the extra column
    assert person.status == "failed" and "pers_legacy_id" in person.message
    assert query(wh, "SELECT pers_person_id, pers_dob, _extra_columns FROM raw.ssd_person") == [
        ("007", "2015-03-01", {"something_else": "x"})
    ]


def test_missing_ambiguous_and_unexpected_files_are_reported(tmp_path, wh):
    row = CP_VISITS_HEADER + "V1,P1,CP1,2023-08-01,Y,N,N\n"
    batch = write_batch(
        tmp_path / "b",
        {"ssd_cp_visits_20230830.csv": row, "ssd_cp_visits_20230831.csv": row, "notes.txt": "hello"},
    )
    loaded, _ = load(batch, wh)
    cp = status_of(loaded, "ssd_cp_visits")
    assert cp.status == "failed" and "2 files for ssd_cp_visits" in cp.message
    assert status_of(loaded, "ssd_person").status == "missing"
    ignored = [f for f in loaded.files if f.status == "ignored"]
    assert [f.file_name for f in ignored] == ["notes.txt"]
    assert (tmp_path / "b" / "notes.txt").exists()


def test_extra_columns_are_kept_in_raw_and_headers_match_whatever_their_case(tmp_path, wh):
    header = CP_VISITS_HEADER.upper().replace("\n", ",system_note\n")
    load(write_batch(tmp_path / "b", {"ssd_cp_visits.csv": header + "V1,P1,CP1,2023-08-01,Y,N,N,hello\n"}), wh)
    assert query(wh, "SELECT cppv_cp_visit_id, _extra_columns FROM raw.ssd_cp_visits") == [
        ("V1", {"system_note": "hello"})
    ]
    assert query(wh, "SELECT cppv_cp_visit_date FROM staging.ssd_cp_visits") == [(D(2023, 8, 1),)]


def test_utf8_bom_and_crlf_line_endings(tmp_path, wh):
    visits = ("\ufeff" + CP_VISITS_HEADER + "V1,P1,CP1,2023-08-01,Y,N,N\n").replace("\n", "\r\n")
    loaded, _ = load(write_batch(tmp_path / "b", {"ssd_cp_visits.csv": visits}), wh)
    assert status_of(loaded, "ssd_cp_visits").status == "loaded"
    assert query(wh, "SELECT cppv_cp_visit_id, cppv_cp_visit_bedroom FROM staging.ssd_cp_visits") == [("V1", False)]


def test_load_metadata_is_recorded(tmp_path, wh):
    batch = write_batch(tmp_path / "b", {"ssd_cp_visits.csv": CP_VISITS_HEADER + "V1,P1,CP1,2023-08-01,Y,N,N\n"})
    load(batch, wh)
    import hashlib

    sha = hashlib.sha256((batch / "ssd_cp_visits.csv").read_bytes()).hexdigest()
    assert query(
        wh, "SELECT _source_file, _row_number, _file_sha256, _loaded_at IS NOT NULL FROM raw.ssd_cp_visits"
    ) == [("ssd_cp_visits.csv", 1, sha, True)]
    assert query(
        wh, "SELECT file_sha256, rows_loaded, status FROM raw.load_manifest WHERE table_name = 'ssd_cp_visits'"
    ) == [(sha, 1, "loaded")]
    comments = query(
        wh, "SELECT comment FROM duckdb_tables() WHERE schema_name = 'staging' AND table_name = 'ssd_cp_visits'"
    )
    assert "often blank" in comments[0][0]
    assert os.path.exists(wh / "warehouse.duckdb")


def test_row_numbers_follow_the_file_on_a_file_read_in_parallel(tmp_path, wh):
    n = 300_000
    lines = [f"V{i},P{i % 97},CP1,2023-08-01,Y,N,N\n" for i in range(1, n + 1)]
    lines[150_000] = "broken,row\n"  # data row 150,001
    load(write_batch(tmp_path / "b", {"ssd_cp_visits.csv": CP_VISITS_HEADER + "".join(lines)}), wh)
    # every accepted row's number is the number in its id; the rejected one is on line 150,002
    assert query(
        wh, "SELECT count(*), count(*) FILTER (WHERE cppv_cp_visit_id = 'V' || _row_number) FROM raw.ssd_cp_visits"
    ) == [(n - 1, n - 1)]
    assert query(wh, "SELECT DISTINCT line FROM raw.load_rejects") == [(150_002,)]


def test_the_warehouse_connection_takes_duckdbs_memory_limit_and_threads_from_the_settings(tmp_path, monkeypatch):
    from declarations.settings import settings
    from warehouse.db import connect

    monkeypatch.setenv("CSC_DUCKDB_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("CSC_DUCKDB_THREADS", "1")
    settings.cache_clear()
    try:
        with connect(tmp_path) as con:
            limit, threads = con.execute(
                "SELECT current_setting('memory_limit'), current_setting('threads')"
            ).fetchall()[0]
    finally:
        settings.cache_clear()
    assert (limit, threads) == ("953.6 MiB", 1)  # DuckDB shows 1 GB (10^9 bytes) in MiB


def test_symbolic_links_are_never_followed_out_of_a_batch(tmp_path, wh):
    """A file linked to /etc/passwd, or a batch folder that is itself a link, is refused before anything is read."""
    visits = {"ssd_cp_visits.csv": CP_VISITS_HEADER + "V1,P1,CP1,2023-08-31,Y,N,N\n"}
    batch = write_batch(tmp_path / "b", visits)
    (batch / "ssd_person.csv").symlink_to("/etc/passwd")
    with pytest.raises(BatchError, match=r"ssd_person.csv: symbolic link\(s\), never followed"):
        read_batch(batch)
    linked = tmp_path / "linked"
    linked.symlink_to(write_batch(tmp_path / "elsewhere", visits), target_is_directory=True)
    with pytest.raises(BatchError, match="a symbolic link, not followed"):
        read_batch(linked)
    assert not (wh / "warehouse.duckdb").exists()


def test_dates_outside_what_a_record_can_carry_are_rejected_with_the_reason(tmp_path, wh):
    visits = CP_VISITS_HEADER + (
        "V1,P1,CP1,1900-01-01,Y,N,N\nV2,P1,CP1,1899-12-31,Y,N,N\nV3,P1,CP1,2100-12-31,Y,N,N\n"
        "V4,P1,CP1,9999-12-31 00:00:00.000,Y,N,N\nV5,P1,CP1,2101-01-01,Y,N,N\n"
    )
    load(write_batch(tmp_path / "b", {"ssd_cp_visits.csv": visits}), wh)
    assert query(wh, "SELECT record_id, value, reason FROM staging.rejected_values ORDER BY 1") == [
        (v, d, "a date outside the dates a record can carry (1900-01-01 to 2100-12-31)")
        for v, d in (("V2", "1899-12-31"), ("V4", "9999-12-31 00:00:00.000"), ("V5", "2101-01-01"))
    ]
    # 1900-01-01 is the SSD's "no date"; the last day a record can carry is kept
    assert query(wh, "SELECT cppv_cp_visit_id, cppv_cp_visit_date FROM staging.ssd_cp_visits ORDER BY 1") == [
        ("V1", None),
        ("V2", None),
        ("V3", dt.date(2100, 12, 31)),
        ("V4", None),
        ("V5", None),
    ]


def test_the_as_of_date_comes_from_the_batch_and_is_refused_when_implausible(tmp_path):
    from warehouse.batch import decide_as_of

    visits = {"ssd_cp_visits.csv": CP_VISITS_HEADER + "V1,P1,CP1,2023-08-31,Y,N,N\n"}
    today, published = dt.date(2023, 9, 1), dt.date(2023, 7, 31)
    undated = read_batch(write_batch(tmp_path / "night", visits))
    with pytest.raises(BatchError, match="no extract date"):
        decide_as_of(undated, None, published, today)  # never today by default
    assert decide_as_of(undated, dt.date(2023, 8, 31), published, today) == dt.date(2023, 8, 31)
    named = read_batch(write_batch(tmp_path / "ssd_2023-08-31", visits))
    assert decide_as_of(named, None, published, today) == dt.date(2023, 8, 31)
    marked = write_batch(tmp_path / "marked", visits)
    (marked / "_READY").write_text("31/08/2023\n")
    assert decide_as_of(read_batch(marked), None, None, today) == dt.date(2023, 8, 31)
    future = read_batch(write_batch(tmp_path / "f", {"ssd_cp_visits_20991231.csv": visits["ssd_cp_visits.csv"]}))
    with pytest.raises(BatchError, match=r"2099-12-31 \(from the files' date stamps\) is in the future"):
        decide_as_of(future, None, published, today)
    older = read_batch(write_batch(tmp_path / "o", {"ssd_cp_visits_20230630.csv": visits["ssd_cp_visits.csv"]}))
    with pytest.raises(BatchError, match="older than the figures already published"):
        decide_as_of(older, None, published, today)
    assert decide_as_of(older, None, dt.date(2023, 6, 30), today) == dt.date(2023, 6, 30)  # the same night again


def test_parquet_columns_are_checked_against_their_declared_kinds(tmp_path, wh):
    """An id stored as a number has lost its leading zeros, a list or struct is no date: the file fails, naming the
    columns, and its rows are kept in raw as text; a file whose types fit loads."""
    columns = [c for c in PERSON_HEADER.strip().split(",")]
    typed = {"pers_dob": "DATE '2015-03-01'", "pers_is_mother": "false", "pers_death_date": "NULL::TIMESTAMP"}
    fits = ", ".join(
        f"{typed.get(c, repr('007') if c == 'pers_person_id' else 'NULL::VARCHAR')} AS {c}" for c in columns
    )
    wrong = (
        fits.replace("'007' AS pers_person_id", "7 AS pers_person_id")
        .replace("DATE '2015-03-01' AS pers_dob", "[DATE '2015-03-01'] AS pers_dob")
        .replace("NULL::TIMESTAMP AS pers_death_date", "{'d': 1} AS pers_death_date")
    )
    for name, select in (("fits", fits), ("wrong", wrong)):
        with duckdb.connect() as con:
            con.execute(f"COPY (SELECT {select}) TO '{tmp_path / name}.parquet' (FORMAT parquet)")
    loaded, _ = load(
        write_batch(tmp_path / "good", {"ssd_person.parquet": (tmp_path / "fits.parquet").read_bytes()}), wh
    )
    assert status_of(loaded, "ssd_person").status == "loaded"
    assert query(wh, "SELECT pers_person_id, pers_dob FROM staging.ssd_person") == [("007", dt.date(2015, 3, 1))]

    wh2 = tmp_path / "wh2"
    wh2.mkdir()
    loaded, _ = load(
        write_batch(tmp_path / "bad", {"ssd_person.parquet": (tmp_path / "wrong.parquet").read_bytes()}), wh2
    )
    person = status_of(loaded, "ssd_person")
    assert person.status == "failed"
    assert "column pers_person_id is stored as INTEGER: ids are text (a number loses leading zeros)" in person.message
    assert "column pers_dob is stored as DATE[]: the column holds a date" in person.message
    assert "column pers_death_date is stored as STRUCT(d INTEGER)" in person.message
    assert query(wh2, "SELECT pers_person_id, pers_dob FROM raw.ssd_person") == [("7", "[2015-03-01]")]


def test_encoding_is_decided_line_by_line_never_garbling_the_rest(tmp_path, wh):
    """One Windows-1252 byte in a UTF-8 file once made every line decode as Windows-1252 ("Childrenâ€™s")."""
    body = (
        CP_VISITS_HEADER.encode()
        + "V1,Children’s Services,CP1,2023-08-01,Y,N,N\n".encode()
        + "V2,Children\x92s Services,CP1,2023-08-02,Y,N,N\n".encode("latin-1")
        + "V3,Zoë,CP1,2023-08-03,Y,N,N\n".encode()
    )
    loaded, _ = load(write_batch(tmp_path / "b", {"ssd_cp_visits.csv": body}), wh)
    assert status_of(loaded, "ssd_cp_visits").encoding == "utf-8, 1 line(s) windows-1252"
    assert query(wh, "SELECT cppv_person_id FROM raw.ssd_cp_visits ORDER BY _row_number") == [
        ("Children’s Services",),
        ("Children’s Services",),
        ("Zoë",),
    ]


def test_utf16_and_mixed_line_endings_load_every_row(tmp_path, wh):
    rows = ["V1,P1,CP1,2023-08-01,Y,N,N", "V2,P1,CP1,2023-08-02,Y,N,N", "V3,P1,CP1,2023-08-03,Y,N,N"]
    utf16 = (CP_VISITS_HEADER + "\r\n".join(rows) + "\r\n").encode("utf-16")
    mixed = (CP_VISITS_HEADER.strip() + "\r\n" + rows[0] + "\n" + rows[1] + "\r\n" + rows[2] + "\r").encode()
    for name, body in (("utf16", utf16), ("mixed", mixed)):
        warehouse = tmp_path / f"wh_{name}"
        warehouse.mkdir()
        loaded, _ = load(write_batch(tmp_path / name, {"ssd_cp_visits.csv": body}), warehouse)
        assert (status_of(loaded, "ssd_cp_visits").status, status_of(loaded, "ssd_cp_visits").rows_loaded) == (
            "loaded",
            3,
        ), name
        assert query(warehouse, "SELECT cppv_cp_visit_id, _row_number FROM raw.ssd_cp_visits ORDER BY 2") == [
            ("V1", 1),
            ("V2", 2),
            ("V3", 3),
        ]
    no_bom = write_batch(tmp_path / "nobom", {"ssd_cp_visits.csv": utf16[2:]})
    loaded, _ = load(no_bom, tmp_path / "wh")
    assert "looks like UTF-16 without a byte-order mark" in status_of(loaded, "ssd_cp_visits").message


def test_an_unterminated_quote_costs_one_row_and_every_rejected_line_is_kept_whole(tmp_path, wh):
    good = [f"V{i},P1,CP1,2023-08-01,Y,N,N" for i in range(1, 3001)]
    huge = "V9999,P1," + "x" * 3_000_000 + ",2023-08-01,Y,N,N,extra"
    lines = good[:10] + ['VQ,P1,"CP1,2023-08-01,Y,N,N'] + good[10:20] + [huge] + good[20:]
    body = CP_VISITS_HEADER + "\n".join(lines) + "\n"
    loaded, _ = load(write_batch(tmp_path / "b", {"ssd_cp_visits.csv": body}), wh)
    visits = status_of(loaded, "ssd_cp_visits")
    assert (visits.rows_loaded, visits.rows_rejected) == (3000, 2)
    rejected = query(wh, "SELECT line, error_type, received_line FROM raw.load_rejects ORDER BY line")
    assert [(line, kind) for line, kind, _ in rejected][0] == (12, "UNTERMINATED QUOTE")
    assert rejected[0][2] == 'VQ,P1,"CP1,2023-08-01,Y,N,N'
    assert {r[2] for r in rejected if r[0] == 23} == {huge}  # the whole 3 MB line, not its first 10,000 characters
    # the rows after each bad line keep their own row numbers
    assert query(
        wh, "SELECT cppv_cp_visit_id FROM raw.ssd_cp_visits WHERE _row_number IN (10, 12, 23) ORDER BY _row_number"
    ) == [
        ("V10",),
        ("V11",),
        ("V21",),
    ]
