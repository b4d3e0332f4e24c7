"""Conversational features of a dialog, computed on turn texts (never on "Speaker: text" lines).

Every score takes ``speaker=`` (a name, several names, or ``None`` for all turns; names match
case-insensitively) and returns ``None`` when the value is undefined (no turns, no words).
Words are :func:`~sdialog.evaluators.text.words` tokens; the lexicons are in
:mod:`sdialog.evaluators.lexicon`.

| class | name | value |
|---|---|---|
| :class:`TurnLength` | ``turn-length`` | words per turn: the mean, or the per-turn list |
| :class:`MeanTurnLength` | ``mean-turn-length`` | mean words per turn |
| :class:`HesitationRate` | ``hesitation-rate`` | hesitations per 100 words |
| :class:`TurnTakingRatio` | ``turn-taking-ratio`` | share of turn pairs with a speaker change |
| :class:`QuestionRate` | ``question-rate`` | share of turns that ask a question (contain ``?``) |
| :class:`LexicalDiversity` | ``type-token-ratio``, ``mattr``, ``mtld`` | TTR, MATTR or MTLD |
| :class:`BackchannelRate` | ``back-channel-rate`` | share of turns that are back-channels |
| :class:`FillerWordDensity` | ``filler-word-density`` | fillers per 100 words |
| :class:`ConversationalFeatures` | ``conversational-features`` | all of the above, as a dict |

Example:
    >>> from sdialog import Dialog, Turn
    >>> d = Dialog(turns=[Turn("A", "Um, is the shop open?"), Turn("B", "Uh-huh."),
    ...                   Turn("A", "Great, I will, like, come by.")])
    >>> MeanTurnLength()(d), QuestionRate()(d), BackchannelRate()(d)
    (4.0, 0.3333333333333333, 0.3333333333333333)
    >>> HesitationRate()(d), round(FillerWordDensity(speaker="A")(d), 2)
    (8.333333333333334, 9.09)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any, ClassVar

from sdialog.evaluators.base import DialogScore
from sdialog.evaluators.lexicon import count_fillers, count_hesitations, is_backchannel
from sdialog.evaluators.text import Speakers, select_turns, words

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog import Dialog

__all__ = [
    "FEATURES",
    "BackchannelRate",
    "ConversationalFeatures",
    "FillerWordDensity",
    "HesitationRate",
    "LexicalDiversity",
    "MeanTurnLength",
    "QuestionRate",
    "TurnLength",
    "TurnTakingRatio",
    "mattr",
    "mtld",
    "type_token_ratio",
]

MATTR_WINDOW = 50
"""Default MATTR window (tokens); shorter texts fall back to the plain type-token ratio."""

MTLD_THRESHOLD = 0.72
"""MTLD's factor threshold (McCarthy & Jarvis 2010)."""


# ----------------------------------------------------------------------------- diversity
def type_token_ratio(tokens: Sequence[str]) -> float | None:
    """Distinct tokens / tokens (case-insensitive); ``None`` for no tokens.

    Example:
        >>> type_token_ratio("the cat saw the dog".split())
        0.8
    """
    if not tokens:
        return None
    return len({t.lower() for t in tokens}) / len(tokens)


def mattr(tokens: Sequence[str], window: int = MATTR_WINDOW) -> float | None:
    """Moving-average type-token ratio (Covington & McFall 2010): the mean TTR of every window
    of ``window`` consecutive tokens; the plain TTR when there are fewer tokens than ``window``.

    Example:
        >>> mattr("a b a c".split(), window=2)  # windows ab, ba, ac: all TTR 1
        1.0
        >>> mattr("a a a b".split(), window=2)  # aa 0.5, aa 0.5, ab 1.0
        0.6666666666666666
    """
    if not tokens:
        return None
    low = [t.lower() for t in tokens]
    if len(low) <= window:
        return len(set(low)) / len(low)
    counts = Counter(low[:window])
    total = len(counts)
    for i in range(window, len(low)):
        counts[low[i]] += 1
        counts[low[i - window]] -= 1
        if counts[low[i - window]] == 0:
            del counts[low[i - window]]
        total += len(counts)
    return total / (window * (len(low) - window + 1))


def _mtld_pass(tokens: Sequence[str], threshold: float) -> float:
    factors, types, count = 0.0, set(), 0
    for token in tokens:
        types.add(token)
        count += 1
        if len(types) / count <= threshold:
            factors, types, count = factors + 1, set(), 0
    if count:
        factors += (1 - len(types) / count) / (1 - threshold)
    return len(tokens) / factors if factors else float(len(tokens))


