"""The OpenAI-compatible API, exercised with the official ``openai`` SDK and litellm over HTTP."""

from __future__ import annotations

import httpx
import openai
import pytest

from sdialog.agents import Agent
from sdialog.llm import ScriptedBackend
from tests.server.conftest import RecordingBackend


def client(server, **kwargs) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=server.url + "/v1", api_key=kwargs.pop("api_key", "unused"), max_retries=0
    )


def test_non_streaming_reply_with_usage(serve):
    server = serve(Agent(name="Sam", model=ScriptedBackend(["Hello, how can I help you today?"])))
    response = client(server).chat.completions.create(
        model="Sam", messages=[{"role": "user", "content": "Hi there"}]
    )
    assert response.choices[0].message.content == "Hello, how can I help you today?"
    assert response.choices[0].finish_reason == "stop"
    assert response.model == "Sam"
    assert response.usage.completion_tokens == 7
    assert response.usage.prompt_tokens > 2  # the agent's system prompt counts too
    assert response.usage.total_tokens == (
        response.usage.prompt_tokens + response.usage.completion_tokens
    )


def test_streaming_reply_parsed_by_the_sdk(serve):
    server = serve(Agent(name="Sam", model=ScriptedBackend(["Sure, your order ships today."])))
    stream = client(server).chat.completions.create(
        model="Sam",
        messages=[{"role": "user", "content": "Where is my order?"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Sure, your order ships today."
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) == 5
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage.completion_tokens == 5


def test_stream_ends_with_done_marker(serve):
    server = serve(Agent(name="Sam", model=ScriptedBackend(["Hi."])))
    body = {"model": "Sam", "messages": [{"role": "user", "content": "x"}], "stream": True}
    with httpx.stream("POST", server.url + "/v1/chat/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line for line in response.iter_lines() if line]
    assert events[-1] == "data: [DONE]"
    assert all(e.startswith("data: ") for e in events)


def test_generation_parameters_are_honoured(serve):
    backend = RecordingBackend(["Hello there STOPWORD and more"])
    server = serve(Agent(name="Sam", model=backend, temperature=0.9))
    sdk = client(server)
    messages = [{"role": "user", "content": "Hi"}]
    first = sdk.chat.completions.create(
        model="Sam", messages=messages, temperature=0.1, max_tokens=17, stop=["STOPWORD"], seed=5
    )
    assert first.choices[0].message.content == "Hello there"  # cut at the client's stop
    sent = backend.sent[-1]
    assert sent["temperature"] == 0.1 and sent["max_tokens"] == 17
    assert "STOPWORD" in sent["stop"]
    again = sdk.chat.completions.create(model="Sam", messages=messages, seed=5)
    other = sdk.chat.completions.create(model="Sam", messages=messages, seed=6)
    assert backend.sent[-2]["seed"] == sent["seed"] != backend.sent[-1]["seed"]
    assert backend.sent[-2]["temperature"] == 0.9  # the agent's own default is back
    assert again.choices[0].message.content == other.choices[0].message.content


def test_persona_prompt_is_applied_and_client_system_appended(serve):
    backend = RecordingBackend(["Fine."])
    agent = Agent(persona={"name": "Sam", "role": "support agent"}, model=backend)
    server = serve(agent)
    client(server).chat.completions.create(
        model="Sam",
        messages=[
            {"role": "system", "content": "Answer in French."},
            {"role": "user", "content": "Hello"},
            {"role": "assistant", "content": "Hi!"},
            {"role": "user", "content": "Help me"},
        ],
    )
    sent = backend.calls[-1]
    assert sent[0]["role"] == "system" and "Sam" in sent[0]["content"]
    assert {"role": "system", "content": "Answer in French."} in sent
    assert [m["content"] for m in sent if m["role"] != "system"] == ["Hello", "Hi!", "Help me"]


def test_client_system_messages_can_be_ignored(serve):
    backend = RecordingBackend(["Fine."])
    server = serve(Agent(name="Sam", model=backend), client_system="ignore")
    client(server).chat.completions.create(
        model="Sam",
        messages=[{"role": "system", "content": "Be rude."}, {"role": "user", "content": "Hi"}],
    )
    assert all("Be rude." not in m["content"] for m in backend.calls[-1])


def test_models_list_and_several_agents(serve):
    sam = Agent(name="Sam", model=ScriptedBackend(["I am Sam."]))
    eve = Agent(name="Eve", model=ScriptedBackend(["I am Eve."]))
    server = serve(sam, eve)
    sdk = client(server)
    assert sorted(m.id for m in sdk.models.list()) == ["Eve", "Sam"]
    assert sdk.models.retrieve("Eve").id == "Eve"
    for name in ("Sam", "Eve"):
        reply = sdk.chat.completions.create(model=name, messages=[{"role": "user", "content": "?"}])
        assert reply.choices[0].message.content == f"I am {name}."


def test_litellm_with_api_base(serve):
    from sdialog.llm.remote import import_litellm

    server = serve(Agent(name="Sam", model=ScriptedBackend(["Hello from Sam."])))
    litellm = import_litellm()
    response = litellm.completion(
        model="openai/Sam",
        api_base=server.url + "/v1",
        api_key="unused",
        messages=[{"role": "user", "content": "Hi"}],
    )
    assert response.choices[0].message.content == "Hello from Sam."
    assert response.usage.completion_tokens == 3


def test_content_parts_are_read_as_text(serve):
    backend = RecordingBackend(["Ok."])
    server = serve(Agent(name="Sam", model=backend))
    parts = [{"type": "text", "text": "Hello "}, {"type": "text", "text": "world"}]
    client(server).chat.completions.create(
        model="Sam", messages=[{"role": "user", "content": parts}]
    )
    assert backend.calls[-1][-1]["content"] == "Hello world"


@pytest.mark.parametrize("stream", [False, True])
def test_backend_failure_is_a_502_and_the_server_goes_on(serve, stream):
    calls = []

    def flaky(messages):
        calls.append(1)
        if len(calls) <= 3:  # every retry of the first reply fails
            raise RuntimeError("model exploded")
        return "Recovered."

    server = serve(Agent(name="Sam", model=ScriptedBackend(flaky)))
    body = {"model": "Sam", "messages": [{"role": "user", "content": "x"}], "stream": stream}
    failed = httpx.post(server.url + "/v1/chat/completions", json=body)
    assert failed.status_code == 500
    assert failed.json()["error"]["type"] == "server_error"
    assert "model exploded" not in failed.text  # internal details stay in the server
    ok = httpx.post(server.url + "/v1/chat/completions", json={**body, "stream": False})
    assert ok.json()["choices"][0]["message"]["content"] == "Recovered."
