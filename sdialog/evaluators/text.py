"""Text helpers every text metric shares: turn texts (never "Speaker: text" lines), words,
sentences and syllables.

- :func:`turn_texts` — the texts of a dialog's turns, optionally one speaker's (or several).
- :func:`words` — word tokens: runs of letters/digits, with inner apostrophes and hyphens kept
  (``"don't"`` and ``"uh-huh"`` are one word each); :func:`word_count` adds them up.
- :func:`sentences` — sentences of one turn: split after ``.``, ``!``, ``?`` or ``…`` followed by
  a space or the end; a turn boundary always ends a sentence; common abbreviations (``Dr.``,
  ``e.g.``) do not end one.
- :func:`syllables` — an English syllable estimate (vowel groups with rules for silent ``e``,
  ``-es``, ``-ed``, ``-le`` and vowel pairs spoken as two syllables). Rule-based, deterministic
  and offline, so every readability value can be checked by hand.

Example:
    >>> from sdialog import Dialog, Turn
    >>> d = Dialog(turns=[Turn("Ann", "Hi Dr. Lee! How are you?"), Turn("Lee", "Fine.")])
    >>> turn_texts(d, speaker="ann")
    ['Hi Dr. Lee! How are you?']
    >>> sentences("Hi Dr. Lee! How are you?")
    ['Hi Dr. Lee!', 'How are you?']
    >>> words("Uh-huh, I don't know."), syllables("beautiful")
    (['Uh-huh', 'I', "don't", 'know'], 3)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog import Dialog

__all__ = [
    "Speakers",
    "select_turns",
    "sentences",
    "syllables",
    "turn_texts",
    "word_count",
    "words",
]

Speakers = str | Iterable[str] | None
"""A speaker name, several names, or ``None`` for every turn (names match case-insensitively)."""

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+")
_ABBREVIATIONS = frozenset(
    re.findall(
        r"\S+",
        "mr mrs ms dr prof sr jr st vs etc e.g i.e no approx dept est inc ltd co jan feb mar apr "
        "jun jul aug sep sept oct nov dec a.m p.m",
    )
)


def _names(speaker: Speakers) -> set[str] | None:
    if speaker is None:
        return None
    if isinstance(speaker, str):
        return {speaker.casefold()}
    return {name.casefold() for name in speaker}


def select_turns(dialog: Dialog, speaker: Speakers = None) -> list:
    """The turns of ``speaker`` (a name, several names, or ``None`` for all), in order.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> d = Dialog(turns=[Turn("A", "x"), Turn("B", "y"), Turn("a", "z")])
        >>> [t.text for t in select_turns(d, "A")]
        ['x', 'z']
    """
    names = _names(speaker)
    if names is None:
        return list(dialog.turns)
    return [t for t in dialog.turns if t.speaker is not None and t.speaker.casefold() in names]


def turn_texts(dialog: Dialog, speaker: Speakers = None) -> list[str]:
    """The text of each selected turn: what was said, never the speaker's name.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> turn_texts(Dialog(turns=[Turn("Doctor", "Hello"), Turn("Patient", "Hi")]))
        ['Hello', 'Hi']
    """
    return [turn.text for turn in select_turns(dialog, speaker)]


def words(text: str) -> list[str]:
    """Word tokens of ``text`` (letters and digits; inner ``-`` and ``'`` kept, ``’`` read as
    ``'``); punctuation is dropped.

    Example:
        >>> words("Well... it’s 9 o'clock—mm-hmm!")
        ['Well', "it's", '9', "o'clock", 'mm-hmm']
    """
    return _WORD.findall(text.replace("’", "'"))


def sentences(text: str) -> list[str]:
    """Sentences of one text: a break follows ``.``, ``!``, ``?`` or ``…`` (plus closing quotes
    or brackets) and whitespace, unless the word before a ``.`` is a common abbreviation or a
    single letter. Pieces without a word are dropped; text without end punctuation is one sentence.

    Example:
        >>> sentences("I met Mr. Smith at 3 p.m. today. Great!  Really?!")
        ['I met Mr. Smith at 3 p.m. today.', 'Great!', 'Really?!']
        >>> sentences("no punctuation at all")
        ['no punctuation at all']
    """
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()]
        if candidate.rstrip("\"')]").endswith(".") and _is_abbreviation(candidate):
            continue
        pieces.append(candidate)
        start = match.end()
    pieces.append(text[start:])
    return [p.strip() for p in pieces if _WORD.search(p)]


def _is_abbreviation(candidate: str) -> bool:
    last = candidate.rstrip("\"')]").rstrip(".").rsplit(maxsplit=1)[-1:] or [""]
    token = last[0].lower().lstrip("(\"'")
    return (len(token) == 1 and token.isalpha()) or token in _ABBREVIATIONS


_SYLLABLE_EXCEPTIONS = {
    word: count
    for count, listed in {
        1: "the real hour hours our fire tired whole one once",
        2: "every business evening chocolate really being doing going seeing people okay ok quiet "
        "science create maybe somewhere someone sometimes something police because poem naive "
        "ruin cruel fuel lion diet iron",
        3: "everyone everything different family interesting camera area idea created creating "
        "recipe anyone everywhere genuine violent piano video radio audio",
        4: "everybody",
    }.items()
    for word in listed.split()
}
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
_TWO_SYLLABLE_PAIRS = re.compile(r"ia|iu|io(?!ns?$)|ua|uo|eo|ie(?=n[ct])")
_SILENT_INNER_E = re.compile(r"[^aeiouy]e(?:ly|ment|ments|ful|ness|less)$")


@lru_cache(maxsize=65536)
def syllables(word: str) -> int:
    """Estimated syllables of one English word (0 when it has no letters).

    Rules, in order: a table of irregular words; hyphenated words add up their parts; digits
    alone count one syllable per digit group; otherwise the vowel groups (``a e i o u``, and
    ``y`` after a consonant) are counted, minus a silent final ``e`` (not after a consonant +
    ``l``: ``ta-ble``), minus ``-es`` after a consonant other than ``s x z ch sh g c``
    (``makes`` 1, ``boxes`` 2), minus ``-ed`` after a consonant other than ``t``/``d``
    (``walked`` 1, ``wanted`` 2), plus one for vowel pairs spoken as two syllables (``i-a``,
    ``i-o``, ``u-a``, ``e-o``: ``di-al``, ``a-ctu-al``; not in ``-tion``/``-cial``/``-sion``).
    At least one for any word with a letter.

    Example:
        >>> [syllables(w) for w in ("cat", "table", "makes", "boxes", "walked", "wanted")]
        [1, 2, 1, 2, 1, 2]
        >>> [syllables(w) for w in ("beautiful", "dialog", "nation", "reading", "uh-huh")]
        [3, 3, 2, 2, 2]
    """
    w = word.lower().replace("’", "'").replace("'", "")
    if "-" in w:
        return sum(syllables(part) for part in w.split("-") if part)
    if w in _SYLLABLE_EXCEPTIONS:
        return _SYLLABLE_EXCEPTIONS[w]
    if not any(c.isalpha() for c in w):
        return len(re.findall(r"\d+", w))
    w = "".join(c for c in w if c.isalpha())
    if w.startswith("y"):
        w = "_" + w[1:]  # a leading y is a consonant
    count = len(_VOWEL_GROUP.findall(w))
    if len(w) > 2 and count > 1:
        if w.endswith("e") and not w.endswith(("ee", "ie", "ye", "oe")):
            if not (w.endswith("le") and w[-3] not in "aeiouy"):
                count -= 1  # silent e: make, hope (but ta-ble)
        elif (
            w.endswith("es")
            and w[-3] not in "aeiouysxz"
            and not w.endswith(("ches", "shes", "ges", "ces"))
            and not (w.endswith("les") and w[-4] not in "aeiouy")
        ):
            count -= 1  # makes, hopes (but box-es, chang-es)
        elif w.endswith("ed") and w[-3] not in "aeiouytd":
            count -= 1  # walked, hoped (but want-ed)
    count -= bool(_SILENT_INNER_E.search(w))  # late-ly, move-ment
    w = re.sub(r"[tcsx]i(?=[oa]|en)", "_", re.sub(r"([qg])u(?=[aeiou])", r"\1_", w))
    count += len(_TWO_SYLLABLE_PAIRS.findall(w))
    return max(1, count)


def word_count(texts: Iterable[str]) -> int:
    """Total words in ``texts`` (see :func:`words`).

    Example:
        >>> word_count(["Hello there.", "Hi!"])
        3
    """
    return sum(len(words(text)) for text in texts)
