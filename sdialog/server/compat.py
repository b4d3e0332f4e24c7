"""The reference toolkit's class-level server API, as a thin layer over :class:`Server` instances.

Code written for SDialog calls the server through the class::

    Server.add_agent(bot, "bot")        # served as "bot:latest"
    Server.list_agents()                # ['bot:latest']
    Server.serve([user, bot], port=1333)

Here those calls act on one process-wide :class:`~sdialog.server.Server` instance (see
:meth:`ReferenceServerAPI.shared`), whose agent table is the class's ``_agents``. Called on an
instance, the same methods act on that instance, so servers built with ``Server([...])`` share
nothing. What differs from the reference (every difference a fix listed in PITFALLS.md):
loopback by default (``host="0.0.0.0"`` exposes it), bearer auth when a key is set, and
``stateless=False`` keeps memory per conversation id rather than one memory per agent.

Example:
    >>> from sdialog.agents import Agent
    >>> from sdialog.llm import ScriptedBackend
    >>> from sdialog.server import Server
    >>> Server.add_agent(Agent(name="Bot", model=ScriptedBackend(["Hi!"])), "bot")
    >>> Server.list_agents()
    ['bot:latest']
    >>> Server.remove_agent("bot:latest"); Server.list_agents()
    []
"""

from __future__ import annotations

import asyncio
import logging
import threading
import types
from collections.abc import Callable
from typing import Any, ClassVar

logger = logging.getLogger("sdialog.server")


class either:
    """A method bound to the instance, or to the class's shared server when called on the class.

    Example:
        >>> class Thing:
        ...     @either
        ...     def who(self):
        ...         return self
        ...     @classmethod
        ...     def shared(cls):
        ...         return "shared"
        >>> Thing.who(), isinstance(Thing().who(), Thing)
        ('shared', True)
    """

    def __init__(self, func: Callable[..., Any]):
        self.func = func
        self.__doc__ = func.__doc__
        self.__name__ = func.__name__

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return types.MethodType(self.func, obj if obj is not None else owner.shared())


def _model_name(name: str) -> str:
    """Model names carry a tag, as in Ollama (``"bot"`` is served as ``"bot:latest"``)."""
    return name if ":" in name else f"{name}:latest"


