"""prompt_style="transcript": a local model continues the conversation as `Name: text` lines."""

from __future__ import annotations

import pytest

from sdialog.agents import Agent
from sdialog.llm import ScriptedBackend
from sdialog.scenario import Scenario


def recording_backend():
    """A LocalBackend on the tiny model that keeps every prompt text it generates from."""
    from sdialog.llm import LocalBackend

    class Recording(LocalBackend):
        def _generate(self, prompts, *args, **kwargs):
            self.prompts.extend(prompts)
            return super()._generate(prompts, *args, **kwargs)

    backend = Recording("huggingface:tiny", temperature=0, max_tokens=24, cache=False)
    backend.prompts = []
    return backend


def test_a_local_agent_in_transcript_style_gets_name_lines_and_no_chat_template(tiny_model):
    recorder = recording_backend()
    patient = Agent(
        persona={"name": "Noah", "age": 66, "reason_for_visit": "trouble sleeping"},
        name="Patient",
        dialogue_details="Describe how you feel.",
        context={"location": "a consultation room"},
        model=recorder,
        prompt_style="transcript",
    )
    doctor = Agent(
        persona={"name": "Dr. Lee"},
        name="Doctor",
        first_utterance="Good morning, what brings you in?",
        model=ScriptedBackend(["How long has it been?", "I see."]),
    )
    dialog = doctor.dialog_with(patient, max_turns=4, seed=3)
    assert [t.speaker for t in dialog.turns] == ["Doctor", "Patient"] * 2
    assert all("\n" not in t.text for t in dialog.turns)
    first, second = recorder.prompts[0], recorder.prompts[-1]
    assert "<|im_start|>" not in first  # the tiny model's chat template was not used
    assert first.startswith(
        "The following is a conversation between Noah, the patient, and Dr. Lee, the doctor."
    )
    assert "Setting: location: a consultation room." in first
    assert "Noah's part: Describe how you feel." in first
    assert "About Noah: age: 66; reason_for_visit: trouble sleeping." in first
    assert first.endswith("\n\nDr. Lee: Good morning, what brings you in?\nNoah:")
    said = dialog.turns[1].text
    assert f"\nNoah: {said}\nDr. Lee: How long has it been?\nNoah:" in second


def test_instructions_appear_as_bracketed_notes_before_the_reply(tiny_model):
    recorder = recording_backend()
    bot = Agent(name="Bot", model=recorder, prompt_style="transcript")
    bot.instruct("Be brief.")
    bot("Hello?")
    assert recorder.prompts[-1].endswith("User: Hello?\n(Be brief.)\nBot:")


def test_remote_models_and_tool_users_keep_chatting():
    echo = Agent(name="Bot", model="scripted:echo", prompt_style="transcript")
    assert echo("Hi there") == "Hi there"  # a scripted (non-local) backend sees chat messages
    session = echo._session
    assert not session._transcript()

    def lookup(order_id: str) -> str:
        """Look an order up."""
        return "shipped"

    tool_user = Agent(name="Bot", model="scripted:echo", prompt_style="transcript", tools=[lookup])
    assert tool_user._session.transcript_header == ""


def test_an_unknown_prompt_style_is_an_error():
    with pytest.raises(ValueError, match="prompt_style"):
        Agent(name="Bot", model="scripted:echo", prompt_style="script")


def test_scenarios_pass_the_prompt_style_to_their_agents(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nagents:\n  - name: A\n    prompt_style: transcript\n  - name: B\n")
    first, second = Scenario.from_file(path).build_agents(1)
    assert (first.prompt_style, second.prompt_style) == ("transcript", "chat")
    path.write_text("name: s\nagents:\n  - name: A\n    prompt_style: poem\n  - name: B\n")
    with pytest.raises(Exception, match="prompt_style"):
        Scenario.from_file(path)


def test_scenario_example_dialogs_reach_both_prompt_styles(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nagents:\n"
        "  - name: A\n    prompt_style: transcript\n"
        '    example_dialogs: ["A: Hi.\\nB: Hello."]\n'
        '  - name: B\n    example_dialogs: ["A: Hi.\\nB: Hello."]\n'
    )
    first, second = Scenario.from_file(path).build_agents(1)
    assert "---\nA: Hi.\nB: Hello.\n---" in first.transcript_header_for("B")
    assert "---\nA: Hi.\nB: Hello.\n---" in second.system_prompt_for("A")
