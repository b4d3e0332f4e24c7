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
