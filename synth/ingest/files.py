"""Files → stored papers and passages: parse a PDF / .txt / .md, upsert the paper, replace its passages atomically.

`ingest_file` is the single step every source uses (arXiv downloads, mirrors, `synth add`); `add_paths` is the
library side of `synth add` (local files and folders, idempotent by content hash, logged in the fetch log).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError, ParseFailed, SynthError
from .parallel import parse_in_order
from .passages import DEFAULT_LIMITS, Limits, ParsedDoc, limit_error

if TYPE_CHECKING:
    from ..store import Store

PDF_SUFFIXES = frozenset({".pdf"})
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
SUPPORTED_SUFFIXES = PDF_SUFFIXES | TEXT_SUFFIXES
COMMIT_SECONDS = 0.5  # `synth add` commits its work this often (see Store.batch)


@dataclass
class IngestOutcome:
    """What happened to one file: status ok / failed (a PDF without a text layer too), pages, passages stored, and the error if any."""

    status: str
    pages: int = 0
    passages: int = 0
    error: str | None = None


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def parse_file(path: str | Path, *, lang: str | None = None, limits: Limits = DEFAULT_LIMITS) -> ParsedDoc:
    """Parse a PDF, .txt or .md file by its suffix, within `limits` (settings.limits)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        from .pdf import parse_pdf

        return parse_pdf(path, lang=lang, limits=limits)
    if suffix in TEXT_SUFFIXES:
        from .text import read_text_file

        return read_text_file(path, lang=lang, limits=limits)
    raise BadInputError(f"{path}: unsupported file type {suffix or '(none)'} (PDF, .txt or .md)")


def parse_one(path: Path, lang: str | None, limits: Limits) -> ParsedDoc | ParseFailed:
    """Parse one file in a worker (ingest.parallel); a failure comes back as ParseFailed with the line `synth add`
    prints for it."""
    try:
        return parse_file(path, lang=lang, limits=limits)
    except Exception as exc:  # one bad file must never stop a batch
        return ParseFailed(one_line(exc, path))


def ingest_file(
    store: Store,
    paper_id: str,
    path: str | Path,
    meta: dict[str, Any],
    lang: str | None = None,
    *,
    sha256: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    parsed: ParsedDoc | Exception | None = None,
) -> IngestOutcome:
    """Parse `path` (unless `parsed` holds its parse, or the error parsing it gave) and store it as paper `paper_id`
    with its passages.

    `meta` holds papers-table fields (title, authors, published, abstract, categories, source, pdf_url, …); this
    fills pdf_path, pdf_sha256, pages, status and error. `lang` forces every passage's language. When parsing fails
    the paper is marked failed with the error and whatever was stored before (passages, file path) is kept.
    """
    path = Path(path)
    base = {k: v for k, v in meta.items() if v is not None}
    base["id"] = paper_id
    try:
        digest = sha256 or file_sha256(path)
        if isinstance(parsed, Exception):
            raise parsed
        doc = parsed if parsed is not None else parse_file(path, lang=lang, limits=limits)
    except Exception as exc:  # one bad file must never stop a batch: record it and go on
        error = str(exc) if isinstance(exc, ParseFailed) else one_line(exc, path)
        row = dict(base, status="failed", error=error)
        if store.paper(paper_id) is None:
            row.setdefault("title", path.stem)
            row.setdefault("pdf_path", str(path))
        store.upsert_paper(row)
        return IngestOutcome("failed", error=error)
    if doc.no_text:
        error = "no text layer (scanned PDF?)" if path.suffix.lower() == ".pdf" else "no text"
        row = dict(base, pdf_path=str(path), pdf_sha256=digest, pages=doc.pages, status="failed", error=error)
        row.setdefault("title", doc.title or path.stem)
        store.store_paper(row, [], doc.page_errors)
        return IngestOutcome("failed", pages=doc.pages, error=f"{shown_path(path)}: {error}")
    error = None
    if doc.page_errors:
        details = "; ".join(f"page {e['page']}: {e['error']}" for e in doc.page_errors[:3])
        error = f"{len(doc.page_errors)} page(s) unreadable: {details}"
    row = dict(base, pdf_path=str(path), pdf_sha256=digest, pages=doc.pages, status="ok", error=error,
               dropped_glyphs=doc.dropped_glyphs)  # fmt: skip
    row.update({k: v for k, v in _from_the_page(doc, path).items() if row.get(k) in (None, "", [])})
    refs = [{"label": r.ord, "raw": r.raw, "doi": r.doi, "arxiv_id": r.arxiv_id, "year": r.year} for r in doc.references]
    count = store.store_paper(row, doc.passages, doc.page_errors, refs)
    return IngestOutcome("ok", pages=doc.pages, passages=count, error=error)


def _from_the_page(doc: ParsedDoc, path: Path) -> dict[str, Any]:
    """What the parsed document says about itself: the paper's fields a source's metadata (arXiv) did not fill."""
    return {
        "title": doc.title or path.stem,
        "authors": doc.authors or None,
        "published": str(doc.year) if doc.year else None,
        "doi": doc.doi,
        "lang": doc.language,
    }


def one_line(exc: BaseException, path: Path) -> str:
    message = " ".join(str(exc).split())
    if not isinstance(exc, (SynthError, OSError)):
        message = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    flat = " ".join(str(path).split())  # the path as it reads in the whitespace-collapsed message
    return message.replace(flat, shown_path(path)) if flat in message else f"{shown_path(path)}: {message}"


