"""The fetch pipeline: arXiv ids / a search / a report's references / a mirror folder -> papers and passages.

Resumable and idempotent: papers already stored with status ok (or no-text) are skipped, failed and pending ones
are tried again, and rows are replaced, never duplicated. Metadata is stored first (status pending), then the PDF
is downloaded (or taken from the cache) and ingested. One bad paper never stops the others, and every request
is written to the fetch log with its retries and failures.

A `--query` is listed page by page and each page's papers are stored before the next page is asked for; the
position reached is written to the fetch log after every page, so the next fetch of the same search starts there
(a killed run loses at most the page in hand) and retries the papers the previous run listed but could not store.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from ..errors import BadInputError, FetchError, PdfError, SynthError
from .arxiv_ids import ArxivId, ids_from_report, parse_arxiv_id, parse_arxiv_ids

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings
    from ..store import Store
    from .arxiv import ArxivApi, ArxivPaper
    from .http import Downloader

# The OT-CLIR set: the 11 references of the seed reports, then 16 related works (fetched when nothing is asked).
DEFAULT_IDS: tuple[str, ...] = (
    # seed references
    "2301.12566", "2405.09820", "2501.18750", "1910.07475", "1809.05053", "2004.08116",
    "2408.13622", "2408.10536", "2310.10378", "2306.10687", "2106.09063",
    # related work
    "2004.09813", "2112.08185", "2305.09025", "2401.04810", "2405.00977", "2110.02887",
    "2003.11080", "2104.07412", "2210.09984", "2108.13897", "2007.01852", "2402.05672",
    "2201.08471", "1911.02116", "2412.14528", "2402.17110",
)  # fmt: skip

DONE = ("ok", "no-text")  # statuses a re-run leaves alone
DEFAULT_MAX_RESULTS = 10


@dataclass
class FetchOutcome:
    """What one fetch did: papers found, newly fetched, skipped as already stored, failures and network events."""

    kind: str
    hits: int = 0
    fetched: int = 0
    skipped: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    log_id: int | None = None
    listing: "Listing | None" = None  # where a --query was listed, for the summary

    def counts(self) -> dict[str, Any]:
        """The fetch-log columns of this outcome."""
        return {"hits": self.hits, "fetched": self.fetched, "skipped": self.skipped, "failures": self.failures,
                "events": self.events}  # fmt: skip

    @property
    def ok(self) -> bool:
        """True when every requested paper is now stored."""
        return not self.failures

    def fail(self, paper_id: str, reason: str) -> None:
        self.failures.append({"id": paper_id, "reason": reason})

    def summary(self) -> str:
        """One line for stdout."""
        return (
            f"{self.kind}: {self.hits} found, {self.fetched} fetched, {self.skipped} already stored, "
            f"{len(self.failures)} failed{self.listing.describe() if self.listing else ''} (fetch log #{self.log_id})"
        )


@dataclass
class Listing:
    """How far a `--query` search is listed: this run goes from `start` (where the last fetch of the same search
    stopped, unless restarted) up to `max_results` (None: every result); `reached` advances page by page."""

    query: str
    search_query: str
    max_results: int | None
    start: int = 0
    reached: int = 0
    total: int | None = None  # results arXiv reports for the search
    retry: list[str] = field(default_factory=list)  # ids an earlier run listed but could not store

    def request(self) -> dict[str, Any]:
        """The fetch-log request fields (max_results 0: every result)."""
        return {"query": self.query, "search_query": self.search_query, "max_results": self.max_results or 0,
                "start": self.start, "reached": self.reached, "total": self.total, "retry": self.retry}  # fmt: skip

    def describe(self) -> str:
        """The summary's note on what was listed."""
        of = f" of {self.total}" if self.total is not None else ""
        if self.reached > self.start:
            return f"; results {self.start + 1}-{self.reached}{of} listed"
        if self.start:
            return f"; results 1-{self.start}{of} listed before, none new"
        return "; no results"

    def resume(self, store: "Store", asked: set[str]) -> None:
        """Start where the latest fetch of the same search stopped, retrying what it listed but did not store
        (papers still not ok, except those it was asked for by id)."""
        prev = store.last_query_fetch(self.search_query)
        if prev is None:
            return
        req = prev["request"]
        reached, total = req.get("reached"), req.get("total")
        self.start = self.reached = reached if isinstance(reached, int) and reached > 0 else 0
        self.total = total if isinstance(total, int) else None
        earlier_ids = {_plain_id(i) for i in req.get("ids") or []}
        carried = [*(req.get("retry") or []), *(f.get("id") for f in prev["failures"] if isinstance(f, dict))]
        for raw in carried:
            pid = _plain_id(raw)
            if pid is None or pid in earlier_ids or pid in asked or pid in self.retry:
                continue
            row = store.paper(pid)
            if row is None or row.get("status") not in DONE:
                self.retry.append(pid)


