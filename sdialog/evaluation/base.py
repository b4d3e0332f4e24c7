"""SDialog's ``sdialog.evaluation.base`` names (base classes and judge outputs), over
:mod:`sdialog.evaluators`.

Example:
    >>> from sdialog.evaluation.base import BaseDialogScore
    >>> from sdialog.evaluators import DialogScore
    >>> BaseDialogScore is DialogScore
    True
"""

from __future__ import annotations

from sdialog.evaluation import LLMJudgeScoreOutput, LLMJudgeYesNoOutput
from sdialog.evaluators.base import DialogScore as BaseDialogScore
from sdialog.evaluators.dataset import DatasetEvaluator as BaseDatasetEvaluator
from sdialog.evaluators.dataset import ScoreEvaluator as BaseDatasetScoreEvaluator
from sdialog.evaluators.judges import LLMJudge as BaseLLMJudge

__all__ = [
    "BaseDatasetEvaluator",
    "BaseDatasetScoreEvaluator",
    "BaseDialogScore",
    "BaseLLMJudge",
    "LLMJudgeScoreOutput",
    "LLMJudgeYesNoOutput",
]
