"""The Ollama-compatible API over raw HTTP: NDJSON streaming (the default) and single replies."""

from __future__ import annotations

import json

import httpx

from sdialog.agents import Agent
from sdialog.llm import ScriptedBackend
from tests.server.conftest import RecordingBackend


def test_chat_streams_ndjson_by_default(serve):
    server = serve(Agent(name="Sam", model=ScriptedBackend(["Your refund is on its way."])))
    body = {"model": "Sam", "messages": [{"role": "user", "content": "Refund?"}]}
    with httpx.stream("POST", server.url + "/api/chat", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert [line["done"] for line in lines] == [False] * 6 + [True]
    assert "".join(line["message"]["content"] for line in lines) == "Your refund is on its way."
    final = lines[-1]
    assert final["done_reason"] == "stop"
    assert final["eval_count"] == 6 and final["prompt_eval_count"] > 0
    assert final["created_at"].endswith("Z")


def test_chat_without_streaming(serve):
    backend = RecordingBackend(["Hello STOP there"])
    server = serve(Agent(name="Sam", model=backend))
    body = {
        "model": "Sam",
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": False,
        "options": {"temperature": 0.2, "num_predict": 12, "stop": ["STOP"], "seed": 3},
    }
    data = httpx.post(server.url + "/api/chat", json=body).json()
    assert data["message"] == {"role": "assistant", "content": "Hello"}
    assert data["done"] is True
    assert backend.sent[-1]["temperature"] == 0.2 and backend.sent[-1]["max_tokens"] == 12


def test_tags_show_version(serve):
    server = serve(Agent(name="Sam", model=ScriptedBackend(["x"])))
    tags = httpx.get(server.url + "/api/tags").json()
    assert [m["name"] for m in tags["models"]] == ["Sam"]
    shown = httpx.post(server.url + "/api/show", json={"model": "Sam"}).json()
    assert shown["model_info"]["sdialog.backend"] == "scripted"
    assert httpx.post(server.url + "/api/show", json={"name": "Sam"}).status_code == 200
    missing = httpx.post(server.url + "/api/show", json={"model": "Nobody"})
    assert missing.status_code == 404 and "Nobody" in missing.json()["error"]
    assert httpx.get(server.url + "/api/version").json()["version"]


def test_ollama_errors_use_ollama_shape(serve):
    server = serve(Agent(name="Sam", model=ScriptedBackend(["x"])))
    bad = httpx.post(
        server.url + "/api/chat", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400 and isinstance(bad.json()["error"], str)
    unknown = httpx.post(server.url + "/api/chat", json={"model": "X", "messages": []})
    assert unknown.status_code == 404
    wrong = httpx.post(
        server.url + "/api/chat", json={"model": "Sam", "options": {"temperature": "hot"}}
    )
    assert wrong.status_code == 400 and "options.temperature" in wrong.json()["error"]
