""":class:`LengthOrchestrator`: keep the owner talking for at least ``min`` turns and make it
end by its ``max``-th turn.

Example:
    >>> from sdialog.dialog import Dialog, Turn
    >>> o = LengthOrchestrator(min=2, max=3, target_speaker="Bot")
    >>> o.instruct(Dialog(), None) == LengthOrchestrator.KEEP_GOING
    True
"""

from __future__ import annotations

from sdialog.dialog import Dialog
from sdialog.orchestrators.base import BaseOrchestrator, OrchestratorOutput

__all__ = ["LengthOrchestrator"]


class LengthOrchestrator(BaseOrchestrator):
    """Bound the owner's number of turns: not before ``min``, at the latest at ``max``.

    Let ``n`` be the owner's turns already in the dialog, so the reply being written is turn
    ``n + 1``. Then :meth:`instruct` returns

    - :attr:`KEEP_GOING` ("do not end yet") while ``n + 1 < min``: the owner may end from its
      ``min``-th turn on;
    - :attr:`WRAP_UP` ("end the conversation now") when ``n + 1 >= max``: the ``max``-th turn is
      meant to be its last;
    - ``None`` otherwise.

    With ``min=3, max=5`` the owner's turns 1 and 2 get KEEP_GOING, 3 and 4 nothing, 5 (and any
    later one) WRAP_UP. Turns are counted in the dialog itself, so the orchestrator has no state.
    Whose turns count is :meth:`~BaseOrchestrator.owner`.

    Example:
        >>> from sdialog.dialog import Dialog, Turn
        >>> o = LengthOrchestrator(max=2, target_speaker="Bot")
        >>> d = Dialog(turns=[Turn("Bot", "Hi!"), Turn("User", "Hello.")])
        >>> o.instruct(d, d[-1].text) == LengthOrchestrator.WRAP_UP
        True
    """

    KEEP_GOING = "Do not end the conversation yet: keep it going with a relevant reply or question."
    WRAP_UP = "Wrap up now: make this your last turn and end the conversation politely."

    def __init__(
        self, min: int | None = None, max: int | None = None, target_speaker: str | None = None
    ) -> None:
        for label, value in (("min", min), ("max", max)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise ValueError(f"{label} must be a positive integer or None; got {value!r}")
        if min is None and max is None:
            raise ValueError("give min, max or both")
        if min is not None and max is not None and min > max:
            raise ValueError(f"min must not exceed max; got min={min}, max={max}")
        super().__init__(target_speaker)
        self.min = min
        self.max = max

    def instruct(self, dialog: Dialog, utterance: str | None) -> OrchestratorOutput:
        """:attr:`KEEP_GOING`, :attr:`WRAP_UP` or ``None`` for the owner's next turn.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> d = Dialog(turns=[Turn("Bot", "Hi!"), Turn("User", "Hello.")])
            >>> LengthOrchestrator(min=2, target_speaker="Bot").instruct(d, "Hello.") is None
            True
        """
        turn = len(self.agent_turns(dialog)) + 1
        if self.max is not None and turn >= self.max:
            return self.WRAP_UP
        if self.min is not None and turn < self.min:
            return self.KEEP_GOING
        return None
