"""Capture: shapes, counts, token alignment against a manual forward, batching, targets."""

from __future__ import annotations

import pytest
import torch

from sdialog.interpretability import Inspector, decoder_layers, resolve_target
from tests.interpretability.conftest import PROMPTS


def test_capture_shapes_and_counts(backend, no_hooks_left):
    inspector = Inspector(target=0, top_k=3)
    completions = backend.complete_batch(PROMPTS, hooks=[inspector])
    assert len(inspector) == 3
    for response, completion in zip(inspector, completions, strict=True):
        assert response.acts.shape == (len(response), 64)
        assert len(response) >= completion.usage.completion_tokens
        assert inspector.input[len(inspector.responses) - 3].acts.shape[1] == 64
        assert len(response.prompt) == completion.usage.prompt_tokens
        assert response[0].act.shape == (64,)
        assert len(response[0].top_k) == 3
        assert response.text.startswith(completion.text[:5])
    backend.complete(PROMPTS[1], hooks=[inspector])
    assert len(inspector) == 4
    inspector.clear()
    assert len(inspector) == 0


def test_token_semantics_match_a_manual_forward(backend, tiny_model):
    """inspector[i][k].act is the state whose logits chose token k (layer-0 output)."""
    model, _ = tiny_model
    inspector = Inspector(target="model.layers.0", top_k=2)
    backend.complete(PROMPTS[2], hooks=[inspector])
    response = inspector[0]
    ids = torch.tensor([response.prompt.ids + response.ids[:-1]])
    with torch.inference_mode():
        out = model(input_ids=ids, output_hidden_states=True)
    hidden = out.hidden_states[1][0]  # output of decoder layer 0
    p = len(response.prompt)
    torch.testing.assert_close(response.acts, hidden[p - 1 :], atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(response.prompt.acts, hidden[:p], atol=1e-4, rtol=1e-4)
    assert torch.equal(inspector.input[0][-1].act, response[0].act)
    chosen = out.logits[0, p - 1 :].argmax(dim=-1).tolist()
    assert chosen == response.ids  # greedy: the state at k chose token k
    assert response[1].top_k[0][0] == response[1].token


def test_batched_capture_equals_unbatched(backend, no_hooks_left):
    batched = Inspector(target=[1, "resid_pre:1"])
    backend.complete_batch(PROMPTS, hooks=[batched])  # sorted by length, chunks of 2
    for i, messages in enumerate(PROMPTS):
        single = Inspector(target=[1, "resid_pre:1"])
        backend.complete(messages, hooks=[single])
        assert single[0].ids == batched[i].ids
        for nick in ("1", "resid_pre:1"):
            a, b = single[0].acts_by_target[nick], batched[i].acts_by_target[nick]
            torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)
            torch.testing.assert_close(
                single.input[0].acts[nick], batched.input[i].acts[nick], atol=1e-4, rtol=1e-4
            )


def test_padding_is_never_captured(backend):
    inspector = Inspector(target=0)
    completions = backend.complete_batch(PROMPTS, hooks=[inspector])
    lengths = [len(r.prompt) for r in inspector]
    assert lengths == [c.usage.prompt_tokens for c in completions]
    assert len(set(lengths)) == 3  # different prompt lengths: the batch was padded


def test_multi_target_nicknames_and_shorthands(backend, tiny_model):
    inspector = Inspector(
        target={"pre": "resid_pre:1", "post0": 0, "mlp": "mlp:-1", "attn": "attn:1"}
    )
    backend.complete(PROMPTS[1], hooks=[inspector])
    token = inspector[0][0]
    assert set(token.act) == {"pre", "post0", "mlp", "attn"}
    # the input of layer 1 is the output of layer 0
    torch.testing.assert_close(token["pre"], token["post0"])
    assert token["mlp"].shape == (64,)
    resolved = inspector.resolve(tiny_model[0])
    assert resolved["mlp"].path == "model.layers.1.mlp"
    assert resolved["attn"].path == "model.layers.1.self_attn"


def test_layer_discovery_is_structural(tiny_model):
    model, _ = tiny_model
    assert decoder_layers(model)[0] == "model.layers"
    assert resolve_target(model, -1).path == "model.layers.1"
    with pytest.raises(LookupError, match=r"close matches: model\.layers\.1"):
        resolve_target(model, "model.layer.1")
    with pytest.raises(IndexError, match="out of range"):
        resolve_target(model, 7)
    with pytest.raises(LookupError, match="kind in"):
        resolve_target(model, "resid_middle:1")


def test_layer_discovery_on_gpt2_and_neox_shapes():
    from transformers import GPT2Config, GPT2LMHeadModel, GPTNeoXConfig, GPTNeoXForCausalLM

    gpt2 = GPT2LMHeadModel(GPT2Config(n_layer=3, n_embd=32, n_head=2, vocab_size=50))
    assert resolve_target(gpt2, 2).path == "transformer.h.2"
    assert resolve_target(gpt2, "mlp:0").path == "transformer.h.0.mlp"
    assert resolve_target(gpt2, "attn:0").path == "transformer.h.0.attn"
    neox = GPTNeoXForCausalLM(
        GPTNeoXConfig(
            num_hidden_layers=2, hidden_size=32, num_attention_heads=2, intermediate_size=64,
            vocab_size=50,
        )
    )  # fmt: skip
    assert resolve_target(neox, "attn:1").path == "gpt_neox.layers.1.attention"


def test_bad_targets_are_clear_errors():
    with pytest.raises(TypeError, match="Inspector target"):
        Inspector(target=1.5)
    with pytest.raises(ValueError, match="top_k"):
        Inspector(target=1, top_k=0)
    with pytest.raises(ValueError, match="capture"):
        Inspector(target=1, capture="sometimes")


def test_compact_dtype_and_recap(backend):
    inspector = Inspector(target=1, dtype=torch.float16)
    backend.complete(PROMPTS[0], hooks=[inspector])
    assert inspector[0].acts.dtype == torch.float16
    assert inspector[0].acts.device.type == "cpu"
    text = inspector.recap()
    assert "responses: 1" in text and "steer: none" in text


def test_find_instructs(backend):
    inspector = Inspector(target=1)
    messages = [*PROMPTS[2], {"role": "system", "content": "Be brief."}]
    backend.complete_batch([messages, PROMPTS[1]], hooks=[inspector])
    assert inspector.find_instructs() == [{"index": 0, "content": "Be brief."}]
