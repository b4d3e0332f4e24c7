"""Serve agents over HTTP with OpenAI- and Ollama-compatible endpoints.

- :class:`Server` — several agents behind one endpoint, in the foreground or a background thread.
- ``agent.serve(port=1333)`` — the one-agent shortcut; ``sdialog serve FILE`` from the shell.
- :func:`agents_from_file` — the agents of a scenario YAML or an agent JSON file.
- :class:`ChatMessage`, :class:`ChatCompletionRequest`, :class:`OllamaChatRequest` — the request
  models of the OpenAI and Ollama routes.

Importing this package imports no web framework; FastAPI and uvicorn load when a server is built
(``pip install "sdialog[server]"``).

Example:
    >>> from sdialog.agents import Agent
    >>> from sdialog.llm import ScriptedBackend
    >>> from sdialog.server import Server
    >>> server = Server([Agent(name="Sam", model=ScriptedBackend.echo())], port=0)
    >>> sorted(server.agents), server.url
    (['Sam'], 'http://127.0.0.1:0')
"""

from __future__ import annotations

from sdialog._lazy import lazy_exports

_LAZY = {
    "Server": "sdialog.server.core",
    "AgentRunner": "sdialog.server.runner",
    "agents_from_file": "sdialog.server.loading",
    "create_app": "sdialog.server.app",
    "ChatMessage": "sdialog.server.schemas",
    "ChatCompletionRequest": "sdialog.server.schemas",
    "OllamaChatRequest": "sdialog.server.schemas",
}

__all__ = [
    "AgentRunner",
    "ChatCompletionRequest",
    "ChatMessage",
    "OllamaChatRequest",
    "Server",
    "agents_from_file",
    "create_app",
]


__getattr__ = lazy_exports(__name__, _LAZY, extra="server")
