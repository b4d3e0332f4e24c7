"""Orchestrators steer an agent from outside its prompt, turn by turn or event by event.

- :class:`BaseOrchestrator` — the contract: ``instruct(dialog, utterance)`` before each reply,
  ``on_event(dialog, event)`` for tool activity, ``reset(seed)``, ``fork(seed)``, ``json()``.
- :class:`BasePersistentOrchestrator` — instructions stay in the agent's memory.
- :class:`SimpleReflexOrchestrator` — a condition on the last utterance → an instruction.
- :class:`LengthOrchestrator` — not before ``min`` turns, at the latest at ``max``.
- :class:`ChangeMindOrchestrator` — seeded, bounded changes of mind.
- :class:`InstructionListOrchestrator` — the ``i``-th instruction at the owner's ``i``-th turn.
- :class:`SimpleResponseOrchestrator` — the closest canned responses by embedding similarity.
- :class:`ToolEventOrchestrator` — instructions on tool calls, outputs and errors.

Importing this package loads no model and no heavy library.

Example:
    >>> from sdialog.dialog import Dialog, Turn
    >>> from sdialog.orchestrators import LengthOrchestrator
    >>> o = LengthOrchestrator(min=3, target_speaker="Bot")
    >>> o.instruct(Dialog(turns=[Turn("Bot", "Hi"), Turn("User", "Bye")]), "Bye")
    'Do not end the conversation yet: keep it going with a relevant reply or question.'
"""

from __future__ import annotations

from sdialog.orchestrators.base import (
    BaseOrchestrator,
    BasePersistentOrchestrator,
    OrchestratorOutput,
)
from sdialog.orchestrators.change_mind import ChangeMindOrchestrator
from sdialog.orchestrators.instruction_list import InstructionListOrchestrator
from sdialog.orchestrators.length import LengthOrchestrator
from sdialog.orchestrators.reflex import SimpleReflexOrchestrator
from sdialog.orchestrators.response import SimpleResponseOrchestrator
from sdialog.orchestrators.tool_events import ToolEventOrchestrator

__all__ = [
    "BaseOrchestrator",
    "BasePersistentOrchestrator",
    "ChangeMindOrchestrator",
    "InstructionListOrchestrator",
    "LengthOrchestrator",
    "OrchestratorOutput",
    "SimpleReflexOrchestrator",
    "SimpleResponseOrchestrator",
    "ToolEventOrchestrator",
]
