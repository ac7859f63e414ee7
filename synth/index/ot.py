"""Optimal transport on token embeddings: cost matrices, batched log-domain Sinkhorn plans, alignment scores.

Everything works on torch tensors shaped (B, n, d) / (B, m, d) with bool masks (B, n) / (B, m) that mark the
real tokens; padding gets no mass. Plans are differentiable (autograd runs through the Sinkhorn iterations).
Conventions follow POT: a plan P = diag(u) K diag(v) with K = exp(-C / reg), i.e. the entropic problem
min <P, C> + reg * sum P log P, and for the unbalanced variant the KL-relaxed marginals of Chizat et al. (2016)
with weight tau (POT's `reg_m`, `reg_type="entropy"`).
"""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

_NEG = -1e30  # log-mass of padding: finite, so no inf - inf NaNs in the gradients


def cosine_cost(x: "torch.Tensor", y: "torch.Tensor") -> "torch.Tensor":
    """Cosine distance 1 - cos(x_i, y_j): (B, n, d) x (B, m, e=d) -> (B, n, m), in [0, 2]."""
    import torch

    xn = torch.nn.functional.normalize(x, dim=-1)
    yn = torch.nn.functional.normalize(y, dim=-1)
    return 1.0 - xn @ yn.transpose(-1, -2)


def _fi(tau: float | None, reg: float) -> float:
    """Exponent of the KL-relaxed update: 1 for a hard (balanced) marginal, tau/(tau+reg) otherwise."""
    if tau is None or math.isinf(tau):
        return 1.0
    return tau / (tau + reg)


def sinkhorn_log(
    cost: "torch.Tensor",
    mask_a: "torch.Tensor | None" = None,
    mask_b: "torch.Tensor | None" = None,
    reg: float = 0.05,
    tau: float | tuple[float | None, float | None] | None = None,
    n_iter: int = 100,
    tol: float = 1e-6,
    a: "torch.Tensor | None" = None,
    b: "torch.Tensor | None" = None,
) -> "torch.Tensor":
    """Entropic OT plans (B, n, m) for a batch of costs, computed in the log domain.

    `mask_a` / `mask_b` mark real rows / columns (default: all real); the marginals `a` / `b` default to
    uniform over the real tokens. `tau=None` is balanced OT; a float relaxes both marginals with
    KL weight tau; a pair (tau_a, tau_b) relaxes each side separately (None = hard marginal on that side).
    Stops after `n_iter` iterations or when the potentials move less than `tol` (relative to reg).
    """
    import torch

    squeeze = cost.dim() == 2
    if squeeze:
        cost = cost.unsqueeze(0)
        mask_a = None if mask_a is None else mask_a.unsqueeze(0)
        mask_b = None if mask_b is None else mask_b.unsqueeze(0)
        a = None if a is None else a.unsqueeze(0)
        b = None if b is None else b.unsqueeze(0)
    bsz, n, m = cost.shape
    if mask_a is None:
        mask_a = torch.ones(bsz, n, dtype=torch.bool, device=cost.device)
    if mask_b is None:
        mask_b = torch.ones(bsz, m, dtype=torch.bool, device=cost.device)
    mask_a, mask_b = mask_a.bool(), mask_b.bool()
    if a is None:
        a = mask_a.to(cost.dtype) / mask_a.sum(-1, keepdim=True).clamp_min(1).to(cost.dtype)
    if b is None:
        b = mask_b.to(cost.dtype) / mask_b.sum(-1, keepdim=True).clamp_min(1).to(cost.dtype)
    tau_a, tau_b = tau if isinstance(tau, tuple) else (tau, tau)
    fi_a, fi_b = _fi(tau_a, reg), _fi(tau_b, reg)

    log_a = torch.where(mask_a, a.clamp_min(1e-38).log(), torch.full_like(a, _NEG))
    log_b = torch.where(mask_b, b.clamp_min(1e-38).log(), torch.full_like(b, _NEG))
    pair = mask_a[:, :, None] & mask_b[:, None, :]
    # padded entries of the kernel get log K = _NEG, so they carry no mass in either update
    log_k = torch.where(pair, -cost / reg, torch.full_like(cost, _NEG))
    f = torch.zeros_like(log_a)  # log u
    g = torch.zeros_like(log_b)  # log v
    for _ in range(n_iter):
        f_prev = f
        f = fi_a * (log_a - torch.logsumexp(log_k + g[:, None, :], dim=2))
        f = torch.where(mask_a, f, torch.zeros_like(f))
        g = fi_b * (log_b - torch.logsumexp(log_k + f[:, :, None], dim=1))
        g = torch.where(mask_b, g, torch.zeros_like(g))
        if tol > 0 and float((f - f_prev).detach().abs().max()) < tol:
            break
    log_plan = torch.where(pair, log_k + f[:, :, None] + g[:, None, :], torch.full_like(cost, _NEG))
    plan = torch.exp(log_plan)
    return plan.squeeze(0) if squeeze else plan


