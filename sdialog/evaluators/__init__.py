"""Evaluation: per-dialog scores, LLM judges, validators, dataset evaluators and comparison.

Every per-dialog score has one call shape: ``score(dialog)`` and ``score.batch(dialogs)``
(see :class:`DialogScore`).

Example:
    >>> from sdialog.evaluators import DialogScore
    >>> issubclass(DialogScore, object)
    True
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

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

__all__ = ["DialogScore", "ScoreValue", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sdialog.evaluators' has no attribute {name!r}")
