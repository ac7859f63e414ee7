"""HTTP downloads with timeouts, exponential backoff and a record of every retry."""

from __future__ import annotations

import email.utils
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import requests

from .. import __version__
from ..errors import FetchError, SynthError

USER_AGENT = f"synth/{__version__} (literature synthesis; python-requests)"
MAX_RETRY_AFTER = 120.0  # never wait longer than this for a server's Retry-After


@dataclass
class Downloader:
    """GET urls with retries on timeouts, connection errors, 429 and 5xx; `events` records each fault.

    `validate(data)` may raise a SynthError (e.g. PdfError) for a body that arrived but is unusable (an HTML
    error page, a truncated PDF); that is retried once, then reported.
    """

    timeout: float = 30.0
    retries: int = 4
    backoff: float = 2.0
    session: requests.Session = field(default_factory=requests.Session)
    events: list[dict[str, Any]] = field(default_factory=list)
    sleep: Callable[[float], None] = time.sleep

    def get(self, url: str, *, validate: Callable[[bytes], object] | None = None, label: str = "") -> bytes:
        """The body of `url`, validated; raises FetchError (with the last fault) once retries run out."""
        bad_bodies = 0
        attempt = 0
        while True:
            attempt += 1
            wait: float | None = None
            try:
                resp = self.session.get(url, timeout=self.timeout, headers={"User-Agent": USER_AGENT})
            except requests.Timeout:
                fault = f"timed out after {self.timeout:g} s"
            except requests.ConnectionError as exc:
                fault = f"connection failed ({_short(exc)})"
            except requests.RequestException as exc:
                raise FetchError(f"{url}: {_short(exc)}") from exc
            else:
                if resp.status_code == 429 or resp.status_code >= 500:
                    fault = f"HTTP {resp.status_code}"
                    wait = retry_after(resp.headers.get("Retry-After"))
                elif resp.status_code != 200:
                    self._event(label, url, attempt, f"HTTP {resp.status_code}", None, final=True)
                    raise FetchError(f"HTTP {resp.status_code} for {url}")
                else:
                    data = resp.content
                    try:
                        if _is_html(resp, data):
                            raise FetchError(f"got an HTML page ({resp.headers.get('Content-Type', '?')}), not a PDF")
                        if validate is not None:
                            validate(data)
                        return data
                    except SynthError as exc:
                        bad_bodies += 1
                        fault = str(exc)
                        if bad_bodies > 1 or attempt > self.retries:
                            self._event(label, url, attempt, fault, None, final=True)
                            raise FetchError(fault) from exc
            if attempt > self.retries:
                self._event(label, url, attempt, fault, None, final=True)
                raise FetchError(f"{fault} ({attempt} attempts)")
            if wait is None:
                wait = self.backoff * (2 ** (attempt - 1))
            self._event(label, url, attempt, fault, wait)
            self.sleep(wait)

    def _event(self, label: str, url: str, attempt: int, fault: str, wait: float | None, final: bool = False) -> None:
        self.events.append(
            {
                "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "id": label,
                "url": url,
                "attempt": attempt,
                "fault": fault,
                "action": "gave up" if final else f"retry in {wait:g} s",
            }
        )


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), capped; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return min(max((when - datetime.now(timezone.utc)).total_seconds(), 0.0), MAX_RETRY_AFTER)


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to `path` through a temporary file in the same folder and a rename (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _is_html(resp: requests.Response, data: bytes) -> bool:
    """True for an HTML page (by content type or by its first bytes)."""
    ctype = resp.headers.get("Content-Type", "").lower()
    head = data[:512].lstrip().lower()
    return "html" in ctype or head.startswith((b"<!doctype html", b"<html"))


def _short(exc: BaseException) -> str:
    """A one-line description of a requests exception (without the urllib3 object dump)."""
    text = str(exc.args[0]) if exc.args else exc.__class__.__name__
    if "Connection refused" in text:
        return "connection refused"
    if "Max retries exceeded" in text or "Failed to establish" in text:
        return exc.__class__.__name__
    return text.splitlines()[0][:200]
