"""TransformerLens hook names, the export layout, per-head capture and ITI (tiny model)."""

from __future__ import annotations

import pytest
import torch

from sdialog.interpretability import (
    Inspector,
    iti_inspector,
    load_activations,
    rank_heads,
    resolve_target,
    split_heads,
    transformer_lens_name,
)
from sdialog.interpretability.export import export_activations
from tests.interpretability.conftest import PROMPTS


def test_transformer_lens_names_resolve_to_the_same_points(tiny_model):
    model, _ = tiny_model
    same = {
        "blocks.1.hook_resid_post": ("model.layers.1", "output"),
        "blocks.1.hook_resid_pre": ("model.layers.1", "input"),
        "blocks.0.hook_resid_mid": ("model.layers.0.post_attention_layernorm", "input"),
        "blocks.1.hook_attn_out": ("model.layers.1.self_attn", "output"),
        "blocks.1.hook_mlp_out": ("model.layers.1.mlp", "output"),
        "blocks.1.attn.hook_z": ("model.layers.1.self_attn.o_proj", "input"),
        "z:-1": ("model.layers.1.self_attn.o_proj", "input"),
        "hook_embed": ("embed_tokens", "output"),
    }
    for name, (path, kind) in same.items():
        target = resolve_target(model, name)
        assert (target.path, target.kind) == (path, kind), name
    assert transformer_lens_name("mlp:3") == "blocks.3.hook_mlp_out"
    assert transformer_lens_name(2) == "blocks.2.hook_resid_post"
    assert transformer_lens_name("model.layers.2") is None
    with pytest.raises(IndexError):
        resolve_target(model, "blocks.7.hook_resid_post")


def test_per_head_capture_is_the_output_projection_input(backend, tiny_model):
    model, _ = tiny_model
    heads = Inspector(
        {"z": "blocks.1.attn.hook_z", "attn": "attn:1", "tl": "blocks.1.hook_resid_post"}
    )
    plain = Inspector(1)
    backend.complete(PROMPTS[0], hooks=[heads, plain])
    z, attn = heads.input[0].acts["z"], heads.input[0].acts["attn"]
    with torch.inference_mode():
        projected = model.model.layers[1].self_attn.o_proj(z)
    torch.testing.assert_close(projected, attn, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(heads[0].acts["tl"], plain[0].acts)
    assert split_heads(z, 4).shape == (len(z), 4, 16)


def test_export_layout_lines_up_with_tokens(backend, tmp_path):
    inspector = Inspector({"r": "resid_post:1", "z": "z:0"})
    backend.complete_batch(PROMPTS[:2], hooks=[inspector])
    path = export_activations(inspector, tmp_path / "acts.safetensors", model="tiny")
    runs = load_activations(path)
    assert len(runs) == 2
    for run, response in zip(runs, inspector, strict=True):
        p, n = len(response.prompt), len(response)
        assert run["prompt_length"] == p and run["generated"] == response.ids
        assert run["tokens"].tolist() == response.prompt.ids + response.ids[:-1]
        resid, z = run["blocks.1.hook_resid_post"], run["blocks.0.attn.hook_z"]
        assert resid.shape == (p + n - 1, 64) and z.shape == (p + n - 1, 4, 16)
        torch.testing.assert_close(resid[p - 1], response[0].act["r"])  # chose token 0
        torch.testing.assert_close(resid[p:], response.acts["r"][1:])
    with pytest.raises(ValueError, match="prompt side"):
        export_activations(Inspector(1, capture_prompt=False), tmp_path / "x.safetensors")
    # a direction file is not an activations file
    from sdialog.interpretability import Direction

    Direction([1.0, 2.0]).save(tmp_path / "d.safetensors")
    with pytest.raises(ValueError, match="not an sdialog activations file"):
        load_activations(tmp_path / "d.safetensors")


def test_rank_heads_and_iti_intervention(backend):
    positive = [f"I love this, it is wonderful number {i}!" for i in range(8)]
    negative = [f"zzzz qqqq xxxx {i} ????" for i in range(8)]
    ranking = rank_heads(backend, positive, negative)
    assert len(ranking) == 2 * 4  # every (layer, head) of the tiny model
    assert ranking[0].accuracy >= ranking[-1].accuracy and ranking[0].accuracy > 0.5
    assert all(abs(float(torch.as_tensor(s.direction).norm()) - 1) < 1e-4 for s in ranking)
    steer = iti_inspector(ranking, k=2, alpha=5.0, capture="post")
    pre = iti_inspector(ranking, k=2, alpha=5.0, capture="pre")
    backend.complete(PROMPTS[1], hooks=[pre])
    backend.complete(PROMPTS[1], hooks=[steer])
    expected: dict[str, torch.Tensor] = {}
    for score in ranking[:2]:
        vector = expected.setdefault(f"z:{score.layer}", torch.zeros(4, 16))
        vector[score.head] += torch.as_tensor(score.direction) * 5.0 * score.sigma
    assert set(steer.targets) == set(expected)
    for nick, vector in expected.items():
        after = steer.input[0].acts_by_target[nick]
        shift = split_heads(after - pre.input[0].acts_by_target[nick], 4)
        # every position of the chosen heads moved by alpha * sigma * direction, no other head
        torch.testing.assert_close(shift, vector.expand_as(shift), atol=1e-4, rtol=1e-4)
