"""The Prefect flow and the csc command, run in-process against one temporary Prefect server."""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from csc.cli import app
from declarations.contract import TABLES
from tests.conftest import write_batch
from tests.test_ingest import CP_VISITS_HEADER, PERSON_HEADER

runner = CliRunner()


def test_every_command_has_help():
    import typer.core
    import typer.main

    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    assert set(group.commands) >= {"generate", "run", "demo"}
    for name, command in group.commands.items():
        assert command.help and len(command.help) > 20, f"csc {name} has no help text"
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output
        for param in command.params:
            assert isinstance(param, (typer.core.TyperOption, typer.core.TyperArgument)), (name, param.name)
            assert param.help, f"csc {name} {param.name} has no help"


@pytest.mark.slow
def test_nightly_flow_loads_raw_and_staging_and_a_second_run_adds_nothing(prefect_harness, tmp_path):
    from flows.nightly import nightly_load

    batch = write_batch(
        tmp_path / "b",
        {
            "ssd_cp_visits_20230831.csv": CP_VISITS_HEADER + "V1,P1,CP1,31/08/2023,Y,N,N\n",
            "ssd_person.csv": PERSON_HEADER + "P1,,,A,B,F,,,2015-01-01,,,,,,,\n",
        },
    )
    wh = tmp_path / "wh"
    first = nightly_load(batch, wh)
    assert first.as_of.isoformat() == "2023-08-31"  # from the file name's date suffix
    assert first.staging.rows["ssd_cp_visits"] == 1 and not first.load.already_loaded
    counts = "SELECT (SELECT count(*) FROM raw.ssd_cp_visits) + (SELECT count(*) FROM raw.ssd_person), "
    counts += "(SELECT count(*) FROM raw.load_manifest), (SELECT count(*) FROM staging.ssd_cp_visits)"
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        before = con.execute(counts).fetchall()
    second = nightly_load(batch, wh)
    assert second.load.already_loaded
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(counts).fetchall() == before == [(2, len(TABLES), 1)]


@pytest.mark.slow
def test_a_degraded_run_is_named_after_its_batch_shows_its_artifacts_and_ends_degraded(prefect_harness, tmp_path):
    from datetime import date

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.nightly import nightly_load, run_summary

    batch = write_batch(  # no file for ssd_cla_episodes and the other required tables: degraded
        tmp_path / "council-x_20230831",
        {
            "ssd_cp_visits.csv": CP_VISITS_HEADER + "V1,P1,CP1,31/08/2023,Y,N,N\nV2,P1,CP1,2023-08-02,Y,N\n",
            "ssd_person.csv": PERSON_HEADER + "P1,,,A,B,F,,,2015-01-01,,,,,,,\n",
        },
    )
    wh = tmp_path / "wh"
    state = nightly_load(batch, wh, as_of=date(2023, 8, 31), return_state=True)
    assert state.is_failed() and state.name == "Degraded", state
    assert "files missing: " in str(state.message) and "ssd_cla_episodes" in str(state.message)
    summary = run_summary(state)  # what could be published was
    assert summary.degraded and (wh / "marts.duckdb").exists()
    run_id = state.state_details.flow_run_id
    assert run_id is not None
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
        )
    assert run.name == "council-x_20230831 as of 2023-08-31"
    markdown = {a.key: a.data for a in artifacts}["csc-run-summary"]
    assert isinstance(markdown, str) and "**Degraded**" in markdown
    visits = summary.load.files[[f.table_name for f in summary.load.files].index("ssd_cp_visits")]
    assert visits.rows_rejected == 1  # the line a column short
    assert f"| ssd_cp_visits | ssd_cp_visits.csv | {visits.status} | 1 | 1 |" in markdown
    assert "| ssd_cla_episodes |  | missing | 0 | 0 |" in markdown
    for ref in summary.published.withheld:
        assert f"| {ref} | withheld |" in markdown or ref.endswith(".rate")
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:  # a degraded load is no failure
        assert con.execute("SELECT status FROM ops.runs").fetchall() == [("completed",)]


