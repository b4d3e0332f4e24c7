"""The server's guards: bearer-token auth, a request size limit, and error bodies that never
carry secrets.

Both guards are plain ASGI middleware, so they run before any route and on every endpoint
(unknown paths included). Keys are compared with :func:`hmac.compare_digest`.

Example:
    >>> bearer_matches("Bearer s3cret", "s3cret"), bearer_matches("Bearer nope", "s3cret")
    (True, False)
    >>> error_body("bad", param="messages", status=400)["error"]["type"]
    'invalid_request_error'
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger("sdialog.server.access")

API_KEY_ENV = "SDIALOG_SERVER_API_KEY"
"""Environment variable read for the API key when none is given."""

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    500: "server_error",
    502: "server_error",
}

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def bearer_matches(header: str | None, api_key: str) -> bool:
    """Whether an ``Authorization`` header value carries ``api_key`` (constant-time compare)."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), api_key.encode())


def error_body(
    message: str, *, status: int, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """An OpenAI-style error body: ``{"error": {"message", "type", "param", "code"}}``."""
    kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def is_ollama_path(path: str) -> bool:
    """Ollama routes answer errors as ``{"error": "message"}``, like Ollama itself."""
    return path.startswith("/api/")


def render_error(
    path: str, message: str, *, status: int, param: str | None = None, code: str | None = None
) -> bytes:
    """The JSON error body for ``path`` (Ollama style under ``/api/``, else OpenAI style)."""
    if is_ollama_path(path):
        return json.dumps({"error": message}).encode()
    return json.dumps(error_body(message, status=status, param=param, code=code)).encode()


async def send_error(
    send: Send,
    path: str,
    message: str,
    *,
    status: int,
    code: str | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer an ASGI request with a JSON error."""
    body = render_error(path, message, status=status, code=code)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """Auth, body-size limit and a secret-free access log in front of the app.

    The access log (logger ``sdialog.server.access``, level INFO) records method, path (never
    the query string), status and duration; never headers or bodies.

    Args:
        app: the ASGI app to guard.
        api_key: the bearer token every request must carry (``None`` or ``""``: no auth).
        max_body_bytes: larger request bodies get 413 (the body is read up to the limit only).
    """

    def __init__(self, app: ASGIApp, *, api_key: str | None, max_body_bytes: int):
        self.app = app
        self.api_key = api_key or None
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        started, status = time.perf_counter(), [0]

        async def logged_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self._guarded(scope, receive, logged_send, path)
        finally:
            logger.info(
                "%s %s %d %.1f ms",
                scope.get("method", "?"),
                path[:200],
                status[0],
                (time.perf_counter() - started) * 1000,
            )

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if self.api_key is not None:
            header = headers.get(b"authorization", b"").decode("latin-1")
            if not bearer_matches(header, self.api_key):
                await send_error(
                    send,
                    path,
                    "missing or invalid API key (send 'Authorization: Bearer <key>')",
                    status=401,
                    code="invalid_api_key",
                    headers=[(b"www-authenticate", b"Bearer")],
                )
                return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(send, path)
            return
        chunks, size = [], 0
        while True:  # buffer the (bounded) body, then replay it to the app
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large(send, path)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send, path: str) -> None:
        await send_error(
            send,
            path,
            f"request body larger than {self.max_body_bytes} bytes",
            status=413,
            code="request_too_large",
        )
