"""Token-interaction stance model: soft-align claim and evidence token states, compare, pool, classify.

A decomposable-attention / ESIM-style head on the *frozen* encoder's token states (Parikh et al. 2016; Chen et al.
2017): every claim token is compared with its soft-aligned counterpart in the evidence and vice versa, so a changed
number, a negation or a flipped comparison shows up as one badly matched token instead of being averaged away in
a sentence vector. The pair's scalar cues (cosine, OT coverage, number/negation/direction/name checks) join at the
classifier. Token states are cached per text, so training touches no transformer and runs in minutes on a CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .calibrate import fit_temperature, softmax
from .pairs import EncodedText, pad_tokens


@dataclass
class InteractConfig:
    """Shape of the model (stored with the weights)."""

    dim: int = 384  # encoder width
    hidden: int = 192
    n_scalar: int = 18
    dropout: float = 0.2


def _build(cfg: InteractConfig):
    import torch
    from torch import nn

    class Interact(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            h = cfg.hidden
            self.cfg = cfg
            self.proj = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(cfg.dim, h), nn.GELU())
            self.compare = nn.Sequential(nn.Linear(4 * h, h), nn.GELU(), nn.Dropout(cfg.dropout), nn.Linear(h, h), nn.GELU())
            self.out = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(4 * h + cfg.n_scalar, h), nn.GELU(),
                                     nn.Dropout(cfg.dropout), nn.Linear(h, 3))
            self.register_buffer("s_mean", torch.zeros(cfg.n_scalar))
            self.register_buffer("s_std", torch.ones(cfg.n_scalar))

        def forward(self, a, ma, b, mb, s):
            """a (n, La, dim), ma (n, La) bool, b (n, Lb, dim), mb (n, Lb) bool, s (n, n_scalar) -> logits (n, 3)."""
            pa, pb = self.proj(a), self.proj(b)
            e = pa @ pb.transpose(1, 2) / pa.shape[-1] ** 0.5  # (n, La, Lb)
            neg = torch.finfo(e.dtype).min
            beta = torch.softmax(e.masked_fill(~mb[:, None, :], neg), dim=2) @ pb  # evidence aligned to each claim token
            alpha = torch.softmax(e.masked_fill(~ma[:, :, None], neg), dim=1).transpose(1, 2) @ pa
            va = self.compare(torch.cat([pa, beta, pa - beta, pa * beta], -1))
            vb = self.compare(torch.cat([pb, alpha, pb - alpha, pb * alpha], -1))

            def pool(v, m):
                mf = m[..., None].float()
                mean = (v * mf).sum(1) / mf.sum(1).clamp(min=1.0)
                mx = v.masked_fill(~m[..., None], neg).max(1).values
                return torch.cat([mean, mx], -1)

            z = torch.cat([pool(va, ma), pool(vb, mb), (s - self.s_mean) / self.s_std], -1)
            return self.out(z)

    return Interact()


class InteractHead:
    """The trained model and a temperature; `proba` gives (n, 3) P(support / refute / nei)."""

    def __init__(self, net, temperature: float = 1.0) -> None:
        self.net = net.eval()
        self.temperature = temperature

    @property
    def config(self) -> InteractConfig:
        return self.net.cfg

    def logits(self, claims: Sequence[EncodedText], evidence: Sequence[EncodedText], scalars: np.ndarray,
               batch: int = 128) -> np.ndarray:
        import torch

        out = []
        dev = next(self.net.parameters()).device
        with torch.inference_mode():
            for s in range(0, len(claims), batch):
                a, ma = pad_tokens(claims[s : s + batch], dev)
                b, mb = pad_tokens(evidence[s : s + batch], dev)
                sc = torch.as_tensor(np.asarray(scalars[s : s + batch], dtype=np.float32), device=dev)
                out.append(self.net(a, ma, b, mb, sc).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, 3), dtype=np.float32)

    def proba(self, claims: Sequence[EncodedText], evidence: Sequence[EncodedText], scalars: np.ndarray) -> np.ndarray:
        return softmax(self.logits(claims, evidence, scalars).astype(np.float64) / self.temperature)

    def state(self) -> dict[str, np.ndarray]:
        """Weights as float32 numpy arrays (for an .npz)."""
        return {k: v.detach().cpu().float().numpy() for k, v in self.net.state_dict().items()}

    def save_npz(self, path) -> None:
        """Weights, shape and temperature in one .npz (a training checkpoint; the artefact keeps the shape and the
        temperature in verifier.json instead)."""
        from dataclasses import asdict

        np.savez(path, temperature=self.temperature, **{f"w.{k}": v for k, v in self.state().items()},
                 **{f"c.{k}": v for k, v in asdict(self.config).items()})

    @classmethod
    def load_npz(cls, path) -> "InteractHead":
        """What `save_npz` wrote."""
        z = np.load(path, allow_pickle=False)
        cfg = InteractConfig(**{k[2:]: z[k].item() for k in z.files if k.startswith("c.")})
        return cls.from_state(cfg, {k[2:]: z[k] for k in z.files if k.startswith("w.")}, float(z["temperature"]))

    @classmethod
    def from_state(cls, cfg: InteractConfig, state: dict[str, np.ndarray], temperature: float = 1.0) -> "InteractHead":
        import torch

        net = _build(cfg)
        net.load_state_dict({k: torch.from_numpy(np.asarray(v, dtype=np.float32)) for k, v in state.items()})
        return cls(net, temperature)


def fit_interact(claims: Sequence[EncodedText], evidence: Sequence[EncodedText], scalars: np.ndarray, y: np.ndarray,
                 w: np.ndarray, val: np.ndarray, cfg: InteractConfig | None = None, seed: int = 0, epochs: int = 12,
                 batch: int = 64, lr: float = 1e-3, log=print) -> InteractHead:
    """Train on the rows where `val` is False (weighted cross-entropy, AdamW), keep the epoch with the best
    validation loss, then fit a temperature on the validation rows."""
    import torch

    torch.manual_seed(seed)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    cfg = cfg or InteractConfig(dim=claims[0].tokens.shape[1], n_scalar=scalars.shape[1])
    net = _build(cfg)
    tr, va = np.flatnonzero(~val), np.flatnonzero(val)
    net.s_mean.copy_(torch.as_tensor(scalars[tr].mean(0), dtype=torch.float32))
    net.s_std.copy_(torch.as_tensor(scalars[tr].std(0) + 1e-4, dtype=torch.float32))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-2)
    steps = epochs * ((len(tr) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    rng = np.random.default_rng(seed)
    net.to(dev)
    yt, wt = torch.as_tensor(y, dtype=torch.long, device=dev), torch.as_tensor(w, dtype=torch.float32, device=dev)
    head = InteractHead(net)
    best, best_state = np.inf, None
    for epoch in range(epochs):
        net.train()
        # batches of similar length: sort a shuffled order by length within windows of 50 batches
        perm = rng.permutation(tr)
        win = 50 * batch
        perm = np.concatenate([sorted(perm[s : s + win], key=lambda i: evidence[i].tokens.shape[0])
                               for s in range(0, len(perm), win)])
        order = [perm[s : s + batch] for s in range(0, len(perm), batch)]
        rng.shuffle(order)
        total = 0.0
        for idx in order:
            a, ma = pad_tokens([claims[i] for i in idx], dev)
            b, mb = pad_tokens([evidence[i] for i in idx], dev)
            sc = torch.as_tensor(scalars[idx], dtype=torch.float32, device=dev)
            loss = (torch.nn.functional.cross_entropy(net(a, ma, b, mb, sc), yt[idx], reduction="none") * wt[idx]).sum() / wt[idx].sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        net.eval()
        if len(va) == 0:  # nothing held out: keep the last epoch
            log(f"interact epoch {epoch}: train loss {total / len(tr):.4f}")
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            continue
        p = softmax(head.logits([claims[i] for i in va], [evidence[i] for i in va], scalars[va]).astype(np.float64))
        vl = float(-np.log(p[np.arange(len(va)), y[va]] + 1e-12).mean())
        log(f"interact epoch {epoch}: train loss {total / len(tr):.4f} val loss {vl:.4f} acc {(p.argmax(1) == y[va]).mean():.3f}")
        if vl < best:
            best, best_state = vl, {k: v.detach().clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best_state)
    head = InteractHead(net.cpu())
    if len(va):
        head.temperature = fit_temperature(head.logits([claims[i] for i in va], [evidence[i] for i in va], scalars[va]), y[va])
    log(f"interact temperature {head.temperature:.3f}")
    return head
