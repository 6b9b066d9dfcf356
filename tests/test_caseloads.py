"""Caseloads from involvements: who holds which child at each period end, per worker and per team."""

from __future__ import annotations

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from declarations.conformed import CONFORMED_BY_NAME
from declarations.marts import MARTS_BY_NAME
from tests.frames import expected
from transforms.caseloads import caseload, caseload_by_team, caseload_child, last_30_september

E = date(2023, 8, 31)
JULY = date(2023, 7, 31)


def allocation(*rows: tuple) -> pl.LazyFrame:
    """(involvement, person, worker, team, role, holds the case, start, end) -> conformed.allocation."""
    frame = pl.DataFrame(
        [(i, p, w, t, r, h, 1 if h else None, s, e, None) for i, p, w, t, r, h, s, e in rows],
        schema=CONFORMED_BY_NAME["allocation"].polars_schema(),
        orient="row",
    )
    return frame.lazy()


def worker(*rows: tuple) -> pl.LazyFrame:
    """(worker, job title, agency, recorded caseload) -> conformed.worker."""
    return pl.DataFrame(
        [(w, title, agency, None, recorded, 1.0) for w, title, agency, recorded in rows],
        schema=CONFORMED_BY_NAME["worker"].polars_schema(),
        orient="row",
    ).lazy()


INVOLVEMENTS = allocation(
    ("I1", "P1", "W1", "T1", "CW", True, date(2023, 1, 1), None),
    # closed before the period end: not held then, held at the end of July
    ("I2", "P2", "W1", "T1", "CW", True, date(2023, 1, 1), date(2023, 8, 15)),
    # two open involvements with one child: held once, through the earlier
    ("I4", "P3", "W1", "T2", "16PLUS", True, date(2023, 3, 1), None),
    ("I3", "P3", "W1", "T1", "CW", True, date(2023, 2, 1), None),
    # an independent reviewing officer holds no case
    ("I5", "P4", "W1", "T1", "IRO", False, date(2023, 1, 1), None),
    # a second worker holding a child the first also holds
    ("I6", "P1", "W2", "T2", "16PLUS", True, date(2022, 6, 1), None),
    # no worker recorded: nobody's caseload
    ("I7", "P5", None, "T1", "CW", True, date(2023, 1, 1), None),
    # ends on the period end: closed then (open means end after E)
    ("I8", "P6", "W2", "T2", "CW", True, date(2023, 1, 1), E),
)
WORKERS = worker(
    ("W1", "Social Worker", True, 7),
    ("W2", "Newly Qualified Social Worker (ASYE)", False, None),
    ("W3", "Team Manager", False, 0),
)
CHILD = MARTS_BY_NAME["caseload_children"].polars_schema()
WORKER = MARTS_BY_NAME["caseload"].polars_schema()
TEAM = MARTS_BY_NAME["caseload_by_team"].polars_schema()


def test_the_children_each_worker_holds_at_each_period_end():
    held = caseload_child(INVOLVEMENTS, [JULY, E]).collect()
    assert_frame_equal(
        held,
        expected(
            CHILD,
            [
                (JULY, "W1", "T1", "P1", "I1", "CW", date(2023, 1, 1)),
                (JULY, "W1", "T1", "P2", "I2", "CW", date(2023, 1, 1)),
                (JULY, "W1", "T1", "P3", "I3", "CW", date(2023, 2, 1)),
                (JULY, "W2", "T2", "P1", "I6", "16PLUS", date(2022, 6, 1)),
                (JULY, "W2", "T2", "P6", "I8", "CW", date(2023, 1, 1)),
                (E, "W1", "T1", "P1", "I1", "CW", date(2023, 1, 1)),
                (E, "W1", "T1", "P3", "I3", "CW", date(2023, 2, 1)),
                (E, "W2", "T2", "P1", "I6", "16PLUS", date(2022, 6, 1)),
            ],
        ),
    )


def test_each_workers_caseload_threshold_and_recorded_figure():
    held = caseload_child(INVOLVEMENTS, [E])
    # W1 holds 2, over a threshold of 1; W2 is newly qualified: half of it, rounded down (0), and holds 1
    out = caseload(held, WORKERS, INVOLVEMENTS, E, threshold=1).collect()
    recorded_on = date(2022, 9, 30)
    assert_frame_equal(
        out,
        expected(
            WORKER,
            [
                (E, "W1", "T1", 2, 1, True, False, True, "Social Worker", 1.0, 7, recorded_on, 0),
                (
                    E,
                    "W2",
                    "T2",
                    1,
                    0,
                    True,
                    True,
                    False,
                    "Newly Qualified Social Worker (ASYE)",
                    1.0,
                    None,
                    recorded_on,
                    1,
                ),
            ],
        ),
    )


def test_team_and_service_figures_count_each_child_once():
    held = caseload_child(INVOLVEMENTS, [E])
    workers = caseload(held, WORKERS, INVOLVEMENTS, E, threshold=20)
    out = caseload_by_team(workers, held).collect()
    assert_frame_equal(
        out,
        expected(
            TEAM,
            [
                # the whole service: 2 workers, 3 holdings of 2 children (P1 is held by both)
                (E, None, 2, 2, 1.5, 1.5, 1.25, 1.75, 2, 0, 1, 50.0, 1),
                (E, "T1", 1, 2, 2.0, 2.0, 2.0, 2.0, 2, 0, 1, 100.0, 0),
                (E, "T2", 1, 1, 1.0, 1.0, 1.0, 1.0, 1, 0, 0, 0.0, 1),
            ],
        ),
    )


def test_a_worker_in_two_teams_counts_in_the_team_holding_most_of_their_children():
    involvements = allocation(
        ("I1", "P1", "W1", "T9", "CW", True, date(2023, 1, 1), None),
        ("I2", "P2", "W1", "T2", "CW", True, date(2023, 1, 1), None),
        ("I3", "P3", "W1", "T2", "CW", True, date(2023, 1, 1), None),
    )
    held = caseload_child(involvements, [E])
    out = caseload(held, WORKERS, involvements, E, threshold=20).collect()
    assert out.select("worker_id", "team_id", "children").rows() == [("W1", "T2", 3)]


def test_the_recorded_caseload_counts_at_the_last_30_september():
    assert last_30_september(date(2023, 8, 31)) == date(2022, 9, 30)
    assert last_30_september(date(2023, 9, 30)) == date(2023, 9, 30)
    assert last_30_september(date(2024, 1, 31)) == date(2023, 9, 30)


def test_a_team_counts_the_children_of_its_workers_wherever_their_involvements_sit():
    # W1 holds most of their children through T2 involvements, and one through T9: all three count for T2
    involvements = allocation(
        ("I1", "P1", "W1", "T9", "CW", True, date(2023, 1, 1), None),
        ("I2", "P2", "W1", "T2", "CW", True, date(2023, 1, 1), None),
        ("I3", "P3", "W1", "T2", "CW", True, date(2023, 1, 1), None),
    )
    held = caseload_child(involvements, [E])
    workers = caseload(held, WORKERS, involvements, E, threshold=20)
    out = caseload_by_team(workers, held).collect()
    assert out.select("team_id", "workers", "children").rows() == [(None, 1, 3), ("T2", 1, 3)]
