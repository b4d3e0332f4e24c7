"""Auth, limits, error paths, a barrage of bad requests, secret-free logs, isolation of servers.

PITFALLS.md (Server): loopback by default, auth available, generation parameters honoured (see
test_openai_api.py), the event loop never blocked, no class-level state.
"""

from __future__ import annotations

import asyncio
import logging
import threading

import httpx
import pytest

from sdialog.agents import Agent
from sdialog.llm import ScriptedBackend
from sdialog.server import Server

CHAT = "/v1/chat/completions"
GOOD = {"model": "Sam", "messages": [{"role": "user", "content": "Hi"}]}
JSON = {"content-type": "application/json"}


def sam(reply: str = "Hello.") -> Agent:
    return Agent(name="Sam", model=ScriptedBackend([reply]))


def test_loopback_by_default():
    server = Server(sam())
    assert server.host == "127.0.0.1" and server.port == 1333
    assert server.url == "http://127.0.0.1:1333"


@pytest.mark.parametrize("path", ["/health", "/v1/models", "/api/tags", "/api/version"])
def test_auth_on_every_endpoint(serve, path):
    server = serve(sam(), api_key="s3cret-key")
    denied = httpx.get(server.url + path)
    assert denied.status_code == 401
    assert denied.headers["www-authenticate"] == "Bearer"
    wrong = httpx.get(server.url + path, headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401
    ok = httpx.get(server.url + path, headers={"Authorization": "Bearer s3cret-key"})
    assert ok.status_code == 200


def test_auth_with_the_openai_client_and_env_variable(serve, monkeypatch):
    import openai

    monkeypatch.setenv("SDIALOG_SERVER_API_KEY", "from-env")
    server = serve(sam(), api_key=None)
    good = openai.OpenAI(base_url=server.url + "/v1", api_key="from-env", max_retries=0)
    assert good.chat.completions.create(**GOOD).choices[0].message.content == "Hello."
    bad = openai.OpenAI(base_url=server.url + "/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(**GOOD)
    assert httpx.post(server.url + CHAT, json=GOOD).status_code == 401


def test_no_auth_when_key_is_empty(serve, monkeypatch):
    monkeypatch.setenv("SDIALOG_SERVER_API_KEY", "ignored")
    server = serve(sam(), api_key="")
    assert httpx.post(server.url + CHAT, json=GOOD).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "param"),
    [
        ("POST", CHAT, b"{not json", 400, None),
        ("POST", CHAT, b"[1, 2]", 400, None),
        ("POST", CHAT, b'{"model": "Sam"}', 400, "messages"),
        ("POST", CHAT, b'{"model": "Sam", "messages": "hi"}', 400, "messages"),
        ("POST", CHAT, b'{"model": "Sam", "messages": [{"role": "robot"}]}', 400, "messages.role"),
        ("POST", CHAT, b'{"model": "Sam", "messages": [], "temperature": 9}', 400, "temperature"),
        ("POST", CHAT, b'{"model": "Sam", "messages": [], "max_tokens": 0}', 400, "max_tokens"),
        ("POST", CHAT, b'{"model": "Sam", "messages": [], "n": 3}', 400, "n"),
        ("POST", CHAT, b'{"model": "Sam", "messages": []}', 400, "messages"),
        ("POST", CHAT, b'{"model": "Sam", "messages": [], "tools": [{}]}', 400, "tools"),
        ("POST", CHAT, b'{"model": "Nobody", "messages": []}', 404, "model"),
        ("GET", CHAT, b"", 405, None),
        ("GET", "/v1/nothing", b"", 404, None),
        ("GET", "/v1/models/Nobody", b"", 404, "model"),
    ],
)
def test_error_paths(plain_server, method, path, body, status, param):
    response = httpx.request(method, plain_server.url + path, content=body, headers=JSON)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"] and error["param"] == param
    if param:
        assert param.split(".")[0] in error["message"]


@pytest.fixture(scope="module")
def plain_server():
    """One server (no auth) for the many error-path cases."""
    with Server(sam(), port=0, api_key="") as server:
        yield server