def fetch_papers(
    store: "Store",
    settings: "Settings",
    *,
    ids: Sequence[str] | None = None,
    query: str | None = None,
    max_results: int | None = None,
    report: str | Path | None = None,
    mirror: str | Path | None = None,
    restart: bool = False,
    progress: bool = True,
) -> FetchOutcome:
    """Fetch papers into the store; every input is checked before anything is fetched (bad ids raise).

    `max_results` 0 takes every result of the query (default DEFAULT_MAX_RESULTS); a query continues where the last
    fetch of the same search stopped unless `restart` asks to list it from the first result again."""
    wanted = parse_arxiv_ids(ids or [])
    if report is not None:
        wanted = _merge(wanted, ids_from_report(report))
    mirror_dir = _checked_options(query, max_results, restart, mirror)

    kind = "mirror" if mirror_dir else "report" if report else "query" if query else "ids" if wanted else "default"
    if kind == "default":
        wanted = [parse_arxiv_id(i) for i in DEFAULT_IDS]
    request, listing = _fetch_request(store, wanted, query, max_results, restart, report, mirror_dir)

    outcome = FetchOutcome(kind, listing=listing)
    outcome.log_id = store.log_fetch_start(kind, request)

    def checkpoint() -> None:
        """Log the listing position and the counts so far (after each page of a query)."""
        if listing is not None:
            request.update(listing.request())
        store.log_fetch_progress(outcome.log_id, request=request, **outcome.counts())  # type: ignore[arg-type]

    try:
        if mirror_dir is not None:
            _fetch_mirror(store, settings, mirror_dir, wanted if (ids or report) else None, outcome, progress)
        else:
            retry = [parse_arxiv_id(i) for i in listing.retry] if listing else []
            _fetch_arxiv(store, settings, _merge(wanted, retry), listing, outcome, progress, checkpoint)
    except BaseException as exc:  # an interrupted fetch still closes its log entry
        outcome.events.append({"id": "*", "fault": f"interrupted ({exc.__class__.__name__})", "action": "stopped"})
        raise
    finally:
        store.log_fetch_finish(outcome.log_id, **outcome.counts())  # type: ignore[arg-type]
    return outcome


def _checked_options(
    query: str | None, max_results: int | None, restart: bool, mirror: str | Path | None
) -> Path | None:
    """The mirror folder (None: the arXiv API), after rejecting option combinations before anything is fetched."""
    if query is not None and not query.strip():
        raise BadInputError("--query is empty")
    if max_results is not None and max_results < 0:
        raise BadInputError("--max-results must be 0 (every result) or more")
    if max_results is not None and not query:
        raise BadInputError("--max-results needs --query")
    if restart and not query:
        raise BadInputError("--restart needs --query")
    mirror_dir = Path(mirror) if mirror is not None else None
    if mirror_dir is not None and not mirror_dir.is_dir():
        raise BadInputError(f"mirror folder not found: {mirror_dir}")
    if mirror_dir is not None and query:
        raise BadInputError("--query needs the arXiv API; it cannot be combined with --mirror")
    return mirror_dir


