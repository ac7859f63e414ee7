"""arXiv metadata through the `arxiv` package: one rate-limited client, ids looked up in batches."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Iterator
from urllib.parse import urlparse

import requests

from ..errors import ArxivApiError
from .arxiv_ids import ArxivId, parse_arxiv_id
from .http import retry_after

if TYPE_CHECKING:  # pragma: no cover
    import arxiv

    from ..config import Settings

BATCH = 100  # ids per API request (arXiv pages up to 2000; 100 keeps the URL short)
MAX_PAGE = 2000  # the largest page the arXiv API serves
MIN_DELAY = 3.0  # arXiv asks for no more than one request every three seconds
_TOTAL = re.compile(rb"<(?:\w+:)?totalResults[^>]*>\s*(\d+)\s*<")


@dataclass
class ArxivPaper:
    """The metadata synth keeps for one arXiv paper."""

    id: str
    version: int | None
    title: str
    authors: list[str]
    published: str
    abstract: str
    categories: list[str]
    pdf_url: str | None

    def row(self, source: str = "arxiv") -> dict[str, Any]:
        """A `papers` row (status is set by the store or the pipeline)."""
        return {
            "id": self.id,
            "version": f"v{self.version}" if self.version else None,
            "title": self.title,
            "authors": self.authors,
            "published": self.published,
            "abstract": self.abstract,
            "categories": self.categories,
            "source": source,
            "pdf_url": self.pdf_url,
        }


@dataclass
class SearchPage:
    """One page of a search's listing: its papers, where it starts and ends in the results, and arXiv's total."""

    papers: list[ArxivPaper]
    start: int
    end: int  # the position after the page's last result: where the next page starts
    total: int | None  # results arXiv reports for the search (None if it did not say)


class _ApiTimeout(requests.ConnectionError, requests.Timeout):
    """A read timeout, raised as a ConnectionError so that the arxiv client retries it like one."""


class _ApiSession(requests.Session):
    """The arxiv client's session: a default timeout, backoff before each retry, and a fetch-log event per fault.

    The client retries non-200 answers and connection errors `retries` times, with only its rate-limit delay
    in between; this session adds the exponential backoff (or the server's Retry-After) before those retries.
    """

    def __init__(self, timeout: float, retries: int, backoff: float, events: list[dict[str, Any]]) -> None:
        super().__init__()
        self.default_timeout, self.retries, self.backoff, self.events = timeout, retries, backoff, events
        self.faults: dict[str, int] = {}  # url -> consecutive failures
        self.total_results: int | None = None  # opensearch:totalResults of the last feed served

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.default_timeout)
        try:
            resp = super().request(method, url, *args, **kwargs)
        except requests.Timeout as exc:
            self._fault(url, f"timed out after {self.default_timeout:g} s", None)
            raise _ApiTimeout(f"timed out after {self.default_timeout:g} s") from exc
        except requests.ConnectionError:
            self._fault(url, "connection failed", None)
            raise
        if resp.status_code == 200:
            self.faults.pop(url, None)
            m = _TOTAL.search(resp.content)  # the package's client keeps the total to itself
            if m:
                self.total_results = int(m.group(1))
        else:
            self._fault(url, f"HTTP {resp.status_code}", retry_after(resp.headers.get("Retry-After")))
        return resp

    def _fault(self, url: str, fault: str, wait: float | None) -> None:
        n = self.faults[url] = self.faults.get(url, 0) + 1
        if n > self.retries:
            self.events.append(_event(url, fault, "gave up"))
            return
        wait = wait if wait is not None else self.backoff * 2 ** (n - 1)
        self.events.append(_event(url, fault, f"retry in {wait:g} s"))
        time.sleep(wait)


def _event(url: str, fault: str, action: str) -> dict[str, Any]:
    """A fetch-log event for the API."""
    return {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "id": "api", "url": url, "fault": fault, "action": action}


@dataclass
class ArxivApi:
    """The one arXiv API client of a fetch: rate limit, retries, timeout and endpoint from the settings."""

    url: str = "https://export.arxiv.org/api/query"
    delay_seconds: float = 3.0
    retries: int = 3
    timeout: float = 30.0
    backoff: float = 2.0
    events: list[dict[str, Any]] = field(default_factory=list)
    rejected: set[str] = field(default_factory=set)  # ids arXiv answered with HTTP 400 (malformed to arXiv)
    _client: "arxiv.Client | None" = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: "Settings", events: list[dict[str, Any]] | None = None) -> "ArxivApi":
        """An API bound to Settings.arxiv_api_url / arxiv_delay_seconds / http_retries / http_timeout.

        The real arXiv always gets at least MIN_DELAY seconds between requests (its terms of use); other
        endpoints (a mirror, the tests' loopback fake) get the configured delay.
        """
        delay = settings.arxiv.delay_seconds
        host = urlparse(settings.arxiv.api_url).hostname or ""
        if host == "arxiv.org" or host.endswith(".arxiv.org"):
            delay = max(delay, MIN_DELAY)
        return cls(
            url=settings.arxiv.api_url,
            delay_seconds=delay,
            retries=settings.http.retries,
            timeout=settings.http.timeout,
            backoff=settings.http.backoff,
            events=events if events is not None else [],
        )

    @property
    def client(self) -> "arxiv.Client":
        """The shared `arxiv.Client` (created on first use, so the rate limit spans every call)."""
        if self._client is None:
            import arxiv

            client = arxiv.Client(page_size=BATCH, delay_seconds=self.delay_seconds, num_retries=self.retries)
            client.query_url_format = self.url.split("?", 1)[0] + "?{}"
            # the package has no timeout or backoff option: give its client a session that adds them
            client._session = _ApiSession(self.timeout, self.retries, self.backoff, self.events)
            self._client = client
        return self._client

    @property
    def total_results(self) -> int | None:
        """The result count arXiv gave in its last answer (None before any)."""
        session = self.client._session
        return session.total_results if isinstance(session, _ApiSession) else None

    def lookup(self, ids: Iterable[ArxivId]) -> dict[str, ArxivPaper]:
        """Metadata for each id found on arXiv, keyed by normalised id (absent ids are simply missing)."""
        wanted = list(ids)
        found: dict[str, ArxivPaper] = {}
        for start in range(0, len(wanted), BATCH):
            found.update(self._lookup_batch(wanted[start : start + BATCH]))
        return found

    def _lookup_batch(self, batch: list[ArxivId]) -> dict[str, ArxivPaper]:
        """One id_list request; a batch arXiv rejects (HTTP 400: an id it finds malformed) is split in halves."""
        import arxiv

        search = arxiv.Search(id_list=[i.versioned for i in batch], max_results=len(batch))
        try:
            papers = self._run(search, expect={i.id for i in batch})
        except ArxivApiError as exc:
            if exc.status != 400:
                raise
            if len(batch) == 1:
                self.rejected.add(batch[0].id)
                return {}
            half = len(batch) // 2
            return {**self._lookup_batch(batch[:half]), **self._lookup_batch(batch[half:])}
        found: dict[str, ArxivPaper] = {}
        for paper in papers:
            found.setdefault(paper.id, paper)
        return found

    def search_pages(
        self, query: str, max_results: int | None, *, start: int = 0, page_size: int = BATCH
    ) -> Iterator["SearchPage"]:
        """The results of an arXiv search from position `start` up to `max_results` (None: all), a page at a time.

        One `arxiv.Client.results(search, offset=start)` walks the listing: the client keeps its delay between
        requests, retries errors and empty pages (with this API's backoff) and stops at arXiv's total. It is read
        lazily, so a page is requested only when the caller asks for it: a caller that handles each page before
        taking the next one knows that everything before `page.end` is done. Pages never ask for more results than
        remain to `max_results`; a listing with nothing left after `start` is one empty page (with arXiv's total),
        and none at all when `start` already reaches `max_results`. API failures raise ArxivApiError.
        """
        import arxiv

        if max_results is not None and start >= max_results:
            return
        size = max(1, min(page_size, MAX_PAGE))
        if max_results is not None:
            size = min(size, max_results - start)
        search = arxiv.Search(query=search_query(query), max_results=max_results)
        client = self.client
        client.page_size = size
        papers: list[ArxivPaper] = []
        first = offset = start
        try:
            try:
                for result in client.results(search, offset=start):
                    offset += 1
                    paper = to_paper(result)
                    if paper is not None:
                        papers.append(paper)
                    if offset - first == size:
                        yield SearchPage(papers, first, offset, self.total_results)
                        papers, first = [], offset
            except (arxiv.ArxivError, requests.RequestException) as exc:
                status = exc.status if isinstance(exc, arxiv.HTTPError) else None
                raise ArxivApiError(f"arXiv API failed at {self.url}: {_describe(exc)}", status=status) from exc
            if offset > first or offset == start:  # the last page; an empty one when nothing was left to list
                yield SearchPage(papers, first, offset, self.total_results)
        finally:
            client.page_size = BATCH

    def _run(self, search: "arxiv.Search", expect: set[str] | None = None) -> list[ArxivPaper]:
        """Every result of a search; with `expect` (the ids of an id_list), stop once all of them arrived."""
        import arxiv

        papers: list[ArxivPaper] = []
        try:
            for result in self.client.results(search):
                paper = to_paper(result)
                if paper is None:
                    continue
                papers.append(paper)
                if expect is not None and expect <= {p.id for p in papers}:
                    break
        except arxiv.UnexpectedEmptyPageError as exc:
            # arXiv counts unknown ids of an id_list in totalResults but sends no entry for them, so the
            # client asks for a next page that is empty: what arrived is the whole answer.
            if expect is None or not papers:
                raise ArxivApiError(f"arXiv API failed at {self.url}: {_describe(exc)}") from exc
            self.events.append(_event(exc.url, "empty next page (unknown ids)", "kept the first page"))
        except (arxiv.ArxivError, requests.RequestException) as exc:
            status = exc.status if isinstance(exc, arxiv.HTTPError) else None
            raise ArxivApiError(f"arXiv API failed at {self.url}: {_describe(exc)}", status=status) from exc
        return papers


def search_query(text: str) -> str:
    """An arXiv `search_query`: text with field prefixes or operators is kept, plain words become `all:` terms."""
    text = " ".join(text.split())
    if re.search(r"\b(?:ti|au|abs|co|jr|cat|rn|id|all):|\b(?:AND|OR|ANDNOT)\b", text):
        return text
    words = re.findall(r'"[^"]+"|[^\s"]+', text)
    return " AND ".join(f"all:{w}" for w in words)


def to_paper(result: "arxiv.Result") -> ArxivPaper | None:
    """An ArxivPaper from an `arxiv.Result` (None for an entry whose id is not an arXiv id)."""
    try:
        aid = parse_arxiv_id(result.get_short_id())
    except Exception:
        return None
    return ArxivPaper(
        id=aid.id,
        version=aid.version,
        title=result.title.strip(),
        authors=[a.name for a in result.authors],
        published=result.published.date().isoformat() if result.published and result.published.year > 1 else "",
        abstract=(result.summary or "").strip(),
        categories=list(result.categories),
        pdf_url=result.pdf_url,
    )


def _describe(exc: BaseException) -> str:
    """A short reason for an API failure."""
    import arxiv

    if isinstance(exc, arxiv.HTTPError):
        return f"HTTP {exc.status}"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return str(exc).splitlines()[0][:200]
