"""A loopback fake of arXiv: the Atom query API (id_list and search_query) and PDFs, with faults per paper.

    fake = FakeArxiv()                      # or the `fake_arxiv` fixture (started, stopped after the test)
    fake.add(FakePaper("2301.12566", pdf=pdf_bytes, title=...))
    fake.fault("2301.12566", "503")         # the next PDF request gets a 503, then it is served normally
    fake.fault("2301.12566", "html", times=None)   # every request gets an HTML page instead of the PDF
    fake.api_url                            # http://127.0.0.1:<port>/api/query
    fake.add_series(250, pdf, words="paging")   # 250 papers that a search for "paging" lists (start/max_results pages)
    fake.fault(api_page(100), "503")        # the API request for the page that starts at result 100 gets a 503, once

Faults (for PDF requests; `fault(API, kind)` applies them to every API request, `fault(api_page(n), kind)` to
those whose `start` is n): "503", "500", "429" (no Retry-After), "429-retry-after" (Retry-After: 1), "timeout"
(sleeps `slow_seconds` before answering),
"truncated" (the first half of the PDF), "html" (an HTML error page with status 200), "404".
An id that was never added is unknown: absent from the feeds, 404 for its PDF.
"""

from __future__ import annotations

import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
API = "api"  # fault key for the query endpoint


def api_page(start: int) -> str:
    """The fault key for API requests of the page that starts at result `start`."""
    return f"{API}@{start}"

OLD_ARCHIVES = {"hep-th", "hep-ph", "hep-ex", "hep-lat", "gr-qc", "astro-ph", "cond-mat", "math", "math-ph", "nucl-th",
                "physics", "quant-ph", "cs", "nlin", "q-bio", "stat", "cmp-lg", "chao-dyn", "solv-int", "alg-geom"}  # fmt: skip

ET.register_namespace("", ATOM)
ET.register_namespace("arxiv", ARXIV)
ET.register_namespace("opensearch", OPENSEARCH)

HTML_PAGE = b"""<!DOCTYPE html>
<html><head><title>arXiv is temporarily unavailable</title></head>
<body><h1>Service Unavailable</h1><p>Please try again later.</p></body></html>
"""


@dataclass
class FakePaper:
    """One paper the fake serves."""

    id: str
    pdf: bytes
    version: int = 1
    title: str = "A paper"
    authors: list[str] = field(default_factory=lambda: ["Ada Lovelace", "Alan Turing"])
    abstract: str = "An abstract."
    published: str = "2023-01-29T18:00:00Z"
    categories: list[str] = field(default_factory=lambda: ["cs.IR", "cs.CL"])


@dataclass
class Fault:
    kind: str
    times: int | None  # None = forever


