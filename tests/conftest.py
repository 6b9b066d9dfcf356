from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from csc.settings import apply_prefect_defaults

apply_prefect_defaults()


def write_batch(folder: Path, files: Mapping[str, str | bytes], *, ready: bool = True) -> Path:
    """A batch folder from inline file contents (str is written as UTF-8, bytes as they are)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    if ready:
        (folder / "_READY").write_text("")
    return folder


@pytest.fixture
def batch_dir(tmp_path: Path) -> Path:
    return tmp_path / "batch"


@pytest.fixture
def warehouse_dir(tmp_path: Path) -> Path:
    return tmp_path / "warehouse"


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """One temporary Prefect server for the whole test session (it takes ~13 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    os.environ.setdefault("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect_home")))
    with prefect_test_harness(server_startup_timeout=120):
        yield
