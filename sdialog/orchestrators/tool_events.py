""":class:`ToolEventOrchestrator`: instructions triggered by tool calls and tool outputs.

Example:
    >>> from sdialog.dialog import Dialog, Event
    >>> o = ToolEventOrchestrator(on_error="The {name} tool failed ({error}); apologise.")
    >>> failed = Event(agent="Bot", action="tool", actionLabel="output",
    ...                content={"name": "refund", "output": None, "call_id": "c1",
    ...                         "error": "timeout"})
    >>> o.on_event(Dialog(), failed)
    'The refund tool failed (timeout); apologise.'
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from sdialog.dialog import Dialog, Event
from sdialog.orchestrators.base import BaseOrchestrator, OrchestratorOutput, _call, _takes_two

__all__ = ["ToolEventOrchestrator"]

Reaction = str | Callable[..., Any]
"""A template string or ``callable(event)`` / ``callable(dialog, event)``."""

_FIELD = re.compile(r"\{(name|args|output|error)\}")


class ToolEventOrchestrator(BaseOrchestrator):
    """React to the owner's tool events (``action="tool"``) with instructions.

    - ``on_call``: ``{tool_name: reaction}`` for tool *calls* (``actionLabel="call"``).
    - ``on_tool``: ``{tool_name: reaction}`` for tool *outputs* (``actionLabel="output"``),
      successful or not.
    - ``on_error``: a reaction, or ``{tool_name: reaction}``, for outputs that carry an
      ``"error"``; it takes precedence over ``on_tool`` for those.

    The key ``"*"`` matches any tool. A reaction is a string, in which ``{name}``, ``{args}``,
    ``{output}`` and ``{error}`` are replaced by the event's values (other braces are left alone),
    or a callable taking ``(event)`` or ``(dialog, event)`` and returning a string, an
    :class:`~sdialog.dialog.Instruction` or ``None``. Other events get ``None``, and so does
    :meth:`instruct`: this orchestrator only reacts to events.

    Example:
        >>> from sdialog.dialog import Dialog, Event
        >>> o = ToolEventOrchestrator(
        ...     on_call={"transfer": "Tell the user the transfer is being made."},
        ...     on_tool={"*": lambda event: f"Report the result of {event.content['name']}."},
        ... )
        >>> call = Event("Bot", "tool", "call", {"name": "transfer", "args": {}, "id": "1"})
        >>> o.on_event(Dialog(), call)
        'Tell the user the transfer is being made.'
        >>> out = Event("Bot", "tool", "output", {"name": "balance", "output": 3, "call_id": "2"})
        >>> o.on_event(Dialog(), out)
        'Report the result of balance.'
    """

    def __init__(
        self,
        on_tool: Mapping[str, Reaction] | None = None,
        on_error: Reaction | Mapping[str, Reaction] | None = None,
        on_call: Mapping[str, Reaction] | None = None,
        target_speaker: str | None = None,
    ) -> None:
        if on_tool is None and on_error is None and on_call is None:
            raise ValueError("give at least one of on_tool, on_error or on_call")
        if on_error is not None and not isinstance(on_error, Mapping):
            on_error = {"*": on_error}
        tables = {"on_tool": on_tool, "on_error": on_error, "on_call": on_call}
        for label, table in tables.items():
            if table is None:
                continue
            if not isinstance(table, Mapping):
                raise TypeError(f"{label} must be a dict tool_name -> reaction; got {table!r}")
            for key, reaction in table.items():
                if not (isinstance(reaction, str) or callable(reaction)):
                    raise TypeError(
                        f"{label}[{key!r}] must be a string or a callable; got {reaction!r}"
                    )
        super().__init__(target_speaker)
        self.on_tool = dict(on_tool) if on_tool is not None else None
        self.on_error = dict(on_error) if on_error is not None else None
        self.on_call = dict(on_call) if on_call is not None else None

    def on_event(self, dialog: Dialog, event: Event) -> OrchestratorOutput:
        """The reaction to a tool call/output event, or ``None``.

        Example:
            >>> from sdialog.dialog import Dialog, Event
            >>> o = ToolEventOrchestrator(on_tool={"search": "Cite the {name} results."})
            >>> o.on_event(Dialog(), Event("Bot", "utter", content="Hi")) is None
            True
        """
        if event.action != "tool" or not isinstance(event.content, Mapping):
            return None
        name = event.content.get("name")
        if event.actionLabel == "call":
            reaction = _lookup(self.on_call, name)
        elif event.actionLabel == "output":
            reaction = None
            if event.content.get("error") is not None:
                reaction = _lookup(self.on_error, name)
            if reaction is None:
                reaction = _lookup(self.on_tool, name)
        else:
            return None
        if reaction is None:
            return None
        if isinstance(reaction, str):
            return _fill(reaction, event.content)
        return _call(reaction, _takes_two(reaction), dialog, event)


def _lookup(table: Mapping[str, Reaction] | None, name: Any) -> Reaction | None:
    if not table:
        return None
    return table.get(name) if name in table else table.get("*")


def _fill(template: str, content: Mapping[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        item = content.get(match.group(1))
        if item is None:
            return ""
        return item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)

    return _FIELD.sub(value, template)
