"""A hostile-client suite: real servers on loopback, real sockets, bad and slow clients.

Issue 12 (Server): DoS with a local model, slow clients, browser-borne requests, JSON and
Unicode edge cases, secrets in 502 bodies. Each case asserts a 4xx (never a 5xx), and that the
server keeps answering afterwards.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest

from sdialog.agents import Agent
from sdialog.llm import ScriptedBackend
from sdialog.llm.base import BackendError

CHAT = "/v1/chat/completions"
JSON = {"content-type": "application/json"}
HI = [{"role": "user", "content": "Hi"}]
CLOSE = b"connection: close\r\n"


def sam(reply="Hello.", **params) -> Agent:
    return Agent(name="Sam", model=ScriptedBackend([reply], **params))


def request(path: str, body: dict, *, stream: bool) -> dict:
    """``body`` with the streaming flag of ``path``'s protocol."""
    return {**body, "stream": stream}


def raw_http(server, data: bytes, *, wait: float = 5.0) -> bytes:
    """Send raw bytes on a fresh connection; everything the server answers until it closes or
    ``wait`` seconds pass."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait) as sock:
        sock.sendall(data)
        return _read_all(sock, wait)


def _read_all(sock: socket.socket, wait: float) -> bytes:
    chunks, deadline = [], time.monotonic() + wait
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def post_bytes(path: str, body: bytes, host: str = "127.0.0.1", extra: bytes = b"") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n".encode()
        + extra
        + b"\r\n"
        + body
    )


# -- JSON and Unicode ----------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_400_and_the_connection_stays_usable(serve, depth):
    server = serve(sam())
    deep = b'{"model": "Sam", "messages": ' + b"[" * depth + b"]" * depth + b"}"
    good = json.dumps({"model": "Sam", "messages": HI}).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for path in (CHAT, "/api/chat", "/api/show"):
            sock.sendall(post_bytes(path, deep))
            head = sock.recv(65536)
            while b"\r\n\r\n" not in head:
                head += sock.recv(65536)
            assert head.startswith(b"HTTP/1.1 400"), head[:200]
            assert b"nests deeper" in _rest_of_response(sock, head)
        sock.sendall(post_bytes(CHAT, good))  # the same keep-alive connection
        answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


def _rest_of_response(sock: socket.socket, head: bytes) -> bytes:
    header, _, body = head.partition(b"\r\n\r\n")
    lines = header.lower().split(b"\r\n")
    length = int(next(line.split(b":")[1] for line in lines if line.startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(65536)
    return body


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("path", [CHAT, "/api/chat"])
def test_lone_surrogate_is_400_on_every_route(serve, path, stream):
    server = serve(sam())
    body = request(path, {"model": "Sam", "messages": [{"role": "user", "content": "a\ud800b"}]},
                   stream=stream)  # fmt: skip
    raw = json.dumps(body).encode()  # ensure_ascii: the surrogate travels as "\ud800"
    response = httpx.post(server.url + path, content=raw, headers=JSON)
    assert response.status_code == 400
    assert "surrogate" in response.json()["detail"]
    assert httpx.get(server.url + "/health").status_code == 200


def test_lone_surrogate_in_the_model_name_and_options(serve):
    server = serve(sam())
    for path, body in [
        ("/api/show", {"model": "\udfff"}),
        ("/api/chat", {"model": "Sam", "messages": HI, "options": {"stop": ["\ud83d"]}}),
        (CHAT, {"model": "Sam", "messages": HI, "user": "\udc80"}),
    ]:
        response = httpx.post(server.url + path, content=json.dumps(body).encode(), headers=JSON)
        assert response.status_code == 400, (path, response.text)


def test_non_ascii_bearer_key_sent_as_utf8(serve):
    key = "clé-ключ-鍵-42"
    server = serve(sam(), api_key=key)
    good = httpx.post(
        server.url + CHAT,
        json={"model": "Sam", "messages": HI},
        headers={"Authorization": f"Bearer {key}".encode()},
    )
    assert good.status_code == 200
    wrong = httpx.get(server.url + "/health", headers={"Authorization": b"Bearer cl\xc3\xa9"})
    assert wrong.status_code == 401
    latin1 = f"Bearer {key[:3]}".encode("latin-1")  # "clé" in latin-1 is not the key's bytes
    assert httpx.get(server.url + "/health", headers={"Authorization": latin1}).status_code == 401


def test_long_unknown_model_name_is_truncated_in_the_404(serve):
    server = serve(sam())
    name = "m" * 100_000
    for path, body in [(CHAT, {"model": name, "messages": HI}), ("/api/show", {"model": name}),
                       ("/api/chat", {"model": name, "messages": HI})]:  # fmt: skip
        response = httpx.post(server.url + path, json=body)
        assert response.status_code == 404
        assert len(response.content) < 2_000 and "not found" in response.json()["detail"]
    assert httpx.get(server.url + "/v1/models/" + "x" * 5_000).status_code == 404


def test_stateful_conversation_length_is_capped(serve):
    server = serve(sam(), stateful=True, max_conversation_messages=6)
    headers = {"x-conversation-id": "long"}
    codes = []
    for i in range(5):
        body = {"model": "Sam", "messages": [{"role": "user", "content": f"turn {i}"}]}
        codes.append(httpx.post(server.url + CHAT, json=body, headers=headers).status_code)
    assert codes[:2] == [200, 200] and codes[-1] == 400
    refused = httpx.post(server.url + CHAT, json={"model": "Sam", "messages": HI}, headers=headers)
    assert refused.json()["error"]["code"] == "conversation_too_long"
    other = httpx.post(server.url + CHAT, json={"model": "Sam", "messages": HI},
                       headers={"x-conversation-id": "fresh"})  # fmt: skip
    assert other.status_code == 200


# -- browser-borne requests ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "text/plain"},
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "multipart/form-data; boundary=x"},
        {},
    ],
)
def test_post_without_json_content_type_is_415(serve, headers):
    server = serve(sam())
    body = json.dumps({"model": "Sam", "messages": HI}).encode()
    for path in (CHAT, "/api/chat", "/api/show"):
        response = httpx.post(server.url + path, content=body, headers=headers)
        assert response.status_code == 415, (path, headers)
    ok = httpx.post(server.url + CHAT, content=body,
                    headers={"content-type": "Application/JSON; charset=utf-8"})  # fmt: skip
    assert ok.status_code == 200


def test_foreign_host_is_refused_loopback_names_accepted(serve):
    server = serve(sam())
    good = json.dumps({"model": "Sam", "messages": HI}).encode()
    for host in ("evil.example", "evil.example:1333", "127.0.0.1.nip.io", "192.168.1.10"):
        answer = raw_http(server, post_bytes(CHAT, good, host=host, extra=CLOSE), wait=3)
        assert answer.startswith(b"HTTP/1.1 421"), (host, answer[:100])
    for host in ("localhost", f"localhost:{server.port}", "127.0.0.1", "[::1]:80", "api.localhost"):
        answer = raw_http(server, post_bytes(CHAT, good, host=host, extra=CLOSE), wait=3)
        assert answer.startswith(b"HTTP/1.1 200"), (host, answer[:100])


def test_allowed_hosts_are_configurable(serve):
    server = serve(sam(), allowed_hosts=["agents.internal"])
    get = b"GET /health HTTP/1.1\r\nConnection: close\r\nHost: %s\r\n\r\n"
    assert raw_http(server, get % b"agents.internal:8080", wait=2).startswith(b"HTTP/1.1 200")
    assert raw_http(server, get % b"localhost", wait=2).startswith(b"HTTP/1.1 421")
    open_server = serve(sam(), allowed_hosts="*")
    assert raw_http(open_server, get % b"anything", wait=2).startswith(b"HTTP/1.1 200")


# -- denial of service ---------------------------------------------------------------------------
def test_many_short_messages_are_refused_fast(serve):
    server = serve(sam())
    many = {"model": "Sam", "messages": [{"role": "user", "content": "hi"}] * 20_000}
    for path in (CHAT, "/api/chat"):
        response = httpx.post(server.url + path, json={**many, "stream": False}, timeout=30)
        assert response.status_code == 400 and "20000 messages" in response.json()["detail"]


@pytest.mark.parametrize("path", [CHAT, "/api/chat"])
def test_stop_strings_are_capped_on_every_route(serve, path):
    server = serve(sam())

    def stops(value):
        if path == CHAT:
            return {"model": "Sam", "messages": HI, "stop": value}
        return {"model": "Sam", "messages": HI, "options": {"stop": value}, "stream": False}

    assert httpx.post(server.url + path, json=stops("x" * 100_000)).status_code == 400
    assert httpx.post(server.url + path, json=stops(["a"] * 5)).status_code == 400
    assert httpx.post(server.url + path, json=stops(["y" * 300])).status_code == 400
    assert httpx.post(server.url + path, json=stops(["\nUser:", "x" * 256])).status_code == 200


def test_prompt_over_the_budget_is_400_with_the_counts(serve):
    server = serve(sam(max_tokens=10), max_prompt_tokens=300)
    long = [{"role": "user", "content": "word " * 400}]
    for path in (CHAT, "/api/chat"):
        response = httpx.post(server.url + path, json={"model": "Sam", "messages": long,
                                                       "stream": False})  # fmt: skip
        assert response.status_code == 400
        message = response.json()["detail"]
        assert "context window of 300" in message and "max_tokens is 10" in message
    assert httpx.post(server.url + CHAT, json={"model": "Sam", "messages": HI}).status_code == 200


def test_prompt_over_a_local_models_context_window(serve, tiny_model):
    """The tiny model's window (2,048 byte tokens) is read from its config."""
    from sdialog.llm import LocalBackend

    backend = LocalBackend("huggingface:tiny", temperature=0, max_tokens=8, cache=False)
    server = serve(Agent(name="Tiny", model=backend))
    long = [{"role": "user", "content": "z" * 3_000}]
    response = httpx.post(server.url + CHAT, json={"model": "Tiny", "messages": long})
    assert response.status_code == 400
    assert "context window of 2048" in response.json()["detail"]
    short = httpx.post(server.url + CHAT, json={"model": "Tiny", "messages": HI})
    assert short.status_code == 200


