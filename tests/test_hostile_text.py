"""Hostile text in titles, passages and claims is escaped, not stripped, in every report format; ids never choose
where synth writes files."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import corpus_builder as cb
from synth.cli import cli
from synth.errors import FetchError
from synth.ingest.collect import cache_file
from synth.store import Store

HOSTILE = [
    "Optimal transport <script>alert('x')</script> improves retrieval | by 13.7 MAP.",
    "See [the code](javascript:alert(1)) and <a href=\"javascript:alert(2)\">here</a> for optimal transport retrieval.",
    "Template {{ 7*7 }} and {% raw %} syntax {# comment #} stay literal in optimal transport retrieval.",
    "Markdown **bold** _it_ `code` # heading ![img](http://x/y.png) ~~strike~~ in optimal transport retrieval.",
    "Right-to-left \u202eevil\u202c override and \x1b[31mANSI\x1b[0m codes in optimal transport retrieval.",
    "Arabic \u0627\u0644\u0646\u0642\u0644 \u0627\u0644\u0623\u0645\u062b\u0644 and Hebrew \u05d4\u05e2\u05d1\u05e8\u05d4 in optimal transport retrieval & more.",
]
TITLE = "Evil <img src=x onerror=alert(1)> | [t](javascript:x) {{ title }}"


@pytest.fixture
def hostile_db(db_path, tmp_path, runner, monkeypatch):
    """A corpus with one hostile note added through `synth add`, and a claims run over the hostile claims."""
    monkeypatch.setattr("synth.commands.verify.load_verifier", lambda settings, nli: cb.OverlapVerifier())
    cb.build(Store(db_path)).close()
    note = tmp_path / "note.md"
    # the note holds every hostile sentence but the one with control characters (ingest may normalise those), so
    # that claim is reported exactly as given
    note.write_text("# heading\n\n" + " ".join(h for h in HOSTILE if "\x1b" not in h) + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["--db", str(db_path), "-q", "add", str(note), "--title", TITLE], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    claims = tmp_path / "claims.txt"
    claims.write_text("\n".join(HOSTILE) + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["--db", str(db_path), "-q", "verify", "--claims", str(claims), "--encoder", "hashing"],
                           catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    return db_path


def report(runner, db: Path, fmt: str) -> str:
    result = runner.invoke(cli, ["--db", str(db), "report", "--format", fmt], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_markdown_escapes_every_hostile_claim_and_keeps_the_table_shape(runner, hostile_db):
    md = report(runner, hostile_db, "md")
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    header = next(r for r in rows if r.startswith("| Claim |"))
    cells = len(re.split(r"(?<!\\)\|", header))
    for r in rows[rows.index(header):]:
        assert len(re.split(r"(?<!\\)\|", r)) == cells, r  # a `|` in a claim never adds a column
    assert "<script>" not in md and "<a href" not in md and "<img" not in md
    assert not re.search(r"(?<!\\)\]\(javascript:", md)  # no live link: the brackets are escaped
    assert "\\[the code\\](javascript:alert(1))" in md
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in md  # escaped, not stripped
    assert "{{ 7\\*7 }}" in md and "Template 49" not in md  # template syntax in data is never rendered
    assert "\u202e" not in md and "\x1b" not in md and "\\u202e" in md and "\\u001b" in md
    assert "\u0627\u0644\u0646\u0642\u0644" in md and "\u05d4\u05e2\u05d1\u05e8\u05d4" in md  # real RTL text is kept
    assert "\\*\\*bold\\*\\*" in md and "\\!\\[img\\]" in md


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_has_no_live_markup_from_the_data(runner, hostile_db):
    html = report(runner, hostile_db, "html")
    parser = _Elements()
    parser.feed(html)
    assert not any(tag in ("script", "img", "iframe", "object") for tag, _ in parser.tags)
    for tag, attrs in parser.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        href = attrs.get("href", "#")
        assert href.startswith(("#", "https://arxiv.org/abs/")), href
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Evil &lt;img src=x onerror=alert(1)&gt;" in html
    assert "{{ 7*7 }}" in html and "\u202e" not in html and "\\u202e" in html


def test_json_keeps_the_text_exactly(runner, hostile_db):
    data = json.loads(report(runner, hostile_db, "json"))
    assert [c["claim"] for c in data["claims"]] == HOSTILE
    result = runner.invoke(cli, ["--db", str(hostile_db), "papers", "--json"], catch_exceptions=False)
    assert TITLE in [p["title"] for p in json.loads(result.stdout)]


@pytest.mark.parametrize("name", ["../../etc/passwd", "..", ".hidden.pdf", "a/b.pdf", "x\x00.pdf", "", "a" * 300, "1234..pdf"])
def test_ids_cannot_name_files_outside_the_cache(tmp_path, name):
    with pytest.raises(FetchError):
        cache_file(tmp_path, name)


def test_plain_arxiv_names_stay_in_the_cache(tmp_path):
    for name in ("2301.12566v1.pdf", "hep-th_9901001v2.pdf"):
        assert cache_file(tmp_path, name).parent == tmp_path
