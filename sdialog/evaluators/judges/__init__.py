"""LLM judges: yes/no, scores on a scale, conversational ratings and pairwise comparison.

Every judge is a :class:`~sdialog.evaluators.DialogScore`: ``judge(dialog)`` returns a plain
value (bool or number; ``None`` when the judgment failed) and ``judge.judge(dialog)`` the full
:class:`Judgment` (reason, probabilities, error, raw reply). See ``docs/judges.md``.

Example:
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.llm import ScriptedBackend
    >>> judge = LLMJudgeRealDialog(model=ScriptedBackend(['{"answer": "no"}']))
    >>> judge(Dialog(turns=[Turn("A", "Hi")]))
    False
"""

from __future__ import annotations

from sdialog.evaluators.judges.base import JUDGE_PARAMS, JudgeInputError, Judgment, LLMJudge
from sdialog.evaluators.judges.conversational import (
    LLMJudgeConversationCompleteness,
    LLMJudgeGoalAccuracy,
    LLMJudgeKnowledgeRetention,
    LLMJudgeRoleAdherence,
    LLMJudgeTopicAdherence,
)
from sdialog.evaluators.judges.pairwise import PairwiseJudge, PairwiseResult
from sdialog.evaluators.judges.score import (
    LLMJudgeRealDialogLikertScore,
    LLMJudgeRealDialogScore,
    LLMJudgeScore,
)
from sdialog.evaluators.judges.yesno import (
    LLMJudgePersonaAttributes,
    LLMJudgeRealDialog,
    LLMJudgeRefusal,
    LLMJudgeYesNo,
)

__all__ = [
    "JUDGE_PARAMS",
    "JudgeInputError",
    "Judgment",
    "LLMJudge",
    "LLMJudgeConversationCompleteness",
    "LLMJudgeGoalAccuracy",
    "LLMJudgeKnowledgeRetention",
    "LLMJudgePersonaAttributes",
    "LLMJudgeRealDialog",
    "LLMJudgeRealDialogLikertScore",
    "LLMJudgeRealDialogScore",
    "LLMJudgeRefusal",
    "LLMJudgeRoleAdherence",
    "LLMJudgeScore",
    "LLMJudgeTopicAdherence",
    "LLMJudgeYesNo",
    "PairwiseJudge",
    "PairwiseResult",
]
