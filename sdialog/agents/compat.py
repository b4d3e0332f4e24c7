"""SDialog's Agent methods, as a thin layer over :class:`~sdialog.agents.Agent`'s own API.

:class:`SDialogAgentAPI` is a base of ``Agent``: ``get_name()``, ``set_first_utterances()``,
``add_orchestrators()``/``clear_orchestrators()``, ``add_inspectors()``/``clear_inspectors()``,
``response_lookahead()``, ``memory_dump()``, ``base_model``, ``tokenizer`` and ``llm`` work as
in SDialog, each in terms of the agent's attributes (``name``, ``first_utterance``,
``orchestrators``, ``inspectors``, ``backend``).

Example:
    >>> from sdialog.agents import Agent
    >>> from sdialog.llm import ScriptedBackend
    >>> bot = Agent(name="Bot", model=ScriptedBackend(["Sure."]))
    >>> bot.get_name(), bot("Can you help?"), bot.memory[-1].content
    ('Bot', 'Sure.', 'Sure.')
    >>> bot.response_lookahead("And now?"), len(bot.memory)
    ('Sure.', 3)
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Sequence
from typing import Any

from sdialog.llm.invoke import ChatMessage


class SDialogAgentAPI:
    """SDialog's agent methods (mixed into :class:`~sdialog.agents.Agent`)."""

    # set by Agent.__init__
    name: str
    first_utterance: Any
    context: Any
    orchestrators: list[Any]
    inspectors: list[Any]
    backend: Any
    _session: Any

    def get_name(self, default: str = "Me") -> str:
        """The agent's speaker name (``default`` when it has none)."""
        return self.name or default

    def set_first_utterances(self, utterances: str | Sequence[str] | None) -> None:
        """What the agent says first when it opens a dialog (one, or a list to pick from)."""
        self.first_utterance = utterances

    @property
    def _first_utterances(self) -> Any:  # SDialog's attribute name
        return self.first_utterance

    @property
    def _context(self) -> Any:  # SDialog's attribute name
        return self.context

    # -- orchestrators and inspectors --------------------------------------------------------
    def add_orchestrators(self, orchestrators: Any) -> None:
        """Attach orchestrator(s) to this agent in place (also in the current conversation)."""
        from sdialog.agents.agent import _as_orchestrator_list
        from sdialog.agents.session import derive_seed

        added = _as_orchestrator_list(orchestrators)
        session = self._session
        for orchestrator in added:
            attach(orchestrator, self)
            fork = orchestrator.fork(
                derive_seed(session.seed, session.name, "orch", len(session.orchestrators))
            )
            if getattr(fork, "target_speaker", None) is None:
                fork.target_speaker = session.name
            session.orchestrators.append(fork)
        self.orchestrators = [*self.orchestrators, *added]

    def clear_orchestrators(self) -> None:
        """Remove every orchestrator (also from the current conversation)."""
        self.orchestrators = []
        self._session.orchestrators = []

    def add_inspectors(self, inspectors: Any) -> None:
        """Attach Inspector(s) to this agent in place (local models only)."""
        from sdialog.agents.agent import _as_inspector_list

        if isinstance(inspectors, (list, tuple)):
            inspectors = [i for i in inspectors if i is not None]
        self.inspectors = [*self.inspectors, *_as_inspector_list(inspectors, self.backend)]

    def clear_inspectors(self) -> None:
        """Detach every Inspector (their hooks only live during this agent's calls)."""
        self.inspectors = []

    # -- memory ------------------------------------------------------------------------------
    def memory_dump(self, as_dict: bool = False) -> list[Any]:
        """A copy of the conversation's messages (plain dicts with ``as_dict=True``)."""
        messages = [dict(m) for m in self._session.memory]
        return messages if as_dict else [ChatMessage(m) for m in messages]

    def response_lookahead(self, message: str | None = None) -> str:
        """The reply the agent would give now (to ``message`` when given), without remembering
        it; orchestrators and inspectors are not consulted."""
        return lookahead(self._session, message)

    # -- the model -----------------------------------------------------------------------------
    @property
    def llm(self) -> Any:
        """The model object given as ``model=`` (an object with ``invoke``), else the backend."""
        return getattr(self.backend, "llm", self.backend)

    @property
    def base_model(self) -> Any:
        """The underlying model: the transformers model of a local backend; for a model object,
        its ``pipeline.model``/``model`` (as SDialog resolves it); else the backend."""
        if self.backend.kind == "local":
            return self.backend.torch_model
        llm = self.llm
        inner = getattr(llm, "llm", llm)
        pipeline = getattr(inner, "pipeline", None)
        if pipeline is not None and hasattr(pipeline, "model"):
            return pipeline.model
        model = getattr(llm, "model", None)
        return model if model is not None and not isinstance(model, str) else llm

    @property
    def tokenizer(self) -> Any:
        """The tokenizer of a local backend (or of a model object's pipeline), else ``None``."""
        if self.backend.kind == "local":
            return self.backend.tokenizer
        inner = getattr(self.llm, "llm", self.llm)
        pipeline = getattr(inner, "pipeline", None)
        return getattr(pipeline, "tokenizer", None) or getattr(inner, "tokenizer", None)


def attach(orchestrator: Any, agent: Any) -> None:
    """Record ``agent`` as the orchestrator's target (SDialog's ``self.agent``/
    ``get_target_agent()``), where the orchestrator supports it."""
    with contextlib.suppress(AttributeError, TypeError):  # slotted or read-only: skip
        orchestrator.agent = agent


def lookahead(session: Any, message: str | None = None) -> str:
    """The reply ``session``'s agent would give now (to ``message``), leaving it untouched."""
    from sdialog.agents.session import AgentSession
    from sdialog.simulation import run_turns

    ghost = copy.copy(session.agent)
    ghost.orchestrators, ghost.inspectors = [], []
    probe = AgentSession(ghost, seed=session.seed, other_name=session.other_name, name=session.name)
    probe.memory = [dict(m) for m in session.memory]
    probe.pending_instructions = list(session.pending_instructions)
    probe.turns_taken = session.turns_taken
    return run_turns([(probe, message)])[0].text
