"""Shared dialogs for the judge tests."""

from __future__ import annotations

import json

import pytest

from sdialog import Dialog, Turn


def make_dialog(*texts: str, **fields) -> Dialog:
    """A two-speaker dialog (Customer/Agent alternate) with the given turn texts."""
    speakers = ["Customer", "Agent"]
    turns = [Turn(speakers[i % 2], text) for i, text in enumerate(texts)]
    return Dialog(turns=turns, **fields)


@pytest.fixture
def dialogs() -> list[Dialog]:
    return [make_dialog(f"Hello number {i}", f"Hi, customer {i}!") for i in range(4)]


def last_user(messages) -> str:
    return next(m["content"] for m in reversed(messages) if m["role"] == "user")


def by_number(replies: dict[int, object]):
    """A scripted reply function: the reply for dialog ``i`` is ``replies[i]`` (JSON-encoded
    when not text), chosen by the ``customer i`` marker in the prompt, so concurrency and batch
    order cannot change which dialog gets which answer."""

    def reply(messages):
        text = " ".join(m["content"] for m in messages if m["role"] == "user")
        for i, answer in replies.items():
            if f"customer {i}!" in text:
                return answer if isinstance(answer, str) else json.dumps(answer)
        raise AssertionError(f"no scripted answer for {text!r}")

    return reply
