"""Parse seed reports (title, research question, claims table, references) so their claims can be audited."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BadInputError

_TERMINAL = re.compile(r"[.!?。]['\"”’)\]]*$")
_HEADING = re.compile(r"^\s*(?:#+\s*)?(?:\d+(?:\.\d+)*\s+)?(?P<name>[A-Za-z][\w ]*?)\s*$")


@dataclass
class SeedClaim:
    """One row of a report's claims table. `truncated`: the text was cut (no sentence-final punctuation)."""

    text: str
    verified: bool | None
    confidence: float | None
    truncated: bool


@dataclass
class SeedReport:
    """What synth reads from a report: its title, research question, claims and reference URLs."""

    title: str
    question: str
    claims: list[SeedClaim] = field(default_factory=list)
    references: list[str] = field(default_factory=list)


def _read(path_or_text: str | Path) -> str:
    if isinstance(path_or_text, Path) or ("\n" not in str(path_or_text) and len(str(path_or_text)) < 4096):
        p = Path(path_or_text)
        if not p.is_file():
            raise BadInputError(f"report file not found: {path_or_text}")
        try:
            return p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInputError(f"cannot read report {path_or_text}: {exc}") from exc
    return str(path_or_text)


def _section_name(line: str) -> str | None:
    """The lower-cased heading name of a line such as "## 5 Extracted Claims" or "References", else None."""
    stripped = line.strip()
    if not stripped or len(stripped) > 60 or "\t" in stripped or "|" in stripped:
        return None
    if not (stripped.startswith("#") or re.match(r"^\d+(?:\.\d+)*\s+\w", stripped) or stripped in ("Abstract", "References")):
        return None
    m = _HEADING.match(stripped)
    return m.group("name").strip().lower() if m else None


def _verified(mark: str) -> bool | None:
    mark = mark.strip().lower()
    if mark in ("✓", "✔", "yes", "true", "supported", "y", "1"):
        return True
    if mark in ("×", "✗", "✘", "x", "no", "false", "refuted", "n", "0"):
        return False
    return None


def _confidence(value: str) -> float | None:
    try:
        return float(value.strip())
    except ValueError:
        return None


def _md_unescape(cell: str) -> str:
    """Undo Markdown escaping (backslash escapes, &lt; &gt; &amp;)."""
    cell = re.sub(r"\\([\\|*_\[\]`#~<>])", r"\1", cell)
    return cell.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _claim_rows(lines: list[str]) -> list[SeedClaim]:
    rows: list[SeedClaim] = []
    for line in lines:
        if not line.strip():
            continue
        if "\t" in line:
            cells = [c.strip() for c in line.split("\t")]
        elif line.strip().startswith("|"):
            body = line.strip()[1:]
            body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
            cells = [_md_unescape(c.strip()) for c in re.split(r"(?<!\\)\|", body)]
            # synth's own reports append the source and a truncation mark to the claim
            cells[0] = re.sub(r"(?: \(truncated\))?(?: \[\d+\](?:, p\. \d+)?)?$", "", cells[0])
        else:
            continue
        if not cells or not cells[0] or re.fullmatch(r":?-{2,}:?", cells[0]):
            continue  # the Markdown separator row
        if cells[0].lower() == "claim":
            continue  # the header row
        text = cells[0]
        verified = _verified(cells[1]) if len(cells) > 1 else None
        confidence = _confidence(cells[2]) if len(cells) > 2 else None
        rows.append(SeedClaim(text, verified, confidence, truncated=not _TERMINAL.search(text)))
    return rows


def parse_report(path_or_text: str | Path) -> SeedReport:
    """Parse a seed-format report (a path or the text itself): title, question, claims table, references."""
    text = _read(path_or_text)
    lines = text.splitlines()
    title = next((ln.strip().lstrip("#").strip() for ln in lines if ln.strip()), "")
    m = re.search(r"Research question:\s*(.+?)\s*$", text, re.MULTILINE)
    question = m.group(1).strip() if m else ""
    if question.endswith("?.") or question.endswith(".."):
        question = question[:-1]
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for ln in lines:
        name = _section_name(ln)
        if name is not None:
            current = name
            sections.setdefault(current, [])
            continue
        if current is not None:
            sections[current].append(ln)
    claim_lines = next((v for k, v in sections.items() if "claim" in k), [])
    ref_lines = sections.get("references", [])
    refs = []
    for ln in ref_lines:
        s = ln.strip()
        if not s:
            continue
        s = re.sub(r"^[-*]\s*|^\[\d+\]\s*|^\d+\.\s*", "", s).strip()
        s = s[1:-1] if s.startswith("<") and s.endswith(">") else s
        refs.append(s)
    claims = _claim_rows(claim_lines)
    if not claims:
        raise BadInputError("no claims table found in the report (expected a 'Claim' table under an Extracted Claims heading)")
    return SeedReport(title, question, claims, refs)
