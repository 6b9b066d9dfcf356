"""The nightly run alerts each owner, over a real SMTP conversation, with its own teams' records only."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest

from csc.synthetic import generate_batch
from tests.test_alerts import _start_smtp


@pytest.fixture
def smtp():
    yield from _start_smtp()


@pytest.mark.slow
def test_each_owner_receives_only_its_teams_records_and_nothing_twice(prefect_harness, tmp_path, monkeypatch, smtp):
    from flows.nightly import nightly_load

    batch = tmp_path / "batch"
    generate_batch(batch, as_of=date(2023, 8, 31), scale="tiny", seed=5, fault_rate=0.05, faults_log=tmp_path / "f.csv")
    teams = sorted(
        line.split(",")[0] for line in (batch / "ssd_department.csv").read_text(encoding="cp1252").splitlines()[1:]
    )
    north, south = teams[: len(teams) // 2], teams[len(teams) // 2 :]
    owners = tmp_path / "owners.toml"
    owners.write_text(
        f"""
[[owner]]
name = "North"
teams = {north!r}
email = ["north@council.example"]

[[owner]]
name = "South"
teams = {south!r}
email = ["south@council.example"]

[[owner]]
name = "performance"
teams = ["unallocated"]
email = ["performance@council.example"]
""".replace("'", '"')
    )
    monkeypatch.setenv("CSC_OWNERS_FILE", str(owners))
    monkeypatch.setenv("CSC_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CSC_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("CSC_SMTP_FROM", "csc-pipeline@council.example")
    wh = tmp_path / "wh"
    nightly_load(batch, wh, as_of=date(2023, 8, 31))

    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        team_of = {
            (r[0], r[1]): r[2]
            for r in con.execute(
                "SELECT table_name, record_id, team_id FROM dq.exceptions e JOIN "
                "(SELECT rule_id FROM dq.rule_results WHERE owner = 'team') USING (rule_id) WHERE record_id IS NOT NULL"
            ).fetchall()
        }
    assert team_of, "the faulted batch should break team-owned rules"
    north_mail, south_mail = smtp.to("north@council.example"), smtp.to("south@council.example")
    assert len(north_mail) == 1 and len(south_mail) == 1  # one message per owner
    for mail, mine in ((north_mail[0], set(north)), (south_mail[0], set(south))):
        # the body lists a rule's first records; with many, every record is in the attached CSV
        text = mail.text + "".join(a.get_content() for a in mail.message.iter_attachments())
        for (_, record), team in team_of.items():
            # a team-owned record is in its own team's message and never in the other's
            found = re.search(rf"(?<![\w-]){re.escape(record)}(?![\w-])", text) is not None
            assert found == (team in mine), (record, team)
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        sent = con.execute(
            "SELECT owner, table_name, record_id FROM dq.alerts_sent WHERE record_id IS NOT NULL"
        ).fetchall()
    for owner, table, record in sent:
        if (table, record) in team_of and owner in ("North", "South"):
            assert team_of[(table, record)] in (north if owner == "North" else south)
    sent_before = len(smtp.mails)

    # the same exceptions again: nothing new, so nothing is sent
    nightly_load(batch, wh, as_of=date(2023, 8, 31))
    assert len(smtp.mails) == sent_before
