"""The :class:`Server`: several agents behind one OpenAI- and Ollama-compatible HTTP endpoint.

Run it in the foreground (:meth:`Server.run`, what ``sdialog serve`` and ``agent.serve()`` do) or
in a background thread (:meth:`Server.start`, a context manager; port 0 picks a free port).

The reference toolkit's class-level API works too (see :mod:`sdialog.server.compat`):
``Server.add_agent(agent, "name")``, ``Server.list_agents()``, ``Server.serve([agents], port=)``,
``serve_async``, ``serve_in_thread`` act on one process-wide registry of the class; instances
keep their own agents and settings, so two servers in one process share nothing.

Example:
    >>> from sdialog.agents import Agent
    >>> from sdialog.llm import ScriptedBackend
    >>> import httpx
    >>> bot = Agent(name="Bot", model=ScriptedBackend(["Hello! How can I help?"]))
    >>> request = {"model": "Bot", "messages": [{"role": "user", "content": "Hi"}]}
    >>> with Server(bot, port=0) as server:
    ...     data = httpx.post(server.url + "/v1/chat/completions", json=request)
    >>> data.json()["choices"][0]["message"]["content"]
    'Hello! How can I help?'
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

from sdialog._extras import needs_extra
from sdialog.agents.agent import Agent
from sdialog.server.compat import ReferenceServerAPI
from sdialog.server.runner import AgentRunner
from sdialog.server.security import API_KEY_ENV, LOOPBACK_HOSTS

logger = logging.getLogger("sdialog.server")


class Server(ReferenceServerAPI):
    """An HTTP server for agents; each agent is served under its name (the model id).

    Args:
        agents: an agent, a list of agents, or a dict ``{model id: agent}``.
        host: the address to bind; loopback by default. Binding elsewhere without an API key
            logs a warning.
        port: the port (0: any free port, see :attr:`url` once started).
        api_key: bearer token required on every endpoint; ``None`` reads the environment
            variable ``SDIALOG_SERVER_API_KEY``; ``""`` disables auth explicitly.
        stateful: keep memory per conversation id (header ``X-Conversation-Id``, or the
            ``conversation_id``/``user`` body fields); otherwise every request carries its history.
        max_conversations: stateful conversations kept; the least recently used is evicted.
        max_body_bytes: request size limit (larger requests get 413).
        batch_window_ms, max_batch_size, max_parallel_batches: micro-batching of concurrent
            requests (see :class:`~sdialog.server.runner.AgentRunner`).
        client_system: the client's system messages are ``"append"``-ed after the agent's own
            system prompt (default) or ``"ignore"``-d.
        keep_end_marker: a reply that ends the conversation keeps the agent's ``[END]`` marker
            at its end (default), so simulated users on the client side stop there too.
        allowed_hosts: ``Host`` header values accepted (others get 421: DNS rebinding). Default:
            loopback names when bound to loopback (as Ollama does), any host otherwise; ``"*"``
            accepts any.
        max_connections: open connections; more are closed at once (default: 512, or less
            when the process may open fewer files).
        header_timeout, body_timeout, keep_alive_timeout: seconds a client has to send its
            request headers, its body, and the next request on a kept-alive connection.
        max_queued: requests waiting or running at once; more get 503 with ``Retry-After``.
        max_prompt_tokens: prompt + ``max_tokens`` budget (400 above, with the counts);
            default: the model's context window where the backend knows it.
        max_messages: messages one request may carry.
        max_conversation_messages: messages one stateful conversation may hold.
        max_tokens_limit: the largest ``max_tokens`` a request may ask for.
        ignore_task_requests: Open WebUI's background task requests (``### Task:``) get an empty
            reply without asking the agent, as the reference server does.
    """

    def __init__(
        self,
        agents: Agent | Iterable[Agent] | dict[str, Agent],
        *,
        host: str = "127.0.0.1",
        port: int = 1333,
        api_key: str | None = None,
        stateful: bool = False,
        max_conversations: int = 1000,
        max_body_bytes: int = 1_000_000,
        batch_window_ms: float = 5.0,
        max_batch_size: int = 32,
        max_parallel_batches: int = 2,
        client_system: str = "append",
        keep_end_marker: bool = True,
        allowed_hosts: Iterable[str] | str | None = None,
        max_connections: int | None = None,
        header_timeout: float = 10.0,
        body_timeout: float = 30.0,
        keep_alive_timeout: float = 5.0,
        max_queued: int = 256,
        max_prompt_tokens: int | None = None,
        max_messages: int = 2048,
        max_conversation_messages: int = 1000,
        max_tokens_limit: int = 32_768,
        ignore_task_requests: bool = True,
    ):
        self.agents: dict[str, Any] = {}
        self._agents = self.agents  # the reference API's name for it
        self._agent_locks: dict[str, threading.Lock] = {}
        self.runner = AgentRunner(
            max_conversations=max_conversations,
            batch_window_ms=batch_window_ms,
            max_batch_size=max_batch_size,
            max_parallel_batches=max_parallel_batches,
            client_system=client_system,
            keep_end_marker=keep_end_marker,
            max_queued=max_queued,
            max_prompt_tokens=max_prompt_tokens,
            max_conversation_messages=max_conversation_messages,
        )
        items = agents.items() if isinstance(agents, dict) else None
        if items is None:
            items = [(a.name, a) for a in ([agents] if isinstance(agents, Agent) else agents)]
        for name, agent in items:
            self.add(agent, name)
        if not self.agents and not getattr(self, "_registry_of", None):
            raise ValueError("a Server needs at least one agent")
        self.host = host
        self.port = port
        self.api_key = os.environ.get(API_KEY_ENV) if api_key is None else api_key
        if self.api_key:
            from sdialog.llm.secrets import register_secret

            register_secret(self.api_key)
        self.stateful = stateful
        self.max_body_bytes = max_body_bytes
        self.allowed_hosts = (allowed_hosts,) if isinstance(allowed_hosts, str) else allowed_hosts
        self.max_connections = max_connections or _default_max_connections()
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.keep_alive_timeout = keep_alive_timeout
        self.max_messages = max_messages
        self.max_tokens_limit = max_tokens_limit
        self.ignore_task_requests = ignore_task_requests
        self._app: Any = None
        self._uvicorn: Any = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"Server(models={sorted(self.agents)}, url={self.url!r})"

    def add(self, agent: Agent, name: str | None = None) -> None:
        """Serve ``agent`` under ``name`` (default: its name); names must be unique.

        Besides :class:`~sdialog.agents.Agent`, any object called as ``agent(text) -> str``
        (an agent written for the reference toolkit) is served, one request at a time.
        """
        if not isinstance(agent, Agent) and not callable(agent):
            raise TypeError(f"expected an Agent, got {type(agent).__name__}")
        name = name or getattr(agent, "name", None)
        if not name:
            raise ValueError("an agent needs a name to be served under")
        if name in self.agents:
            raise ValueError(f"two agents are named {name!r}; give them distinct names")
        self.agents[name] = agent
        self._agent_locks[name] = self.runner.lock_for(agent)

    @property
    def url(self) -> str:
        """The base URL (``http://host:port``); OpenAI clients use ``url + "/v1"``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def app(self) -> Any:
        """The ASGI app (built on first use; mount it in any ASGI server)."""
        if self._app is None:
            from sdialog.server.app import Serving, create_app

            self._app = create_app(
                Serving(
                    agents=self.agents,
                    stateful=self.stateful,
                    runner=self.runner,
                    api_key=self.api_key or None,
                    max_body_bytes=self.max_body_bytes,
                    allowed_hosts=self._hosts(),
                    body_timeout=self.body_timeout,
                    max_messages=self.max_messages,
                    max_tokens_limit=self.max_tokens_limit,
                    ignore_task_requests=self.ignore_task_requests,
                )
            )
        return self._app

    def _hosts(self) -> tuple[str, ...] | None:
        """The ``Host`` values to accept (``None``: any)."""
        if self.allowed_hosts is not None:
            return tuple(self.allowed_hosts)
        if not _is_loopback(self.host):
            return None  # reachable from elsewhere: clients may name it any way
        # "testserver": what Starlette's in-process TestClient sends (a single-label name that
        # public DNS cannot hand to a rebinding attacker)
        return (*LOOPBACK_HOSTS, "testserver", socket.gethostname().lower())

    # -- running -------------------------------------------------------------------------------
    def _prepare(self) -> tuple[Any, socket.socket]:
        with needs_extra("server"):
            import uvicorn

        if not _is_loopback(self.host) and not self.api_key:
            logger.warning("serving on %s without an API key: anyone who can reach it may use it",
                           self.host)  # fmt: skip
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.listen(2048)
        self.port = sock.getsockname()[1]
        from sdialog.server.protocol import guarded_protocol

        config = uvicorn.Config(
            self.app,
            log_config=None,  # no logging set-up: the application's own config applies
            access_log=False,
            timeout_graceful_shutdown=2,
            backlog=2048,
            http=guarded_protocol(self.header_timeout, self.max_connections),
            timeout_keep_alive=max(1, round(self.keep_alive_timeout)),
            h11_max_incomplete_event_size=64 * 1024,  # request line + headers
        )
        self._uvicorn = uvicorn.Server(config)
        return self._uvicorn, sock

    def run(self) -> None:
        """Serve in the foreground until interrupted (Ctrl-C)."""
        server, sock = self._prepare()
        auth = "bearer-token auth" if self.api_key else "no auth"
        logger.info("serving %s on %s (%s)", ", ".join(sorted(self.agents)), self.url, auth)
        server.run(sockets=[sock])

    def start(self, timeout: float = 30.0) -> Server:
        """Serve from a background thread; returns when the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("this server is already running")
        server, sock = self._prepare()
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="sdialog-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not server.started:
            self.stop()
            raise RuntimeError(f"the server did not start on {self.url} within {timeout} s")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop a server started with :meth:`start` (open connections get a short grace)."""
        thread, self._thread = self._thread, None
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if thread is not None:
            thread.join(timeout)
            self._uvicorn = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _default_max_connections() -> int:
    """512, or fewer when the process may open fewer files (room kept for the rest)."""
    try:
        import resource
    except ImportError:  # not on Windows
        return 512
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 512
    return max(16, min(512, soft - 128))


def _is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (``localhost`` counts)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