def ot_cost(plan: "torch.Tensor", cost: "torch.Tensor") -> "torch.Tensor":
    """Frobenius inner product <P, C> per batch item: (B,)."""
    return (plan * cost).sum(dim=(-2, -1))


def marginal_penalty(plan: "torch.Tensor", mask_a: "torch.Tensor | None", mask_b: "torch.Tensor | None",
                     tau: float | tuple[float | None, float | None]) -> "torch.Tensor":
    """tau * (KL(P 1 | a) + KL(P^T 1 | b)) per batch item (generalised KL, uniform a, b over real tokens): the
    part of the unbalanced OT objective that <P, C> leaves out. Without it an unbalanced loss is minimised by
    transporting no mass at all."""
    import torch

    def kl(x: "torch.Tensor", mask: "torch.Tensor | None") -> "torch.Tensor":
        m = torch.ones_like(x, dtype=torch.bool) if mask is None else mask.bool()
        y = m.to(x.dtype) / m.sum(-1, keepdim=True).clamp_min(1).to(x.dtype)
        xs, ys = x.clamp_min(1e-30), y.clamp_min(1e-30)
        return torch.where(m, xs * (xs / ys).log() - x + y, torch.zeros_like(x)).sum(-1)

    tau_a, tau_b = tau if isinstance(tau, tuple) else (tau, tau)
    out = plan.new_zeros(plan.shape[:-2])
    if tau_a is not None and not math.isinf(tau_a):
        out = out + tau_a * kl(plan.sum(-1), mask_a)
    if tau_b is not None and not math.isinf(tau_b):
        out = out + tau_b * kl(plan.sum(-2), mask_b)
    return out


def ot_distance(
    x: "torch.Tensor",
    x_mask: "torch.Tensor | None",
    y: "torch.Tensor",
    y_mask: "torch.Tensor | None",
    reg: float = 0.05,
    tau: float | tuple[float | None, float | None] | None = None,
    n_iter: int = 100,
) -> "torch.Tensor":
    """OPTICAL's token-level OT cost between two sets of token embeddings: <P, C> with C = cosine distance, (B,)."""
    cost = cosine_cost(x, y)
    plan = sinkhorn_log(cost, x_mask, y_mask, reg=reg, tau=tau, n_iter=n_iter, tol=0.0)
    return ot_cost(plan, cost)


def alignment_score(
    claim_tokens: "torch.Tensor",
    claim_mask: "torch.Tensor | None",
    passage_tokens: "torch.Tensor",
    passage_mask: "torch.Tensor | None",
    reg: float = 0.05,
    tau: float = 0.1,
    n_iter: int = 100,
) -> "torch.Tensor":
    """How much of each claim's content its passage covers, (B,) in [-1, 1] (higher = better covered).

    Every claim token must ship its (uniform) mass; the passage side is KL-relaxed with weight `tau`, so
    passage tokens the claim does not talk about need not receive any. The score is 1 - <P, C>/sum(P) with
    C = cosine distance: the plan-weighted cosine similarity of each claim token to the passage, averaged
    over claim tokens. Inputs may be (n, d) / (m, d) for a single pair (returns a 0-d tensor).
    """
    import torch

    single = claim_tokens.dim() == 2
    if single:
        claim_tokens, passage_tokens = claim_tokens[None], passage_tokens[None]
        claim_mask = None if claim_mask is None else claim_mask[None]
        passage_mask = None if passage_mask is None else passage_mask[None]
    grad = claim_tokens.requires_grad or passage_tokens.requires_grad
    with contextlib.nullcontext() if grad else torch.no_grad():
        cost = cosine_cost(claim_tokens.float(), passage_tokens.float())
        plan = sinkhorn_log(cost, claim_mask, passage_mask, reg=reg, tau=(None, tau), n_iter=n_iter)
        score = 1.0 - ot_cost(plan, cost) / plan.sum(dim=(-2, -1)).clamp_min(1e-12)
    return score[0] if single else score
