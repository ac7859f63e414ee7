"""Corpus views over the store (summaries for `synth papers`)."""

from __future__ import annotations

from typing import Any

from ..store import Store


def paper_summaries(store: Store) -> list[dict[str, Any]]:
    """One dict per paper: id, title, year, DOI, language, pages, passages, passage languages, status, error, glyphs
    left out and its reference entries (raw, DOI, arXiv id)."""
    out = []
    for r in store.papers():
        published = r.get("published") or ""
        out.append(
            {
                "id": r["id"],
                "title": r.get("title") or "",
                "year": int(published[:4]) if published[:4].isdigit() else None,
                "pages": r.get("pages") or 0,
                "passages": r["passage_count"],
                "languages": sorted(set((r.get("langs") or "").split(",")) - {""}),
                "status": r.get("status") or "",
                "error": r.get("error"),
                "doi": r.get("doi"),
                "language": r.get("lang"),
                "dropped_glyphs": r.get("dropped_glyphs"),
                "references": store.references_of(r["id"]),
            }
        )
    return out
