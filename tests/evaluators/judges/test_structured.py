"""Judges on the structured-output path, driven by ScriptedBackend: valid, invalid, out-of-range,
several dialogs per call, repair, failures that never abort a batch, config and inputs."""

from __future__ import annotations

import pytest

from sdialog import Context, Dialog, Turn
from sdialog.evaluators import (
    JudgeInputError,
    LLMJudgeConversationCompleteness,
    LLMJudgeGoalAccuracy,
    LLMJudgeKnowledgeRetention,
    LLMJudgePersonaAttributes,
    LLMJudgeRealDialog,
    LLMJudgeRealDialogLikertScore,
    LLMJudgeRealDialogScore,
    LLMJudgeRefusal,
    LLMJudgeRoleAdherence,
    LLMJudgeScore,
    LLMJudgeTopicAdherence,
    LLMJudgeYesNo,
)
from sdialog.llm import ScriptedBackend
from tests.evaluators.judges.conftest import by_number, last_user, make_dialog

REPAIR_MARK = "previous answer was not valid"
YES_NO = "Is it polite?\n{{ dialog }}"
RATE = "Rate it.\n{{ dialog }}"


def repaired(first, second):
    """Reply ``first``, and ``second`` when asked to repair."""

    def reply(messages):
        return second if REPAIR_MARK in last_user(messages) else first

    return reply


# -- yes/no ------------------------------------------------------------------------------------
def test_yes_no_valid_answers_in_input_order(dialogs):
    backend = ScriptedBackend(
        by_number(
            {0: {"answer": "yes"}, 1: {"answer": "no"}, 2: {"answer": "no"}, 3: {"answer": "yes"}}
        )
    )
    judge = LLMJudgeYesNo(YES_NO, model=backend)
    assert judge.batch(dialogs) == [True, False, False, True]
    assert len(backend.calls) == 4 and judge.errors == []
    judgment = judge.judge(dialogs[1])
    assert judgment.value is False and judgment.method == "structured" and judgment.ok
    assert judgment.dialog_id == dialogs[1].id and judgment.raw == '{"answer": "no"}'


def test_yes_no_prompt_holds_the_transcript_not_the_id(dialogs):
    backend = ScriptedBackend([{"answer": "yes"}])
    LLMJudgeYesNo(YES_NO, model=backend)(dialogs[2])
    prompt = last_user(backend.calls[0])
    assert prompt.startswith("Is it polite?\nCustomer: Hello number 2\nAgent: Hi, customer 2!")
    assert dialogs[2].id not in prompt
    assert backend.calls[0][0]["role"] == "system"


def test_yes_no_with_reason():
    backend = ScriptedBackend([{"reason": "It says please.", "answer": "yes"}])
    judgment = LLMJudgeYesNo(YES_NO, reason=True, model=backend).judge(make_dialog("Please sit."))
    assert (judgment.value, judgment.reason) == (True, "It says please.")
    assert '"reason"' in last_user(backend.calls[0])


def test_yes_no_without_reason_field_when_reason_is_required_is_repaired():
    backend = ScriptedBackend(repaired({"answer": "yes"}, {"reason": "ok", "answer": "no"}))
    judgment = LLMJudgeYesNo(YES_NO, reason=True, model=backend).judge(make_dialog("Hi"))
    assert (judgment.value, judgment.reason, judgment.error) == (False, "ok", None)
    assert len(backend.calls) == 2


def test_invalid_answer_is_repaired(dialogs):
    backend = ScriptedBackend(repaired("I think so!", {"answer": "yes"}))
    judge = LLMJudgeYesNo(YES_NO, model=backend)
    assert judge(dialogs[0]) is True
    repair = backend.calls[1]
    assert repair[-2] == {"role": "assistant", "content": "I think so!"}
    assert REPAIR_MARK in repair[-1]["content"]
    assert judge.errors == []


