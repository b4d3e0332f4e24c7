"""Evaluation: per-dialog scores, LLM judges, validators, dataset evaluators and comparison.

Every per-dialog score has one call shape: ``score(dialog)`` and ``score.batch(dialogs)``
(see :class:`DialogScore`). Dataset evaluators (``MeanEvaluator(score)``, distribution
distances, ...) turn a set of dialogs into numbers; :class:`Comparator` runs them over several
datasets into one tidy table with bootstrap confidence intervals. See ``docs/evaluators.md``.
Names are imported on first use: importing this package loads no numpy, pandas or torch.

Example:
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.evaluators import DialogScore, MeanTurnLength
    >>> MeanTurnLength()(Dialog(turns=[Turn("A", "Hello there"), Turn("B", "Hi")]))
    1.5
    >>> issubclass(MeanTurnLength, DialogScore)
    True
"""

from __future__ import annotations

from sdialog._lazy import lazy_exports
from sdialog.evaluators.base import DialogScore, ScoreValue

_LAZY: dict[str, str] = {}
# LLM judges, score cache, judge-human agreement (imported on first use)
_LAZY.update(
    dict.fromkeys(
        [
            "Judgment",
            "JudgeInputError",
            "LLMJudge",
            "LLMJudgeYesNo",
            "LLMJudgeScore",
            "LLMJudgeRealDialog",
            "LLMJudgeRealDialogLikertScore",
            "LLMJudgeRealDialogScore",
            "LLMJudgeRefusal",
            "LLMJudgePersonaAttributes",
            "LLMJudgeConversationCompleteness",
            "LLMJudgeKnowledgeRetention",
            "LLMJudgeRoleAdherence",
            "LLMJudgeTopicAdherence",
            "LLMJudgeGoalAccuracy",
            "PairwiseJudge",
            "PairwiseResult",
        ],
        "sdialog.evaluators.judges",
    )
)
_LAZY.update(dict.fromkeys(["ScoreCache", "dialog_hash"], "sdialog.evaluators.cache"))
_LAZY.update(
    dict.fromkeys(
        ["AgreementReport", "agreement", "cohen_kappa", "spearman"], "sdialog.evaluators.agreement"
    )
)

# metrics, validators, flow, embeddings, dataset evaluators, comparison (imported on first use)
_LAZY.update(
    dict.fromkeys(
        [
            "BackchannelRate",
            "ConversationalFeatures",
            "FillerWordDensity",
            "HesitationRate",
            "LexicalDiversity",
            "MeanTurnLength",
            "QuestionRate",
            "TurnLength",
            "TurnTakingRatio",
        ],
        "sdialog.evaluators.features",
    )
)
_LAZY.update(
    dict.fromkeys(
        [
            "ColemanLiau",
            "DaleChall",
            "FleschReadingEase",
            "GunningFog",
            "LinsearWrite",
            "ReadabilityScore",
        ],
        "sdialog.evaluators.readability",
    )
)
_LAZY.update(
    dict.fromkeys(["ToolSequenceResult", "ToolSequenceValidator"], "sdialog.evaluators.tools")
)
_LAZY.update(
    dict.fromkeys(
        ["DialogFlowGraph", "DialogFlowPPL", "DialogFlowScore"], "sdialog.evaluators.flow"
    )
)
_LAZY.update(
    dict.fromkeys(
        [
            "FrechetBERTDistanceEvaluator",
            "PrecisionRecallDistanceEvaluator",
            "ReferenceCentroidEmbeddingEvaluator",
            "SentenceTransformerDialogEmbedder",
        ],
        "sdialog.evaluators.embedding",
    )
)
_LAZY.update(
    dict.fromkeys(
        ["FrechetDistanceEvaluator", "KDEDistanceEvaluator", "WassersteinDistanceEvaluator"],
        "sdialog.evaluators.distribution",
    )
)
_LAZY.update(
    dict.fromkeys(
        [
            "DatasetEvaluator",
            "FrequencyEvaluator",
            "MeanEvaluator",
            "StatsEvaluator",
            "load_dialogs",
        ],
        "sdialog.evaluators.dataset",
    )
)
_LAZY.update(dict.fromkeys(["Comparator"], "sdialog.evaluators.comparator"))
_LAZY.update(dict.fromkeys(["METRICS", "resolve_metrics"], "sdialog.evaluators.registry"))

__all__ = ["DialogScore", "ScoreValue", *_LAZY]


__getattr__ = lazy_exports(__name__, _LAZY, extra="eval")
