"""Crash safety and concurrency, on real processes and real SQLite files.

Kill trials: `synth add`, `synth fetch --mirror` and `synth verify` are started as processes and SIGKILLed at a
random moment (seeded). After each kill the database must pass `PRAGMA integrity_check`, hold no claim without its
verdict and no paper with part of its passages, and show a killed run as interrupted; re-running the same command
must then complete with exactly the rows of an uninterrupted run, no duplicates.

Concurrency: two `synth verify` runs and one `synth add` on one database at once all complete, and no
"database is locked" reaches the user.

SYNTH_KILL_TRIALS (default 10) sets the trials per command; the long variant runs with SYNTH_KILL_TRIALS=50.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import corpus_builder as cb
import pdfgen
from synth.store import Store

TRIALS = int(os.environ.get("SYNTH_KILL_TRIALS", "10"))
N_FILES = 86  # files in the `synth add` folder
DRIVER = Path(__file__).with_name("synth_proc.py")
ENV = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")


def _as_from_a_terminal() -> None:
    """In the child before exec: signals as a shell started from a terminal gives them. A child inherits its
    parent's blocked-signal mask and ignored signals, and libraries loaded by earlier tests in this pytest process
    may have blocked or ignored SIGINT, which would make Ctrl-C a no-op for the CLI under test."""
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def synth(db: Path, *args: str) -> subprocess.Popen:
    """Start the real CLI on `db` as its own process."""
    return subprocess.Popen(
        [sys.executable, str(DRIVER), "--db", str(db), "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        preexec_fn=_as_from_a_terminal,
    )


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def run_to_end(db: Path, *args: str) -> tuple[int, str, str]:
    return finish(synth(db, *args))


def kill_at(proc: subprocess.Popen, delay: float) -> bool:
    """SIGKILL `proc` after `delay` seconds; False if it had already exited."""
    try:
        proc.wait(timeout=delay)
        proc.communicate()
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        return True


def count_ro(db: Path, sql: str) -> int:
    """A count read through a read-only connection (never creates the file; 0 while it is not there yet)."""
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute(sql).fetchone()[0])
        finally:
            con.close()
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def kill_when(proc: subprocess.Popen, db: Path, sql: str, target: int, jitter: float) -> bool:
    """SIGKILL `proc` `jitter` seconds after `sql` counts `target` rows (a moment inside the work, not at start-up);
    False if it exited first."""
    while proc.poll() is None and count_ro(db, sql) < target:
        time.sleep(0.005)
    return kill_at(proc, jitter)


def moments(total: int, seed: int) -> list[tuple[int, float]]:
    """Per trial: how many rows to wait for (1 … total-1) and a jitter of up to 50 ms after that (seeded)."""
    rng = random.Random(seed)
    return [(rng.randint(1, max(1, total - 1)), rng.uniform(0.0, 0.05)) for _ in range(TRIALS)]


def timed(db: Path, *args: str) -> float:
    """Seconds one uninterrupted run takes (it must succeed)."""
    start = time.monotonic()
    code, out, err = run_to_end(db, *args)
    assert code == 0, err
    return time.monotonic() - start


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def integrity(db: Path) -> str:
    return rows(db, "PRAGMA integrity_check")[0][0]


def passages_per_paper(db: Path) -> dict[str, int]:
    """Passage counts of the papers stored complete (status ok / no-text); {} for a file killed before its
    migrations committed (SQLite created it, no table is in it yet)."""
    if not rows(db, "SELECT 1 FROM sqlite_master WHERE name = 'papers'"):
        return {}
    return dict(
        rows(
            db,
            "SELECT p.id, COUNT(s.id) FROM papers p LEFT JOIN passages s ON s.paper_id = p.id "
            "WHERE p.status IN ('ok', 'no-text') GROUP BY p.id",
        )
    )


def check_papers(db: Path, reference: dict[str, int]) -> None:
    """Every paper stored as complete has exactly its passages; no other paper has any (no half papers)."""
    assert integrity(db) == "ok"
    for pid, n in passages_per_paper(db).items():
        assert n == reference[pid], f"{pid}: {n} passages stored, {reference[pid]} in an uninterrupted run"
    if not passages_per_paper(db):
        return
    stray = rows(
        db,
        "SELECT p.id, p.status, COUNT(s.id) FROM papers p JOIN passages s ON s.paper_id = p.id "
        "WHERE p.status NOT IN ('ok', 'no-text') GROUP BY p.id",
    )
    assert stray == []
    assert rows(db, "SELECT paper_id, ord, COUNT(*) FROM passages GROUP BY paper_id, ord HAVING COUNT(*) > 1") == []


def kill_somewhere(proc: subprocess.Popen, db: Path, sql: str, total: int, trial: int, seed: int) -> bool:
    """Kill trial `trial`: the first two kill within half a second of the start (opening, migrations, start-up),
    the others once a random number of the `total` rows is stored, plus a random jitter (seeded: replayable)."""
    target, jitter = moments(total, seed)[trial]
    if trial < 2:
        return kill_at(proc, 0.05 + jitter * 9)
    return kill_when(proc, db, sql, target, jitter)


# -- synth add ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def local_files(tmp_path_factory) -> Path:
    """A folder of text notes in four languages and 6 PDFs: enough work for `synth add` to take a few seconds."""
    folder = tmp_path_factory.mktemp("files")
    texts = [text for p in cb.DEFAULT for _, text in p.passages]
    for i in range(N_FILES - 6):
        body = "\n\n".join(f"Section {j} of note {i}. {texts[(i + j) % len(texts)]}" for j in range(12))
        (folder / f"note-{i:03d}.md").write_text(f"# Note {i}\n\n{body}\n", encoding="utf-8")
    for i, make in enumerate([pdfgen.english_paper, pdfgen.german_paper, pdfgen.swahili_paper] * 2):
        make(folder / f"paper-{i}.pdf", title=f"Paper {i}")
    return folder


STORED = "SELECT COUNT(*) FROM papers WHERE status IN ('ok', 'no-text')"


def test_add_survives_sigkill_and_resumes(tmp_path, local_files):
    reference_db = tmp_path / "reference.db"
    timed(reference_db, "add", str(local_files))
    reference = passages_per_paper(reference_db)
    assert len(reference) == N_FILES
    mid_work = 0
    for trial in range(TRIALS):
        db = tmp_path / f"add-{trial}.db"
        killed = kill_somewhere(synth(db, "add", str(local_files)), db, STORED, len(reference), trial, seed=1)
        if db.exists():
            check_papers(db, reference)
            mid_work += killed and 0 < len(passages_per_paper(db)) < len(reference)
            unfinished = count_ro(db, "SELECT COUNT(*) FROM fetch_log WHERE finished_at IS NULL")
            assert unfinished <= 1  # the killed call's log entry stays open: it is read as interrupted
        code, out, err = run_to_end(db, "add", str(local_files))
        assert code == 0, err
        assert passages_per_paper(db) == reference
        check_papers(db, reference)
    assert mid_work >= TRIALS // 2, f"only {mid_work} of {TRIALS} kills landed while papers were being stored"


# -- synth fetch --mirror -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mirror(tmp_path_factory) -> Path:
    """A mirror folder of 24 arXiv PDFs with metadata."""
    folder = tmp_path_factory.mktemp("mirror")
    makers = [pdfgen.english_paper, pdfgen.german_paper, pdfgen.swahili_paper]
    sources = [makers[i](folder / f"src-{i}.pdf") for i in range(3)]
    for i in range(24):
        aid = f"2301.{10000 + i}"
        shutil.copy(sources[i % 3], folder / f"{aid}.pdf")
        meta = {"id": f"{aid}v1", "title": f"Paper {i}", "authors": ["A. Author"], "published": "2023-01-29"}
        (folder / f"{aid}.json").write_text(json.dumps(meta), encoding="utf-8")
    for src in sources:
        src.unlink()
    return folder


def test_fetch_survives_sigkill_and_resumes(tmp_path, mirror):
    reference_db = tmp_path / "reference.db"
    timed(reference_db, "fetch", "--mirror", str(mirror))
    reference = passages_per_paper(reference_db)
    assert len(reference) == 24
    mid_work = 0
    for trial in range(TRIALS):
        db = tmp_path / f"fetch-{trial}.db"
        killed = kill_somewhere(synth(db, "fetch", "--mirror", str(mirror)), db, STORED, len(reference), trial, seed=2)
        if db.exists():
            check_papers(db, reference)
            mid_work += killed and 0 < len(passages_per_paper(db)) < len(reference)
        code, out, err = run_to_end(db, "fetch", "--mirror", str(mirror))
        assert code == 0, err
        assert passages_per_paper(db) == reference
        check_papers(db, reference)
    assert mid_work >= TRIALS // 2, f"only {mid_work} of {TRIALS} kills landed while papers were being stored"


# -- synth verify -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def verify_inputs(tmp_path_factory) -> tuple[Path, Path, int]:
    """A stored corpus and a claims file of 300 claims."""
    folder = tmp_path_factory.mktemp("verify")
    db = folder / "corpus.db"
    cb.build(Store(db)).close()
    sentences = [s.strip() for p in cb.DEFAULT for _, t in p.passages for s in t.split(". ") if len(s) > 30]
    rng = random.Random(3)
    claims = [f"{rng.choice(sentences).rstrip('.')} in setting {i}." for i in range(300)]
    path = folder / "claims.txt"
    path.write_text("\n".join(claims) + "\n", encoding="utf-8")
    return db, path, len(claims)


def check_runs(db: Path) -> None:
    assert integrity(db) == "ok"
    orphans = rows(db, "SELECT c.id FROM claims c LEFT JOIN verdicts v ON v.claim_id = c.id WHERE v.claim_id IS NULL")
    assert orphans == [], f"{len(orphans)} claims without a verdict"
    assert rows(db, "SELECT run_id, position FROM claims GROUP BY run_id, position HAVING COUNT(*) > 1") == []


def listed_runs(db: Path) -> list[dict]:
    code, out, err = run_to_end(db, "runs", "--json")
    assert code == 0, err
    return json.loads(out)


def labels(db: Path, run_id: int) -> list[str]:
    return [r[0] for r in rows(db, "SELECT v.label FROM claims c JOIN verdicts v ON v.claim_id = c.id WHERE c.run_id = ? ORDER BY c.position", (run_id,))]


def test_verify_survives_sigkill_shows_interrupted_and_resumes(tmp_path, verify_inputs):
    """Even trials re-run the command (a new complete run; the killed one stays interrupted), odd trials resume the
    killed run itself, which must end with exactly the verdicts of an uninterrupted run."""
    corpus, claims, n = verify_inputs
    args = ("verify", "--claims", str(claims), "--encoder", "hashing")
    reference_db = tmp_path / "reference.db"
    shutil.copy(corpus, reference_db)
    timed(reference_db, *args)
    reference = labels(reference_db, 1)
    assert len(reference) == n
    mid_work = 0
    for trial in range(TRIALS):
        db = tmp_path / f"verify-{trial}.db"
        shutil.copy(corpus, db)
        killed = kill_somewhere(synth(db, *args), db, "SELECT COUNT(*) FROM claims", n, trial, seed=4)
        check_runs(db)
        before = listed_runs(db)
        if killed and before and before[-1]["status"] == "done":  # killed after its finish was committed
            assert before[-1]["claims"] == n
            killed = False
        if killed and before:
            assert before[-1]["status"] == "interrupted", before[-1]
            mid_work += 0 < before[-1]["claims"] < n
        if trial % 2 and killed and before:
            code, out, err = run_to_end(db, "verify", "--resume", str(before[-1]["id"]))
            assert code == 0, err
            after = listed_runs(db)
            assert len(after) == len(before) and after[-1]["status"] == "done" and after[-1]["claims"] == n
            assert labels(db, after[-1]["id"]) == reference
        else:
            code, out, err = run_to_end(db, *args)
            assert code == 0, err
            after = listed_runs(db)
            assert after[-1]["status"] == "done" and after[-1]["claims"] == n
            assert labels(db, after[-1]["id"]) == reference
            assert [r["status"] for r in after[:-1]] == [r["status"] for r in before]  # the killed run stays interrupted
        check_runs(db)
    assert mid_work >= TRIALS // 2, f"only {mid_work} of {TRIALS} kills landed while claims were being stored"


def test_resume_refuses_a_finished_run_and_a_changed_input(tmp_path, verify_inputs):
    corpus, claims, n = verify_inputs
    db = tmp_path / "r.db"
    shutil.copy(corpus, db)
    mine = tmp_path / "claims.txt"
    shutil.copy(claims, mine)
    proc = synth(db, "verify", "--claims", str(mine), "--encoder", "hashing")
    assert kill_when(proc, db, "SELECT COUNT(*) FROM claims", 30, 0.0)
    lines = mine.read_text(encoding="utf-8").splitlines()
    mine.write_text("\n".join(["A different first claim about retrieval."] + lines[1:]) + "\n", encoding="utf-8")
    code, out, err = run_to_end(db, "verify", "--resume", "1")
    assert code == 1 and "cannot be resumed: its claim 1 is no longer the same" in err and "Traceback" not in err
    mine.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_to_end(db, "verify", "--resume", "1")
    assert code == 0, err
    assert out.startswith(f"run 1: {n} claims:") and "judged now" in out
    code, out, err = run_to_end(db, "verify", "--resume", "1")
    assert code == 1 and "run 1 is done: only an interrupted or failed run can be resumed" in err


def test_report_of_an_interrupted_run_says_so(tmp_path, verify_inputs):
    corpus, claims, n = verify_inputs
    db = tmp_path / "v.db"
    shutil.copy(corpus, db)
    proc = synth(db, "verify", "--claims", str(claims), "--encoder", "hashing")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill once some claims are stored
        if rows(db, "SELECT COUNT(*) FROM verdicts")[0][0] >= 20:
            break
        time.sleep(0.05)
    assert kill_at(proc, 0)
    code, out, err = run_to_end(db, "report")
    assert code == 0, err
    assert "status: interrupted" in out
    assert "Incomplete run" in out


# -- concurrency --------------------------------------------------------------------------------------------
def test_two_verify_runs_and_an_add_at_once(tmp_path, verify_inputs, local_files):
    corpus, claims, n = verify_inputs
    db = tmp_path / "shared.db"
    shutil.copy(corpus, db)
    papers_before = rows(db, "SELECT COUNT(*) FROM papers")[0][0]
    procs = [
        synth(db, "verify", "--claims", str(claims), "--encoder", "hashing"),
        synth(db, "verify", "--claims", str(claims), "--encoder", "hashing"),
        synth(db, "add", str(local_files)),
    ]
    results = [finish(p) for p in procs]
    for code, out, err in results:
        assert "locked" not in (out + err).lower()
        assert code == 0, err
    check_runs(db)
    runs = listed_runs(db)
    assert [(r["status"], r["claims"]) for r in runs] == [("done", n), ("done", n)]
    assert rows(db, "SELECT COUNT(*) FROM papers")[0][0] == papers_before + N_FILES
    verdicts = rows(
        db,
        "SELECT c.run_id, c.position, v.label FROM claims c JOIN verdicts v ON v.claim_id = c.id ORDER BY c.run_id, c.position",
    )
    first = [label for rid, _, label in verdicts if rid == runs[0]["id"]]
    second = [label for rid, _, label in verdicts if rid == runs[1]["id"]]
    assert len(first) == len(second) == n


def test_fresh_database_opened_by_many_processes_at_once(tmp_path):
    """Migrations of a new file run under the write lock: eight processes creating it at once all succeed."""
    db = tmp_path / "new.db"
    procs = [synth(db, "papers") for _ in range(8)]
    for code, out, err in (finish(p) for p in procs):
        assert code == 0, err
    assert integrity(db) == "ok"
    assert rows(db, "SELECT COUNT(*) FROM _sqlite_migrations")[0][0] == rows(db, "SELECT COUNT(DISTINCT name) FROM _sqlite_migrations")[0][0]


@pytest.mark.parametrize("signum, code, reason", [
    (signal.SIGTERM, 143, "stopped by a signal (exit 143)"),
    (signal.SIGINT, 130, "stopped by Ctrl-C"),
])  # fmt: skip
def test_sigterm_and_ctrl_c_close_the_run_as_interrupted(tmp_path, verify_inputs, signum, code, reason):
    corpus, claims, n = verify_inputs
    db = tmp_path / "t.db"
    shutil.copy(corpus, db)
    proc = synth(db, "verify", "--claims", str(claims), "--encoder", "hashing")
    while proc.poll() is None and count_ro(db, "SELECT COUNT(*) FROM claims") < 10:
        time.sleep(0.01)
    proc.send_signal(signum)
    exit_code, out, err = finish(proc)
    assert exit_code == code and "Traceback" not in err
    check_runs(db)
    status, error = rows(db, "SELECT status, error FROM runs ORDER BY id DESC LIMIT 1")[0]
    assert status == "interrupted" and error == reason  # stored, not only inferred from a dead pid


def test_report_counts_an_interrupted_fetch(tmp_path, mirror, verify_inputs):
    corpus, claims, n = verify_inputs
    db = tmp_path / "f.db"
    shutil.copy(corpus, db)
    stored_before = count_ro(db, STORED)
    assert kill_when(synth(db, "fetch", "--mirror", str(mirror)), db, STORED, stored_before + 3, 0.0)
    code, out, err = run_to_end(db, "verify", "--claims", str(claims), "--encoder", "hashing")
    assert code == 0, err
    code, out, err = run_to_end(db, "report")
    assert code == 0, err
    assert "1 request stopped before finishing (interrupted)" in out
