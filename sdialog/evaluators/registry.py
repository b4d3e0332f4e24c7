"""Metric names for ``sdialog evaluate --metrics``: one registry dict, :data:`METRICS`.

Each entry maps a CLI name to a factory ``factory(ctx) -> DialogScore | DatasetEvaluator``;
``ctx`` is a :class:`MetricContext` (``ctx.reference``: the ``--reference`` dialogs, an error
naming the metric when absent; ``ctx.judge_model``: ``--judge-model`` or ``None``;
``ctx.seed``). A factory that returns a per-dialog score gets wrapped: ``name`` →
``MeanEvaluator(score)``, and the prefixes ``stats:``, ``freq:``, ``kl:``, ``js:``, ``cs:``,
``frechet:`` and ``wasserstein:`` pick another dataset evaluator (e.g. ``kl:mean-turn-length``
= ``KDEDistanceEvaluator(MeanTurnLength(), reference)``).

**Adding a metric is one line.** A judge class exported by :mod:`sdialog.evaluators` is looked up
by name only when used, with ``--judge-model`` passed as ``model=``::

    METRICS["real-dialog"] = judge("LLMJudgeRealDialog")

Example:
    >>> from sdialog import Dialog, Turn
    >>> [e.name for e in resolve_metrics(["mean-turn-length", "stats:question-rate"])]
    ['mean-turn-length', 'question-rate']
    >>> sorted(METRICS)[:3]
    ['back-channel-rate', 'centroid-similarity', 'coleman-liau']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog import Dialog

__all__ = ["DEFAULT_METRICS", "METRICS", "MetricContext", "judge", "resolve_metrics"]


@dataclass
class MetricContext:
    """What a metric factory may use: the reference dialogs, the judge model, the seed."""

    reference_dialogs: list[Dialog] | None = None
    judge_model: Any = None
    seed: int = 0
    metric: str = ""

    @property
    def reference(self) -> list[Dialog]:
        """The reference dialogs; a clear error when the metric needs them and none were given."""
        if not self.reference_dialogs:
            raise ValueError(f"metric {self.metric!r} needs reference dialogs (--reference DIR)")
        return self.reference_dialogs


Factory = Callable[[MetricContext], Any]


def _evaluators() -> Any:
    return import_module("sdialog.evaluators")


def judge(class_name: str, **kwargs: Any) -> Factory:
    """A factory for the judge class ``class_name`` of :mod:`sdialog.evaluators` (looked up on
    use), built with ``model=ctx.judge_model`` when one is given, plus ``kwargs``.

    Example:
        >>> factory = judge("NoSuchJudge")
        >>> try:
        ...     factory(MetricContext(metric="x"))
        ... except ValueError as err:
        ...     print(err)
        metric 'x' needs sdialog.evaluators.NoSuchJudge, which this installation does not have
    """

    def factory(ctx: MetricContext) -> Any:
        try:
            cls = getattr(_evaluators(), class_name)
        except AttributeError:
            raise ValueError(
                f"metric {ctx.metric!r} needs sdialog.evaluators.{class_name}, which this "
                "installation does not have"
            ) from None
        extra = {} if ctx.judge_model is None else {"model": ctx.judge_model}
        return cls(**extra, **kwargs)

    return factory


def _score(class_name: str, **kwargs: Any) -> Factory:
    return lambda ctx: getattr(_evaluators(), class_name)(**kwargs)


def _with_reference(class_name: str, **kwargs: Any) -> Factory:
    return lambda ctx: getattr(_evaluators(), class_name)(ctx.reference, **kwargs)


def _flow(class_name: str) -> Factory:
    return lambda ctx: getattr(_evaluators(), class_name)(ctx.reference, seed=ctx.seed)


METRICS: dict[str, Factory] = {
    # conversational features (per-dialog scores: averaged unless a prefix says otherwise)
    "conversational-features": _score("ConversationalFeatures"),
    "mean-turn-length": _score("MeanTurnLength"),
    "hesitation-rate": _score("HesitationRate"),
    "turn-taking-ratio": _score("TurnTakingRatio"),
    "question-rate": _score("QuestionRate"),
    "type-token-ratio": _score("LexicalDiversity", method="ttr"),
    "mattr": _score("LexicalDiversity", method="mattr"),
    "mtld": _score("LexicalDiversity", method="mtld"),
    "back-channel-rate": _score("BackchannelRate"),
    "filler-word-density": _score("FillerWordDensity"),
    # readability
    "readability": _score("ReadabilityScore"),
    "gunning-fog": _score("GunningFog"),
    "flesch-reading-ease": _score("FleschReadingEase"),
    "coleman-liau": _score("ColemanLiau"),
    "linsear-write": _score("LinsearWrite"),
    "dale-chall": _score("DaleChall"),
    # against the reference (--reference)
    "flow-ppl": _flow("DialogFlowPPL"),
    "flow-score": _flow("DialogFlowScore"),
    "centroid-similarity": lambda ctx: _evaluators().ReferenceCentroidEmbeddingEvaluator(
        None, ctx.reference
    ),
    "frechet-bert-distance": _with_reference("FrechetBERTDistanceEvaluator"),
    "precision-recall-distance": lambda ctx: _evaluators().PrecisionRecallDistanceEvaluator(
        ctx.reference, seed=ctx.seed
    ),
    # LLM judges (--judge-model); yes/no judges average to the share of "yes"
    "real-dialog": judge("LLMJudgeRealDialog"),
    "real-dialog-likert": judge("LLMJudgeRealDialogLikertScore"),
    "real-dialog-score": judge("LLMJudgeRealDialogScore"),
    "persona-attributes": judge("LLMJudgePersonaAttributes"),
    "refusal": judge("LLMJudgeRefusal"),
    "conversation-completeness": judge("LLMJudgeConversationCompleteness"),
    "knowledge-retention": judge("LLMJudgeKnowledgeRetention"),
    "role-adherence": judge("LLMJudgeRoleAdherence"),
    "topic-adherence": judge("LLMJudgeTopicAdherence"),
    "goal-accuracy": judge("LLMJudgeGoalAccuracy"),
}
"""CLI metric name → factory (see the module docstring)."""

DEFAULT_METRICS = ("conversational-features", "readability")
"""Metrics of ``sdialog evaluate`` when ``--metrics`` is not given (plus, with a reference,
``flow-ppl``, ``centroid-similarity`` and ``frechet-bert-distance``)."""

_PREFIXES: dict[str, Callable[[Any, MetricContext], Any]] = {
    "stats": lambda score, ctx: _evaluators().StatsEvaluator(score),
    "freq": lambda score, ctx: _evaluators().FrequencyEvaluator(score),
    "kl": lambda score, ctx: _evaluators().KDEDistanceEvaluator(score, ctx.reference, "kl"),
    "js": lambda score, ctx: _evaluators().KDEDistanceEvaluator(score, ctx.reference, "js"),
    "cs": lambda score, ctx: _evaluators().KDEDistanceEvaluator(score, ctx.reference, "cs"),
    "frechet": lambda score, ctx: _evaluators().FrechetDistanceEvaluator(score, ctx.reference),
    "wasserstein": lambda score, ctx: _evaluators().WassersteinDistanceEvaluator(
        score, ctx.reference
    ),
}


def resolve_metrics(
    names: Sequence[str],
    reference: list[Dialog] | None = None,
    judge_model: Any = None,
    seed: int = 0,
) -> list[Any]:
    """Dataset evaluators for metric names (see the module docstring); unknown names raise a
    ``ValueError`` listing the known ones.

    Example:
        >>> resolve_metrics(["freq:question-rate"])[0]
        FrequencyEvaluator(name='question-rate')
    """
    from sdialog.evaluators.base import DialogScore
    from sdialog.evaluators.dataset import DatasetEvaluator

    evaluators = []
    for raw in names:
        name = raw.strip()
        prefix, _, base = name.rpartition(":")
        if prefix and prefix not in _PREFIXES:
            raise ValueError(f"unknown prefix {prefix!r} in {name!r}; known: {sorted(_PREFIXES)}")
        if base not in METRICS:
            raise ValueError(
                f"unknown metric {base!r}; known metrics: {', '.join(sorted(METRICS))}"
            )
        made = METRICS[base](MetricContext(reference, judge_model, seed, name))
        if isinstance(made, DatasetEvaluator):
            if prefix:
                raise ValueError(f"{base!r} is not a per-dialog score; {prefix}: does not apply")
            evaluators.append(made)
        elif isinstance(made, DialogScore):
            ctx = MetricContext(reference, judge_model, seed, name)
            wrap = _PREFIXES.get(prefix, lambda s, c: _evaluators().MeanEvaluator(s))
            evaluators.append(wrap(made, ctx))
        else:
            raise TypeError(f"the factory of {base!r} made a {type(made).__name__}")
    return evaluators
