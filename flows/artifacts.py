"""What a run shows in the Prefect UI: one markdown artifact per run (rows loaded and rejected per file, rules
failed, indicators published, withheld and unavailable, where the Data Docs and marts are) and a table artifact
of the files. Artifact keys are lowercase letters, digits and dashes (Prefect refuses others); a key keeps the
history of every run that wrote it."""

from __future__ import annotations

from pathlib import Path

from pipeline.stages import FailedRule, Publication
from warehouse.raw import BatchLoad

SUMMARY_KEY = "csc-run-summary"
FILES_KEY = "csc-run-files"
LANDING_KEY = "csc-landing-summary"


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 row', '2 rows', '1,024 rows'."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def _cell(text: object) -> str:
    # a pipe or a line break inside a cell would break the markdown table
    return str(text).replace("|", "\\|").replace("\n", " ")


def file_rows(load: BatchLoad) -> list[dict[str, object]]:
    return [
        {
            "table": f.table_name,
            "file": f.file_name or "",
            "status": f.status,
            "rows_loaded": f.rows_loaded,
            "rows_rejected": f.rows_rejected,
            "message": f.message,
        }
        for f in load.files
        if f.status not in ("not_supplied", "ignored")
    ]


def run_markdown(
    *,
    title: str,
    load: BatchLoad,
    rules: list[FailedRule],
    rules_checked: int,
    published: Publication,
    degraded: list[str],
    docs_index: str | None,
    warehouse_dir: Path,
) -> str:
    """The run's summary as markdown: what an engineer checks first after a night's load."""
    lines = [f"# {title}", ""]
    if degraded:
        lines += ["**Degraded**: published what could be published, but:", ""]
        lines += [f"- {_cell(reason)}" for reason in degraded]
    else:
        lines.append("**Clean**: every file loaded, no indicator withheld.")
    lines += [
        "",
        f"## Files: {plural(load.rows_loaded, 'row')} loaded, {plural(load.rows_rejected, 'row')} rejected",
        "",
        "| table | file | status | rows loaded | rows rejected | message |",
        "|---|---|---|---:|---:|---|",
    ]
    for row in file_rows(load):
        lines.append(
            f"| {row['table']} | {_cell(row['file'])} | {row['status']} | {row['rows_loaded']:,} | "
            f"{row['rows_rejected']:,} | {_cell(row['message'])} |"
        )
    lines += ["", f"## Data quality: {len(rules)} of {plural(rules_checked, 'rule')} failed", ""]
    if rules:
        lines += ["| rule | severity | records | what it checks |", "|---|---|---:|---|"]
        lines += [f"| {r.rule_id} | {r.severity} | {r.records:,} | {_cell(r.description)} |" for r in rules]
    not_published = {ref: v for ref, v in published.not_published.items() if not ref.endswith(".rate")}
    withheld = {ref: why for ref, (status, why) in not_published.items() if status == "withheld"}
    unavailable = {ref: why for ref, (status, why) in not_published.items() if status == "unavailable"}
    lines += [
        "",
        f"## Indicators: {plural(published.rows.get('indicator_values', 0), 'value')} published, "
        f"{len(withheld)} withheld, {len(unavailable)} unavailable",
        "",
    ]
    if withheld or unavailable:
        lines += ["| indicator | status | why |", "|---|---|---|"]
        lines += [f"| {ref} | withheld | {_cell(why)} |" for ref, why in withheld.items()]
        lines += [f"| {ref} | unavailable | {_cell(why)} |" for ref, why in unavailable.items()]
    lines += [
        "",
        "## Where to look",
        "",
        f"- Data-quality pages, every rule in its words (offline): `{docs_index or 'not built'}`",
        f"- Published marts: `{published.path}`",
        f"- Board report: `{warehouse_dir / 'highlight-report.html'}` (`csc report --warehouse {warehouse_dir}`)",
    ]
    return "\n".join(lines) + "\n"
