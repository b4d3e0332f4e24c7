"""PersonaDialogGenerator: one LLM writing from two personas, or two Agents really talking."""

from __future__ import annotations

import json

import pytest

from sdialog.agents import Agent
from sdialog.generators import PersonaDialogGenerator
from sdialog.llm import ScriptedBackend
from sdialog.personas import Doctor, Patient

REPLY = {
    "turns": [
        {"speaker": "Dr. Lee", "text": "What brings you in?"},
        {"speaker": "Emma", "text": "A sore throat."},
    ]
}


def test_two_personas_one_model_writes_the_dialog():
    backend = ScriptedBackend([json.dumps(REPLY)])
    generator = PersonaDialogGenerator(
        Doctor(name="Dr. Lee", specialty="family medicine"), Patient(name="Emma"), model=backend
    )
    dialog = generator.generate(seed=3)
    assert [t.speaker for t in dialog.turns] == ["Dr. Lee", "Emma"]
    assert set(dialog.personas) == {"Dr. Lee", "Emma"}
    prompt = json.dumps(backend.calls[0])
    assert "family medicine" in prompt and dialog.seed == 3


def test_two_agents_run_a_real_simulation_batched():
    backend = ScriptedBackend(lambda m: f"{m[0]['content'][:11]} {len(m)}")
    a, b = Agent(name="A", model=backend), Agent(name="B", model=backend)
    dialogs = PersonaDialogGenerator(a, b, max_turns=4).generate(seed=10, n=3)
    assert [d.seed for d in dialogs] == [10, 11, 12]
    assert all(len(d) == 4 and d.get_speakers() == ["A", "B"] for d in dialogs)


def test_mixing_an_agent_and_a_persona_is_an_error():
    with pytest.raises(TypeError, match="two Agents"):
        PersonaDialogGenerator(Agent(name="A", model=ScriptedBackend(["x"])), {"name": "B"})
