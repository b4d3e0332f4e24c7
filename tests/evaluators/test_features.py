"""Conversational features and text helpers: golden values computed by hand on turn texts."""

from __future__ import annotations

import pytest

from sdialog import Dialog, Turn
from sdialog.evaluators import (
    BackchannelRate,
    ConversationalFeatures,
    FillerWordDensity,
    HesitationRate,
    LexicalDiversity,
    MeanTurnLength,
    QuestionRate,
    TurnLength,
    TurnTakingRatio,
)
from sdialog.evaluators.features import mattr, mtld, type_token_ratio
from sdialog.evaluators.lexicon import count_fillers, count_hesitations, is_backchannel
from sdialog.evaluators.text import sentences, syllables, words


def visit(doctor: str = "Doctor", patient: str = "Patient") -> Dialog:
    # words per turn: 7, 7, 7, 1, 6, 1 (29); hesitations: um, uh; filler: like;
    # questions: turns 1 and 3; back-channels: "Mm-hmm." and "Okay."; speakers D P D P P D
    return Dialog(
        turns=[
            Turn(doctor, "Good morning, what brings you in today?"),
            Turn(patient, "Um, I have, like, a sore throat."),
            Turn(doctor, "I see. How long has it hurt?"),
            Turn(patient, "Mm-hmm."),
            Turn(patient, "About three days, uh, maybe four."),
            Turn(doctor, "Okay."),
        ]
    )


def test_golden_values_for_the_whole_dialog():
    features = ConversationalFeatures()(visit())
    assert features["mean-turn-length"] == pytest.approx(29 / 6)
    assert features["hesitation-rate"] == pytest.approx(100 * 2 / 29)
    assert features["turn-taking-ratio"] == pytest.approx(4 / 5)
    assert features["question-rate"] == pytest.approx(2 / 6)
    assert features["type-token-ratio"] == pytest.approx(28 / 29)  # "i" twice
    assert features["mattr"] == pytest.approx(28 / 29)  # 29 tokens < window 50: plain TTR
    assert features["back-channel-rate"] == pytest.approx(2 / 6)
    assert features["filler-word-density"] == pytest.approx(100 * 1 / 29)
    assert list(features) == list(ConversationalFeatures().features)


def test_golden_values_for_one_speaker():
    d = visit()
    assert MeanTurnLength(speaker="Patient")(d) == pytest.approx(14 / 3)
    assert HesitationRate(speaker="patient")(d) == pytest.approx(100 * 2 / 14)  # case-insensitive
    assert FillerWordDensity(speaker="Patient")(d) == pytest.approx(100 / 14)
    assert BackchannelRate(speaker="Patient")(d) == pytest.approx(1 / 3)
    assert QuestionRate(speaker="Patient")(d) == 0.0
    assert TurnTakingRatio(speaker="Doctor")(d) == 1.0  # D-P, P-D, D-P, P-D (P-P excluded)
    assert TurnTakingRatio(speaker="Patient")(d) == pytest.approx(4 / 5)
    assert TurnLength(per_turn=True, speaker=["Doctor"])(d) == [7, 7, 1]


def test_speaker_names_never_count_as_words():
    """PITFALLS: metrics on "Speaker: text" lines inflate counts with the speaker names."""
    plain = ConversationalFeatures()(visit())
    renamed = ConversationalFeatures()(visit("Dr. Margaret Okafor-Smith", "Mr. Um Uh Like"))
    assert renamed == plain
    assert MeanTurnLength()(visit()) != pytest.approx(35 / 6)


def test_back_channels_are_detected():
    """PITFALLS: the reference toolkit's back-channel rate is always 0."""
    for text in (
        "Uh-huh.",
        "Mm-hmm",
        "mhm",
        "Right.",
        "I see.",
        "Okay.",
        "Oh, okay, I see.",
        "Yeah, right.",
        "Hmmm.",
        "Sure thing!",
        "Got it.",
    ):
        assert is_backchannel(text), text
    for text in (
        "Right, so the invoice is late.",
        "Okay?",
        "I see the bill.",
        "Um.",
        "Thanks.",
        "Yes yes yes yes yes.",
        "",
    ):
        assert not is_backchannel(text), text
    d = Dialog(turns=[Turn("A", "The bill is late."), Turn("B", "Uh-huh."), Turn("A", "So.")])
    assert BackchannelRate()(d) == pytest.approx(1 / 3)


