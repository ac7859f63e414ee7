"""One way of writing a number, for the cross-encoder's input: the same value written differently reads the same.

The cross-encoder compares claim and evidence token by token, and most of its training data writes numbers the
English way ("15.7%"). Without this it read "15,7 %", "15.7 percent" or Swahili "asilimia 15.7" as a different
number and called a restatement REFUTED. `canonical_numbers` rewrites, values unchanged:

- a decimal comma between digits ("4,1", "0,25") -> a decimal point; a comma followed by exactly three digits
  ("12,500") is a thousands separator and is dropped;
- "N %", "N percent", "N per cent", "N Prozent", "N pour cent", "N por cento/ciento", "N pct", "asilimia N",
  "N%" in full-width -> "N%".

A changed number stays changed; words around the number are not touched.
"""

from __future__ import annotations

import re

_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3})((?:,\d{3})+)(?![\d,]|\.\d)")
_DECIMAL_COMMA = re.compile(r"(?<![\d.,])(\d+),(\d+)(?![\d,])")
_NUM = r"(\d+(?:\.\d+)?)"
_PERCENT_AFTER = re.compile(_NUM + r"\s*(?:%|％|per\s?cent\b|percent\b|prozent\b|pour\s?cent\b|por\s?ci?ento\b|pct\b|procent\b)",
                            re.IGNORECASE)
_PERCENT_BEFORE = re.compile(r"\basilimia\s+(?:ya\s+)?" + _NUM + r"(?!\s*%)", re.IGNORECASE)


def canonical_numbers(text: str) -> str:
    """`text` with thousands separators dropped, decimal commas as points and every percentage as "N%"."""
    out = _THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(",", ""), text)
    out = _DECIMAL_COMMA.sub(r"\1.\2", out)
    out = _PERCENT_AFTER.sub(r"\1%", out)
    return _PERCENT_BEFORE.sub(r"\1%", out)
