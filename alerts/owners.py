"""The owners file: who receives the alerts, and how to reach them.

Who owns what comes from an owners file (TOML, `CSC_OWNERS_FILE`)::

    [[owner]]
    name = "Safeguarding North"        # display name and key
    teams = ["105", "106"]             # team ids whose records this owner fixes (rules with owner "team")
    email = ["manager.north@council.example"]
    webhook = "https://teams.example/hook/abc"   # optional; or webhook_env = "NAME_OF_ENV_VARIABLE"

    [[owner]]
    name = "performance"               # a data role: rules whose owner is "performance" go here, for every team
    email = ["performance@council.example"]
    teams = ["unallocated"]            # a role may also own some teams' records

`load_owners` reads and checks it: a problem anywhere raises OwnersConfigError naming the file and every entry at
fault, so a bad file is never half used. An incoming-webhook URL is a capability: it is kept out of reprs and logs.
"""

from __future__ import annotations

import os
import re
import tomllib
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CONTROL_CHARACTERS", "TEAM_OWNER", "Owner", "OwnersConfigError", "is_http_url", "load_owners"]

TEAM_OWNER = "team"
"""A rule whose owner is this literal is routed record by record to the owner of the record's team."""

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class OwnersConfigError(ValueError):
    """The owners file is unusable; the message names the file and each entry at fault."""

    def __init__(self, path: Path, problems: Sequence[str]):
        self.path = path
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"owners file {path}: {len(self.problems)} problem(s):\n{lines}")


@dataclass(frozen=True)
class Owner:
    """Someone who receives alerts: a team manager (owns `teams`) or a data role (owns rules by `name`)."""

    name: str
    teams: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    webhook: str | None = field(default=None, repr=False)  # incoming-webhook URLs are capabilities: keep out of logs


_OWNER_KEYS = {"name", "teams", "email", "webhook", "webhook_env"}


def load_owners(path: Path | str) -> list[Owner]:
    """Read and check the owners file. Raises OwnersConfigError naming the file and every entry at fault."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise OwnersConfigError(path, [f"cannot read the file: {e.strerror or e}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise OwnersConfigError(path, [f"not valid TOML: {e}"]) from None

    problems: list[str] = []
    unknown = sorted(set(doc) - {"owner"})
    if unknown:
        problems.append(f"unknown top-level key(s) {', '.join(unknown)}: owners are [[owner]] entries")
    entries = doc.get("owner")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        problems.append("no [[owner]] entries")
        raise OwnersConfigError(path, problems)

    owners: list[Owner] = []
    names: dict[str, int] = {}
    team_claims: dict[str, int] = {}
    for i, entry in enumerate(entries, start=1):
        name = entry.get("name")
        where = f"[[owner]] entry {i}" + (f" ({name!r})" if isinstance(name, str) and name.strip() else "")
        entry_problems: list[str] = []

        extra = sorted(set(entry) - _OWNER_KEYS)
        if extra:
            entry_problems.append(f"unknown key(s) {', '.join(extra)} (allowed: {', '.join(sorted(_OWNER_KEYS))})")

        if not isinstance(name, str) or not name.strip():
            entry_problems.append("missing name")
            name = None
        elif CONTROL_CHARACTERS.search(name):
            entry_problems.append("name contains a control character")
        elif name.strip() == TEAM_OWNER:
            entry_problems.append(f'name "{TEAM_OWNER}" is reserved (rules with owner "team" are routed by team)')
        elif name.strip() in names:
            entry_problems.append(f"name {name!r} is also used by [[owner]] entry {names[name.strip()]}")
        if isinstance(name, str):
            name = name.strip()
            names.setdefault(name, i)

        teams = _string_list(entry.get("teams", []), "teams", entry_problems, hint='team ids are text: "105"')
        emails = _string_list(entry.get("email", []), "email", entry_problems)
        for address in emails:
            if not _EMAIL.match(address):
                entry_problems.append(f"invalid email address {address!r}")

        webhook = _webhook(entry, entry_problems)
        if not emails and webhook is None and "webhook" not in entry and "webhook_env" not in entry:
            entry_problems.append("no email and no webhook: alerts to this owner could not be delivered")

        for team in dict.fromkeys(teams):
            if team in team_claims and team_claims[team] != i:
                other = entries[team_claims[team] - 1].get("name")
                entry_problems.append(
                    f"team {team!r} is also claimed by [[owner]] entry {team_claims[team]} ({other!r}); "
                    "a team has one owner"
                )
            else:
                team_claims[team] = i

        problems.extend(f"{where}: {p}" for p in entry_problems)
        if not entry_problems and name is not None:
            owners.append(Owner(name, tuple(dict.fromkeys(teams)), tuple(dict.fromkeys(emails)), webhook))

    if problems:
        raise OwnersConfigError(path, problems)
    return owners


def _string_list(value: Any, key: str, problems: list[str], hint: str = "") -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{key} must be a list of non-empty strings" + (f" ({hint})" if hint else ""))
        return []
    return [v.strip() for v in value]


def _webhook(entry: Mapping[str, Any], problems: list[str]) -> str | None:
    url = entry.get("webhook")
    env = entry.get("webhook_env")
    if url is not None and env is not None:
        problems.append("give webhook or webhook_env, not both")
        return None
    if env is not None:
        if not isinstance(env, str) or not _ENV_NAME.match(env):
            problems.append("webhook_env must be the name of an environment variable")
            return None
        url = os.environ.get(env)
        if not url:
            problems.append(f"webhook_env: environment variable {env} is not set")
            return None
        source = f"the URL in environment variable {env}"
    elif url is None:
        return None
    else:
        source = "webhook"
    if not isinstance(url, str) or not is_http_url(url):
        problems.append(f"{source} must be an http(s) URL")
        return None
    return url


def is_http_url(url: str) -> bool:
    """An http(s) URL with a host and no control character (the only webhooks posted to)."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not CONTROL_CHARACTERS.search(url)
