"""Steering: ablation, addition, strength, positions, dtype, operators, late steering, caching."""

from __future__ import annotations

import pytest
import torch

from sdialog.interpretability import DirectionSteerer, FunctionSteerer, Inspector
from tests.interpretability.conftest import PROMPTS


@pytest.fixture
def direction():
    return torch.randn(64, generator=torch.Generator().manual_seed(3))


def test_ablated_activations_are_orthogonal_everywhere(backend, direction, no_hooks_left):
    inspector = Inspector(target=1) - direction
    backend.complete_batch(PROMPTS, hooks=[inspector])
    unit = direction / direction.norm()
    assert len(inspector) == 3  # every batch row
    for response in inspector:
        assert float((response.acts @ unit).abs().max()) < 1e-5  # every decode step
        assert float((response.prompt.acts @ unit).abs().max()) < 1e-5  # every prompt position


def test_addition_shifts_by_alpha_d_including_the_last_prompt_position(backend, direction):
    plain, pre = Inspector(target=0), (Inspector(target=0, capture="pre") + direction) * 3
    post = (Inspector(target=0, capture="post") + direction) * 3
    for inspector in (plain, pre, post):  # greedy: the two steered runs pick the same tokens
        backend.complete(PROMPTS[0], hooks=[inspector])
    assert pre[0].ids == post[0].ids
    # "pre" caching sees the unsteered state at every prompt position, like a plain run
    torch.testing.assert_close(pre.input[0].acts, plain.input[0].acts, atol=1e-5, rtol=1e-5)
    # ...and "post" the steered one: exactly + 3·d at every prompt position, the last included
    shift = post.input[0].acts - pre.input[0].acts
    torch.testing.assert_close(shift, (3 * direction).expand_as(shift), atol=1e-4, rtol=1e-4)
    # decode steps are consistent with the prompt: post - pre is 3·d there too
    decode_shift = post[0].acts - pre[0].acts
    torch.testing.assert_close(
        decode_shift, (3 * direction).expand_as(decode_shift), atol=1e-4, rtol=1e-4
    )


def test_ablation_strength_is_not_ignored(backend, direction):
    unit = direction / direction.norm()
    plain, half = Inspector(target=1), (Inspector(target=1) - direction) * 0.5
    backend.complete(PROMPTS[1], hooks=[plain])
    backend.complete(PROMPTS[1], hooks=[half])
    before = plain.input[0].acts @ unit
    after = half.input[0].acts @ unit
    torch.testing.assert_close(after, 0.5 * before, atol=1e-4, rtol=1e-4)


def test_generation_changes_under_steering(backend, direction):
    plain = backend.complete(PROMPTS[0], max_tokens=12).text
    steered = backend.complete(
        PROMPTS[0], max_tokens=12, hooks=[(Inspector(0, capture=False) + direction) * 8]
    ).text
    assert steered != plain


def test_operators_steer_the_inspector_itself(direction):
    base = Inspector(target=1)
    added = base + direction
    assert added is base and len(base.steerers) == 1
    assert (base * 4) is base and base.steerers[0].strength == 4.0
    copied = base.copy()
    copied -= direction
    assert (len(base.steerers), len(copied.steerers)) == (1, 2)
    assert copied.steerers[1].mode == "ablate"
    steerer = DirectionSteerer(direction)
    assert (steerer * 2).strength == 2.0 and steerer.strength == 1.0
    # with no steerer yet, * k sets the strength of the next one (the reference's order)
    pending = Inspector(target=1) * 3 + direction
    assert pending.steerers[0].strength == 3.0
    assert (pending + direction).steerers[1].strength == 1.0
    # steerer + inspector, steerer - inspector: the reference's operand order
    assert (steerer + Inspector(target=1)).steerers[0].mode == "add"
    assert (steerer - Inspector(target=1)).steerers[0].mode == "ablate"
    with pytest.raises(TypeError, match="cannot be subtracted"):
        base - (lambda h: h)


def test_steering_added_after_attaching_takes_effect(backend, direction, tiny_model):
    from sdialog.agents import Agent

    inspector = Inspector(target=1)
    agent = Agent(name="A", model=backend, system_prompt="Hi.", max_tokens=6) | inspector
    agent([{"role": "user", "content": "Hello"}])
    inspector -= direction  # in place, after attaching
    agent([{"role": "user", "content": "Hello"}])
    unit = direction / direction.norm()
    assert float((inspector[0].acts @ unit).abs().max()) > 1e-3
    assert float((inspector[1].acts @ unit).abs().max()) < 1e-5


def test_dtype_mismatch_is_handled(backend, tiny_model):
    model, _ = tiny_model
    model.to(torch.bfloat16)
    try:
        direction = torch.randn(64, dtype=torch.float64)
        ablate = Inspector(target=1) - direction
        add = Inspector(target="resid_pre:1", capture=False) + direction.numpy()
        backend.complete(PROMPTS[0], hooks=[add, ablate])
        unit = (direction / direction.norm()).float()
        assert ablate[0].acts.dtype == torch.bfloat16
        # bfloat16 storage rounds to ~3 significant digits of the activation's norm
        assert float((ablate[0].acts.float() @ unit).abs().max()) < 0.05
    finally:
        model.to(torch.float32)


def test_positions_and_intervals(backend, direction):
    unit = direction / direction.norm()
    prompt_only = Inspector(target=1).steer(direction, mode="ablate", positions="prompt")
    response_only = Inspector(target=1).steer(direction, mode="ablate", positions="response")
    first_three = Inspector(target=1).steer(direction, mode="ablate", positions=slice(0, 3))
    backend.complete(PROMPTS[0], hooks=[prompt_only])
    backend.complete(PROMPTS[0], hooks=[response_only])
    backend.complete(PROMPTS[0], hooks=[first_three])
    assert float((prompt_only.input[0].acts @ unit).abs().max()) < 1e-5
    assert float((prompt_only[0].acts[1:] @ unit).abs().min()) > 1e-4
    assert float((response_only.input[0].acts @ unit).abs().min()) > 1e-4
    assert float((response_only[0].acts[1:] @ unit).abs().max()) < 1e-5
    projected = (first_three.input[0].acts @ unit).abs()
    assert float(projected[:3].max()) < 1e-5 and float(projected[3:].min()) > 1e-4


def test_steering_functions_and_targets(backend):
    plain = Inspector({"a": 0, "b": 1})
    halved = plain.copy() + FunctionSteerer(lambda h: h * 0.5, target="a")
    backend.complete(PROMPTS[1], hooks=[plain])
    backend.complete(PROMPTS[1], hooks=[halved])
    a, b = halved.input[0].acts["a"], plain.input[0].acts["a"]
    torch.testing.assert_close(a, 0.5 * b)
    assert not torch.allclose(halved.input[0].acts["b"], plain.input[0].acts["b"])
    with pytest.raises(KeyError, match="not one of"):
        Inspector({"a": 0}).steer(torch.ones(64), target="zzz")


def test_wrong_width_is_a_clear_error_and_hooks_are_removed(backend, no_hooks_left):
    inspector = Inspector(target=1) + torch.ones(10)
    with pytest.raises(ValueError, match="10 dimensions"):
        backend.complete(PROMPTS[1], hooks=[inspector])
    assert len(inspector) == 0 and not inspector._pending