def test_max_tokens_above_the_server_limit_is_400(serve):
    server = serve(sam(), max_tokens_limit=100)
    body = {"model": "Sam", "messages": HI, "max_tokens": 101}
    assert httpx.post(server.url + CHAT, json=body).status_code == 400
    ollama = {"model": "Sam", "messages": HI, "options": {"num_predict": 10**9}, "stream": False}
    assert httpx.post(server.url + "/api/chat", json=ollama).status_code == 400


class Gate:
    """A scripted model that blocks until released (and counts its calls)."""

    def __init__(self, reply: str = "Done."):
        self.release = threading.Event()
        self.entered = threading.Event()
        self.calls = 0
        self.reply = reply

    def __call__(self, messages):
        self.calls += 1
        self.entered.set()
        assert self.release.wait(20), "never released"
        return self.reply


def test_queue_is_bounded_with_503_and_retry_after(serve):
    gate = Gate()
    server = serve(Agent(name="Sam", model=ScriptedBackend(gate)), max_queued=1)
    results = []
    first = threading.Thread(
        target=lambda: results.append(
            httpx.post(server.url + CHAT, json={"model": "Sam", "messages": HI}, timeout=30)
        )
    )
    first.start()
    assert gate.entered.wait(10)
    busy = httpx.post(server.url + CHAT, json={"model": "Sam", "messages": HI})
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    assert httpx.get(server.url + "/health").json()["in_flight"] == 1  # the loop is free
    gate.release.set()
    first.join(30)
    assert results[0].status_code == 200
    assert httpx.post(server.url + CHAT, json={"model": "Sam", "messages": HI}).status_code == 200


