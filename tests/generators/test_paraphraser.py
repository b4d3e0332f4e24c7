"""Paraphraser: whole-dialog and turn-by-turn modes, target speakers, fallbacks, batching,
lineage and provenance; tiny and embedded models."""

from __future__ import annotations

import json

import pytest

import sdialog
from sdialog.dialog import Dialog, Turn
from sdialog.generators import Paraphraser
from sdialog.llm import ScriptedBackend


class CountingBackend(ScriptedBackend):
    """A scripted backend that also records each batch call (its size, seeds and schema)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batches: list[dict] = []

    def _complete_batch(self, conversations, *, schema, tools, **params):
        self.batches.append(
            {"size": len(conversations), "seed": params.get("seed"), "schema": schema}
        )
        return super()._complete_batch(conversations, schema=schema, tools=tools, **params)


def bakery() -> Dialog:
    return Dialog(
        id="orig",
        seed=4,
        model="some-writer",
        turns=[
            Turn("Ana", "hi, got bread?", emotion="hopeful"),
            Turn("Ben", "yes, sourdough"),
            Turn("Ana", "two please"),
            Turn("Ben", "here you go"),
        ],
    )


def user_prompt(messages) -> str:
    return messages[-1]["content"]


def upper_turns(messages):
    """Answers a paraphrase request with its own JSON example, every text in upper case."""
    shown = next(line for line in user_prompt(messages).splitlines() if line.startswith("{"))
    data = json.loads(shown)
    if "text" in data:
        return {"text": data["text"].upper()}
    return {"turns": [text.upper() for text in data["turns"]]}


def test_whole_dialog_paraphrase_is_a_lineage_clone_with_provenance():
    backend = CountingBackend(upper_turns, temperature=0.5)
    original = bakery()
    before = original.json()
    new = Paraphraser("Sound friendlier.", model=backend)(original, seed=9)
    assert [t.text for t in new] == [
        "HI, GOT BREAD?",
        "YES, SOURDOUGH",
        "TWO PLEASE",
        "HERE YOU GO",
    ]
    assert new.get_speakers() == original.get_speakers() and len(new) == len(original)
    assert new.id != original.id and new.parentId == "orig"
    assert new[0].emotion == "hopeful"  # turn metadata survives
    assert (new.seed, new.model) == (4, "some-writer")  # the original's own provenance is kept
    assert original.json() == before  # the original is untouched
    record = new.paraphrase
    assert record["mode"] == "dialog" and record["seed"] == 9 and record["kept_original"] == []
    assert (
        record["model"]["backend"] == "scripted" and record["model"]["params"]["temperature"] == 0.5
    )
    assert record["turns"] == [0, 1, 2, 3] and "fallback" not in record
    assert backend.batches[0]["size"] == 1 and backend.batches[0]["seed"] == [9]
    system, user = backend.calls[0]
    assert "Sound friendlier." in system["content"]
    assert "1. Ana: hi, got bread?\n2. Ben: yes, sourdough" in user["content"]
    assert (
        '{"turns": ["hi, got bread?", "yes, sourdough", "two please", "here you go"]}'
        in (user["content"])
    )
    assert "exactly 4 strings" in user["content"]
    assert json.loads(new.json(string=True))["paraphrase"] == record
    assert Dialog.from_json(new.json(string=True)).paraphrase == record


def test_target_speaker_changes_only_that_speakers_turns():
    backend = CountingBackend(upper_turns)
    new = Paraphraser(target_speaker="Ben", model=backend)(bakery())
    assert [t.text for t in new] == [
        "hi, got bread?",
        "YES, SOURDOUGH",
        "two please",
        "HERE YOU GO",
    ]
    assert new.paraphrase["turns"] == [1, 3] and new.paraphrase["target_speaker"] == "Ben"
    prompt = user_prompt(backend.calls[0])
    assert "Rewrite only these 2 turns, in order: 2 (Ben), 4 (Ben)." in prompt
    assert "1. Ana: hi, got bread?" in prompt  # the whole dialog is context
    schema = backend.batches[0]["schema"].model_json_schema()["properties"]["turns"]
    assert (schema["minItems"], schema["maxItems"]) == (2, 2)


def test_a_count_mismatch_falls_back_to_turn_by_turn_for_that_dialog():
    def short_reply(messages):
        if "Rewrite turn" in user_prompt(messages):
            return upper_turns(messages)
        return {"turns": ["only one"]}

    backend = CountingBackend(short_reply)
    new = Paraphraser(model=backend)(bakery(), seed=2)
    assert [t.text for t in new] == [
        "HI, GOT BREAD?",
        "YES, SOURDOUGH",
        "TWO PLEASE",
        "HERE YOU GO",
    ]
    assert new.paraphrase["mode"] == "turn"
    assert "1 turns for 4" in new.paraphrase["fallback"]
    assert [b["size"] for b in backend.batches] == [1, 4]
    assert backend.batches[1]["seed"] == [2, 3, 4, 5]  # seed + turn index
    # the fallback gives what turn-by-turn mode gives
    direct = Paraphraser(turn_by_turn=True, model=CountingBackend(upper_turns))(bakery(), seed=2)
    assert direct.turns == new.turns


def test_turn_by_turn_is_one_batched_call_across_dialogs_with_context():
    backend = CountingBackend(upper_turns)
    other = Dialog(turns=[Turn("Cy", "ok"), Turn("Di", "fine")])
    out = Paraphraser(turn_by_turn=True, model=backend).paraphrase_batch([bakery(), other], seed=10)
    assert backend.batches == [
        {"size": 6, "seed": [10, 11, 12, 13, 11, 12], "schema": backend.batches[0]["schema"]}
    ]
    assert [t.text for t in out[1]] == ["OK", "FINE"]
    assert [d.paraphrase["seed"] for d in out] == [10, 11]
    assert all(d.paraphrase["mode"] == "turn" for d in out)
    third = user_prompt(backend.calls[2])
    assert "4. Ben: here you go" in third and "Rewrite turn 3, said by Ana." in third
    assert '{"text": "two please"}' in third


def test_context_turns_limits_the_context_of_turn_prompts():
    backend = CountingBackend(upper_turns)
    Paraphraser(turn_by_turn=True, context_turns=1, model=backend)(bakery())
    first = user_prompt(backend.calls[0])
    assert "2. Ben: yes, sourdough" in first and "3. Ana" not in first


def test_whole_mode_batches_dialogs_by_turn_count():
    backend = CountingBackend(upper_turns)
    dialogs = [bakery(), bakery(), Dialog(turns=[Turn("A", "x")]), Dialog(turns=[])]
    out = Paraphraser(model=backend).paraphrase_batch(dialogs, seed=0)
    assert sorted(b["size"] for b in backend.batches) == [1, 2]
    four = next(b for b in backend.batches if b["size"] == 2)
    assert four["seed"] == [0, 1]
    assert [t.text for t in out[2]] == ["X"] and len(out[3]) == 0
    assert out[3].paraphrase["model"] is None and out[3].paraphrase["turns"] == []
    assert [d.parentId for d in out] == [d.id for d in dialogs]


def test_same_seed_same_result_alone_or_in_a_batch():
    def by_seed(messages):  # a reply that depends only on the prompt
        return {"turns": [str(len(user_prompt(messages)))] * 4}

    alone = Paraphraser(model=ScriptedBackend(by_seed))(bakery(), seed=7)
    batch = Paraphraser(model=ScriptedBackend(by_seed)).paraphrase_batch([bakery()], seed=7)
    assert alone.turns == batch[0].turns and alone.paraphrase == batch[0].paraphrase
    sdialog.config.set_seed(31)
    assert Paraphraser(model=ScriptedBackend(by_seed))(bakery()).paraphrase["seed"] == 31
    assert Paraphraser(model=ScriptedBackend(by_seed), seed=3)(bakery()).paraphrase["seed"] == 3


def test_empty_or_invalid_paraphrases_keep_the_original_text():
    replies = [{"text": "Hello there!"}, {"text": "  "}, "not json", {"text": "Here it is."}]
    new = Paraphraser(turn_by_turn=True, model=ScriptedBackend(replies))(bakery())
    assert [t.text for t in new] == ["Hello there!", "yes, sourdough", "two please", "Here it is."]
    kept = new.paraphrase["kept_original"]
    assert [k["turn"] for k in kept] == [1, 2]
    assert kept[0]["reason"] == "empty paraphrase" and kept[1]["reason"].startswith("invalid reply")

    whole = {"turns": ["Hi!", "", "Two, please.", "Here."]}
    new = Paraphraser(model=ScriptedBackend([whole]))(bakery())
    assert new[1].text == "yes, sourdough"
    assert new.paraphrase["kept_original"] == [{"turn": 1, "reason": "empty paraphrase"}]


def test_no_targeted_turns_means_no_call():
    backend = CountingBackend(upper_turns)
    new = Paraphraser(target_speaker="Zoe", model=backend)(bakery())
    assert backend.batches == [] and new.turns == bakery().turns and new.parentId == "orig"
    assert new.paraphrase["turns"] == []


def test_target_speaker_may_be_several_names_and_max_chars_caps_the_schema():
    backend = CountingBackend(upper_turns)
    new = Paraphraser(target_speaker=["Ana", "Ben"], max_chars=40, model=backend)(bakery())
    assert new.paraphrase["turns"] == [0, 1, 2, 3]
    items = backend.batches[0]["schema"].model_json_schema()["properties"]["turns"]["items"]
    assert items["maxLength"] == 40


def test_bad_arguments_are_clear_errors():
    paraphraser = Paraphraser(model="scripted:x")
    with pytest.raises(TypeError, match="paraphrase_batch"):
        paraphraser([bakery()])
    with pytest.raises(TypeError, match=r"dialogs\[1\]"):
        paraphraser.paraphrase_batch([bakery(), "A: hi"])
    with pytest.raises(ValueError, match="context_turns"):
        Paraphraser(context_turns=-1, model="scripted:x")


# ------------------------------------------------------------------- the tiny random local model
@pytest.mark.parametrize("turn_by_turn", [False, True])
def test_tiny_random_model_keeps_turn_count_and_speakers(tiny_backend, turn_by_turn):
    paraphraser = Paraphraser(
        turn_by_turn=turn_by_turn, max_chars=10, model=tiny_backend, max_tokens=200
    )
    original = bakery()
    new = paraphraser(original, seed=1)
    assert [t.speaker for t in new] == [t.speaker for t in original]
    assert new.paraphrase["mode"] == ("turn" if turn_by_turn else "dialog")
    assert "fallback" not in new.paraphrase  # the grammar fixes the number of turns
    assert not [k for k in new.paraphrase["kept_original"] if "invalid" in k["reason"]]
    for old, turn in zip(original, new, strict=True):
        assert turn.text == old.text or len(turn.text) <= 10


# ------------------------------------------------------------------------- the embedded model
@pytest.mark.integration
def test_embedded_model_paraphrases_a_four_turn_dialog():
    paraphraser = Paraphraser(max_chars=80, model="smollm2", temperature=0.7, max_tokens=160)
    original = bakery()
    new = paraphraser(original, seed=1)
    assert len(new) == 4 and [t.speaker for t in new] == [t.speaker for t in original]
    assert all(t.text.strip() for t in new)
    assert new.paraphrase["model"]["model"] == "smollm2"
