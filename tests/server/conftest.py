"""Fixtures for server tests: real servers on loopback (free ports), stopped after each test."""

from __future__ import annotations

from typing import Any

import pytest

from sdialog.llm import ScriptedBackend


class RecordingBackend(ScriptedBackend):
    """A scripted backend that also records the generation parameters of every batch call."""

    def __init__(self, replies: Any, **kwargs: Any):
        super().__init__(replies, **kwargs)
        self.sent: list[dict[str, Any]] = []
        self.batch_sizes: list[int] = []

    def _complete_batch(self, conversations, *, schema, tools, **params):
        self.sent.append(dict(params))
        self.batch_sizes.append(len(conversations))
        return super()._complete_batch(conversations, schema=schema, tools=tools, **params)


@pytest.fixture
def serve():
    """``serve(agent, ..., **server_options)`` starts a Server on a free loopback port."""
    from sdialog.server import Server

    started = []

    def start(*agents: Any, **options: Any) -> Server:
        options.setdefault("api_key", "")
        server = Server(list(agents), port=0, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