def test_client_disconnect_cancels_the_remaining_model_calls(serve):
    """An empty reply would be retried; the client is gone, so the retry is never made."""
    gate = Gate(reply="")
    server = serve(Agent(name="Sam", model=ScriptedBackend(gate)))
    body = json.dumps({"model": "Sam", "messages": HI}).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(post_bytes(CHAT, body))
        assert gate.entered.wait(10)
    deadline = time.monotonic() + 10
    while server.runner.cancelled == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.runner.cancelled == 1
    gate.release.set()
    while server.runner.in_flight and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    assert gate.calls == 1 and server.runner.in_flight == 0


def test_queued_request_of_a_gone_client_makes_no_model_call(serve):
    gate = Gate()
    server = serve(
        Agent(name="Sam", model=ScriptedBackend(gate)), max_parallel_batches=1, batch_window_ms=0
    )
    body = json.dumps({"model": "Sam", "messages": HI}).encode()
    first = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    first.sendall(post_bytes(CHAT, body, extra=CLOSE))
    assert gate.entered.wait(10)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as second:
        second.sendall(post_bytes(CHAT, body))
        time.sleep(0.3)  # queued behind the first batch
    deadline = time.monotonic() + 10
    while server.runner.cancelled == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    gate.release.set()
    assert _read_all(first, 10).startswith(b"HTTP/1.1 200")
    first.close()
    time.sleep(0.3)
    assert gate.calls == 1 and server.runner.cancelled == 1


