"""Exact behaviour of the built-in orchestrators (everything but SimpleResponseOrchestrator)."""

from __future__ import annotations

import pytest

from sdialog.dialog import Dialog, Event, Instruction, Turn
from sdialog.orchestrators import (
    ChangeMindOrchestrator,
    InstructionListOrchestrator,
    LengthOrchestrator,
    SimpleReflexOrchestrator,
    ToolEventOrchestrator,
)


def bot_dialog(bot_turns: int, user_last: bool = True) -> Dialog:
    """A dialog in which Bot spoke ``bot_turns`` times, User answering each (last turn: User)."""
    turns = []
    for i in range(bot_turns):
        turns += [Turn("Bot", f"bot {i}"), Turn("User", f"user {i}")]
    if not user_last and turns:
        turns.pop()
    return Dialog(turns=turns)


# ------------------------------------------------------------------ SimpleReflexOrchestrator
def test_reflex_one_argument_condition():
    o = SimpleReflexOrchestrator(lambda u: "refund" in u, "Ask for the order number.")
    d = Dialog(turns=[Turn("User", "a refund please")])
    assert o.instruct(d, "a refund please") == "Ask for the order number."
    assert o.instruct(d, "hello") is None
    assert o.instruct(Dialog(), None) is None  # not called without an utterance


def test_reflex_two_argument_condition_sees_the_dialog():
    seen = []

    def condition(dialog, utterance):
        seen.append((len(dialog), utterance))
        return len(dialog) == 0

    o = SimpleReflexOrchestrator(condition, "Open with a greeting.")
    assert o.instruct(Dialog(), None) == "Open with a greeting."
    assert o.instruct(bot_dialog(1), "user 0") is None
    assert seen == [(0, None), (2, "user 0")]


def test_reflex_signature_detection_edge_cases():
    d = Dialog(turns=[Turn("User", "HELP")])
    # a builtin method, an optional second parameter, *args
    assert SimpleReflexOrchestrator(str.isupper, "Calm.").instruct(d, "HELP") == "Calm."
    assert SimpleReflexOrchestrator(lambda u, flag=False: u == "HELP", "x").instruct(d, "HELP")
    o = SimpleReflexOrchestrator(lambda *a: isinstance(a[0], Dialog), "two")
    assert o.instruct(d, "HELP") == "two"

    class Checker:
        def check(self, utterance):
            return utterance == "HELP"

    assert SimpleReflexOrchestrator(Checker().check, "bound").instruct(d, "HELP") == "bound"


def test_reflex_callable_instructions():
    d = Dialog(turns=[Turn("User", "I am angry")])
    one = SimpleReflexOrchestrator(lambda u: True, lambda u: f"Calm them: {u}")
    two = SimpleReflexOrchestrator(lambda u: True, lambda dialog, u: f"{len(dialog)} turns")
    ins = SimpleReflexOrchestrator(lambda u: True, lambda u: Instruction("structured"))
    none = SimpleReflexOrchestrator(lambda u: True, lambda u: None)
    assert one.instruct(d, "I am angry") == "Calm them: I am angry"
    assert two.instruct(d, "I am angry") == "1 turns"
    assert ins.instruct(d, "x").text == "structured"
    assert none.instruct(d, "x") is None


def test_reflex_rejects_bad_arguments():
    with pytest.raises(TypeError, match="condition must be callable"):
        SimpleReflexOrchestrator("refund", "x")
    with pytest.raises(TypeError, match="instruction must be a string or a callable"):
        SimpleReflexOrchestrator(lambda u: True, 3)


# ------------------------------------------------------------------------ LengthOrchestrator
@pytest.mark.parametrize(
    ("done", "expected"),
    [
        (0, LengthOrchestrator.KEEP_GOING),  # writing turn 1
        (1, LengthOrchestrator.KEEP_GOING),  # turn 2
        (2, None),  # turn 3 = min: may end
        (3, None),  # turn 4
        (4, LengthOrchestrator.WRAP_UP),  # turn 5 = max
        (7, LengthOrchestrator.WRAP_UP),  # past max
    ],
)
def test_length_boundaries(done, expected):
    o = LengthOrchestrator(min=3, max=5, target_speaker="Bot")
    d = bot_dialog(done)
    assert o.instruct(d, d[-1].text if done else None) == expected


