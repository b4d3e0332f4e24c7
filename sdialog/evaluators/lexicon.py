"""What counts as a hesitation, a back-channel and a filler (English), and the detectors.

- **Hesitation**: a non-lexical pause word standing as its own token: ``uh``, ``um``, ``uhm``,
  ``er``, ``erm``, ``eh``, ``hmm``/``hm``, ``mm`` (elongations such as ``ummm`` included).
  Hyphenated back-channels (``uh-huh``, ``mm-hmm``) are one token and are *not* hesitations.
- **Back-channel**: a short turn (at most :data:`BACKCHANNEL_MAX_WORDS` words, no question mark)
  made only of back-channel expressions — vocal continuers (``uh-huh``, ``mm-hmm``, ``mhm``,
  ``hmm``), acknowledgements (``yeah``, ``right``, ``okay``, ``sure``, ``I see``, ``got it``)
  and short assessments (``wow``, ``exactly``, ``oh really``). ``"Right."``, ``"Uh-huh."``,
  ``"Oh, okay, I see."`` are back-channels; ``"Right, so the invoice is late."`` is not.
- **Filler**: a lexical filler set off as its own segment — between turn or sentence boundaries,
  commas, semicolons, colons, dashes or ellipses: ``like``, ``you know``, ``I mean``, ``well``,
  ``so``, ``basically``, ``actually``, ``literally``, ``kind of``, ``sort of``, ``you see``,
  ``I guess``, ``anyway``. ``"It was, like, huge"`` has one; ``"I like it"`` has none.

Example:
    >>> is_backchannel("Mm-hmm."), is_backchannel("Oh, okay, I see."), is_backchannel("Okay?")
    (True, True, False)
    >>> count_hesitations("Um, I, uh, think so. Uh-huh."), count_fillers("Well, it was, like, big.")
    (2, 2)
"""

from __future__ import annotations

import re

from sdialog.evaluators.text import words

__all__ = [
    "BACKCHANNELS",
    "BACKCHANNEL_MAX_WORDS",
    "FILLERS",
    "count_fillers",
    "count_hesitations",
    "is_backchannel",
]

BACKCHANNEL_MAX_WORDS = 4
"""A turn with more words than this is never a back-channel."""

BACKCHANNELS: frozenset[str] = frozenset(
    {
        "uh huh", "uh hum", "mm hmm", "mm hm", "m hm", "mhm", "mmhm", "mmhmm", "mm", "hmm", "hm",
        "yeah", "yea", "yes", "yep", "yup", "ya", "right", "okay", "ok", "alright", "all right",
        "sure", "i see", "oh", "ah", "aha", "ooh", "got it", "gotcha", "i got it", "true",
        "exactly", "really", "wow", "cool", "great", "nice", "good", "indeed", "of course",
        "i know", "i understand", "understood", "sounds good", "that's right", "that's true",
        "makes sense", "that makes sense", "no way", "sure thing", "absolutely", "definitely",
        "certainly", "fine", "perfect", "for sure", "totally",
    }
)  # fmt: skip
"""Back-channel expressions, lowercase, hyphens read as spaces (``uh-huh`` → ``uh huh``)."""

FILLERS: frozenset[str] = frozenset(
    {
        "like", "you know", "i mean", "well", "so", "basically", "actually", "literally",
        "kind of", "sort of", "you see", "i guess", "anyway", "kinda", "sorta",
    }
)  # fmt: skip
"""Lexical fillers, lowercase; they count only when set off as their own segment."""

_HESITATION = re.compile(r"u+h+|u+h*m+|e+r+m*|e+h+|h+m+|m+")
_VOCAL_BACKCHANNEL = re.compile(r"[mh]*m[mh]*|a+h+|o+h+|a+ha+")
_ELONGATION = re.compile(r"(\w)\1{2,}")
_SEGMENT_BREAK = re.compile(r"[,;:!?.…()\[\]\"“”]+|\s[-–—]+\s|[–—]|--")
_LONGEST = max(len(p.split()) for p in BACKCHANNELS)


def _normal(word: str) -> str:
    """Lowercase, elongations shortened (``sooo`` → ``soo``, ``hmmmm`` → ``hmm``)."""
    return _ELONGATION.sub(r"\1\1", word.lower())


def count_hesitations(text: str) -> int:
    """Hesitation tokens in ``text`` (see the module docstring for the list).

    Example:
        >>> count_hesitations("Ummm... hmm, er, mm-hmm, umbrella")
        3
    """
    return sum(1 for word in words(text) if _HESITATION.fullmatch(_normal(word)))


def is_backchannel(text: str, max_words: int = BACKCHANNEL_MAX_WORDS) -> bool:
    """Whether a whole turn is a back-channel: at most ``max_words`` words, no ``?``, and every
    word part of a back-channel expression (longest expression matched first).

    Example:
        >>> [is_backchannel(t) for t in ("Uh-huh.", "Yeah, right.", "I see.", "I see the bill.")]
        [True, True, True, False]
    """
    tokens = words(text)
    if not tokens or len(tokens) > max_words or "?" in text:
        return False
    parts = [_normal(p) for token in tokens for p in token.split("-") if p]
    i = 0
    while i < len(parts):
        for size in range(min(_LONGEST, len(parts) - i), 0, -1):
            phrase = " ".join(parts[i : i + size])
            if phrase in BACKCHANNELS or (size == 1 and _VOCAL_BACKCHANNEL.fullmatch(phrase)):
                i += size
                break
        else:
            return False
    return True


def count_fillers(text: str) -> int:
    """Fillers set off as their own segment in ``text`` (see the module docstring).

    Example:
        >>> count_fillers("So, you know, I mean it. I like it, basically.")
        3
    """
    count = 0
    for segment in _SEGMENT_BREAK.split(text):
        phrase = " ".join(_normal(w) for w in words(segment))
        count += phrase in FILLERS
    return count
