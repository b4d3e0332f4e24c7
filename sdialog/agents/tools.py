"""Running an agent's tools: plain Python functions, called with the model's arguments.

A failing tool never ends a dialog: its error is recorded as a ``tool`` output event carrying
``"error"`` and fed back to the model, which can try again or answer. A tool marked with
:func:`final_response_tool` ends the agent's turn: its output *is* the reply.

Example:
    >>> def add(a: int, b: int) -> int:
    ...     '''Add two numbers.'''
    ...     return a + b
    >>> box = ToolBox([add])
    >>> box.run("add", {"a": 2, "b": 3}, call_id="c1")
    ToolResult(name='add', call_id='c1', output=5, error=None, final=False)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sdialog.llm.tools import function_to_tool

_FINAL_FLAG = "__sdialog_final_response__"


def final_response_tool(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a tool whose output is the agent's reply (the turn ends when it is called).

    Example:
        >>> @final_response_tool
        ... def answer(text: str) -> str:
        ...     '''Say this to the user.'''
        ...     return text
        >>> is_final_response_tool(answer)
        True
    """
    setattr(fn, _FINAL_FLAG, True)
    return fn


def is_final_response_tool(fn: Any) -> bool:
    """Whether ``fn`` was marked with :func:`final_response_tool`."""
    return bool(getattr(fn, _FINAL_FLAG, False))


@dataclass
class ToolResult:
    """What one tool call produced: an output, or an error message."""

    name: str
    call_id: str
    output: Any = None
    error: str | None = None
    final: bool = False

    def event_content(self) -> dict[str, Any]:
        """The content of the ``tool``/``output`` event for this result."""
        content: dict[str, Any] = {
            "name": self.name,
            "output": self.output,
            "call_id": self.call_id,
        }
        if self.error is not None:
            content["error"] = self.error
        return content

    def message_text(self) -> str:
        """The text the model reads as the tool's answer."""
        if self.error is not None:
            return f"error: {self.error}"
        if isinstance(self.output, str):
            return self.output
        return json.dumps(self.output, default=str)


class ToolBox:
    """The tools of one agent, by name, with their OpenAI-style specs."""

    def __init__(self, tools: Sequence[Callable[..., Any]] | None = None):
        self.functions: dict[str, Callable[..., Any]] = {}
        for tool in tools or []:
            if not callable(tool):
                raise TypeError(f"tools must be Python functions, got {tool!r}")
            name = getattr(tool, "__name__", None)
            if not name or name in self.functions:
                raise ValueError(f"tool names must be unique and non-empty, got {name!r}")
            self.functions[name] = tool
        self.specs = [function_to_tool(fn) for fn in self.functions.values()]

    def __bool__(self) -> bool:
        return bool(self.functions)

    def run(self, name: str, arguments: Mapping[str, Any], call_id: str) -> ToolResult:
        """Call tool ``name``; any failure becomes ``ToolResult.error`` (never an exception)."""
        fn = self.functions.get(name)
        if fn is None:
            known = ", ".join(self.functions) or "none"
            return ToolResult(name, call_id, error=f"unknown tool {name!r} (tools: {known})")
        if not isinstance(arguments, Mapping):
            return ToolResult(
                name, call_id, error=f"arguments must be an object, got {arguments!r}"
            )
        try:
            output = fn(**arguments)
        except Exception as exc:  # a tool's failure is data for the model, not a crash
            return ToolResult(name, call_id, error=f"{type(exc).__name__}: {exc}")
        return ToolResult(name, call_id, output=output, final=is_final_response_tool(fn))

    def names(self) -> list[str]:
        return list(self.functions)
