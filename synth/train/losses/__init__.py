"""Distillation losses, one per file: OPTICAL's token-level OT loss and the Reimers & Gurevych KD baseline."""

from __future__ import annotations

from .kd_loss import KDLoss
from .ot_loss import OTDistillLoss

__all__ = ["KDLoss", "OTDistillLoss"]
