import pytest

from sdialog.audio.wer import cer, normalize_text, number_to_words, score, wer


@pytest.mark.parametrize(
    "raw, normal",
    [
        ("Hello, World!", "hello world"),
        ("I have 3 kids.", "i have three kids"),
        ("It's 21st May", "it's twenty first may"),
        ("Pay 1,250 dollars", "pay one thousand two hundred fifty dollars"),
        ("3.5 mg — twice", "three point five mg twice"),
        ("100%", "one hundred percent"),
    ],
)
def test_normalize(raw, normal):
    assert normalize_text(raw) == normal


def test_numbers():
    assert number_to_words(0) == "zero"
    assert number_to_words(2_000_013) == "two million thirteen"


def test_wer_cer():
    assert wer("For three days.", "for 3 days") == 0.0
    assert wer("a b c d", "a x c") == pytest.approx(0.5)
    assert cer("abcd", "abce") == pytest.approx(0.25)
    assert wer("", "") == 0.0 and wer("", "noise") == 1.0


def test_corpus_score_sums_errors():
    report = score(["one two three four", "five six"], ["one two three four", "seven"])
    assert report.wer == pytest.approx(2 / 6)
    with pytest.raises(ValueError, match="references"):
        score(["a"], [])