def test_repair_fails_gives_none_with_error_and_batch_goes_on(dialogs):
    replies = {
        0: {"answer": "yes"},
        1: "no JSON at all",
        2: {"answer": "maybe"},
        3: {"answer": "no"},
    }
    judge = LLMJudgeYesNo(YES_NO, model=ScriptedBackend(by_number(replies)), repair_retries=2)
    judgments = judge.judge_batch(dialogs)
    assert [j.value for j in judgments] == [True, None, None, False]
    assert "not JSON" in judgments[1].error and judgments[1].raw == "no JSON at all"
    assert "answer" in judgments[2].error  # names the invalid field
    assert [j.dialog_id for j in judge.errors] == [dialogs[1].id, dialogs[2].id]
    assert judge.batch(dialogs) == [True, None, None, False]


def test_repair_retries_zero_makes_one_call_per_dialog(dialogs):
    backend = ScriptedBackend(["nonsense"])
    judge = LLMJudgeYesNo(YES_NO, model=backend, repair_retries=0)
    assert judge.batch(dialogs) == [None] * 4 and len(backend.calls) == 4


# -- scores ------------------------------------------------------------------------------------
def test_score_valid_int_and_float():
    d = make_dialog("Hi")
    assert LLMJudgeScore(RATE, 1, 5, model=ScriptedBackend([{"score": 4}]))(d) == 4
    judge = LLMJudgeScore(RATE, 0.0, 1.0, float, model=ScriptedBackend([{"score": 0.25}]))
    assert judge(d) == 0.25
    assert "a number from 0.0 to 1.0" in last_user(judge.backend.calls[0])


def test_out_of_range_is_an_error_that_is_repaired_not_clamped():
    backend = ScriptedBackend(repaired({"score": 9}, {"score": 5}))
    judge = LLMJudgeScore(RATE, 1, 5, model=backend)
    assert judge(make_dialog("Hi")) == 5
    assert "less than or equal to 5" in backend.calls[1][-1]["content"]


def test_out_of_range_that_stays_out_of_range_fails():
    judge = LLMJudgeScore(RATE, 1, 5, model=ScriptedBackend([{"score": 0}]))
    judgment = judge.judge(make_dialog("Hi"))
    assert judgment.value is None and "greater than or equal to 1" in judgment.error


def test_clamp_is_explicit():
    judge = LLMJudgeScore(RATE, 1, 5, clamp=True, model=ScriptedBackend([{"score": 9}]))
    assert judge(make_dialog("Hi")) == 5


def test_int_scale_rejects_fractions():
    judge = LLMJudgeScore(RATE, 1, 5, model=ScriptedBackend([{"score": 3.5}]), repair_retries=0)
    assert judge.judge(make_dialog("Hi")).error is not None


def test_several_dialogs_per_call(dialogs):
    def reply(messages):
        text = last_user(messages)
        n = text.count("Dialog ")
        assert n == 2 and "There are 2 dialogs" in text
        first = int(text.split("customer ")[1][0])
        return {"scores": [{"score": first + 1}, {"score": first + 2}]}

    backend = ScriptedBackend(reply)
    judge = LLMJudgeScore(RATE, 1, 5, dialogs_per_call=2, model=backend)
    assert judge.batch(dialogs) == [1, 2, 3, 4]
    assert len(backend.calls) == 2


def test_several_dialogs_per_call_with_a_remainder():
    def reply(messages):
        text = last_user(messages)
        return {"scores": [{"score": 2}] * 3} if "There are 3" in text else {"score": 5}

    judge = LLMJudgeScore(RATE, 1, 5, dialogs_per_call=3, model=ScriptedBackend(reply))
    assert judge.batch([make_dialog(f"d{i}") for i in range(4)]) == [2, 2, 2, 5]


