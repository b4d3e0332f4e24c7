"""Judges on the embedded SmolLM2-135M-Instruct via log-probabilities (integration)."""

from __future__ import annotations

import pytest

from sdialog.evaluators import LLMJudgeRealDialog, LLMJudgeRealDialogLikertScore
from tests.evaluators.judges.conftest import make_dialog

pytestmark = pytest.mark.integration

GOOD = make_dialog(
    "Hi, I'd like to check the status of my order, please.",
    "Of course! Could you give me your order number?",
    "Sure, it's 4512.",
    "Thanks. Your order shipped yesterday and should arrive on Friday.",
    "Great, thank you so much!",
    "You're welcome, have a nice day!",
)
BROKEN = make_dialog(
    "the the the the the",
    "purple seven banana window window",
    "asdf qwer zxcv",
    "the the the the",
    "banana banana banana",
    "zxcv zxcv zxcv",
)


def test_real_dialog_orders_a_good_dialog_above_a_broken_one():
    judge = LLMJudgeRealDialog()  # the embedded model: log-probabilities, no generation
    assert judge.uses_logprob
    good, broken = judge.judge_batch([GOOD, BROKEN])
    assert good.method == broken.method == "logprob"
    assert 0 < broken.probability < good.probability < 1


def test_likert_on_the_embedded_model_is_valid():
    # The 135M model barely separates these on a 1-5 scale (measured: 1.51 vs 1.52), so only
    # validity is checked here: a proper distribution and an expected score inside the range.
    judgments = LLMJudgeRealDialogLikertScore().judge_batch([GOOD, BROKEN])
    for judgment in judgments:
        assert sum(judgment.probabilities.values()) == pytest.approx(1.0)
        assert 1.0 <= judgment.value <= 5.0
