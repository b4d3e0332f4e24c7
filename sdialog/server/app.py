"""The FastAPI application of a :class:`~sdialog.server.Server`: routes, error handlers, guards.

All state lives in one :class:`Serving` object per app (``app.state.serving``); nothing is kept
at module or class level, so two servers in one process share nothing.

Example:
    >>> from sdialog.agents import Agent
    >>> from sdialog.llm import ScriptedBackend
    >>> serving = Serving({"Echo": Agent(name="Echo", model=ScriptedBackend.echo())})
    >>> app = create_app(serving)
    >>> app.state.serving is serving, serving.agent("Echo")[0]
    (True, 'Echo')
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sdialog.llm.base import BackendError
from sdialog.server.runner import AgentRunner
from sdialog.server.schemas import ChatMessage, RequestError
from sdialog.server.security import LOOPBACK_HOSTS, GuardMiddleware, render_error

logger = logging.getLogger("sdialog.server")

CONVERSATION_HEADER = "x-conversation-id"
"""Request header naming a stateful conversation (also accepted: ``conversation_id`` or
``user`` in the body)."""

TASK_PREFIX = "### Task:"
"""Open WebUI's background requests (titles, tags, follow-up suggestions) start with this; the
agent is not asked (it would answer in character and, when stateful, remember it): the reply is
empty, as the reference server answers them."""


@dataclass
class Serving:
    """What one server serves and how.

    Args:
        agents: the agents by model id (their names).
        stateful: keep memory per conversation id.
        runner: the reply engine (batching, conversation store).
        api_key: bearer token required on every endpoint (``None``: no auth).
        max_body_bytes: request size limit (413 above).
        allowed_hosts: ``Host`` header values accepted (``None``: any).
        body_timeout: seconds a client has to send its request body.
        max_messages: messages one request may carry.
        max_tokens_limit: the largest ``max_tokens`` a request may ask for.
        ignore_task_requests: answer Open WebUI task requests (:data:`TASK_PREFIX`) with an
            empty reply instead of asking the agent.
    """

    agents: dict[str, Any]
    stateful: bool = False
    runner: AgentRunner = field(default_factory=AgentRunner)
    api_key: str | None = None
    max_body_bytes: int = 1_000_000
    allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS
    body_timeout: float = 30.0
    max_messages: int = 2048
    max_tokens_limit: int = 32_768
    ignore_task_requests: bool = True
    created: int = field(default_factory=lambda: int(time.time()))

    def agent(self, name: str | None) -> tuple[str, Any]:
        """The agent serving model id ``name`` (the only one when ``name`` is empty).

        As in Ollama, ``"name"`` and ``"name:latest"`` are the same model.
        """
        if not name:
            if len(self.agents) == 1:
                return next(iter(self.agents.items()))
            raise RequestError("model: required when the server has several agents", param="model")
        for candidate in (name, name.removesuffix(":latest"), f"{name}:latest"):
            if candidate in self.agents:
                return candidate, self.agents[candidate]
        known = ", ".join(sorted(self.agents)[:20]) or "none"
        shown = name if len(name) <= 80 else name[:80] + "..."
        raise RequestError(
            f"model {shown!r} not found (served: {known})", status=404, param="model"
        )

    def check(self, messages: list[ChatMessage], params: dict[str, Any]) -> None:
        """Request-size limits that do not need the model: message count and ``max_tokens``."""
        if len(messages) > self.max_messages:
            raise RequestError(
                f"messages: {len(messages)} messages, at most {self.max_messages} per request",
                param="messages",
            )
        if params.get("max_tokens", 0) > self.max_tokens_limit:
            raise RequestError(
                f"max_tokens: {params['max_tokens']} is more than this server allows "
                f"({self.max_tokens_limit})",
                param="max_tokens",
            )

    def is_task(self, messages: list[ChatMessage]) -> bool:
        """Whether the last user message is an Open WebUI task request (see :data:`TASK_PREFIX`)."""
        if not self.ignore_task_requests:
            return False
        last = next((m for m in reversed(messages) if m.role == "user"), None)
        return last is not None and last.text().lstrip().startswith(TASK_PREFIX)

    def conversation(self, request: Request, *ids: str | None) -> str | None:
        """The conversation id of a stateful request (header first, then body fields)."""
        if not self.stateful:
            return None
        for candidate in (request.headers.get(CONVERSATION_HEADER), *ids):
            if candidate:
                if len(candidate) > 256:
                    raise RequestError("conversation id longer than 256 characters")
                return candidate
        return None


def as_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Plain role/content dicts (``developer`` read as ``system``)."""
    return [
        {"role": "system" if m.role == "developer" else m.role, "content": m.text()}
        for m in messages
    ]