def test_length_counts_only_the_owner_turns():
    o = LengthOrchestrator(max=2, target_speaker="Bot")
    d = Dialog(turns=[Turn("User", "a"), Turn("User", "b"), Turn("User", "c")])
    assert o.instruct(d, "c") is None  # Bot has not spoken: this is its turn 1
    assert o.instruct(bot_dialog(1), "user 0") == LengthOrchestrator.WRAP_UP


def test_length_infers_the_owner_without_target_speaker():
    o = LengthOrchestrator(max=3)
    assert o.instruct(bot_dialog(1), "user 0") is None  # Bot's 2nd turn
    assert o.instruct(bot_dialog(2), "user 1") == LengthOrchestrator.WRAP_UP


def test_length_min_equals_max():
    o = LengthOrchestrator(min=2, max=2, target_speaker="Bot")
    assert o.instruct(bot_dialog(0), None) == LengthOrchestrator.KEEP_GOING
    assert o.instruct(bot_dialog(1), "user 0") == LengthOrchestrator.WRAP_UP


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give min, max or both"),
        ({"min": 5, "max": 2}, "min must not exceed max"),
        ({"min": 0}, "min must be a positive integer"),
        ({"max": 2.5}, "max must be a positive integer"),
        ({"max": True}, "max must be a positive integer"),
    ],
)
def test_length_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LengthOrchestrator(**kwargs)


# -------------------------------------------------------------------- ChangeMindOrchestrator
def _fires(o: ChangeMindOrchestrator, calls: int = 20) -> list[bool]:
    d = bot_dialog(1)
    return [o.instruct(d, "user 0") is not None for _ in range(calls)]


def test_change_mind_is_seeded_and_reproducible():
    o = ChangeMindOrchestrator(probability=0.5, max_times=None)
    o.reset(seed=11)
    first = _fires(o)
    o.reset(seed=11)
    assert _fires(o) == first
    assert 0 < sum(first) < len(first)
    o.reset(seed=12)
    assert _fires(o) != first
    assert _fires(o.fork(seed=11)) == first


def test_change_mind_never_exceeds_max_times():
    o = ChangeMindOrchestrator(probability=1.0, max_times=2)
    assert _fires(o, 5) == [True, True, False, False, False]
    assert o.times == 2
    o.reset()
    assert _fires(o, 3) == [True, True, False]
    assert _fires(ChangeMindOrchestrator(probability=1.0, max_times=0), 3) == [False] * 3
    assert _fires(ChangeMindOrchestrator(probability=0.0, max_times=None), 3) == [False] * 3


def test_change_mind_waits_for_the_owner_to_speak():
    o = ChangeMindOrchestrator(probability=1.0, target_speaker="Bot")
    assert o.instruct(Dialog(), None) is None
    assert o.instruct(Dialog(turns=[Turn("User", "hi")]), "hi") is None
    assert o.times == 0
    assert o.instruct(bot_dialog(1), "user 0") == ChangeMindOrchestrator.INSTRUCTION


def test_change_mind_reasons():
    reasons = ["it costs too much", "a friend advised against it."]
    o = ChangeMindOrchestrator(probability=1.0, reasons=reasons, max_times=None)
    texts = {o.instruct(bot_dialog(1), "user 0") for _ in range(30)}
    assert texts == {
        f"{ChangeMindOrchestrator.INSTRUCTION} Reason: it costs too much.",
        f"{ChangeMindOrchestrator.INSTRUCTION} Reason: a friend advised against it.",
    }
    single = ChangeMindOrchestrator(probability=1.0, reasons="it is late")
    assert single.instruct(bot_dialog(1), "x").endswith("Reason: it is late.")


@pytest.mark.parametrize("kwargs", [{"probability": 1.5}, {"probability": -0.1}, {"max_times": -1}])
def test_change_mind_validation(kwargs):
    with pytest.raises(ValueError):
        ChangeMindOrchestrator(**kwargs)


# --------------------------------------------------------------- InstructionListOrchestrator
def test_instruction_list_from_a_list():
    o = InstructionListOrchestrator(["first", None, Instruction("third")], target_speaker="Bot")
    assert o.instruct(bot_dialog(0), None) == "first"
    assert o.instruct(bot_dialog(1), "user 0") is None
    assert o.instruct(bot_dialog(2), "user 1").text == "third"
    assert o.instruct(bot_dialog(3), "user 2") is None  # past the end


def test_instruction_list_from_a_dict_with_json_keys():
    o = InstructionListOrchestrator({"2": "offer a discount", 0: "greet"}, target_speaker="Bot")
    assert o.instructions == {0: "greet", 2: "offer a discount"}
    got = [o.instruct(bot_dialog(n), None) for n in range(4)]
    assert got == ["greet", None, "offer a discount", None]


