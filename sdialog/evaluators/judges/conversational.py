"""Conversational judges (beyond SDialog): 1–5 ratings of how a whole conversation went.

Each is an :class:`~sdialog.evaluators.LLMJudgeScore` on a 1..5 scale with its own packaged prompt
(so on a local model the value is the expected score from log-probabilities). Inputs a dialog
lacks (a goal, topics, a role) make that judgment fail with a recorded error (``None``).

- :class:`LLMJudgeConversationCompleteness`: were the user's requests all handled?
- :class:`LLMJudgeKnowledgeRetention`: does the assistant remember what it was told?
- :class:`LLMJudgeRoleAdherence`: does a speaker stay in its role (given, or its persona's)?
- :class:`LLMJudgeTopicAdherence`: does the talk stay within the allowed topics?
- :class:`LLMJudgeGoalAccuracy`: was the conversation's goal achieved, correctly?

Example:
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.llm import ScriptedBackend
    >>> judge = LLMJudgeGoalAccuracy(goal="book a table", model=ScriptedBackend(['{"score": 5}']))
    >>> judge(Dialog(turns=[Turn("User", "A table for 2?"), Turn("Bot", "Booked for 8 pm.")]))
    5
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sdialog.evaluators.judges.base import JudgeInputError, _SpeakerJudge
from sdialog.evaluators.judges.score import LLMJudgeScore
from sdialog.evaluators.judges.yesno import persona_text

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog import Dialog


def _context_field(dialog: Dialog, field: str) -> Any:
    context = dialog.context
    if context is None or isinstance(context, str):
        return None
    return getattr(context, field, None)


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


class _Likert(_SpeakerJudge, LLMJudgeScore):
    """A 1..5 judge with a packaged prompt; ``speaker`` names the judged speaker (optional)."""

    def __init__(
        self, prompt_template: str | None = None, *, speaker: str | None = None, **kw: Any
    ):
        super().__init__(
            prompt_template, speaker=speaker, min_score=1, max_score=5, score_type=int, **kw
        )


class LLMJudgeConversationCompleteness(_Likert):
    """How completely the user's requests were handled (1..5); ``user`` names the user speaker.

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> LLMJudgeConversationCompleteness(user="Ann", model=ScriptedBackend(["{}"])).user
        'Ann'
    """

    name: ClassVar[str] = "conversation-completeness"
    default_template: ClassVar[str | None] = "judges/conversation_completeness.j2"

    def __init__(self, prompt_template: str | None = None, *, user: str | None = None, **kw: Any):
        super().__init__(prompt_template, **kw)
        self.user = user

    def _variables(self, dialog: Dialog) -> dict[str, Any]:
        return {**super()._variables(dialog), "user": self.user}


class LLMJudgeKnowledgeRetention(_Likert):
    """How well ``speaker`` (default: the assistant) keeps earlier information (1..5).

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> LLMJudgeKnowledgeRetention(model=ScriptedBackend(["{}"])).name
        'knowledge-retention'
    """

    name: ClassVar[str] = "knowledge-retention"
    default_template: ClassVar[str | None] = "judges/knowledge_retention.j2"


class LLMJudgeRoleAdherence(_Likert):
    """How consistently ``speaker`` stays in its role (1..5).

    The role is ``role`` when given, else the speaker's persona from ``dialog.personas``.

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> judge = LLMJudgeRoleAdherence(role="a clerk", model=ScriptedBackend(["{}"]))
        >>> judge.role
        'a clerk'
    """

    name: ClassVar[str] = "role-adherence"
    default_template: ClassVar[str | None] = "judges/role_adherence.j2"

    def __init__(
        self,
        prompt_template: str | None = None,
        *,
        speaker: str | None = None,
        role: str | None = None,
        **kw: Any,
    ):
        super().__init__(prompt_template, speaker=speaker, **kw)
        self.role = role

    def _variables(self, dialog: Dialog) -> dict[str, Any]:
        from sdialog.evaluators.judges.yesno import speaker_persona

        if self.role is not None:
            speaker, role = self.speaker or "the assistant", self.role
        else:
            speaker, role = speaker_persona(dialog, self.speaker)
        return {**super()._variables(dialog), "speaker": speaker, "role": persona_text(role)}


class LLMJudgeTopicAdherence(_Likert):
    """How well the conversation (or ``speaker``) stays within ``topics`` (1..5).

    ``topics`` defaults to the dialog's ``context.topics``.

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> LLMJudgeTopicAdherence(topics="refunds", model=ScriptedBackend(["{}"])).topics
        ['refunds']
    """

    name: ClassVar[str] = "topic-adherence"
    default_template: ClassVar[str | None] = "judges/topic_adherence.j2"

    def __init__(self, prompt_template: str | None = None, *, topics: Any = None, **kw: Any):
        super().__init__(prompt_template, **kw)
        self.topics = _as_list(topics) or None

    def _variables(self, dialog: Dialog) -> dict[str, Any]:
        topics = self.topics or _as_list(_context_field(dialog, "topics"))
        if not topics:
            raise JudgeInputError("no topics: pass topics= or set the dialog's context.topics")
        return {**super()._variables(dialog), "topics": topics}


class LLMJudgeGoalAccuracy(_Likert):
    """How accurately the conversation's goal was achieved (1..5).

    ``goal`` defaults to the dialog's ``context.goals``, else a ``"goal"`` key of its scenario.

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> LLMJudgeGoalAccuracy(goal="refund order 7", model=ScriptedBackend(["{}"])).goal
        'refund order 7'
    """

    name: ClassVar[str] = "goal-accuracy"
    default_template: ClassVar[str | None] = "judges/goal_accuracy.j2"

    def __init__(self, prompt_template: str | None = None, *, goal: str | None = None, **kw: Any):
        super().__init__(prompt_template, **kw)
        self.goal = goal

    def _variables(self, dialog: Dialog) -> dict[str, Any]:
        goal = self.goal or "; ".join(_as_list(_context_field(dialog, "goals")))
        if not goal and isinstance(dialog.scenario, dict):
            goal = str(dialog.scenario.get("goal") or "")
        if not goal:
            raise JudgeInputError("no goal: pass goal= or set the dialog's context.goals")
        return {**super()._variables(dialog), "goal": goal}
