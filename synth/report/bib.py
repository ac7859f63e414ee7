"""The references of a run for reference managers: BibTeX (written by pybtex) and CSL-JSON.

The papers are exactly the report's References, in the same order: arXiv papers become `@misc` entries with
`eprint`, `archivePrefix`, `primaryClass`, the arXiv DOI (10.48550/arXiv.<id>, which arXiv registers for every
paper) and the abstract URL; local files become `@misc` entries with their title and file name.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError

if TYPE_CHECKING:
    from pybtex.database import BibliographyData, Person

    from ..store import Store

FORMATS = ("bib", "csl")
# Control characters and bidi overrides: written out as U+XXXX (a backslash would start a LaTeX command).
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Reference:
    """One cited paper as a reference manager needs it (plain Unicode text; encoding happens on output)."""

    key: str
    paper_id: str
    title: str
    authors: list[str] = field(default_factory=list)
    published: str = ""  # ISO date (or a prefix of one)
    arxiv: bool = False
    category: str | None = None
    doi: str | None = None
    file: str | None = None

    @property
    def year(self) -> str:
        return self.published[:4] if self.published[:4].isdigit() else ""

    @property
    def url(self) -> str | None:
        if self.arxiv:
            return f"https://arxiv.org/abs/{self.paper_id}"
        return f"https://doi.org/{self.doi}" if self.doi else None


def _clean(text: Any) -> str:
    """One line of text with control and bidi characters made visible as U+XXXX (escaped, not stripped)."""
    s = " ".join(("" if text is None else str(text)).split())
    return _INVISIBLE.sub(lambda m: f"U+{ord(m.group()):04X}", s)


def _json_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        decoded = json.loads(value) if value else []
    except (TypeError, ValueError):
        return [str(value)]
    return [str(v) for v in decoded] if isinstance(decoded, list) else [str(decoded)]


def _key_word(text: str) -> str:
    """Lower-case ASCII letters and digits of `text` (accents folded), for citation keys."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


_STOP = {"a", "an", "the", "on", "of", "for", "in", "and", "to", "with", "via", "is", "are", "towards", "toward"}


def _citation_key(authors: list[str], year: str, title: str, paper_id: str) -> str:
    """`conneau2018xnli`: first author's family name, year, first significant title word; the id when no author."""
    last_names = _person(authors[0]).last_names if authors else []
    family = _key_word(last_names[-1]) if last_names else ""
    word = next((w for w in (_key_word(t) for t in title.split()) if w and w not in _STOP), "")
    if not family:
        return _key_word(paper_id.replace("local:", "local")) or "ref"
    return f"{family}{year}{word}"


def _person(name: str) -> Person:
    """A pybtex Person for an author string (a string pybtex cannot split becomes one family name)."""
    from pybtex.database import Person

    try:
        return Person(name)
    except Exception:  # noqa: BLE001 - pybtex raises several types on odd names; the name is kept whole
        return Person(last=name)


def references(store: Store, run_id: int | None = None) -> list[Reference]:
    """The papers a run's report cites, in the report's order, with unique citation keys."""
    from .render import build_context

    out: list[Reference] = []
    keys: set[str] = set()
    for ref in build_context(store, run_id)["references"]:
        row = store.paper(ref["id"]) or {"id": ref["id"]}
        authors = [_clean(a) for a in _json_list(row.get("authors")) if _clean(a)]
        categories = _json_list(row.get("categories"))
        arxiv = bool(ref.get("arxiv"))  # the report links exactly the papers whose id is an arXiv id
        r = Reference(
            key="",
            paper_id=ref["id"],
            title=_clean(row.get("title") or ref["id"]),
            authors=authors,
            published=str(row.get("published") or ""),
            arxiv=arxiv,
            category=categories[0] if categories and arxiv else None,
            doi=row.get("doi") or (f"10.48550/arXiv.{ref['id']}" if arxiv else None),
            file=None if arxiv else (row.get("pdf_path") or None),
        )
        base = _citation_key(authors, r.year, r.title, r.paper_id)
        key, n = base, 0
        while key in keys:
            n += 1
            key = base + _suffix(n)
        keys.add(key)
        r.key = key
        out.append(r)
    return out


def _suffix(n: int) -> str:
    """a, b, ..., z, aa, ab, ... for the n-th (1-based) clash of a citation key."""
    s = ""
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(ord("a") + rem) + s
    return s


def _balanced(text: str) -> str:
    """Text whose braces BibTeX can read: unbalanced braces are written as \\textbraceleft{} / \\textbraceright{}."""
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth == 0:
        return text
    return text.replace("{", "\x00L").replace("}", "\x00R").replace("\x00L", r"\textbraceleft{}").replace("\x00R", r"\textbraceright{}")


def bibliography(refs: list[Reference]) -> BibliographyData:
    """The references as pybtex data: @misc entries (arXiv fields for arXiv papers)."""
    from pybtex.database import BibliographyData, Entry

    data = BibliographyData()
    for r in refs:
        fields: dict[str, str] = {"title": _balanced(r.title)}
        if r.year:
            fields["year"] = r.year
        if r.arxiv:
            fields.update(eprint=r.paper_id, archivePrefix="arXiv")
            if r.category:
                fields["primaryClass"] = r.category
        if r.doi:
            fields["doi"] = r.doi
        if r.url:
            fields["url"] = r.url
        if r.file:
            fields["note"] = _balanced("Local file: " + _clean(r.file.replace("\\", "/").rsplit("/", 1)[-1]))
        persons = {"author": [_person(_balanced(a)) for a in r.authors]} if r.authors else None
        data.add_entry(r.key, Entry("misc", fields=fields, persons=persons))
    return data


def to_bibtex(refs: list[Reference]) -> str:
    """BibTeX text (UTF-8; LaTeX special characters escaped by pybtex)."""
    if not refs:
        return ""
    return bibliography(refs).to_string("bibtex")


def _csl_name(name: str) -> dict[str, str]:
    p = _person(name)
    family = " ".join(p.prelast_names + p.last_names + p.lineage_names)
    given = " ".join(p.first_names + p.middle_names)
    return {"family": family, "given": given} if given else {"literal": family or name}


def to_csl_items(refs: list[Reference]) -> list[dict[str, Any]]:
    """CSL-JSON items (`article` for arXiv preprints, `document` for local files), plain Unicode text."""
    items = []
    for r in refs:
        item: dict[str, Any] = {"id": r.key, "type": "article" if r.arxiv else "document", "title": r.title}
        if r.authors:
            item["author"] = [_csl_name(a) for a in r.authors]
        parts = [int(x) for x in re.findall(r"\d+", r.published[:10])][:3]
        if parts and len(str(parts[0])) == 4:
            item["issued"] = {"date-parts": [parts]}
        if r.arxiv:
            item.update(publisher="arXiv", number=f"arXiv:{r.paper_id}", URL=r.url)
        if r.doi:
            item["DOI"] = r.doi
        if r.file:
            item["note"] = "Local file: " + r.file.replace("\\", "/").rsplit("/", 1)[-1]
        items.append(item)
    return items


def render_references(store: Store, run_id: int | None = None, fmt: str = "bib") -> str:
    """The cited papers of a run (latest by default) as BibTeX (`bib`) or CSL-JSON (`csl`)."""
    if fmt not in FORMATS:
        raise BadInputError(f"unknown references format {fmt!r} (bib or csl)")
    refs = references(store, run_id)
    if fmt == "csl":
        return json.dumps(to_csl_items(refs), ensure_ascii=False, indent=2) + "\n"
    return to_bibtex(refs)
