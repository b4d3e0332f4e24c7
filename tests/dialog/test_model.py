"""Tests for sdialog.dialog.model: Turn, Event, Context, Instruction."""

from __future__ import annotations

import time

import pytest
from pydantic import ValidationError

from sdialog.dialog import ACTIONS, Context, Event, Instruction, Turn


class TestTurn:
    def test_positional_and_keyword_forms_are_equal(self) -> None:
        assert Turn("A", "hi") == Turn(speaker="A", text="hi")

    def test_speaker_defaults_to_none(self) -> None:
        turn = Turn(text="(laughs)")
        assert turn.speaker is None
        assert str(turn) == "(laughs)"

    def test_str_is_speaker_colon_text(self) -> None:
        assert str(Turn("Alice", "Hello there")) == "Alice: Hello there"

    def test_len_counts_words(self) -> None:
        assert len(Turn("A", "  one two\tthree\nfour ")) == 4
        assert len(Turn("A", "")) == 0

    def test_empty_turn_is_truthy(self) -> None:
        assert Turn("A", "")

    def test_text_is_required(self) -> None:
        with pytest.raises(ValidationError):
            Turn("A")

    def test_extra_metadata_is_kept_and_serialized(self) -> None:
        turn = Turn("A", "hi", emotion="joy", start=1.5)
        assert turn.emotion == "joy"
        assert turn.json() == {"speaker": "A", "text": "hi", "emotion": "joy", "start": 1.5}
        assert Turn.model_validate(turn.json()) == turn

    def test_json_string(self) -> None:
        assert Turn("A", "é").json(string=True, indent=None) == '{"speaker": "A", "text": "é"}'


class TestEvent:
    def test_defaults(self) -> None:
        before = time.time()
        event = Event(action="utter", content="hi")
        assert event.agent is None
        assert event.actionLabel is None
        assert isinstance(event.timestamp, float)
        assert before <= event.timestamp <= time.time()

    def test_positional_fields(self) -> None:
        event = Event("A", "tool", "call", {"name": "f"}, 5)
        assert event == Event(
            agent="A", action="tool", actionLabel="call", content={"name": "f"}, timestamp=5
        )

    def test_action_is_required(self) -> None:
        with pytest.raises(ValidationError):
            Event(agent="A")

    def test_int_timestamp_is_accepted(self) -> None:
        assert Event(action="utter", timestamp=1700000000).timestamp == 1700000000.0

    def test_actions_listed(self) -> None:
        expected = {"utter", "instruct", "instruct-persist", "think", "tool", "request_suggestions"}
        assert set(ACTIONS) == expected

    def test_unknown_action_is_accepted(self) -> None:
        assert Event(action="custom-thing").action == "custom-thing"

    def test_tool_call_output_and_error(self) -> None:
        call = Event(
            agent="Bot",
            action="tool",
            actionLabel="call",
            content={"name": "refund", "args": {"order": 7}, "id": "c1"},
        )
        output = Event(
            agent="Bot",
            action="tool",
            actionLabel="output",
            content={"name": "refund", "output": {"ok": True}, "call_id": "c1"},
        )
        error = Event(
            agent="Bot",
            action="tool",
            actionLabel="output",
            content={"name": "refund", "output": None, "call_id": "c1", "error": "boom"},
        )
        assert call.content["args"] == {"order": 7}
        assert output.content["call_id"] == call.content["id"]
        assert error.content["error"] == "boom"
        for event in (call, output, error):
            assert Event.model_validate(event.json()) == event

    def test_str(self) -> None:
        assert str(Event(agent="A", action="think", content="hmm", timestamp=0)) == "[A] think: hmm"
        tool = Event(action="tool", actionLabel="call", content={"name": "f"}, timestamp=0)
        assert str(tool) == 'tool/call: {"name": "f"}'

    def test_extra_keys_kept(self) -> None:
        event = Event(action="utter", content="x", timestamp=1, latency_ms=12)
        assert event.json()["latency_ms"] == 12


class TestContext:
    def test_all_fields_optional(self) -> None:
        context = Context()
        assert context.prompt() == ""
        assert set(Context.model_fields) == {
            "location",
            "datetime",
            "environment",
            "objects",
            "participants_shared_knowledge",
            "circumstances",
            "goals",
            "constraints",
            "topics",
            "style_guidelines",
            "notes",
        }

    def test_prompt_lists_set_fields(self) -> None:
        goals = ["open an account", "ask about fees"]
        context = Context(location="a bank", goals=goals, mood="calm")
        assert context.prompt() == (
            "Location: a bank\nGoals: open an account; ask about fees\nMood: calm"
        )
        assert context.description() == context.prompt() == str(context)

    def test_round_trip_with_extras(self) -> None:
        context = Context(location="x", custom={"a": 1})
        assert Context.model_validate(context.json()) == context


class TestInstruction:
    def test_positional_text(self) -> None:
        ins = Instruction("Be brief.")
        assert ins.text == "Be brief." and ins.events is None and str(ins) == "Be brief."

    def test_single_event_is_kept_and_listed(self) -> None:
        event = Event(action="instruct", content="Be brief.")
        single = Instruction("Be brief.", events=event)
        assert single.events == event and single.event_list == [event]
        assert Instruction(text="x", events=[event, event]).events == [event, event]
        assert Instruction(text="x", events=[event]).event_list == [event]
        assert Instruction(text="x").event_list == []
        from_dict = Instruction(text="x", events={"action": "think", "content": "hm"})
        assert isinstance(from_dict.events, Event) and from_dict.event_list[0].action == "think"

    def test_text_required(self) -> None:
        with pytest.raises(ValidationError):
            Instruction()
