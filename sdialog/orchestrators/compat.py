"""SDialog's orchestrator methods, as a thin layer over :class:`BaseOrchestrator`'s own API.

``get_event_label()``, ``get_target_agent()`` (also ``self.agent``), ``is_persistent()``,
``set_persistent()`` and ``agent_response_lookahead()`` work as in SDialog; the constructor
takes SDialog's ``persistent=`` and ``event_label=`` (see :class:`BaseOrchestrator`).

Example:
    >>> from sdialog.agents import Agent
    >>> from sdialog.llm import ScriptedBackend
    >>> from sdialog.orchestrators import BaseOrchestrator
    >>> class Peek(BaseOrchestrator):
    ...     def instruct(self, dialog, utterance):
    ...         return f"You were about to say: {self.agent_response_lookahead()}"
    >>> bot = Agent(name="Bot", model=ScriptedBackend(["Hello!"])) | Peek()
    >>> bot.orchestrators[0].get_target_agent() is bot, bot.orchestrators[0].is_persistent()
    (True, False)
"""

from __future__ import annotations

import functools
from typing import Any


class SDialogOrchestratorAPI:
    """SDialog's orchestrator methods (mixed into :class:`BaseOrchestrator`)."""

    persistent: bool = False
    agent: Any = None
    """The agent this orchestrator is attached to (set by ``agent | orchestrator``)."""
    event_label: str | None = None
    """Label of this orchestrator's events (default: its name)."""
    _owner_session: Any = None  # the conversation it is orchestrating (set per dialog)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        instruct = cls.__dict__.get("instruct")
        if callable(instruct) and not hasattr(instruct, "__sdialog_opening__"):
            cls.instruct = _opening_tolerant(instruct)  # type: ignore[method-assign]

    @property
    def name(self) -> str:
        """The orchestrator's name: its class name unless a subclass says otherwise."""
        return type(self).__name__

    def get_event_label(self) -> str:
        """The label of this orchestrator's events: ``event_label``, else its name."""
        return self.event_label or self.name

    def get_target_agent(self) -> Any:
        """The agent this orchestrator is attached to (``None`` before it is attached)."""
        return self.agent

    def is_persistent(self) -> bool:
        """Whether its instructions stay in the agent's memory for the rest of the dialog."""
        return bool(self.persistent)

    def set_persistent(self, value: bool) -> None:
        """Make this orchestrator persistent (or not)."""
        self.persistent = bool(value)

    def agent_response_lookahead(self, message: str | None = None) -> str:
        """What the attached agent would reply now in the conversation being orchestrated,
        without remembering it (see :meth:`sdialog.agents.Agent.response_lookahead`)."""
        from sdialog.agents.compat import lookahead

        session = self._owner_session
        if session is None:
            if self.agent is None:
                raise RuntimeError(f"{self.name} is not attached to an agent")
            session = self.agent._session
        return lookahead(session, message)


def _opening_tolerant(instruct: Any) -> Any:
    """Wrap a subclass's ``instruct`` so that SDialog-style code also runs on the opening turn.

    sdialog passes ``utterance=None`` when the owner speaks first; SDialog passed ``""``. When
    an ``instruct`` written for SDialog fails on ``None`` (``utterance.lower()`` ...), it is
    called again with ``""``. Any other error, or an error with a real utterance, propagates.
    """

    @functools.wraps(instruct)
    def wrapper(self: Any, dialog: Any, utterance: str | None) -> Any:
        if utterance is not None:
            return instruct(self, dialog, utterance)
        try:
            return instruct(self, dialog, None)
        except (AttributeError, TypeError) as exc:
            if "NoneType" not in str(exc):
                raise
            return instruct(self, dialog, "")

    wrapper.__sdialog_opening__ = True  # type: ignore[attr-defined]
    return wrapper
