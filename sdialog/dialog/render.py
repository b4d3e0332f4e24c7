"""Pretty printing of dialogs with rich (used by ``Dialog.print``).

Text is passed to rich as plain ``Text`` objects, never as markup, so turns such as
``"[bold]"`` print literally. Turns without a speaker and events without an agent are fine.

Example:
    >>> from rich.console import Console
    >>> from sdialog.dialog import Dialog, Turn
    >>> console = Console(width=40, color_system=None)
    >>> with console.capture() as cap:
    ...     Dialog(id="x", turns=[Turn("A", "Hi"), Turn(text="(noise)")]).print(console=console)
    >>> "A: Hi" in cap.get() and "(noise)" in cap.get()
    True
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog.dialog import Dialog
    from sdialog.dialog.model import Event

__all__ = ["print_dialog"]

_PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "red", "bright_cyan", "bright_magenta")
_ORCHESTRATION = {"instruct", "instruct-persist", "request_suggestions"}
_HEADER_SKIP = {"turns", "events"}


def _as_text(value: Any) -> str:
    if isinstance(value, dict):  # leave out unset fields, e.g. of a Context
        value = {k: v for k, v in value.items() if v is not None}
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def print_dialog(
    dialog: Dialog,
    *,
    all: bool = False,
    think: bool = False,
    orchestration: bool = False,
    console: Any = None,
    scenario: bool = False,
) -> None:
    """Print ``dialog``; see :meth:`sdialog.dialog.Dialog.print` for the options."""
    from rich.console import Console
    from rich.text import Text

    console = console or Console()
    colours = {s: _PALETTE[i % len(_PALETTE)] for i, s in enumerate(dialog.get_speakers())}

    def wanted(event: Event) -> bool:
        if event.action == "utter":
            return False
        if all:
            return True
        return (think and event.action == "think") or (
            orchestration and event.action in _ORCHESTRATION
        )

    def turn_line(index: int) -> Text:
        turn = dialog.turns[index]
        if turn.speaker is None:
            return Text(turn.text)
        colour = colours.get(turn.speaker, "white")
        return Text.assemble((f"{turn.speaker}: ", f"bold {colour}"), turn.text)

    def event_line(event: Event) -> Text:
        kind = event.action if event.actionLabel is None else f"{event.action}/{event.actionLabel}"
        who = event.agent if event.agent is not None else "-"
        return Text.assemble(
            ("  ", ""),
            (f"({kind}) ", "italic dim"),
            (f"{who}: ", colours.get(event.agent or "", "dim")),
            (_as_text(event.content), "dim"),
        )

    console.rule(Text(f"Dialogue Begins · {dialog.id}"))
    if all:
        data = dialog.json()
        for key, value in data.items():
            if key in _HEADER_SKIP or value is None or value in ({}, []):
                continue
            console.print(Text.assemble((f"{key}: ", "bold"), _as_text(value)))
        console.rule()
    elif scenario and dialog.scenario is not None:
        console.print(Text.assemble(("scenario: ", "bold"), _as_text(dialog.scenario)))

    shown = [e for e in dialog.events if wanted(e)]
    if dialog._event_groups() is not None:
        next_turn = 0
        for event in dialog.events:
            if event.action == "utter":
                console.print(turn_line(next_turn))
                next_turn += 1
            elif wanted(event):
                console.print(event_line(event))
    else:
        for index in range(len(dialog.turns)):
            console.print(turn_line(index))
        if shown:
            console.rule(Text("Events", style="dim"))
            for event in shown:
                console.print(event_line(event))
    console.rule(Text("Dialogue Ends", style="dim"))
