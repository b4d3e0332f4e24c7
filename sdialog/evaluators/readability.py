"""Readability of a dialog's turn texts: Gunning fog, Flesch reading ease, Coleman–Liau,
Linsear write and Dale–Chall.

The texts are the selected turns' texts (never "Speaker: text" lines); every turn ends at least
one sentence. Counts: ``W`` words (:func:`~sdialog.evaluators.text.words`), ``S`` sentences
(:func:`~sdialog.evaluators.text.sentences`), ``Syl`` syllables
(:func:`~sdialog.evaluators.text.syllables`), ``L`` letters. Each value is ``None`` when there is
no word.

| name | formula | reference |
|---|---|---|
| ``flesch-reading-ease`` | 206.835 − 1.015·W/S − 84.6·Syl/W | Flesch (1948) |
| ``gunning-fog`` | 0.4·(W/S + 100·complex/W) | Gunning (1952) |
| ``coleman-liau`` | 0.0588·(100·L/W) − 0.296·(100·S/W) − 15.8 | Coleman & Liau (1975) |
| ``linsear-write`` | r = (easy + 3·hard)/S; r/2 if r > 20 else (r − 2)/2 | O'Hayre (1966) |
| ``dale-chall`` | 0.1579·PDW + 0.0496·W/S (+ 3.6365 if PDW > 5) | Dale & Chall (1948) |

- *complex* (fog): three or more syllables, not hyphenated, and still three or more once an
  ``-es``/``-ed``/``-ing`` ending is removed (Gunning's exclusions; proper nouns are not excluded).
- *easy*/*hard* (Linsear write): fewer than three / three or more syllables; computed on all the
  words rather than a 100-word sample.
- *difficult* (Dale–Chall; PDW = 100·difficult/W): not on the Dale–Chall list of about 3,000
  familiar words — the list shipped with ``textstat`` (read from its data file, so textstat
  itself is never imported) — after removing a regular ending (``-s``, ``-es``, ``-ies``,
  ``-ed``, ``-ied``, ``-ing``, ``-er``, ``-est``, ``-ly``, ``'s``); numbers are familiar.

Example:
    >>> from sdialog import Dialog, Turn
    >>> d = Dialog(turns=[Turn("A", "The cat sat on the mat."), Turn("B", "It was happy.")])
    >>> round(FleschReadingEase()(d), 2), round(GunningFog()(d), 2)
    (108.27, 1.8)
    >>> sorted(ReadabilityScore()(d))
    ['coleman-liau', 'dale-chall', 'flesch-reading-ease', 'gunning-fog', 'linsear-write']
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from sdialog.evaluators.base import DialogScore
from sdialog.evaluators.text import Speakers, sentences, syllables, turn_texts, words

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog import Dialog

__all__ = [
    "READABILITY_METRICS",
    "ColemanLiau",
    "DaleChall",
    "FleschReadingEase",
    "GunningFog",
    "LinsearWrite",
    "ReadabilityScore",
    "TextCounts",
    "easy_words",
    "readability",
]


@lru_cache(maxsize=1)
def easy_words() -> frozenset[str]:
    """The Dale–Chall list of familiar words (lowercase), read from textstat's data file.

    Raises :class:`ImportError` naming the install command when textstat is missing.

    Example:
        >>> len(easy_words()) > 2900, "children" in easy_words(), "dialogue" in easy_words()
        (True, True, False)
    """
    spec = importlib.util.find_spec("textstat")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "resources" / "en" / "easy_words.txt"
        if path.is_file():
            return frozenset(
                line.strip().lower() for line in path.read_text("utf-8").splitlines() if line
            )
    raise ImportError(
        "the Dale–Chall word list comes with the 'textstat' package; "
        'install it with: pip install "sdialog[eval]"'
    )


_ENDINGS = (("ies", "y"), ("ied", "y"), ("'s", ""), ("es", ""), ("s", ""), ("ed", ""))
_ENDINGS += (("ed", "e"), ("d", ""), ("ing", ""), ("ing", "e"), ("er", ""), ("est", ""))
_ENDINGS += (("ly", ""), ("er", "e"), ("est", "e"))


def _is_familiar(word: str, easy: frozenset[str]) -> bool:
    w = word.lower()
    if w in easy or w.isdigit():
        return True
    for ending, replacement in _ENDINGS:
        if w.endswith(ending) and len(w) > len(ending) + 1:
            stem = w[: -len(ending)] + replacement
            if stem in easy or (stem[-1:] == stem[-2:-1] and stem[:-1] in easy):
                return True  # walked -> walk, stopped -> stop
    return False


def _is_complex(word: str) -> bool:
    if "-" in word or syllables(word) < 3:
        return False
    stem = re.sub(r"(?:es|ed|ing)$", "", word.lower())
    return stem == word.lower() or syllables(stem) >= 3


@dataclass(frozen=True)
class TextCounts:
    """The counts every readability formula uses.

    Example:
        >>> TextCounts.of(["The cat sat.", "Wonderful!"])
        TextCounts(words=4, sentences=2, syllables=6, letters=18, complex=1, hard=1, difficult=0)
    """

    words: int
    sentences: int
    syllables: int
    letters: int
    complex: int
    hard: int
    difficult: int

    @classmethod
    def of(cls, texts: Sequence[str], dale_chall: bool = True) -> TextCounts:
        """Count ``texts``; ``dale_chall=False`` skips the word-list look-up (``difficult=0``)."""
        tokens = [w for text in texts for w in words(text)]
        syl = [syllables(w) for w in tokens]
        easy = easy_words() if dale_chall and tokens else frozenset()
        return cls(
            words=len(tokens),
            sentences=sum(len(sentences(text)) for text in texts),
            syllables=sum(syl),
            letters=sum(c.isalpha() for w in tokens for c in w),
            complex=sum(_is_complex(w) for w in tokens),
            hard=sum(n >= 3 for n in syl),
            difficult=sum(not _is_familiar(w, easy) for w in tokens) if dale_chall else 0,
        )


def _flesch(c: TextCounts) -> float:
    return 206.835 - 1.015 * c.words / c.sentences - 84.6 * c.syllables / c.words


def _fog(c: TextCounts) -> float:
    return 0.4 * (c.words / c.sentences + 100 * c.complex / c.words)


def _coleman_liau(c: TextCounts) -> float:
    return 0.0588 * (100 * c.letters / c.words) - 0.296 * (100 * c.sentences / c.words) - 15.8


def _linsear(c: TextCounts) -> float:
    r = ((c.words - c.hard) + 3 * c.hard) / c.sentences
    return r / 2 if r > 20 else (r - 2) / 2


def _dale_chall(c: TextCounts) -> float:
    pdw = 100 * c.difficult / c.words
    return 0.1579 * pdw + 0.0496 * c.words / c.sentences + (3.6365 if pdw > 5 else 0.0)


READABILITY_METRICS: dict[str, Callable[[TextCounts], float]] = {
    "gunning-fog": _fog,
    "flesch-reading-ease": _flesch,
    "coleman-liau": _coleman_liau,
    "linsear-write": _linsear,
    "dale-chall": _dale_chall,
}
"""Readability formulas by name (each takes :class:`TextCounts`)."""


def readability(texts: Sequence[str], metric: str | None = None) -> float | dict | None:
    """Readability of ``texts``: one metric's value, or (``metric=None``) a dict of all.

    Example:
        >>> round(readability(["I see."], "flesch-reading-ease"), 3)
        120.205
    """
    names = list(READABILITY_METRICS) if metric is None else [metric]
    counts = TextCounts.of(texts, dale_chall="dale-chall" in names)
    values = {name: READABILITY_METRICS[name](counts) if counts.words else None for name in names}
    return values if metric is None else values[metric]


class ReadabilityScore(DialogScore):
    """Readability of the selected turns' texts: ``metric`` is one of
    :data:`READABILITY_METRICS` (a float) or ``None`` for a dict of all five.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> d = Dialog(turns=[Turn("Doctor", "Take one tablet daily."), Turn("Pat", "Okay.")])
        >>> ReadabilityScore("linsear-write")(d)
        0.25
        >>> round(ReadabilityScore("dale-chall", speaker="Pat")(d), 4)  # "okay" is not familiar
        19.4761
    """

    def __init__(self, metric: str | None = None, speaker: Speakers = None):
        if metric is not None and metric not in READABILITY_METRICS:
            raise ValueError(
                f"unknown readability metric {metric!r}; expected one of "
                f"{list(READABILITY_METRICS)} or None for all"
            )
        self.metric = metric
        self.speaker = speaker if speaker is None or isinstance(speaker, str) else list(speaker)

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.metric or "readability"

    def score(self, dialog: Dialog) -> float | dict | None:
        return readability(turn_texts(dialog, self.speaker), self.metric)


class _OneMetric(ReadabilityScore):
    metric_name: ClassVar[str]

    def __init__(self, speaker: Speakers = None):
        super().__init__(self.metric_name, speaker)


class GunningFog(_OneMetric):
    """Gunning fog index: 0.4·(W/S + 100·complex/W) (Gunning 1952); school grade to read it.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> round(GunningFog()(Dialog(turns=[Turn("A", "A wonderful day.")])), 4)
        14.5333
    """

    metric_name = "gunning-fog"


class FleschReadingEase(_OneMetric):
    """Flesch reading ease: 206.835 − 1.015·W/S − 84.6·Syl/W (Flesch 1948); higher is easier.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> round(FleschReadingEase()(Dialog(turns=[Turn("A", "The cat sat.")])), 4)
        119.19
    """

    metric_name = "flesch-reading-ease"


class ColemanLiau(_OneMetric):
    """Coleman–Liau index: 0.0588·L − 0.296·S − 15.8, with L letters and S sentences per 100
    words (Coleman & Liau 1975).

    Example:
        >>> from sdialog import Dialog, Turn
        >>> round(ColemanLiau()(Dialog(turns=[Turn("A", "The cat sat.")])), 4)
        -8.0267
    """

    metric_name = "coleman-liau"


class LinsearWrite(_OneMetric):
    """Linsear write: r = (easy + 3·hard)/S with hard = three or more syllables; r/2 if r > 20,
    else (r − 2)/2 (O'Hayre 1966), on all the words.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> LinsearWrite()(Dialog(turns=[Turn("A", "The cat sat on a wonderful mat.")]))
        3.5
    """

    metric_name = "linsear-write"


class DaleChall(_OneMetric):
    """Dale–Chall score: 0.1579·PDW + 0.0496·W/S, plus 3.6365 when PDW > 5, where PDW is the
    percentage of words not on the Dale–Chall familiar-word list (Dale & Chall 1948).

    Example:
        >>> from sdialog import Dialog, Turn
        >>> round(DaleChall()(Dialog(turns=[Turn("A", "The children walked home.")])), 4)
        0.1984
    """

    metric_name = "dale-chall"