def mtld(tokens: Sequence[str], threshold: float = MTLD_THRESHOLD) -> float | None:
    """Measure of textual lexical diversity (McCarthy & Jarvis 2010): the mean length of token
    runs that keep the TTR above ``threshold``, averaged over a forward and a backward pass.

    Each pass counts a *factor* whenever the running TTR falls to ``threshold`` (then restarts),
    plus a partial factor ``(1 - TTR_rest) / (1 - threshold)`` for the remainder; the pass value
    is tokens / factors (tokens when there is no factor at all, i.e. every token distinct).

    Example:
        >>> mtld("a b c d".split())  # every token distinct: no factor
        4.0
        >>> round(mtld("a a a a".split()), 4)  # a factor every 2 tokens -> MTLD 2
        2.0
    """
    if not tokens:
        return None
    low = [t.lower() for t in tokens]
    return (_mtld_pass(low, threshold) + _mtld_pass(low[::-1], threshold)) / 2


# --------------------------------------------------------------------------- features
def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _per_100_words(count: int, n_words: int) -> float | None:
    return 100.0 * count / n_words if n_words else None


def _turn_taking(dialog: Dialog, speaker: Speakers) -> float | None:
    """Share of adjacent turn pairs with different speakers (pairs involving ``speaker`` only)."""
    names = {t.speaker for t in select_turns(dialog, speaker)} if speaker is not None else None
    pairs = [
        (a.speaker, b.speaker)
        for a, b in pairwise(dialog.turns)
        if names is None or a.speaker in names or b.speaker in names
    ]
    return sum(a != b for a, b in pairs) / len(pairs) if pairs else None


class _Text:
    """The selected turns of one dialog, tokenized once and shared by the features."""

    def __init__(self, dialog: Dialog, speaker: Speakers, window: int, threshold: float):
        self.dialog, self.speaker, self.window, self.threshold = dialog, speaker, window, threshold
        self.texts = [turn.text for turn in select_turns(dialog, speaker)]
        self.turn_words = [words(text) for text in self.texts]
        self.tokens = [w for ws in self.turn_words for w in ws]


_FEATURES: dict[str, Any] = {
    "mean-turn-length": lambda t: _mean([len(ws) for ws in t.turn_words]),
    "hesitation-rate": lambda t: _per_100_words(
        sum(map(count_hesitations, t.texts)), len(t.tokens)
    ),
    "turn-taking-ratio": lambda t: _turn_taking(t.dialog, t.speaker),
    "question-rate": lambda t: _mean([float("?" in text) for text in t.texts]),
    "type-token-ratio": lambda t: type_token_ratio(t.tokens),
    "mattr": lambda t: mattr(t.tokens, t.window),
    "mtld": lambda t: mtld(t.tokens, t.threshold),
    "back-channel-rate": lambda t: _mean([float(is_backchannel(text)) for text in t.texts]),
    "filler-word-density": lambda t: _per_100_words(
        sum(map(count_fillers, t.texts)), len(t.tokens)
    ),
}


FEATURES: tuple[str, ...] = tuple(_FEATURES)
"""Names of the features :class:`ConversationalFeatures` returns, in order."""


class _SpeakerScore(DialogScore):
    def __init__(self, speaker: Speakers = None):
        self.speaker = speaker if speaker is None or isinstance(speaker, str) else list(speaker)


