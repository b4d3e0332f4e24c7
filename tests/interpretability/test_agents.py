"""Inspectors on agents: scope (owning agent only), lock-step batching, memory, composition."""

from __future__ import annotations

import gc
import warnings

import pytest
import torch

from sdialog.agents import Agent
from sdialog.interpretability import Inspector
from sdialog.llm import LocalBackend
from sdialog.simulation import simulate


def _counted(backend):
    """Count the rows each backend generates (wraps the instance's _complete_batch)."""
    rows = []
    original = backend._complete_batch

    def counting(conversations, **kw):
        rows.append(len(conversations))
        return original(conversations, **kw)

    backend._complete_batch = counting
    return rows


def _agents(**kw):
    a = LocalBackend("huggingface:tiny", temperature=0.8, max_tokens=6, cache=False)
    b = LocalBackend("huggingface:tiny", temperature=0.8, max_tokens=6, cache=False)
    return Agent(name="Ana", model=a, **kw), Agent(name="Ben", model=b)


def test_hooks_fire_only_for_the_owning_agent(tiny_model, no_hooks_left):
    ana, ben = _agents()
    inspector = Inspector(target=1)
    ana = ana | inspector
    ana_rows, ben_rows = _counted(ana.backend), _counted(ben.backend)
    ana.dialog_with(ben, max_turns=4, seed=3)
    assert sum(ben_rows) >= 2 and len(inspector) == sum(ana_rows) >= 2
    # a judge / lookahead call on the same backend and model is not captured
    ana.backend.complete([{"role": "user", "content": "Judge this."}])
    assert len(inspector) == sum(ana_rows) - 1


def test_batched_lock_step_simulation_captures_and_steers_every_row(tiny_model):
    direction = torch.randn(64, generator=torch.Generator().manual_seed(1))
    unit = direction / direction.norm()
    ana, ben = _agents()
    inspector = Inspector(target=1) - direction
    ana = ana | inspector
    ana_rows = _counted(ana.backend)
    dialogs = simulate(ana, ben, n=4, max_turns=4, seed=7)
    assert len(dialogs) == 4 and max(ana_rows) > 1  # rows really went out in batches
    assert len(inspector) == sum(ana_rows)
    for response in inspector:
        assert float((response.acts @ unit).abs().max()) < 1e-5
        assert float((response.prompt.acts @ unit).abs().max()) < 1e-5


def test_agent_or_list_of_inspectors_and_constructor(tiny_model):
    first, second = Inspector(target=0), Inspector(target="mlp:1", top_k=2)
    ana, _ = _agents()
    both = ana | [first, second]
    assert ana.inspectors == [] and both.inspectors == [first, second]
    both([{"role": "user", "content": "Hi"}])
    assert len(first) == len(second) == 1
    built = Agent(name="X", model=ana.backend, inspectors=first)
    built([{"role": "user", "content": "Hi"}])
    assert len(first) == 2
    assert "hooks" not in built.backend.provenance(built.call_params("X", "Y"))["params"]


def test_inspectors_need_a_local_model():
    with pytest.raises(ValueError, match="need a local model"):
        Agent(name="A", model="scripted:hi") | Inspector(target=1)
    with pytest.raises(TypeError, match="expected an Inspector"):
        Agent(name="A", model="scripted:hi", inspectors=[object()])


def _tensors() -> int:
    gc.collect()
    with warnings.catch_warnings():  # isinstance() on deprecated torch proxies warns
        warnings.simplefilter("ignore")
        return sum(1 for o in gc.get_objects() if isinstance(o, torch.Tensor))


def test_no_memory_growth_across_100_responses(tiny_model, no_hooks_left):
    backend = LocalBackend("huggingface:tiny", temperature=0, max_tokens=4, cache=False)
    prompts = [[{"role": "user", "content": f"Question {i}?"}] for i in range(20)]
    steer_only = Inspector(target=1, capture=False) + torch.ones(64)
    backend.complete_batch(prompts, hooks=[steer_only])  # warm-up
    baseline = _tensors()
    for _ in range(5):  # 100 responses
        backend.complete_batch(prompts, hooks=[steer_only])
    assert _tensors() <= baseline and len(steer_only) == 0
    capturing = Inspector(target=1, capture_prompt=False)
    for _ in range(5):
        backend.complete_batch(prompts, hooks=[capturing])
    assert len(capturing) == 100
    # stored: exactly one compact [tokens, 64] tensor per response, nothing else retained
    assert _tensors() - baseline == 100
    capturing.clear()
    assert _tensors() <= baseline
