"""Render a stored run as a Markdown, HTML or JSON report (every number read from the database)."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import BadInputError, SynthError
from ..judge.answer import build_answer
from ..judge.claim import Claim, JudgedClaim, evidence_json
from ..judge.relevance import PROBES
from ..judge.verifier.abstain import REASON_TEXT
from ..judge.verifier.base import LABELS
from ..store import Store

QUOTE_CHARS = 220
EVIDENCE_SHOWN = 2

_MD_SPECIAL = re.compile(r"([\\|*_\[\]`#~!])")
# Control characters and bidirectional overrides/isolates: shown as \uXXXX, never passed to a terminal or browser
# (an unmatched RLO would reorder the rest of a table row on screen).
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: Any) -> str:
    """Text with control characters and bidi overrides written out as `\\uXXXX` (escaped, not stripped)."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", "" if text is None else str(text))


def md_escape(text: Any) -> str:
    """Text safe inside a Markdown table cell or paragraph: one line, no markup, no HTML, no column breaks,
    no control characters; every character of the input is still there, escaped."""
    s = re.sub(r"[ \t\n\r\f\v\u2028\u2029]+", " ", "" if text is None else str(text)).strip()
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = visible(s)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def trim_quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """A quote cut on a word boundary with "…" (for evidence quotes only, never for claims)."""
    s = re.sub(r"\s+", " ", text).strip()
    if len(s) <= limit:
        return s
    cut = s[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + " …"


def _loads(value: str | None, default: Any) -> Any:
    try:
        return json.loads(value) if value else default
    except ValueError:
        return default


def _date(iso: str | None) -> str:
    try:
        d = datetime.fromisoformat(iso or "")
    except ValueError:
        return iso or ""
    return f"{d.strftime('%B')} {d.day}, {d.year}"


def find_run(store: Store, run_id: int | None = None) -> dict[str, Any]:
    """The run row (the latest one when `run_id` is None); RunNotFoundError if there is none."""
    return store.run(run_id)


def _fetch_summary(store: Store) -> dict[str, Any]:
    logs = store.fetch_log()
    kinds = Counter(r.get("kind") or "?" for r in logs)
    return {
        "requests": len(logs),
        "kinds": dict(sorted(kinds.items())),
        "hits": sum(r.get("hits") or 0 for r in logs),
        "fetched": sum(r.get("fetched") or 0 for r in logs),
        "skipped": sum(r.get("skipped") or 0 for r in logs),
        "failed": sum(r.get("failed") or 0 for r in logs),
        "interrupted": sum(not r.get("finished_at") for r in logs),
        "first": logs[0]["started_at"] if logs else None,
        "last": logs[-1]["started_at"] if logs else None,
    }


def _is_arxiv_id(paper_id: str) -> bool:
    """Whether a stored id is an arXiv id (only those become links; nothing else from the database does)."""
    from ..ingest.arxiv_ids import parse_arxiv_id

    try:
        return parse_arxiv_id(paper_id).id == paper_id
    except SynthError:
        return False


def _doi_url(doi: str | None) -> str | None:
    """The doi.org link of a DOI read from a paper (only a well-formed DOI becomes a link)."""
    if not doi or not re.fullmatch(r"10\.\d{4,9}/[^\s\"<>]+", doi):
        return None
    return "https://doi.org/" + urllib.parse.quote(doi, safe="/:;()._-")


class _Refs:
    """Numbers papers in order of first citation."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.order: list[str] = []

    def cite(self, paper_id: str | None) -> int | None:
        if not paper_id:
            return None
        if paper_id not in self.order:
            self.order.append(paper_id)
        return self.order.index(paper_id) + 1

    def entries(self) -> list[dict[str, Any]]:
        out = []
        for n, pid in enumerate(self.order, start=1):
            p = self.store.paper(pid) or {"id": pid}
            authors = _loads(p.get("authors"), [])
            published = p.get("published") or ""
            is_arxiv = (p.get("source") or "arxiv") in ("arxiv", "mirror") and _is_arxiv_id(pid)
            names = authors if isinstance(authors, list) else [str(authors)]
            year = published[:4] if published[:4].isdigit() else ""
            citation = (", ".join(names) + (f" ({year})" if year else "") + ". ") if names else ""
            citation += (p.get("title") or pid).rstrip(".") + "."
            if not is_arxiv and p.get("pdf_path"):
                citation += f" Local file: {p['pdf_path']}"
            out.append(
                {
                    "n": n,
                    "id": pid,
                    "citation": citation,
                    "title": p.get("title") or pid,
                    "authors": authors if isinstance(authors, list) else [str(authors)],
                    "year": published[:4] if published[:4].isdigit() else "",
                    "url": f"https://arxiv.org/abs/{pid}" if is_arxiv else _doi_url(p.get("doi")),
                    "arxiv": is_arxiv,
                    "doi": p.get("doi"),
                    "source": p.get("source") or "",
                    "path": p.get("pdf_path") or "",
                }
            )
        return out


def _evidence_for_display(label: str, ev: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The evidence shown for a verdict: the most decisive items for it (retrieval order for NEI)."""
    if label == "SUPPORTED":
        ev = sorted(ev, key=lambda e: -(e.get("p_support") or 0.0))
    elif label == "REFUTED":
        ev = sorted(ev, key=lambda e: -(e.get("p_refute") or 0.0))
    return ev[:EVIDENCE_SHOWN]


def build_context(store: Store, run_id: int | None = None) -> dict[str, Any]:
    """Everything a report shows, read from the database."""
    run = find_run(store, run_id)
    rid = run["id"]
    settings = _loads(run.get("settings"), {})
    stored_counts = _loads(run.get("counts"), {})
    claim_rows = store.run_claims(rid)
    refs = _Refs(store)  # papers are numbered in order of first citation: claims, answer, findings
    claims = [_claim_view(c, refs) for c in claim_rows]
    verdicts = {label: sum(c["verdict"] == label for c in claims) for label in LABELS}
    ranking = store.ranking_stats(rid)
    answer, findings = _answer(store, run, claims, claim_rows, verdicts, ranking["papers_used"], refs)
    text_of = {c["id"]: c for c in claims}
    shown_findings = [
        dict(f, claims=[text_of[i] for i in f["claim_ids"] if i in text_of], refs=[refs.cite(p) for p in f["paper_ids"]],
             agree_refs=[refs.cite(p) for p in f["agree"]], conflict_refs=[refs.cite(p) for p in f["conflict"]])
        for f in findings
    ]  # fmt: skip
    papers = [
        {"id": r["paper_id"], "title": r["title"] or r["paper_id"], "relevance": r["score"], "used": bool(r["used"]),
         **({"answer_score": r["answer_score"]} if r.get("answer_score") is not None else {})}
        for r in store.run_papers(rid)
    ]  # fmt: skip
    fetch = _fetch_summary(store)
    corpus = store.corpus_summary()
    counts = _counts(fetch, corpus, ranking, stored_counts, len(refs.order), claims, verdicts)
    question = run.get("question") or ""
    return {
        "run": _run_view(run, settings, stored_counts),
        "title": _title(run, settings),
        "version": __version__,
        "date": _date(run.get("started_at")),
        "question": question,
        "settings": settings,
        "fetch": fetch,
        "corpus": corpus,
        "counts": counts,
        "max_dense": ranking["max_dense"],
        "claims": claims,
        "answer": answer,
        "findings": shown_findings,
        "papers": papers,
        "references": refs.entries(),
        "histogram": _histogram(claims),
        "probes": len(PROBES),
        "labels": LABELS,
    }


def _claim_view(c: dict[str, Any], refs: _Refs) -> dict[str, Any]:
    """One stored claim as the report shows it: verdict, confidence, source and the most decisive evidence quotes."""
    ev_rows = c["evidence"]
    label = c.get("label") or "NOT_ENOUGH_INFO"
    source = None
    if c.get("paper_id"):
        source = {"ref": refs.cite(c["paper_id"]), "page": c.get("page"), "paper_id": c["paper_id"]}
    shown = [
        {
            "quote": trim_quote(e["text"] or ""),
            "ref": refs.cite(e["paper_id"]),
            "page": e.get("page"),
            "lang": e.get("lang") or "?",
            "score": e.get("retrieval_score"),
            "p_support": e.get("p_support"),
            "p_refute": e.get("p_refute"),
        }
        for e in _evidence_for_display(label, ev_rows)
    ]
    return {
        "id": c["id"],
        "lang": c.get("lang"),
        "n": c["position"],
        "text": c["text"],
        "input_text": c.get("input_text"),
        "truncated": bool(c.get("truncated")),
        "verdict": label,
        "confidence": c.get("confidence") if c.get("confidence") is not None else 0.0,
        "reason": c.get("reason") if label == "NOT_ENOUGH_INFO" else None,
        "reason_text": REASON_TEXT.get(c.get("reason") or "", "") if label == "NOT_ENOUGH_INFO" else "",
        "source": source,
        "shown": shown,
        "evidence": [
            evidence_json(e["paper_id"], e.get("page"), e["text"], e.get("lang"), e.get("retrieval_score"))
            for e in ev_rows
        ],
    }


def _counts(fetch: dict[str, Any], corpus: dict[str, Any], ranking: dict[str, Any], stored: dict[str, Any],
            cited: int, claims: list[dict[str, Any]], verdicts: dict[str, int]) -> dict[str, Any]:  # fmt: skip
    """The report's counts, each measured from the run or the store."""
    return {
        "queries": fetch["requests"],
        "papers_found": fetch["hits"],
        "papers_fetched": fetch["fetched"],
        "papers_in_corpus": corpus["papers"],
        "papers_with_text": corpus["papers_with_text"],
        "passages": corpus["passages"],
        "passages_ranked": ranking["passages_ranked"],
        "relevant_passages": stored.get("relevant_passages"),
        "deciding_names": stored.get("deciding_names") or [],
        **({"reranked": stored["reranked"]} if stored.get("reranked") is not None else {}),
        "papers_ranked": ranking["papers_ranked"],
        "papers_used": ranking["papers_used"],
        "papers_cited": cited,
        "claims": len(claims),
        "truncated": sum(c["truncated"] for c in claims),
        "evidence": sum(len(c["evidence"]) for c in claims),
        **verdicts,
    }


def _run_view(run: dict[str, Any], settings: dict[str, Any], stored_counts: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": run["id"],
        "kind": run.get("kind") or "question",
        "question": run.get("question") or "",
        "input_file": run.get("input_file"),
        "started_at": run.get("started_at"),
        "finished_at": run.get("finished_at"),
        "status": run.get("status"),
        "error": run.get("error"),
        "settings": settings,
        "stored_counts": stored_counts,
    }


def _title(run: dict[str, Any], settings: dict[str, Any]) -> str:
    if (run.get("kind") or "question") == "claims":
        name = settings.get("input_title") or (run.get("input_file") or "given claims")
        return f"Claim audit: {name}"
    return f"Literature synthesis: {run.get('question') or ''}"


def _histogram(claims: list[dict[str, Any]]) -> list[int]:
    """Claims per tenth of confidence."""
    hist = [0] * 10
    for c in claims:
        hist[min(9, max(0, int((c["confidence"] or 0.0) * 10)))] += 1
    return hist


def _answer(store: Store, run: dict[str, Any], claims: list[dict[str, Any]], rows: list[dict[str, Any]],
            verdicts: dict[str, int], papers_used: int, refs: _Refs) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The extractive answer and the findings of a question run; for a claims run, a summary of the verdicts."""
    if run.get("kind") != "question":
        supported = sum(c["verdict"] == "SUPPORTED" for c in claims)
        refuted = sum(c["verdict"] == "REFUTED" for c in claims)
        text = (f"Of {len(claims)} claims, {supported} are supported and {refuted} refuted by evidence in the corpus; "
                f"{verdicts['NOT_ENOUGH_INFO']} remain without enough evidence.") if claims else "No claims were verified."  # fmt: skip
        return {"addressed": bool(claims), "text": text, "sentences": []}, []
    findings = store.findings(run["id"])
    settings = _loads(run.get("settings"), {})
    best = _loads(run.get("counts"), {}).get("best_z")
    if not papers_used:
        why = (f"no passage stands out for it against questions from unrelated fields (best z {best:.1f}, "
               f"needed {settings.get('min_relevance')})") if best is not None else "no passage bears on it"  # fmt: skip
        not_addressed = f"The corpus does not address this question: {why}."
    else:
        not_addressed = "No claims could be extracted from the papers that bear on this question."
    answer = build_answer(findings, rows, refs.cite, bool(papers_used), not_addressed)
    return answer, findings


def template_dir() -> Path:
    """templates/ as installed (the package synth.templates), or the repository's templates/ when synth runs from a
    source checkout (where setuptools' package-dir mapping does not apply)."""
    try:
        import synth.templates as installed

        return Path(installed.__file__).parent
    except ImportError:
        return Path(__file__).resolve().parents[2] / "templates"


def _finalize(value: Any) -> Any:
    """Every printed value: strings with their control and bidi characters made visible (markup left alone)."""
    import markupsafe

    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return visible(value)
    return value


def _environment(fmt: str):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir()),
        autoescape=fmt == "html",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["md"] = md_escape
    env.filters["pct"] = lambda x: f"{x:.2f}" if isinstance(x, (int, float)) else "–"
    return env


def render(store: Store, run_id: int | None = None, fmt: str = "md") -> str:
    """The report of a run (latest by default) as Markdown, HTML or JSON text."""
    if fmt not in ("md", "html", "json"):
        raise BadInputError(f"unknown report format {fmt!r} (md, html or json)")
    ctx = build_context(store, run_id)
    if fmt == "json":
        return json.dumps(
            {
                "run": ctx["run"],
                "question": ctx["question"],
                "counts": ctx["counts"],
                "answer": ctx["answer"],
                "findings": [
                    {k: f[k] for k in ("label", "claim_ids", "paper_ids", "agree", "conflict")} for f in ctx["findings"]
                ],
                "papers": ctx["papers"],
                "claims": [
                    dict(
                        JudgedClaim(Claim(c["text"], truncated=c["truncated"]), c["verdict"], c["confidence"],
                                    c["evidence"], c["reason"]).as_json(),
                        id=c["id"], lang=c["lang"], paper_id=(c["source"] or {}).get("paper_id"),
                    )
                    for c in ctx["claims"]
                ],
                "references": ctx["references"],
            },
            ensure_ascii=False,
            indent=2,
        )
    env = _environment(fmt)
    template = env.get_template("report.md.j2" if fmt == "md" else "report.html.j2")
    if fmt == "html":
        ctx["svg"] = _svg_data(ctx)
    return template.render(**ctx)


def _svg_data(ctx: dict[str, Any]) -> dict[str, Any]:
    """Bar geometry for the two inline SVG charts (verdict counts, confidence histogram)."""
    counts = [ctx["counts"][label] for label in LABELS]
    top = max(counts + [1])
    bars = [
        {"label": label, "count": n, "h": round(120 * n / top, 1), "x": 20 + i * 100, "y": round(140 - 120 * n / top, 1)}
        for i, (label, n) in enumerate(zip(LABELS, counts))
    ]
    hist = ctx["histogram"]
    htop = max(hist + [1])
    bins = [
        {"lo": i / 10, "count": n, "h": round(120 * n / htop, 1), "x": 20 + i * 30, "y": round(140 - 120 * n / htop, 1)}
        for i, n in enumerate(hist)
    ]
    return {"bars": bars, "bins": bins}