class ConversationalFeatures(_SpeakerScore):
    """All conversational features of a dialog as one dict (see the module table).

    ``features`` picks a subset of :data:`FEATURES` (default: all). Definitions:

    - ``mean-turn-length`` = words / turns.
    - ``hesitation-rate`` = 100 × hesitation tokens / words.
    - ``turn-taking-ratio`` = speaker changes / adjacent turn pairs (1.0: strict alternation);
      with ``speaker``, only pairs where that speaker takes or holds the floor count.
    - ``question-rate`` = turns containing ``?`` / turns.
    - ``type-token-ratio`` = distinct words / words; ``mattr`` and ``mtld``: see :func:`mattr`,
      :func:`mtld` (length-robust: TTR falls as texts grow, MATTR and MTLD do not).
    - ``back-channel-rate`` = back-channel turns / turns
      (:func:`~sdialog.evaluators.lexicon.is_backchannel`).
    - ``filler-word-density`` = 100 × fillers / words
      (:func:`~sdialog.evaluators.lexicon.count_fillers`).

    Example:
        >>> from sdialog import Dialog, Turn
        >>> d = Dialog(turns=[Turn("A", "Hello there."), Turn("B", "Hi!")])
        >>> ConversationalFeatures(["mean-turn-length", "turn-taking-ratio"])(d)
        {'mean-turn-length': 1.5, 'turn-taking-ratio': 1.0}
    """

    name: ClassVar[str] = "conversational-features"

    def __init__(
        self,
        features: Sequence[str] | None = None,
        speaker: Speakers = None,
        window: int = MATTR_WINDOW,
        threshold: float = MTLD_THRESHOLD,
    ):
        super().__init__(speaker)
        unknown = sorted(set(features or ()) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown feature(s) {unknown}; expected some of {list(FEATURES)}")
        self.features = list(features) if features else list(FEATURES)
        self.window = window
        self.threshold = threshold

    def score(self, dialog: Dialog) -> dict[str, Any]:
        text = _Text(dialog, self.speaker, self.window, self.threshold)
        return {name: _FEATURES[name](text) for name in self.features}


class _OneFeature(_SpeakerScore):
    feature: ClassVar[str]

    def score(self, dialog: Dialog) -> float | None:
        return _FEATURES[self.feature](_Text(dialog, self.speaker, MATTR_WINDOW, MTLD_THRESHOLD))


class MeanTurnLength(_OneFeature):
    """Mean words per turn: words / turns.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> MeanTurnLength()(Dialog(turns=[Turn("A", "One two three."), Turn("B", "Four.")]))
        2.0
    """

    name = feature = "mean-turn-length"


class HesitationRate(_OneFeature):
    """Hesitations (``uh``, ``um``, ``er``, ``hmm``, …) per 100 words.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> HesitationRate()(Dialog(turns=[Turn("A", "Um, I think, uh, yes.")]))
        40.0
    """

    name = feature = "hesitation-rate"


class TurnTakingRatio(_OneFeature):
    """Speaker changes / adjacent turn pairs (1.0 = strict alternation); with ``speaker``, only
    the pairs where that speaker is one of the two.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> d = Dialog(turns=[Turn("A", "a"), Turn("A", "b"), Turn("B", "c"), Turn("C", "d")])
        >>> TurnTakingRatio()(d), TurnTakingRatio(speaker="A")(d)
        (0.6666666666666666, 0.5)
    """

    name = feature = "turn-taking-ratio"


class QuestionRate(_OneFeature):
    """Share of turns that contain a question mark.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> QuestionRate()(Dialog(turns=[Turn("A", "Ready?"), Turn("B", "Yes.")]))
        0.5
    """

    name = feature = "question-rate"


class BackchannelRate(_OneFeature):
    """Share of turns that are back-channels (``"Uh-huh."``, ``"Mm-hmm."``, ``"Right."``,
    ``"I see."``, ``"Okay."``; see :func:`~sdialog.evaluators.lexicon.is_backchannel`).

    Example:
        >>> from sdialog import Dialog, Turn
        >>> d = Dialog(turns=[Turn("A", "The bill is late."), Turn("B", "Mm-hmm."),
        ...                   Turn("A", "So I called."), Turn("B", "I see.")])
        >>> BackchannelRate()(d), BackchannelRate(speaker="B")(d)
        (0.5, 1.0)
    """

    name = feature = "back-channel-rate"


class FillerWordDensity(_OneFeature):
    """Lexical fillers (``like``, ``you know``, ``I mean``, …, set off as their own segment) per
    100 words.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> FillerWordDensity()(Dialog(turns=[Turn("A", "It was, like, you know, huge.")]))
        33.333333333333336
    """

    name = feature = "filler-word-density"


class LexicalDiversity(_SpeakerScore):
    """Lexical diversity of the selected turns' words: ``method="ttr"`` (type-token ratio),
    ``"mattr"`` (moving-average TTR over ``window`` tokens) or ``"mtld"`` (see :func:`mtld`).

    Example:
        >>> from sdialog import Dialog, Turn
        >>> d = Dialog(turns=[Turn("A", "the cat"), Turn("B", "the dog")])
        >>> LexicalDiversity()(d), LexicalDiversity("mattr", window=2)(d)
        (0.75, 1.0)
    """

    _NAMES: ClassVar[dict[str, str]] = {"ttr": "type-token-ratio", "mattr": "mattr", "mtld": "mtld"}

    def __init__(
        self,
        method: str = "ttr",
        speaker: Speakers = None,
        window: int = MATTR_WINDOW,
        threshold: float = MTLD_THRESHOLD,
    ):
        if method not in self._NAMES:
            raise ValueError(f"unknown method {method!r}; expected one of {list(self._NAMES)}")
        super().__init__(speaker)
        self.method = method
        self.window = window
        self.threshold = threshold

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._NAMES[self.method]

    def score(self, dialog: Dialog) -> float | None:
        tokens = [w for turn in select_turns(dialog, self.speaker) for w in words(turn.text)]
        if self.method == "mattr":
            return mattr(tokens, self.window)
        if self.method == "mtld":
            return mtld(tokens, self.threshold)
        return type_token_ratio(tokens)


class TurnLength(_SpeakerScore):
    """Words per turn: the mean (default) or, with ``per_turn=True``, the list of per-turn counts.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> d = Dialog(turns=[Turn("A", "Hi there!"), Turn("B", "Hello, how are you?")])
        >>> TurnLength()(d), TurnLength(per_turn=True)(d), TurnLength(speaker="B")(d)
        (3.0, [2, 4], 4.0)
    """

    name: ClassVar[str] = "turn-length"

    def __init__(self, per_turn: bool = False, speaker: Speakers = None):
        super().__init__(speaker)
        self.per_turn = per_turn

    def score(self, dialog: Dialog) -> float | list[int] | None:
        lengths = [len(words(turn.text)) for turn in select_turns(dialog, self.speaker)]
        return lengths if self.per_turn else _mean(lengths)
