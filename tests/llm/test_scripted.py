"""ScriptedBackend: canned, echo and function replies; structured output; tool calls; batches."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

from sdialog.llm import (
    BackendError,
    Completion,
    ScriptedBackend,
    StructuredOutputError,
    ToolCall,
    get_backend,
)

HI = [{"role": "user", "content": "hi there"}]


class Verdict(BaseModel):
    ok: bool


def test_canned_replies_in_order_and_cycle():
    backend = ScriptedBackend(["a", "b"])
    assert [backend.complete(HI).text for _ in range(3)] == ["a", "b", "a"]
    once = ScriptedBackend(["a"], cycle=False)
    once.complete(HI)
    with pytest.raises(IndexError, match="ran out"):
        once.complete(HI)
    with pytest.raises(BackendError, match="no replies"):
        ScriptedBackend().complete(HI)


def test_echo_and_function_and_recorded_calls():
    assert get_backend("scripted:echo").complete(HI).text == "hi there"
    backend = ScriptedBackend(lambda messages: f"{len(messages)} messages")
    assert backend.complete_batch([HI, HI + HI]) == backend.complete_batch([HI, HI + HI])
    assert [c.text for c in backend.complete_batch([HI, HI + HI])] == ["1 messages", "2 messages"]
    assert len(backend.calls) == 6


def test_structured_output_validated():
    backend = ScriptedBackend([{"ok": True}, Verdict(ok=False), "not json"])
    assert backend.complete(HI, schema=Verdict).parsed == Verdict(ok=True)
    assert backend.complete(HI, schema=Verdict).parsed == Verdict(ok=False)
    with pytest.raises(StructuredOutputError, match="not JSON"):
        backend.complete(HI, schema=Verdict)
    row = ScriptedBackend(["nope"]).complete_batch([HI], schema=Verdict)[0]
    assert row.parsed is None and row.error


def test_tool_calls_and_full_completions():
    call = ToolCall(id="c1", name="lookup", arguments={"q": "x"})
    backend = ScriptedBackend([call, Completion(text="done", finish_reason="length")])
    first = backend.complete(HI)
    assert first.tool_calls == [call] and first.finish_reason == "tool_calls"
    assert backend.complete(HI).finish_reason == "length"


def test_stop_strings_params_and_provenance():
    backend = ScriptedBackend(["Hello. User: more"], temperature=0.3)
    completion = backend.complete(HI, stop="User:", seed=4)
    assert completion.text == "Hello. "
    assert completion.provenance["params"]["temperature"] == 0.3
    assert completion.provenance["seed"] == 4


def test_async_twins():
    backend = ScriptedBackend.echo()
    result = asyncio.run(backend.acomplete_batch([HI, [{"role": "user", "content": "x"}]]))
    assert [c.text for c in result] == ["hi there", "x"]
    assert asyncio.run(backend.acomplete(HI)).text == "hi there"


def test_score_continuations():
    backend = ScriptedBackend(["x"], scores={"yes": -0.1})
    assert backend.score_continuations(HI, ["yes", "no"]) == [-0.1, -2.0]


def test_bad_messages_are_rejected_with_a_clear_error():
    backend = ScriptedBackend(["x"])
    with pytest.raises(TypeError, match="list of message dicts"):
        backend.complete("hello")
    with pytest.raises(ValueError, match=r"\[0\]\['role'\]"):
        backend.complete([{"role": "robot", "content": "x"}])
    with pytest.raises(ValueError, match="3 values for 2 conversations"):
        backend.complete_batch([HI, HI], seed=[1, 2, 3])
