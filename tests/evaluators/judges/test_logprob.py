"""Log-probability judging: the mechanics on the tiny local model and on scripted log-probs, the
batched scoring of LocalBackend, and the reason follow-up."""

from __future__ import annotations

import math

import pytest

from sdialog.evaluators import (
    LLMJudgeRealDialogLikertScore,
    LLMJudgeRealDialogScore,
    LLMJudgeScore,
    LLMJudgeYesNo,
)
from sdialog.llm import LocalBackend, ScriptedBackend
from tests.evaluators.judges.conftest import make_dialog

YES_NO = "Is it polite?\n{{ dialog }}"


class CountingLocal(LocalBackend):
    """A LocalBackend that counts its batched scoring and generation calls."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scoring_calls: list[int] = []
        self.generation_calls: list[int] = []

    def score_continuations_batch(self, conversations, candidates, **params):
        self.scoring_calls.append(len(conversations))
        return super().score_continuations_batch(conversations, candidates, **params)

    def _complete_batch(self, conversations, **kwargs):
        self.generation_calls.append(len(conversations))
        return super()._complete_batch(conversations, **kwargs)


@pytest.fixture
def tiny(tiny_model):
    return CountingLocal("huggingface:tiny", cache=False, max_batch_size=4)


@pytest.fixture
def dialogs():
    return [make_dialog("hello there", "hi"), make_dialog("a"), make_dialog("b b b", "c", "d")]


# -- LocalBackend.score_continuations_batch ----------------------------------------------------
@pytest.mark.parametrize("candidates", [["hello", "no", "x y"], ["a", "b"]])
def test_batched_scoring_equals_one_conversation_at_a_time(tiny, candidates):
    conversations = [
        [{"role": "user", "content": "hello there"}],
        [
            {"role": "system", "content": "be nice"},
            {"role": "user", "content": "hello hello friend"},
        ],
        [{"role": "user", "content": "x"}],
    ]
    batched = tiny.score_continuations_batch(conversations, candidates)
    single = [tiny.score_continuations(c, candidates) for c in conversations]
    assert len(batched) == 3 and all(len(row) == len(candidates) for row in batched)
    for row_b, row_s in zip(batched, single, strict=True):
        assert row_b == pytest.approx(row_s, abs=1e-4)
    assert all(v < 0 for row in batched for v in row)


def test_text_prompt_scoring_skips_the_chat_template(tiny, tiny_model):
    import torch

    model, tokenizer = tiny_model
    prefixes = ["A talk.\nDoctor:", "A talk.\nPatient: I feel ill.\nDoctor:"]
    conversations = [[{"role": "user", "content": p}] for p in prefixes]
    scores = tiny.score_continuations_batch(conversations, [" Rest."], prompt_format="text")
    for prefix, (score,) in zip(prefixes, scores, strict=True):
        head = tokenizer(prefix, add_special_tokens=False)["input_ids"]
        tail = tokenizer(" Rest.", add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            logits = model(input_ids=torch.tensor([head + tail])).logits[0].float()
        logprobs = logits[len(head) - 1 : -1].log_softmax(-1)
        expected = float(logprobs.gather(-1, torch.tensor(tail)[:, None]).sum())
        assert score == pytest.approx(expected, abs=1e-4)
    chat = tiny.score_continuations_batch(conversations, [" Rest."])
    assert chat[0][0] != pytest.approx(scores[0][0], abs=1e-4)  # the template changes the prompt


def test_batched_scoring_edge_cases(tiny):
    assert tiny.score_continuations_batch([], ["a"]) == []
    assert tiny.score_continuations_batch([[{"role": "user", "content": "x"}]], []) == [[]]
    with pytest.raises(ValueError, match="non-empty"):
        tiny.score_continuations_batch([[{"role": "user", "content": "x"}]], [""])


# -- judges on the tiny model ------------------------------------------------------------------
def test_local_yes_no_uses_logprobs_in_one_batched_call(tiny, dialogs):
    judge = LLMJudgeYesNo(YES_NO, model=tiny)
    assert judge.uses_logprob
    judgments = judge.judge_batch(dialogs)
    assert tiny.scoring_calls == [3] and tiny.generation_calls == []
    for judgment in judgments:
        assert judgment.method == "logprob" and judgment.ok
        assert 0.0 <= judgment.probability <= 1.0
        assert judgment.value is (judgment.probability > 0.5)
    assert judge.batch(dialogs) == [j.value for j in judgments]


def test_local_yes_no_probability_is_normalised_over_the_answer_tokens(tiny, dialogs):
    judge = LLMJudgeYesNo(YES_NO, model=tiny)
    conv = judge._messages(
        judge._render(judge._variables(dialogs[0])), judge._answer_format(True, 1)
    )
    yes, no, yes_lower, no_lower = tiny.score_continuations(conv, ["Yes", "No", "yes", "no"])
    p = [math.exp(v) for v in (yes, no, yes_lower, no_lower)]
    expected = (p[0] + p[2]) / sum(p)
    assert judge.judge(dialogs[0]).probability == pytest.approx(expected, rel=1e-4)


def test_local_likert_is_the_expected_score(tiny, dialogs):
    judge = LLMJudgeRealDialogLikertScore(model=tiny)
    judgments = judge.judge_batch(dialogs)
    assert tiny.scoring_calls == [3]
    for judgment in judgments:
        probabilities = judgment.probabilities
        assert list(probabilities) == ["1", "2", "3", "4", "5"]
        assert sum(probabilities.values()) == pytest.approx(1.0)
        assert judgment.value == pytest.approx(sum(int(k) * v for k, v in probabilities.items()))
        assert 1.0 <= judgment.value <= 5.0


def test_scales_whose_answers_are_prefixes_use_structured_output(tiny):
    assert not LLMJudgeRealDialogScore(model=tiny).uses_logprob  # "1" is a prefix of "10"
    assert not LLMJudgeScore("r {{ dialog }}", 0.0, 1.0, float, model=tiny).uses_logprob
    assert not LLMJudgeScore("r {{ dialog }}", 1, 5, dialogs_per_call=2, model=tiny).uses_logprob
    assert not LLMJudgeYesNo(YES_NO, method="structured", model=tiny).uses_logprob
    assert LLMJudgeScore("r {{ dialog }}", 0, 9, model=tiny).uses_logprob


def test_local_structured_path_is_one_batched_generation(tiny, dialogs):
    judge = LLMJudgeScore(
        "Rate.\n{{ dialog }}", 1, 5, model=tiny, method="structured", max_tokens=16
    )
    values = judge.batch(dialogs)
    assert tiny.generation_calls[0] == 3  # the first call holds every dialog
    for value, judgment in zip(values, judge.judge_batch(dialogs), strict=True):
        # the tiny random model answers through the JSON grammar: valid and in range, or failed
        assert value is None or (isinstance(value, int) and 1 <= value <= 5)
        assert value is not None or judgment.error


def test_logprob_reason_is_one_extra_batched_generation(tiny, dialogs):
    judge = LLMJudgeYesNo(YES_NO, reason=True, model=tiny, max_tokens=4)
    judgments = judge.judge_batch(dialogs)
    assert tiny.scoring_calls == [3] and tiny.generation_calls == [3]
    assert all(j.reason is None or isinstance(j.reason, str) for j in judgments)


# -- scripted log-probabilities: exact numbers -------------------------------------------------
def test_method_logprob_with_scripted_scores():
    scores = {"Yes": math.log(0.6), "No": math.log(0.2), "yes": math.log(0.1), "no": math.log(0.1)}
    judge = LLMJudgeYesNo(YES_NO, model=ScriptedBackend(scores=scores), method="logprob")
    judgment = judge.judge(make_dialog("Hi"))
    assert judgment.probability == pytest.approx(0.7) and judgment.value is True


def test_method_logprob_likert_with_scripted_scores():
    scores = {"1": math.log(0.5), "2": math.log(0.5), "3": -50.0}
    judge = LLMJudgeScore(
        "r {{ dialog }}", 1, 3, model=ScriptedBackend(scores=scores), method="logprob"
    )
    assert judge(make_dialog("Hi")) == pytest.approx(1.5, abs=1e-6)


def test_logprob_on_a_backend_without_scoring_fails_without_raising():
    class NoScores(ScriptedBackend):
        def score_continuations(self, messages, candidates, **params):
            from sdialog.llm import UnsupportedFeatureError

            raise UnsupportedFeatureError("no log-probabilities here")

    judge = LLMJudgeYesNo(YES_NO, model=NoScores(["x"]), method="logprob")
    judgments = judge.judge_batch([make_dialog("a"), make_dialog("b")])
    assert [j.value for j in judgments] == [None, None]
    assert "no log-probabilities" in judgments[0].error and len(judge.errors) == 2
