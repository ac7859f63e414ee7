"""arXiv ids: every common spelling, rejection of bad ones, and ids found in a report's References."""

from __future__ import annotations

from pathlib import Path

import pytest

from synth.errors import BadArxivIdError, BadInputError
from synth.ingest.collect import DEFAULT_IDS
from synth.ingest.arxiv_ids import ArxivId, find_arxiv_ids, ids_from_report, parse_arxiv_id, parse_arxiv_ids


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2301.12566", ArxivId("2301.12566")),
        ("2301.12566v2", ArxivId("2301.12566", 2)),
        ("arXiv:2301.12566", ArxivId("2301.12566")),
        ("arxiv: 2301.12566v3", ArxivId("2301.12566", 3)),
        ("https://arxiv.org/abs/2301.12566", ArxivId("2301.12566")),
        ("http://arxiv.org/abs/2301.12566v1", ArxivId("2301.12566", 1)),
        ("https://arxiv.org/pdf/2301.12566v1", ArxivId("2301.12566", 1)),
        ("https://arxiv.org/pdf/2301.12566v1.pdf", ArxivId("2301.12566", 1)),
        ("arxiv.org/abs/2301.12566/", ArxivId("2301.12566")),
        ("  2301.12566  ", ArxivId("2301.12566")),
        ("0704.0001", ArxivId("0704.0001")),
        ("1412.9999", ArxivId("1412.9999")),
        ("hep-th/9901001", ArxivId("hep-th/9901001")),
        ("hep-th/9901001v2", ArxivId("hep-th/9901001", 2)),
        ("https://arxiv.org/abs/math.AG/0601001", ArxivId("math.AG/0601001")),
        ("https://arxiv.org/pdf/cond-mat/0608208v1.pdf", ArxivId("cond-mat/0608208", 1)),
    ],
)
def test_every_common_form_parses_to_the_id_without_version(text: str, expected: ArxivId) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "foo",
        "2301.1256",  # too short
        "2301.125667",  # too long
        "1501.1234",  # since 2015 the number has five digits
        "1412.12345",  # before 2015 it had four
        "2313.12345",  # month 13
        "0612.0001",  # new-style ids start in April 2007
        "2301.12566v0",
        "hep-th/99010011",
        "https://example.org/abs/2301.12566",
        "10.1145/3539618.3591",
    ],
)
def test_bad_ids_are_rejected_with_a_one_line_message(text: str) -> None:
    with pytest.raises(BadArxivIdError) as err:
        parse_arxiv_id(text)
    message = str(err.value)
    assert "\n" not in message and repr(text) in message and "2301.12566" in message


def test_parse_many_dedupes_and_names_every_bad_id() -> None:
    assert parse_arxiv_ids(["2301.12566", "arXiv:2301.12566v1", "1809.05053"]) == [ArxivId("2301.12566"), ArxivId("1809.05053")]
    with pytest.raises(BadArxivIdError, match=r"'nope'.*'2301\.1'"):
        parse_arxiv_ids(["2301.12566", "nope", "2301.1"])


def test_versioned_and_filename_forms() -> None:
    old = parse_arxiv_id("hep-th/9901001v2")
    assert (old.versioned, old.filename_stem, str(old)) == ("hep-th/9901001v2", "hep-th_9901001", "hep-th/9901001v2")


SEED_STYLE = """

# Optimal Transport Distillation vs Knowledge Distillation

## Abstract

We cite 1706.03762 in the text, which is not a reference.

## 3 Results

Claim	✓	0.21

## References

- <http://arxiv.org/abs/2004.08116v1>
- <http://arxiv.org/abs/2408.13622v1>
- <http://arxiv.org/abs/2301.12566v1>
"""

PLAIN_NUMBERED = """Some Report

1 Introduction

See arXiv:1111.11111 (an impossible id) and 2005.11401 in passing.

References

[1] Huang, Z. et al. Improving cross-lingual IR. arXiv preprint arXiv:2301.12566, 2023.
[2] Conneau et al. [XNLI](https://arxiv.org/abs/1809.05053v1). EMNLP 2018.
[3] Hu et al. XTREME. https://arxiv.org/pdf/2003.11080.pdf
[4] Ruder et al. XTREME-R. doi:10.48550/arXiv.2104.07412
[5] Old style: hep-th/9901001v1. Unrelated DOI 10.1145/3404835.3462880.
[6] Huang again: https://arxiv.org/abs/2301.12566v2
"""


def test_ids_from_a_seed_style_report_come_from_references_only(tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    report.write_text(SEED_STYLE, encoding="utf-8")
    assert ids_from_report(report) == [ArxivId("2004.08116", 1), ArxivId("2408.13622", 1), ArxivId("2301.12566", 1)]


def test_ids_from_numbered_and_markdown_references(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text(PLAIN_NUMBERED, encoding="utf-8")
    assert ids_from_report(report) == [
        ArxivId("2301.12566"),
        ArxivId("1809.05053", 1),
        ArxivId("2003.11080"),
        ArxivId("2104.07412"),
        ArxivId("hep-th/9901001", 1),
    ]


def test_report_without_references_heading_uses_the_whole_text() -> None:
    assert find_arxiv_ids("as shown in arXiv:2301.12566v1 and https://arxiv.org/abs/1910.07475") == [
        ArxivId("2301.12566", 1),
        ArxivId("1910.07475"),
    ]


def test_report_errors_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="cannot read report"):
        ids_from_report(tmp_path / "missing.md")
    empty = tmp_path / "empty.md"
    empty.write_text("# Report\n\n## References\n\n- Smith 2020, a book\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="no arXiv ids found in the References section"):
        ids_from_report(empty)


def test_default_set_is_27_distinct_valid_ids() -> None:
    parsed = parse_arxiv_ids(DEFAULT_IDS)
    assert len(parsed) == 27 and all(a.version is None for a in parsed)
    assert parsed[0] == ArxivId("2301.12566")