@pytest.mark.parametrize(
    "bad",
    [
        {"scores": [{"score": 3}]},  # one item for two dialogs
        {"scores": [{"score": 3}, {"score": 3}, {"score": 3}]},  # three items
        {"scores": [{"score": 3}, {"score": 6}]},  # one item out of range
        {"scores": [{"score": 3}, {}]},  # one item without a score
    ],
)
def test_list_answer_needs_one_valid_item_per_dialog(bad):
    good = {"scores": [{"score": 1}, {"score": 2}]}
    judge = LLMJudgeScore(
        RATE, 1, 5, dialogs_per_call=2, model=ScriptedBackend(repaired(bad, good))
    )
    assert judge.batch([make_dialog("a"), make_dialog("b")]) == [1, 2]
    failing = LLMJudgeScore(RATE, 1, 5, dialogs_per_call=2, model=ScriptedBackend([bad]))
    assert failing.batch([make_dialog("a"), make_dialog("b")]) == [None, None]
    assert len(failing.errors) == 2


def test_score_settings_are_checked():
    backend = ScriptedBackend(["{}"])
    with pytest.raises(ValueError, match="min_score"):
        LLMJudgeScore(RATE, 5, 1, model=backend)
    with pytest.raises(ValueError, match="score_type"):
        LLMJudgeScore(RATE, 1, 5, str, model=backend)
    with pytest.raises(ValueError, match="max_score"):
        LLMJudgeScore(RATE, 1, 4.5, model=backend)
    with pytest.raises(ValueError, match="dialogs_per_call"):
        LLMJudgeScore(RATE, 1, 5, dialogs_per_call=0, model=backend)
    with pytest.raises(ValueError, match="dialogs_per_call"):
        LLMJudgeScore(RATE, 1, 5, dialogs_per_call=2, method="logprob", model=backend)
    with pytest.raises(ValueError, match="method"):
        LLMJudgeYesNo(YES_NO, method="vibes", model=backend)
    with pytest.raises(ValueError, match="prompt_template"):
        LLMJudgeYesNo("", model=backend)


def test_missing_template_variable_is_a_clear_error():
    judge = LLMJudgeYesNo("Is {{ nothing }} here?", model=ScriptedBackend(["{}"]))
    with pytest.raises(Exception, match="nothing"):
        judge(make_dialog("Hi"))


def test_template_vars_reach_the_prompt():
    backend = ScriptedBackend([{"answer": "yes"}])
    judge = LLMJudgeYesNo(
        "In {{ lang }}?\n{{ dialog }}", template_vars={"lang": "French"}, model=backend
    )
    judge(make_dialog("Bonjour"))
    assert last_user(backend.calls[0]).startswith("In French?")


# -- pinned parameters and config --------------------------------------------------------------
def test_temperature_and_seed_are_pinned_by_default():
    backend = ScriptedBackend([{"answer": "yes"}])
    judge = LLMJudgeYesNo(YES_NO, model=backend)
    assert judge.config()["model"]["params"] == {"temperature": 0.0, "seed": 0}
    other = LLMJudgeYesNo(YES_NO, model=backend, temperature=0.7, seed=3)
    assert other.config()["model"]["params"] == {"temperature": 0.7, "seed": 3}


def test_config_has_prompt_text_and_model_but_no_secrets():
    judge = LLMJudgeRealDialog(model=ScriptedBackend(["{}"]), api_key="sk-SECRET")
    config = judge.config()
    assert "real conversation between people" in config["prompt"]["template"]
    assert "impartial evaluator" in config["prompt"]["system"]
    assert config["model"]["model"] == "scripted"
    assert "SECRET" not in repr(config) and "SECRET" not in repr(judge)


# -- ready-made judges -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cls", "answer", "expected", "words"),
    [
        (LLMJudgeRealDialog, {"answer": "no"}, False, "real conversation"),
        (LLMJudgeRefusal, {"answer": "yes"}, True, "refuse"),
        (LLMJudgeRealDialogLikertScore, {"score": 2}, 2, "human-like"),
        (LLMJudgeRealDialogScore, {"score": 8}, 8, "0 means"),
        (LLMJudgeKnowledgeRetention, {"score": 4}, 4, "remembers"),
        (LLMJudgeConversationCompleteness, {"score": 3}, 3, "requests"),
    ],
)
def test_ready_made_judges(cls, answer, expected, words):
    backend = ScriptedBackend([answer])
    assert cls(model=backend)(make_dialog("Hi", "Hello")) == expected
    assert words in last_user(backend.calls[0])


