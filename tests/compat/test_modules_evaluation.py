"""SDialog compatibility: sdialog.util, sdialog.base, sdialog.datasets and sdialog.evaluation."""

from __future__ import annotations

import json

import pytest

from sdialog import Dialog, Turn
from sdialog.llm import ScriptedBackend

DIALOGS = [
    Dialog(turns=[Turn("User", "Hi, can you help?"), Turn("Bot", "Yes."), Turn("User", "Ok")]),
    Dialog(turns=[Turn("User", "Um, where is it?"), Turn("Bot", "Right here, the second door.")]),
]


# -- sdialog.util / sdialog.base -----------------------------------------------------------------
def test_util_helpers():
    from sdialog.util import (
        camel_or_snake_to_words,
        dialogs_to_utt_pairs,
        make_serializable,
        remove_newlines,
        softmax,
        upper_camel_to_dash,
    )

    assert dialogs_to_utt_pairs(DIALOGS) == (
        ["Hi, can you help?", "Yes.", "Um, where is it?"],
        ["Yes.", "Ok", "Right here, the second door."],
    )
    assert dialogs_to_utt_pairs(DIALOGS, ai_speaker="bot")[1] == [
        "Yes.",
        "Right here, the second door.",
    ]
    with pytest.raises(ValueError, match="AI speaker"):
        dialogs_to_utt_pairs(DIALOGS, ai_speaker="Nobody")
    data = {"turn": Turn("A", "x"), "n": 1, "s": {1}}
    assert make_serializable(data) is data and json.dumps(data)
    with pytest.raises(TypeError):
        make_serializable([1])
    assert remove_newlines("a\n b") == "a b" and camel_or_snake_to_words("aB_c") == "a B c"
    assert upper_camel_to_dash("LLMJudgeYesNo") == "llm-judge-yes-no"
    assert softmax([0.0, 100.0], temperature=1)[1] > 0.99


def test_base_names_are_the_persona_base_and_metadata():
    from sdialog.base import BaseAttributeModel, Metadata
    from sdialog.personas import Doctor

    doctor = Doctor(name="Lee")
    assert isinstance(doctor, BaseAttributeModel) and isinstance(doctor._metadata, Metadata)
    assert doctor.clone()._metadata.parentId == doctor._metadata.id


# -- sdialog.datasets ---------------------------------------------------------------------------
def _star_copy(root):
    (root / "dialogues").mkdir(parents=True)
    task = root / "tasks" / "bank_balance"
    task.mkdir(parents=True)
    (task / "bank_balance.json").write_text(
        json.dumps({"graph": {"hello": "ask_name", "ask_name": "inform_balance"}})
    )
    (task / "responses.json").write_text(
        json.dumps(
            {
                "hello": "Hello, how can I help?",
                "ask_name": "What is your name?",
                "inform_balance": "Your balance is {balance:int} euros.",
                "out_of_scope": "Sorry, I cannot do that.",
            }
        )
    )
    scenario = {
        "Domains": ["bank"],
        "Happy": True,
        "MultiTask": False,
        "UserTask": "Ask for your balance.",
        "WizardTask": "Tell users their balance.",
        "WizardCapabilities": [{"Task": "bank_balance", "Domain": "bank"}],
    }
    events = [
        {"Agent": "UserGuide", "Action": "instruct", "Text": "Ask for the balance."},
        {"Agent": "User", "Action": "utter", "Text": "What's my balance?", "UnixTime": 1},
        {"Agent": "Wizard", "Action": "pick_suggestion", "Text": "What is your name?"},
        {"Agent": "User", "Action": "utter", "Text": "Sam.", "UnixTime": 3},
    ]
    (root / "dialogues" / "7.json").write_text(json.dumps({"Scenario": scenario, "Events": events}))


def test_star_reads_a_local_copy(tmp_path):
    from sdialog.datasets import STAR

    _star_copy(tmp_path)
    STAR.set_path(tmp_path)
    dialog = STAR.get_dialog(7)
    assert [str(t) for t in dialog.turns] == [
        "User: What's my balance?",
        "System: What is your name?",
        "User: Sam.",
    ]
    assert STAR.get_task_names() == ["bank_balance"]
    assert len(STAR.get_dialogs(domain="bank")) == 1 and STAR.get_dialogs(happy=False) == []
    assert STAR.read_graph_responses("bank_balance", as_dict=True)["inform_balance"] == (
        "Your balance is BALANCE euros."
    )
    assert "hello -> ask_name" in STAR.read_graph("bank_balance")
    assert STAR.get_dialog_user_instructions(7) == {0: "Ask for the balance."}
    system, user = STAR.get_agents_from_dialogue_with_orchestration(
        7, model_name="scripted:ok", set_first_utterance=True
    )
    assert system.first_utterance == "Hello, how can I help?"
    assert "ask_name -> inform_balance" in system.prompt()
    assert len(system.orchestrators) == 1 and user.orchestrators[0].is_persistent()