def _fetch_request(
    store: "Store",
    wanted: list[ArxivId],
    query: str | None,
    max_results: int | None,
    restart: bool,
    report: str | Path | None,
    mirror_dir: Path | None,
) -> tuple[dict[str, Any], Listing | None]:
    """The fetch-log request and, for a query, its listing (resumed where the last fetch of the search stopped)."""
    request: dict[str, Any] = {"ids": [a.versioned for a in wanted]}
    listing = None
    if query:
        from .arxiv import search_query

        limit = DEFAULT_MAX_RESULTS if max_results is None else max_results or None
        listing = Listing(query, search_query(query), limit)
        if not restart:
            listing.resume(store, {a.id for a in wanted})
        request.update(listing.request())
    if report is not None:
        request["report"] = str(report)
    if mirror_dir is not None:
        request["mirror"] = str(mirror_dir.resolve())
    return request, listing


# -- arXiv --------------------------------------------------------------------------------------------
def _fetch_arxiv(
    store: "Store",
    settings: "Settings",
    wanted: list[ArxivId],
    listing: Listing | None,
    outcome: FetchOutcome,
    progress: bool,
    checkpoint: Callable[[], None],
) -> None:
    """The asked ids (looked up in batches), then the query's listing page by page."""
    from .arxiv import ArxivApi
    from .http import Downloader

    api = ArxivApi.from_settings(settings, events=outcome.events)
    downloader = Downloader(
        timeout=settings.http.timeout,
        retries=settings.http.retries,
        backoff=settings.http.backoff,
        events=outcome.events,
    )
    todo: dict[str, ArxivPaper] = {}

    pending = [a for a in wanted if not _is_done(store, a.id, a.version, outcome)]
    if pending:
        try:
            found = api.lookup(pending)
        except FetchError as exc:
            found = None
            for a in pending:
                outcome.fail(a.id, str(exc))
        if found is not None:
            for a in pending:
                if a.id in found:
                    todo[a.id] = found[a.id]
                elif a.id in api.rejected:
                    outcome.fail(a.id, "arXiv rejected the id (HTTP 400)")
                else:
                    outcome.fail(a.id, "not found on arXiv")
    outcome.hits = outcome.skipped + len(todo)
    for paper in _progress(todo.values(), progress, len(todo)):
        _fetch_one(store, settings, downloader, outcome, paper)
    if listing is not None:
        _fetch_listing(store, settings, api, downloader, listing, {a.id for a in wanted}, outcome, progress, checkpoint)


def _fetch_listing(
    store: "Store",
    settings: "Settings",
    api: "ArxivApi",
    downloader: "Downloader",
    listing: Listing,
    seen: set[str],
    outcome: FetchOutcome,
    progress: bool,
    checkpoint: Callable[[], None],
) -> None:
    """List the search from `listing.reached`, one API page at a time: each page's papers are stored (or skipped
    as already stored) before the position after the page is logged and the next page is asked for."""
    from tqdm import tqdm

    pages = api.search_pages(listing.query, listing.max_results, start=listing.reached, page_size=settings.arxiv.page_size)
    with tqdm(desc="fetch", unit="paper", file=sys.stderr, disable=not progress, leave=False) as bar:
        try:
            for page in pages:
                listing.total = page.total if page.total is not None else listing.total
                ends = [n for n in (listing.max_results, listing.total) if n is not None]
                bar.total = max(min(ends) - listing.start, page.end - listing.start) if ends else None
                for paper in page.papers:
                    bar.set_postfix_str(paper.id, refresh=False)
                    if paper.id not in seen:
                        seen.add(paper.id)
                        outcome.hits += 1
                        if not _is_done(store, paper.id, None, outcome):
                            _fetch_one(store, settings, downloader, outcome, paper)
                    bar.update()
                listing.reached = page.end
                checkpoint()
        except FetchError as exc:
            outcome.fail(f"query {listing.query!r}", str(exc))


