"""A small, scriptable OpenAI-compatible chat server for testing remote backends over real HTTP.

It serves ``POST /v1/chat/completions`` (non-streaming, OpenAI's response shape) and
``GET /v1/models`` on 127.0.0.1 (ephemeral port) from a daemon thread, built on the standard
library only. Every request's body and headers are recorded, the peak number of requests in
flight is tracked, and each request consumes the next scripted behaviour (reply text, JSON,
tool calls, an HTTP error, a delay); when the script is empty the default behaviour answers
(an echo of the last user message unless changed).

Example:
    >>> with running_stub_server() as server:
    ...     server.script(reply("Hello!"), error(429))
    ...     url = server.url + "/v1"  # give this to the client as its base URL
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ERROR_TYPES = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("authentication_error", "invalid_api_key"),
    404: ("not_found_error", "model_not_found"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    500: ("server_error", "internal_error"),
    502: ("server_error", "bad_gateway"),
    503: ("server_error", "overloaded"),
}


@dataclass
class Behaviour:
    """What the server does for one request.

    ``echo=True`` answers with the last user message, ``responder`` with ``responder(body)`` (the
    request body as a dict); otherwise ``text`` (and ``tool_calls``).
    ``status`` other than 200 answers with an OpenAI-style error body. ``delay`` seconds are
    waited before answering (the request counts as in flight meanwhile).
    """

    text: str | None = None
    echo: bool = False
    responder: Callable[[dict[str, Any]], str] | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str | None = None
    status: int = 200
    error_message: str = ""
    delay: float = 0.0
    usage: tuple[int, int] | None = None
    raw_body: bytes | None = None
    """Sent as it is with status 200 (malformed or odd bodies); see :func:`raw`."""
    declared_length: int | None = None
    """A ``Content-Length`` larger than ``raw_body``: the body is cut off (truncated reply)."""
    reset: bool = False
    """Close the connection without answering (a connection reset)."""


def reply(
    text: str,
    *,
    delay: float = 0.0,
    finish_reason: str = "stop",
    usage: tuple[int, int] | None = None,
) -> Behaviour:
    """Answer with ``text``."""
    return Behaviour(text=text, delay=delay, finish_reason=finish_reason, usage=usage)


def json_reply(value: Any, *, delay: float = 0.0) -> Behaviour:
    """Answer with ``value`` serialised as JSON text."""
    return Behaviour(text=json.dumps(value), delay=delay)


def tool_call_reply(*calls: tuple[str, dict[str, Any]], delay: float = 0.0) -> Behaviour:
    """Answer with tool calls, each ``(name, arguments)``; arguments are sent as a JSON string."""
    specs = [
        {
            "id": f"call_stub_{i}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }
        for i, (name, arguments) in enumerate(calls)
    ]
    return Behaviour(text=None, tool_calls=specs, finish_reason="tool_calls", delay=delay)


def error(status: int, message: str = "", *, delay: float = 0.0) -> Behaviour:
    """Answer with HTTP ``status`` and an OpenAI-style ``{"error": {...}}`` body."""
    return Behaviour(status=status, error_message=message or f"stub error {status}", delay=delay)


def raw(body: bytes | str | Any, *, truncate_to: int | None = None) -> Behaviour:
    """Answer 200 with ``body`` as it is (bytes or text; anything else is sent as JSON), e.g. a
    malformed body or ``{"choices": []}``. ``truncate_to=n`` sends only the first ``n`` bytes
    while announcing the whole length (a truncated reply)."""
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    data = body.encode("utf-8") if isinstance(body, str) else body
    if truncate_to is None:
        return Behaviour(raw_body=data)
    return Behaviour(raw_body=data[:truncate_to], declared_length=len(data))


def reset() -> Behaviour:
    """Close the connection without an answer."""
    return Behaviour(reset=True)


def chat_body(content: Any = "ok", **choice: Any) -> dict[str, Any]:
    """A complete chat-completion body whose first choice's message content is ``content``
    (use with :func:`raw` to send odd values, e.g. ``chat_body(["not", "text"])``)."""
    return {
        "id": "chatcmpl-raw",
        "object": "chat.completion",
        "created": 0,
        "model": "stub-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                **choice,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def echo(*, delay: float = 0.0) -> Behaviour:
    """Answer with the last user message."""
    return Behaviour(echo=True, delay=delay)


def respond(responder: Callable[[dict[str, Any]], str], *, delay: float = 0.0) -> Behaviour:
    """Answer with ``responder(body)``: the reply depends on the request, not on arrival order."""
    return Behaviour(responder=responder, delay=delay)


@dataclass
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    arrived: float = field(default_factory=time.monotonic)
    """``time.monotonic()`` when the request arrived."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages") or [])


def _text_of(content: Any) -> str:
    if isinstance(content, list):  # OpenAI content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def _words(text: str) -> int:
    return len(text.split())


