"""WER and CER with jiwer after one text normalisation applied to reference and hypothesis.

Normalisation: lower case; ``&`` → and, ``%`` → percent; digits → words (``42`` → "forty two",
``3.5`` → "three point five", ordinals ``2nd`` → "second"); hyphens → spaces; other punctuation
removed; whitespace collapsed. Whisper writes digits while dialogs may spell numbers out, so both
sides are brought to words.

``WER = (S + D + I) / N`` over words; CER the same over characters (jiwer).

Example:
    >>> normalize_text("I'm 42, Dr. Smith!")
    "i'm forty two dr smith"
    >>> round(wer("It costs 5 dollars.", "it costs five dollars"), 3)
    0.0
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sdialog._extras import needs_extra

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def number_to_words(n: int) -> str:
    """Non-negative integer below 10^12 in English words (no "and").

    Example:
        >>> number_to_words(1905)
        'one thousand nine hundred five'
    """
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + number_to_words(rest))
    for size, word in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            rest = n % size
            head = number_to_words(n // size) + " " + word
            return head + ("" if rest == 0 else " " + number_to_words(rest))
    raise ValueError(n)


def _ordinal(words: str) -> str:
    last = words.split()[-1]
    if last in _ORDINAL:
        new = _ORDINAL[last]
    elif last.endswith("y"):
        new = last[:-1] + "ieth"
    else:
        new = last + "th"
    return " ".join([*words.split()[:-1], new])


def _numbers(match: re.Match[str]) -> str:
    whole, fraction, suffix = match.group(1).replace(",", ""), match.group(2), match.group(3)
    if len(whole) > 12:
        return " ".join(_ONES[int(d)] for d in whole)
    words = number_to_words(int(whole))
    if suffix:
        words = _ordinal(words)
    if fraction:
        words += " point " + " ".join(_ONES[int(d)] for d in fraction)
    return f" {words} "


def normalize_text(text: str) -> str:
    """Lower-cased words with numbers spelled out and punctuation removed."""
    text = text.lower().replace("&", " and ").replace("%", " percent ")
    text = re.sub(r"(\d[\d,]*)(?:\.(\d+))?(st|nd|rd|th)?\b", _numbers, text)
    text = re.sub(r"[-‐–—/]", " ", text)
    text = re.sub(r"[^\w\s']", " ", text)
    text = re.sub(r"(?<!\w)'|'(?!\w)", " ", text)
    return " ".join(text.split())


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate after :func:`normalize_text` (an empty reference scores 0 or 1)."""
    with needs_extra("audio"):
        import jiwer

    ref, hyp = normalize_text(reference), normalize_text(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.wer(ref, hyp or ""))


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate after :func:`normalize_text`."""
    with needs_extra("audio"):
        import jiwer

    ref, hyp = normalize_text(reference), normalize_text(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.cer(ref, hyp or ""))


@dataclass
class WERReport:
    """Per-turn and overall (corpus-level: errors summed over turns) WER and CER."""

    per_turn: list[dict] = field(default_factory=list)
    wer: float = 0.0
    cer: float = 0.0


def score(references: Sequence[str], hypotheses: Sequence[str]) -> WERReport:
    """Score aligned lists of references and hypotheses.

    Example:
        >>> report = score(["hello there", "good morning"], ["hello there", "good evening"])
        >>> report.wer, [t["wer"] for t in report.per_turn]
        (0.25, [0.0, 0.5])
    """
    with needs_extra("audio"):
        import jiwer

    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    per_turn = [
        {"reference": r, "hypothesis": h, "wer": wer(r, h), "cer": cer(r, h)}
        for r, h in zip(references, hypotheses, strict=True)
    ]
    refs = [normalize_text(r) for r in references]
    hyps = [normalize_text(h) for h in hypotheses]
    keep = [i for i, r in enumerate(refs) if r]
    if not keep:
        return WERReport(per_turn, 0.0, 0.0)
    refs, hyps = [refs[i] for i in keep], [hyps[i] for i in keep]
    return WERReport(per_turn, float(jiwer.wer(refs, hyps)), float(jiwer.cer(refs, hyps)))
