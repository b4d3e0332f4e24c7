"""Sparse autoencoders on the tiny model: SAELens format, features, steering, clamping, training."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

from sdialog.interpretability import (
    SAE,
    FeatureClamp,
    Inspector,
    sae_metrics,
    top_tokens,
    train_sae,
)
from tests.interpretability.conftest import PROMPTS


def _random_sae(architecture="standard", d_sae=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    W_dec = torch.randn(d_sae, 64, generator=g)
    extra = {"threshold": torch.full((d_sae,), 0.05)} if architecture == "jumprelu" else {}
    return SAE(
        W_dec.T.clone(), torch.zeros(d_sae), W_dec, torch.zeros(64),
        architecture=architecture, k=8 if architecture == "topk" else None,
        hook_name="blocks.1.hook_resid_post", **extra,
    )  # fmt: skip


@pytest.mark.parametrize("architecture", ["standard", "jumprelu", "topk"])
def test_saelens_folder_round_trip(tmp_path, architecture):
    sae = _random_sae(architecture)
    sae.save(tmp_path / "sae")
    cfg = json.loads((tmp_path / "sae" / "cfg.json").read_text())
    assert cfg["architecture"] == architecture and (cfg["d_in"], cfg["d_sae"]) == (64, 96)
    assert cfg["metadata"]["hook_name"] == "blocks.1.hook_resid_post"
    back = SAE.load(tmp_path / "sae")
    x = torch.randn(5, 64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(back.encode(x), sae.encode(x))
    # float32 sums over 96 features in another order: agree to 1e-4 relative
    torch.testing.assert_close(
        back.decode(back.encode(x)), sae.decode(sae.encode(x)), rtol=1e-4, atol=1e-4
    )
    if architecture == "topk":
        assert int((back.encode(x) > 0).sum(dim=-1).max()) <= 8


def test_reads_a_pre_6_saelens_folder_and_reports_bad_ones(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    g = torch.Generator().manual_seed(1)
    weights = {
        "W_enc": torch.randn(64, 32, generator=g), "b_enc": torch.zeros(32),
        "W_dec": torch.randn(32, 64, generator=g), "b_dec": torch.zeros(64),
    }  # fmt: skip
    save_file(weights, folder / "sae_weights.safetensors")
    cfg = {"d_in": 64, "d_sae": 32, "hook_point": "blocks.0.hook_resid_pre",
           "activation_fn_str": "topk", "activation_fn": "topk",
           "activation_fn_kwargs": {"k": 4}}  # fmt: skip
    (folder / "cfg.json").write_text(json.dumps(cfg))
    sae = SAE.load(folder)
    assert (sae.architecture, sae.k, sae.hook_name) == ("topk", 4, "blocks.0.hook_resid_pre")
    (folder / "cfg.json").write_text(json.dumps({**cfg, "normalize_activations": "layer_norm"}))
    with pytest.raises(ValueError, match="normalize_activations"):
        SAE.load(folder)
    with pytest.raises(FileNotFoundError, match=r"sae_weights\.safetensors"):
        SAE.load(tmp_path)


def test_inspector_features_per_token(backend):
    sae = _random_sae()
    inspector = Inspector(target=1, sae=sae)
    backend.complete_batch(PROMPTS[:2], hooks=[inspector])
    for response in inspector:
        torch.testing.assert_close(response.features, sae.encode(response.acts))
        assert response.features.shape == (len(response), 96)
        top = response[0].top_features(3)
        assert len(top) <= 3 and all(v > 0 for _, v in top)
        assert top[0][1] == pytest.approx(float(response[0].features.max()))
        torch.testing.assert_close(response.prompt.features, sae.encode(response.prompt.acts))
    with pytest.raises(ValueError, match="sae=\\{nick"):
        Inspector({"a": 0, "b": 1}, sae=sae)
    plain = Inspector(1)
    backend.complete(PROMPTS[1], hooks=[plain])
    with pytest.raises(ValueError, match="no SAE attached"):
        _ = plain[0].features


def test_feature_steering_and_clamping_keep_the_error_term(backend):
    sae = _random_sae()
    pre = Inspector(target=1, capture="pre")
    steered = Inspector(target=1, capture="pre") + sae.direction(7) * 3
    backend.complete(PROMPTS[1], hooks=[pre])
    backend.complete(PROMPTS[1], hooks=[steered])
    torch.testing.assert_close(steered.input[0].acts, pre.input[0].acts)  # pre: before steering
    post = Inspector(target=1) + sae.direction(7) * 3
    backend.complete(PROMPTS[1], hooks=[post])
    torch.testing.assert_close(
        post.input[0].acts - pre.input[0].acts, (3 * sae.W_dec[7]).expand(len(pre.input[0]), 64),
        atol=1e-4, rtol=1e-4,
    )  # fmt: skip
    fired = sae.encode(pre.input[0].acts)
    feature = int(fired.sum(dim=0).argmax())
    clamped = Inspector(target=1) + FeatureClamp(sae, [feature])
    backend.complete(PROMPTS[1], hooks=[clamped])
    h = pre.input[0].acts
    # h' = h - a_f(h) W_dec[f]: the feature's contribution is removed, the SAE error term kept
    expected = h - fired[:, feature, None] * sae.W_dec[feature]
    torch.testing.assert_close(clamped.input[0].acts, expected, atol=1e-4, rtol=1e-4)
    with pytest.raises(IndexError):
        FeatureClamp(sae, [500])


def test_train_an_sae_on_captured_activations(backend, tmp_path):
    inspector = Inspector(target=1)
    prompts = [[{"role": "user", "content": f"Question {i}: what is {i} + {i}?"}] for i in range(8)]
    backend.complete_batch(prompts, hooks=[inspector])
    acts = torch.cat([r.prompt.acts for r in inspector] + [r.acts[1:] for r in inspector])
    sae = train_sae(acts, d_sae=128, k=8, steps=150, batch_size=256, progress=False,
                    hook_name="blocks.1.hook_resid_post")  # fmt: skip
    metrics = sae_metrics(sae, acts)
    assert metrics["l0"] == pytest.approx(8, abs=0.5)
    assert 0.3 < metrics["explained_variance"] <= 1 and 0 <= metrics["dead_fraction"] < 1
    again = train_sae(acts, d_sae=128, k=8, steps=150, batch_size=256, progress=False)
    torch.testing.assert_close(again.W_dec, sae.W_dec)  # seeded
    sae.save(tmp_path / "trained")
    loaded = SAE.load(tmp_path / "trained")
    torch.testing.assert_close(loaded.encode(acts), sae.encode(acts))
    tokens = [str(i) for i in range(len(acts))]
    best = top_tokens(sae, acts, tokens, feature=int(sae.encode(acts).sum(0).argmax()), n=3)
    assert len(best) == 3 and best[0][1] >= best[-1][1] > 0
    with pytest.raises(ValueError, match="k must be"):
        train_sae(acts, d_sae=4, k=8)