async def read_body(request: Request) -> bytes:
    """The raw request body (already bounded by the guard middleware)."""
    return await request.body()


async def unless_disconnected(request: Request, work: Awaitable[Any]) -> Any:
    """Await ``work``, cancelling it when the client disconnects first (its remaining model
    calls are then skipped; see :class:`~sdialog.server.runner.AgentRunner`)."""
    task = asyncio.ensure_future(work)
    receive = request.receive
    watcher = asyncio.ensure_future(_disconnect(receive))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        watcher.cancel()
    if not task.done():
        task.cancel()
        raise ClientDisconnected()
    return task.result()


class ClientDisconnected(Exception):
    """The client went away before its reply was ready."""


async def _disconnect(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def create_app(serving: Serving) -> FastAPI:
    """Build the FastAPI app for ``serving`` (the auth/size guard runs before every route)."""
    from sdialog import __version__
    from sdialog.server.ollama_routes import router as ollama_router
    from sdialog.server.openai_routes import router as openai_router

    app = FastAPI(
        title="sdialog agent server",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.serving = serving
    app.include_router(openai_router)
    app.include_router(ollama_router)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        # "healthy" and "agents": the reference server's answer; the rest is ours
        names = list(serving.agents)
        return {
            "status": "healthy",
            "agents": names,
            "models": sorted(names),
            "stateful": serving.stateful,
            "in_flight": serving.runner.in_flight,
            "cancelled": serving.runner.cancelled,
        }

    def error(
        request: Request, status: int, message: str, param=None, code=None, headers=None
    ) -> Response:
        body = render_error(request.url.path, message, status=status, param=param, code=code)
        return Response(body, status_code=status, media_type="application/json", headers=headers)

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, exc: RequestError) -> Response:
        return error(request, exc.status, exc.message, exc.param, exc.code, exc.headers)

    @app.exception_handler(ClientDisconnected)
    async def _gone(request: Request, exc: ClientDisconnected) -> Response:
        return error(request, 499, "client closed request", code="client_closed_request")

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        return error(request, 400, str(exc.errors()[:1]), code="invalid_request")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return error(request, exc.status_code, str(exc.detail), code=codes.get(exc.status_code))

    @app.exception_handler(BackendError)
    async def _backend_error(request: Request, exc: BackendError) -> Response:
        from sdialog.llm.secrets import redact

        logger.warning("model backend failed on %s: %s", request.url.path, type(exc).__name__)
        message = redact(f"the agent's model failed: {exc}")[:2000]
        return error(request, 502, message, code="backend_error")

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception) -> Response:
        from sdialog.llm.secrets import redact

        logger.error(
            "internal error on %s: %s: %s", request.url.path, type(exc).__name__, redact(exc)
        )
        return error(request, 500, "internal server error", code="internal_error")

    app.add_middleware(
        GuardMiddleware,
        api_key=serving.api_key,
        max_body_bytes=serving.max_body_bytes,
        allowed_hosts=serving.allowed_hosts,
        body_timeout=serving.body_timeout,
    )
    return app
