"""SeededSampler: per-row generators, temperature, top-k and top-p."""

from __future__ import annotations

import pytest
import torch

from sdialog.llm.sampling import SeededSampler


def picks(sampler, logits, steps=200):
    return [int(sampler(None, logits).argmax(-1)[0]) for _ in range(steps)]


def test_rows_are_independent_of_batch_company():
    logits = torch.randn(3, 50, generator=torch.Generator().manual_seed(0))
    together = SeededSampler([5, 6, 7], temperature=1.0)
    alone = SeededSampler([6], temperature=1.0)
    for _ in range(20):
        assert int(together(None, logits).argmax(-1)[1]) == int(
            alone(None, logits[1:2]).argmax(-1)[0]
        )


def test_top_k_and_top_p_restrict_choices():
    logits = torch.tensor([[3.0, 2.0, 1.0, 0.0, -1.0]])
    assert set(picks(SeededSampler([1], 1.0, top_k=2), logits)) <= {0, 1}
    # softmax: ~0.64, 0.24, 0.09 ...: top_p=0.7 keeps the first two tokens only
    assert set(picks(SeededSampler([1], 1.0, top_p=0.7), logits)) == {0, 1}
    assert len(set(picks(SeededSampler([1], 5.0), logits))) == 5


def test_bad_settings():
    with pytest.raises(ValueError):
        SeededSampler([1], temperature=0)
    with pytest.raises(ValueError):
        SeededSampler([1], temperature=1.0, top_p=1.5)


def test_partial_sort_nucleus_equals_full_sort_nucleus():
    # a flat distribution: the 0.9 nucleus holds hundreds of tokens, so the prefix must grow
    logits = torch.randn(2, 1000, generator=torch.Generator().manual_seed(3)) * 0.5
    probs = logits.softmax(-1)
    sorted_probs, order = probs.sort(-1, descending=True)
    size = int(((sorted_probs.cumsum(-1) - sorted_probs) < 0.9).sum(-1)[0])
    assert size > 64
    nucleus = set(order[0, :size].tolist())
    sampler = SeededSampler([0, 1], temperature=1.0, top_p=0.9)
    seen = {int(sampler(None, logits).argmax(-1)[0]) for _ in range(300)}
    assert seen <= nucleus and len(seen) > 100


def test_top_p_applies_within_top_k():
    logits = torch.tensor([[2.0, 2.0, 0.0, 0.0, 0.0]])
    # within the top 2 the mass is 50/50: top_p=0.6 keeps both (before the second: 0.5 < 0.6)
    assert set(picks(SeededSampler([2], 1.0, top_k=2, top_p=0.6), logits)) == {0, 1}
