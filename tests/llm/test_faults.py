"""Fault injection for remote backends: a real local HTTP server answers with 429/5xx, connection
resets, timeouts, malformed and truncated bodies and empty choices, over both transports (litellm
and the direct OpenAI-compatible one). Asserts request counts (one retry budget per request, good
rows never sent again), the messages, recorded failures, and that no dialog file is corrupt."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before anything imports litellm

from sdialog.corpus import generate_corpus
from sdialog.dialog import Dialog
from sdialog.llm import BackendError
from sdialog.llm.remote import RemoteBackend
from sdialog.scenario import Scenario
from tests.llm.stub_server import (
    chat_body,
    echo,
    error,
    forbid_non_loopback,
    raw,
    reply,
    reset,
    running_stub_server,
)

USER = [{"role": "user", "content": "Hello there"}]
RETRIES = 2


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    forbid_non_loopback(monkeypatch)


@pytest.fixture(params=["litellm", "openai"])
def transport(request):
    return request.param


@pytest.fixture
def server():
    with running_stub_server() as stub:
        yield stub


def backend(server, transport, **kwargs) -> RemoteBackend:
    options = {
        "api_base": server.url + "/v1",
        "api_key": "sk-fault-KEY-0123456789",
        "backoff": 0.01,
        "max_retries": RETRIES,
        "cache": False,
        "transport": transport,
        "timeout": 5,
    }
    options.update(kwargs)
    return RemoteBackend("openai/stub-model", **options)


# -- transient faults are retried by both transports, then the reply is used -------------------
TRANSIENT = {
    "429": error(429),
    "500": error(500),
    "503": error(503),
    "reset": reset(),
    "malformed": raw(b"{this is not json"),
    "truncated": raw(chat_body("cut off"), truncate_to=40),
    "html": raw(b"<html><body>Bad gateway</body></html>"),
    "empty-choices": raw({"id": "x", "object": "chat.completion", "choices": []}),
    "null-choices": raw({"id": "x", "object": "chat.completion", "choices": None}),
}


@pytest.mark.parametrize("fault", sorted(TRANSIENT))
def test_a_transient_fault_is_retried_then_the_reply_is_used(server, transport, fault):
    server.script(TRANSIENT[fault], reply("Recovered."))
    completion = backend(server, transport).complete(USER)
    assert completion.text == "Recovered."
    assert len(server.chat_requests) == 2


# -- what the final error says ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("behaviour", "words"),
    [
        (raw({"id": "x", "object": "chat.completion", "choices": []}), ["choices = []"]),
        (
            raw({"id": "x", "object": "chat.completion", "choices": None}),
            ["choices = None", "'choices' that is not a list"],
        ),
        (raw(b"{this is not json"), ["not JSON", "Expecting property name"]),
        (raw(chat_body(["not", "text"])), ["non-text content (list)", "valid string"]),
        (raw(chat_body({"parts": 1})), ["non-text content (dict)", "valid string"]),
        (error(503, "overloaded, try later"), ["overloaded, try later"]),
    ],
)
def test_a_persistent_fault_fails_after_one_retry_budget_saying_what_was_sent(
    server, transport, behaviour, words
):
    server.default = behaviour
    with pytest.raises(BackendError) as caught:
        backend(server, transport).complete(USER)
    message = str(caught.value)
    assert f"after {RETRIES + 1} attempt(s)" in message
    # the direct transport's own words, or litellm's (the last line of the traceback it quotes)
    assert any(w in message for w in words), message
    assert "IndexError" not in message and "Traceback" not in message
    assert len(server.chat_requests) == RETRIES + 1


def test_a_client_error_is_not_retried(server, transport):
    server.default = error(400, "bad request: unknown field")
    with pytest.raises(BackendError, match="unknown field"):
        backend(server, transport).complete(USER)
    assert len(server.chat_requests) == 1


def test_a_timeout_names_the_timeout(server, transport):
    server.default = reply("late", delay=3)
    with pytest.raises(BackendError) as caught:
        backend(server, transport, timeout=0.3, max_retries=1).complete(USER)
    assert "0.3" in str(caught.value) and "timeout" in str(caught.value).lower()
    assert len(server.chat_requests) == 2


def test_a_reply_cut_by_max_tokens_is_marked(server, transport):
    server.script(reply("A sentence that went on and", finish_reason="length"))
    completion = backend(server, transport).complete(USER)
    assert completion.finish_reason == "length"


# -- request counts: one retry budget per request, good rows never re-sent --------------------
def test_a_failing_provider_costs_one_retry_budget_per_row(server, transport):
    server.default = error(503)
    rows = [[{"role": "user", "content": f"row {i}"}] for i in range(3)]
    outcomes = backend(server, transport).complete_batch(rows, return_exceptions=True)
    assert all(isinstance(o, BackendError) for o in outcomes)
    assert len(server.chat_requests) == 3 * (RETRIES + 1)


def test_in_a_mixed_batch_the_good_rows_are_sent_once(server, transport):
    server.router = lambda body: error(500) if "FAIL" in json.dumps(body) else echo()
    rows = [
        [{"role": "user", "content": f"row {i} {'FAIL' if i in (2, 5) else ''}"}] for i in range(8)
    ]
    outcomes = backend(server, transport).complete_batch(rows, return_exceptions=True)
    assert [isinstance(o, BackendError) for o in outcomes] == [i in (2, 5) for i in range(8)]
    assert outcomes[0].text.strip() == "row 0"
    sent = [r.messages[-1]["content"] for r in server.chat_requests]
    assert len(sent) == 6 + 2 * (RETRIES + 1)
    assert all(sent.count(f"row {i} ") == 1 for i in (0, 1, 3, 4, 6, 7))
    with pytest.raises(BackendError):  # without return_exceptions, the batch raises at the end
        backend(server, transport).complete_batch(rows)


# -- a whole corpus run against a flaky provider ------------------------------------------------
def scenario(server, transport, name="flaky") -> Scenario:
    return Scenario.model_validate(
        {
            "name": name,
            "model": "openai/stub-model",
            "params": {
                "api_base": server.url + "/v1",
                "api_key": "sk-fault-KEY-0123456789",
                "transport": transport,
                "backoff": 0.01,
                "max_retries": RETRIES,
                "cache": False,
                "timeout": 5,
            },
            "max_turns": 4,
            "agents": [{"name": "Ana", "first_utterance": "Hello!"}, {"name": "Ben"}],
        }
    )


def test_a_dead_provider_records_every_dialog_as_a_failure_and_costs_one_budget_per_dialog(
    server, transport, tmp_path
):
    server.default = error(503, "down for maintenance")
    result = generate_corpus(scenario(server, transport), n=3, out_dir=tmp_path, progress=False)
    assert (result.written, result.failed) == (0, 3)
    assert len(server.chat_requests) == 3 * (RETRIES + 1)  # was 30 with retries on retries
    failures = [json.loads(line) for line in (tmp_path / "failures.jsonl").read_text().splitlines()]
    assert len(failures) == 3 and all("down for maintenance" in f["error"] for f in failures)
    assert not list((tmp_path / "dialogs").glob("*.json"))


def test_a_flaky_provider_loses_no_dialog_and_corrupts_no_file(server, transport, tmp_path):
    faults = [error(429), reset(), raw(b"{oops"), raw(chat_body("x"), truncate_to=30), error(502)]
    counter = {"n": 0}

    def router(body):
        counter["n"] += 1
        if counter["n"] % 3 == 0:  # every third request fails once, in varied ways
            return faults[(counter["n"] // 3) % len(faults)]
        last = [m for m in body.get("messages", []) if m.get("role") == "user"]
        return reply(f"Reply {counter['n']} to: {last[-1]['content'][:20] if last else 'hi'}.")

    server.router = router
    result = generate_corpus(scenario(server, transport), n=4, out_dir=tmp_path, progress=False)
    assert (result.written, result.failed) == (4, 0)
    assert not (tmp_path / "failures.jsonl").exists()
    for path in sorted((tmp_path / "dialogs").glob("*.json")):
        dialog = Dialog.from_file(path)
        assert len(dialog.turns) == 4 and all(t.text for t in dialog.turns)
    assert "sk-fault-KEY" not in "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())


# -- api_base with credentials or a query string (the direct transport) -----------------------
def test_api_base_with_user_password_and_query_string(server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    host = server.url.split("://", 1)[1]
    base = f"http://bob:pw%40x@{host}/v1?api-version=2024-06-01"
    completion = backend(server, "openai", api_base=base, api_key=None).complete(USER)
    assert completion.text == "Hello there"
    request = server.chat_requests[-1]
    assert request.path == "/v1/chat/completions?api-version=2024-06-01"
    assert request.headers["authorization"] == "Basic Ym9iOnB3QHg="  # bob:pw@x
    with pytest.raises(BackendError, match="user:password@ and an API key"):
        backend(server, "openai", api_base=base, api_key="sk-also-a-key-123").complete(USER)
    with pytest.raises(BackendError, match="http"):
        backend(server, "openai", api_base="localhost:8000/v1").complete(USER)


def test_without_any_key_no_authorization_is_sent(server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    backend(server, "openai", api_key=None).complete(USER)
    assert "authorization" not in server.chat_requests[-1].headers


@pytest.mark.parametrize("extra", ["bob:pw@", "?api-version=2024-06-01"])
def test_litellm_refuses_an_api_base_it_cannot_send_with_a_clear_error(server, extra):
    host = server.url.split("://", 1)[1]
    base = f"http://bob:pw@{host}/v1" if "@" in extra else f"http://{host}/v1{extra}"
    with pytest.raises(BackendError, match="transport='openai'") as caught:
        backend(server, "litellm", api_base=base).complete(USER)
    assert "pw" not in str(caught.value)
    assert not server.chat_requests
