"""Alerts to the owners of data-quality exceptions: config, routing, what is new, messages, and delivery over
a real SMTP conversation (aiosmtpd on 127.0.0.1) and to a real local HTTP webhook."""

from __future__ import annotations

import base64
import csv
import email
import email.policy
import io
import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.delivery import post_webhook
from alerts.messages import compose_message
from alerts.owners import Owner, OwnersConfigError, load_owners
from alerts.routing import new_since, route, sent_rows
from alerts.send import send_alerts
from declarations.settings import AlertSettings
from expectations.quality import EXCEPTION_COLUMNS
from tests.conftest import free_port

LOCALHOST = "127.0.0.1"
PASSWORD = "s3cret-Pa55word-do-not-log"

OWNERS_TOML = """
[[owner]]
name = "Safeguarding North"
teams = ["105"]
email = ["north@council.example"]

[[owner]]
name = "Safeguarding South"
teams = ["106"]
email = ["south@council.example"]

[[owner]]
name = "performance"
teams = ["unallocated"]
email = ["performance@council.example"]
"""

RULES = pl.DataFrame(
    {
        "rule_id": ["VISIT_DATE_FUTURE", "WORKER_MISSING", "BATCH_ROWCOUNT"],
        "description": ["Visit date is after the extract date", "No allocated worker", "Row count dropped"],
        "severity": ["blocking", "warning", "warning"],
        "owner": ["team", "team", "performance"],
        "indicators": ["4.7.2, 4.8", "3.1", ""],
    }
)


# ------------------------------------------------------------------------------------------------- helpers


def exceptions(*rows: dict, run_id: str = "run-1") -> pl.DataFrame:
    """Exceptions from partial rows: rule_id, record_id and team_id given, the rest defaulted."""
    owners = dict(zip(RULES["rule_id"], RULES["owner"], strict=True))
    severities = dict(zip(RULES["rule_id"], RULES["severity"], strict=True))
    full = []
    for r in rows:
        rule = r["rule_id"]
        record = r.get("record_id")
        full.append(
            {
                "run_id": run_id,
                "rule_id": rule,
                "severity": r.get("severity", severities.get(rule, "warning")),
                "owner": r.get("owner", owners.get(rule, "team")),
                "table_name": r.get("table_name", "ssd_cp_visits"),
                "record_id": record,
                "person_id": r.get("person_id", None if record is None else f"P-{record}"),
                "column_name": r.get("column_name", "cp_visit_date"),
                "value": r.get("value", "2031-01-01"),
                "message": r.get("message", "visit date after the extract date"),
                "team_id": r.get("team_id", "unallocated"),
            }
        )
    return pl.DataFrame(full, schema={c: pl.String for c in EXCEPTION_COLUMNS})


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def text(self) -> str:
        return self._body("plain")

    @property
    def html(self) -> str:
        return self._body("html")

    def _body(self, subtype: str) -> str:
        body = self.message.get_body((subtype,))
        assert body is not None, f"the email has no {subtype} part"
        return body.get_content()


@dataclass
class SmtpServer:
    port: int
    mails: list[Mail] = field(default_factory=list)
    logins: list[tuple[str, str, object]] = field(default_factory=list)  # (mechanism, login, client address)

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.mails if address in m.rcpt_tos]

    async def handle_DATA(self, server, session, envelope) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((mechanism, auth_data.login.decode(), session.peer))
        ok = auth_data.password.decode() == PASSWORD
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 235 or 535 itself


def _start_smtp(**kwargs) -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    if kwargs.pop("auth", False):
        kwargs.update(authenticator=server.authenticate, auth_require_tls=False)
    controller = Controller(server, hostname=LOCALHOST, port=server.port, **kwargs)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from _start_smtp()


@pytest.fixture
def smtp_auth() -> Iterator[SmtpServer]:
    yield from _start_smtp(auth=True)