def shown_path(path: str | Path) -> str:
    """A path on one line: control characters (a line break in a file name) written as escapes."""
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in str(path))


# -- synth add --------------------------------------------------------------------------------------------
@dataclass
class AddResult:
    """The outcome of `add_paths`: counts, per-file failures and the fetch-log id."""

    files: int = 0
    added: int = 0
    skipped: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    pages: int = 0
    passages: int = 0
    log_id: int | None = None

    @property
    def failed(self) -> int:
        return len(self.failures)

    def summary(self) -> str:
        """One line: added / skipped / failed, pages and passages."""
        return (
            f"added {self.added}, skipped {self.skipped}, failed {self.failed}"
            f" ({self.pages} pages, {self.passages} passages)"
        )


def local_paper_id(sha256: str) -> str:
    """The id of a local file: `local:` and the first 12 hex digits of its sha256 (same bytes, same paper)."""
    return f"local:{sha256[:12]}"


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand the given paths: files as given, folders recursively (supported suffixes only, sorted, hidden
    entries skipped). Raises BadInputError for a path that does not exist."""
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise BadInputError(f"no such file or directory: {raw}")
        found = [p] if not p.is_dir() else sorted(_walk(p))
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                yield Path(dirpath) / name


def add_paths(
    store: Store,
    paths: Iterable[str | Path],
    *,
    lang: str | None = None,
    title: str | None = None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
    commit_seconds: float = COMMIT_SECONDS,
    limits: Limits = DEFAULT_LIMITS,
    jobs: int = 1,
) -> AddResult:
    """Add local PDFs / .txt / .md files and folders to the store (the library side of `synth add`).

    A file whose bytes are already stored with status ok is skipped; every call is one fetch-log entry.
    `progress` wraps the iterator of files as they are stored (e.g. tqdm). Files are parsed by `jobs` processes
    (ingest.parallel) and stored here one at a time in input order, so memory stays flat however many there are;
    the writes are committed every `commit_seconds` (0: after every file).
    """
    files = collect_files(paths)
    if title is not None and len(files) != 1:
        raise BadInputError(f"--title needs exactly one file, got {len(files)}")
    request = {"paths": [str(p) for p in paths], "files": len(files), "lang": lang, "title": title}
    result = AddResult(files=len(files), log_id=store.log_fetch_start("add", request))
    try:
        todo = _plan(store, files, result, title=title, limits=limits)
        parsed = parse_in_order([path for path, _, _ in todo], parse_one, lang=lang, limits=limits, jobs=jobs)
        stored = iter(progress([path for path, _, _ in todo]) if progress else [path for path, _, _ in todo])
        with store.batch(commit_seconds) as tick:
            for (path, paper_id, digest), doc in zip(todo, parsed):
                meta: dict[str, Any] = {"source": "local", "title": title}
                outcome = ingest_file(store, paper_id, path.resolve(), meta, lang=lang, sha256=digest, limits=limits,
                                      parsed=doc)  # fmt: skip
                _count(result, path, outcome)
                next(stored, None)
                tick()
    finally:
        store.log_fetch_finish(
            result.log_id,
            hits=len(files),
            fetched=result.added,
            skipped=result.skipped,
            failures=[{"id": f["path"], "reason": f["error"]} for f in result.failures],
        )
    return result


def _plan(store: Store, files: list[Path], result: AddResult, *, title: str | None,
          limits: Limits) -> list[tuple[Path, str, str]]:  # fmt: skip
    """(path, paper id, sha256) of the files to parse and store, in order: unreadable and unsupported files are
    counted as failed, files whose bytes are stored already (or come twice) as skipped."""
    todo: list[tuple[Path, str, str]] = []
    planned: set[str] = set()
    for path in files:
        digest = _checked_digest(path, result, limits)
        if digest is None:
            continue
        paper_id = local_paper_id(digest)
        existing = store.paper(paper_id)
        done = existing is not None and existing.get("status") in ("ok", "no-text") and existing.get("pdf_sha256") == digest
        if (done and title is None) or paper_id in planned:  # same bytes already stored: nothing to do
            result.skipped += 1
            continue
        planned.add(paper_id)
        todo.append((path, paper_id, digest))
    return todo


def _count(result: AddResult, path: Path, outcome: IngestOutcome) -> None:
    """Add one file's outcome to the totals."""
    if outcome.status == "failed":
        result.failures.append({"path": str(path), "error": outcome.error or "failed"})
        return
    result.added += 1
    result.pages += outcome.pages
    result.passages += outcome.passages


def _checked_digest(path: Path, result: AddResult, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """The file's sha256, or None after counting it as failed (not a regular file, unsupported, too large,
    unreadable)."""

    def fail(reason: str) -> None:
        result.failures.append({"path": str(path), "error": f"{shown_path(path)}: {reason}"})

    try:  # checked before hashing: /dev/zero or a FIFO would be read forever, a huge file for nothing
        if not path.is_file():
            return fail("not a regular file")
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            return fail(f"unsupported file type {path.suffix or '(none)'} (PDF, .txt or .md)")
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            return fail(str(limit_error("max_file_bytes", f"file is {size:,} bytes", limits.max_file_bytes)))
        return file_sha256(path)
    except OSError as exc:
        return fail(f"cannot read: {exc.strerror or exc}")
