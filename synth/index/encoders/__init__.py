"""Text encoders: the Encoder seam, name resolution (`load_encoder`) and the embedding cache (`cache.embed`)."""

from __future__ import annotations

from .base import Encoder, HashingEncoder, Kind
from .load import load_encoder

__all__ = ["Encoder", "HashingEncoder", "Kind", "load_encoder"]
