"""What a small model writes around its line is cleaned off: name labels, stage directions, and
sentences past the two the default instructions ask for."""

from __future__ import annotations

from sdialog.agents import Agent
from sdialog.llm import ScriptedBackend


def reply(text: str) -> str:
    doctor = Agent(persona={"name": "Dr. Lee"}, name="Doctor", model=ScriptedBackend(["Hello."]))
    patient = Agent(persona={"name": "Noah"}, name="Patient", model=ScriptedBackend([text]))
    return doctor.dialog_with(patient, max_turns=2, seed=1).turns[1].text


def test_labels_and_stage_directions_are_dropped_and_two_sentences_kept():
    assert reply("Noah: Hi (smiling) Dr. Lee. I sleep badly! It hurts *sighs*. Also...") == (
        "Hi Dr. Lee. I sleep badly!"
    )
    assert reply("Dr. Lee: I can't sleep.") == "I can't sleep."
    assert reply("Patient: Fine, thanks.") == "Fine, thanks."


def test_custom_response_details_keep_the_whole_reply():
    doctor = Agent(persona={"name": "Dr. Lee"}, name="Doctor", model=ScriptedBackend(["Hello."]))
    patient = Agent(
        persona={"name": "Noah"},
        name="Patient",
        response_details="Tell a long story.",
        model=ScriptedBackend(["One. Two. Three (smiling)."]),
    )
    dialog = doctor.dialog_with(patient, max_turns=2, seed=1)
    assert dialog.turns[1].text == "One. Two. Three (smiling)."