def _fetch_one(store: "Store", settings: "Settings", downloader: "Downloader", outcome: FetchOutcome, paper: "ArxivPaper") -> None:
    """Store one paper's metadata (pending), then its PDF (cached) and passages; a failure is recorded on the paper."""
    store.upsert_paper({**paper.row("arxiv"), "status": "pending", "error": None})
    try:
        path = cached_pdf(settings.pdf_dir, paper, downloader)
    except SynthError as exc:
        _record_failure(store, outcome, paper.id, str(exc))
        return
    except OSError as exc:
        _record_failure(store, outcome, paper.id, f"cannot write the PDF cache {settings.pdf_dir}: {exc.strerror or exc}")
        return
    _ingest(store, outcome, paper.id, path, paper.row("arxiv"), settings)


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")


def cache_file(folder: Path, name: str) -> Path:
    """`folder / name` for a name built from an id, refusing any name that could leave the folder (`..`, `/`,
    a leading dot, control characters): ids come from the network and must never choose where synth writes."""
    if not _SAFE_NAME.fullmatch(name) or ".." in name:
        raise FetchError(f"refusing to cache a file named {name!r}: not a plain file name")
    return folder / name


def cached_pdf(pdf_dir: Path, paper: "ArxivPaper", downloader: "Downloader") -> Path:
    """The paper's PDF in the cache (`<id>v<version>.pdf`), downloaded and checked only if not already there."""
    from .http import write_atomic
    from .pdf import check_pdf_bytes

    if not paper.pdf_url:
        raise FetchError("the arXiv entry has no PDF link")
    stem = paper.id.replace("/", "_")
    path = cache_file(pdf_dir, f"{stem}v{paper.version}.pdf" if paper.version else f"{stem}.pdf")
    if path.is_file():
        try:
            check_pdf_bytes(path.read_bytes(), name=str(path))
            return path
        except (PdfError, OSError):
            path.unlink(missing_ok=True)  # a damaged cache entry is fetched again
    data = downloader.get(paper.pdf_url, validate=lambda body: check_pdf_bytes(body, name="downloaded file"), label=paper.id)
    write_atomic(path, data)
    return path


# -- mirror -------------------------------------------------------------------------------------------
def _fetch_mirror(
    store: "Store",
    settings: "Settings",
    folder: Path,
    wanted: list[ArxivId] | None,
    outcome: FetchOutcome,
    progress: bool,
) -> None:
    from .pdf import check_pdf_bytes

    files: list[tuple[ArxivId, Path]] = []
    if wanted is None:
        for pdf in sorted(folder.glob("*.pdf")):
            try:
                files.append((parse_arxiv_id(pdf.stem.replace("_", "/", 1)), pdf))
            except SynthError:
                outcome.fail(pdf.name, "file name is not an arXiv id")
    else:
        for a in wanted:
            pdf = mirror_file(folder, a)
            if pdf is None:
                outcome.fail(a.id, f"not in mirror {folder}")
            else:
                files.append((a, pdf))
    outcome.hits = len(files)

    todo = [(a, pdf) for a, pdf in files if not _is_done(store, a.id, a.version, outcome)]
    for a, pdf in _progress(todo, progress, len(todo)):
        try:
            meta = mirror_metadata(pdf, a)
        except BadInputError as exc:
            outcome.fail(a.id, str(exc))
            continue
        store.upsert_paper({**meta, "status": "pending", "error": None})
        try:
            check_pdf_bytes(pdf.read_bytes(), name=pdf.name)
        except (SynthError, OSError) as exc:
            _record_failure(store, outcome, a.id, str(exc))
            continue
        _ingest(store, outcome, a.id, pdf.resolve(), meta, settings)


def mirror_file(folder: Path, a: ArxivId) -> Path | None:
    """`<id>.pdf` (or `<id>v<N>.pdf`, old-style `/` written `_`) in a mirror folder; the newest version wins."""
    stem = a.filename_stem
    if a.version:
        exact = folder / f"{stem}v{a.version}.pdf"
        if exact.is_file():
            return exact
    plain = folder / f"{stem}.pdf"
    if plain.is_file():
        return plain
    if a.version:
        return None
    versions = sorted(folder.glob(f"{stem}v*.pdf"), key=lambda p: _version_of(p.stem), reverse=True)
    return versions[0] if versions else None


