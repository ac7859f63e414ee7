"""Claim-level inputs that read each evidence text's subject: a refutation should count only from evidence about the
same subject and quantity as the claim, and a restatement in any language should outweigh an off-subject number.

The subject match of an evidence text is its OT coverage of the claim (`Stance.align`: how much of the claim's
meaning, token by token and across languages, the text covers) relative to the best-covering text of the claim's
evidence. These inputs go to the claim-level aggregator beside `model.aggregate_features` when the artefact says
`subject_features` (verifier v5; chosen by out-of-fold log-loss on the aggregator's fitting claims).
"""

from __future__ import annotations

import numpy as np

SUBJECT_NAMES: tuple[str, ...] = ("onsubject_refute", "onsubject_support", "refute_beyond_restatement", "offsubject_refute")


def relative_subject(align: np.ndarray) -> np.ndarray:
    """(k,) subject match in [0, 1]: each text's coverage of the claim over the best coverage among the claim's
    evidence (all 1 when no coverage is known)."""
    align = np.clip(np.asarray(align, dtype=np.float64), 0.0, None)
    top = align.max() if len(align) else 0.0
    return align / top if top > 1e-9 else np.ones(len(align))


def subject_features(probs: np.ndarray, align: np.ndarray) -> np.ndarray:
    """(len(SUBJECT_NAMES),) from the (k, 3) stances and (k,) alignments of a claim's evidence:
    - onsubject_refute / onsubject_support: the largest refutation / support weighted by the text's subject match;
    - refute_beyond_restatement: the largest refutation among texts at least as on-subject as the best-supporting
      text (0 when the best support is the most on-subject text and nothing else matches it);
    - offsubject_refute: the largest refutation weighted by how far off-subject its text is (1 - match), so the
      aggregator can learn to discount it."""
    if len(probs) == 0:
        return np.zeros(len(SUBJECT_NAMES))
    ps, pr = probs[:, 0], probs[:, 1]
    s = relative_subject(align)
    best_support = int(np.argmax(ps))
    at_least = s >= s[best_support] - 1e-9
    at_least[best_support] = False
    beyond = float(pr[at_least].max()) if at_least.any() else 0.0
    return np.array([(pr * s).max(), (ps * s).max(), beyond, (pr * (1.0 - s)).max()], dtype=np.float64)
