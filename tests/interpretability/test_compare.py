"""The steering-method comparison on the tiny model: directions, conditions, scores, resume."""

from __future__ import annotations

import pytest
import torch

from sdialog.interpretability import SAE, compare_steering, steering_directions

POS = [f"Topic {i}: tell me about the sea, with waves and salt." for i in range(6)]
NEG = [f"Topic {i}: tell me about the desk." for i in range(6)]
HELD_OUT = ["Write about a bus.", "Write about a tree.", "Write about a cup."]


def test_directions_and_comparison(backend):
    g = torch.Generator().manual_seed(0)
    W = torch.randn(32, 64, generator=g)
    sae = SAE(W.T.clone(), torch.zeros(32), W, torch.zeros(64))
    directions = steering_directions(backend, POS, NEG, target=1, sae=sae)
    assert set(directions) == {"mean_diff", "pca", "probe", "sae"}
    for vector in directions.values():
        assert vector.shape == (64,) and float(vector.norm()) == pytest.approx(1.0, abs=1e-5)
    unit = directions["mean_diff"]
    best = W[int((W / W.norm(dim=1, keepdim=True) @ unit).argmax())]
    torch.testing.assert_close(directions["sae"], best / best.norm())
    assert float(directions["pca"] @ unit) > 0  # signed to agree with the mean difference

    def concept(texts):  # a stand-in classifier that never sees a direction
        return [float(t.count("a")) for t in texts]

    saved = []
    rows = compare_steering(
        backend, HELD_OUT, {"mean_diff": directions["mean_diff"]}, [4.0, 64.0],
        concept=concept, layer=1, prompt_suffix=" Mention the sea.",
        relevance_fn=lambda p, t: [float(len(x) > 0) for x in t], on_row=saved.append,
    )  # fmt: skip
    assert [(r["method"], r["strength"]) for r in rows] == [
        ("none", 0.0), ("prompt", 0.0), ("mean_diff", 4.0), ("mean_diff", 64.0)
    ]  # fmt: skip
    assert saved == rows
    for row in rows:
        assert len(row["texts"]) == len(row["concept_scores"]) == len(row["perplexity"]) == 3
        assert all(p >= 1.0 for p in row["perplexity"])
    assert rows[3]["texts"] != rows[0]["texts"]  # a strong push changes the replies
    again = compare_steering(
        backend, HELD_OUT, {"mean_diff": directions["mean_diff"]}, [4.0, 64.0],
        concept=concept, layer=1, relevance_fn=None, fluency=False,
        skip=lambda m, s: m != "mean_diff" or s != 4.0,
    )  # fmt: skip
    assert len(again) == 1 and again[0]["texts"] == rows[2]["texts"]  # greedy: reproducible
    with pytest.raises(ValueError, match="unknown steering methods"):
        steering_directions(backend, POS, NEG, target=1, methods=["magic"])