# -- slow clients --------------------------------------------------------------------------------
def test_slow_headers_are_cut_with_408(serve):
    server = serve(sam(), header_timeout=0.5)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
        for _ in range(3):
            time.sleep(0.2)
            try:
                sock.sendall(b"X-Slow: 1\r\n")
            except OSError:
                break
        answer = _read_all(sock, 5)
    assert answer.startswith(b"HTTP/1.1 408") and time.monotonic() - started < 4
    silent = raw_http(server, b"", wait=3)  # connects and says nothing
    assert silent.startswith(b"HTTP/1.1 408")


def test_slow_body_is_cut_with_408(serve):
    server = serve(sam(), body_timeout=0.5)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
        sock.sendall(head + b"content-type: application/json\r\ncontent-length: 100\r\n\r\n{")
        answer = _read_all(sock, 4)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert httpx.get(server.url + "/health").status_code == 200


def test_idle_keep_alive_connections_are_closed(serve):
    server = serve(sam(), keep_alive_timeout=1)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        started = time.monotonic()
        answer = _read_all(sock, 5)  # the answer, then EOF when the idle timer fires
    assert answer.startswith(b"HTTP/1.1 200") and time.monotonic() - started < 4


def test_connection_limit_evicts_the_longest_waiting(serve):
    """12 silent connections on a 5-connection server: the 7 oldest are closed (408), and a
    prompt client still gets its answer while slow ones hold every slot."""
    server = serve(sam(), max_connections=5, header_timeout=30)
    socks = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(12)]
    try:
        time.sleep(0.3)
        closed = []
        for sock in socks:
            answer = _read_all(sock, 0.3)
            closed.append(answer.startswith(b"HTTP/1.1 408"))
        assert closed == [True] * 7 + [False] * 5
        health = httpx.get(server.url + "/health", headers={"connection": "close"}, timeout=5)
        assert health.status_code == 200
    finally:
        for sock in socks:
            sock.close()


# -- secrets -------------------------------------------------------------------------------------
def test_upstream_error_text_is_redacted_in_502(serve, monkeypatch):
    secret = "sk-upstream-secret-0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", secret)

    def failing(messages):
        raise BackendError(
            f"401 from provider: invalid key {secret} (Authorization: Bearer {secret})"
        )

    server = serve(Agent(name="Sam", model=ScriptedBackend(failing)), api_key="srv-key-987654")
    headers = {"Authorization": "Bearer srv-key-987654"}
    for path in (CHAT, "/api/chat"):
        body = {"model": "Sam", "messages": HI, "stream": False}
        response = httpx.post(server.url + path, json=body, headers=headers)
        assert response.status_code == 502
        assert secret not in response.text and "srv-key-987654" not in response.text
        assert "invalid key ***" in response.text
