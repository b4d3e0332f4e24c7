"""The server's guards: bearer-token auth, a request size limit and body deadline, the
``Host`` and ``Content-Type`` checks that keep web pages from driving a loopback server, and error
bodies that never carry secrets.

The guards are plain ASGI middleware, so they run before any route and on every endpoint
(unknown paths included). Keys are compared with :func:`hmac.compare_digest`.

Example:
    >>> bearer_matches("Bearer s3cret", "s3cret"), bearer_matches("Bearer nope", "s3cret")
    (True, False)
    >>> host_allowed("localhost:1333", LOOPBACK_HOSTS), host_allowed("evil.example", LOOPBACK_HOSTS)
    (True, False)
    >>> error_body("bad", param="messages", status=400)["error"]["type"]
    'invalid_request_error'
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
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
    408: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    421: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    502: "server_error",
    503: "server_error",
}

LOOPBACK_HOSTS = ("localhost", "*.localhost", "127.0.0.1", "::1")
"""Host names a loopback server answers by default (IPv4 loopback addresses all count), as
Ollama does: a foreign ``Host`` header means DNS rebinding, a web page driving the server."""

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def bearer_matches(header: str | bytes | None, api_key: str) -> bool:
    """Whether an ``Authorization`` header value carries ``api_key`` (constant-time compare).

    Raw header bytes are compared with the key's UTF-8 bytes, so non-ASCII keys work.
    """
    raw = header.encode("utf-8") if isinstance(header, str) else (header or b"")
    scheme, _, token = raw.partition(b" ")
    if scheme.lower() != b"bearer":
        return False
    return hmac.compare_digest(token.strip(), api_key.encode("utf-8"))


def host_allowed(host: str, allowed: tuple[str, ...] | None) -> bool:
    """Whether a ``Host`` header value (port included or not) names an allowed host.

    ``allowed`` holds names, ``*.suffix`` patterns and addresses; ``None`` or ``"*"`` allows all.
    Loopback IP addresses are allowed whenever ``"127.0.0.1"`` is.
    """
    if allowed is None or "*" in allowed:
        return True
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:port
        host = host[1 : host.find("]")] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    host = host.rstrip(".")
    for pattern in allowed:
        pattern = pattern.lower()
        if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback and ("127.0.0.1" in allowed or "::1" in allowed)


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
    # "detail" too: FastAPI's own error field, which clients of the reference server read
    if is_ollama_path(path):
        return json.dumps({"error": message, "detail": message}).encode()
    body = error_body(message, status=status, param=param, code=code)
    return json.dumps({**body, "detail": message}).encode()


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
    """Host check, auth, content type, body-size limit and deadline, and a secret-free access
    log in front of the app.

    The access log (logger ``sdialog.server.access``, level INFO) records method, path (never
    the query string), status and duration; never headers or bodies.

    Args:
        app: the ASGI app to guard.
        api_key: the bearer token every request must carry (``None`` or ``""``: no auth).
        max_body_bytes: larger request bodies get 413 (the body is read up to the limit only).
        allowed_hosts: ``Host`` header values accepted (see :func:`host_allowed`); others get
            421. ``None``: any.
        body_timeout: seconds a client has to send the whole body (408 after).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        api_key: str | None,
        max_body_bytes: int,
        allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS,
        body_timeout: float = 30.0,
    ):
        self.app = app
        self.api_key = api_key or None
        self.max_body_bytes = max_body_bytes
        self.allowed_hosts = allowed_hosts
        self.body_timeout = body_timeout

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
        host = headers.get(b"host", b"").decode("latin-1")
        if not host_allowed(host, self.allowed_hosts):
            allowed = ", ".join(self.allowed_hosts or ())
            await send_error(
                send,
                path,
                f"host {host[:100]!r} is not served here (allowed: {allowed})",
                status=421,
                code="host_not_allowed",
            )
            return
        if self.api_key is not None and not bearer_matches(
            headers.get(b"authorization"), self.api_key
        ):
            await send_error(
                send,
                path,
                "missing or invalid API key (send 'Authorization: Bearer <key>')",
                status=401,
                code="invalid_api_key",
                headers=[(b"www-authenticate", b"Bearer")],
            )
            return
        if scope.get("method") == "POST":
            kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if kind != b"application/json":
                await send_error(
                    send,
                    path,
                    "POST bodies must be sent with 'Content-Type: application/json'",
                    status=415,
                    code="unsupported_media_type",
                )
                return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(send, path)
            return
        chunks, size = [], 0
        deadline = time.monotonic() + self.body_timeout
        while True:  # buffer the (bounded) body, then replay it to the app
            try:
                message = await asyncio.wait_for(receive(), deadline - time.monotonic())
            except asyncio.TimeoutError:
                await send_error(
                    send,
                    path,
                    f"the request body did not arrive within {self.body_timeout:g} s",
                    status=408,
                    code="request_timeout",
                    headers=[(b"connection", b"close")],
                )
                return
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
