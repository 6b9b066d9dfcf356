"""Councils, teams and workers, and picking the team and worker that hold a piece of work."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import vocab
from .scales import Scale

TEAM_KINDS = tuple(vocab.TEAM_NAMES)
KIND = {k: i for i, k in enumerate(TEAM_KINDS)}
MANAGERS_PER_TEAM = 2


@dataclass
class Workforce:
    council_names: list[str]
    team_kind: np.ndarray  # per team: index into TEAM_KINDS
    team_council: np.ndarray
    team_number: np.ndarray  # 0-based number of the team among its council's teams of that kind
    first_team: np.ndarray  # [council, kind] -> first team index
    teams_of_kind: np.ndarray  # [kind] -> teams of that kind per council
    worker_team: np.ndarray
    worker_is_manager: np.ndarray
    first_worker: np.ndarray  # per team: its first worker (managers come first)
    practitioners: np.ndarray  # per team

    @property
    def n_teams(self) -> int:
        return len(self.team_kind)

    @property
    def n_workers(self) -> int:
        return len(self.worker_team)

    def team_for(self, rng: np.random.Generator, council: np.ndarray, kind: np.ndarray | int) -> np.ndarray:
        kind = np.broadcast_to(np.asarray(kind), council.shape)
        offset = rng.integers(0, self.teams_of_kind[kind])
        return (self.first_team[council, kind] + offset).astype(np.int32)

    def practitioner_in(self, rng: np.random.Generator, team: np.ndarray) -> np.ndarray:
        offset = rng.integers(0, self.practitioners[team])
        return (self.first_worker[team] + MANAGERS_PER_TEAM + offset).astype(np.int32)

    def manager_of(self, rng: np.random.Generator, team: np.ndarray) -> np.ndarray:
        return (self.first_worker[team] + rng.integers(0, MANAGERS_PER_TEAM, size=len(team))).astype(np.int32)


def build_workforce(scale: Scale) -> Workforce:
    kinds_per_council = np.array([scale.teams_per_council[k] for k in TEAM_KINDS])
    team_kind = np.tile(np.repeat(np.arange(len(TEAM_KINDS)), kinds_per_council), scale.councils)
    teams_per_council = int(kinds_per_council.sum())
    team_council = np.repeat(np.arange(scale.councils), teams_per_council)
    first_of_kind = np.cumsum(kinds_per_council) - kinds_per_council
    first_team = np.arange(scale.councils)[:, None] * teams_per_council + first_of_kind[None, :]
    team_number = np.arange(len(team_kind)) - first_team[team_council, team_kind]

    practitioners = np.array([scale.practitioners_per_team[TEAM_KINDS[k]] for k in team_kind])
    team_size = practitioners + MANAGERS_PER_TEAM
    first_worker = np.cumsum(team_size) - team_size
    worker_team = np.repeat(np.arange(len(team_kind)), team_size)
    worker_is_manager = (np.arange(len(worker_team)) - first_worker[worker_team]) < MANAGERS_PER_TEAM
    return Workforce(
        council_names=_council_names(scale.councils),
        team_kind=team_kind.astype(np.int32),
        team_council=team_council.astype(np.int32),
        team_number=team_number.astype(np.int32),
        first_team=first_team.astype(np.int32),
        teams_of_kind=kinds_per_council.astype(np.int32),
        worker_team=worker_team.astype(np.int32),
        worker_is_manager=worker_is_manager,
        first_worker=first_worker.astype(np.int32),
        practitioners=practitioners.astype(np.int32),
    )


def _council_names(n: int) -> list[str]:
    return vocab.council_names(n) if n > 1 else [""]


def team_names(w: Workforce) -> list[str]:
    """Team names; with several councils each is prefixed by its council ("Ashford – Assessment Team 1")."""
    names = []
    for kind, council, number in zip(w.team_kind, w.team_council, w.team_number, strict=True):
        kind_name = TEAM_KINDS[kind]
        options = vocab.TEAM_NAMES[kind_name]
        name = options[number] if number < len(options) else f"{options[0].rsplit(' ', 1)[0]} {number + 1}"
        prefix = w.council_names[council]
        names.append(f"{prefix} – {name}" if prefix else name)
    return names
