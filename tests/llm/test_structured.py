"""JSON extraction, validation messages and repair prompts."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from sdialog.llm import StructuredOutputError
from sdialog.llm.structured import (
    extract_json,
    parse_structured,
    repair_messages,
    with_schema_instructions,
)


class Item(BaseModel):
    name: str
    count: int


def test_extract_json_from_fences_and_prose():
    assert extract_json('```json\n{"a": 1}\n```') == {"a": 1}
    assert extract_json('Here you go: {"a": [1, 2]} hope it helps') == {"a": [1, 2]}
    assert extract_json('{bad} then {"ok": true}') == {"ok": True}
    with pytest.raises(ValueError):
        extract_json("no json here")


def test_parse_structured_names_the_bad_field():
    assert parse_structured('{"name": "x", "count": 2}', Item) == Item(name="x", count=2)
    with pytest.raises(StructuredOutputError) as info:
        parse_structured('{"name": "x", "count": "many"}', Item)
    assert any(e.startswith("count:") for e in info.value.errors)
    assert info.value.raw == '{"name": "x", "count": "many"}'


def test_schema_instructions_and_repair_do_not_mutate_input():
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Go"}]
    out = with_schema_instructions(messages, Item)
    assert messages[0]["content"] == "Be brief."
    assert out[0]["content"].startswith("Be brief.") and '"count"' in out[0]["content"]
    no_system = with_schema_instructions(messages[1:], Item)
    assert no_system[0]["role"] == "system"
    try:
        parse_structured("nope", Item)
    except StructuredOutputError as exc:
        repaired = repair_messages(out, "nope", exc)
    assert [m["role"] for m in repaired[-2:]] == ["assistant", "user"]
    assert "not valid" in repaired[-1]["content"]