def test_request_too_large(serve):
    server = serve(sam(), max_body_bytes=2_000)
    big = {"model": "Sam", "messages": [{"role": "user", "content": "x" * 5_000}]}
    response = httpx.post(server.url + CHAT, json=big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"

    def chunks():  # no Content-Length: the limit applies while reading
        yield b'{"model": "Sam", "messages": [{"role": "user", "content": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'"}]}'

    streamed = httpx.post(server.url + CHAT, content=chunks(), headers=JSON)
    assert streamed.status_code == 413
    assert httpx.post(server.url + CHAT, json=GOOD).status_code == 200


def test_barrage_of_bad_requests_then_a_good_one(serve):
    server = serve(sam("Still here."))
    bad_bodies = [
        b"",
        b"null",
        b"\xff\xfe\x00",
        b'{"messages": [{"role": "user", "content": {"nested": 1}}]}',
        b'{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}',
        b'{"messages": [null]}',
        b'{"model": 12, "messages": []}',
        b'{"model": "Sam", "messages": [], "stop": ["a", "b", "c", "d", "e"]}',
        b'{"model": "Sam", "messages": [], "seed": "x"}',
        b'{"model": "Sam", "messages": [], "stream": "maybe"}',
        b'{"model": "Sam", "conversation_id": "' + b"c" * 300 + b'", "messages": []}',
        b"{" * 5_000,
    ]
    with httpx.Client(base_url=server.url) as http:
        for body in bad_bodies:
            assert 400 <= http.post(CHAT, content=body, headers=JSON).status_code < 500, body[:40]
            for path in ("/api/chat", "/api/show"):  # some bodies are valid for Ollama
                assert http.post(path, content=body, headers=JSON).status_code < 500, (
                    path,
                    body[:40],
                )
        assert http.post(CHAT, json=GOOD).json()["choices"][0]["message"]["content"] == (
            "Still here."
        )


def test_no_secrets_in_logs(serve, caplog):
    caplog.set_level(logging.DEBUG)
    key = "sk-very-secret-123456"
    server = serve(sam(), api_key=key)
    headers = {"Authorization": f"Bearer {key}"}
    httpx.post(server.url + CHAT, json=GOOD, headers=headers)
    httpx.post(server.url + CHAT, json=GOOD, headers={"Authorization": "Bearer sk-guess-999"})
    httpx.post(server.url + CHAT, content=b"{bad", headers={**headers, **JSON})
    httpx.post(server.url + CHAT + "?api_key=" + key, json={**GOOD, "model": "X"}, headers=headers)
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    access = [r.getMessage() for r in server_side if r.name == "sdialog.server.access"]
    assert len(access) == 4 and " 401 " in access[1]  # the access log is on, yet secret-free
    text = "\n".join(r.getMessage() for r in server_side) + repr(server)
    assert key not in text and "sk-guess-999" not in text and "Bearer" not in text


def test_two_servers_share_nothing(serve):
    first = serve(Agent(name="Sam", model=ScriptedBackend(["one"])), stateful=True)
    second = serve(Agent(name="Eve", model=ScriptedBackend(["two"])), api_key="k")
    assert first.port != second.port
    assert httpx.get(first.url + "/v1/models").json()["data"][0]["id"] == "Sam"
    assert httpx.get(second.url + "/v1/models").status_code == 401
    auth = {"Authorization": "Bearer k"}
    assert httpx.get(second.url + "/v1/models", headers=auth).json()["data"][0]["id"] == "Eve"
    assert first.runner is not second.runner
    assert first.app.state.serving is not second.app.state.serving


def test_agent_calls_do_not_block_the_event_loop(serve):
    gate = threading.Event()

    def slow(messages):
        gate.wait(10)  # the reply waits until the health check below has been answered
        return "Done."

    server = serve(Agent(name="Sam", model=ScriptedBackend(slow)))

    async def scenario():
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            pending = asyncio.ensure_future(http.post(CHAT, json=GOOD))
            health = await http.get("/health")
            gate.set()
            return health.status_code, (await pending).json()

    status, reply = asyncio.run(scenario())
    assert status == 200
    assert reply["choices"][0]["message"]["content"] == "Done."


def test_duplicate_agent_names_are_refused():
    with pytest.raises(ValueError, match="two agents are named"):
        Server([sam(), sam()])
