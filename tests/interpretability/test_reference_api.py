"""The reference SDialog's Inspector API on the tiny model: operators steer the attached
inspector, steering_interval, add_agent / add_hooks / add_steering_function, vocab_size, clear."""

from __future__ import annotations

import pytest
import torch

from sdialog.agents import Agent
from sdialog.interpretability import DirectionSteerer, Inspector, Interval
from tests.interpretability.conftest import PROMPTS

HELLO = [{"role": "user", "content": "Hello"}]


@pytest.fixture
def unit():
    direction = torch.randn(64, generator=torch.Generator().manual_seed(5))
    return direction / direction.norm()


def _agent(backend, **kw):
    return Agent(name="A", model=backend, system_prompt="Hi.", max_tokens=6, **kw)


def _projection(acts, unit):
    return (acts.float() @ unit).abs()


def test_documented_pattern_steers_the_attached_inspector(backend, unit, no_hooks_left):
    inspector = Inspector(target=1)
    agent = _agent(backend) | inspector
    agent(HELLO)
    inspector = inspector - DirectionSteerer(unit)  # the reference docs' pattern
    agent(HELLO)
    assert len(inspector) == 2  # the attached inspector captured both replies...
    assert float(_projection(inspector[0].acts, unit).max()) > 1e-3
    assert float(_projection(inspector[1].acts, unit).max()) < 1e-5  # ...and steered the second
    inspector.clear()  # the reference documents clear() as "reset to remove steering"
    agent(HELLO)
    assert len(inspector) == 1 and not inspector.steerers
    assert float(_projection(inspector[0].acts, unit).max()) > 1e-3


def test_pipe_with_a_steered_inspector_leaves_the_caller_holding_the_captures(backend, unit):
    inspector = Inspector(target=1)
    agent = _agent(backend) | inspector - unit
    agent(HELLO)
    assert len(inspector) == 1 and float(_projection(inspector[0].acts, unit).max()) < 1e-5


def test_steering_interval_windows(backend, unit):
    def run(interval):
        inspector = Inspector(target=1, steering_interval=interval) - unit
        backend.complete(PROMPTS[0], max_tokens=6, hooks=[inspector])
        return _projection(inspector.input[0].acts, unit), _projection(inspector[0].acts, unit)

    prompt, reply = run((0, 2))  # the states that choose generated tokens 0 and 1 only
    assert float(prompt[:-1].min()) > 1e-4 and float(prompt[-1]) < 1e-5
    assert float(reply[:2].max()) < 1e-5 and float(reply[2:].min()) > 1e-4
    prompt, reply = run(("*", 0))  # every prompt token, no decode step
    assert float(prompt.max()) < 1e-5 and float(reply[1:].min()) > 1e-4
    prompt, reply = run((-3, "*"))  # the last three prompt tokens and every decode step
    assert float(prompt[-3:].max()) < 1e-5 and float(prompt[:-3].min()) > 1e-4
    assert float(reply.max()) < 1e-5
    assert Interval.of(("*", "*")) is None and Interval.of((0, -1)) == Interval(0, -1)
    with pytest.raises(ValueError, match="steering_interval"):
        Inspector(target=1, steering_interval=(0, 1, 2))
    with pytest.raises(ValueError, match="last"):
        Inspector(target=1, steering_interval=(0, -5))


def test_add_agent_hooks_steering_function_vocab_size(backend, tiny_model, unit):
    agent = _agent(backend)
    inspector = Inspector()  # targets may come later, as in the reference
    with pytest.raises(ValueError, match="attach"):
        _ = inspector.vocab_size
    inspector.add_agent(agent)
    assert agent.inspectors == [inspector] and inspector.vocab_size == len(tiny_model[1])
    inspector.add_agent(agent)  # idempotent
    assert agent.inspectors == [inspector]
    inspector.add_hooks({"late": "model.layers.1"})
    inspector.add_steering_function(lambda h: h - (h.float() @ unit)[..., None] * unit)
    agent(HELLO)
    assert set(inspector[0].acts_by_target) == {"late"}
    assert float(_projection(inspector[0].acts, unit).max()) < 1e-4
    built = Inspector("model.layers.0", agent=_agent(backend), steering_function=[lambda h: h])
    assert len(built.steerers) == 1 and built.agent.inspectors == [built]


def test_find_instructs_verbose_and_inspect_input(backend, capsys):
    inspector = Inspector(target="model.layers.1", inspect_input=True)
    pre = Inspector(target="resid_pre:1")
    messages = [*PROMPTS[2], {"role": "system", "content": "Be brief."}]
    backend.complete(messages, hooks=[inspector, pre])
    assert inspector.find_instructs(verbose=True) == [{"index": 0, "content": "Be brief."}]
    assert "Be brief." in capsys.readouterr().out
    torch.testing.assert_close(inspector[0].acts, pre[0].acts)


def test_inspectors_need_a_local_agent_for_add_agent():
    with pytest.raises(ValueError, match="need a local model"):
        Inspector(1).add_agent(Agent(name="A", model="scripted:hi"))
