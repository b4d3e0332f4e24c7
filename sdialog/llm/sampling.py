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
        # Inverse-CDF sampling with one uniform draw per row from that row's own generator.
        probs = (scores.float() / self.temperature).softmax(dim=-1)
        truncate = bool(self.top_k) or (self.top_p is not None and self.top_p < 1)
        if truncate:
            probs, order = self._nucleus(probs)
        cumulative = probs.cumsum(dim=-1)
        draws = torch.stack([torch.rand((), generator=g) for g in self.generators])
        targets = (draws.to(cumulative.device) * cumulative[:, -1]).unsqueeze(-1)
        index = torch.searchsorted(cumulative, targets).clamp_(max=cumulative.shape[-1] - 1)
        tokens = order.gather(-1, index) if truncate else index
        chosen = torch.full_like(scores, float("-inf"))
        return chosen.scatter_(-1, tokens, 0.0)

    def _nucleus(self, probs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The most likely tokens (sorted) with top-k/top-p applied, and their vocabulary ids.

        The nucleus is a prefix of the sorted distribution, so a partial sort (``topk``) of a
        prefix holding at least ``top_p`` of the mass in every row gives the same result as a full
        sort, at a fraction of the cost on large vocabularies.
        """
        vocab = probs.shape[-1]
        k = min(self.top_k or _FIRST_PREFIX, vocab)
        while True:
            top, order = torch.topk(probs, k, dim=-1, sorted=True)
            enough = self.top_k or self.top_p is None or bool((top.sum(-1) >= self.top_p).all())
            if enough or k == vocab:
                break
            k = min(k * 4, vocab)
        if self.top_k:
            top = top / top.sum(dim=-1, keepdim=True)  # top-p applies within the top-k
        if self.top_p is not None and self.top_p < 1:
            # keep a token while the mass before it is below top_p (the first is always kept)
            top = top * ((top.cumsum(dim=-1) - top) < self.top_p)
        return top, order


_FIRST_PREFIX = 64
"""Tokens in the first partial sort of the nucleus search (grown 4x until it holds top_p)."""
