"""Parse seed reports (title, research question, claims table, references) so their claims can be audited."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BadInputError, SynthError
from .passages import CONTROL, DEFAULT_LIMITS, read_limited

MAX_CLAIM_CHARS = DEFAULT_LIMITS.max_passage_chars  # a longer cell is cut there and marked truncated

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
    """The report text: read from a path (any of the encodings `synth add` reads, control characters dropped) or
    given as text (a string with a line break, or 4,096 characters or more)."""
    if isinstance(path_or_text, Path) or ("\n" not in str(path_or_text) and len(str(path_or_text)) < 4096):
        from .text import decode_text

        p = Path(path_or_text)
        if not p.is_file():
            raise BadInputError(f"report file not found: {_show(str(path_or_text))}")
        try:
            raw = read_limited(p, DEFAULT_LIMITS.max_file_bytes)
        except SynthError as exc:
            raise BadInputError(f"cannot read report: {exc}") from exc
        return CONTROL.sub("", decode_text(raw))
    return str(path_or_text)


def _show(text: str, limit: int = 200) -> str:
    """User input in an error message: one line, bounded."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


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
    """A confidence in [0, 1], or None for anything else (NaN, inf, -1, 2.5, "1_0", text)."""
    value = value.strip()
    if not re.fullmatch(r"[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]{1,3})?", value, re.ASCII):
        return None
    number = float(value)
    return number if math.isfinite(number) and 0.0 <= number <= 1.0 else None


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
        text = " ".join(cells[0].split())  # one line, whatever odd spaces the cell held
        if not text:
            continue
        cut = len(text) > MAX_CLAIM_CHARS
        text = text[:MAX_CLAIM_CHARS].rstrip() if cut else text
        verified = _verified(cells[1]) if len(cells) > 1 else None
        confidence = _confidence(cells[2]) if len(cells) > 2 else None
        rows.append(SeedClaim(text, verified, confidence, truncated=cut or not _TERMINAL.search(text)))
    return rows


def parse_report(path_or_text: str | Path) -> SeedReport:
    """Parse a seed-format report (a path or the text itself): title, question, claims table, references."""
    text = _read(path_or_text)
    lines = text.splitlines()
    title = next((ln.strip().lstrip("#").strip() for ln in lines if ln.strip()), "")
    m = re.search(r"Research question:([^\r\n]*)", text)  # `\s*(.+?)\s*$` was quadratic in a line of spaces
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
