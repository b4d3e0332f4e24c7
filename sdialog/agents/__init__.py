"""Persona-driven conversational agents.

- :class:`Agent` — persona prompt, memory, orchestrators, tools, thinking, an explicit end marker.
- :func:`final_response_tool` — mark a tool whose output is the agent's reply.
- :data:`END_MARKER` — what an agent writes to end a conversation.

Example:
    >>> from sdialog.agents import Agent
    >>> from sdialog.llm import ScriptedBackend
    >>> Agent(name="Ana", model=ScriptedBackend(["Hello!"]))("Hi")
    'Hello!'
"""

from __future__ import annotations

from sdialog.agents.agent import Agent
from sdialog.agents.session import END_MARKER
from sdialog.agents.tools import final_response_tool

__all__ = ["END_MARKER", "Agent", "final_response_tool"]