def test_star_missing_copy_says_where_to_get_it(tmp_path):
    from sdialog.datasets import STAR, DatasetNotFoundError

    STAR.set_path(tmp_path / "missing")
    with pytest.raises(DatasetNotFoundError, match=r"github\.com/RasaHQ/STAR"):
        STAR.get_dialog(1)


# -- sdialog.evaluation -------------------------------------------------------------------------
def test_feature_score_names_and_values():
    from sdialog import evaluation as ev
    from sdialog import evaluators

    d = DIALOGS[1]
    assert ev.MeanTurnLengthScore()(d) == evaluators.MeanTurnLength()(d)
    assert ev.QuestionRateScore(speaker="User")(d) == 1.0
    assert ev.BackChannelRateScore()(DIALOGS[0]) == evaluators.BackchannelRate()(DIALOGS[0])
    assert ev.GunningFogScore(name="fog").name == "fog"
    assert ev.GunningFogScore()(d) == evaluators.GunningFog()(d)
    every = ev.LinguisticFeatureScore()(d)
    assert {"hesitation-rate", "flesch-reading-ease", "lexical-diversity"} <= set(every)
    assert isinstance(ev.LinguisticFeatureScore("hesitation-rate")(d), float)
    assert ev.TurnLength()(d) == [4, 5]
    with pytest.raises(ValueError, match="unknown feature"):
        ev.ConversationalFeatures("gunning-fog")


def test_stats_evaluator_takes_a_duck_typed_score_and_uses_sdialog_keys():
    from sdialog.evaluation import FrequencyEvaluator, MeanEvaluator, StatsEvaluator

    class Turns:
        name = "turns"

        def __call__(self, dialog):
            return len(dialog)

    stats = StatsEvaluator(Turns(), enable_plotting=False)(DIALOGS)
    assert stats == {"mean": 2.5, "std": 0.5, "min": 2.0, "max": 3.0, "median": 2.5}
    assert StatsEvaluator(Turns(), metric="max")(DIALOGS) == 3.0
    assert MeanEvaluator(Turns())(DIALOGS) == 2.5 and FrequencyEvaluator(Turns())(DIALOGS) == 1.0
    with pytest.raises(TypeError, match="callable score with a name"):
        MeanEvaluator(lambda d: 1)


def test_dataset_comparator_returns_sdialog_results_dict(capsys):
    from sdialog.evaluation import Comparator, MeanEvaluator, MeanTurnLengthScore

    comparator = Comparator([MeanEvaluator(MeanTurnLengthScore())])
    results = comparator({"a": DIALOGS[:1], "b": DIALOGS[1:]})
    assert set(results) == {"a", "b"} and "mean-turn-length" in results["a"]
    assert "mean-turn-length" in capsys.readouterr().out  # printed as a table
    assert comparator(DIALOGS, output="dict") == {"dataset": {"mean-turn-length": 3.25}}


def test_judge_results_read_as_sdialog_outputs():
    from sdialog.evaluation import LLMJudgeYesNo, LLMJudgeYesNoOutput

    backend = ScriptedBackend(['{"answer": "yes"}'])
    judge = LLMJudgeYesNo("Is it polite? {{ dialog }}", model=backend)
    result = judge.judge(DIALOGS[0])
    assert result.positive is True and result.score is None
    assert LLMJudgeYesNoOutput(positive=False, reason="no").positive is False


def test_embedder_sdialog_arguments_and_one_dialog():
    from sdialog.evaluation import SentenceTransformerDialogEmbedder

    class Ones:
        def encode(self, texts, **kwargs):
            import numpy as np

            return np.ones((len(texts), 3), dtype=np.float32)

    embedder = SentenceTransformerDialogEmbedder(model_name=Ones(), mean=False)
    assert embedder.mode == "text" and embedder.embed(DIALOGS[0]).shape == (3,)
    assert embedder.embed(DIALOGS).shape == (2, 3)


def test_divergence_helpers():
    from sdialog.evaluation import _cs_divergence, _kl_divergence

    same = [1.0, 2.0, 3.0, 4.0]
    assert _kl_divergence(same, same) == pytest.approx(0, abs=1e-9)
    assert _cs_divergence(same, [10.0, 11.0, 12.0]) > 1
