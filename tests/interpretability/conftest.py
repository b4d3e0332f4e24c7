"""Fixtures of the interpretability tests: the tiny random Llama behind a greedy backend."""

from __future__ import annotations

import pytest


@pytest.fixture
def backend(tiny_model):
    """Greedy, short replies, chunks of 2 rows (so batches are sorted *and* split)."""
    from sdialog.llm import LocalBackend

    return LocalBackend(
        "huggingface:tiny", temperature=0, max_tokens=6, cache=False, max_batch_size=2
    )


@pytest.fixture
def no_hooks_left(tiny_model):
    """Asserts, after the test, that the test left no hook on the tiny model (transformers'
    own output-capturing hooks, installed once by ``output_hidden_states``, are the baseline)."""

    def snapshot():
        return {
            name: (list(m._forward_hooks), list(m._forward_pre_hooks))
            for name, m in tiny_model[0].named_modules()
        }

    before = snapshot()
    yield
    assert snapshot() == before


PROMPTS = [
    [{"role": "user", "content": "Hello there, how are you doing today?"}],
    [{"role": "user", "content": "Hi"}],
    [
        {"role": "system", "content": "You are a pirate."},
        {"role": "user", "content": "Tell me about the sea."},
    ],
]
