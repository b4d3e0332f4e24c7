"""Readability formulas: golden values computed by hand from the counts."""

from __future__ import annotations

import pytest

from sdialog import Dialog, Turn
from sdialog.evaluators import (
    ColemanLiau,
    DaleChall,
    FleschReadingEase,
    GunningFog,
    LinsearWrite,
    ReadabilityScore,
)
from sdialog.evaluators.readability import READABILITY_METRICS, TextCounts, easy_words


def cat() -> Dialog:
    # W = 11, S = 2, syllables 13 (wonderful: 3), letters 35, complex 1, hard 1, difficult 0
    return Dialog(
        turns=[Turn("Ann", "The cat sat on the mat."), Turn("Bo", "It was a wonderful day!")]
    )


def test_counts_by_hand():
    assert TextCounts.of(["The cat sat on the mat.", "It was a wonderful day!"]) == TextCounts(
        words=11, sentences=2, syllables=13, letters=35, complex=1, hard=1, difficult=0
    )


def test_golden_values():
    d = cat()
    assert FleschReadingEase()(d) == pytest.approx(206.835 - 1.015 * 11 / 2 - 84.6 * 13 / 11)
    assert FleschReadingEase()(d) == pytest.approx(101.27068, abs=1e-4)
    assert GunningFog()(d) == pytest.approx(0.4 * (5.5 + 100 / 11))  # 5.83636
    assert ColemanLiau()(d) == pytest.approx(-2.47273, abs=1e-4)
    assert LinsearWrite()(d) == pytest.approx((13 / 2 - 2) / 2)  # r = (10 + 3) / 2 = 6.5
    assert DaleChall()(d) == pytest.approx(0.0496 * 5.5)  # no difficult word
    assert ReadabilityScore()(d) == {
        name: ReadabilityScore(name)(d) for name in READABILITY_METRICS
    }


def test_dale_chall_uses_the_real_word_list():
    easy = easy_words()
    assert len(easy) > 2900 and {"children", "walk", "don't"} <= easy
    assert "pharmacology" not in easy
    d = Dialog(turns=[Turn("A", "Pharmacology is fascinating.")])  # 2 of 3 words difficult
    assert DaleChall()(d) == pytest.approx(0.1579 * 200 / 3 + 0.0496 * 3 + 3.6365)
    # regular endings of familiar words stay familiar
    walked = Dialog(turns=[Turn("A", "The children walked and played happily.")])
    assert DaleChall()(walked) == pytest.approx(0.0496 * 6)


def test_linsear_write_long_sentence_branch():
    text = " ".join(["information"] * 8) + "."  # 8 hard words: r = 24 > 20 -> r / 2
    assert LinsearWrite()(Dialog(turns=[Turn("A", text)])) == pytest.approx(12.0)


def test_turn_boundaries_end_sentences_and_names_are_ignored():
    one = Dialog(turns=[Turn("Ann", "hello there"), Turn("Bo", "general kenobi")])
    renamed = Dialog(turns=[Turn("Interrogation Officer", t.text) for t in one.turns])
    assert TextCounts.of([t.text for t in one.turns]).sentences == 2
    assert ReadabilityScore()(one) == ReadabilityScore()(renamed)


def test_speaker_filter_and_empty():
    d = cat()
    assert FleschReadingEase(speaker="ann")(d) == pytest.approx(206.835 - 1.015 * 6 - 84.6)
    assert ReadabilityScore("gunning-fog")(Dialog()) is None
    assert ReadabilityScore()(Dialog())["dale-chall"] is None
    with pytest.raises(ValueError, match="unknown readability metric"):
        ReadabilityScore("smog")
    assert GunningFog().name == "gunning-fog" and ReadabilityScore().name == "readability"
