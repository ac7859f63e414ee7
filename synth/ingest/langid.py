"""Language identification with py3langid: one model, loaded lazily on first use, ISO 639-1 codes."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

UNDETERMINED = "und"
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """The py3langid model with normalised probabilities (loaded once, ~0.3 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    with _lock:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_with_confidence(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability); ("und", 0.0) for text without letters."""
    if not any(ch.isalpha() for ch in text):
        return UNDETERMINED, 0.0
    lang, prob = _identifier().classify(text)
    return str(lang), float(prob)


def detect(text: str) -> str:
    """The language of `text` as an ISO 639-1 code ("und" when it has no letters)."""
    return detect_with_confidence(text)[0]
