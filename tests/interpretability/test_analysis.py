"""Directions, save/load, logit lens, probes, patching, attention, the steering-effect test."""

from __future__ import annotations

import pytest
import torch

from sdialog.interpretability import (
    Direction,
    Inspector,
    LinearProbe,
    capture_attention,
    extract_direction,
    logit_lens,
    patch_activations,
    prompt_activations,
    response_features,
    steering_effect,
)

POS = ["I love this, it is wonderful!", "What a great day.", "Happy happy joy."]
NEG = ["I hate this, it is awful.", "What a terrible day.", "Sad sad gloom."]


def test_prompt_activations_match_the_inspector_prompt_side(backend):
    acts = prompt_activations(backend, POS, target=1, batch_size=2)
    inspector = Inspector(target=1)
    backend.complete_batch([[{"role": "user", "content": p}] for p in POS], hooks=[inspector])
    expected = torch.stack([inspector.input[i][-1].act for i in range(3)])
    torch.testing.assert_close(acts, expected, atol=1e-4, rtol=1e-4)
    first = prompt_activations(backend, POS, target=1, position=0)
    torch.testing.assert_close(first[0], inspector.input[0][0].act, atol=1e-4, rtol=1e-4)
    assert prompt_activations(backend, POS, target=1, position="mean").shape == (3, 64)
    with pytest.raises(IndexError, match="outside prompt"):
        prompt_activations(backend, POS, target=1, position=10_000)


def test_mean_diff_and_pca_directions(backend):
    mean_diff = extract_direction(backend, POS, NEG, target=1, progress=True)
    pos = prompt_activations(backend, POS, 1)
    neg = prompt_activations(backend, NEG, 1)
    torch.testing.assert_close(mean_diff.vector, pos.mean(0) - neg.mean(0))
    pca = extract_direction(backend, POS, NEG, target="resid_pre:1", method="pca")
    assert pca.meta["method"] == "pca" and pca.meta["target"] == "resid_pre:1"
    diffs = prompt_activations(backend, POS, "resid_pre:1") - prompt_activations(
        backend, NEG, "resid_pre:1"
    )
    assert float(diffs.mean(0) @ pca.vector) > 0  # signed along the mean difference
    with pytest.raises(ValueError, match="paired"):
        extract_direction(backend, POS, NEG[:2], target=1, method="pca")


def test_direction_save_load_roundtrip(tmp_path):
    direction = Direction(torch.arange(4.0), model="huggingface:tiny", target=1, position=-1)
    path = tmp_path / "d.safetensors"
    direction.save(path)
    loaded = Direction.load(path)
    assert torch.equal(loaded.vector, direction.vector)
    assert loaded.meta == {"model": "huggingface:tiny", "target": 1, "position": -1}


def test_logit_lens_last_layer_equals_the_model(backend, tiny_model):
    rows = logit_lens(backend, "Hello", top_k=3)
    assert [r["layer"] for r in rows] == [0, 1]
    inspector = Inspector(target=1, top_k=3)
    backend.complete([{"role": "user", "content": "Hello"}], hooks=[inspector])
    ours = [(t, round(p, 4)) for t, p in rows[-1]["tokens"]]
    assert ours == [(t, round(p, 4)) for t, p in inspector[0][0].top_k]


def test_probe_on_captured_responses(backend):
    inspector = Inspector(target=1)
    prompts = [[{"role": "user", "content": p * 3}] for p in POS + NEG] * 2
    backend.complete_batch(prompts, hooks=[inspector])
    X = response_features(inspector, reduce="prompt_last")
    labels = (["pos"] * 3 + ["neg"] * 3) * 2
    probe = LinearProbe().fit(X, labels)
    assert probe.score(X, labels) == 1.0 and probe.direction.shape == (64,)
    assert response_features(inspector, reduce="mean").shape == (12, 64)
    with pytest.raises(ValueError, match="feature rows"):
        LinearProbe().fit(X, labels[:3])


def test_activation_patching_moves_the_destination_to_the_source(backend):
    same = patch_activations(backend, POS[0], NEG[0], target=1)
    # the last layer's output at the last position decides the next token: a full transplant
    assert [t for t, _ in same["patched"]] == [t for t, _ in same["source"]]
    assert same["kl"] > 0
    noop = patch_activations(backend, NEG[0], NEG[0], target=0)
    assert noop["kl"] == pytest.approx(0, abs=1e-6)


def test_attention_capture_restores_the_implementation(backend, tiny_model):
    before = tiny_model[0].config._attn_implementation
    weights = capture_attention(backend, "Hello", layer=1)
    assert weights.shape[0] == 4 and weights.shape[1] == weights.shape[2]
    torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:2]))
    assert tiny_model[0].config._attn_implementation == before


def test_steering_effect_detects_a_real_change_and_not_a_null_one(backend):
    prompts = [f"Item {i}: say something." for i in range(12)]
    push = (Inspector(target=1, capture=False) + torch.ones(64)) * 4

    def score(texts):  # fraction of letters 'e' (knows nothing about the direction)
        return [t.count("e") / max(len(t), 1) for t in texts]

    null = steering_effect(backend, prompts, [Inspector(1, capture=False)], score, max_tokens=8)
    assert null.p_value == 1.0 and null.effect_size == 0.0
    effect = steering_effect(backend, prompts, [push], score, max_tokens=8, threshold=0.05)
    assert effect.texts["steered"] != effect.texts["baseline"]
    assert 0 <= effect.p_value <= 1 and "Mann-Whitney" in effect.summary()
