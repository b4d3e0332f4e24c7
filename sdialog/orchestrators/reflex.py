""":class:`SimpleReflexOrchestrator`: when a condition holds, give an instruction.

Example:
    >>> from sdialog.dialog import Dialog, Turn
    >>> o = SimpleReflexOrchestrator(lambda u: "refund" in u.lower(), "Ask for the order number.")
    >>> d = Dialog(turns=[Turn("User", "I want a refund.")])
    >>> o.instruct(d, d[-1].text)
    'Ask for the order number.'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sdialog.dialog import Dialog
from sdialog.orchestrators.base import BaseOrchestrator, OrchestratorOutput, _call, _takes_two

__all__ = ["SimpleReflexOrchestrator"]


class SimpleReflexOrchestrator(BaseOrchestrator):
    """Give ``instruction`` whenever ``condition`` holds for the other speaker's last utterance.

    ``condition`` is ``callable(utterance) -> bool`` or ``callable(dialog, utterance) -> bool``
    (told apart by its signature: two required positional parameters mean the second form). A
    one-argument condition is not called when there is no utterance (the owner speaks first); a
    two-argument one always is, with ``utterance=None`` then. ``instruction`` is a string or a
    callable of the same two shapes returning a string, an :class:`~sdialog.dialog.Instruction`
    or ``None``.

    Example:
        >>> from sdialog.dialog import Dialog, Turn
        >>> long_talk = SimpleReflexOrchestrator(
        ...     lambda dialog, utterance: len(dialog) >= 2,
        ...     lambda utterance: f"Summarise: {utterance}",
        ... )
        >>> d = Dialog(turns=[Turn("Bot", "Hi"), Turn("User", "My card was declined.")])
        >>> long_talk.instruct(d, d[-1].text)
        'Summarise: My card was declined.'
        >>> long_talk.instruct(d[:1], None) is None
        True
    """

    def __init__(
        self,
        condition: Callable[..., Any],
        instruction: str | Callable[..., Any],
        target_speaker: str | None = None,
    ) -> None:
        if not callable(condition):
            raise TypeError(
                "condition must be callable(utterance) or callable(dialog, utterance); "
                f"got {type(condition).__name__}"
            )
        if not (isinstance(instruction, str) or callable(instruction)):
            raise TypeError(
                f"instruction must be a string or a callable; got {type(instruction).__name__}"
            )
        super().__init__(target_speaker)
        self.condition = condition
        self.instruction = instruction
        self._condition_two = _takes_two(condition)
        self._instruction_two = callable(instruction) and _takes_two(instruction)

    def instruct(self, dialog: Dialog, utterance: str | None) -> OrchestratorOutput:
        """The instruction when the condition holds, else ``None``.

        Example:
            >>> from sdialog.dialog import Dialog
            >>> SimpleReflexOrchestrator(str.isupper, "Stay calm.").instruct(Dialog(), "WHY")
            'Stay calm.'
        """
        if utterance is None and not self._condition_two:
            return None
        if not _call(self.condition, self._condition_two, dialog, utterance):
            return None
        if isinstance(self.instruction, str):
            return self.instruction
        return _call(self.instruction, self._instruction_two, dialog, utterance)
