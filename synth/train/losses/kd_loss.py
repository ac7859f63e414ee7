"""Multilingual knowledge distillation (Reimers & Gurevych, EMNLP 2020): match the teacher's sentence embedding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import nn

if TYPE_CHECKING:
    from torch import Tensor


class KDLoss(nn.Module):
    """MSE(student(en), teacher(en)) + MSE(student(xx), teacher(en)) on sentence embeddings.

    The squared error is summed over dimensions and averaged over the batch, so on unit vectors each term is
    2 - 2 cos and sits on the same scale as the OT loss's cosine distances (useful for `ot+kd`)."""

    def compute_loss_from_embeddings(self, student_en: Tensor, student_xx: Tensor, teacher_en: Tensor) -> Tensor:
        """Per-pair loss (B,) on (B, d) sentence embeddings."""
        target = teacher_en.to(student_en.dtype)
        return ((student_en - target) ** 2).sum(-1) + ((student_xx - target) ** 2).sum(-1)

    def forward(self, student_en: Tensor, student_xx: Tensor, teacher_en: Tensor) -> Tensor:
        """Scalar loss: the batch mean."""
        return self.compute_loss_from_embeddings(student_en, student_xx, teacher_en).mean()