class ReferenceServerAPI:
    """The reference's ``Server`` methods (mixed into :class:`~sdialog.server.Server`)."""

    _agents: ClassVar[dict[str, Any]] = {}
    """The agents of the class-level server (shared by every class-level call)."""
    _agent_locks: ClassVar[dict[str, threading.Lock]] = {}
    """One lock per agent: agents that are plain callables answer one request at a time."""
    _app: Any = None
    """The ASGI app of the class-level server (built by ``_create_app``)."""
    _shared: Any = None
    _registry_of: type | None = None

    @classmethod
    def shared(cls) -> Any:
        """The process-wide server behind the class-level API (its agents are ``cls._agents``).

        Example:
            >>> from sdialog.server import Server
            >>> Server.shared() is Server.shared()
            True
        """
        owner = cls._registry_of or cls
        if owner._shared is None or owner._shared._agents is not owner._agents:
            server = object.__new__(owner)
            server._registry_of = owner
            owner.__init__(server, [])
            server.agents = server._agents = owner._agents  # the table the class API edits
            server._agent_locks = owner._agent_locks
            owner._shared = server
        return owner._shared

    @either
    def add_agent(self, agent: Any, model_name: str | None = None) -> None:
        """Serve ``agent`` as ``model_name`` (default: its name), tagged ``:latest`` when it has
        no tag; a name already served is replaced.

        Example:
            >>> from sdialog.agents import Agent
            >>> from sdialog.llm import ScriptedBackend
            >>> from sdialog.server import Server
            >>> server = Server(Agent(name="A", model=ScriptedBackend(["a"])), port=0)
            >>> server.add_agent(Agent(name="B", model=ScriptedBackend(["b"])))
            >>> server.list_agents()
            ['A', 'B:latest']
        """
        name = _model_name(model_name or getattr(agent, "name", None) or "sdialog-agent")
        self.agents.pop(name, None)
        self.add(agent, name)
        logger.info("added agent %r", name)

    @either
    def remove_agent(self, model_name: str) -> None:
        """Stop serving ``model_name`` (nothing happens when it is not served)."""
        agent = self.agents.pop(model_name, None)
        self._agent_locks.pop(model_name, None)
        if agent is not None:
            self.runner.forget_agent(agent)

    @either
    def list_agents(self) -> list[str]:
        """The served model names."""
        return list(self.agents)

    @either
    def reset_agent(self, model_name: str, seed: int | None = None) -> None:
        """Reset the agent served as ``model_name`` (its memory and seed) and drop its stateful
        conversations.

        Raises:
            ValueError: no agent is served under that name.
        """
        agent = self.agents.get(model_name)
        if agent is None:
            raise ValueError(f"Agent '{model_name}' not found (served: {list(self.agents)})")
        agent.reset() if seed is None else agent.reset(seed=seed)
        self.runner.forget_agent(agent)

    @either
    def _create_app(self) -> Any:
        """(Re)build the ASGI app (the class-level one is also kept as ``Server._app``)."""
        self._app = None
        app = self.app
        if self._registry_of is not None:
            self._registry_of._app = app
        return app

    def _configure(
        self,
        agents: Any,
        host: str | None,
        port: int | None,
        stateless: bool | None,
        model_names: str | list[str] | None,
        log_level: str,
    ) -> None:
        if agents is not None:
            agents = list(agents) if isinstance(agents, (list, tuple)) else [agents]
            names = [model_names] if isinstance(model_names, str) else model_names
            if names is not None and len(names) != len(agents):
                raise ValueError("model_names must name every agent (one name per agent)")
            for i, agent in enumerate(agents):
                self.add_agent(agent, names[i] if names else None)
        if host is not None:
            self.host = host
        if port is not None:
            self.port = port
        if stateless is not None:  # None: as the server was configured (stateless by default)
            self.stateful = not stateless
        self.log_level = log_level
        self._create_app()

    @either
    def serve(
        self,
        agents: Any = None,
        host: str | None = None,
        port: int | None = None,
        stateless: bool | None = None,
        debug: bool = False,
        model_names: str | list[str] | None = None,
        log_level: str = "info",
    ) -> Any:
        """Serve ``agents`` (added to those already served) in the foreground, as the reference's
        ``Server.serve``; inside a running event loop (Jupyter) it serves from a thread instead
        and returns that thread.

        ``stateless=False`` keeps memory per conversation id (``X-Conversation-Id``); ``debug``
        is accepted for compatibility (tool failures are always reported in the agent's events).
        """
        self._configure(agents, host, port, stateless, model_names, log_level)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.run()
            return None
        return self.serve_in_thread(None)

    @either
    async def serve_async(
        self,
        agents: Any = None,
        host: str | None = None,
        port: int | None = None,
        stateless: bool | None = None,
        debug: bool = False,
        model_names: str | list[str] | None = None,
        log_level: str = "info",
    ) -> None:
        """Serve from the running event loop until the server is stopped (``await``-ed)."""
        self._configure(agents, host, port, stateless, model_names, log_level)
        server, sock = self._prepare()
        await server.serve(sockets=[sock])

    @either
    def serve_in_thread(
        self,
        agents: Any = None,
        host: str | None = None,
        port: int | None = None,
        stateless: bool | None = None,
        debug: bool = False,
        model_names: str | list[str] | None = None,
        log_level: str = "info",
    ) -> threading.Thread:
        """Serve from a background thread; returns the thread once the server accepts
        connections (stop it with ``.stop()`` on the server, e.g. ``Server.shared().stop()``)."""
        self._configure(agents, host, port, stateless, model_names, log_level)
        self.start()
        return self._thread
