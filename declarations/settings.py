"""Settings, in one typed place. Every setting can be given in the environment as CSC_<NAME>."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from declarations.systems import CASE_HOLDING_ROLES


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CSC_", extra="ignore")

    raw_batches_kept: int = Field(
        2, ge=1, description="How many batches' rows raw keeps (each batch is a full six-year snapshot)."
    )
    indicator_catalogue: Path | None = Field(
        None, description="A council's own indicator catalogue (TOML); default: declarations/indicators.toml."
    )
    comparators_file: Path | None = Field(
        None,
        description="A council's own comparators (TOML: England, region and statistical neighbours per indicator "
        "and year); default: declarations/comparators.toml (England).",
    )
    rejected_rows_tolerance: float = Field(
        0.01,
        ge=0,
        le=1,
        description="Share of a file's rows that may be rejected before the run counts as degraded (not clean).",
    )
    demo_dir: Path = Field(Path(".csc-demo"), description="Where `csc demo` writes its batch and warehouse.")
    schedule_cron: str = Field("0 2 * * *", description="When `csc serve` runs the nightly load (cron).")
    schedule_timezone: str = Field("Europe/London", description="The time zone of schedule_cron (IANA name).")
    writer_limit: str = Field(
        "duckdb-writer",
        description="Prefect concurrency limit that serialises writers of this warehouse; one name per warehouse.",
    )
    duckdb_memory_limit: str | None = Field(
        None,
        description="Most memory DuckDB may hold in the pipeline's process (e.g. 5GB); beyond it, it spills to "
        "warehouse.duckdb.tmp. Default: 5 GB, which keeps a national load's raw and staging under 6 GB, or DuckDB's "
        "own default (80% of the machine's memory) where that is less.",
    )
    duckdb_threads: int | None = Field(None, ge=1, description="Threads DuckDB may use (default: one per core).")
    case_holding_roles: str = Field(
        ", ".join(CASE_HOLDING_ROLES),
        description="Involvement types (ssd_involvements.invo_professional_role_id) that hold a child's case, "
        "comma-separated, most senior first; matched whatever their case. A child's team and worker are those "
        "of the open involvement of the most senior of these types (the latest started among equals).",
    )
    export_system: str | None = Field(
        None,
        description="The case system whose SSD build every file must match (systemc, mosaic, eclipse, "
        "la-release); default: each file's shape is found from its header.",
    )
    caseload_threshold: int = Field(
        20,
        ge=1,
        description="Most children a worker should hold; a newly qualified worker's threshold is half of it "
        "(marts.caseload).",
    )
    drift_days: int = Field(
        42,
        ge=1,
        description="An open case with no visit, review or plan change for more than this many days is on the "
        "drift list (marts.drift_list); the default is the longest regular visiting timescale, six weeks.",
    )
    council_name: str = Field(
        "", description="The council's name, at the head of the board report (HTML, PDF and workbook)."
    )
    council_logo: Path | None = Field(
        None,
        description="The council's logo for the board report (a PNG, JPEG or GIF file), embedded in the HTML and "
        "the PDF so that each stays one file.",
    )
    prefect_port: int = Field(
        4200, ge=1, le=65535, description="Port of the Prefect server `csc serve` starts when none is configured."
    )
    dask_workers: int | None = Field(
        None,
        ge=1,
        description="Worker processes of the local Dask cluster `csc run-region` starts, one council at a time "
        "each (default: one per core).",
    )
    dask_address: str | None = Field(
        None,
        description="A running Dask scheduler for `csc run-region` (e.g. tcp://10.0.0.5:8786) instead of a local "
        "cluster: a regional group adds machines by starting workers against it. Its workers need PREFECT_API_URL "
        "(the Prefect server's) in their environment.",
    )


class AlertSettings(BaseSettings):
    """Alert delivery settings, from the environment (`CSC_<NAME>`). No .env file is read: secrets come only
    from the process environment (or a secrets manager that sets it)."""

    model_config = SettingsConfigDict(env_prefix="CSC_", extra="ignore")

    smtp_host: str | None = Field(None, description="SMTP relay host; unset means email cannot be delivered.")
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP port (25, or 587 for submission with STARTTLS).")
    smtp_username: str | None = Field(None, description="Log in to the relay only if this is set.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password; never logged or printed.")
    smtp_from: str | None = Field(None, description="The From address of alert emails.")
    smtp_starttls: bool = Field(False, description="Upgrade the connection with STARTTLS (certificate verified).")
    smtp_timeout: float = Field(30.0, gt=0, description="Seconds before an SMTP connection or command gives up.")
    webhook_timeout: float = Field(10.0, gt=0, description="Seconds before a webhook POST gives up.")
    owners_file: Path | None = Field(None, description="The owners TOML file; unset means alerts are off.")
    alert_fallback_owner: str = Field("performance", description="Receives records no owner claims.")
    alert_send_when_nothing_new: bool = Field(False, description="Send a short 'nothing new' message anyway.")
    alert_max_records_per_rule: int = Field(200, ge=1, description="Records listed per rule in a message.")
    alert_attach_over: int = Field(
        50,
        ge=0,
        description="A message with more records than this lists each rule's first 10 and attaches them all as CSV.",
    )
    alert_run_failure_owner: str = Field(
        "pipeline", description="The owner told when a pipeline run fails (else the fallback owner)."
    )


@lru_cache
def settings() -> Settings:
    return Settings()


def case_holding_roles(value: str | None = None) -> tuple[str, ...]:
    """The case-holding involvement types, most senior first, upper case."""
    text = settings().case_holding_roles if value is None else value
    return tuple(role.strip().upper() for role in text.split(",") if role.strip())


# Prefect defaults measured on 2-core machines (shared/stack-notes.md): the temporary server takes 18-22 s to
# start on a new PREFECT_HOME (default timeout 20 s), and its analytics heartbeat logs "database is locked".
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "INFO",
}


def apply_prefect_defaults() -> None:
    """Call before Prefect is imported; values already in the environment win."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
