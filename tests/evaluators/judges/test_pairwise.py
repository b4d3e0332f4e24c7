"""Pairwise judging with order swap: consistent verdicts win, position bias becomes a tie."""

from __future__ import annotations

import math

import pytest

from sdialog.evaluators import PairwiseJudge
from sdialog.llm import ScriptedBackend
from tests.evaluators.judges.conftest import last_user, make_dialog

GOOD = make_dialog("Hello, how can I help you today?", "I need a refund.")
BAD = make_dialog("wat", "refund no")


def prefers(marker: str, answer_key: str = "winner"):
    """A judge that always prefers the dialog containing ``marker``, whatever its position."""

    def reply(messages):
        text = last_user(messages)
        a_part = text.split("Dialog B:")[0]
        return {answer_key: "A" if marker in a_part else "B"}

    return reply


def test_content_preference_is_consistent_under_swap():
    backend = ScriptedBackend(prefers("how can I help"))
    judge = PairwiseJudge(model=backend)
    result = judge.compare(GOOD, BAD)
    assert (result.winner, result.consistent, result.verdicts) == ("a", True, ("a", "a"))
    assert result.probability_a == 1.0
    assert judge.compare(BAD, GOOD).winner == "b"
    # both orders were asked: GOOD first once, second once
    prompts = [last_user(c) for c in backend.calls[:2]]
    assert prompts[0].index("how can I help") < prompts[0].index("wat")
    assert prompts[1].index("wat") < prompts[1].index("how can I help")


def test_position_bias_becomes_a_tie():
    judge = PairwiseJudge(model=ScriptedBackend([{"winner": "A"}]))
    result = judge.compare(GOOD, BAD)
    assert (result.winner, result.consistent, result.verdicts) == ("tie", False, ("a", "b"))
    assert result.probability_a == 0.5


def test_tie_answers_stay_ties():
    result = PairwiseJudge(model=ScriptedBackend([{"winner": "tie"}])).compare(GOOD, BAD)
    assert (result.winner, result.consistent) == ("tie", True)


def test_logprob_path_averages_both_orders():
    scores = {"A": math.log(0.8), "B": math.log(0.2)}  # pure position bias
    judge = PairwiseJudge(model=ScriptedBackend(scores=scores), method="logprob")
    result = judge.compare(GOOD, BAD)
    assert result.winner == "tie" and not result.consistent
    assert result.probability_a == pytest.approx(0.5)


def test_batch_win_rate_and_failures():
    def reply(messages):
        text = last_user(messages)
        if "broken" in text:
            return "not json"
        return prefers("how can I help")(messages)

    judge = PairwiseJudge(model=ScriptedBackend(reply), repair_retries=0)
    broken = make_dialog("broken")
    report = judge.win_rate([GOOD, BAD, GOOD], [BAD, GOOD, broken])
    assert report == {"wins": 1, "ties": 0, "losses": 1, "failed": 1, "win_rate": 0.5}
    assert len(judge.errors) == 2  # both orders of the broken pair
    with pytest.raises(ValueError, match="dialogs_b"):
        judge.win_rate([GOOD], [])


def test_pairwise_inputs_are_checked():
    judge = PairwiseJudge(model=ScriptedBackend(["{}"]))
    with pytest.raises(ValueError, match="pairs\\[0\\]"):
        judge.compare_batch([GOOD])
    with pytest.raises(TypeError, match="compare"):
        judge(GOOD)
    with pytest.raises(ValueError, match="criterion"):
        PairwiseJudge("", model=ScriptedBackend(["{}"]))
    assert judge.compare_batch([]) == []


def test_reasons_of_both_orders():
    backend = ScriptedBackend([{"reason": "clearer", "winner": "tie"}])
    result = PairwiseJudge("Which is clearer?", reason=True, model=backend).compare(GOOD, BAD)
    assert result.reasons == ("clearer", "clearer")
    assert "Which is clearer?" in last_user(backend.calls[0])
