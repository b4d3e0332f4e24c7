"""A served agent on the embedded SmolLM2 model, asked by the openai SDK (concurrently)."""

from __future__ import annotations

import asyncio

import openai
import pytest

from sdialog.agents import Agent


@pytest.mark.integration
def test_embedded_model_agent_over_http(serve):
    barista = Agent(
        persona={"name": "Ana", "role": "barista in a small cafe"},
        model="smollm2",
        temperature=0,
        max_tokens=16,
    )
    server = serve(barista, batch_window_ms=200)

    async def ask(client, text, seed):
        response = await client.chat.completions.create(
            model="Ana", messages=[{"role": "user", "content": text}], seed=seed
        )
        return response

    async def scenario():
        async with openai.AsyncOpenAI(
            base_url=server.url + "/v1", api_key="x", max_retries=0, timeout=300
        ) as client:
            return await asyncio.gather(
                ask(client, "Hi! What coffee do you recommend?", 1),
                ask(client, "Do you have croissants today?", 2),
            )

    replies = asyncio.run(scenario())
    for reply in replies:
        assert reply.choices[0].message.content.strip()
        assert 0 < reply.usage.completion_tokens <= 3 * 16  # at most three tries of 16 tokens
    assert max(server.runner.batches) == 2  # both requests went through one batched generate


@pytest.mark.integration
def test_embedded_model_refuses_a_prompt_over_its_context_window(serve):
    """The DoS of issue 12: a huge prompt is counted with the model's tokenizer and refused
    (400, with the counts) instead of occupying the model; the server keeps answering."""
    import httpx

    barista = Agent(name="Ana", model="smollm2", temperature=0, max_tokens=8)
    server = serve(barista)
    window = server.agents["Ana"].backend.torch_model.config.max_position_embeddings
    huge = [{"role": "user", "content": "coffee " * window}]
    response = httpx.post(
        server.url + "/v1/chat/completions", json={"model": "Ana", "messages": huge}, timeout=120
    )
    assert response.status_code == 400
    assert f"context window of {window}" in response.json()["detail"]
    assert httpx.get(server.url + "/health").json()["in_flight"] == 0
    stop = {"model": "Ana", "messages": [{"role": "user", "content": "Hi"}], "stop": ["x" * 256]}
    answer = httpx.post(server.url + "/v1/chat/completions", json=stop, timeout=120)
    assert answer.status_code == 200
