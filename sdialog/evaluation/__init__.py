"""SDialog's ``sdialog.evaluation`` names over :mod:`sdialog.evaluators` (use that for new code).

Same-named classes are :mod:`sdialog.evaluators`'s own (``LLMJudgeYesNo``, ``DialogFlowPPL``,
``MeanEvaluator`` ...). SDialog's other names are thin adapters:

- feature scores: ``LinguisticFeatureScore(feature=None|name|list, name=None, speaker=None)``,
  ``ConversationalFeatures``, ``ReadabilityScore`` (a float for one feature, else a dict) and one
  class per feature (``MeanTurnLengthScore``, ``QuestionRateScore``, ``BackChannelRateScore``,
  ``GunningFogScore`` ...), each computed by the corresponding sdialog score;
- ``StatsEvaluator`` returns ``{"mean": ..., "std": ...}`` for a number score, as in SDialog;
- ``DatasetComparator`` (alias ``Comparator``) returns SDialog's ``{dataset: {metric: value}}``
  and prints a table (sdialog's :class:`~sdialog.evaluators.Comparator` keeps a tidy DataFrame
  with confidence intervals in ``.results``);
- ``LLMJudgeYesNoOutput`` / ``LLMJudgeScoreOutput``: SDialog's judge-output shapes
  (sdialog's judges return :class:`~sdialog.evaluators.Judgment`, which also has ``.positive``
  and ``.score``).

Dataset evaluators accept any callable score with a ``name``. Plotting options of SDialog's
evaluators (``enable_plotting``, ``verbose``, ``plot_title`` ...) are accepted and ignored:
plots come from ``comparator.plot()``.

Example:
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.evaluation import LinguisticFeatureScore, QuestionRateScore
    >>> d = Dialog(turns=[Turn("A", "Hi, how are you?"), Turn("B", "Fine.")])
    >>> QuestionRateScore()(d), LinguisticFeatureScore("mean-turn-length")(d)
    (0.5, 2.5)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel

from sdialog._extras import needs_extra
from sdialog._lazy import lazy_exports
from sdialog.evaluators import dataset as _dataset
from sdialog.evaluators import features as _features
from sdialog.evaluators import readability as _readability
from sdialog.evaluators.base import DialogScore
from sdialog.evaluators.comparator import Comparator as _Comparator

_SAME = [
    "ToolSequenceValidator",
    "DialogFlowPPL",
    "DialogFlowScore",
    "LLMJudgeYesNo",
    "LLMJudgeScore",
    "LLMJudgeRealDialog",
    "LLMJudgeRealDialogLikertScore",
    "LLMJudgeRealDialogScore",
    "LLMJudgeRefusal",
    "LLMJudgePersonaAttributes",
    "SentenceTransformerDialogEmbedder",
    "ReferenceCentroidEmbeddingEvaluator",
    "KDEDistanceEvaluator",
    "FrechetDistanceEvaluator",
    "FrechetBERTDistanceEvaluator",
    "PrecisionRecallDistanceEvaluator",
]
_LAZY: dict[str, str] = dict.fromkeys(_SAME, "sdialog.evaluators")
_LAZY.update(
    {
        "BaseDialogScore": "sdialog.evaluators:DialogScore",
        "BaseDatasetEvaluator": "sdialog.evaluators:DatasetEvaluator",
        "BaseDatasetScoreEvaluator": "sdialog.evaluators.dataset:ScoreEvaluator",
        "BaseLLMJudge": "sdialog.evaluators:LLMJudge",
    }
)


# -- SDialog's divergence helpers (sample of numbers vs sample of numbers) -----------------------
def _kl_divergence(p1: Any, p2: Any, resolution: int = 100, bw_method: Any = None) -> float:
    """KL(P1‖P2) between KDEs of two samples (see
    :func:`sdialog.evaluators.distribution.divergence`; ``resolution``/``bw_method`` are
    SDialog's KDE settings, accepted and not used)."""
    with needs_extra("eval"):
        from sdialog.evaluators.distribution import divergence

    return divergence(p1, p2, "kl")


def _cs_divergence(p1: Any, p2: Any, resolution: int = 100, bw_method: Any = None) -> float:
    """Cauchy–Schwarz divergence between KDEs of two samples (see :func:`_kl_divergence`)."""
    with needs_extra("eval"):
        from sdialog.evaluators.distribution import divergence

    return divergence(p1, p2, "cs")


# -- judge outputs -------------------------------------------------------------------------------
class LLMJudgeYesNoOutput(BaseModel):
    """SDialog's yes/no judge output: ``positive`` (one or a list) and an optional ``reason``."""

    positive: bool | list[bool]
    reason: str | list[str] | None = None


class LLMJudgeScoreOutput(BaseModel):
    """SDialog's score judge output: ``score`` and an optional ``reason``."""

    score: int | float
    reason: str | None = None


# -- feature scores ------------------------------------------------------------------------------
def _conversational(feature: str, speaker: Any) -> DialogScore:
    classes = {
        "mean-turn-length": _features.MeanTurnLength,
        "hesitation-rate": _features.HesitationRate,
        "turn-taking-ratio": _features.TurnTakingRatio,
        "question-rate": _features.QuestionRate,
        "lexical-diversity": _features.LexicalDiversity,
        "back-channel-rate": _features.BackchannelRate,
        "filler-word-density": _features.FillerWordDensity,
    }
    return classes[feature](speaker=speaker)


CONVERSATIONAL_FEATURES = (
    "mean-turn-length",
    "hesitation-rate",
    "turn-taking-ratio",
    "question-rate",
    "lexical-diversity",
    "back-channel-rate",
    "filler-word-density",
)
"""SDialog's conversational feature names."""

READABILITY_FEATURES = tuple(_readability.READABILITY_METRICS)
"""SDialog's readability feature names."""


class LinguisticFeatureScore(DialogScore):
    """Conversational and readability features: one (a float), several or all (a dict).

    Example:
        >>> from sdialog import Dialog, Turn
        >>> d = Dialog(turns=[Turn("A", "Um, hi there."), Turn("B", "Hello!")])
        >>> sorted(LinguisticFeatureScore(["hesitation-rate", "question-rate"])(d).items())
        [('hesitation-rate', 25.0), ('question-rate', 0.0)]
    """

    features: ClassVar[tuple[str, ...]] = CONVERSATIONAL_FEATURES + READABILITY_FEATURES
    default_name: ClassVar[str] = "linguistic-features"

    def __init__(
        self,
        feature: str | Sequence[str] | None = None,
        name: str | None = None,
        speaker: str | None = None,
    ):
        chosen = (
            list(self.features)
            if feature is None
            else ([feature] if isinstance(feature, str) else list(feature))
        )
        unknown = [f for f in chosen if f not in self.features]
        if unknown:
            expected = list(self.features)
            raise ValueError(f"unknown feature(s) {unknown}; expected some of {expected}")
        self.feature = feature
        self.speaker = speaker
        self._name = name
        self._scores = {
            f: _conversational(f, speaker)
            if f in CONVERSATIONAL_FEATURES
            else _readability.ReadabilityScore(f, speaker=speaker)
            for f in chosen
        }

    @property
    def name(self) -> str:  # type: ignore[override]
        if self._name:
            return self._name
        return self.feature if isinstance(self.feature, str) else self.default_name

    def score(self, dialog: Any) -> Any:
        values = {f: s(dialog) for f, s in self._scores.items()}
        return values[self.feature] if isinstance(self.feature, str) else values


class ConversationalFeatures(LinguisticFeatureScore):
    """SDialog's conversational features (``feature``: one name, a list, or all)."""

    features = CONVERSATIONAL_FEATURES
    default_name = "conversational-features"


class ReadabilityScore(LinguisticFeatureScore):
    """SDialog's readability scores (``feature``: one name, a list, or all)."""

    features = READABILITY_FEATURES
    default_name = "readability"


def _one(class_name: str, base: type[LinguisticFeatureScore], feature: str) -> type:
    def __init__(self: Any, name: str | None = None, speaker: str | None = None) -> None:
        base.__init__(self, feature, name=name, speaker=speaker)

    doc = f"SDialog's ``{class_name}``: the ``{feature}`` feature (a float)."
    return type(class_name, (base,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


MeanTurnLengthScore = _one("MeanTurnLengthScore", ConversationalFeatures, "mean-turn-length")
HesitationRateScore = _one("HesitationRateScore", ConversationalFeatures, "hesitation-rate")
TurnTakingRatioScore = _one("TurnTakingRatioScore", ConversationalFeatures, "turn-taking-ratio")
QuestionRateScore = _one("QuestionRateScore", ConversationalFeatures, "question-rate")
LexicalDiversityScore = _one("LexicalDiversityScore", ConversationalFeatures, "lexical-diversity")
BackChannelRateScore = _one("BackChannelRateScore", ConversationalFeatures, "back-channel-rate")
FillerWordDensityScore = _one(
    "FillerWordDensityScore", ConversationalFeatures, "filler-word-density"
)
GunningFogScore = _one("GunningFogScore", ReadabilityScore, "gunning-fog")
FleschReadingEaseScore = _one("FleschReadingEaseScore", ReadabilityScore, "flesch-reading-ease")
ColemanLiauScore = _one("ColemanLiauScore", ReadabilityScore, "coleman-liau")
LinsearWriteScore = _one("LinsearWriteScore", ReadabilityScore, "linsear-write")
DaleChallScore = _one("DaleChallScore", ReadabilityScore, "dale-chall")


class TurnLength(_features.TurnLength):
    """SDialog's ``TurnLength``: the list of words per turn (``name``, ``speaker``)."""

    def __init__(self, name: str | None = None, speaker: str | None = None):
        super().__init__(per_turn=True, speaker=speaker)
        if name:
            self.name = name  # type: ignore[misc]


# -- dataset evaluators --------------------------------------------------------------------------
_PLOT_OPTIONS = ("enable_plotting", "verbose", "plot_title", "plot_xlabel", "plot_ylabel")


def _drop_plot_options(options: dict[str, Any], where: str) -> None:
    unknown = set(options) - set(_PLOT_OPTIONS)
    if unknown:
        raise TypeError(f"{where} got unexpected keyword argument(s) {sorted(unknown)}")


class MeanEvaluator(_dataset.MeanEvaluator):
    """:class:`sdialog.evaluators.MeanEvaluator`, also taking SDialog's plotting options."""

    def __init__(self, dialog_score: Any, name: str | None = None, **plot_options: Any):
        _drop_plot_options(plot_options, "MeanEvaluator")
        super().__init__(dialog_score, name=name)


class FrequencyEvaluator(_dataset.FrequencyEvaluator):
    """:class:`sdialog.evaluators.FrequencyEvaluator`, also taking SDialog's plotting options."""

    def __init__(self, dialog_score: Any, name: str | None = None, **plot_options: Any):
        _drop_plot_options(plot_options, "FrequencyEvaluator")
        super().__init__(dialog_score, name=name)


class StatsEvaluator(_dataset.StatsEvaluator):
    """:class:`sdialog.evaluators.StatsEvaluator` with SDialog's result keys: a number score
    gives ``{"mean": ..., "std": ..., "min": ..., "max": ..., "median": ...}`` (one number with
    ``stat=``); ``metric=`` is SDialog's deprecated name of ``stat``.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> StatsEvaluator(MeanTurnLengthScore())([Dialog(turns=[Turn("A", "a b")])])["mean"]
        2.0
    """

    def __init__(
        self,
        dialog_score: Any,
        stat: str | None = None,
        metric: str | None = None,
        name: str | None = None,
        **plot_options: Any,
    ):
        _drop_plot_options(plot_options, "StatsEvaluator")
        super().__init__(dialog_score, stat=stat or metric, name=name)

    def compute(self, items: list[Any]) -> float | dict[str, float]:
        result = super().compute(items)
        prefix = f"{self.name}-"
        if isinstance(result, dict) and all(key.startswith(prefix) for key in result):
            return {key[len(prefix) :]: value for key, value in result.items()}
        return result


class DatasetComparator(_Comparator):
    """SDialog's comparator: ``comparator(datasets, digits=2, output="markdown")`` prints a
    table (``output="table"``: a grid) and returns ``{dataset: {metric: value}}``;
    ``output="dict"`` only returns it. ``plot(show=True, save_folder_path=None)``."""

    def __call__(  # type: ignore[override]
        self, candidates: Any, digits: int = 2, output: Any = "markdown", **options: Any
    ) -> dict[str, dict[str, float]]:
        if output not in ("dict", dict, "markdown", "table"):
            raise ValueError(f"unsupported output {output!r}; expected 'dict', 'markdown', 'table'")
        table = super().__call__(candidates, **options)
        results: dict[str, dict[str, float]] = {}
        for row in table.itertuples(index=False):
            results.setdefault(row.dataset, {})[row.metric] = row.value
        if output in ("markdown", "table"):
            print(self.to_markdown(digits=digits))
        return results

    def plot(  # type: ignore[override]
        self, show: bool = True, save_folder_path: str | None = None, **options: Any
    ) -> dict[str, Any]:
        return super().plot(save_folder=save_folder_path, **options)


Comparator = DatasetComparator

__all__ = sorted(
    [
        *_LAZY,
        "BackChannelRateScore",
        "ColemanLiauScore",
        "Comparator",
        "ConversationalFeatures",
        "DaleChallScore",
        "DatasetComparator",
        "FillerWordDensityScore",
        "FleschReadingEaseScore",
        "FrequencyEvaluator",
        "GunningFogScore",
        "HesitationRateScore",
        "LLMJudgeScoreOutput",
        "LLMJudgeYesNoOutput",
        "LexicalDiversityScore",
        "LinguisticFeatureScore",
        "LinsearWriteScore",
        "MeanEvaluator",
        "MeanTurnLengthScore",
        "QuestionRateScore",
        "ReadabilityScore",
        "StatsEvaluator",
        "TurnLength",
        "TurnTakingRatioScore",
    ]
)

__getattr__ = lazy_exports(__name__, _LAZY, extra="eval")
