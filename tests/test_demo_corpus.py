"""The bundled demo corpus: digests are well-formed and multilingual, and scripts/build_demo.py is reproducible."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def build_demo():
    spec = importlib.util.spec_from_file_location("build_demo", ROOT / "scripts" / "build_demo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def digests(build_demo):
    return build_demo.load_digests()


def test_digests_are_multilingual_and_name_their_paper(digests) -> None:
    assert 18 <= len(digests) <= 24
    langs = [d.lang for d in digests]
    assert sum(lang != "en" for lang in langs) * 3 >= len(digests)
    assert {"sw", "ha"} <= set(langs)
    assert len({d.id for d in digests}) == len(digests)
    for d in digests:
        assert d.path is not None and d.path.stem == d.file_stem
        assert d.title and d.authors and d.published[:4].isdigit()
        assert f"arXiv:{d.id}" in d.body  # each digest names its paper
        words = len(d.body.split())
        assert 200 <= words <= 550, (d.id, words)


def test_mirror_is_byte_for_byte_reproducible(build_demo, digests, tmp_path: Path) -> None:
    chosen = [d for d in digests if d.lang in ("ha", "sw")][:2]
    first = build_demo.build_mirror(chosen, tmp_path / "a")
    second = build_demo.build_mirror(chosen, tmp_path / "b")
    digest = lambda paths: [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]  # noqa: E731
    assert [p.name for p in first] == [p.name for p in second]
    assert digest(first) == digest(second)
    meta = json.loads((tmp_path / "a" / f"{chosen[0].file_stem}.json").read_text(encoding="utf-8"))
    assert set(meta) == {"id", "title", "authors", "published", "abstract", "categories"}
    assert meta["id"] == chosen[0].id and isinstance(meta["authors"], list)


def test_pdf_text_keeps_hausa_letters_and_has_no_ligatures(build_demo, digests) -> None:
    import pymupdf

    hausa = next(d for d in digests if d.lang == "ha" and "ɗ" in d.body)
    doc = pymupdf.open(stream=build_demo.render_pdf(hausa), filetype="pdf")
    text = "".join(page.get_text() for page in doc)
    assert "ɗ" in text and "ƙ" in text
    assert not any(ch in text for ch in "\ufb00\ufb01\ufb02\ufb03\ufb04")
    assert doc.metadata["creationDate"] == build_demo.PDF_DATE
