"""Issue 12 item 17: with an Inspector attached, a try the agent rejects (an unusable reply that
is retried) is not kept as a captured response: only the reply the agent keeps is captured."""

from __future__ import annotations

from sdialog.agents import Agent
from sdialog.interpretability import Inspector
from sdialog.llm import LocalBackend


def test_only_the_kept_reply_is_captured(tiny_model, no_hooks_left):
    backend = LocalBackend("huggingface:tiny", temperature=0.8, max_tokens=6, cache=False)
    rows = []
    generate = backend._complete_batch

    def counting(conversations, **kw):
        rows.append(len(conversations))
        return generate(conversations, **kw)

    backend._complete_batch = counting
    tries = []

    def reject_the_first_try(text: str) -> str:
        tries.append(text)
        return "" if len(tries) == 1 else "Fine, thank you."

    inspector = Inspector(target=1)
    agent = Agent(name="Bob", model=backend, postprocess_fn=reject_the_first_try) | inspector
    assert agent("How are you?") == "Fine, thank you."
    assert sum(rows) == 2  # the model really wrote twice
    assert len(inspector) == 1  # ... and only the kept reply was captured
