"""Per-row seeded sampling for batched generation.

transformers samples a whole batch from the global torch RNG, so a row's output depends on the
other rows and on global state. :class:`SeededSampler` gives every row its own
``torch.Generator``: a conversation sampled with seed ``s`` says the same thing alone or inside any
batch, and no global RNG is touched. It runs as the last logits processor of a greedy ``generate``
call and leaves only the sampled token finite, so greedy decoding picks exactly that token.

Example:
    >>> import torch
    >>> sampler = SeededSampler([1, 1], temperature=0.8)
    >>> out = sampler(None, torch.zeros(2, 5))
    >>> bool((out[0] == out[1]).all())   # same seed, same logits -> same token
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


class SeededSampler:
    """Temperature / top-k / top-p sampling with one RNG per batch row.

    Args:
        seeds: one seed per row.
        temperature: > 0.
        top_p: nucleus mass in (0, 1]; 1 disables it.
        top_k: keep the k most likely tokens; 0 or ``None`` disables it.
    """

    def __init__(
        self,
        seeds: Sequence[int],
        temperature: float,
        top_p: float | None = None,
        top_k: int | None = None,
        device: str | torch.device = "cpu",
    ):
        if temperature <= 0:
            raise ValueError("SeededSampler needs temperature > 0 (use greedy decoding for 0)")
        if top_p is not None and not 0 < top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {top_p}")
        self.temperature = float(temperature)
        self.top_p = top_p
        self.top_k = top_k
        self.generators = [torch.Generator(device=device).manual_seed(int(s)) for s in seeds]

    def __call__(self, input_ids: torch.Tensor | None, scores: torch.Tensor) -> torch.Tensor:
        logits = scores.float() / self.temperature
        if self.top_k:
            kth = torch.topk(logits, min(self.top_k, logits.shape[-1]), dim=-1).values[..., -1:]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        if self.top_p is not None and self.top_p < 1:
            sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
            cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
            # drop tokens once the mass before them already exceeds top_p (always keep the first)
            drop_sorted = (cumulative - sorted_logits.softmax(dim=-1)) > self.top_p
            drop = drop_sorted.scatter(-1, order, drop_sorted)
            logits = logits.masked_fill(drop, float("-inf"))
        probs = logits.softmax(dim=-1)
        chosen = torch.full_like(scores, float("-inf"))
        for row, generator in enumerate(self.generators):
            token = torch.multinomial(probs[row], 1, generator=generator)
            chosen[row, token] = 0.0
        return chosen
