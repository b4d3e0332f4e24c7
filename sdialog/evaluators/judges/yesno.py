"""Yes/no judges: the generic :class:`LLMJudgeYesNo` and the ready-made ones built on it.

``score(dialog)`` returns ``True``/``False`` (``None`` when the judgment failed), so a mean over a
dataset is the fraction of "yes". On a local model the verdict comes from log-probabilities and
``judge(dialog).probability`` is P(yes) normalised over the yes/no answer tokens.

Example:
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.llm import ScriptedBackend
    >>> judge = LLMJudgeRefusal(model=ScriptedBackend(['{"answer": "no"}']))
    >>> judge(Dialog(turns=[Turn("User", "Time?"), Turn("Bot", "It is 5 pm.")]))
    False
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, Field, create_model

from sdialog.evaluators.judges.base import (
    JudgeInputError,
    Judgment,
    LLMJudge,
    _SpeakerJudge,
    softmax,
)

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog import Dialog

_YES_NO = ["Yes", "No", "yes", "no"]


class LLMJudgeYesNo(LLMJudge):
    """Ask a yes/no question about each dialog.

    Args:
        prompt_template: the question (Jinja2; ``{{ dialog }}`` is the transcript).
        reason: also return an explanation (``judge(dialog).reason``).
        model: model string or backend; ``**llm_kwargs`` and the rest: see :class:`LLMJudge`.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> from sdialog.llm import ScriptedBackend
        >>> backend = ScriptedBackend(['{"reason": "It greets.", "answer": "yes"}'])
        >>> judge = LLMJudgeYesNo("Does it greet?\\n{{ dialog }}", reason=True, model=backend)
        >>> j = judge.judge(Dialog(turns=[Turn("A", "Hello!")]))
        >>> j.value, j.reason
        (True, 'It greets.')
    """

    name: ClassVar[str] = "llm-judge-yes-no"

    def _candidates(self) -> list[str]:
        return list(_YES_NO)

    def _from_logprobs(self, logprobs: list[float]) -> dict[str, Any]:
        p = softmax(logprobs)
        p_yes = p[0] + p[2]
        return {"value": p_yes > 0.5, "probability": p_yes}

    def _answer_format(self, logprob: bool, n: int) -> str:
        from sdialog.prompts import render

        return render("judges/answer_yes_no.j2", logprob=logprob, reason=self.reason)

    def _schema(self, n: int) -> type[BaseModel]:
        fields: dict[str, Any] = {}
        if self.reason:
            fields["reason"] = (str, Field(description="one or two sentences"))
        fields["answer"] = (Literal["yes", "no"], Field(description="the verdict"))
        return create_model("YesNoAnswer", **fields)

    def _from_parsed(self, parsed: Any, n: int) -> list[dict[str, Any]]:
        return [{"value": parsed.answer == "yes", "reason": getattr(parsed, "reason", None)}]

    def _answer_text(self, judgment: Judgment) -> str:
        return "Yes" if judgment.value else "No"


class LLMJudgeRealDialog(LLMJudgeYesNo):
    """Is the dialog a real conversation between people (``True``) or machine-made?

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> LLMJudgeRealDialog(model=ScriptedBackend(['{"answer": "yes"}'])).name
        'real-dialog'
    """

    name: ClassVar[str] = "real-dialog"
    default_template: ClassVar[str | None] = "judges/real_dialog.j2"


class LLMJudgeRefusal(_SpeakerJudge, LLMJudgeYesNo):
    """Does ``speaker`` (default: "the assistant") refuse or avoid doing what was asked?

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> LLMJudgeRefusal(speaker="Bot", model=ScriptedBackend(['{"answer": "no"}'])).speaker
        'Bot'
    """

    name: ClassVar[str] = "refusal"
    default_template: ClassVar[str | None] = "judges/refusal.j2"


def persona_text(persona: Any) -> str:
    """A persona (object, JSON dict or text) as ``field: value`` lines, empty fields left out.

    Example:
        >>> print(persona_text({"name": "Ann", "age": 30, "role": "", "_metadata": {"id": "x"}}))
        name: Ann
        age: 30
    """
    if isinstance(persona, str):
        return persona.strip()
    if hasattr(persona, "json") and not isinstance(persona, dict):
        persona = persona.json()
    if not isinstance(persona, dict):
        raise JudgeInputError(f"persona must be a persona object, a dict or text, got {persona!r}")
    lines = [
        f"{key}: {value}"
        for key, value in persona.items()
        if not key.startswith("_") and value not in (None, "", [], {})
    ]
    return "\n".join(lines)


def speaker_persona(dialog: Dialog, speaker: str | None, persona: Any = None) -> tuple[str, str]:
    """``(speaker, persona text)``: the given persona, else the speaker's from ``dialog.personas``
    (with no speaker named, the dialog's only persona).

    Raises:
        JudgeInputError: the dialog has no persona for the speaker (or several and none named).
    """
    if persona is not None:
        return speaker or "the speaker", persona_text(persona)
    personas = dialog.personas or {}
    if speaker is None:
        if len(personas) != 1:
            raise JudgeInputError(
                f"name the judged speaker: the dialog has {len(personas)} personas "
                f"({', '.join(personas) or 'none'})"
            )
        speaker = next(iter(personas))
    if speaker not in personas:
        raise JudgeInputError(
            f"dialog has no persona for speaker {speaker!r} "
            f"(personas: {', '.join(personas) or 'none'})"
        )
    return speaker, persona_text(personas[speaker])


class LLMJudgePersonaAttributes(_SpeakerJudge, LLMJudgeYesNo):
    """Does ``speaker`` behave consistently with its persona?

    The persona is ``persona`` when given, else ``dialog.personas[speaker]``; a dialog without it
    gives a failed judgment (``None``, error recorded), not an exception.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> from sdialog.llm import ScriptedBackend
        >>> backend = ScriptedBackend(['{"answer": "yes"}'])
        >>> judge = LLMJudgePersonaAttributes(speaker="Ann", model=backend)
        >>> d = Dialog(turns=[Turn("Ann", "I'm 30.")], personas={"Ann": {"name": "Ann", "age": 30}})
        >>> judge(d), judge(Dialog(turns=[Turn("Ann", "Hi")])), len(judge.errors)
        (True, None, 1)
    """

    name: ClassVar[str] = "persona-attributes"
    default_template: ClassVar[str | None] = "judges/persona_attributes.j2"

    def __init__(
        self,
        prompt_template: str | None = None,
        *,
        speaker: str | None = None,
        persona: Any = None,
        **kw: Any,
    ):
        super().__init__(prompt_template, speaker=speaker, **kw)
        self.persona = persona_text(persona) if persona is not None else None

    def _variables(self, dialog: Dialog) -> dict[str, Any]:
        speaker, persona = speaker_persona(dialog, self.speaker, self.persona)
        return {**super()._variables(dialog), "speaker": speaker, "persona": persona}
