"""Decoding details of the local backend that shape dialog quality on small models."""

from __future__ import annotations

import re

import torch

from sdialog.llm import LocalBackend
from sdialog.llm.local import GeneratedTokensPenalty
from sdialog.llm.tools import REPLY_PATTERN, function_to_tool

PROMPTS = [[{"role": "user", "content": f"Tell me about item {i}, please."}] for i in range(4)]


def test_repetition_penalty_leaves_the_prompt_tokens_alone(tiny_model):
    backend = LocalBackend("huggingface:tiny", temperature=0, max_tokens=1, cache=False)
    plain = [c.text for c in backend.complete_batch(PROMPTS)]
    penalised = [c.text for c in backend.complete_batch(PROMPTS, repetition_penalty=50.0)]
    assert plain == penalised  # nothing generated yet: the first token is never penalised


def test_repetition_penalty_pushes_away_from_the_reply_own_tokens():
    scores = torch.tensor([[2.0, -2.0, 1.0, 1.0]])
    out = GeneratedTokensPenalty(prompt_length=1, penalty=2.0)(torch.tensor([[2, 0, 1]]), scores)
    # token 2 is prompt-only: untouched; 0 and 1 were generated: 2.0 -> 1.0, -2.0 -> -4.0
    assert out.tolist() == [[1.0, -4.0, 1.0, 1.0]]


def test_a_constrained_reply_holds_no_template_debris(tiny_model):
    def lookup_order(order_id: str) -> dict:
        """Look up an order.

        Args:
            order_id: the order id.
        """
        return {}

    backend = LocalBackend("huggingface:tiny", temperature=1.0, max_tokens=48, cache=False)
    results = backend.complete_batch(
        PROMPTS * 3, tools=[function_to_tool(lookup_order)], seed=list(range(12))
    )
    replies = [c.text for c in results if not c.tool_calls and c.error is None]
    assert replies, "the random model should write some plain replies"
    assert all(re.match(REPLY_PATTERN, text) for text in replies), replies
    assert all(c.finish_reason == "stop" for c in results if not c.tool_calls and not c.error)
