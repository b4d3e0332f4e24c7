"""Train a TopK sparse autoencoder on captured activations, and measure any SAE.

:func:`train_sae` fits a TopK SAE (Gao et al., 2024: exactly ``k`` features per token, no L1
coefficient to tune) with Adam on a ``[tokens, width]`` tensor, with unit-norm decoder rows and
the input scaled to unit mean squared norm while training (folded back into the weights, so the
saved SAE reads raw activations). :func:`sae_metrics` reports explained variance, L0 and the
dead-feature fraction; :func:`top_tokens` the tokens that activate a feature most.

Example:
    >>> import torch
    >>> x = torch.randn(512, 8) @ torch.randn(8, 16)
    >>> sae = train_sae(x, d_sae=32, k=4, steps=200, progress=False)
    >>> round(sae_metrics(sae, x)["l0"], 1)
    4.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sdialog._extras import needs_extra
from sdialog.interpretability.sae import SAE


def train_sae(
    activations: Any,
    d_sae: int,
    *,
    k: int = 32,
    steps: int = 2000,
    batch_size: int = 1024,
    lr: float = 1e-3,
    seed: int = 0,
    hook_name: str | None = None,
    progress: bool = True,
    meta: dict[str, Any] | None = None,
) -> SAE:
    """A TopK SAE with ``d_sae`` features trained on ``activations`` (``[tokens, width]``)."""
    with needs_extra("local"):
        import torch

    x = torch.as_tensor(activations).float()
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"train_sae needs [tokens, width] activations, got {tuple(x.shape)}")
    if not 0 < k <= d_sae:
        raise ValueError(f"train_sae: k must be in 1..d_sae ({d_sae}), got {k}")
    generator = torch.Generator().manual_seed(seed)
    scale = float(x.pow(2).sum(dim=1).mean().sqrt())  # inputs scaled to unit mean squared norm
    data = x / scale
    d_in = data.shape[1]
    W_dec = torch.randn(d_sae, d_in, generator=generator)
    W_dec /= W_dec.norm(dim=1, keepdim=True)
    params = {
        "W_dec": W_dec.clone().requires_grad_(True),
        "W_enc": W_dec.T.clone().requires_grad_(True),
        "b_enc": torch.zeros(d_sae, requires_grad=True),
        "b_dec": data.mean(dim=0).clone().requires_grad_(True),
    }
    optimizer = torch.optim.Adam(params.values(), lr=lr)
    bar = _bar(steps, progress)
    for _ in range(steps):
        batch = data[torch.randint(len(data), (min(batch_size, len(data)),), generator=generator)]
        pre = (batch - params["b_dec"]) @ params["W_enc"] + params["b_enc"]
        values, index = pre.topk(k, dim=-1)
        features = torch.zeros_like(pre).scatter(-1, index, values.relu())
        recon = features @ params["W_dec"] + params["b_dec"]
        loss = (recon - batch).pow(2).sum(dim=1).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        with torch.no_grad():  # keep decoder rows unit-norm: drop the gradient along each row
            W = params["W_dec"]
            W.grad -= (W.grad * W).sum(dim=1, keepdim=True) * W
        optimizer.step()
        with torch.no_grad():
            params["W_dec"] /= params["W_dec"].norm(dim=1, keepdim=True)
        if bar is not None:
            bar.advance()
    if bar is not None:
        bar.close()
    with torch.no_grad():  # fold the input scale: the SAE reads raw activations
        return SAE(
            params["W_enc"] / scale,
            params["b_enc"],
            params["W_dec"] * scale,
            params["b_dec"] * scale,
            architecture="topk", k=k, hook_name=hook_name,
            cfg={"metadata": {"training": {"steps": steps, "lr": lr, "seed": seed,
                                           "input_scale": scale, **(meta or {})}}},
        )  # fmt: skip


def _bar(total: int, progress: bool) -> Any:
    if not progress:
        return None
    from sdialog._progress import ProgressBar

    return ProgressBar(total, label="SAE steps")


def sae_metrics(sae: SAE, activations: Any, *, batch_size: int = 4096) -> dict[str, float]:
    """``explained_variance`` (1 - SSE / total variance), ``l0`` (mean active features per
    token), ``dead_fraction`` (features that never fire on these activations) and ``mse``."""
    with needs_extra("local"):
        import torch

    x = torch.as_tensor(activations).float()
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"sae_metrics needs [tokens, width] activations, got {tuple(x.shape)}")
    sse, active, fired = 0.0, 0.0, torch.zeros(sae.d_sae, dtype=torch.bool)
    with torch.inference_mode():
        for start in range(0, len(x), batch_size):
            chunk = x[start : start + batch_size]
            features = sae.encode(chunk)
            sse += float((sae.decode(features) - chunk).pow(2).sum())
            active += float((features > 0).sum())
            fired |= (features > 0).any(dim=0)
    total = float((x - x.mean(dim=0)).pow(2).sum())
    return {
        "explained_variance": 1 - sse / total,
        "l0": active / len(x),
        "dead_fraction": float((~fired).float().mean()),
        "mse": sse / x.numel(),
    }


def top_tokens(
    sae: SAE,
    activations: Any,
    tokens: Sequence[str],
    feature: int,
    n: int = 10,
    context: Sequence[str] | None = None,
) -> list[tuple[str, float]]:
    """The ``n`` tokens (``tokens[i]`` names row ``i``, or ``context[i]`` when given) on which
    ``feature`` fires most: ``[(token, activation), ...]``."""
    with needs_extra("local"):
        import torch

    with torch.inference_mode():
        values = sae.encode(torch.as_tensor(activations).float())[:, feature]
    top = values.topk(min(n, len(values)))
    names = context if context is not None else tokens
    return [(names[i], float(v)) for v, i in zip(top.values, top.indices.tolist(), strict=True)]
