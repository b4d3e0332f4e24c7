"""ToolSequenceValidator: truth tables of the documented semantics, and diagnostics."""

from __future__ import annotations

import pytest

from sdialog import Dialog, Event
from sdialog.evaluators import FrequencyEvaluator, ToolSequenceValidator
from sdialog.evaluators.tools import tool_calls


def calls(spec: str) -> Dialog:
    events = []
    for name in spec.split():
        events.append(Event(agent="Bot", action="tool", actionLabel="call", content={"name": name}))
        events.append(
            Event(
                agent="Bot",
                action="tool",
                actionLabel="output",
                content={"name": name, "output": "ok"},
            )
        )
    events.insert(0, Event(agent="Bot", action="utter", content="hello"))
    return Dialog(events=events)


TRUTH = [
    # (steps, calls, passes)
    (["a", "b"], "a b", True),
    (["a", "b"], "x a y b z", True),  # other calls anywhere
    (["a", "b"], "b a", False),  # order matters
    (["a", "a"], "a", False),  # a repeated step needs two calls
    (["a", "a"], "a b a", True),  # repeats allowed
    (["a"], "a a a", True),
    (["a"], "", False),
    (["a", "not:x", "b"], "a b x", True),  # x after b is outside the gap
    (["a", "not:x", "b"], "x a b", True),  # x before a is outside the gap
    (["a", "not:x", "b"], "a x b", False),
    (["a", "not:x", "b"], "a x a b", True),  # a later 'a' starts a clean gap
    (["a", "not:x", "b"], "a b x b", True),
    (["a", "not:x", "not:y", "b"], "a y b", False),
    (["a", "not:x", "not:y", "b"], "a z b", True),
    (["not:x", "a"], "x a", False),  # leading gap: from the start
    (["not:x", "a"], "a x", True),
    (["a", "not:x"], "a x", False),  # trailing gap: to the end
    (["a", "not:x"], "x a", True),
    (["a", "not:x"], "a x a", True),  # the last 'a' leaves a clean tail
    (["not:x"], "a b", True),
    (["not:x"], "a x", False),
    (["a", "not:a", "b"], "a a b", True),  # the second 'a' matches, the gap is clean
    (["verify", "not:refund", "refund"], "verify refund", True),  # the target is not in its gap
]


@pytest.mark.parametrize(("steps", "spec", "passes"), TRUTH)
def test_truth_table(steps, spec, passes):
    result = ToolSequenceValidator(steps)(calls(spec))
    assert result.passed is passes and bool(result) is passes
    assert float(result) == (1.0 if passes else 0.0)
    assert (result.message == "") is passes
    if passes:
        names = spec.split()
        positive = [s for s in steps if not s.startswith("not:")]
        assert [names[i] for i in result.matched] == positive
        assert result.matched == sorted(result.matched)


def test_diagnostics_name_the_step_and_the_calls():
    check = ToolSequenceValidator(["verify_account", "not:cancel", "refund"])
    message = check(calls("verify_account cancel refund")).message
    assert message == (
        "'cancel' (call #2) is called between 'verify_account' (call #1) and 'refund' (call #3)"
    )
    assert check(calls("lookup")).message == "'verify_account' is never called (calls: lookup)"
    assert check(calls("verify_account")).message == (
        "'refund' is never called after 'verify_account' (call #1) (calls: verify_account)"
    )
    assert ToolSequenceValidator(["a", "not:x"])(calls("a x")).message == (
        "'x' (call #2) is called after 'a' (call #1)"
    )
    assert ToolSequenceValidator(["not:x", "a"])(calls("x a")).message == (
        "'x' (call #1) is called before 'a' (call #2)"
    )


def test_tool_calls_reads_only_call_events():
    d = calls("a b")
    d.events.append(Event(action="tool", actionLabel="call", content='{"name": "c"}'))
    d.events.append(Event(action="tool", actionLabel="call", content="not json"))
    assert tool_calls(d) == ["a", "b", "c"]


def test_invalid_steps_raise():
    for bad in ([], "refund", ["not:"], [""], [3]):
        with pytest.raises(ValueError, match="step"):
            ToolSequenceValidator(bad)


def test_pass_rate_over_a_dataset():
    check = ToolSequenceValidator(["a", "b"])
    assert FrequencyEvaluator(check)([calls("a b"), calls("b a"), calls("a x b"), calls("")]) == 0.5
    assert check.batch([calls("a b")])[0].json()["passed"] is True
