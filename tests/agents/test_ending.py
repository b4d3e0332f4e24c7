"""How dialogs end: the [END] marker, or a closing farewell once the dialog is under way."""

from __future__ import annotations

from sdialog.agents import Agent
from sdialog.llm import ScriptedBackend


def talk(first_lines, second_lines, max_turns=8):
    ana = Agent(name="Ana", model=ScriptedBackend(first_lines, cycle=False))
    ben = Agent(name="Ben", model=ScriptedBackend(second_lines, cycle=False))
    return ana.dialog_with(ben, max_turns=max_turns, seed=1)


def test_a_farewell_ends_the_dialog_from_the_fourth_turn():
    dialog = talk(
        ["How is your back?", "Rest it for a week and call me."],
        ["It hurts when I bend.", "Thank you, doctor. Goodbye!"],
    )
    assert [t.text for t in dialog.turns][-1] == "Thank you, doctor. Goodbye!"
    assert len(dialog) == 4 and dialog.complete


def test_an_early_or_embedded_goodbye_does_not_end_it():
    dialog = talk(
        ["Bye!", "I said goodbye to my old job.", "Good.", "Fine."],
        ["Wait, what?", "Why?", "Sure.", "Okay."],
        max_turns=6,
    )
    assert len(dialog) == 6 and not dialog.complete
