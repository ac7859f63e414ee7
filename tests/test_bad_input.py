"""Bad input, measured: a generated corpus of >= 1,000 hostile inputs (tests/hostile.py) driven through the real CLI.

Every input must end in a stored paper / a verdict, or in a one-line error naming it, with a documented exit code,
and never in a traceback; the other inputs of the same call are still processed.

Exit codes of `synth` (what these tests hold it to):

- 0: everything asked for was done.
- 1: synth reported an error: a SynthError became `Error: <one line>` (bad id, unreadable claims file, malformed
  report, database that cannot be opened or is from a newer synth, resource limit); or a batch command (`add`,
  `fetch`) could not process some of its inputs: one `failed: <file>: <reason>` (add) or `<id>: <reason>` (fetch)
  line per input on stderr, the others processed and stored.
- 2: usage error, found by click before synth runs (unknown option, bad option value, `--db` naming a directory):
  click's `Usage:` and `Try 'synth --help'` lines, then one `Error:` line.
- 130 / 143: interrupted by Ctrl-C / SIGTERM (tests/test_reliability.py).

A traceback is an exception other than SystemExit escaping the command, or "Traceback" in its output. Set
SYNTH_HOSTILE_SCALE=N (default 1) for N times as many random inputs, SYNTH_HOSTILE_SEED for another corpus.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import corpus_builder as cb
import hostile
import pytest
from click.testing import CliRunner, Result
from hostile import ACCEPT, REJECT, Hostile
from pdfgen import english_paper, long_paper

from synth.cli import cli
from synth.config import Settings
from synth.errors import ResourceLimitError
from synth.ingest.files import file_sha256, local_paper_id
from synth.ingest.text import read_text_file
from synth.ingest.passages import DEFAULT_LIMITS, Limits
from synth.ingest.pdf import parse_pdf
from synth.store import Store

SCALE = int(os.environ.get("SYNTH_HOSTILE_SCALE", "1"))
SEED = int(os.environ.get("SYNTH_HOSTILE_SEED", "20240611"))
ADD_CALLS = 5  # `synth add` calls the add inputs are spread over (each mixes every kind with good files)
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


@dataclass
class Tally:
    """What happened to every input, for the summary printed at the end of the module."""

    inputs: Counter[str] = field(default_factory=Counter)  # per kind
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, outcome)
    exit_codes: Counter[tuple[str, int]] = field(default_factory=Counter)  # (command, exit code) per call
    tracebacks: list[str] = field(default_factory=list)
    seconds: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        total = sum(self.inputs.values())
        out = [f"hostile inputs: {total} driven, {len(self.tracebacks)} tracebacks (scale {SCALE}, seed {SEED})"]
        by_kind: dict[str, list[str]] = defaultdict(list)
        for (kind, outcome), n in sorted(self.outcomes.items()):
            by_kind[kind].append(f"{outcome} {n}")
        for kind, n in sorted(self.inputs.items()):
            out.append(f"  {kind:34} {n:5}  {', '.join(by_kind[kind])}")
        codes = ", ".join(f"{cmd} exit {code}: {n}" for (cmd, code), n in sorted(self.exit_codes.items()))
        out.append(f"calls: {codes}")
        out.append("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in self.seconds.items()))
        return out


TALLY = Tally()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Hostile]:
    started = time.perf_counter()
    items = hostile.generate(tmp_path_factory.mktemp("hostile"), seed=SEED, scale=SCALE)
    TALLY.seconds["generate"] += time.perf_counter() - started
    return items


@pytest.fixture(scope="module", autouse=True)
def print_summary(request: pytest.FixtureRequest):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not TALLY.inputs:
        return
    with capture.global_and_fixture_disabled():  # shown with -q too, passing or not
        reporter.write_line("")
        for line in TALLY.lines():
            reporter.write_line(line)


def run(*args: str) -> Result:
    """`synth --quiet ARGS` in-process, exceptions caught (so a traceback is counted, not raised)."""
    return CliRunner().invoke(cli, ["--quiet", *args], catch_exceptions=True)


def traceback_of(result: Result) -> str | None:
    """The traceback of a call, if it had one."""
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-3000:]
    if "Traceback" in result.output:
        return result.output[-3000:]
    return None


def record(command: str, result: Result, inputs: list[Hostile], label: str) -> str | None:
    """Count a call; returns its traceback (also kept in the tally) or None."""
    TALLY.exit_codes[(command, result.exit_code)] += 1
    tb = traceback_of(result)
    if tb:
        TALLY.tracebacks.append(f"{label}:\n{tb}")
    return tb


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def assert_one_error_line(result: Result, label: str) -> str:
    """A failed synth call: exit 1 and exactly one `Error: ...` line on stderr (nothing else there)."""
    err = lines(result.stderr)
    assert result.exit_code == EXIT_ERROR, f"{label}: exit {result.exit_code}: {result.output[-500:]}"
    assert len(err) == 1 and err[0].startswith("Error: "), f"{label}: stderr is not one error line: {err[:5]}"
    return err[0]


def test_the_corpus_has_a_thousand_inputs_of_every_kind(corpus: list[Hostile]) -> None:
    kinds = hostile.summary(corpus)
    assert len(corpus) >= 1000
    assert {k.split("/")[0] for k in kinds} == {"pdf", "text", "claims", "seed", "arxiv-id"}
    for needed in ("pdf/random-bytes", "pdf/truncated", "pdf/encrypted", "pdf/broken-xref", "pdf/zero-pages",
                   "pdf/5000-pages", "pdf/bomb", "text/latin-1", "text/utf-16-no-bom", "text/random-bytes",
                   "text/mixed-script", "text/nul-bytes", "claims/control-chars", "claims/rtl", "claims/long-line",
                   "claims/empty", "claims/binary", "seed/missing-claims-section", "seed/broken-table",
                   "seed/huge-cell", "seed/wrong-confidence", "arxiv-id/listed"):  # fmt: skip
        assert kinds[needed] >= 1, needed


def test_the_corpus_is_deterministic(tmp_path: Path) -> None:
    a = hostile.generate(tmp_path / "a", seed=7)
    b = hostile.generate(tmp_path / "b", seed=7)
    assert [(h.kind, h.value) for h in a] == [(h.kind, h.value) for h in b]
    pairs = [(x, y) for x, y in zip(a, b) if x.path is not None and not x.kind.startswith("pdf/encrypted")]
    differ = [(x.kind, x.path.name) for x, y in pairs if _stable(x.path.read_bytes()) != _stable(y.path.read_bytes())]
    assert differ == []  # encrypted PDFs are left out: their salts are random


def _stable(data: bytes) -> bytes:
    """A file's bytes without what PyMuPDF stamps from the clock (dates, the trailer /ID, xref offsets after them,
    startxref)."""
    import re

    data = re.sub(rb"/(CreationDate|ModDate)\s*\(D:[^)]*\)", b"", data)
    data = re.sub(rb"/ID\s*\[\s*<[0-9A-Fa-f]*>\s*<[0-9A-Fa-f]*>\s*\]", b"", data)
    data = re.sub(rb"startxref\s+\d+", b"startxref", data)
    return re.sub(rb"\d{10} \d{5} [nf]", b"", data)


# -- synth add ------------------------------------------------------------------------------------------
def _good_files(folder: Path, n: int) -> list[Path]:
    """A PDF and a text file no other call has (so each call stores two new papers)."""
    folder.mkdir(parents=True, exist_ok=True)
    pdf = english_paper(folder / f"good-{n}.pdf", title=f"Optimal Transport Distillation, Part {n + 1}")
    txt = folder / f"good-{n}.txt"
    txt.write_text(
        f"Good file {n}\n\nThe distilled student improves retrieval for Swahili by {n + 2} points. "
        "Optimal transport aligns the tokens of both languages.\n",
        encoding="utf-8",
    )
    return [pdf, txt]


def test_add_stores_the_good_files_and_names_each_bad_one_on_one_line(corpus: list[Hostile], tmp_path: Path) -> None:
    inputs = list(hostile.iter_kind(corpus, "add"))
    db = tmp_path / "db" / "add.db"
    seen: set[str] = set()  # contents met before: the same bytes are the same paper, skipped the second time
    started = time.perf_counter()
    for n in range(ADD_CALLS):
        chunk = inputs[n::ADD_CALLS]  # interleaved: every call mixes PDFs, text, bombs and good files
        good = _good_files(tmp_path / "good", n)
        args = [str(good[0]), *(str(h.path) for h in chunk), str(good[1])]
        result = run("--db", str(db), "add", *args)
        assert record("add", result, chunk, f"add call {n}") is None, TALLY.tracebacks[-1]
        assert result.exit_code == EXIT_ERROR, result.output[-2000:]
        err = lines(result.stderr)
        assert all(line.startswith("failed: ") for line in err), [ln for ln in err if not ln.startswith("failed: ")][:5]
        summary = lines(result.stdout)
        assert len(summary) == 1 and f"failed {len(err)} " in summary[0], summary
        with Store(db) as store:
            for path in good:
                paper = store.paper(local_paper_id(file_sha256(path)))
                assert paper is not None and paper["status"] == "ok", (path, paper)
            for h in chunk:
                named = [line for line in err if str(h.path.resolve()) in line or str(h.path) in line]
                assert len(named) <= 1, f"{h.label}: named on {len(named)} lines"
                digest = file_sha256(h.path)
                paper = store.paper(local_paper_id(digest))
                status = paper["status"] if paper else "missing"
                outcome = "rejected" if named else status
                TALLY.inputs[h.kind] += 1
                if digest in seen and not named:  # e.g. a one-byte file: stored once, skipped after
                    TALLY.outcomes[(h.kind, "skipped (same bytes)")] += 1
                    continue
                seen.add(digest)
                TALLY.outcomes[(h.kind, outcome)] += 1
                if h.expect == REJECT:
                    assert named, f"{h.label} ({h.kind}) was not rejected: status {status}"
                if h.expect == ACCEPT:
                    assert not named and status == "ok", f"{h.label} ({h.kind}): {named or status}"
                if not named:
                    assert status in ("ok", "no-text"), f"{h.label}: status {status} but no failed: line"
        limits = {
            h.path.name: line
            for h in chunk
            for line in err
            if str(h.path) in line and h.kind in ("pdf/5000-pages", "pdf/bomb")
        }
        for name, line in limits.items():
            setting = "max_pdf_pages" if "pages-5000" in name else "max_page_content_bytes"
            assert setting in line and f"SYNTH_{setting.upper()}" in line, line
    TALLY.seconds["add"] += time.perf_counter() - started


def test_a_real_process_writes_one_stderr_line_per_bad_file(corpus: list[Hostile], tmp_path: Path) -> None:
    """Outside CliRunner: nothing else (MuPDF warnings, tracebacks, progress bars) reaches the real stderr."""
    picks: dict[str, Hostile] = {}
    for h in hostile.iter_kind(corpus, "add"):
        if h.expect == REJECT and h.kind not in picks:
            picks[h.kind] = h
    good = _good_files(tmp_path / "good", 99)
    args = [str(good[1]), *(str(h.path) for h in picks.values())]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.run(
        [sys.executable, "-m", "synth.cli", "--quiet", "--db", str(tmp_path / "p.db"), "add", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    err = lines(proc.stderr)
    assert proc.returncode == EXIT_ERROR, proc.stderr[-2000:]
    assert len(err) == len(picks) and all(line.startswith("failed: ") for line in err), err
    assert lines(proc.stdout) == [lines(proc.stdout)[0]] and proc.stdout.startswith("added 1,")


def test_fetch_from_a_mirror_of_bad_pdfs_processes_the_good_one(corpus: list[Hostile], tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    pdfs = [h for h in hostile.iter_kind(corpus, "add") if h.path.suffix == ".pdf" and h.expect == REJECT][::6]
    for i, h in enumerate(pdfs):
        shutil.copy(h.path, mirror / f"2401.{i:05d}.pdf")
    english_paper(mirror / "2301.12566.pdf")
    db = tmp_path / "mirror.db"
    result = run("--db", str(db), "fetch", "--mirror", str(mirror))
    assert record("fetch --mirror", result, pdfs, "fetch --mirror") is None, TALLY.tracebacks[-1]
    err = lines(result.stderr)
    assert result.exit_code == EXIT_ERROR and len(err) == len(pdfs), err
    assert all(line.startswith("2401.") for line in err), err
    with Store(db) as store:
        assert store.paper("2301.12566")["status"] == "ok"


# -- synth verify ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def verify_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("verify") / "verify.db"
    cb.build(Store(db)).close()
    return db


@pytest.fixture
def overlap_verifier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("synth.commands.verify.load_verifier", lambda settings, nli: cb.OverlapVerifier())


def _verify_each(inputs: list[Hostile], db: Path, option: str, command: str) -> None:
    started = time.perf_counter()
    for h in inputs:
        result = run("--db", str(db), "verify", option, str(h.path), "--encoder", "hashing", "--max-claims", "5")
        assert record(command, result, [h], h.label) is None, TALLY.tracebacks[-1]
        TALLY.inputs[h.kind] += 1
        if result.exit_code == EXIT_OK:
            TALLY.outcomes[(h.kind, "verified")] += 1
            assert h.expect != REJECT, f"{h.label} ({h.kind}) was accepted"
            assert lines(result.stdout)[-1].startswith("run "), result.stdout[-300:]
        else:
            TALLY.outcomes[(h.kind, "rejected")] += 1
            assert h.expect != ACCEPT, f"{h.label} ({h.kind}): {result.output[-500:]}"
            assert_one_error_line(result, h.label)
    TALLY.seconds[command] += time.perf_counter() - started


def test_verify_claims_files(corpus: list[Hostile], verify_db: Path, overlap_verifier: None) -> None:
    _verify_each(list(hostile.iter_kind(corpus, "claims")), verify_db, "--claims", "verify --claims")


def test_verify_claims_from_malformed_reports(corpus: list[Hostile], verify_db: Path, overlap_verifier: None) -> None:
    _verify_each(
        list(hostile.iter_kind(corpus, "seed")), verify_db, "--claims-from-report", "verify --claims-from-report"
    )


def test_fetch_from_malformed_reports(corpus: list[Hostile], tmp_path: Path) -> None:
    """The same reports as `fetch --from-report` (their References section) against an empty mirror."""
    empty = tmp_path / "empty"
    empty.mkdir()
    for h in hostile.iter_kind(corpus, "seed"):
        result = run("--db", str(tmp_path / "f.db"), "fetch", "--from-report", str(h.path), "--mirror", str(empty))
        assert record("fetch --from-report", result, [h], h.label) is None, TALLY.tracebacks[-1]
        assert result.exit_code == EXIT_ERROR, result.output[-500:]
        err = lines(result.stderr)
        assert err and all("not in mirror" in line for line in err) or len(err) == 1 and err[0].startswith("Error: "), (
            err
        )


# -- synth fetch: odd arXiv ids -----------------------------------------------------------------------------
def test_fetch_odd_arxiv_ids_one_by_one(corpus: list[Hostile], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    db = tmp_path / "ids.db"
    started = time.perf_counter()
    for h in hostile.iter_kind(corpus, "arxiv-id"):
        assert h.value is not None
        result = run("--db", str(db), "fetch", "--mirror", str(empty), "--", h.value)
        assert record("fetch ID", result, [h], h.label) is None, TALLY.tracebacks[-1]
        TALLY.inputs[h.kind] += 1
        err = lines(result.stderr)
        assert result.exit_code == EXIT_ERROR, f"{h.label}: {result.output[-300:]}"
        assert len(err) == 1, f"{h.label}: {err[:3]}"
        if err[0].startswith("Error: not an arXiv id"):
            TALLY.outcomes[(h.kind, "rejected")] += 1
        else:
            TALLY.outcomes[(h.kind, "parsed, not in mirror")] += 1
            assert err[0].endswith(f"not in mirror {empty}"), err
            token = err[0].split(":")[0]
            assert token.isascii() and ".." not in token and "\\" not in token and "\x00" not in token, token
    TALLY.seconds["fetch ids"] += time.perf_counter() - started


def test_fetch_many_odd_ids_in_one_call_is_one_line(corpus: list[Hostile], tmp_path: Path) -> None:
    """Ids are all checked before anything is fetched: one bad id refuses the call, naming the bad ones."""
    empty = tmp_path / "empty"
    empty.mkdir()
    ids = [h.value for h in hostile.iter_kind(corpus, "arxiv-id")]
    result = run("--db", str(tmp_path / "ids.db"), "fetch", "--mirror", str(empty), "--", "2301.12566", *ids)
    assert record("fetch IDS", result, [], "fetch with every odd id") is None, TALLY.tracebacks[-1]
    line = assert_one_error_line(result, "fetch many ids")
    assert line.startswith("Error: not an arXiv id: ") and " more " in line and len(line) < 2000


# -- --db that cannot be used -------------------------------------------------------------------------------
def _newer_schema(path: Path) -> Path:
    Store(path).close()
    with sqlite3.connect(path) as con:
        con.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('synth', 'm999_from_the_future', '2099')"
        )
    con.close()
    return path


def _bad_db(kind: str, tmp_path: Path) -> tuple[Path, int]:
    if kind == "directory":
        return tmp_path, EXIT_USAGE  # click checks --db (dir_okay=False) before synth runs
    if kind == "not-sqlite":
        path = tmp_path / "paper.db"
        path.write_bytes(hostile.pages_pdf(3))
        return path, EXIT_ERROR
    if kind == "random-bytes":
        path = tmp_path / "junk.db"
        path.write_bytes(os.urandom(8192))
        return path, EXIT_ERROR
    if kind == "read-only-location":
        return Path("/proc/synth-hostile.db"), EXIT_ERROR  # nobody, not even root, creates files in /proc
    if kind == "parent-is-a-file":
        parent = tmp_path / "file"
        parent.write_text("x")
        return parent / "synth.db", EXIT_ERROR
    if kind == "newer-schema":
        return _newer_schema(tmp_path / "newer.db"), EXIT_ERROR
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["directory", "not-sqlite", "random-bytes", "read-only-location", "parent-is-a-file", "newer-schema"]
)
@pytest.mark.parametrize(
    "command", [["papers"], ["add", "FILE"], ["verify", "--claims", "FILE", "--encoder", "hashing"]]
)
def test_a_database_that_cannot_be_used_is_one_error_line(kind: str, command: list[str], tmp_path: Path) -> None:
    db, code = _bad_db(kind, tmp_path)
    claims = tmp_path / "claims.txt"
    claims.write_text("Optimal transport improves retrieval.\n", encoding="utf-8")
    args = [str(claims) if a == "FILE" else a for a in command]
    result = run("--db", str(db), *args)
    assert record(f"--db {kind}", result, [], kind) is None, TALLY.tracebacks[-1]
    TALLY.inputs[f"db/{kind}"] += 1
    TALLY.outcomes[(f"db/{kind}", f"exit {result.exit_code}")] += 1
    assert result.exit_code == code, result.output
    err = lines(result.stderr)
    if code == EXIT_USAGE:
        assert [line for line in err if line.startswith("Error: ")] == [err[-1]], err
    else:
        assert len(err) == 1 and err[0].startswith("Error: ") and str(db.parent) in err[0], err
    if kind == "newer-schema":
        assert "newer" in err[0]
    if kind == "read-only-location" and os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        again = run("--db", str(ro / "synth.db"), *args)
        assert again.exit_code == EXIT_ERROR and len(lines(again.stderr)) == 1, again.output


# -- resource limits at the parsers ---------------------------------------------------------------------------
def test_limits_default_to_the_settings_defaults_and_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings()
    for name in Limits.__dataclass_fields__:
        assert getattr(DEFAULT_LIMITS, name) == getattr(defaults.limits, name), name
    monkeypatch.setenv("SYNTH_MAX_PDF_PAGES", "7")
    monkeypatch.setenv("SYNTH_MAX_PASSAGE_CHARS", "300")
    limits = Settings.from_env().limits
    assert (limits.max_pdf_pages, limits.max_passage_chars) == (7, 300)


def test_page_and_size_limits_name_the_file_the_limit_and_the_variable(tmp_path: Path) -> None:
    pdf = long_paper(tmp_path / "long.pdf", pages=12)
    with pytest.raises(ResourceLimitError) as err:
        parse_pdf(pdf, limits=Limits(max_pdf_pages=10))
    message = str(err.value)
    assert str(pdf) in message and "12 pages" in message and "10" in message and "SYNTH_MAX_PDF_PAGES" in message
    assert "\n" not in message
    with pytest.raises(ResourceLimitError, match="SYNTH_MAX_FILE_BYTES"):
        parse_pdf(pdf, limits=Limits(max_file_bytes=1000))
    txt = tmp_path / "notes.txt"
    txt.write_text("Optimal transport. " * 200, encoding="utf-8")
    with pytest.raises(ResourceLimitError, match="notes.txt.*SYNTH_MAX_FILE_BYTES"):
        read_text_file(txt, limits=Limits(max_file_bytes=100))


def test_page_text_and_content_limits_skip_pages_and_passage_limit_cuts(tmp_path: Path) -> None:
    pdf = long_paper(tmp_path / "long.pdf", pages=3)
    whole = parse_pdf(pdf)
    assert whole.passages and not whole.page_errors
    with pytest.raises(ResourceLimitError, match="no page is readable within the limits.*SYNTH_MAX_PAGE_CHARS"):
        parse_pdf(pdf, limits=Limits(max_page_chars=100))
    with pytest.raises(ResourceLimitError, match="SYNTH_MAX_PAGE_CONTENT_BYTES"):
        parse_pdf(pdf, limits=Limits(max_page_content_bytes=100))
    with pytest.raises(ResourceLimitError, match="in all.*SYNTH_MAX_PDF_CONTENT_BYTES"):
        parse_pdf(pdf, limits=Limits(max_pdf_content_bytes=1000))
    short = parse_pdf(pdf, limits=Limits(max_passage_chars=60))
    assert short.passages and max(len(p["text"]) for p in short.passages) <= 60
    assert all(short.text[p["char_start"] : p["char_end"]] == p["text"] for p in short.passages)
    txt = tmp_path / "table.txt"
    txt.write_text(" ".join(f"cell{i}" for i in range(3000)), encoding="utf-8")
    doc = read_text_file(txt, limits=Limits(max_passage_chars=500))
    assert doc.passages and max(len(p["text"]) for p in doc.passages) <= 500


def test_a_bomb_is_measured_without_being_inflated(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(hostile.flate_bomb(400, b"BT /F1 1 Tf (AAAAAAAAAAAAAAAAAAAAAAAA) Tj ET\n"))
    started = time.perf_counter()
    with pytest.raises(ResourceLimitError, match="SYNTH_MAX_PAGE_CONTENT_BYTES"):
        parse_pdf(bomb)
    assert time.perf_counter() - started < 5
    assert bomb.stat().st_size < 2_000_000


def test_limit_settings_reach_synth_add(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_MAX_PDF_PAGES", "2")
    pdf = long_paper(tmp_path / "long.pdf", pages=4)
    result = run("--db", str(tmp_path / "l.db"), "add", str(pdf))
    assert result.exit_code == EXIT_ERROR and "SYNTH_MAX_PDF_PAGES" in result.stderr, result.output


# -- found by the corpus, fixed in synth/ingest/files.py ------------------------------------------------------------------
def test_a_file_name_with_a_line_break_still_gets_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad\nname.pdf"
    bad.write_bytes(b"junk")
    result = run("--db", str(tmp_path / "n.db"), "add", str(bad))
    assert result.exit_code == EXIT_ERROR and len(lines(result.stderr)) == 1, result.stderr


def test_special_files_are_refused_not_read_forever(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    good = _good_files(tmp_path / "good", 0)[1]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    args = [
        sys.executable,
        "-m",
        "synth.cli",
        "--quiet",
        "--db",
        str(tmp_path / "s.db"),
        "add",
        "/dev/zero",
        str(fifo),
        str(good),
    ]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=8, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("synth add /dev/zero pipe.txt did not return")
    assert proc.returncode == EXIT_ERROR and len(lines(proc.stderr)) == 2 and proc.stdout.startswith("added 1,")
