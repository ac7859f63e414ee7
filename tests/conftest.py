"""Shared fixtures: a temporary database and a CLI runner bound to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "synth.db"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
