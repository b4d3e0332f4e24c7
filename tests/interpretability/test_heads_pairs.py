"""rank_heads holds out whole pairs: paired prompt sets cannot leak a pair's content into the probe.

Before, a stratified split put ``positive[i]`` in training and ``negative[i]`` in the held-out set,
so a probe that only recognised each pair's topic scored *below* chance on paired prompts (on
SmolLM2, 12 true/false statement pairs: median head accuracy 0.0 instead of 0.5).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sdialog.interpretability import heads, rank_heads


@pytest.mark.parametrize("pairs", [4, 7, 12])
def test_split_keeps_pairs_whole_and_balanced(pairs):
    train, test = heads._split(pairs, pairs, 0.3, seed=0)
    assert sorted([*train, *test]) == list(range(2 * pairs))
    for half in (train, test):
        members = set(half.tolist())
        assert all((i + pairs in members) == (i in members) for i in range(pairs))
        assert (half < pairs).sum() == (half >= pairs).sum()  # as many positives as negatives


def test_unpaired_sets_get_a_stratified_split():
    train, test = heads._split(5, 9, 0.3, seed=0)
    assert sorted([*train, *test]) == list(range(14))
    assert 0 < (test < 5).sum() < len(test)  # both labels held out


def test_pair_topics_no_longer_push_accuracy_below_chance(backend, monkeypatch):
    """Activations that carry only each pair's topic (no label signal): held-out accuracy must
    sit near chance; with the twin of every held-out prompt in training it was near zero."""
    pairs, width = 12, 8
    generator = torch.Generator().manual_seed(0)
    topics = torch.randn(pairs, width, generator=generator) * 5
    acts = torch.cat([topics, topics]) + 0.1 * torch.randn(2 * pairs, width, generator=generator)
    layers, n_heads = 2, 4
    fake = acts[:, None, None, :].expand(-1, layers, n_heads, -1).contiguous()
    monkeypatch.setattr(heads, "head_activations", lambda *a, **k: fake)
    prompts = [f"statement {i}" for i in range(pairs)]
    ranking = rank_heads(backend, prompts, [p + "?" for p in prompts])
    accuracies = np.array([s.accuracy for s in ranking])
    assert len(ranking) == layers * n_heads
    assert accuracies.mean() > 0.3  # a leaking split scores ~0 here


def test_saturated_accuracy_is_ranked_by_separation(backend, monkeypatch):
    """When every head separates the sets (accuracy 1.0, as with lexical contrasts), the heads
    whose two sets lie further apart along the direction come first, not simply layer 0."""
    pairs, width, layers, n_heads = 10, 4, 2, 4
    generator = torch.Generator().manual_seed(0)
    labels = torch.tensor([1.0] * pairs + [-1.0] * pairs)
    fake = torch.randn(2 * pairs, layers, n_heads, width, generator=generator)
    gap = torch.tensor([[6.0, 8.0, 7.0, 9.0], [11.0, 10.0, 12.0, 13.0]])  # all separable
    fake[..., 0] += labels[:, None, None] * gap
    monkeypatch.setattr(heads, "head_activations", lambda *a, **k: fake)
    prompts = [f"statement {i}" for i in range(pairs)]
    ranking = rank_heads(backend, prompts, [p + "?" for p in prompts])
    assert all(s.accuracy == 1.0 for s in ranking)
    assert [(s.layer, s.head) for s in ranking[:2]] == [(1, 3), (1, 2)]  # widest gaps first
    assert ranking[0].separation > ranking[-1].separation
