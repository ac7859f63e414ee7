"""OPTICAL's loss (Huang, Yu, Allan, WSDM 2023): optimal transport between teacher and student token embeddings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import nn

from ...index.ot import cosine_cost, marginal_penalty, ot_cost, sinkhorn_log

if TYPE_CHECKING:
    from torch import Tensor


class OTDistillLoss(nn.Module):
    """Mean over the batch of <P, C>: C = cosine distance between the teacher's token embeddings of the English
    sentence and the student's token embeddings of its translation, P = entropic Sinkhorn plan with uniform
    marginals over the real tokens (padding masked). `tau` relaxes the marginals (unbalanced OT; the loss then
    adds tau * KL of the plan's marginals, the rest of the unbalanced objective); `projection`
    maps student vectors into the teacher's dimension when the two differ (None when they match)."""

    def __init__(
        self,
        reg: float = 0.05,
        tau: float | None = None,
        n_iter: int = 50,
        projection: nn.Module | None = None,
    ) -> None:
        super().__init__()
        self.reg, self.tau, self.n_iter = reg, tau, n_iter
        self.projection = projection

    def compute_loss_from_embeddings(
        self, teacher_tokens: Tensor, teacher_mask: Tensor, student_tokens: Tensor, student_mask: Tensor
    ) -> Tensor:
        """Per-pair OT cost (B,) on plain tensors: teacher (B, n, d), student (B, m, e), bool masks."""
        if self.projection is not None:
            student_tokens = self.projection(student_tokens)
        cost = cosine_cost(teacher_tokens.to(student_tokens.dtype), student_tokens)
        plan = sinkhorn_log(cost, teacher_mask, student_mask, reg=self.reg, tau=self.tau, n_iter=self.n_iter, tol=0.0)
        if self.tau is None:
            return ot_cost(plan, cost)
        # unbalanced: the full objective, or the loss is minimised by transporting nothing
        return ot_cost(plan, cost) + marginal_penalty(plan, teacher_mask, student_mask, self.tau)

    def forward(
        self, teacher_tokens: Tensor, teacher_mask: Tensor, student_tokens: Tensor, student_mask: Tensor
    ) -> Tensor:
        """Scalar loss: the batch mean of the OT costs."""
        return self.compute_loss_from_embeddings(teacher_tokens, teacher_mask, student_tokens, student_mask).mean()


__all__ = ["OTDistillLoss"]
