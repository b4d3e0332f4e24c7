"""The reference toolkit's server API on ours (issue 11, item 8): class-level ``Server`` methods,
request models, ``/health``, ``/api/show``, ``/api/version``, Open WebUI task requests.

Every test goes through real HTTP on loopback with the real openai/httpx clients.
"""

from __future__ import annotations

import threading

import httpx
import openai
import pytest

from sdialog.agents import Agent
from sdialog.llm import ScriptedBackend
from sdialog.server import ChatCompletionRequest, ChatMessage, OllamaChatRequest, Server


@pytest.fixture
def registry():
    """The class-level server, emptied before and stopped after each test."""
    Server._agents.clear()
    Server._agent_locks.clear()
    yield Server
    Server.shared().stop()
    Server._agents.clear()
    Server._agent_locks.clear()


def bot(name: str = "Bot", replies=("Hello from the bot.",)) -> Agent:
    return Agent(name=name, model=ScriptedBackend(list(replies)))


def test_class_level_registry(registry):
    first, second = bot("One"), bot("Two")
    Server.add_agent(first, "one")
    Server.add_agent(second)
    assert Server.list_agents() == ["one:latest", "Two:latest"]
    assert isinstance(Server._agent_locks["one:latest"], type(threading.Lock()))
    Server.remove_agent("one:latest")
    Server.remove_agent("never-added")  # as in the reference: no error
    assert Server.list_agents() == ["Two:latest"]
    with pytest.raises(ValueError, match="Agent 'nobody' not found"):
        Server.reset_agent("nobody")


def test_instances_do_not_share_the_class_registry(registry):
    Server.add_agent(bot("Shared"))
    mine = Server(bot("Mine"), port=0)
    assert mine.list_agents() == ["Mine"] and Server.list_agents() == ["Shared:latest"]
    mine.add_agent(bot("Extra"))
    assert mine.list_agents() == ["Mine", "Extra:latest"]
    assert Server.list_agents() == ["Shared:latest"]


def test_serve_in_thread_serves_over_real_http(registry):
    thread = Server.serve_in_thread(
        [bot("Bot"), bot("Tutor", ["Let us begin."])], port=0, model_names=["bot", "tutor:v1"]
    )
    assert isinstance(thread, threading.Thread) and thread.is_alive()
    server = Server.shared()
    assert server.host == "127.0.0.1"  # the reference binds 0.0.0.0; ours stays on loopback
    client = openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0)
    reply = client.chat.completions.create(
        model="tutor:v1", messages=[{"role": "user", "content": "Teach me.", "name": "Ana"}]
    )
    assert reply.choices[0].message.content == "Let us begin."
    # "bot" and "bot:latest" are one model, as in Ollama
    for model in ("bot", "bot:latest"):
        answer = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "Hi"}]
        )
        assert answer.choices[0].message.content == "Hello from the bot."
    # agents added while serving are served at once
    Server.add_agent(bot("Late", ["I am late."]))
    late = httpx.post(
        server.url + "/api/chat",
        json={"model": "Late", "messages": [{"role": "user", "content": "Hi"}], "stream": False},
    )
    assert late.json()["message"]["content"] == "I am late."
    health = httpx.get(server.url + "/health").json()
    assert health["status"] == "healthy"
    assert health["agents"] == ["bot:latest", "tutor:v1", "Late:latest"]


def test_reset_agent_forgets_memory_and_conversations(registry):
    agent = bot("Mem", ["First.", "Second."])
    Server.add_agent(agent)
    agent("Hello")
    assert agent.memory
    Server.shared().runner.conversations.put(("Mem", "c1"), object())
    Server.reset_agent("Mem:latest", seed=7)
    assert [m for m in agent.memory if m["role"] != "system"] == []
    assert len(Server.shared().runner.conversations) == 0


def test_plain_callable_agents_are_served(serve):
    class Echoer:
        name = "echoer"

        def __call__(self, text):
            return f"you said: {text}"

    server = serve(bot())
    server.add_agent(Echoer())
    body = {"model": "echoer", "messages": [{"role": "user", "content": "ping"}]}
    answer = httpx.post(server.url + "/v1/chat/completions", json=body).json()
    assert answer["choices"][0]["message"]["content"] == "you said: ping"
    with pytest.raises(TypeError):
        server.add(42, "number")


def test_open_webui_task_requests_do_not_reach_the_agent(serve):
    backend = ScriptedBackend(["In character."])
    server = serve(Agent(name="Bot", model=backend))
    task = "### Task:\nGenerate a concise title for the chat.\n### Chat History: ..."
    for path in ("/v1/chat/completions", "/api/chat"):
        body = {"model": "Bot", "messages": [{"role": "user", "content": task}], "stream": False}
        response = httpx.post(server.url + path, json=body)
        assert response.status_code == 200
    assert backend.calls == []
    off = serve(Agent(name="Bot", model=backend), ignore_task_requests=False)
    body = {"model": "Bot", "messages": [{"role": "user", "content": task}]}
    httpx.post(off.url + "/v1/chat/completions", json=body)
    assert len(backend.calls) == 1


def test_ollama_metadata_routes(serve):
    server = serve(bot())
    version = httpx.get(server.url + "/api/version").json()["version"]
    assert version.endswith("-sdialog") and version[0].isdigit()
    shown = httpx.post(server.url + "/api/show", json={"name": "Bot"}).json()
    assert shown["license"] == "MIT" and "Bot" in shown["modelfile"]
    assert shown["details"]["format"] == "sdialog"
    missing = httpx.post(server.url + "/api/show", json={"name": "nobody"})
    assert missing.status_code == 404  # real Ollama's status (the reference answers 400)
    assert "not found" in missing.json()["error"] and "not found" in missing.json()["detail"]
    assert httpx.post(server.url + "/api/show", json={"invalid": "data"}).status_code == 400


def test_request_models():
    message = ChatMessage(role="user", content="Hello")
    assert message.name is None and ChatMessage(role="user", content="x", name="Ana").name == "Ana"
    request = ChatCompletionRequest(model="m", messages=[message])
    assert request.temperature is None and request.stream is False
    assert OllamaChatRequest(model="m", messages=[message]).stream is True


def test_serve_async_in_a_running_loop_and_stateless_false(registry):
    import asyncio

    async def main():
        task = asyncio.ensure_future(
            Server.serve_async([bot("Mem", ["One.", "Two."])], port=0, stateless=False)
        )
        server = Server.shared()
        for _ in range(500):
            if server._uvicorn is not None and server._uvicorn.started:
                break
            await asyncio.sleep(0.01)
        assert server.stateful
        async with httpx.AsyncClient(base_url=server.url) as http:
            headers = {"x-conversation-id": "c"}
            body = {"model": "Mem", "messages": [{"role": "user", "content": "Hi"}]}
            first = await http.post("/v1/chat/completions", json=body, headers=headers)
            assert first.json()["choices"][0]["message"]["content"] == "One."
        assert len(server.runner.conversations) == 1
        server._uvicorn.should_exit = True
        await asyncio.wait_for(task, 10)

    asyncio.run(main())
