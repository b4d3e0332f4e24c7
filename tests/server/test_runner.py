"""Stateless and stateful replies, conversation eviction and micro-batching of the runner."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sdialog.agents import Agent
from sdialog.server.runner import AgentRunner, ConversationStore
from tests.server.conftest import RecordingBackend

CHAT = "/v1/chat/completions"


def turns(backend: RecordingBackend, i: int = -1) -> list[str]:
    return [m["content"] for m in backend.calls[i] if m["role"] != "system"]


def test_stateless_requests_do_not_share_memory(serve):
    backend = RecordingBackend(lambda messages: f"heard {len(messages)}")
    server = serve(Agent(name="Sam", model=backend))
    for text in ("one", "two"):
        body = {"model": "Sam", "messages": [{"role": "user", "content": text}]}
        assert httpx.post(server.url + CHAT, json=body).status_code == 200
        assert turns(backend) == [text]


def test_stateful_memory_per_conversation(serve):
    backend = RecordingBackend(lambda messages: f"reply {len(messages)}")
    server = serve(Agent(name="Sam", model=backend), stateful=True)

    def say(text, conversation, via="header"):
        body = {"model": "Sam", "messages": [{"role": "user", "content": text}]}
        headers = {}
        if via == "header":
            headers["X-Conversation-Id"] = conversation
        else:
            body[via] = conversation
        response = httpx.post(server.url + CHAT, json=body, headers=headers)
        assert response.headers["x-conversation-id"] == conversation
        return response.json()["choices"][0]["message"]["content"]

    first = say("Hello", "a")
    say("My order is late", "a", via="conversation_id")
    assert turns(backend) == ["Hello", first, "My order is late"]
    say("Hi, other customer", "b", via="user")
    assert turns(backend) == ["Hi, other customer"]
    # the Ollama route shares the same memory
    body = {"model": "Sam", "messages": [{"role": "user", "content": "Still there?"}]}
    ollama = httpx.post(
        server.url + "/api/chat", json={**body, "stream": False}, headers={"X-Conversation-Id": "a"}
    )
    assert ollama.status_code == 200
    assert turns(backend)[:3] == ["Hello", first, "My order is late"] and len(turns(backend)) == 5


def test_stateful_accepts_a_resent_full_history(serve):
    backend = RecordingBackend(["Hi!", "Sure."])
    server = serve(Agent(name="Sam", model=backend), stateful=True)
    headers = {"X-Conversation-Id": "c1"}
    history = [{"role": "user", "content": "Hello"}]
    body = {"model": "Sam", "messages": history}
    reply = httpx.post(server.url + CHAT, json=body, headers=headers).json()
    history += [reply["choices"][0]["message"], {"role": "user", "content": "Help?"}]
    httpx.post(server.url + CHAT, json={"model": "Sam", "messages": history}, headers=headers)
    assert turns(backend) == ["Hello", "Hi!", "Help?"]  # no duplicated turns


def test_stateful_without_id_is_stateless(serve):
    backend = RecordingBackend(["Ok."])
    server = serve(Agent(name="Sam", model=backend), stateful=True)
    for _ in range(2):
        body = {"model": "Sam", "messages": [{"role": "user", "content": "x"}]}
        assert "x-conversation-id" not in httpx.post(server.url + CHAT, json=body).headers
        assert turns(backend) == ["x"]


def test_failed_turn_leaves_stateful_memory_unchanged():
    attempts = []

    def flaky(messages):
        attempts.append(1)
        if len(attempts) in (2, 3, 4):  # every retry of the second reply fails
            raise RuntimeError("boom")
        return f"reply {len(attempts)}"

    backend = RecordingBackend(flaky)
    agent = Agent(name="Sam", model=backend)
    runner = AgentRunner()

    async def talk(text):
        return await runner.reply(agent, [{"role": "user", "content": text}], conversation_id="c")

    async def scenario():
        await talk("one")
        with pytest.raises(RuntimeError):
            await talk("two")
        return await talk("three")

    asyncio.run(scenario())
    assert turns(backend) == ["one", "reply 1", "three"]


def test_conversations_are_lru_bounded():
    store = ConversationStore(max_conversations=2)
    store.put(("Sam", "a"), 1)
    store.put(("Sam", "b"), 2)
    assert store.get(("Sam", "a")) == 1  # "a" is now the most recent
    store.put(("Sam", "c"), 3)
    assert store.get(("Sam", "b")) is None and len(store) == 2
    with pytest.raises(ValueError):
        ConversationStore(0)


def test_stateful_server_evicts_least_recent(serve):
    backend = RecordingBackend(["Ok."])
    server = serve(Agent(name="Sam", model=backend), stateful=True, max_conversations=2)
    for conversation in ("a", "b", "c", "a"):
        body = {"model": "Sam", "messages": [{"role": "user", "content": conversation}]}
        httpx.post(server.url + CHAT, json=body, headers={"X-Conversation-Id": conversation})
    assert turns(backend) == ["a"]  # "a" was evicted by "c", so it starts afresh
    assert len(server.runner.conversations) == 2


def test_concurrent_requests_are_batched_and_answered_correctly():
    backend = RecordingBackend(lambda messages: "echo " + messages[-1]["content"])
    agent = Agent(name="Sam", model=backend)
    runner = AgentRunner(batch_window_ms=50, max_batch_size=64)

    async def scenario():
        replies = [
            runner.reply(agent, [{"role": "user", "content": f"n{i}"}], seed=i) for i in range(20)
        ]
        return await asyncio.gather(*replies)

    replies = asyncio.run(scenario())
    assert [r.text for r in replies] == [f"echo n{i}" for i in range(20)]
    assert max(backend.batch_sizes) > 1  # rows shared one complete_batch call
    assert sum(runner.batches) == 20 and len(runner.batches) < 20


def test_requests_with_different_parameters_still_answered():
    backend = RecordingBackend(lambda messages: "ok")
    agent = Agent(name="Sam", model=backend)
    runner = AgentRunner(batch_window_ms=20)

    async def scenario():
        return await asyncio.gather(
            runner.reply(agent, [{"role": "user", "content": "a"}], {"temperature": 0.1}),
            runner.reply(agent, [{"role": "user", "content": "b"}], {"temperature": 0.9}),
        )

    assert [r.text for r in asyncio.run(scenario())] == ["ok", "ok"]
    assert sorted(p["temperature"] for p in backend.sent) == [0.1, 0.9]


@pytest.mark.parametrize("keep", [True, False])
def test_end_marker_kept_or_removed(keep):
    agent = Agent(name="Sam", model=RecordingBackend(["Bye now! [END]"]))
    runner = AgentRunner(keep_end_marker=keep)
    reply = asyncio.run(runner.reply(agent, [{"role": "user", "content": "bye"}]))
    assert reply.ended
    assert reply.text == ("Bye now! [END]" if keep else "Bye now!")
