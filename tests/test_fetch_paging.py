"""`synth fetch --query` over a large result set: paging, the rate limit, retried pages and resuming a stopped run,
against the loopback fake arXiv (250 results, pages of 50, tiny one-page PDFs so ingesting stays fast)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterator

import pytest

from synth.config import Settings
from synth.ingest.collect import fetch_papers
from synth.store import Store

from fake_arxiv import API, FakeArxiv, point_cli_at, run_fetch as fetch, api_page
from pdfgen import make_paper_pdf, pdf_bytes

TOTAL, PAGE = 250, 50
FAST = {"SYNTH_ARXIV_DELAY": "0", "SYNTH_HTTP_TIMEOUT": "2", "SYNTH_HTTP_RETRIES": "2", "SYNTH_HTTP_BACKOFF": "0.01",
        "SYNTH_ARXIV_PAGE_SIZE": str(PAGE)}  # fmt: skip


@pytest.fixture(scope="module")
def tiny_pdf() -> bytes:
    return pdf_bytes(
        make_paper_pdf, title="Paging", sections=[("1 Intro", "Optimal transport aligns tokens. It helps retrieval.")],
        references=False, header=None, footer=False,
    )  # fmt: skip


@pytest.fixture
def fake(tiny_pdf: bytes) -> Iterator[FakeArxiv]:
    server = FakeArxiv(slow_seconds=1).start()
    server.add_series(TOTAL, tiny_pdf, words="paging")
    yield server
    server.stop()


@pytest.fixture
def env(fake: FakeArxiv, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return point_cli_at(fake, db_path, monkeypatch, FAST)



def statuses(db_path: Path) -> dict[str, str]:
    with sqlite3.connect(db_path) as con:
        return dict(con.execute("SELECT id, status FROM papers"))


def logs(db_path: Path) -> list[dict]:
    with sqlite3.connect(db_path) as con:
        con.row_factory = sqlite3.Row
        out = [dict(r) for r in con.execute("SELECT * FROM fetch_log ORDER BY id")]
    for r in out:
        for key in ("request", "failures", "events"):
            r[key] = json.loads(r[key])
    return out


def pdf_counts(fake: FakeArxiv) -> set[int]:
    return {fake.pdf_requests(pid) for pid in fake.series}


def test_all_results_are_fetched_page_by_page_and_a_503_page_is_retried(env, fake: FakeArxiv, db_path: Path) -> None:
    fake.fault(api_page(100), "503")
    result = fetch("--query", "paging", "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"query: {TOTAL} found, {TOTAL} fetched, 0 already stored, 0 failed; results 1-{TOTAL} of {TOTAL} listed (fetch log #1)"
    ]
    assert statuses(db_path) == dict.fromkeys(fake.series, "ok")
    assert fake.api_starts() == [0, 50, 100, 100, 150, 200]  # the 503 page asked twice, nothing listed twice
    assert {q["max_results"][0] for q in fake.api_requests()} == {str(PAGE)}
    assert pdf_counts(fake) == {1}
    (log,) = logs(db_path)
    assert log["request"] == {
        "ids": [], "query": "paging", "search_query": "all:paging", "max_results": 0, "start": 0, "reached": TOTAL,
        "total": TOTAL, "retry": [],
    }  # fmt: skip
    (event,) = log["events"]
    assert (event["fault"], event["action"]) == ("HTTP 503", "retry in 0.01 s") and "start=100" in event["url"]

    # all listed: a re-run asks only whether the listing grew, and fetches nothing
    result = fetch("--query", "paging", "--max-results", "0")
    assert result.exit_code == 0
    assert result.stdout.startswith("query: 0 found, 0 fetched, 0 already stored, 0 failed; results 1-250 of 250 listed before")
    assert fake.api_starts()[6:] == [TOTAL] and pdf_counts(fake) == {1}


def test_a_larger_max_results_continues_where_the_last_run_stopped(env, fake: FakeArxiv, db_path: Path) -> None:
    assert fetch("--query", "paging", "--max-results", "100").exit_code == 0
    assert fake.api_starts() == [0, 50] and len(statuses(db_path)) == 100

    result = fetch("--query", "paging", "--max-results", "180")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("query: 80 found, 80 fetched, 0 already stored, 0 failed; results 101-180 of 250 listed")
    assert fake.api_starts() == [0, 50, 100, 150]  # not re-listed from 0
    assert [q["max_results"][0] for q in fake.api_requests()] == ["50", "50", "50", "50"]
    assert set(statuses(db_path)) == set(fake.series[:180]) and pdf_counts(fake) - {0} == {1}

    # --restart lists from the first result again; what is stored is skipped, not fetched again
    result = fetch("--query", "paging", "--max-results", "50", "--restart")
    assert result.stdout.startswith("query: 50 found, 0 fetched, 50 already stored, 0 failed; results 1-50 of 250")
    assert fake.api_starts()[4:] == [0] and pdf_counts(fake) - {0} == {1}


def test_an_interrupted_run_resumes_at_the_page_in_hand(
    env, fake: FakeArxiv, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import synth.ingest.files

    real = synth.ingest.files.ingest_file

    def flaky(store, paper_id, path, meta, lang=None, **kw):
        if paper_id == fake.series[70]:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the second page
        return real(store, paper_id, path, meta, lang=lang, **kw)

    monkeypatch.setattr(synth.ingest.files, "ingest_file", flaky)
    store = Store(db_path)
    settings = Settings.from_env()
    fake.fault(fake.series[10], "503", times=None)  # one paper of page 1 fails for good
    with pytest.raises(KeyboardInterrupt):
        fetch_papers(store, settings, query="paging", max_results=150, progress=False)
    done = statuses(db_path)
    assert len(done) == 71 and done[fake.series[10]] == "failed" and done[fake.series[70]] == "pending"
    (log,) = logs(db_path)
    assert (log["request"]["reached"], log["request"]["total"]) == (PAGE, TOTAL)  # page 1 done, page 2 in hand
    assert log["finished_at"] and log["failures"] == [{"id": fake.series[10], "reason": "HTTP 503 (3 attempts)"}]

    monkeypatch.setattr(synth.ingest.files, "ingest_file", real)
    fake.faults.clear()
    outcome = fetch_papers(store, settings, query="paging", max_results=150, progress=False)
    assert outcome.failures == []
    assert outcome.listing is not None and (outcome.listing.start, outcome.listing.reached) == (PAGE, 150)
    assert fake.api_starts() == [0, 50, 50, 100]  # the page in hand is listed again, page 1 is not
    (lookup,) = [q for q in fake.api_requests() if "id_list" in q]
    assert lookup["id_list"] == [fake.series[10]]  # page 1's failed paper is retried by id
    assert (outcome.fetched, outcome.skipped) == (1 + 80, 20)  # the retried one and 80 new; 20 of page 2 were stored
    assert set(statuses(db_path).values()) == {"ok"} and len(statuses(db_path)) == 150
    assert {fake.pdf_requests(pid) for pid in fake.series[:150] if pid != fake.series[10]} == {1}
    assert logs(db_path)[1]["request"]["retry"] == [fake.series[10]]


def test_a_page_failing_for_good_stops_the_listing_and_the_rerun_starts_there(env, fake: FakeArxiv, db_path: Path) -> None:
    fake.fault(api_page(50), "503", times=None)
    result = fetch("--query", "paging", "--max-results", "100")
    assert result.exit_code == 1
    assert "query: 50 found, 50 fetched" in result.stdout and "results 1-50 of 250 listed" in result.stdout
    assert result.stderr.splitlines() == [f"query 'paging': arXiv API failed at {fake.api_url}: HTTP 503"]
    assert fake.api_starts() == [0, 50, 50, 50]  # the first try and two retries

    fake.faults.clear()
    result = fetch("--query", "paging", "--max-results", "100")
    assert result.exit_code == 0 and "results 51-100 of 250 listed" in result.stdout
    assert fake.api_starts()[4:] == [50] and len(statuses(db_path)) == 100


def test_pages_keep_the_rate_limit(fake: FakeArxiv, tmp_path: Path) -> None:
    from synth.ingest.arxiv import ArxivApi

    api = ArxivApi.from_settings(Settings().replace(db=tmp_path / "x.db", arxiv_api_url=fake.api_url, arxiv_delay_seconds=0.3))
    pages = list(api.search_pages("paging", 120, page_size=50))
    assert [(p.start, p.end, len(p.papers), p.total) for p in pages] == [(0, 50, 50, TOTAL), (50, 100, 50, TOTAL), (100, 120, 20, TOTAL)]
    assert [q["max_results"][0] for q in fake.api_requests()] == ["50", "50", "50"]  # the client's page size
    gaps = [b - a for a, b in zip(fake.times, fake.times[1:])]
    assert len(gaps) == 2 and min(gaps) >= 0.29


def test_max_results_smaller_than_a_page_asks_only_for_that_many(fake: FakeArxiv, tmp_path: Path) -> None:
    from synth.ingest.arxiv import ArxivApi

    api = ArxivApi.from_settings(Settings().replace(db=tmp_path / "x.db", arxiv_api_url=fake.api_url, arxiv_delay_seconds=0))
    (page,) = api.search_pages("paging", 130, start=120, page_size=50)
    assert (page.start, page.end, page.papers[0].id) == (120, 130, fake.series[120])
    assert fake.api_requests()[0]["max_results"] == ["10"] and fake.api_requests()[0]["start"] == ["120"]
    assert list(api.search_pages("paging", 130, start=130)) == [] and len(fake.requests) == 1


@pytest.mark.parametrize(
    "args, error",
    [
        (["--all"], "Error: --all needs --query"),
        (["--query", "paging", "--all", "--max-results", "5"], "Error: --all and --max-results N contradict each other"),
        (["--restart", "2301.12566"], "Error: --restart needs --query"),
    ],
)
def test_paging_options_are_checked_before_any_request(env, fake: FakeArxiv, args: list[str], error: str) -> None:
    result = fetch(*args)
    assert result.exit_code == 1 and result.stderr.strip() == error and fake.requests == []


def test_api_faults_on_other_pages_do_not_touch_id_lookups(env, fake: FakeArxiv, db_path: Path) -> None:
    fake.fault(API, "503")  # the next API request of any kind
    assert fetch("--query", "paging", "--max-results", "5").exit_code == 0
    assert fake.api_starts() == [0, 0] and len(statuses(db_path)) == 5