class WebhookServer(ThreadingHTTPServer):
    """A webhook endpoint that keeps what it is posted: (path, content type, JSON body)."""

    posts: list[tuple[str, str | None, Any]]


class _Hook(BaseHTTPRequestHandler):
    server: WebhookServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.posts.append((self.path, self.headers.get("Content-Type"), json.loads(body)))
        self.send_response(500 if self.path.startswith("/fail") else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    server = WebhookServer((LOCALHOST, 0), _Hook)
    server.posts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Alert settings only from what a test gives; local webhooks never through a proxy."""
    for name in list(os.environ):
        if name.upper().startswith(("CSC_SMTP", "CSC_ALERT", "CSC_OWNERS", "CSC_WEBHOOK")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("no_proxy", f"{LOCALHOST},localhost")
    monkeypatch.setenv("NO_PROXY", f"{LOCALHOST},localhost")


def owners_file(tmp_path: Path, text: str = OWNERS_TOML) -> Path:
    path = tmp_path / "owners.toml"
    path.write_text(text)
    return path


def smtp_settings(port: int, owners: Path | None, **kwargs) -> AlertSettings:
    return AlertSettings(
        smtp_host=LOCALHOST, smtp_port=port, smtp_from="csc-pipeline@council.example", owners_file=owners, **kwargs
    )


FIRST_RUN = (
    {"rule_id": "VISIT_DATE_FUTURE", "record_id": "V-north-1", "team_id": "105"},
    {"rule_id": "WORKER_MISSING", "record_id": "V-north-2", "team_id": "105", "column_name": "worker_id"},
    {"rule_id": "VISIT_DATE_FUTURE", "record_id": "V-south-1", "team_id": "106"},
    {"rule_id": "BATCH_ROWCOUNT", "record_id": "ROLE-north-9", "team_id": "105", "table_name": "ssd_person"},
    {"rule_id": "BATCH_ROWCOUNT", "record_id": "ROLE-south-8", "team_id": "106", "table_name": "ssd_person"},
)
ALL_IDS = {r["record_id"] for r in FIRST_RUN}


def assert_only(mail: Mail, ids: set[str]) -> None:
    for record in ALL_IDS | {"V-north-3"}:
        if record in ids:
            assert record in mail.text and record in mail.html, record
        else:
            assert record not in mail.text and record not in mail.html, record


# ------------------------------------------------------------------------------------------------- end to end


def test_send_alerts_over_smtp_each_owner_gets_only_its_records_and_only_once(smtp: SmtpServer, tmp_path: Path):
    cfg = smtp_settings(smtp.port, owners_file(tmp_path))
    report = send_alerts(exceptions(*FIRST_RUN), RULES, run_id="run-1", already_sent=None, settings=cfg)

    assert report.configured and not report.failures and not report.unrouted
    assert report.sent == {"Safeguarding North": 2, "Safeguarding South": 1, "performance": 2}
    assert sorted(a for m in smtp.mails for a in m.rcpt_tos) == [
        "north@council.example",
        "performance@council.example",
        "south@council.example",
    ]
    (north,) = smtp.to("north@council.example")
    (south,) = smtp.to("south@council.example")
    (perf,) = smtp.to("performance@council.example")
    assert north.mail_from == "csc-pipeline@council.example"
    assert north.message["Subject"] == "Data quality: 2 records to fix for Safeguarding North (team 105)"
    assert south.message["Subject"] == "Data quality: 1 record to fix for Safeguarding South (team 106)"
    assert_only(north, {"V-north-1", "V-north-2"})
    assert_only(south, {"V-south-1"})
    assert_only(perf, {"ROLE-north-9", "ROLE-south-8"})  # the role owner gets its rule's records of every team
    # blocking first, with description, indicators and count
    assert north.text.index("VISIT_DATE_FUTURE (BLOCKING)") < north.text.index("WORKER_MISSING (WARNING)")
    assert "Visit date is after the extract date" in north.text and "Indicators affected: 4.7.2, 4.8" in north.text
    assert report.rows_to_store.height == 5
    assert set(report.rows_to_store.columns) == {"owner", "rule_id", "table_name", "record_id", "run_id"}

    # the same exceptions again: nothing is sent
    stored = report.rows_to_store
    smtp.mails.clear()
    again = send_alerts(exceptions(*FIRST_RUN), RULES, run_id="run-2", already_sent=stored, settings=cfg)
    assert smtp.mails == [] and again.alerts == [] and again.rows_to_store.is_empty()

    # one new exception: only its owner hears, about it alone
    new = {"rule_id": "WORKER_MISSING", "record_id": "V-north-3", "team_id": "105"}
    third = send_alerts(exceptions(*FIRST_RUN, new), RULES, run_id="run-3", already_sent=stored, settings=cfg)
    assert [m.rcpt_tos for m in smtp.mails] == [["north@council.example"]]
    assert_only(smtp.mails[0], {"V-north-3"})
    assert third.sent == {"Safeguarding North": 1}
    assert third.rows_to_store.rows() == [
        ("Safeguarding North", "WORKER_MISSING", "ssd_cp_visits", "V-north-3", "run-3")
    ]


def test_nothing_new_message_when_asked(smtp: SmtpServer, tmp_path: Path):
    cfg = smtp_settings(smtp.port, owners_file(tmp_path), alert_send_when_nothing_new=True)
    first = send_alerts(exceptions(*FIRST_RUN), RULES, run_id="run-1", already_sent=None, settings=cfg)
    smtp.mails.clear()
    report = send_alerts(exceptions(*FIRST_RUN), RULES, run_id="run-2", already_sent=first.rows_to_store, settings=cfg)
    assert len(smtp.mails) == 3 and all(a.nothing_new for a in report.alerts)
    (north,) = smtp.to("north@council.example")
    assert north.message["Subject"] == "Data quality: nothing new for Safeguarding North"
    assert "2 exceptions reported before still fail" in north.text
    assert report.rows_to_store.is_empty()


def test_not_configured_is_a_report_not_an_error():
    report = send_alerts(
        exceptions(*FIRST_RUN), RULES, run_id="run-1", already_sent=None, settings=AlertSettings(owners_file=None)
    )
    assert not report.configured and "not configured" in report.summary() and report.alerts == []


# ------------------------------------------------------------------------------------------------- SMTP login


def test_login_is_attempted_and_the_password_never_logged(
    smtp_auth: SmtpServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    cfg = smtp_settings(smtp_auth.port, owners_file(tmp_path), smtp_username="csc-alerts", smtp_password=PASSWORD)
    report = send_alerts(exceptions(*FIRST_RUN), RULES, run_id="run-1", already_sent=None, settings=cfg)

    assert not report.failures and len(smtp_auth.mails) == 3
    assert smtp_auth.logins and {login for _, login, _ in smtp_auth.logins} == {"csc-alerts"}
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))  # not aiosmtpd's
    assert "alerts:" in ours
    for leak in (ours, str(cfg), repr(cfg), report.summary(), repr(report)):
        assert PASSWORD not in leak
        assert base64.b64encode(PASSWORD.encode()).decode() not in leak


def test_wrong_password_is_a_reported_failure_without_the_password(smtp_auth: SmtpServer, tmp_path: Path, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-" + PASSWORD
    cfg = smtp_settings(smtp_auth.port, owners_file(tmp_path), smtp_username="csc-alerts", smtp_password=wrong)
    report = send_alerts(exceptions(*FIRST_RUN), RULES, run_id="run-1", already_sent=None, settings=cfg)

    assert smtp_auth.mails == [] and len(report.failures) == 3 and report.rows_to_store.is_empty()
    assert all("SMTPAuthenticationError" in (f.error or "") for f in report.failures)
    assert len({peer for *_, peer in smtp_auth.logins}) == 1  # a refused login is not retried for every owner
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert wrong not in ours and wrong not in report.summary()


def test_starttls_asked_but_not_offered_fails_before_any_login(smtp_auth: SmtpServer, tmp_path: Path):
    cfg = smtp_settings(
        smtp_auth.port,
        owners_file(tmp_path),
        smtp_starttls=True,
        smtp_username="csc-alerts",
        smtp_password=PASSWORD,
    )
    report = send_alerts(exceptions(*FIRST_RUN), RULES, run_id="run-1", already_sent=None, settings=cfg)
    assert len(report.failures) == 3 and all("STARTTLS" in (f.error or "") for f in report.failures)
    assert smtp_auth.logins == [] and smtp_auth.mails == []


def test_settings_come_from_the_environment_and_hide_the_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("CSC_SMTP_HOST", "relay.council.example")
    monkeypatch.setenv("CSC_SMTP_PORT", "587")
    monkeypatch.setenv("CSC_SMTP_USERNAME", "csc-alerts")
    monkeypatch.setenv("CSC_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("CSC_SMTP_STARTTLS", "true")
    monkeypatch.setenv("CSC_OWNERS_FILE", str(tmp_path / "owners.toml"))
    cfg = AlertSettings()
    assert (cfg.smtp_host, cfg.smtp_port, cfg.smtp_starttls) == ("relay.council.example", 587, True)
    assert cfg.smtp_password is not None and cfg.smtp_password.get_secret_value() == PASSWORD
    assert cfg.owners_file == tmp_path / "owners.toml"
    assert (cfg.alert_fallback_owner, cfg.alert_send_when_nothing_new, cfg.alert_max_records_per_rule) == (
        "performance",
        False,
        200,
    )
    assert PASSWORD not in str(cfg) and PASSWORD not in repr(cfg) and PASSWORD not in cfg.model_dump_json()


# ------------------------------------------------------------------------------------------------- webhooks


def test_webhook_payload_and_failures_do_not_stop_email(
    smtp: SmtpServer, webhook_server: WebhookServer, tmp_path: Path
):
    base = f"http://{LOCALHOST}:{webhook_server.server_port}"
    dead = f"http://{LOCALHOST}:{free_port()}/hook"  # nothing listens there
    toml = OWNERS_TOML.replace(
        'email = ["north@council.example"]', f'email = ["north@council.example"]\nwebhook = "{base}/ok/north"'
    )
    toml = toml.replace(
        'email = ["south@council.example"]', f'email = ["south@council.example"]\nwebhook = "{base}/fail/south"'
    )
    toml = toml.replace(
        'email = ["performance@council.example"]', f'email = ["performance@council.example"]\nwebhook = "{dead}"'
    )
    cfg = smtp_settings(smtp.port, owners_file(tmp_path, toml))
    report = send_alerts(exceptions(*FIRST_RUN), RULES, run_id="run-1", already_sent=None, settings=cfg)

    assert len(smtp.mails) == 3  # every email went, whatever the webhooks did
    posts = sorted(webhook_server.posts)
    assert [p[0] for p in posts] == ["/fail/south", "/ok/north"]
    path, content_type, payload = posts[1]
    assert content_type is not None and content_type.startswith("application/json") and set(payload) == {"text"}
    assert payload["text"].startswith("Data quality: 2 records to fix for Safeguarding North (team 105)")
    assert "V-north-1" in payload["text"] and "V-south-1" not in payload["text"]

    failed = {(f.owner, f.channel) for f in report.failures}
    assert failed == {("Safeguarding South", "webhook"), ("performance", "webhook")}
    south = next(f for f in report.failures if f.owner == "Safeguarding South")
    # the URL's path (its token) is not reported
    assert "500" in (south.error or "") and "/fail/south" not in south.target
    assert report.sent == {"Safeguarding North": 2}
    assert set(report.rows_to_store["owner"]) == {"Safeguarding North"}  # failed owners are retried next run


def test_smtp_unreachable_is_reported_and_webhooks_still_post(webhook_server: WebhookServer, tmp_path: Path):
    url = f"http://{LOCALHOST}:{webhook_server.server_port}/ok"
    toml = f'[[owner]]\nname = "performance"\nemail = ["performance@council.example"]\nwebhook = "{url}"\n'
    cfg = smtp_settings(free_port(), owners_file(tmp_path, toml), smtp_timeout=5)
    report = send_alerts(exceptions(*FIRST_RUN), RULES, run_id="run-1", already_sent=None, settings=cfg)
    assert [(f.owner, f.channel) for f in report.failures] == [("performance", "email")]
    assert len(webhook_server.posts) == 1 and report.alerts[0].delivered == ("webhook",)


def test_post_webhook_rejects_non_http_urls(tmp_path: Path):
    owner = Owner("performance", email=("p@council.example",))
    message = compose_message(owner, exceptions(*FIRST_RUN), RULES, run_id="r")
    delivery = post_webhook(message, (tmp_path / "x").as_uri())
    assert not delivery.ok and "http" in (delivery.error or "")


# ------------------------------------------------------------------------------------------------- owners file


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[[owner]]\nteams = ["105"]\nemail = ["a@council.example"]\n', "[[owner]] entry 1: missing name"),
        (
            '[[owner]]\nname = "ok"\nemail = ["a@council.example"]\n[[owner]]\nname = "North"\nteams = ["105"]\n',
            "[[owner]] entry 2 ('North'): no email and no webhook",
        ),
        (
            '[[owner]]\nname = "North"\nteams = ["105"]\nemail = ["a@council.example"]\n'
            '[[owner]]\nname = "South"\nteams = ["106", "105"]\nemail = ["b@council.example"]\n',
            "[[owner]] entry 2 ('South'): team '105' is also claimed by [[owner]] entry 1 ('North')",
        ),
        (
            '[[owner]]\nname = "North"\nemail = ["manager.north at council"]\n',
            "[[owner]] entry 1 ('North'): invalid email address 'manager.north at council'",
        ),
        ('[[owner]]\nname = "North"\nteams = [105]\nemail = ["a@council.example"]\n', "team ids are text"),
        ('[[owner]]\nname = "North"\nwebhook = "file:///etc/passwd"\n', "webhook must be an http(s) URL"),
        ('[[owner]]\nname = "North"\nemails = ["a@council.example"]\n', "unknown key(s) emails"),
        ('[[owner]]\nname = "team"\nemail = ["a@council.example"]\n', 'name "team" is reserved'),
        ('[[owner]\nname = "North"\n', "not valid TOML"),
        ("", "no [[owner]] entries"),
    ],
)
def test_config_errors_name_the_file_and_the_entry(tmp_path: Path, toml: str, expected: str):
    path = owners_file(tmp_path, toml)
    with pytest.raises(OwnersConfigError) as err:
        load_owners(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_missing_owners_file_is_named(tmp_path: Path):
    with pytest.raises(OwnersConfigError, match="nowhere.toml"):
        load_owners(tmp_path / "nowhere.toml")


def test_owners_file_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CSC_WEBHOOK_NORTH", "https://teams.example/hook/abc")
    toml = OWNERS_TOML.replace('teams = ["105"]', 'teams = ["105", "107"]\nwebhook_env = "CSC_WEBHOOK_NORTH"')
    north, south, perf = load_owners(owners_file(tmp_path, toml))
    assert north == Owner(
        "Safeguarding North", ("105", "107"), ("north@council.example",), "https://teams.example/hook/abc"
    )
    assert "hook/abc" not in repr(north)  # webhook URLs are capabilities
    assert (south.teams, perf.teams, perf.webhook) == (("106",), ("unallocated",), None)


# ------------------------------------------------------------------------------------------------- routing


def test_unrouted_records_are_reported_and_the_fallback_gets_unclaimed_teams(smtp: SmtpServer, tmp_path: Path):
    rows = (*FIRST_RUN, {"rule_id": "VISIT_DATE_FUTURE", "record_id": "V-nowhere", "team_id": "999"})
    no_fallback = OWNERS_TOML.split('[[owner]]\nname = "performance"')[0]
    cfg = smtp_settings(smtp.port, owners_file(tmp_path, no_fallback))
    report = send_alerts(exceptions(*rows), RULES, run_id="run-1", already_sent=None, settings=cfg)
    unrouted = {(u.record_id, u.reason) for u in report.unrouted}
    assert unrouted == {
        ("V-nowhere", "no owner claims team '999', and there is no fallback owner 'performance'"),
        ("ROLE-north-9", "no owner is named 'performance', and there is no fallback owner 'performance'"),
        ("ROLE-south-8", "no owner is named 'performance', and there is no fallback owner 'performance'"),
    }
    assert "3 records unrouted" in report.summary()
    assert report.sent == {"Safeguarding North": 2, "Safeguarding South": 1}

    smtp.mails.clear()
    with_fallback = smtp_settings(smtp.port, owners_file(tmp_path))
    report = send_alerts(exceptions(*rows), RULES, run_id="run-1", already_sent=None, settings=with_fallback)
    assert report.unrouted == []
    (perf,) = smtp.to("performance@council.example")
    assert "V-nowhere" in perf.text and "no owner is configured for their team: team 999" in perf.text


def test_message_caps_records_per_rule_and_points_to_the_full_list():
    owner = Owner("Safeguarding North", ("105",), ("north@council.example",))
    rows: list[dict[str, str | None]] = [
        {"rule_id": "WORKER_MISSING", "record_id": f"W{i:03}", "team_id": "105"} for i in range(7)
    ]
    rows.append({"rule_id": "VISIT_DATE_FUTURE", "record_id": "V1", "team_id": "105", "value": None})
    rows.append({"rule_id": "BATCH_ROWCOUNT", "record_id": None, "team_id": "105", "column_name": None})
    rows.append(rows[0])  # staging keeps duplicate rows: a record may be reported twice
    rules = RULES.with_columns(pl.col("indicators").str.split(", "))  # a list of refs works too
    message = compose_message(owner, exceptions(*rows), rules, run_id="run-1", max_records_per_rule=3)
    text = message.text
    assert message.subject == "Data quality: 9 records to fix for Safeguarding North (team 105)"
    assert (message.record_count, message.rule_count) == (9, 3)
    assert [w for w in ("W000", "W001", "W002", "W003") if w in text] == ["W000", "W001", "W002"]
    assert "... and 4 more" in text and "dq_exceptions" in text and "marts.duckdb" in text
    assert "rule_id = 'WORKER_MISSING'" in text and "and 4 more" in message.html
    assert text.index("VISIT_DATE_FUTURE") < text.index("BATCH_ROWCOUNT")  # blocking first
    assert "Records to fix: 7" in text and "cp_visit_date is empty" in text and "(whole table)" in text
    assert "Indicators affected: 4.7.2, 4.8" in text


def test_new_since_matches_owner_rule_table_and_record_including_null_records():
    routed = route(
        exceptions(*FIRST_RUN, {"rule_id": "BATCH_ROWCOUNT", "record_id": None}),
        RULES,
        [
            Owner("Safeguarding North", ("105",), ("n@council.example",)),
            Owner("performance", (), ("p@council.example",)),
        ],
    ).by_owner["performance"]
    assert routed.height == 4  # two role records, South's unclaimed team record, one batch-level
    already = [
        ("performance", "BATCH_ROWCOUNT", "ssd_cp_visits", None),
        ("performance", "BATCH_ROWCOUNT", "ssd_person", "ROLE-north-9"),
        ("Safeguarding North", "VISIT_DATE_FUTURE", "ssd_cp_visits", "V-south-1"),  # another owner: no match
    ]
    assert new_since(routed, already)["record_id"].to_list() == ["V-south-1", "ROLE-south-8"]
    stored = sent_rows({"performance": routed}, run_id="r")
    assert new_since(routed, stored).is_empty()


# ------------------------------------------------------------------------------------------------- property


TEAMS = ["101", "102", "103", "104", "unallocated", None]
ROLE_NAMES = ["performance", "front-door-data", "quality"]


@st.composite
def routing_case(draw):
    names = draw(
        st.lists(st.sampled_from(["North", "South", "East", *ROLE_NAMES]), min_size=0, max_size=5, unique=True)
    )
    claims = {t: draw(st.sampled_from([None, *names])) for t in TEAMS if t is not None}
    owners = [
        Owner(n, tuple(t for t, o in claims.items() if o == n), (f"x{i}@council.example",)) for i, n in enumerate(names)
    ]
    rule_owners = draw(st.lists(st.sampled_from(["team", *ROLE_NAMES, None]), min_size=1, max_size=4))
    rules = pl.DataFrame(
        {
            "rule_id": [f"R{i}" for i in range(len(rule_owners))],
            "description": "d",
            "severity": "warning",
            "owner": rule_owners,
            "indicators": "",
        },
        schema={c: pl.String for c in ("rule_id", "description", "severity", "owner", "indicators")},
    )
    n = draw(st.integers(0, 25))
    rows = [
        {
            "rule_id": f"R{draw(st.integers(0, len(rule_owners) - 1))}",
            "record_id": f"rec{i}",
            "team_id": draw(st.sampled_from(TEAMS)),
            "owner": None,  # from the rules table
        }
        for i in range(n)
    ]
    fallback = draw(st.sampled_from(["performance", "North", "nobody"]))
    return owners, rules, rows, fallback


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(routing_case())
def test_property_no_owner_receives_a_record_of_a_team_it_does_not_own(case):
    owners, rules, rows, fallback = case
    frame = exceptions(*rows)
    by_owner, unrouted = route(frame, rules, owners, fallback=fallback)
    teams_of = {o.name: set(o.teams) for o in owners}
    claimed = set().union(*teams_of.values())
    names = set(teams_of)

    seen: list[str] = []
    for name, records in by_owner.items():
        assert name in names
        for r in records.iter_rows(named=True):
            seen.append(r["record_id"])
            team = r["team_id"] or "unallocated"
            assert r["recipient"] == name
            if r["owner"] == "team":
                # its own team, or (as the fallback) a team nobody claims: never another owner's team
                assert team in teams_of[name] or (name == fallback and team not in claimed), (name, team)
            else:
                # a role's records go to that role, or (as the fallback) when no owner has the role's name
                assert r["owner"] == name or (name == fallback and r["owner"] not in names), (name, r["owner"])
    # nothing dropped silently: every record is routed once or reported
    seen += [u.record_id for u in unrouted if u.record_id is not None]  # every generated record has an id
    assert sorted(seen) == sorted(frame["record_id"].to_list())
    if fallback in names:
        assert unrouted == []


# ------------------------------------------------------------------------------- what the owner reads first


def test_the_email_opens_with_counts_per_rule_names_the_team_and_keeps_the_run_id_out_of_the_subject(
    smtp: SmtpServer, tmp_path: Path
):
    cfg = smtp_settings(smtp.port, owners_file(tmp_path))
    named = exceptions(*FIRST_RUN).with_columns(
        pl.when(pl.col("team_id") == "105").then(pl.lit("Referral and Assessment")).alias("team_name"),
        pl.lit("Jo Bloggs").alias("worker"),
    )
    run_id = "9a821e38-71dc-46a8-9af2-0edaf9692e51"
    send_alerts(named, RULES, run_id=run_id, already_sent=None, settings=cfg, batch="2023-08-31")
    (north,) = smtp.to("north@council.example")
    subject = north.message["Subject"]
    assert (
        subject == "Data quality: 2 records to fix for Safeguarding North (Referral and Assessment) - batch 2023-08-31"
    )
    assert run_id not in subject
    opening = north.text.split("\n1. ")[0]  # before the first rule's section
    assert "VISIT_DATE_FUTURE: Visit date is after the extract date" in opening
    assert "WORKER_MISSING: No allocated worker" in opening
    assert "Referral and Assessment (team 105)" in opening and "worker Jo Bloggs" in north.text
    assert north.message.get_content_type() == "multipart/alternative"  # no attachment for 2 records
    assert not [p for p in north.message.iter_attachments()]


def test_many_records_come_as_a_csv_whose_rows_are_the_records_guarded_against_formulas(
    smtp: SmtpServer, tmp_path: Path
):
    cfg = smtp_settings(smtp.port, owners_file(tmp_path), alert_attach_over=5)
    rows = [{"rule_id": "WORKER_MISSING", "record_id": f"W{i:03}", "team_id": "105"} for i in range(30)]
    rows.append({"rule_id": "VISIT_DATE_FUTURE", "record_id": "V1", "team_id": "105", "value": "=HYPERLINK(1)"})
    send_alerts(exceptions(*rows), RULES, run_id="run-1", already_sent=None, settings=cfg, batch="2023-08-31")
    (north,) = smtp.to("north@council.example")
    (attachment,) = north.message.iter_attachments()
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_filename() == "data-quality-Safeguarding-North-2023-08-31.csv"
    table = list(csv.DictReader(io.StringIO(attachment.get_content().lstrip("\ufeff"))))
    assert sorted(r["record_id"] for r in table) == sorted(r["record_id"] for r in rows)
    (v1,) = [r for r in table if r["record_id"] == "V1"]
    assert v1["value"] == "'=HYPERLINK(1)" and v1["rule"] == "Visit date is after the extract date"
    # the body lists each rule's first 10 and says where the rest are
    assert "W009" in north.text and "W010" not in north.text and "31 records" in north.text
    assert "data-quality-Safeguarding-North-2023-08-31.csv" in north.text


def test_a_hostile_team_name_cannot_inject_headers_or_markup(smtp: SmtpServer, tmp_path: Path):
    cfg = smtp_settings(smtp.port, owners_file(tmp_path), alert_attach_over=0)
    hostile = "Evil\r\nBcc: victim@example.com\r\n<script>alert(1)</script>"
    named = exceptions(*FIRST_RUN).with_columns(pl.lit(hostile).alias("team_name"), pl.lit("=cmd|x").alias("worker"))
    report = send_alerts(named, RULES, run_id="run-1", already_sent=None, settings=cfg)
    assert not report.failures
    assert sorted(a for m in smtp.mails for a in m.rcpt_tos) == [
        "north@council.example",
        "performance@council.example",
        "south@council.example",
    ]
    (north,) = smtp.to("north@council.example")
    assert north.message["Bcc"] is None and "\n" not in north.message["Subject"]
    assert "Evil Bcc: victim@example.com" in north.message["Subject"]
    assert "<script>" not in north.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in north.html
    (attachment,) = north.message.iter_attachments()
    (row, *_) = csv.DictReader(io.StringIO(attachment.get_content().lstrip("\ufeff")))
    assert row["team_name"] == hostile and row["worker"] == "'=cmd|x"


def test_a_chat_message_says_the_csv_is_on_the_email_only():
    owner = Owner(name="Safeguarding North", email=("north@council.example",))
    rows = [{"rule_id": "WORKER_MISSING", "record_id": f"W{i:03}", "team_id": "105"} for i in range(3)]
    attached = compose_message(owner, exceptions(*rows), RULES, run_id="r", batch="2023-08-31", attach_over=1)
    plain = compose_message(owner, exceptions(*rows), RULES, run_id="r", batch="2023-08-31", attach_over=10)
    assert "attached to the e-mail only: data-quality-Safeguarding-North-2023-08-31.csv" in attached.webhook_text
    assert "e-mail only" not in plain.webhook_text and not plain.attachments