def test_refusal_names_the_speaker():
    backend = ScriptedBackend([{"answer": "no"}])
    LLMJudgeRefusal(speaker="Agent", model=backend)(make_dialog("Hi"))
    assert "does Agent refuse" in last_user(backend.calls[0])


def test_persona_attributes_uses_the_dialogs_persona():
    backend = ScriptedBackend([{"answer": "yes"}])
    judge = LLMJudgePersonaAttributes(speaker="Agent", model=backend)
    persona = {"name": "Mia", "age": 41, "role": "", "_metadata": {"id": "x"}}
    d = make_dialog("Hi", "I'm Mia.", personas={"Agent": persona, "Customer": {"name": "Bo"}})
    assert judge(d) is True
    prompt = last_user(backend.calls[0])
    assert "name: Mia\nage: 41" in prompt and "role:" not in prompt and "_metadata" not in prompt
    assert "Bo" not in prompt.split("following dialog")[0]


def test_persona_attributes_without_persona_fails_alone(dialogs):
    judge = LLMJudgePersonaAttributes(speaker="Agent", model=ScriptedBackend([{"answer": "no"}]))
    with_persona = make_dialog("Hi", "Yo", personas={"Agent": {"name": "Mia"}})
    results = judge.judge_batch([dialogs[0], with_persona])
    assert [r.value for r in results] == [None, False]
    assert "no persona for speaker 'Agent'" in results[0].error
    assert "JudgeInputError" in results[0].error


def test_persona_attributes_with_explicit_persona_and_one_persona_default():
    backend = ScriptedBackend([{"answer": "yes"}])
    judge = LLMJudgePersonaAttributes(persona={"name": "Zed"}, speaker="Agent", model=backend)
    assert judge(make_dialog("Hi")) is True and "name: Zed" in last_user(backend.calls[0])
    only = LLMJudgePersonaAttributes(model=backend)
    assert only(make_dialog("Hi", personas={"Customer": {"name": "Al"}})) is True
    assert "persona of Customer" in last_user(backend.calls[-1])


def test_goal_topics_and_role_come_from_arguments_or_the_dialog():
    backend = ScriptedBackend([{"score": 4}])
    with_context = make_dialog(
        "Hi", context=Context(goals=["refund order 7"], topics=["refunds", "orders"])
    )
    assert LLMJudgeGoalAccuracy(model=backend)(with_context) == 4
    assert "The goal of the conversation is: refund order 7" in last_user(backend.calls[-1])
    assert LLMJudgeTopicAdherence(model=backend)(with_context) == 4
    assert "allowed topics are: refunds; orders" in last_user(backend.calls[-1])
    assert LLMJudgeRoleAdherence(speaker="Agent", role="a bank clerk", model=backend)(with_context)
    assert "a bank clerk" in last_user(backend.calls[-1])
    assert LLMJudgeGoalAccuracy(goal="say hi", model=backend)(make_dialog("Hi")) == 4
    scenario = Dialog(turns=[Turn("A", "Hi")], scenario={"goal": "greet"})
    assert LLMJudgeGoalAccuracy(model=backend)(scenario) == 4


@pytest.mark.parametrize(
    ("judge", "message"),
    [
        (LLMJudgeGoalAccuracy, "no goal"),
        (LLMJudgeTopicAdherence, "no topics"),
        (LLMJudgeRoleAdherence, "personas"),
    ],
)
def test_missing_conversational_inputs_fail_alone(judge, message):
    instance = judge(model=ScriptedBackend([{"score": 3}]))
    judgment = instance.judge(make_dialog("Hi"))
    assert judgment.value is None and message in judgment.error
    assert instance.errors == [judgment]


def test_judge_input_error_is_a_value_error():
    assert issubclass(JudgeInputError, ValueError)