class FakeArxiv:
    """The fake server: start() binds 127.0.0.1 on a free port and serves from a daemon thread."""

    def __init__(self, slow_seconds: float = 1.5) -> None:
        self.papers: dict[str, FakePaper] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.requests: list[str] = []  # every request path+query, in order
        self.times: list[float] = []  # time.monotonic() of each request, beside `requests`
        self.series: list[str] = []  # the ids add_series() added, in listing order
        self.slow_seconds = slow_seconds
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self._base_url = ""
        self.thread: threading.Thread | None = None

    # -- programming the fake -------------------------------------------------------------------
    def add(self, *papers: FakePaper) -> None:
        """Serve these papers."""
        for p in papers:
            self.papers[p.id] = p

    def add_series(self, count: int, pdf: bytes, *, words: str = "paging", first: int = 10000) -> list[str]:
        """Serve `count` papers 2402.<first>... whose titles hold `words` (so a search for them lists exactly these,
        in id order); returns their ids (also kept in `series`)."""
        ids = [f"2402.{first + i:05d}" for i in range(count)]
        self.add(*(FakePaper(pid, pdf, title=f"{words.title()} study {i}", abstract=f"About {words}.") for i, pid in enumerate(ids)))
        self.series += ids
        return ids

    def fault(self, paper_id: str, kind: str, times: int | None = 1) -> None:
        """Queue a fault for a paper's PDF (or for the API with paper_id=API); times=None means always."""
        with self.lock:
            self.faults.setdefault(paper_id, []).append(Fault(kind, times))

    def pdf_requests(self, paper_id: str) -> int:
        """How many times the PDF of a paper was asked for."""
        return sum(1 for r in self.requests if r.startswith(f"/pdf/{paper_id}"))

    def api_requests(self) -> list[dict[str, list[str]]]:
        """The parsed query strings of every API request."""
        return [parse_qs(urlparse(r).query) for r in self.requests if r.startswith("/api/query")]

    def api_starts(self) -> list[int]:
        """The `start` of every search (not id_list) API request, in order: which pages were asked for."""
        return [int(q.get("start", ["0"])[0]) for q in self.api_requests() if "search_query" in q]

    # -- lifecycle --------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._base_url, "start() the fake first"
        return self._base_url

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/query"

    def start(self) -> "FakeArxiv":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                fake._handle(self)

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a handler woken after the test ended must not print into the next test's stderr

        self.server = Server(("127.0.0.1", 0), Handler)
        host, port = self.server.server_address[:2]
        self._base_url = f"http://{host}:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # -- serving ------------------------------------------------------------------------------------
    def _take_fault(self, key: str) -> str | None:
        with self.lock:
            queue = self.faults.get(key) or []
            if not queue:
                return None
            fault = queue[0]
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    queue.pop(0)
            return fault.kind

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.requests.append(h.path)
            self.times.append(time.monotonic())
        url = urlparse(h.path)
        if url.path == "/api/query":
            args = parse_qs(url.query)
            fault = self._take_fault(API) or self._take_fault(api_page(int(args.get("start", ["0"])[0])))
            if fault and self._serve_fault(h, fault, None):
                return
            bad = [i for i in self.id_list(args) if i.split("/")[0].split(".")[0] not in OLD_ARCHIVES and "/" in i]
            if bad:  # arXiv answers 400 with an error entry for an id it finds malformed
                self._send(h, 400, self.error_feed(f"incorrect id format for {bad[0]}"), "application/atom+xml")
                return
            self._send(h, 200, self.feed(args), "application/atom+xml; charset=utf-8")
            return
        m = re.fullmatch(r"/pdf/(?P<id>.+?)(?:v(?P<v>\d+))?(?:\.pdf)?", url.path)
        paper = self.papers.get(m.group("id")) if m else None
        if paper is None or (m and m.group("v") and int(m.group("v")) != paper.version):
            self._send(h, 404, b"<html><body>Not found</body></html>", "text/html")
            return
        fault = self._take_fault(paper.id)
        if fault and self._serve_fault(h, fault, paper):
            return
        self._send(h, 200, paper.pdf, "application/pdf")

    def _serve_fault(self, h: BaseHTTPRequestHandler, kind: str, paper: FakePaper | None) -> bool:
        """Answer with a fault; False when the fault only delays the normal answer."""
        if kind in ("503", "500", "404"):
            self._send(h, int(kind), b"<html><body>error</body></html>", "text/html")
        elif kind == "429":
            self._send(h, 429, b"Too Many Requests", "text/plain")
        elif kind == "429-retry-after":
            self._send(h, 429, b"Too Many Requests", "text/plain", {"Retry-After": "1"})
        elif kind == "timeout":
            time.sleep(self.slow_seconds)
            return False
        elif kind == "truncated" and paper is not None:
            self._send(h, 200, paper.pdf[: len(paper.pdf) // 2], "application/pdf")
        elif kind == "html":
            self._send(h, 200, HTML_PAGE, "text/html; charset=utf-8")
        else:
            raise ValueError(f"unknown fault {kind!r}")
        return True

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass

    # -- the Atom feed ------------------------------------------------------------------------------
    @staticmethod
    def id_list(args: dict[str, list[str]]) -> list[str]:
        return [i for i in (args.get("id_list", [""])[0]).split(",") if i]

    def matches(self, args: dict[str, list[str]]) -> list[FakePaper]:
        """The papers an API request selects, in arXiv's order (id_list order, else by id)."""
        id_list = self.id_list(args)
        query = args.get("search_query", [""])[0]
        if id_list:
            out = []
            for raw in id_list:
                m = re.fullmatch(r"(?P<id>.+?)(?:v(?P<v>\d+))?", raw)
                paper = self.papers.get(m.group("id")) if m else None
                if paper is not None and (not m.group("v") or int(m.group("v")) <= paper.version):
                    out.append(paper)
            return out
        terms = [t.lower() for t in re.findall(r"(?:\w+:)?(\"[^\"]+\"|[^\s:()\"]+)", query)]
        terms = [t.strip('"') for t in terms if t not in ("and", "or", "andnot")]
        hits = []
        for paper in sorted(self.papers.values(), key=lambda p: p.id):
            hay = f"{paper.title} {paper.abstract}".lower()
            if terms and all(t in hay for t in terms):
                hits.append(paper)
        return hits

    def feed(self, args: dict[str, list[str]]) -> bytes:
        """An Atom feed in the arXiv API's format (opensearch totals, entries with pdf links to this server)."""
        hits = self.matches(args)
        # like arXiv, totalResults of an id_list request counts every id asked for, found or not
        total = len(self.id_list(args)) or len(hits)
        start = int(args.get("start", ["0"])[0])
        size = int(args.get("max_results", ["10"])[0])
        page = hits[start : start + size]
        root = ET.Element(f"{{{ATOM}}}feed")
        ET.SubElement(root, f"{{{ATOM}}}link", href=self.api_url, rel="self", type="application/atom+xml")
        ET.SubElement(root, f"{{{ATOM}}}title", type="html").text = "ArXiv Query: fake"
        ET.SubElement(root, f"{{{ATOM}}}id").text = "http://arxiv.org/api/fake"
        ET.SubElement(root, f"{{{ATOM}}}updated").text = "2026-01-01T00:00:00-05:00"
        ET.SubElement(root, f"{{{OPENSEARCH}}}totalResults").text = str(total)
        ET.SubElement(root, f"{{{OPENSEARCH}}}startIndex").text = str(start)
        ET.SubElement(root, f"{{{OPENSEARCH}}}itemsPerPage").text = str(size)
        for p in page:
            vid = f"{p.id}v{p.version}"
            e = ET.SubElement(root, f"{{{ATOM}}}entry")
            ET.SubElement(e, f"{{{ATOM}}}id").text = f"http://arxiv.org/abs/{vid}"
            ET.SubElement(e, f"{{{ATOM}}}updated").text = p.published
            ET.SubElement(e, f"{{{ATOM}}}published").text = p.published
            ET.SubElement(e, f"{{{ATOM}}}title").text = p.title
            ET.SubElement(e, f"{{{ATOM}}}summary").text = f"  {p.abstract}\n"
            for name in p.authors:
                ET.SubElement(ET.SubElement(e, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = name
            ET.SubElement(e, f"{{{ARXIV}}}comment").text = "10 pages"
            ET.SubElement(e, f"{{{ATOM}}}link", href=f"http://arxiv.org/abs/{vid}", rel="alternate", type="text/html")
            ET.SubElement(e, f"{{{ATOM}}}link", title="pdf", href=f"{self.base_url}/pdf/{vid}", rel="related", type="application/pdf")
            ET.SubElement(e, f"{{{ARXIV}}}primary_category", term=p.categories[0], scheme="http://arxiv.org/schemas/atom")
            for c in p.categories:
                ET.SubElement(e, f"{{{ATOM}}}category", term=c, scheme="http://arxiv.org/schemas/atom")
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)


    def error_feed(self, message: str) -> bytes:
        """arXiv's error answer: a feed whose one entry is titled Error (no dates, so clients skip it)."""
        root = ET.Element(f"{{{ATOM}}}feed")
        ET.SubElement(root, f"{{{ATOM}}}title", type="html").text = "ArXiv Query: error"
        ET.SubElement(root, f"{{{OPENSEARCH}}}totalResults").text = "1"
        e = ET.SubElement(root, f"{{{ATOM}}}entry")
        ET.SubElement(e, f"{{{ATOM}}}id").text = "http://arxiv.org/api/errors#" + message.replace(" ", "_")
        ET.SubElement(e, f"{{{ATOM}}}title").text = "Error"
        ET.SubElement(e, f"{{{ATOM}}}summary").text = message
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def closed_port_url() -> str:
    """An API URL on a loopback port nothing listens on (the server-down case)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


def point_cli_at(fake: "FakeArxiv", db_path, monkeypatch, fast: dict[str, str]) -> dict[str, str]:
    """Set the SYNTH_* variables that point the CLI at `db_path` and the fake server, with `fast` delays, timeouts
    and backoffs; returns them."""
    values = {"SYNTH_DB": str(db_path), "SYNTH_ARXIV_API_URL": fake.api_url, **fast}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return values


def run_fetch(*args: str):
    """Run `synth --quiet fetch ARGS` in-process."""
    from click.testing import CliRunner

    from synth.cli import cli

    return CliRunner().invoke(cli, ["--quiet", "fetch", *args], catch_exceptions=False)
