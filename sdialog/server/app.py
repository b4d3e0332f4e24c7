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

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sdialog.agents.agent import Agent
from sdialog.llm.base import BackendError
from sdialog.server.runner import AgentRunner
from sdialog.server.schemas import ChatMessage, RequestError
from sdialog.server.security import GuardMiddleware, render_error

logger = logging.getLogger("sdialog.server")

CONVERSATION_HEADER = "x-conversation-id"
"""Request header naming a stateful conversation (also accepted: ``conversation_id`` or
``user`` in the body)."""


@dataclass
class Serving:
    """What one server serves and how.

    Args:
        agents: the agents by model id (their names).
        stateful: keep memory per conversation id.
        runner: the reply engine (batching, conversation store).
        api_key: bearer token required on every endpoint (``None``: no auth).
        max_body_bytes: request size limit (413 above).
    """

    agents: dict[str, Agent]
    stateful: bool = False
    runner: AgentRunner = field(default_factory=AgentRunner)
    api_key: str | None = None
    max_body_bytes: int = 1_000_000
    created: int = field(default_factory=lambda: int(time.time()))

    def agent(self, name: str | None) -> tuple[str, Agent]:
        """The agent serving model id ``name`` (the only one when ``name`` is empty)."""
        if not name:
            if len(self.agents) == 1:
                return next(iter(self.agents.items()))
            raise RequestError("model: required when the server has several agents", param="model")
        agent = self.agents.get(name)
        if agent is None:
            known = ", ".join(sorted(self.agents)) or "none"
            raise RequestError(
                f"model {name!r} not found (served: {known})", status=404, param="model"
            )
        return name, agent

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
        return {"status": "ok", "models": sorted(serving.agents), "stateful": serving.stateful}

    def error(request: Request, status: int, message: str, param=None, code=None) -> Response:
        body = render_error(request.url.path, message, status=status, param=param, code=code)
        return Response(body, status_code=status, media_type="application/json")

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, exc: RequestError) -> Response:
        return error(request, exc.status, exc.message, exc.param, exc.code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        return error(request, 400, str(exc.errors()[:1]), code="invalid_request")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return error(request, exc.status_code, str(exc.detail), code=codes.get(exc.status_code))

    @app.exception_handler(BackendError)
    async def _backend_error(request: Request, exc: BackendError) -> Response:
        logger.warning("model backend failed on %s: %s", request.url.path, type(exc).__name__)
        return error(request, 502, f"the agent's model failed: {exc}", code="backend_error")

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception) -> Response:
        logger.error("internal error on %s: %s: %s", request.url.path, type(exc).__name__, exc)
        return error(request, 500, "internal server error", code="internal_error")

    app.add_middleware(
        GuardMiddleware, api_key=serving.api_key, max_body_bytes=serving.max_body_bytes
    )
    return app
