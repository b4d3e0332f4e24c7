"""Agent behaviour on the scripted backend: one test per reference-toolkit defect and contract."""

from __future__ import annotations

import json

import pytest

from sdialog.agents import END_MARKER, Agent, final_response_tool
from sdialog.dialog import Instruction
from sdialog.llm import Completion, ScriptedBackend, ToolCall
from sdialog.orchestrators import BasePersistentOrchestrator, LengthOrchestrator


def scripted(*replies, **kw):
    return ScriptedBackend(list(replies), **kw)


def pair(a_replies, b_replies, **kw):
    return Agent(name="Ana", model=scripted(*a_replies), **kw), Agent(
        name="Ben", model=scripted(*b_replies)
    )


def test_postprocess_runs_exactly_once_per_reply():
    ana, ben = pair(["hi"], ["yo"])
    ana.postprocess_fn = lambda text: text + "!"
    ben.preprocessing_fn = lambda text: text + "?"
    dialog = ana.dialog_with(ben, max_turns=3, seed=1)
    assert [t.text for t in dialog.turns] == ["hi!", "yo", "hi!"]
    assert ben.memory[1]["content"] == "hi!?"  # pre-processing once too


@pytest.mark.parametrize("max_turns", [1, 2, 3, 5, 7])
def test_max_turns_is_exact(max_turns):
    ana, ben = pair(["a"], ["b"])
    dialog = ana.dialog_with(ben, max_turns=max_turns, seed=1)
    assert len(dialog) == max_turns and dialog.complete is False


def test_only_the_explicit_marker_ends_the_dialog():
    ana, ben = pair(
        ["Meet me at the BUS STOP.", f"See you there. {END_MARKER}"], ["OK, STOP talking."]
    )
    dialog = ana.dialog_with(ben, max_turns=10, seed=1)
    assert [t.text for t in dialog.turns] == [
        "Meet me at the BUS STOP.",
        "OK, STOP talking.",
        "See you there.",
    ]
    assert dialog.complete is True


def test_can_finish_false_ignores_the_marker():
    ana, ben = pair([f"bye {END_MARKER}"], ["ok"], can_finish=False)
    dialog = ana.dialog_with(ben, max_turns=3, seed=1)
    assert len(dialog) == 3 and dialog.complete is False


def test_seed_and_per_speaker_models_are_recorded():
    ana = Agent(name="Ana", model=scripted("a"), temperature=0.3)
    ben = Agent(name="Ben", model=ScriptedBackend(["b"], model="scripted:other"))
    dialog = ana.dialog_with(ben, max_turns=2, seed=1234)
    assert dialog.seed == 1234
    assert set(dialog.model) == {"Ana", "Ben"}
    assert dialog.model["Ana"]["seed"] == 1234
    assert dialog.model["Ana"]["params"]["temperature"] == 0.3
    assert dialog.model["Ben"]["model"] == "scripted:other"


def test_same_name_agents_do_not_collide():
    a = Agent(persona={"name": "Alex", "role": "nurse"}, model=scripted("x"))
    b = Agent(persona={"name": "Alex", "role": "patient"}, model=scripted("y"))
    dialog = a.dialog_with(b, max_turns=2, seed=1)
    assert dialog.get_speakers() == ["Alex", "Alex (2)"]
    assert (
        dialog.personas["Alex"]["role"] == "nurse"
        and dialog.personas["Alex (2)"]["role"] == "patient"
    )


def test_stateless_call_leaves_messages_and_memory_alone():
    ana = Agent(name="Ana", model=ScriptedBackend.echo())
    messages = [{"role": "user", "content": "ping"}]
    snapshot = json.dumps(messages)
    assert ana(messages) == "ping"
    assert json.dumps(messages) == snapshot
    assert [m["role"] for m in ana.memory] == ["system"]
    assert ana("hello") == "hello"
    assert [m["role"] for m in ana.memory] == ["system", "user", "assistant"]


def test_instruct_without_system_prompt_and_persistence():
    backend = ScriptedBackend.echo()
    ana = Agent(name="Ana", system_prompt="", model=backend)
    ana.instruct("be brief")
    ana("one")
    assert {"role": "system", "content": "be brief"} in backend.calls[-1]
    ana("two")
    assert {"role": "system", "content": "be brief"} not in backend.calls[-1]
    ana.instruct("always polite", persist=True)
    ana.instruct("always polite", persist=True)
    ana("three")
    ana("four")
    assert backend.calls[-1].count({"role": "system", "content": "always polite"}) == 1


def test_persistent_orchestrator_stays_and_does_not_pile_up():
    class Formal(BasePersistentOrchestrator):
        def __init__(self):
            super().__init__()  # the reference toolkit lost persistence here

        def instruct(self, dialog, utterance):
            return "Speak formally."

    backend = ScriptedBackend(["ok"])
    ana = Agent(name="Ana", model=backend) | Formal()
    ben = Agent(name="Ben", model=scripted("sure"))
    dialog = ana.dialog_with(ben, max_turns=5, seed=1)
    last_call = backend.calls[-1]
    assert last_call.count({"role": "system", "content": "Speak formally."}) == 1
    actions = [e.action for e in dialog.events if e.agent == "Formal"]
    assert actions == ["instruct-persist"]


def test_orchestrator_instructions_are_per_turn_events():
    ana = Agent(name="Ana", model=scripted("a")) | [LengthOrchestrator(max=2)]
    ben = Agent(name="Ben", model=scripted("b"))
    dialog = ana.dialog_with(ben, max_turns=4, seed=1)
    instructed = [e for e in dialog.events if e.action == "instruct"]
    assert instructed and all(e.agent == "LengthOrchestrator" for e in instructed)


