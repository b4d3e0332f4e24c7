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
