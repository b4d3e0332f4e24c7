"""Integration tests on the embedded SmolLM2-135M-Instruct (the default model, offline)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from sdialog.llm import LocalBackend, get_backend
from sdialog.llm.local_models import converted_model_dir, embedded_gguf_path

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def smol():
    backend = LocalBackend("smollm2", max_tokens=32, cache=False)
    backend.load()
    return backend


class Person(BaseModel):
    name: str = Field(max_length=40)
    age: int = Field(ge=0, le=120)
    occupation: str = Field(max_length=40)
    likes_coffee: bool


def test_default_model_is_embedded_and_converted_once(smol):
    assert embedded_gguf_path().is_file()
    assert (converted_model_dir() / "config.json").is_file()
    backend = get_backend()
    assert isinstance(backend, LocalBackend) and backend.source == "smollm2"
    assert backend.torch_model is smol.torch_model


def test_chat_reply_is_text(smol):
    messages = [
        {"role": "system", "content": "You are Ana, a friendly barista. Answer in one sentence."},
        {"role": "user", "content": "Hi! What coffee do you recommend?"},
    ]
    completion = smol.complete(messages, seed=1)
    assert len(completion.text.split()) >= 3
    assert "<|im_" not in completion.text
    assert completion.provenance["model"] == "smollm2" and completion.provenance["seed"] == 1
    assert 0 < completion.usage.completion_tokens <= 32


def test_batch_of_eight_matches_single_calls(smol):
    conversations = [
        [{"role": "user", "content": f"Name a fruit that starts with {c}."}] for c in "ABCDEFGH"
    ]
    seeds = list(range(8))
    batched = smol.complete_batch(conversations, seed=seeds)
    assert len(batched) == 8 and all(c.text.strip() for c in batched)
    for i in (0, 5):
        assert smol.complete(conversations[i], seed=seeds[i]).text == batched[i].text


def test_schema_valid_json_every_time(smol):
    conversations = [
        [{"role": "user", "content": f"Invent a person who works as a {job}."}]
        for job in ("nurse", "pilot", "chef", "farmer")
    ]
    results = smol.complete_batch(conversations, schema=Person, seed=[1, 2, 3, 4], max_tokens=96)
    for completion in results:
        assert completion.error is None, completion.error
        assert isinstance(completion.parsed, Person)


def test_log_probability_prefers_the_obvious_answer(smol):
    messages = [{"role": "user", "content": "Say hello."}]
    hello, gibberish = smol.score_continuations(messages, ["Hello!", "Xq zzv plorf"])
    assert hello > gibberish