@pytest.mark.slow
def test_csc_run_exit_status_and_messages(prefect_harness, tmp_path):
    wh = str(tmp_path / "wh")
    unmarked = write_batch(tmp_path / "u", {"ssd_person.csv": PERSON_HEADER}, ready=False)
    result = runner.invoke(app, ["run", "--batch", str(unmarked), "--warehouse", wh, "--create-warehouse"])
    assert result.exit_code == 1 and "no _READY marker" in result.output

    broken = write_batch(
        tmp_path / "b",
        {
            "ssd_cp_visits.csv": CP_VISITS_HEADER.replace(",cppv_cp_visit_bedroom", "") + "V1,P1,CP1,2023-08-01,Y,N\n",
            "ssd_person.csv": PERSON_HEADER + "P1,,,A,B,F,,,2015-01-01,,,,,,,\n",
        },
    )
    result = runner.invoke(
        app, ["run", "--batch", str(broken), "--warehouse", wh, "--as-of", "2023-08-31", "--create-warehouse"]
    )
    assert result.exit_code == 2
    assert "failed: ssd_cp_visits.csv: line 1 (header): required column cppv_cp_visit_bedroom missing" in result.output
    assert "missing: " in result.output and "no file for ssd_cla_episodes" in result.output

    # a degraded load: what could be published was, the exit status says it is not clean
    assert "DEGRADED" in result.output and "withheld" in result.output


def test_counts_read_as_words_do():
    from declarations.words import counted

    assert [counted(n, "row") for n in (0, 1, 2, 1024)] == ["0 rows", "1 row", "2 rows", "1,024 rows"]
    assert counted(1, "child", "children") == "1 child" and counted(3, "child", "children") == "3 children"


def test_as_of_is_read_as_written_in_england_or_iso():
    from datetime import date

    from csc.cli import _parse_date

    assert _parse_date("31/08/2023") == _parse_date("2023-08-31") == date(2023, 8, 31)
    assert _parse_date("1/9/2023") == date(2023, 9, 1)
    for wrong, why in [
        ("08/31/2023", "month must be in 1..12"),
        ("31/08/23", "year in full"),
        ("Aug 2023", "not a date"),
    ]:
        result = runner.invoke(app, ["run", "--batch", ".", "--warehouse", ".", "--as-of", wrong])
        assert result.exit_code == 1 and why in result.output and "Traceback" not in result.output, result.output


