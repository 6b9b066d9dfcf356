"""A region: councils generated side by side (``csc generate --councils``), their figures set beside each other and
the region's (``transforms.region``), and the regional run on a Dask cluster (``csc run-region``)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from csc.cli import app
from csc.synthetic.region import region_councils

runner = CliRunner()


def test_generate_councils_writes_one_complete_batch_folder_per_council_of_varied_size(tmp_path: Path):
    landing = tmp_path / "landing"
    args = ["generate", "--councils", "3", "--out", str(landing), "--as-of", "2023-08-31", "--scale", "tiny"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    folders = sorted(p.name for p in landing.iterdir() if p.is_dir())
    assert folders == ["council-001", "council-002", "council-003"]
    persons = set()
    for folder in folders:
        marker = json.loads((landing / folder / "_READY").read_text())
        persons.add(marker["tables"]["ssd_person"])
    assert len(persons) == 3, "each council its own size"
    manifest = (landing / "councils.csv").read_text().splitlines()
    assert manifest[0] == "code,name,system,size,child_population"
    assert [line.split(",")[0] for line in manifest[1:]] == folders
    assert "wrote 3 councils" in result.output


def test_a_region_is_the_same_for_the_same_seed_and_differs_for_another():
    assert region_councils(5, "la", 7) == region_councils(5, "la", 7)
    assert region_councils(5, "la", 7) != region_councils(5, "la", 8)
    england = region_councils(150, "la", 1)
    assert len({c.system for c in england}) > 1
    assert 0.4 <= min(c.size for c in england) < 1 < max(c.size for c in england) <= 2.5


def test_generate_councils_checks_its_arguments(tmp_path: Path):
    result = runner.invoke(app, ["generate", "--councils", "0", "--out", str(tmp_path), "--as-of", "2023-08-31"])
    assert result.exit_code == 1
    assert "--councils" in result.output
