"""RemoteBackend over real HTTP (litellm, and the direct aiohttp transport) against a local
OpenAI-compatible stub server.

Nothing in litellm is patched; the only network is loopback (a guard below refuses any other
address, so a test that would reach the internet fails instead).
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pydantic import BaseModel

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before anything imports litellm

from sdialog.llm import (
    BackendError,
    ResponseCache,
    StructuredOutputError,
    UnsupportedFeatureError,
    function_to_tool,
    get_backend,
)
from sdialog.llm.remote import RemoteBackend
from tests.llm.stub_server import (
    Behaviour,
    StubServer,
    echo,
    error,
    forbid_non_loopback,
    json_reply,
    reply,
    respond,
    running_stub_server,
    tool_call_reply,
)

KEY = "sk-test-SECRET123"
USER = [{"role": "user", "content": "Hello there"}]


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    forbid_non_loopback(monkeypatch)


_TRANSPORT = {"name": "auto"}


@pytest.fixture(autouse=True, params=["litellm", "openai"])
def transport(request):
    """Every test runs over both transports: litellm, and the direct aiohttp path that
    ``transport="auto"`` picks for OpenAI-compatible endpoints."""
    _TRANSPORT["name"] = request.param
    yield request.param
    _TRANSPORT["name"] = "auto"


@pytest.fixture
def server():
    with running_stub_server() as stub:
        yield stub


def make_backend(server: StubServer, **kwargs) -> RemoteBackend:
    options = {
        "api_base": server.url + "/v1",
        "api_key": KEY,
        "backoff": 0.01,
        "cache": False,
        "transport": _TRANSPORT["name"],
    }
    options.update(kwargs)
    return RemoteBackend("openai/stub-model", **options)


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


class Person(BaseModel):
    name: str
    age: int


def get_weather(city: str, unit: str = "C") -> str:
    """Current weather in a city.

    Args:
        city: the city name.
        unit: C or F.
    """
    return "sunny"


# -- the stub itself -----------------------------------------------------------------------------
def _http(method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_stub_answers_in_openais_response_shape(server):
    from openai.types import Model
    from openai.types.chat import ChatCompletion

    status, models = _http("GET", server.url + "/v1/models")
    assert status == 200 and models["object"] == "list"
    assert [Model.model_validate(m).id for m in models["data"]] == ["stub-model"]
    server.script(reply("Hi!", usage=(4, 1)), tool_call_reply(("f", {"x": 1})), error(429, "slow"))
    status, payload = _http("POST", server.url + "/v1/chat/completions", {"messages": USER})
    assert status == 200
    assert set(payload) >= {"id", "object", "created", "model", "choices", "usage"}
    completion = ChatCompletion.model_validate(payload)
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "Hi!"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens == 5
    status, payload = _http("POST", server.url + "/v1/chat/completions", {"messages": USER})
    call = ChatCompletion.model_validate(payload).choices[0]
    assert call.finish_reason == "tool_calls"
    assert json.loads(call.message.tool_calls[0].function.arguments) == {"x": 1}
    status, payload = _http("POST", server.url + "/v1/chat/completions", {"messages": USER})
    assert status == 429 and payload["error"]["message"] == "slow"
    assert payload["error"]["type"] == "rate_limit_error"
    status, payload = _http("POST", server.url + "/v1/chat/completions", {"messages": user("yo")})
    assert payload["choices"][0]["message"]["content"] == "yo"  # default: echo
    assert [r.path for r in server.requests] == ["/v1/models", *["/v1/chat/completions"] * 4]
    assert server.chat_requests[0].body == {"messages": USER}
    assert server.pending == 0


# -- plain completions ---------------------------------------------------------------------------
def test_plain_completion_text_usage_and_provenance(server):
    server.script(reply("Hello! How can I help?", usage=(11, 6)))
    completion = make_backend(server).complete(USER)
    assert completion.text == "Hello! How can I help?"
    assert completion.finish_reason == "stop"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (11, 6)
    assert completion.usage.total_tokens == 17
    assert completion.tool_calls == [] and completion.error is None and not completion.cached
    assert completion.provenance["model"] == "openai/stub-model"
    assert completion.provenance["backend"] == "remote"
    assert completion.provenance["api_base"] == server.url + "/v1"
    (request,) = server.chat_requests
    assert request.body["model"] == "stub-model"
    assert request.messages == USER


def test_finish_reason_length_and_default_echo(server):
    server.script(reply("cut sho", finish_reason="length"))
    backend = make_backend(server)
    assert backend.complete(USER).finish_reason == "length"
    assert backend.complete(user("echo me")).text == "echo me"  # script empty: default echo


def test_generation_params_are_forwarded(server):
    backend = make_backend(server, temperature=0.3, top_p=0.5)
    completion = backend.complete(
        USER, temperature=0.7, max_tokens=17, stop=["END", "###"], seed=7, top_p=0.9
    )
    body = server.chat_requests[0].body
    assert body["temperature"] == 0.7  # the call overrides the backend default
    assert body["max_tokens"] == 17
    assert body["stop"] == ["END", "###"]
    assert body["seed"] == 7
    assert body["top_p"] == 0.9
    params = completion.provenance["params"]
    assert (params["temperature"], params["top_p"], params["seed"]) == (0.7, 0.9, 7)
    assert params["stop"] == ["END", "###"]
    assert completion.provenance["seed"] == 7
    # backend defaults apply when the call names nothing; a single stop string becomes a list;
    # repetition_penalty is not an OpenAI parameter and is not sent
    backend.complete(USER, stop="User:", repetition_penalty=1.3)
    body = server.chat_requests[1].body
    assert (body["temperature"], body["top_p"], body["stop"]) == (0.3, 0.5, ["User:"])
    assert "repetition_penalty" not in body and "seed" not in body


def test_max_tokens_is_recorded_in_provenance(server):
    completion = make_backend(server).complete(USER, max_tokens=17)
    assert server.chat_requests[0].body["max_tokens"] == 17
    assert completion.provenance["params"].get("max_tokens") == 17


def test_max_tokens_is_part_of_the_cache_key(server, tmp_path):
    server.script(reply("a long answer"), reply("short"))
    backend = make_backend(server, cache=tmp_path)
    backend.complete(USER, max_tokens=500)
    limited = backend.complete(USER, max_tokens=2)
    assert not limited.cached and limited.text == "short"


def test_per_row_seeds_reach_each_request(server):
    backend = make_backend(server, max_concurrency=1)
    results = backend.complete_batch([user("a"), user("b"), user("c")], seed=[11, 22, 33])
    assert [r.text for r in results] == ["a", "b", "c"]
    seeds = {r.messages[-1]["content"]: r.body["seed"] for r in server.chat_requests}
    assert seeds == {"a": 11, "b": 22, "c": 33}
    assert [r.provenance["seed"] for r in results] == [11, 22, 33]


def test_callers_messages_are_not_mutated(server):
    messages = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Who?"},
    ]
    snapshot = copy.deepcopy(messages)
    server.script(reply("not json"), json_reply({"name": "Ada", "age": 36}))
    backend = make_backend(server, structured_output="text")
    backend.complete(messages, schema=Person, temperature=0)
    backend.complete_batch([messages, messages])
    assert messages == snapshot
    # the schema instructions went into a copy of the system prompt, not into the caller's
    assert server.chat_requests[0].messages[0]["content"].startswith("You are terse.")
    assert server.chat_requests[0].messages[0]["content"] != "You are terse."


# -- retries -------------------------------------------------------------------------------------
def test_429_is_retried_then_succeeds(server):
    server.script(error(429, "Rate limit reached"), reply("finally"))
    completion = make_backend(server).complete(USER)
    assert completion.text == "finally"
    assert len(server.chat_requests) == 2
    assert server.pending == 0


def test_5xx_are_retried_then_succeed(server):
    server.script(error(500), error(503), reply("third time lucky"))
    assert make_backend(server).complete(USER).text == "third time lucky"
    assert len(server.chat_requests) == 3


def test_persistent_500_gives_up_after_max_retries(server):
    server.default = error(500, "the server is on fire")
    backend = make_backend(server, max_retries=2)
    with pytest.raises(BackendError) as info:
        backend.complete(USER)
    assert len(server.chat_requests) == 3
    message = str(info.value)
    assert "500" in message and "3 attempt(s)" in message and "on fire" in message


def test_400_is_not_retried(server):
    server.script(error(400, "bad parameter 'foo'"), reply("never reached"))
    with pytest.raises(BackendError, match="400") as info:
        make_backend(server).complete(USER)
    assert not isinstance(info.value, StructuredOutputError)
    assert len(server.chat_requests) == 1
    assert server.pending == 1
    assert "1 attempt(s)" in str(info.value)


def test_retries_wait_with_backoff(server):
    server.script(error(429), reply("warm-up"))  # first use of the error path imports lazily
    make_backend(server, backoff=0).complete(USER)
    server.script(error(429), error(503), reply("ok"))
    assert make_backend(server, backoff=0.1).complete(USER).text == "ok"
    first, second, third = (r.arrived for r in server.chat_requests[2:])
    # waits backoff * 2**attempt * [0.5, 1.5): at least 0.05 s, then at least 0.1 s
    assert 0.05 <= second - first < 1.0
    assert 0.1 <= third - second < 1.0


def test_unreachable_server_is_a_backend_error():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    backend = RemoteBackend(
        "openai/stub-model", api_base=f"http://127.0.0.1:{port}/v1", api_key=KEY, backoff=0.01,
        max_retries=1, cache=False,
    )  # fmt: skip
    with pytest.raises(BackendError, match="2 attempt"):
        backend.complete(USER)


# -- timeouts ------------------------------------------------------------------------------------
def test_timeout_is_retried_then_raises(server):
    server.default = reply("too late", delay=2.0)
    backend = make_backend(server, timeout=0.15, max_retries=1)
    started = time.perf_counter()
    with pytest.raises(BackendError, match=r"(?i)timeout|timed out") as info:
        backend.complete(USER)
    assert len(server.chat_requests) == 2
    assert "2 attempt(s)" in str(info.value)
    assert time.perf_counter() - started < 1.5  # the client gave up; it did not wait 2 s


def test_timeout_on_first_request_only_succeeds_on_retry(server):
    server.script(reply("too late", delay=1.0), reply("on time"))
    backend = make_backend(server, timeout=0.15)
    assert backend.complete(USER).text == "on time"
    assert len(server.chat_requests) == 2


# -- secrets -------------------------------------------------------------------------------------
def test_api_key_is_sent_but_never_recorded(server, tmp_path):
    backend = make_backend(server, cache=tmp_path, temperature=0)
    completion = backend.complete(USER)
    assert server.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in server.chat_requests[0].body.values()  # in the header only
    assert KEY not in json.dumps(completion.provenance)
    assert KEY not in completion.model_dump_json()
    assert KEY not in repr(backend)
    assert "api_base=" in repr(backend)
    files = [p for p in Path(tmp_path).rglob("*") if p.is_file()]
    assert files, "the completion should have been cached"
    assert all(KEY not in p.read_text(encoding="utf-8") for p in files)
    # a provider error quoting the key does not leak it either
    server.script(error(401, f"Incorrect API key provided: {KEY}. Check your key."))
    with pytest.raises(BackendError) as info:
        backend.complete(user("another question"))
    assert "Incorrect API key provided" in str(info.value)
    assert KEY not in str(info.value)
    assert len(server.chat_requests) == 2  # 401 is not retried


def test_get_backend_with_openai_style_aliases(server):
    backend = get_backend(
        "openai:stub-model",
        openai_api_base=server.url + "/v1",
        openai_api_key=KEY,
        backoff=0.01,
        cache=False,
    )
    assert isinstance(backend, RemoteBackend)
    assert backend.model == "openai/stub-model"
    assert KEY not in repr(backend)
    server.script(reply("via get_backend"))
    completion = backend.complete(USER, temperature=0)
    assert completion.text == "via get_backend"
    assert server.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert server.chat_requests[0].body["temperature"] == 0
    assert KEY not in json.dumps(completion.provenance)


# -- structured output ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad, complaint",
    [("I think Ada is 36.", "no JSON object"), ('{"name": "Ada", "age": "old"}', "age")],
)
def test_text_mode_repairs_an_invalid_reply(server, bad, complaint):
    server.script(reply(bad), json_reply({"name": "Ada", "age": 36}))
    backend = make_backend(server, structured_output="text")
    completion = backend.complete(USER, schema=Person)
    assert isinstance(completion.parsed, Person)
    assert completion.parsed == Person(name="Ada", age=36)
    assert completion.error is None
    first, second = server.chat_requests
    assert "response_format" not in first.body
    system = first.messages[0]
    assert system["role"] == "system" and '"age"' in system["content"]
    assert "JSON" in system["content"]
    # the repair turn: the bad reply as the assistant, then the validation feedback
    assert second.messages[: len(first.messages)] == first.messages
    assistant, feedback = second.messages[len(first.messages) :]
    assert assistant == {"role": "assistant", "content": bad}
    assert feedback["role"] == "user"
    assert "not valid" in feedback["content"] and complaint in feedback["content"]


def test_text_mode_always_invalid_raises_from_complete(server):
    server.default = reply("no idea")
    backend = make_backend(server, structured_output="text", repair_retries=2)
    with pytest.raises(StructuredOutputError) as info:
        backend.complete(USER, schema=Person)
    assert info.value.raw == "no idea"
    assert len(server.chat_requests) == 3  # the first try and two repairs


def _good_or_bad(body):
    question = next(m["content"] for m in body["messages"] if m["role"] == "user")
    if question.startswith("good"):
        return json.dumps({"name": question, "age": len(question)})
    return "garbage"


def test_text_mode_invalid_rows_fail_alone_in_a_batch(server, tmp_path):
    server.default = respond(_good_or_bad)
    backend = make_backend(server, structured_output="text", repair_retries=1, cache=tmp_path)
    rows = [user("good one"), user("bad"), user("good three")]
    results = backend.complete_batch(rows, schema=Person)
    assert [r.parsed for r in results] == [
        Person(name="good one", age=8),
        None,
        Person(name="good three", age=10),
    ]
    assert results[0].error is None and results[2].error is None
    assert results[1].error and "not JSON" in results[1].error
    assert results[1].text == "garbage"
    assert len(server.chat_requests) == 2 + 2  # good rows once, the bad row with one repair
    assert len(ResponseCache(tmp_path)) == 2  # a failed row is not cached


def test_json_schema_mode_sends_response_format(server):
    server.script(json_reply({"name": "Grace", "age": 85}))
    backend = make_backend(server, structured_output="json_schema")
    completion = backend.complete(USER, schema=Person)
    assert completion.parsed == Person(name="Grace", age=85)
    (request,) = server.chat_requests
    response_format = request.body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Person"
    schema = response_format["json_schema"]["schema"]
    assert schema["properties"].keys() == {"name", "age"}
    assert set(schema["required"]) == {"name", "age"}
    assert request.messages == USER  # no JSON instructions in the prompt


def test_auto_mode_falls_back_to_text_for_an_unknown_model(server):
    server.script(json_reply({"name": "Alan", "age": 41}))
    completion = make_backend(server).complete(USER, schema=Person)
    assert completion.parsed == Person(name="Alan", age=41)
    (request,) = server.chat_requests
    assert "response_format" not in request.body
    assert request.messages[0]["role"] == "system"


def test_cached_structured_reply_is_parsed_again(server, tmp_path):
    server.script(json_reply({"name": "Ada", "age": 36}))
    backend = make_backend(server, structured_output="text", cache=tmp_path)
    first = backend.complete(USER, schema=Person)
    second = backend.complete(USER, schema=Person)
    assert second.cached and second.parsed == first.parsed == Person(name="Ada", age=36)
    assert len(server.chat_requests) == 1


# -- tools ---------------------------------------------------------------------------------------
def test_tool_calling_with_a_plain_function(server):
    server.script(tool_call_reply(("get_weather", {"city": "Paris", "unit": "F"})))
    completion = make_backend(server).complete(user("Weather in Paris?"), tools=[get_weather])
    (request,) = server.chat_requests
    assert not [k for k in request.body if "mcp" in k]  # litellm-internal flags stay internal
    (spec,) = request.body["tools"]
    assert spec == function_to_tool(get_weather)
    function = spec["function"]
    assert function["name"] == "get_weather"
    assert function["description"] == "Current weather in a city."
    assert function["parameters"]["required"] == ["city"]
    assert function["parameters"]["properties"]["city"] == {
        "type": "string",
        "description": "the city name.",
    }
    assert function["parameters"]["properties"]["unit"]["default"] == "C"
    assert completion.finish_reason == "tool_calls"
    assert completion.text == ""
    (call,) = completion.tool_calls
    assert (call.id, call.name, call.arguments) == (
        "call_stub_0",
        "get_weather",
        {"city": "Paris", "unit": "F"},
    )


def test_tool_call_with_malformed_arguments_keeps_the_raw_text(server):
    broken = {
        "id": "call_x",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Par'},
    }
    server.script(Behaviour(tool_calls=[broken], finish_reason="tool_calls"))
    completion = make_backend(server).complete(USER, tools=[get_weather])
    (call,) = completion.tool_calls
    assert call.arguments == {"_raw": '{"city": "Par'}


def test_a_plain_reply_when_tools_are_offered(server):
    server.script(reply("No tool needed."))
    completion = make_backend(server).complete(USER, tools=[function_to_tool(get_weather)])
    assert completion.tool_calls == [] and completion.finish_reason == "stop"
    assert completion.text == "No tool needed."


# -- concurrency and async -----------------------------------------------------------------------
def test_batch_runs_concurrently_up_to_max_concurrency(server):
    server.default = echo(delay=0.15)
    backend = make_backend(server, max_concurrency=3)
    conversations = [user(f"message {i}") for i in range(12)]
    started = time.perf_counter()
    results = backend.complete_batch(conversations)
    elapsed = time.perf_counter() - started
    assert [r.text for r in results] == [f"message {i}" for i in range(12)]
    assert len(server.chat_requests) == 12
    assert server.max_in_flight == 3
    assert 0.55 < elapsed < 1.7  # four waves of 0.15 s, not twelve


def test_max_concurrency_one_is_sequential(server):
    server.default = echo(delay=0.05)
    results = make_backend(server, max_concurrency=1).complete_batch(
        [user(str(i)) for i in range(4)]
    )
    assert [r.text for r in results] == ["0", "1", "2", "3"]
    assert server.max_in_flight == 1
    assert [r.messages[-1]["content"] for r in server.chat_requests] == ["0", "1", "2", "3"]


def test_max_concurrency_must_be_positive():
    with pytest.raises(ValueError):
        RemoteBackend("openai/stub-model", max_concurrency=0)


def test_acomplete_batch_inside_a_running_loop(server):
    server.default = echo(delay=0.15)
    backend = make_backend(server, max_concurrency=4)

    async def main():
        ticks = 0
        done = asyncio.Event()

        async def ticker():
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.02)

        task = asyncio.create_task(ticker())
        results = await backend.acomplete_batch([user(f"q{i}") for i in range(4)])
        single = await backend.acomplete(user("alone"))
        done.set()
        await task
        return results, single, ticks

    results, single, ticks = asyncio.run(main())
    assert [r.text for r in results] == ["q0", "q1", "q2", "q3"]
    assert single.text == "alone"
    assert server.max_in_flight == 4
    assert ticks >= 4  # the loop kept running while the requests were in flight


def test_sync_batch_from_inside_a_running_loop(server):
    backend = make_backend(server)

    async def main():
        asyncio.get_running_loop()  # we are inside a loop, as in Jupyter
        return backend.complete_batch([user("x"), user("y")]), backend.complete(user("z"))

    batch, single = asyncio.run(main())
    assert [r.text for r in batch] == ["x", "y"]
    assert single.text == "z"


def test_hooks_and_scoring_are_unsupported(server):
    backend = make_backend(server)
    with pytest.raises(UnsupportedFeatureError):
        backend.complete(USER, hooks=[object()])
    with pytest.raises(UnsupportedFeatureError):
        backend.score_continuations(USER, ["yes", "no"])
    assert server.chat_requests == []


# -- response cache ------------------------------------------------------------------------------
def test_identical_call_is_served_from_cache(server, tmp_path):
    server.script(reply("first answer"), reply("second answer"), reply("third answer"))
    backend = make_backend(server, cache=ResponseCache(tmp_path), temperature=0)
    first = backend.complete(USER)
    again = backend.complete(USER)
    assert not first.cached and again.cached
    assert again.text == first.text == "first answer"
    assert again.provenance == first.provenance
    assert len(server.chat_requests) == 1
    other = backend.complete(USER, temperature=0.9)  # a different request: a miss
    assert not other.cached and other.text == "second answer"
    assert len(server.chat_requests) == 2
    # a fresh backend on the same folder replays too; transport settings are not in the key
    fresh = make_backend(server, cache=tmp_path, temperature=0, timeout=30, max_retries=0)
    assert fresh.complete(USER).text == "first answer"
    assert len(server.chat_requests) == 2
    assert len(ResponseCache(tmp_path)) == 2


def test_batch_mixes_cache_hits_and_misses_in_order(server, tmp_path):
    backend = make_backend(server, cache=tmp_path)
    backend.complete(user("b"))
    results = backend.complete_batch([user("a"), user("b"), user("c")])
    assert [(r.text, r.cached) for r in results] == [("a", False), ("b", True), ("c", False)]
    sent = [r.messages[-1]["content"] for r in server.chat_requests]
    assert sent[0] == "b" and sorted(sent[1:]) == ["a", "c"]  # only the misses were sent


def test_concurrent_identical_calls_from_threads_keep_the_cache_valid(server, tmp_path):
    server.default = echo(delay=0.05)
    backend = make_backend(server, cache=tmp_path, temperature=0)
    results: list = []
    errors: list = []
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results.append(backend.complete(user("same question")).text)
            results.append(backend.complete(user(f"own question {i % 4}")).text)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not errors
    assert sorted(results) == sorted(
        ["same question"] * 8 + [f"own question {i % 4}" for i in range(8)]
    )
    cache = ResponseCache(tmp_path)
    assert len(cache) == 5
    for path in Path(tmp_path).rglob("*.json"):
        assert not path.name.startswith(".tmp-")
        assert json.loads(path.read_text(encoding="utf-8"))["text"]
    before = len(server.chat_requests)
    replay = backend.complete(user("same question"))
    assert replay.cached and replay.text == "same question"
    assert len(server.chat_requests) == before


def test_the_network_guard_refuses_non_loopback_addresses():
    with pytest.raises(OSError, match="network guard"):
        socket.create_connection(("203.0.113.7", 80), timeout=1)
    with pytest.raises(OSError, match="network guard"):
        socket.getaddrinfo("api.openai.com", 443)


def test_auto_transport_choice():
    assert RemoteBackend("openai/m", api_base="http://127.0.0.1:1/v1").uses_openai_transport(
        {"api_base": "http://127.0.0.1:1/v1"}
    )
    assert not RemoteBackend("anthropic/claude").uses_openai_transport({})
    assert not RemoteBackend("openai/gpt-4o").uses_openai_transport({})  # no api_base: litellm
    with pytest.raises(ValueError, match="transport"):
        RemoteBackend("openai/m", transport="carrier-pigeon")
