"""The store package is the one boundary to SQLite: no SQL, no sqlite3 / sqlite-utils and no `store.db` anywhere else
in synth/, nor in the Makefile; every command opens the store as a context manager (so it is closed)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL = re.compile(
    r"\.execute\(|\.executemany\(|\.query\(|\brows_where\(|\bdb\[|\bstore\.db\b|\.conn\b|\bsqlite3\b|\bsqlite_utils\b"
    r"|\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|PRAGMA|CREATE (TABLE|INDEX)|BEGIN|COMMIT)\b"
)


def offenders(paths: list[Path]) -> list[str]:
    out = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if SQL.search(line):
                out.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    return out


def test_no_sql_outside_the_store_package():
    files = [p for p in (ROOT / "synth").rglob("*.py") if "store" not in p.relative_to(ROOT / "synth").parts[:1]]
    assert len(files) > 40
    assert offenders(files) == []


def test_the_makefile_asks_synth_instead_of_sqlite():
    assert offenders([ROOT / "Makefile"]) == []


def test_the_check_sees_sql():
    sample = ROOT / "tests" / "test_store_boundary.py"
    assert offenders([sample])  # this file's own pattern lines count: the check can fail


def test_commands_open_the_store_as_a_context_manager():
    for path in [ROOT / "synth" / "cli.py", *(ROOT / "synth" / "commands").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "Store(" not in text, path.name
        for line in text.splitlines():
            if "open_store(" in line and "import" not in line:
                assert line.strip().startswith("with open_store("), f"{path.name}: {line.strip()}"
