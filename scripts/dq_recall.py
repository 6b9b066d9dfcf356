"""Recall of the data-quality rules against the generator's injected faults, and their false positives.

Generates a batch with faults (and its faults log) and a clean batch with the same seed, runs the nightly flow on
each (raw, staging, conformed, data quality, marts) and reads the exceptions the pipeline itself reported
(``dq.exceptions`` in each ``warehouse.duckdb``). It prints, per fault kind (``csc.synthetic.FAULT_KINDS``): the
faults injected, the faults found and the recall. A logged fault (table_name, record_id) is found when a rule whose
``problems`` lists its kind reports the same table and record id. On the clean batch every rule must report nothing.

    uv run python scripts/dq_recall.py --scale la --rate 0.02 --seed 1 [--system systemc]

The batches are written as the named case system's SSD build exports them (default Liquidlogic's); a fault kind
that the system's export cannot show (a description among codes, where the build writes descriptions throughout)
is not injected and reads n/a.

Exit status 0 when every kind's recall is at least the target (95%) and the clean batch has no exceptions, else 1.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from declarations.constants import DQ_RECALL_TARGET  # noqa: E402
from expectations.declared import load_rules  # noqa: E402
from expectations.rules import RULES_FILE  # noqa: E402

AS_OF = date(2023, 8, 31)


# --- what the pipeline reported ------------------------------------------------------------------------------------


def reported_exceptions(warehouse_db: Path) -> dict[str, list[tuple]]:
    """The run's exceptions as the pipeline stored them (``dq.exceptions``), by rule id:
    (record_id, person_id, value, message)."""
    found: dict[str, list[tuple]] = defaultdict(list)
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        for rule_id, *row in con.execute(
            "SELECT rule_id, record_id, person_id, value, message FROM dq.exceptions"
        ).fetchall():
            found[rule_id].append(tuple(row))
    return found


# --- scoring --------------------------------------------------------------------------------------------------------


@dataclass
class KindRecall:
    kind: str
    injected: int
    found: int
    missed: list[tuple[str, str]]

    @property
    def recall(self) -> float | None:
        return 100.0 * self.found / self.injected if self.injected else None


def read_faults_log(path: Path) -> dict[str, set[tuple[str, str]]]:
    logged: dict[str, set[tuple[str, str]]] = defaultdict(set)
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            logged[row["problem"]].add((row["table_name"], row["record_id"]))
    return logged


def reported_by_kind(rules: list[dict], results: dict[str, list[tuple]]) -> dict[str, set[tuple[str, str]]]:
    """(table, record_id) reported by the rules that detect each kind."""
    reported: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for rule in rules:
        records = {(rule["table"], row[0]) for row in results.get(rule["id"], [])}
        for kind in rule.get("problems", []):
            reported[kind] |= records
    return reported


def recall_by_kind(
    kinds: list[str], logged: dict[str, set[tuple[str, str]]], reported: dict[str, set[tuple[str, str]]]
) -> list[KindRecall]:
    out = []
    for kind in kinds:
        expected = logged.get(kind, set())
        hit = expected & reported.get(kind, set())
        out.append(KindRecall(kind, len(expected), len(hit), sorted(expected - hit)))
    return out


# --- batches --------------------------------------------------------------------------------------------------------


def load_with_flow(batch_dir: Path, warehouse_dir: Path, as_of: date) -> list[str]:
    """Load a batch with the nightly flow; returns notes. The rules need staging and conformed built for the batch:
    a flow that fails after building them (in a later step) is noted, not fatal."""
    from flows.nightly import nightly_load
    from warehouse.batch import read_batch
    from warehouse.db import fetch_one

    notes = []
    state = nightly_load(batch_dir, warehouse_dir, as_of=as_of, return_state=True)
    if not state.is_completed():
        notes.append(f"flow run for {batch_dir.name} ended {state.name} ({state.type.value}): {state.message}")
    batch_id = read_batch(batch_dir).batch_id
    with duckdb.connect(str(warehouse_dir / "warehouse.duckdb"), read_only=True) as con:
        staged = con.execute("SELECT batch_id FROM staging.current_batch").fetchone()
        conformed = fetch_one(
            con.execute("SELECT count(*) FROM conformed.reconciliation WHERE batch_id = ?", [batch_id])
        )[0]
    if staged != (batch_id,) or not conformed:
        raise RuntimeError(f"{batch_dir}: staging and conformed were not built for batch {batch_id}; {notes}")
    return notes


def prepare(
    workdir: Path, *, scale: str, rate: float, seed: int, as_of: date, system: str
) -> tuple[Path, Path, Path, list[str]]:
    """Generate the faulted and clean batches and load each into its own warehouse."""
    from csc.synthetic import generate_batch

    faulted, clean = workdir / "faulted", workdir / "clean"
    log = workdir / "faults.csv"
    for folder in (faulted, clean):
        shutil.rmtree(folder, ignore_errors=True)
    generate_batch(
        faulted / "batch", as_of=as_of, scale=scale, seed=seed, fault_rate=rate, faults_log=log, system=system
    )
    generate_batch(clean / "batch", as_of=as_of, scale=scale, seed=seed, system=system)
    notes = []
    for folder in (faulted, clean):
        notes += load_with_flow(folder / "batch", folder / "warehouse", as_of)
    return faulted / "warehouse" / "warehouse.duckdb", clean / "warehouse" / "warehouse.duckdb", log, notes


def evaluate(faulted_db: Path, clean_db: Path, log: Path, rules: list[dict]):
    """(recall per kind, rows per rule on the faulted batch, rows per rule on the clean batch)."""
    from csc.synthetic import FAULT_KINDS

    faulted, clean = reported_exceptions(faulted_db), reported_exceptions(clean_db)
    recalls = recall_by_kind(list(FAULT_KINDS), read_faults_log(log), reported_by_kind(rules, faulted))
    return recalls, faulted, clean


# --- report ---------------------------------------------------------------------------------------------------------


def print_report(recalls: list[KindRecall], faulted: dict, clean: dict, rules: list[dict], *, verbose: bool) -> bool:
    ok = True
    width = max(len(r.kind) for r in recalls)
    print(f"\n{'fault kind':<{width}}  {'injected':>8}  {'found':>8}  {'recall':>7}  rules")
    print("-" * (width + 45))
    for r in recalls:
        detecting = [rule["id"] for rule in rules if r.kind in rule.get("problems", [])]
        recall = "n/a" if r.recall is None else f"{r.recall:.1f}%"
        short = not detecting or (r.recall is not None and r.recall < DQ_RECALL_TARGET)
        ok &= not short
        rule_list = ", ".join(detecting[:4]) + (f" +{len(detecting) - 4}" if len(detecting) > 4 else "")
        print(
            f"{r.kind:<{width}}  {r.injected:>8,}  {r.found:>8,}  {recall:>7}  {rule_list or 'NO RULE'}"
            + ("  <-- below target" if short else "")
        )
        if r.missed and (verbose or short):
            print(f"{'':<{width}}  missed e.g. {r.missed[:5]}")
    injected = sum(r.injected for r in recalls)
    found = sum(r.found for r in recalls)
    print("-" * (width + 45))
    print(f"{'all kinds':<{width}}  {injected:>8,}  {found:>8,}  {100 * found / max(injected, 1):>6.1f}%")

    false_positives = {rule_id: rows for rule_id, rows in clean.items() if rows}
    print(f"\nexceptions on the clean batch (false positives): {sum(len(v) for v in false_positives.values()):,}")
    for rule_id, rows in false_positives.items():
        ok = False
        print(f"  {rule_id}: {len(rows):,} e.g. {rows[0][3]}")
    if verbose:
        print("\nrows per rule on the faulted batch:")
        for rule in rules:
            print(f"  {rule['id']:<8} {rule['severity']:<8} {len(faulted[rule['id']]):>7,}  {rule['description']}")
    print(
        f"\ntarget: recall >= {DQ_RECALL_TARGET:.0f}% for every fault kind, 0 exceptions on the clean batch: "
        + ("MET" if ok else "MISSED")
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("la", "tiny"), default="la", help="Generator scale (default la).")
    parser.add_argument("--rate", type=float, default=0.02, help="Fault rate of the faulted batch (default 0.02).")
    parser.add_argument("--seed", type=int, default=1, help="Generator seed, for both batches (default 1).")
    parser.add_argument(
        "--system",
        choices=("systemc", "mosaic", "eclipse", "la-release", "contract"),
        default="systemc",
        help="The case system whose export the batches are written as (default systemc).",
    )
    parser.add_argument(
        "--workdir", type=Path, help="Folder for the batches and warehouses (default: a temporary folder, removed)."
    )
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF, help="As-of date (default 2023-08-31).")
    parser.add_argument("--rules", type=Path, default=RULES_FILE, help="Rules file (default expectations/rules.toml).")
    parser.add_argument(
        "--reuse", action="store_true", help="Do not generate or load: reuse the warehouses already in --workdir."
    )
    parser.add_argument("--verbose", action="store_true", help="Also list missed faults and rows per rule.")
    args = parser.parse_args(argv)
    if args.reuse and not args.workdir:
        parser.error("--reuse needs --workdir")

    # The flow's step-by-step log would bury the table; its warnings (files failed, blocking rules) still show.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if args.verbose else "WARNING")
    rules = [asdict(rule) for rule in load_rules(args.rules)]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="dq-recall-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        if args.reuse:
            faulted_db = workdir / "faulted" / "warehouse" / "warehouse.duckdb"
            clean_db = workdir / "clean" / "warehouse" / "warehouse.duckdb"
            log = workdir / "faults.csv"
            notes: list[str] = []
        else:
            print(
                f"generating and loading {args.scale} batches (seed {args.seed}, fault rate {args.rate}) in {workdir}"
            )
            faulted_db, clean_db, log, notes = prepare(
                workdir, scale=args.scale, rate=args.rate, seed=args.seed, as_of=args.as_of, system=args.system
            )
        loaded = time.perf_counter()
        recalls, faulted, clean = evaluate(faulted_db, clean_db, log, rules)
        checked = time.perf_counter()
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    for note in notes:
        print(f"note: {note}")
    print(
        f"{len(rules)} rules; scale {args.scale}, {args.system} export, seed {args.seed}, fault rate {args.rate}; "
        f"generate and run the pipeline on both batches {loaded - started:.0f} s, score {checked - loaded:.1f} s"
    )
    return 0 if print_report(recalls, faulted, clean, rules, verbose=args.verbose) else 1


if __name__ == "__main__":
    sys.exit(main())
