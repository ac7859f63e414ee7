"""Pair features from a frozen encoder: [u*v, |u-v|], cosine, OT coverage both ways, plus the lexical cues.

u is the claim encoded as a `query: `, v the evidence as a `passage: `. The OT coverage (synth.index.ot.alignment_score)
says how much of the claim the evidence talks about, and the reverse. Each text is encoded once per call;
`EncodedText` keeps only a text's real token vectors, so encodings can be cached and reused (training does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .features import SCALAR_NAMES, scalar_features

DENSE_NAMES: tuple[str, ...] = (
    "cosine", "align_claim", "align_evidence",
    "claim_token_min", "claim_token_p25", "evidence_token_mean",  # best-match cosine of each token, summarised
)


@dataclass
class EncodedText:
    """One text's sentence vector (d,) and its real token vectors (L, d), both float32/float16 numpy."""

    vec: np.ndarray
    tokens: np.ndarray


def align_column(width: int) -> int:
    """Index of the `align_claim` column in a feature row of `width` columns."""
    return width - len(SCALAR_NAMES) - len(DENSE_NAMES) + 1


def _token_match(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each token of a, the cosine of its best match among b's tokens."""
    an = a / (np.linalg.norm(a, axis=1, keepdims=True) + 1e-9)
    bn = b / (np.linalg.norm(b, axis=1, keepdims=True) + 1e-9)
    return (an @ bn.T).max(1)


def token_stats(c: EncodedText, e: EncodedText) -> list[float]:
    """Weakest-covered claim token (min, 25th percentile) and mean evidence-token coverage: a changed number or
    name in the claim leaves one claim token without a good partner in the evidence."""
    mc = _token_match(np.asarray(c.tokens, dtype=np.float32), np.asarray(e.tokens, dtype=np.float32))
    me = _token_match(np.asarray(e.tokens, dtype=np.float32), np.asarray(c.tokens, dtype=np.float32))
    return [float(mc.min()), float(np.percentile(mc, 25)), float(me.mean())]


def feature_names(dim: int) -> list[str]:
    """Column names of `pair_features` for an encoder of width `dim`."""
    return [f"prod{i}" for i in range(dim)] + [f"diff{i}" for i in range(dim)] + list(DENSE_NAMES) + list(SCALAR_NAMES)


def encode_texts(encoder, texts: Sequence[str], kind: str, batch: int = 32) -> list[EncodedText]:
    """Encode `texts` (sentence vector + real token vectors), in one forward pass where the encoder allows."""
    out: list[EncodedText] = []
    both = getattr(encoder, "encode_with_tokens", None)
    for s in range(0, len(texts), batch):
        chunk = list(texts[s : s + batch])
        if callable(both):
            vecs, toks, masks = both(chunk, kind)
        elif hasattr(encoder, "token_states") and hasattr(encoder, "pool"):  # TransformerEncoder: one forward pass
            import torch

            with torch.inference_mode():
                st = encoder.token_states(chunk, kind)
                vecs = encoder.pool(st.hidden, st.attention_mask).float().numpy()
            toks, masks = st.hidden, st.mask
        else:
            vecs = encoder.encode(chunk, kind)
            toks, masks = encoder.tokens(chunk, kind)
        vecs = np.asarray(vecs, dtype=np.float32)
        toks, masks = toks.detach().float().cpu().numpy(), masks.detach().bool().cpu().numpy()
        for i in range(len(chunk)):
            t = toks[i][masks[i]]
            if t.shape[0] == 0:  # an empty text: one zero token so OT stays defined
                t = np.zeros((1, toks.shape[-1]), dtype=np.float32)
            out.append(EncodedText(vecs[i], t))
    return out


def pad_tokens(items: Sequence[EncodedText], device: str = "cpu"):
    """Stack token matrices into a zero-padded (n, L, d) float tensor and a (n, L) bool mask."""
    import torch

    width = max(it.tokens.shape[0] for it in items)
    dim = items[0].tokens.shape[1]
    toks = torch.zeros(len(items), width, dim)
    mask = torch.zeros(len(items), width, dtype=torch.bool)
    for i, it in enumerate(items):
        n = it.tokens.shape[0]
        toks[i, :n] = torch.from_numpy(np.asarray(it.tokens, dtype=np.float32))
        mask[i, :n] = True
    return toks.to(device), mask.to(device)


def _align(a: Sequence[EncodedText], b: Sequence[EncodedText], batch: int = 64) -> np.ndarray:
    """OT coverage of each a by its b (synth.index.ot.alignment_score), in batches of pairs."""
    from ...index.ot import alignment_score

    out = []
    for s in range(0, len(a), batch):
        ta, ma = pad_tokens(a[s : s + batch])
        tb, mb = pad_tokens(b[s : s + batch])
        out.append(alignment_score(ta, ma, tb, mb).float().numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def combine(claims: Sequence[str], evidences: Sequence[str], enc_c: Sequence[EncodedText], enc_e: Sequence[EncodedText]) -> np.ndarray:
    """Features of aligned pairs from their encodings (see `pair_features`)."""
    u = np.stack([np.asarray(e.vec, dtype=np.float32) for e in enc_c])
    v = np.stack([np.asarray(e.vec, dtype=np.float32) for e in enc_e])
    cos = (u * v).sum(1)
    align_c = _align(enc_c, enc_e)
    align_e = _align(enc_e, enc_c)
    cues = np.array([scalar_features(c, e) for c, e in zip(claims, evidences)], dtype=np.float32)
    toks = np.array([token_stats(c, e) for c, e in zip(enc_c, enc_e)], dtype=np.float32).reshape(-1, 3)
    dense = np.concatenate([np.stack([cos, align_c, align_e], 1), toks], 1).astype(np.float32)
    return np.concatenate([u * v, np.abs(u - v), dense, cues], 1).astype(np.float32)


def encode_pairs(encoder, claims: Sequence[str], evidences: Sequence[str]) -> tuple[list[EncodedText], list[EncodedText]]:
    """Encodings of aligned claims (as queries) and evidence texts (as passages); each distinct text encoded once."""
    if len(claims) != len(evidences):
        raise ValueError("claims and evidences must have the same length")
    uc, ue = list(dict.fromkeys(claims)), list(dict.fromkeys(evidences))
    ec = dict(zip(uc, encode_texts(encoder, uc, "query")))
    ee = dict(zip(ue, encode_texts(encoder, ue, "passage")))
    return [ec[c] for c in claims], [ee[e] for e in evidences]


def pair_features(encoder, claims: Sequence[str], evidences: Sequence[str]) -> np.ndarray:
    """(n, 2d + 3 + len(SCALAR_NAMES)) float32 features for aligned lists of claims and evidence texts."""
    if len(claims) != len(evidences):
        raise ValueError("claims and evidences must have the same length")
    if not claims:
        return np.zeros((0, 0), dtype=np.float32)
    enc_c, enc_e = encode_pairs(encoder, claims, evidences)
    return combine(claims, evidences, enc_c, enc_e)


def alignment(encoder, claims: Sequence[str], evidences: Sequence[str]) -> np.ndarray:
    """(n,) OT coverage of each claim by its evidence text from the encoder's token states (the `align_claim`
    column of `pair_features`, without the other features)."""
    if not claims:
        return np.zeros(0, dtype=np.float32)
    enc_c, enc_e = encode_pairs(encoder, claims, evidences)
    return _align(enc_c, enc_e)