class StubServer:
    """The server state: script, recorded requests and in-flight counters (all thread-safe)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._lock = threading.Lock()
        self._script: deque[Behaviour] = deque()
        self._stopping = threading.Event()
        self.default: Behaviour = echo()
        self.router: Callable[[dict[str, Any]], Behaviour] | None = None
        """When set (and the script is empty), ``router(body)`` picks each request's behaviour:
        e.g. fail the rows whose messages mention a word, answer the others."""
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._httpd = _Server((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a delay
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # -- scripting and inspection ----------------------------------------------------------------
    def script(self, *behaviours: Behaviour) -> None:
        """Queue behaviours for the next requests, in order."""
        with self._lock:
            self._script.extend(behaviours)

    @property
    def pending(self) -> int:
        """Scripted behaviours not consumed yet."""
        with self._lock:
            return len(self._script)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The recorded ``POST /v1/chat/completions`` requests, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0].endswith("/chat/completions")]

    # -- request handling (called from handler threads) ---------------------------------------
    def _next_behaviour(self, body: Any = None) -> Behaviour:
        with self._lock:
            if self._script:
                return self._script.popleft()
            router = self.router
        if router is not None:
            return router(body if isinstance(body, dict) else {})
        return self.default

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _chat(self, body: dict[str, Any], behaviour: Behaviour) -> tuple[int, dict[str, Any]]:
        if behaviour.status != 200:
            kind, code = _ERROR_TYPES.get(behaviour.status, ("server_error", "error"))
            return behaviour.status, {
                "error": {
                    "message": behaviour.error_message,
                    "type": kind,
                    "param": None,
                    "code": code,
                }
            }
        messages = body.get("messages") or []
        if behaviour.echo:
            users = [m for m in messages if m.get("role") == "user"]
            text: str | None = _text_of(users[-1].get("content")) if users else ""
        elif behaviour.responder is not None:
            text = behaviour.responder(body)
        else:
            text = behaviour.text
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if behaviour.tool_calls:
            message["tool_calls"] = behaviour.tool_calls
        if behaviour.usage is not None:
            prompt_tokens, completion_tokens = behaviour.usage
        else:
            prompt_tokens = sum(_words(_text_of(m.get("content"))) for m in messages)
            completion_tokens = _words(text or "")
        with self._lock:
            number = len(self.requests)
        return 200, {
            "id": f"chatcmpl-stub-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "stub-model"),
            "system_fingerprint": None,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": behaviour.finish_reason or "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


class _Server(ThreadingHTTPServer):
    request_queue_size = 512  # the default backlog of 5 refuses bursts of concurrent clients
    daemon_threads = True


def _make_handler(server: StubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so no keep-alive connection outlives a test
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def _send(self, status: int, payload: Any, declared: int | None = None) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(declared or len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (e.g. its timeout expired)
                pass

        def do_GET(self) -> None:
            server._record(
                RecordedRequest(
                    "GET", self.path, {k.lower(): v for k, v in self.headers.items()}, None
                )
            )
            if self.path.split("?")[0].rstrip("/").endswith("/models"):
                self._send(
                    200,
                    {
                        "object": "list",
                        "data": [
                            {
                                "id": "stub-model",
                                "object": "model",
                                "created": 0,
                                "owned_by": "stub",
                            }
                        ],
                    },
                )
            else:
                self._send(
                    404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
                )

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = {"_unparsed": raw.decode("utf-8", "replace")}
            headers = {k.lower(): v for k, v in self.headers.items()}
            if not self.path.split("?")[0].rstrip("/").endswith("/chat/completions"):
                server._record(RecordedRequest("POST", self.path, headers, body))
                self._send(
                    404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
                )
                return
            server._enter()
            try:
                server._record(RecordedRequest("POST", self.path, headers, body))
                behaviour = server._next_behaviour(body)
                server._wait(behaviour.delay)
                if behaviour.reset:
                    self.close_connection = True
                    with contextlib.suppress(OSError):  # RST instead of an orderly close
                        linger = b"\x01\x00\x00\x00\x00\x00\x00\x00"
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                        self.connection.close()
                    return
                if behaviour.raw_body is not None:
                    status, payload = 200, behaviour.raw_body
                    self._send(status, payload, behaviour.declared_length)
                    return
                try:
                    status, payload = server._chat(
                        body if isinstance(body, dict) else {}, behaviour
                    )
                except Exception as exc:  # a broken responder: report it instead of hanging up
                    status, payload = server._chat({}, error(500, f"stub failure: {exc!r}"))
            finally:
                server._leave()
            self._send(status, payload)

    return Handler


@contextlib.contextmanager
def running_stub_server() -> Iterator[StubServer]:
    """Start a :class:`StubServer` on an ephemeral loopback port; stop it on exit."""
    server = StubServer().start()
    try:
        yield server
    finally:
        server.stop()


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def forbid_non_loopback(monkeypatch: Any) -> None:
    """Make every connection or name lookup that is not loopback fail (with pytest's
    ``monkeypatch``, so it is undone after the test): a test can never reach the internet."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(address: Any) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            raise OSError(f"test network guard: refusing connection to {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback(host):
            raise socket.gaierror(f"test network guard: refusing to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