def test_pipe_returns_a_new_agent_and_rejects_non_orchestrators():
    ana = Agent(name="Ana", model=scripted("a"))
    piped = ana | LengthOrchestrator(max=3)
    assert piped is not ana and ana.orchestrators == [] and len(piped.orchestrators) == 1
    with pytest.raises(TypeError, match="expected an orchestrator"):
        ana | [object()]


def test_failing_tool_is_fed_back_and_dialog_continues():
    def lookup(order_id: str) -> str:
        """Find an order."""
        raise KeyError(order_id)

    backend = scripted(
        ToolCall(id="c1", name="lookup", arguments={"order_id": "42"}), "Sorry, I can't find it."
    )
    ana = Agent(name="Ana", model=backend, tools=[lookup])
    ben = Agent(name="Ben", model=scripted("Thanks anyway."))
    dialog = ana.dialog_with(ben, max_turns=2, seed=1)
    assert [t.text for t in dialog.turns] == ["Sorry, I can't find it.", "Thanks anyway."]
    output = next(e for e in dialog.events if e.actionLabel == "output")
    assert "KeyError" in output.content["error"]
    tool_message = backend.calls[1][-1]
    assert tool_message["role"] == "tool" and tool_message["content"].startswith("error:")


def test_final_response_tool_output_is_the_reply():
    @final_response_tool
    def answer(text: str) -> str:
        """Say this."""
        return text.upper()

    ana = Agent(
        name="Ana",
        model=scripted(ToolCall(id="c", name="answer", arguments={"text": "done"})),
        tools=[answer],
    )
    events = ana("go", return_events=True)
    assert [e.action for e in events] == ["tool", "tool", "utter"] and events[-1].content == "DONE"


def test_think_is_captured_and_kept_out_of_turns():
    ana, ben = pair(["<think>He looks tired.</think> Coffee?"], ["Yes."], think=True)
    dialog = ana.dialog_with(ben, max_turns=2, seed=1)
    assert dialog.turns[0].text == "Coffee?"
    thoughts = [e for e in dialog.events if e.action == "think"]
    assert thoughts[0].content == "He looks tired." and thoughts[0].agent == "Ana"
    remote_style = Agent(name="R", model=scripted(Completion(text="Hi", reasoning="plan")))
    events = remote_style("x", return_events=True)
    assert [(e.action, e.content) for e in events] == [("think", "plan"), ("utter", "Hi")]


def test_degenerate_replies_are_retried():
    backend = scripted("", "Ana: hello", "hello")  # empty, then fine after the name prefix strip
    ana = Agent(name="Ana", model=backend)
    assert ana("hi") == "hello"
    repeat = Agent(name="Ana", model=scripted("same", "same", "new"))
    ben = Agent(name="Ben", model=scripted("b"))
    dialog = repeat.dialog_with(ben, max_turns=3, seed=1)
    assert [t.text for t in dialog.turns] == ["same", "b", "new"]


class _RecordingBackend(ScriptedBackend):
    """Remembers the temperature of every call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.temperatures = []

    def _complete_batch(self, conversations, **kwargs):
        self.temperatures.append(kwargs.get("temperature"))
        return super()._complete_batch(conversations, **kwargs)


def test_greedy_agents_retry_with_sampling():
    # at temperature 0 a new seed would only write the unusable reply again
    backend = _RecordingBackend(["", "", "fine"])
    assert Agent(name="Ana", model=backend, temperature=0)("hi") == "fine"
    assert backend.temperatures == [0, 0.7, 0.7]
    warm = _RecordingBackend(["", "fine"])
    assert Agent(name="Ana", model=warm, temperature=0.9)("hi") == "fine"
    assert warm.temperatures == [0.9, 0.9]  # already sampling: left alone


def test_first_utterance_and_reset():
    ana = Agent(name="Ana", model=scripted("later"), first_utterance=["Hello!", "Hi!"])
    ben = Agent(name="Ben", model=ScriptedBackend.echo())
    dialog = ana.dialog_with(ben, max_turns=2, seed=3)
    assert (
        dialog.turns[0].text in ("Hello!", "Hi!") and dialog.turns[1].text == dialog.turns[0].text
    )
    again = ana.dialog_with(ben, max_turns=2, seed=3)
    assert again.turns[0].text == dialog.turns[0].text
    ana.reset(seed=9)
    assert [m["role"] for m in ana.memory] == ["system"]


def test_persona_prompt_and_json():
    ana = Agent(
        persona={"name": "Ana", "role": "a barista", "mood": "cheerful"}, model=scripted("x")
    )
    assert ana.name == "Ana"
    prompt = ana.prompt()
    assert (
        "You are Ana, a barista, talking with the user." in prompt
        and "mood: cheerful" in prompt
        and END_MARKER in prompt
    )
    data = ana.json()
    assert data["name"] == "Ana" and data["persona"]["mood"] == "cheerful"
    assert json.loads(ana.json(string=True))["model"]["backend"] == "scripted"


def test_instruction_objects_carry_their_events():
    from sdialog.dialog import Event
    from sdialog.orchestrators import BaseOrchestrator

    class Suggest(BaseOrchestrator):
        def instruct(self, dialog, utterance):
            return Instruction(
                text="Offer a refund.", events=[Event(action="request_suggestions", content="x")]
            )

    ana = Agent(name="Ana", model=scripted("ok")) | Suggest()
    events = ana("hi", return_events=True)
    assert [e.action for e in events] == ["request_suggestions", "instruct", "utter"]


def test_reply_cut_by_the_token_budget_loses_its_fragment():
    ana = Agent(
        name="Ana", model=scripted(Completion(text="Sure. We also have", finish_reason="length"))
    )
    assert ana("hi") == "Sure."