def test_instruction_list_counts_owner_turns_when_bot_speaks_second():
    o = InstructionListOrchestrator(["a", "b"], target_speaker="Bot")
    d = Dialog(turns=[Turn("User", "hi")])
    assert o.instruct(d, "hi") == "a"
    d = Dialog(turns=[Turn("User", "hi"), Turn("Bot", "hello"), Turn("User", "ok")])
    assert o.instruct(d, "ok") == "b"


@pytest.mark.parametrize(
    ("instructions", "error"),
    [
        ("just text", TypeError),
        ({-1: "x"}, ValueError),
        ({"one": "x"}, ValueError),
        ([3], TypeError),
    ],
)
def test_instruction_list_validation(instructions, error):
    with pytest.raises(error):
        InstructionListOrchestrator(instructions)


# --------------------------------------------------------------------- ToolEventOrchestrator
def call(name: str) -> Event:
    return Event("Bot", "tool", "call", {"name": name, "args": {"order": 7}, "id": "c1"})


def output(name: str, result=None, error=None) -> Event:
    content = {"name": name, "output": result, "call_id": "c1"}
    if error is not None:
        content["error"] = error
    return Event("Bot", "tool", "output", content)


def test_tool_events_on_call_and_on_tool():
    o = ToolEventOrchestrator(
        on_call={"refund": "Say the refund for {args} is being requested."},
        on_tool={"refund": "Confirm the refund: {output}.", "*": "Use the {name} result."},
    )
    d = Dialog()
    assert o.on_event(d, call("refund")) == 'Say the refund for {"order": 7} is being requested.'
    assert o.on_event(d, call("weather")) is None  # no wildcard for calls
    assert o.on_event(d, output("refund", "done")) == "Confirm the refund: done."
    assert o.on_event(d, output("weather", {"temp": 20})) == "Use the weather result."
    assert o.instruct(d, "hello") is None


def test_tool_events_errors():
    o = ToolEventOrchestrator(
        on_tool={"refund": "Confirm the refund."},
        on_error={"refund": "Refund failed: {error}. Offer a human agent."},
    )
    d = Dialog()
    assert o.on_event(d, output("refund", error="timeout")) == (
        "Refund failed: timeout. Offer a human agent."
    )
    assert o.on_event(d, output("refund", "ok")) == "Confirm the refund."
    assert o.on_event(d, output("search", error="boom")) is None
    # a single on_error reaction covers every tool; without on_error, on_tool sees errors too
    anything = ToolEventOrchestrator(on_error="Apologise: {name} failed.")
    assert anything.on_event(d, output("search", error="x")) == "Apologise: search failed."
    assert anything.on_event(d, output("search", "fine")) is None
    fallback = ToolEventOrchestrator(on_tool={"refund": "Report it."})
    assert fallback.on_event(d, output("refund", error="x")) == "Report it."


def test_tool_events_callables_and_other_events():
    seen = []

    def two(dialog, event):
        seen.append(len(dialog))
        return Instruction(f"{event.content['name']} via two")

    o = ToolEventOrchestrator(
        on_tool={"a": lambda event: f"{event.actionLabel} of {event.content['name']}", "b": two},
        on_error={"a": lambda event: None},
    )
    d = Dialog(turns=[Turn("User", "hi")])
    assert o.on_event(d, output("a", 1)) == "output of a"
    assert o.on_event(d, output("b", 1)).text == "b via two" and seen == [1]
    assert o.on_event(d, output("a", error="x")) is None
    assert o.on_event(d, Event("Bot", "utter", content="hello")) is None
    assert o.on_event(d, Event("Bot", "tool", "call", content="not a dict")) is None
    assert o.on_event(d, Event("Bot", "tool", "progress", {"name": "a"})) is None


def test_tool_events_templates_leave_other_braces_alone():
    o = ToolEventOrchestrator(on_tool={"*": 'Reply as JSON {"tool": "{name}"}; error: {error}.'})
    assert o.on_event(Dialog(), output("t", 1)) == 'Reply as JSON {"tool": "t"}; error: .'


def test_tool_events_validation():
    with pytest.raises(ValueError, match="at least one"):
        ToolEventOrchestrator()
    with pytest.raises(TypeError, match="on_tool"):
        ToolEventOrchestrator(on_tool="not a dict")
    with pytest.raises(TypeError, match=r"on_call\['x'\]"):
        ToolEventOrchestrator(on_call={"x": 3})
