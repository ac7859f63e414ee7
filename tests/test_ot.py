"""synth.index.ot against POT: balanced and unbalanced Sinkhorn plans, the EMD limit, masks, gradients, scores."""

from __future__ import annotations

import numpy as np
import ot as pot
import pytest
import torch

from synth.index.ot import alignment_score, cosine_cost, ot_cost, ot_distance, sinkhorn_log


def _batch(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(4, 6, 8, generator=g, dtype=torch.float64)
    y = torch.randn(4, 9, 8, generator=g, dtype=torch.float64)
    mx = torch.ones(4, 6, dtype=torch.bool)
    my = torch.ones(4, 9, dtype=torch.bool)
    mx[1, 4:] = False
    my[2, 3:] = False
    mx[3, 2:], my[3, 7:] = False, False
    return x, mx, y, my


def _real(t: torch.Tensor, i: int, mx: torch.Tensor, my: torch.Tensor) -> np.ndarray:
    return t[i][mx[i]][:, my[i]].detach().numpy()


def _uniform(n: int) -> np.ndarray:
    return np.full(n, 1.0 / n)


def test_cosine_cost_matches_pot_cosine_metric():
    x, mx, y, my = _batch()
    cost = cosine_cost(x, y)
    ref = pot.dist(x[0].numpy(), y[0].numpy(), metric="cosine")
    np.testing.assert_allclose(cost[0].numpy(), ref, atol=1e-10)


@pytest.mark.parametrize("reg", [0.05, 0.5])
def test_balanced_plans_match_pot_sinkhorn_with_padding(reg):
    x, mx, y, my = _batch()
    cost = cosine_cost(x, y)
    plan = sinkhorn_log(cost, mx, my, reg=reg, n_iter=5000, tol=1e-12)
    for i in range(4):
        c = _real(cost, i, mx, my)
        ref = pot.sinkhorn(_uniform(c.shape[0]), _uniform(c.shape[1]), c, reg, numItermax=20000, stopThr=1e-13)
        np.testing.assert_allclose(_real(plan, i, mx, my), ref, atol=1e-9)
        assert plan[i][~mx[i]].abs().sum() == 0 and plan[i][:, ~my[i]].abs().sum() == 0  # padding gets no mass
        assert plan[i].sum().item() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("tau", [0.1, 1.0])
def test_unbalanced_plans_match_pot_sinkhorn_unbalanced(tau):
    x, mx, y, my = _batch(1)
    cost = cosine_cost(x, y)
    plan = sinkhorn_log(cost, mx, my, reg=0.1, tau=tau, n_iter=5000, tol=1e-13)
    for i in range(4):
        c = _real(cost, i, mx, my)
        with pytest.warns(UserWarning):  # POT warns that reg_type='entropy' overrides its c matrix
            ref = pot.sinkhorn_unbalanced(
                _uniform(c.shape[0]), _uniform(c.shape[1]), c, 0.1, tau, reg_type="entropy",
                numItermax=20000, stopThr=1e-13,
            )
        np.testing.assert_allclose(_real(plan, i, mx, my), ref, atol=1e-9)
    # relaxed marginals really are relaxed: total mass differs from 1
    assert abs(plan[0].sum().item() - 1.0) > 1e-3


def test_small_reg_approaches_exact_emd():
    x, mx, y, my = _batch(2)
    cost = cosine_cost(x, y)
    plan = sinkhorn_log(cost, mx, my, reg=0.002, n_iter=5000, tol=1e-12)
    for i in range(4):
        c = _real(cost, i, mx, my)
        exact = pot.emd(_uniform(c.shape[0]), _uniform(c.shape[1]), c)
        assert ot_cost(plan, cost)[i].item() == pytest.approx(float((exact * c).sum()), abs=2e-3)


def test_batched_equals_one_pair_at_a_time():
    x, mx, y, my = _batch(3)
    batched = ot_distance(x, mx, y, my, reg=0.1)
    for i in range(4):
        single = ot_distance(x[i : i + 1, mx[i]], None, y[i : i + 1, my[i]], None, reg=0.1)
        assert batched[i].item() == pytest.approx(single.item(), abs=1e-10)


def test_gradients_flow_through_the_plan_cost():
    x, mx, y, my = _batch(4)
    cost = cosine_cost(x, y)[1:3].detach().requires_grad_(True)  # one item with row, one with column padding

    def f(c: torch.Tensor) -> torch.Tensor:
        return ot_cost(sinkhorn_log(c, mx[1:3], my[1:3], reg=0.2, n_iter=20, tol=0.0), c)

    assert torch.autograd.gradcheck(f, (cost,), eps=1e-6, atol=1e-5)
    # and a gradient step on the student's vectors lowers the OT cost
    y2 = y.clone().requires_grad_(True)
    loss = ot_distance(x, mx, y2, my, reg=0.1).sum()
    loss.backward()
    assert torch.isfinite(y2.grad).all() and y2.grad[my].abs().sum() > 0
    assert y2.grad[~my].abs().sum() == 0  # padding receives no gradient
    after = ot_distance(x, mx, (y2 - 0.5 * y2.grad).detach(), my, reg=0.1).sum()
    assert after < loss


def test_alignment_score_prefers_the_passage_that_covers_the_claim():
    g = torch.Generator().manual_seed(5)
    claim = torch.randn(5, 16, generator=g)
    covering = torch.cat([claim + 0.05 * torch.randn(5, 16, generator=g), torch.randn(20, 16, generator=g)])
    unrelated = torch.randn(25, 16, generator=g)
    half = torch.cat([claim[:2], torch.randn(23, 16, generator=g)])
    s_cover = alignment_score(claim, None, covering, None).item()
    s_half = alignment_score(claim, None, half, None).item()
    s_none = alignment_score(claim, None, unrelated, None).item()
    assert s_cover > 0.9 and s_cover > s_half > s_none
    # batched with padding gives the same numbers
    passages = torch.zeros(2, 25, 16)
    passages[0], passages[1, :25] = covering, unrelated
    pm = torch.ones(2, 25, dtype=torch.bool)
    claims = torch.zeros(2, 7, 16)
    claims[:, :5] = claim
    cm = torch.zeros(2, 7, dtype=torch.bool)
    cm[:, :5] = True
    batched = alignment_score(claims, cm, passages, pm)
    assert batched.shape == (2,)
    assert batched[0].item() == pytest.approx(s_cover, abs=1e-5)
    assert batched[1].item() == pytest.approx(s_none, abs=1e-5)


def test_unbalanced_loss_cannot_be_won_by_transporting_nothing():
    from synth.train.losses import OTDistillLoss

    x, mx, y, my = _batch(6)
    loss = OTDistillLoss(reg=0.05, tau=0.1)
    near = loss.compute_loss_from_embeddings(x, mx, x + 0.01, mx)
    far = loss.compute_loss_from_embeddings(x, mx, -x, mx)  # cosine distance 2 everywhere it matters
    assert (far > near).all()
    cost = cosine_cost(x, -x)
    plan = sinkhorn_log(cost, mx, mx, reg=0.05, tau=0.1)
    assert (ot_cost(plan, cost) < far).all()  # <P, C> alone would reward pushing everything apart