def test_hesitations_and_fillers():
    assert count_hesitations("Ummm, er, hmm... mm-hmm, umbrella, uh-huh, erm") == 4
    assert count_fillers("I like it.") == 0
    assert count_fillers("It was, like, huge; you know, really. I mean it.") == 2
    assert count_fillers("Well, so, basically, yes.") == 3


def test_lexical_diversity_by_hand():
    assert type_token_ratio(["A", "a", "b"]) == pytest.approx(2 / 3)
    assert mattr(["a", "a", "b", "b", "c"], window=2) == pytest.approx(0.75)  # .5 1 .5 1
    assert mtld(["a", "b", "a", "b", "c"]) == pytest.approx(5.0)
    # forward: factor at the 3rd token, remainder TTR 1 -> 4 / 1; backward: no factor,
    # remainder TTR .75 -> 4 / ((1 - .75) / .28)
    assert mtld(["a", "b", "a", "c"]) == pytest.approx((4 + 4 / (0.25 / 0.28)) / 2)
    d = Dialog(turns=[Turn("A", "a b a c")])
    assert LexicalDiversity("mtld")(d) == pytest.approx((4 + 4 / (0.25 / 0.28)) / 2)
    assert LexicalDiversity("mattr", window=2)(d) == pytest.approx(1.0)
    assert LexicalDiversity("mtld").name == "mtld"


def test_mattr_is_length_robust_where_ttr_is_not():
    text = " ".join(f"w{i % 40}" for i in range(400))  # 40 types repeated
    short, long = words(text)[:40], words(text)
    assert type_token_ratio(short) == 1.0 and type_token_ratio(long) == pytest.approx(0.1)
    assert mattr(short, window=20) == mattr(long, window=20) == 1.0


def test_undefined_values_are_none():
    empty = Dialog()
    assert MeanTurnLength()(empty) is None
    assert HesitationRate()(Dialog(turns=[Turn("A", "...")])) is None
    assert TurnTakingRatio()(Dialog(turns=[Turn("A", "hi")])) is None
    assert MeanTurnLength(speaker="nobody")(visit()) is None
    assert TurnLength(per_turn=True)(empty) == []


def test_bad_settings_raise():
    with pytest.raises(ValueError, match="unknown feature"):
        ConversationalFeatures(["nope"])
    with pytest.raises(ValueError, match="unknown method"):
        LexicalDiversity("zipf")


def test_batch_matches_single_calls():
    score = ConversationalFeatures(speaker="Doctor")
    dialogs = [visit(), Dialog(turns=[Turn("Doctor", "Hello?")])]
    assert score.batch(dialogs) == [score(d) for d in dialogs]
    assert score.config()["settings"]["speaker"] == "Doctor"


def test_text_helpers():
    assert words("It’s 9 o'clock — mm-hmm!") == ["It's", "9", "o'clock", "mm-hmm"]
    assert sentences("Dr. Lee is in. Is he? Yes!") == ["Dr. Lee is in.", "Is he?", "Yes!"]
    assert sentences("Costs 3.5 euros, e.g. today.") == ["Costs 3.5 euros, e.g. today."]
    truth = {
        "cat": 1,
        "table": 2,
        "tables": 2,
        "makes": 1,
        "boxes": 2,
        "walked": 1,
        "wanted": 2,
        "beautiful": 3,
        "dialog": 3,
        "nation": 2,
        "question": 2,
        "actual": 3,
        "radio": 3,
        "million": 2,
        "information": 4,
        "customer": 3,
        "unfortunately": 5,
        "completely": 3,
        "experience": 4,
        "patient": 2,
        "yesterday": 3,
        "the": 1,
        "uh-huh": 2,
    }
    assert {w: syllables(w) for w in truth} == truth
