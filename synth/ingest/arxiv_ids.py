"""arXiv identifiers: parse every common spelling, normalise, and find them in a report's References."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..errors import BadArxivIdError, BadInputError

# New style (April 2007 on): YYMM.NNNN (to 1412) or YYMM.NNNNN (from 1501), optional vN. ASCII digits only
# (the patterns are compiled with re.ASCII: "\d" would take Arabic-Indic digits, and IGNORECASE would let the
# Kelvin sign pass for "k"), and at most 4 digits of version, so int() never meets a 5,000-digit number.
_NEW = r"(?P<new>(?P<yy>[0-9]{2})(?P<mm>[0-9]{2})\.(?P<num>[0-9]{4,5}))"
# Old style: archive[.SUBJ]/YYMMNNN, e.g. hep-th/9901001, math.AG/0601001.
_OLD = r"(?P<old>(?P<archive>[a-z]+(?:-[a-z]+)*)(?:\.(?P<subj>[A-Z]{2}))?/(?P<oyy>[0-9]{2})(?P<omm>[0-9]{2})[0-9]{3})"
_VERSION = r"(?:v(?P<version>[0-9]{1,4}))?"
_CORE = rf"(?:{_NEW}|{_OLD}){_VERSION}"

_FULL = re.compile(
    r"^\s*(?:"
    r"(?:arxiv\s*:\s*)"  # arXiv:2301.12566
    r"|(?:(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)"  # https://arxiv.org/abs/…, /pdf/…
    r")?"
    + _CORE
    + r"(?:\.pdf)?/?\s*$",
    re.IGNORECASE | re.ASCII,
)

# Inside free text (a References section): URLs, arXiv: prefixes, and bare new-style ids.
_OLD_IN_TEXT = _OLD.replace("(?P<archive>", r"(?P<archive>(?<![\w.-])")
_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv\s*:\s*|10\.48550/arxiv\.|(?<![\w./-]))" + rf"(?:{_NEW}|{_OLD_IN_TEXT}){_VERSION}" + r"(?![\w])",
    re.IGNORECASE | re.ASCII,
)

# Matched against a stripped line without its trailing colon: no two parts of the pattern can take the same spaces,
# so a long line of spaces is linear (the old `[A-Za-z ]*?\s*:?\s*$` was cubic: 2,000 spaces took 7 s).
_HEADING = re.compile(r"^(?:#{1,6}\s*)?(?:[0-9]+(?:\.[0-9]+)*\.?\s+)?(?P<title>[A-Za-z][A-Za-z ]*)$")
_HEADING_MAX = 100  # a longer line is not a heading
_REFERENCE_TITLES = {"references", "bibliography", "works cited", "sources", "reference list"}

EXAMPLES = "e.g. 2301.12566, 2301.12566v2, arXiv:2301.12566, https://arxiv.org/abs/2301.12566 or hep-th/9901001"


@dataclass(frozen=True, order=True)
class ArxivId:
    """A normalised arXiv identifier: `id` without version, `version` kept apart (None = latest)."""

    id: str
    version: int | None = None

    def __str__(self) -> str:
        return self.versioned

    @property
    def versioned(self) -> str:
        """The id with its version suffix, when it has one (`2301.12566v2`)."""
        return f"{self.id}v{self.version}" if self.version else self.id

    @property
    def filename_stem(self) -> str:
        """A file-system safe form (`/` of old-style ids becomes `_`)."""
        return self.id.replace("/", "_")


def _from_match(m: re.Match[str]) -> ArxivId | None:
    """Build an ArxivId from a regex match, or None if the date or number is impossible."""
    version = int(m.group("version")) if m.group("version") else None
    if version == 0:
        return None
    if m.group("new"):
        yy, mm, num = int(m.group("yy")), int(m.group("mm")), m.group("num")
        if not 1 <= mm <= 12 or (yy, mm) < (7, 4):
            return None
        if (len(num) == 5) != ((yy, mm) >= (15, 1)):
            return None
        return ArxivId(m.group("new"), version)
    oyy, omm = int(m.group("oyy")), int(m.group("omm"))
    if not 1 <= omm <= 12 or (7 < oyy < 91) or (oyy == 7 and omm > 3):
        return None
    archive = m.group("archive").lower()
    subj = m.group("subj")
    ident = f"{archive}.{subj.upper()}" if subj else archive
    return ArxivId(f"{ident}/{m.group('old').split('/')[1]}", version)


def _show(text: object, limit: int = 60) -> str:
    """A one-line, bounded rendering of user input for an error message."""
    s = text if isinstance(text, str) else str(text)
    return repr(s) if len(s) <= limit else repr(s[:limit]) + f"... ({len(s):,} characters)"


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse one id in any accepted form; raises BadArxivIdError with a one-line message."""
    m = _FULL.match(text.strip()) if isinstance(text, str) else None
    parsed = _from_match(m) if m else None
    if parsed is None:
        raise BadArxivIdError(f"not an arXiv id: {_show(text)} ({EXAMPLES})")
    return parsed


def parse_arxiv_ids(texts: Iterable[str]) -> list[ArxivId]:
    """Parse many ids, dropping duplicates (first spelling wins); every bad one is named in one error."""
    out: dict[str, ArxivId] = {}
    bad: list[str] = []
    for text in texts:
        try:
            parsed = parse_arxiv_id(text)
        except BadArxivIdError:
            bad.append(text)
            continue
        out.setdefault(parsed.id, parsed)
    if bad:
        names = ", ".join(_show(b) for b in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise BadArxivIdError(f"not an arXiv id: {names} ({EXAMPLES})")
    return list(out.values())


def find_arxiv_ids(text: str) -> list[ArxivId]:
    """Every arXiv id mentioned in free text (URLs, `arXiv:` prefixes, bare ids), deduplicated, in order."""
    out: dict[str, ArxivId] = {}
    for m in _IN_TEXT.finditer(text):
        parsed = _from_match(m)
        if parsed is not None:
            out.setdefault(parsed.id, parsed)
    return list(out.values())


def references_section(text: str) -> str | None:
    """The text after a `References` (or `Bibliography`) heading, or None when there is no such heading.

    A Markdown heading ends at the next heading of the same or a higher level; a plain-text one runs to the end.
    """
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        m = _HEADING.match(stripped.removesuffix(":").rstrip()) if len(stripped) <= _HEADING_MAX else None
        if not (m and m.group("title").strip().lower() in _REFERENCE_TITLES):
            continue
        level = _hashes(line)
        body: list[str] = []
        for nxt in lines[i + 1 :]:
            if level and 0 < _hashes(nxt) <= level:
                break
            body.append(nxt)
        return "\n".join(body)
    return None


def _hashes(line: str) -> int:
    """The Markdown heading level of a line (0 if it is not a `#` heading)."""
    m = re.match(r"\s*(#{1,6})\s", line)
    return len(m.group(1)) if m else 0


def ids_from_report(path: Path | str) -> list[ArxivId]:
    """arXiv ids cited in a report's References section (the whole text if it has none)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise BadInputError(f"cannot read report {path}: {exc.strerror or exc}") from exc
    section = references_section(text)
    ids = find_arxiv_ids(section if section is not None else text)
    if not ids:
        where = "References section" if section is not None else "text"
        raise BadInputError(f"no arXiv ids found in the {where} of {path}")
    return ids