def mirror_metadata(pdf: Path, a: ArxivId) -> dict[str, Any]:
    """A papers row from the optional `<stem>.json` beside a mirrored PDF (id, title, authors, published, ...)."""
    row: dict[str, Any] = {
        "id": a.id,
        "version": f"v{a.version}" if a.version else None,
        "source": "mirror",
        "pdf_url": None,
    }
    sidecar = pdf.with_suffix(".json")
    if not sidecar.is_file():
        return row
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInputError(f"bad metadata file {sidecar.name}: {exc}") from exc
    if not isinstance(meta, dict):
        raise BadInputError(f"bad metadata file {sidecar.name}: not a JSON object")
    if meta.get("id"):
        try:
            named = parse_arxiv_id(str(meta["id"]))
        except SynthError as exc:
            raise BadInputError(f"bad metadata file {sidecar.name}: {exc}") from exc
        if named.id != a.id:
            raise BadInputError(f"{sidecar.name} describes {named.id}, not {a.id}")
        if named.version and not a.version:
            row["version"] = f"v{named.version}"
    for key in ("title", "abstract", "published"):
        if meta.get(key) is not None:
            row[key] = str(meta[key])
    for key in ("authors", "categories"):
        value = meta.get(key)
        if isinstance(value, str):
            value = [value]
        if value is not None:
            row[key] = [str(v) for v in value]
    return row


# -- shared steps -------------------------------------------------------------------------------------
def _ingest(
    store: "Store", outcome: FetchOutcome, paper_id: str, path: Path, meta: dict[str, Any], settings: "Settings"
) -> None:
    """Parse a PDF into passages (through synth.ingest.files, within the settings' limits) and count the result."""
    from .files import ingest_file

    try:
        result = ingest_file(store, paper_id, path, meta, limits=settings.limits)
    except (SynthError, OSError) as exc:
        _record_failure(store, outcome, paper_id, str(exc))
        return
    if result.status in DONE:
        outcome.fetched += 1
    else:
        _record_failure(store, outcome, paper_id, result.error or f"ingest ended with status {result.status}")


def _record_failure(store: "Store", outcome: FetchOutcome, paper_id: str, reason: str) -> None:
    """Mark a stored paper failed (so a re-run retries it) and list it among the failures."""
    store.upsert_paper({"id": paper_id, "status": "failed", "error": reason})
    outcome.fail(paper_id, reason)


def _is_done(store: "Store", paper_id: str, version: int | None, outcome: FetchOutcome) -> bool:
    """True (and counted as skipped) when the paper is already stored complete, in the asked version if any."""
    row = store.paper(paper_id)
    if row is None or row.get("status") not in DONE:
        return False
    if version is not None and row.get("version") not in (None, f"v{version}"):
        return False
    outcome.skipped += 1
    return True


def _merge(first: list[ArxivId], second: Iterable[ArxivId]) -> list[ArxivId]:
    seen = {a.id for a in first}
    return first + [a for a in second if a.id not in seen and not seen.add(a.id)]  # type: ignore[func-returns-value]


def _plain_id(raw: object) -> str | None:
    """The arXiv id (without version) in a fetch-log entry, or None for anything else (a failed query, a file)."""
    try:
        return parse_arxiv_id(str(raw)).id
    except SynthError:
        return None


def _version_of(stem: str) -> int:
    try:
        return parse_arxiv_id(stem.replace("_", "/", 1)).version or 0
    except SynthError:
        return 0


def _progress(items: Iterable[Any], enabled: bool, total: int) -> Iterator[Any]:
    """Iterate with a tqdm bar on stderr that names the paper in hand (nothing when disabled)."""
    from tqdm import tqdm

    with tqdm(items, total=total, desc="fetch", unit="paper", file=sys.stderr, disable=not enabled or not total, leave=False) as bar:
        for item in bar:
            first = item[0] if isinstance(item, tuple) else item
            bar.set_postfix_str(str(getattr(first, "id", first)), refresh=False)
            yield item