def _csc_in_a_fresh_process(tmp_path, *args: str):
    """The command as a user runs it; also says whether Prefect was imported."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom csc.cli import app\ntry:\n    app(sys.argv[1:])\nexcept SystemExit as e:\n"
        "    print('exit', e.code, 'prefect' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    return done.stdout.split(), done.stderr.strip().splitlines()


def test_argument_errors_are_short_and_told_before_prefect_starts(tmp_path):
    unmarked = write_batch(tmp_path / "unmarked", {"ssd_person.csv": PERSON_HEADER}, ready=False)
    ready = write_batch(tmp_path / "ready", {"ssd_person.csv": PERSON_HEADER})
    (tmp_path / "wh").mkdir()
    (tmp_path / "wh" / "warehouse.duckdb").write_bytes(b"")
    mistyped = tmp_path / "whh"
    cases = {
        ("run", "--batch", str(unmarked), "--warehouse", str(tmp_path / "wh")): f"{unmarked}: no _READY marker",
        ("run", "--batch", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "wh")): "nope: not a folder",
        ("run", "--batch", str(ready), "--warehouse", str(mistyped)): f"{mistyped}: no warehouse here",
        ("run", "--batch", str(ready), "--warehouse", str(tmp_path / "wh"), "--system", "x"): "--system must be",
        ("run-landing", "--landing", str(tmp_path), "--warehouse", str(mistyped)): "--create-warehouse",
    }
    for args, message in cases.items():
        status, error = _csc_in_a_fresh_process(tmp_path, *args)
        assert status == ["exit", "1", "False"], (args, status, error)  # exit 1, Prefect never imported
        assert len(error) == 1 and message in error[0] and "Traceback" not in error[0], (args, error)
    assert not mistyped.exists()  # a mistyped warehouse is never created


def test_committed_data_dictionary_is_current():
    from pathlib import Path

    from warehouse.dictionary import data_dictionary_markdown

    committed = Path(__file__).parent.parent / "docs" / "data-dictionary.md"
    assert committed.read_text(encoding="utf-8") == data_dictionary_markdown(), (
        "docs/data-dictionary.md is out of date: run `csc dictionary`"
    )


@pytest.mark.slow
def test_csc_run_and_report_with_relative_folders(prefect_harness, tmp_path, monkeypatch):
    # the README's demo uses a relative folder (.csc-demo): every step must accept relative paths
    from datetime import date

    from csc.synthetic import generate_batch

    monkeypatch.chdir(tmp_path)
    generate_batch(tmp_path / "batch", as_of=date(2023, 8, 31), scale="tiny", seed=4)
    result = runner.invoke(app, ["run", "--batch", "batch", "--warehouse", "wh", "--create-warehouse"])
    assert result.exit_code == 0, result.output
    assert "data quality: 0 of" in result.output
    result = runner.invoke(app, ["report", "--warehouse", "wh"])
    assert result.exit_code == 0 and (tmp_path / "wh" / "highlight-report.html").exists()


@pytest.mark.slow
def test_a_batch_with_no_data_or_an_implausible_date_never_replaces_the_publication(prefect_harness, tmp_path):
    import shutil
    from datetime import date

    from csc.synthetic import generate_batch

    good, wh = tmp_path / "good", tmp_path / "wh"
    generate_batch(good, as_of=date(2023, 8, 31), scale="tiny", seed=2)
    assert (
        runner.invoke(app, ["run", "--batch", str(good), "--warehouse", str(wh), "--create-warehouse"]).exit_code == 0
    )

    def publication():
        with duckdb.connect(str(wh / "marts.duckdb"), read_only=True) as con:
            return con.sql("SELECT * FROM publication").fetchall(), con.sql(
                "SELECT count(*) FROM indicator_values"
            ).fetchall()

    before = publication()
    nothing = write_batch(tmp_path / "nothing", {})  # only _READY
    headers_only = tmp_path / "headers_only"
    headers_only.mkdir()
    for f in good.glob("ssd_*.csv"):
        (headers_only / f.name).write_bytes(f.read_bytes().splitlines(keepends=True)[0])
    shutil.copy(good / "_READY", headers_only / "_READY")
    future = tmp_path / "future"
    future.mkdir()
    for f in good.glob("ssd_*.csv"):
        shutil.copy(f, future / f"{f.stem.split('_2023')[0]}_20991231.csv")
    (future / "_READY").write_text("")
    undated = tmp_path / "night"
    undated.mkdir()
    for f in good.glob("ssd_*.csv"):
        shutil.copy(f, undated / f"{f.stem.split('_2023')[0]}.csv")
    (undated / "_READY").write_text("")
    expected = {
        nothing: "no file is an SSD table",
        headers_only: "no rows could be loaded from any file",
        future: "is in the future",
        undated: "no extract date",
    }
    for batch, message in expected.items():
        result = runner.invoke(app, ["run", "--batch", str(batch), "--warehouse", str(wh)])
        assert result.exit_code == 1 and message in result.output, (batch.name, result.output[-500:])
        assert publication() == before, batch.name


def test_commands_that_read_a_publication_name_a_mistyped_warehouse(tmp_path):
    missing = tmp_path / "nowhere"
    for command in (["report"], ["annex-a", "--out", str(tmp_path / "lists")], ["export", "--format", "csv"]):
        args = [*command, "--warehouse", str(missing)] + (
            ["--out", str(tmp_path / "x")] if command[0] == "export" else []
        )
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert str(missing) in result.output and "nothing published" not in result.output, result.output
    assert not missing.exists() and not (tmp_path / "lists").exists() and not (tmp_path / "x").exists()
