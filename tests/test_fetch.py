"""`synth fetch` end to end against a loopback fake arXiv: the real `arxiv` client, real PDFs, real faults."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner

from synth.cli import cli
from synth.config import Settings
from synth.ingest.collect import DEFAULT_IDS, fetch_papers
from synth.ingest.http import Downloader, retry_after
from synth.store import Store

from fake_arxiv import API, FakeArxiv, point_cli_at, run_fetch as fetch, FakePaper, closed_port_url
from pdfgen import english_paper, german_paper, pdf_bytes, two_column_paper

TIMEOUT = 0.5  # client timeout in these tests; the fake's "timeout" fault sleeps longer
FAST = {"SYNTH_ARXIV_DELAY": "0", "SYNTH_HTTP_TIMEOUT": str(TIMEOUT), "SYNTH_HTTP_RETRIES": "2", "SYNTH_HTTP_BACKOFF": "0.01"}

EN, DE, TWO = "2301.12566", "1809.05053", "2004.09813"


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    """Three real papers (English, German, two-column), built once."""
    return {EN: pdf_bytes(english_paper), DE: pdf_bytes(german_paper), TWO: pdf_bytes(two_column_paper)}


@pytest.fixture
def fake(pdfs: dict[str, bytes]) -> Iterator[FakeArxiv]:
    server = FakeArxiv(slow_seconds=TIMEOUT * 2).start()
    server.add(
        FakePaper(EN, pdfs[EN], title="Improving Cross-lingual Information Retrieval via Optimal Transport Distillation",
                  authors=["Zhiqi Huang", "Puxuan Yu", "James Allan"], abstract="Optimal transport distillation for CLIR."),
        FakePaper(DE, pdfs[DE], title="XNLI: Evaluating Cross-lingual Sentence Representations",
                  abstract="A cross-lingual NLI benchmark.", categories=["cs.CL"]),
        FakePaper(TWO, pdfs[TWO], version=2, title="Making Monolingual Sentence Embeddings Multilingual",
                  abstract="Knowledge distillation with optimal transport free of labels."),
    )  # fmt: skip
    yield server
    server.stop()


@pytest.fixture
def env(fake: FakeArxiv, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """SYNTH_* variables pointing the CLI at the fake, with tiny delays, timeouts and backoffs."""
    return point_cli_at(fake, db_path, monkeypatch, FAST)


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return Settings.from_env()



def rows(db_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db_path) as con:
        return con.execute(sql, params).fetchall()


def papers(db_path: Path) -> dict[str, dict]:
    with sqlite3.connect(db_path) as con:
        con.row_factory = sqlite3.Row
        return {r["id"]: dict(r) for r in con.execute("SELECT * FROM papers")}


def passage_counts(db_path: Path) -> dict[str, int]:
    return dict(rows(db_path, "SELECT paper_id, COUNT(*) FROM passages GROUP BY paper_id"))


def fetch_logs(db_path: Path) -> list[dict]:
    with sqlite3.connect(db_path) as con:
        con.row_factory = sqlite3.Row
        out = [dict(r) for r in con.execute("SELECT * FROM fetch_log ORDER BY id")]
    for r in out:
        for key in ("request", "failures", "events"):
            r[key] = json.loads(r[key]) if r[key] else None
    return out


def assert_consistent(db_path: Path) -> None:
    """Failed papers carry a reason and no passages; ok papers have passages and a cached PDF; no temp files."""
    for pid, p in papers(db_path).items():
        count = passage_counts(db_path).get(pid, 0)
        if p["status"] == "failed":
            assert p["error"] and count == 0, p
        elif p["status"] == "ok":
            assert count > 0 and p["pdf_path"] and Path(p["pdf_path"]).is_file(), p
    pdf_dir = db_path.parent / "pdfs"
    leftovers = list(pdf_dir.glob(".*")) if pdf_dir.exists() else []
    assert leftovers == []  # no half-written download survives
    assert rows(db_path, "SELECT COUNT(*) FROM passages")[0][0] == len(
        set(rows(db_path, "SELECT paper_id, ord FROM passages"))
    )


# -- the happy path ---------------------------------------------------------------------------------------
def test_fetch_ids_in_any_form_stores_metadata_pdfs_and_passages(env, fake: FakeArxiv, db_path: Path) -> None:
    result = fetch(f"arXiv:{EN}", f"https://arxiv.org/abs/{DE}v1", f"https://arxiv.org/pdf/{TWO}.pdf")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["ids: 3 found, 3 fetched, 0 already stored, 0 failed (fetch log #1)"]
    stored = papers(db_path)
    assert set(stored) == {EN, DE, TWO}
    assert {p["status"] for p in stored.values()} == {"ok"}
    assert stored[EN]["title"].startswith("Improving Cross-lingual Information Retrieval")
    assert json.loads(stored[EN]["authors"]) == ["Zhiqi Huang", "Puxuan Yu", "James Allan"]
    assert stored[EN]["published"] == "2023-01-29" and stored[EN]["source"] == "arxiv"
    assert (stored[DE]["version"], stored[TWO]["version"]) == ("v1", "v2")
    counts = passage_counts(db_path)
    assert all(counts.get(pid, 0) >= 3 for pid in (EN, DE, TWO)), counts
    assert {p.name for p in (db_path.parent / "pdfs").iterdir()} == {f"{EN}v1.pdf", f"{DE}v1.pdf", f"{TWO}v2.pdf"}
    assert len(fake.api_requests()) == 1  # one batched id_list request
    assert fake.api_requests()[0]["id_list"] == [f"{EN},{DE}v1,{TWO}"]
    (log,) = fetch_logs(db_path)
    assert (log["kind"], log["hits"], log["fetched"], log["failed"]) == ("ids", 3, 3, 0)
    assert log["finished_at"] and log["request"]["ids"] == [EN, f"{DE}v1", TWO]
    assert_consistent(db_path)


def test_progress_goes_to_stderr_and_stdout_keeps_one_line(env, fake: FakeArxiv) -> None:
    result = CliRunner().invoke(cli, ["fetch", EN], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["ids: 1 found, 1 fetched, 0 already stored, 0 failed (fetch log #1)"]
    assert "fetch:" in result.stderr and "0/1" in result.stderr  # the tqdm bar


def test_rerun_skips_stored_papers_without_any_request(env, fake: FakeArxiv, db_path: Path) -> None:
    assert fetch(EN, DE).exit_code == 0
    before = (passage_counts(db_path), len(fake.requests))
    result = fetch(EN, DE)
    assert result.exit_code == 0
    assert "0 fetched, 2 already stored, 0 failed" in result.stdout
    assert (passage_counts(db_path), len(fake.requests)) == before
    assert [log["skipped"] for log in fetch_logs(db_path)] == [0, 2]


def test_bad_id_is_rejected_before_anything_is_fetched(env, fake: FakeArxiv, db_path: Path) -> None:
    result = fetch(EN, "2301.1256x")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: not an arXiv id: '2301.1256x' (e.g. 2301.12566, 2301.12566v2, arXiv:2301.12566, "
        "https://arxiv.org/abs/2301.12566 or hep-th/9901001)"
    ]
    assert "Traceback" not in result.output
    assert fake.requests == [] and fetch_logs(db_path) == [] and papers(db_path) == {}


def test_unknown_id_fails_alone(env, fake: FakeArxiv, db_path: Path) -> None:
    result = fetch(EN, "2401.99999")
    assert result.exit_code == 1
    assert "1 fetched, 0 already stored, 1 failed" in result.stdout
    assert result.stderr.splitlines() == ["2401.99999: not found on arXiv"]
    assert set(papers(db_path)) == {EN}  # nothing stored for an id arXiv does not know
    (log,) = fetch_logs(db_path)
    assert log["failures"] == [{"id": "2401.99999", "reason": "not found on arXiv"}]


def test_id_arxiv_rejects_is_isolated_from_its_batch(env, fake: FakeArxiv, db_path: Path) -> None:
    result = fetch(EN, "nosuch/9901001", DE)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["nosuch/9901001: arXiv rejected the id (HTTP 400)"]
    assert {p["status"] for p in papers(db_path).values()} == {"ok"} and set(papers(db_path)) == {EN, DE}


# -- faults -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fault, fault_text",
    [("503", "HTTP 503"), ("429", "HTTP 429"), ("timeout", "timed out"), ("truncated", "PDF"), ("html", "HTML")],
)
def test_transient_pdf_fault_is_retried_and_recorded(env, fake: FakeArxiv, db_path: Path, fault: str, fault_text: str) -> None:
    fake.fault(EN, fault)
    result = fetch(EN, DE)
    assert result.exit_code == 0, result.output
    assert papers(db_path)[EN]["status"] == "ok"
    assert fake.pdf_requests(EN) == 2 and fake.pdf_requests(DE) == 1
    (log,) = fetch_logs(db_path)
    (event,) = log["events"]
    assert event["id"] == EN and fault_text in event["fault"] and event["action"].startswith("retry")
    assert_consistent(db_path)


def test_429_honours_retry_after(env, fake: FakeArxiv, db_path: Path) -> None:
    fake.fault(EN, "429-retry-after")
    started = time.monotonic()
    assert fetch(EN).exit_code == 0
    assert time.monotonic() - started >= 1.0  # Retry-After: 1, not the 0.01 s backoff
    (event,) = fetch_logs(db_path)[0]["events"]
    assert event["action"] == "retry in 1 s"


@pytest.mark.parametrize(
    "fault, reason, attempts",
    [
        ("503", "HTTP 503 (3 attempts)", 3),
        ("timeout", f"timed out after {TIMEOUT:g} s (3 attempts)", 3),
        ("truncated", "PDF", 2),  # a bad body is tried twice, not `retries` times
        ("html", "got an HTML page (text/html; charset=utf-8), not a PDF", 2),
    ],
)
def test_persistent_pdf_fault_fails_that_paper_only(env, fake: FakeArxiv, db_path: Path, fault: str, reason: str, attempts: int) -> None:
    fake.fault(EN, fault, times=None)
    result = fetch(EN, DE)
    assert result.exit_code == 1
    assert "1 fetched, 0 already stored, 1 failed" in result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{EN}: ") and reason in line
    stored = papers(db_path)
    assert stored[EN]["status"] == "failed" and reason in stored[EN]["error"]
    assert stored[EN]["title"].startswith("Improving")  # metadata was stored first
    assert stored[DE]["status"] == "ok"
    assert fake.pdf_requests(EN) == attempts
    assert not (db_path.parent / "pdfs" / f"{EN}v1.pdf").exists()
    events = fetch_logs(db_path)[0]["events"]
    assert len(events) == attempts and events[-1]["action"] == "gave up"
    assert_consistent(db_path)

    # the fault clears: a re-run fetches only the failed paper, with no duplicate rows
    fake.faults.clear()
    result = fetch(EN, DE)
    assert result.exit_code == 0
    assert "1 fetched, 1 already stored, 0 failed" in result.stdout
    assert papers(db_path)[EN]["status"] == "ok" and papers(db_path)[EN]["error"] is None
    assert fake.pdf_requests(DE) == 1
    assert_consistent(db_path)


@pytest.mark.parametrize("fault, text", [("503", "HTTP 503"), ("429", "HTTP 429"), ("timeout", "timed out after 0.5 s")])
def test_api_fault_is_retried_by_the_arxiv_client(env, fake: FakeArxiv, db_path: Path, fault: str, text: str) -> None:
    fake.fault(API, fault)
    assert fetch(EN).exit_code == 0
    assert len(fake.api_requests()) == 2
    (event,) = fetch_logs(db_path)[0]["events"]
    assert (event["id"], event["fault"], event["action"]) == ("api", text, "retry in 0.01 s")


def test_api_failing_for_good_is_reported_per_paper(env, fake: FakeArxiv, db_path: Path) -> None:
    fake.fault(API, "503", times=None)
    result = fetch(EN, DE)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"{pid}: arXiv API failed at {fake.api_url}: HTTP 503" for pid in (EN, DE)]
    assert [e["action"] for e in fetch_logs(db_path)[0]["events"]] == ["retry in 0.01 s", "retry in 0.02 s", "gave up"]


def test_server_down_fails_every_paper_and_logs_it(env, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_ARXIV_API_URL", closed_port_url())
    result = fetch(EN, DE)
    assert result.exit_code == 1
    assert "0 found, 0 fetched, 0 already stored, 2 failed" in result.stdout
    lines = result.stderr.splitlines()
    assert [ln.split(":")[0] for ln in lines] == [EN, DE], result.stderr
    assert all("arXiv API failed" in ln and "connection failed" in ln for ln in lines)
    assert papers(db_path) == {}
    (log,) = fetch_logs(db_path)
    assert log["failed"] == 2 and log["finished_at"] and len(log["events"]) == 3  # first try + 2 retries


def test_api_url_option_overrides_the_settings(env, fake: FakeArxiv, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_ARXIV_API_URL", closed_port_url())
    assert fetch("--api-url", fake.api_url, EN).exit_code == 0


# -- inputs: query, report, default set ---------------------------------------------------------------
def test_query_fetches_the_first_results(env, fake: FakeArxiv, db_path: Path) -> None:
    result = fetch("--query", "optimal transport", "--max-results", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("query: 1 found, 1 fetched")
    assert set(papers(db_path)) == {TWO}  # sorted by id, the fake's first match
    (req,) = fake.api_requests()
    assert req["search_query"] == ["all:optimal AND all:transport"] and req["max_results"] == ["1"]
    assert fetch_logs(db_path)[0]["request"]["query"] == "optimal transport"


def test_from_report_fetches_the_references(env, fake: FakeArxiv, db_path: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    report.write_text(
        f"# A report\n\nIt mentions arXiv:{TWO} in the text.\n\n## References\n\n"
        f"- <http://arxiv.org/abs/{EN}v1>\n- <http://arxiv.org/abs/{DE}v1>\n",
        encoding="utf-8",
    )
    result = fetch("--from-report", str(report))
    assert result.exit_code == 0, result.output
    assert set(papers(db_path)) == {EN, DE}
    (log,) = fetch_logs(db_path)
    assert log["kind"] == "report" and log["request"]["report"] == str(report)


def test_max_results_without_query_is_refused(env, fake: FakeArxiv) -> None:
    result = fetch(EN, "--max-results", "3")
    assert result.exit_code == 1 and result.stderr == "Error: --max-results needs --query\n" and fake.requests == []


def test_missing_report_is_a_one_line_error(env, fake: FakeArxiv, tmp_path: Path) -> None:
    result = fetch("--from-report", str(tmp_path / "nope.md"))
    assert result.exit_code == 1 and "cannot read report" in result.stderr and fake.requests == []


def test_no_input_fetches_the_default_set(env, fake: FakeArxiv, db_path: Path) -> None:
    result = fetch()
    assert result.exit_code == 1  # the fake knows 3 of the 27
    assert result.stdout.startswith("default: 3 found, 3 fetched, 0 already stored, 24 failed")
    requests = fake.api_requests()  # one batch (arXiv's count of unknown ids makes the client ask for a page 2)
    assert {r["id_list"][0] for r in requests} == {",".join(DEFAULT_IDS)} and requests[0]["start"] == ["0"]
    assert len(result.stderr.splitlines()) == 24


# -- interruption ---------------------------------------------------------------------------------------------
def test_fetch_interrupted_after_first_paper_resumes_without_duplicates(
    settings: Settings, fake: FakeArxiv, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import synth.ingest.files

    real = synth.ingest.files.ingest_file
    calls = []

    def flaky(store, paper_id, path, meta, lang=None, **kw):
        calls.append(paper_id)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second paper is being ingested
        return real(store, paper_id, path, meta, lang=lang, **kw)

    monkeypatch.setattr(synth.ingest.files, "ingest_file", flaky)
    store = Store(db_path)
    with pytest.raises(KeyboardInterrupt):
        fetch_papers(store, settings, ids=[EN, DE, TWO], progress=False)
    state = {pid: p["status"] for pid, p in papers(db_path).items()}
    assert state == {EN: "ok", DE: "pending"}
    log = fetch_logs(db_path)[0]
    assert log["finished_at"] and log["events"][-1]["fault"] == "interrupted (KeyboardInterrupt)"

    monkeypatch.setattr(synth.ingest.files, "ingest_file", real)
    outcome = fetch_papers(store, settings, ids=[EN, DE, TWO], progress=False)
    assert (outcome.fetched, outcome.skipped, outcome.failures) == (2, 1, [])
    assert {p["status"] for p in papers(db_path).values()} == {"ok"}
    assert fake.pdf_requests(EN) == 1 and fake.pdf_requests(DE) == 1  # the cached PDF was reused
    assert_consistent(db_path)


def test_killed_subprocess_then_rerun_completes(env, fake: FakeArxiv, db_path: Path) -> None:
    fake.slow_seconds = 60
    fake.fault(DE, "timeout", times=None)  # the second paper hangs until the process is killed
    child_env = {**os.environ, **env, "SYNTH_HTTP_TIMEOUT": "120"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "synth.cli", "--quiet", "fetch", EN, DE],
        env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and fake.pdf_requests(DE) == 0:
            time.sleep(0.05)
        assert fake.pdf_requests(DE) == 1, proc.stderr.read() if proc.poll() is not None else "child still running"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert {pid: p["status"] for pid, p in papers(db_path).items()} == {EN: "ok", DE: "pending"}
    assert fetch_logs(db_path)[0]["finished_at"] is None  # killed: the log shows it never finished

    fake.faults.clear()
    fake.slow_seconds = 0
    result = fetch(EN, DE)
    assert result.exit_code == 0
    assert "1 fetched, 1 already stored, 0 failed" in result.stdout
    assert_consistent(db_path)


# -- the PDF cache ------------------------------------------------------------------------------------------
def test_cached_pdf_is_reused_and_a_damaged_one_replaced(env, fake: FakeArxiv, db_path: Path, pdfs: dict[str, bytes]) -> None:
    cache = db_path.parent / "pdfs"
    cache.mkdir(parents=True)
    (cache / f"{EN}v1.pdf").write_bytes(pdfs[EN])
    (cache / f"{DE}v1.pdf").write_bytes(pdfs[DE][:1000])  # a damaged leftover
    assert fetch(EN, DE).exit_code == 0
    assert fake.pdf_requests(EN) == 0 and fake.pdf_requests(DE) == 1
    assert (cache / f"{DE}v1.pdf").read_bytes() == pdfs[DE]


# -- mirror -------------------------------------------------------------------------------------------------
@pytest.fixture
def mirror(tmp_path: Path, pdfs: dict[str, bytes]) -> Path:
    folder = tmp_path / "mirror"
    folder.mkdir()
    (folder / f"{EN}.pdf").write_bytes(pdfs[EN])
    meta = {"id": f"{EN}v1", "title": "OPTICAL", "authors": ["Zhiqi Huang"], "published": "2023-01-29",
            "abstract": "OT distillation.", "categories": ["cs.IR"]}  # fmt: skip
    (folder / f"{EN}.json").write_text(json.dumps(meta), encoding="utf-8")
    (folder / "hep-th_9901001v2.pdf").write_bytes(pdfs[DE])
    (folder / f"{TWO}.pdf").write_bytes(pdfs[TWO][:2000])  # truncated
    (folder / "notes.pdf").write_bytes(pdfs[EN])  # not an arXiv id
    return folder


def test_mirror_reads_local_pdfs_offline(env, db_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_ARXIV_API_URL", closed_port_url())  # nothing may touch the network
    result = fetch("--mirror", str(mirror))
    assert result.exit_code == 1
    assert result.stdout.startswith("mirror: 3 found, 2 fetched, 0 already stored, 2 failed")
    errors = dict(line.split(": ", 1) for line in result.stderr.splitlines())
    assert errors.keys() == {"notes.pdf", TWO}
    assert errors["notes.pdf"] == "file name is not an arXiv id"
    stored = papers(db_path)
    assert stored[EN]["title"] == "OPTICAL" and stored[EN]["version"] == "v1" and stored[EN]["source"] == "mirror"
    assert json.loads(stored[EN]["categories"]) == ["cs.IR"]
    assert stored["hep-th/9901001"]["status"] == "ok" and stored["hep-th/9901001"]["version"] == "v2"
    assert stored[TWO]["status"] == "failed"
    assert Path(stored[EN]["pdf_path"]) == (mirror / f"{EN}.pdf").resolve()
    assert_consistent(db_path)
    assert fetch_logs(db_path)[0]["request"]["mirror"] == str(mirror.resolve())

    result = fetch("--mirror", str(mirror))
    assert "0 fetched, 2 already stored, 2 failed" in result.stdout


def test_mirror_with_ids_takes_only_those(env, db_path: Path, mirror: Path) -> None:
    result = fetch("--mirror", str(mirror), "hep-th/9901001", "2401.00001")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"2401.00001: not in mirror {mirror}"]
    assert set(papers(db_path)) == {"hep-th/9901001"}


def test_mirror_folder_must_exist(env, tmp_path: Path) -> None:
    result = fetch("--mirror", str(tmp_path / "none"))
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_the_real_arxiv_always_gets_three_seconds_between_requests(tmp_path: Path) -> None:
    from synth.ingest.arxiv import ArxivApi

    real = Settings().replace(db=tmp_path / "x.db", arxiv_delay_seconds=0)
    loopback = Settings().replace(db=tmp_path / "x.db", arxiv_delay_seconds=0, arxiv_api_url="http://127.0.0.1:9/api/query")
    assert ArxivApi.from_settings(real).delay_seconds == 3.0
    assert ArxivApi.from_settings(loopback).delay_seconds == 0
    client = ArxivApi.from_settings(loopback).client
    assert client.query_url_format == "http://127.0.0.1:9/api/query?{}" and client.delay_seconds == 0


# -- the HTTP helper ----------------------------------------------------------------------------------------
def test_retry_after_forms() -> None:
    assert retry_after("3") == 3.0
    assert retry_after("100000") == 120.0  # capped
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past
    assert retry_after("soon") is None and retry_after(None) is None


def test_client_errors_are_not_retried(fake: FakeArxiv) -> None:
    from synth.errors import FetchError

    d = Downloader(timeout=1, retries=3, backoff=0.01)
    with pytest.raises(FetchError, match="HTTP 404"):
        d.get(f"{fake.base_url}/pdf/2401.00001v1", label="2401.00001")
    assert fake.pdf_requests("2401.00001") == 1 and d.events[0]["action"] == "gave up"


def test_unreachable_pdf_host_is_retried_then_reported() -> None:
    from synth.errors import FetchError

    d = Downloader(timeout=1, retries=2, backoff=0.01)
    with pytest.raises(FetchError, match=r"connection failed \(connection refused\) \(3 attempts\)"):
        d.get(closed_port_url().replace("/api/query", "/pdf/2301.12566v1"))
    assert [e["action"] for e in d.events] == ["retry in 0.01 s", "retry in 0.02 s", "gave up"]


# -- following citations ------------------------------------------------------------------------------------
def test_cited_by_fetches_the_arxiv_papers_a_stored_paper_cites(env, fake: FakeArxiv, db_path: Path) -> None:
    from synth.store import Store

    with Store(db_path) as store:
        refs = [{"label": 1, "raw": f"A. Author. OPTICAL. arXiv:{EN}v2, 2023.", "arxiv_id": EN},
                {"label": 2, "raw": "B. Author. A journal paper. Nature 1:2, 2020.", "doi": "10.1038/x1"},
                {"label": 3, "raw": f"C. Author. XNLI. CoRR abs/{DE}, 2018.", "arxiv_id": DE},
                {"label": 4, "raw": f"A. Author. OPTICAL again. arXiv:{EN}.", "arxiv_id": EN}]  # fmt: skip
        store.store_paper({"id": "local:citing", "title": "A citing paper", "status": "ok"}, [], (), refs)
        store.store_paper({"id": "local:no-arxiv", "title": "Cites journals only", "status": "ok"}, [], (), refs[1:2])
    result = fetch("--cited-by", "local:citing")
    assert result.exit_code == 0, result.output
    stored = papers(db_path)
    assert stored[EN]["status"] == "ok" and stored[DE]["status"] == "ok" and TWO not in stored
    assert fetch_logs(db_path)[-1]["request"]["ids"] == [EN, DE]  # each cited id once, in reference order
    for args, message in ((("--cited-by", "local:nope"), "no such paper"),
                          (("--cited-by", "local:no-arxiv"), "none of its 1 references has an arXiv id")):  # fmt: skip
        bad = fetch(*args)
        assert bad.exit_code == 1 and message in bad.output and "Traceback" not in bad.output
