""":class:`ChangeMindOrchestrator`: now and then, make the owner change its mind.

Example:
    >>> from sdialog.dialog import Dialog, Turn
    >>> o = ChangeMindOrchestrator(probability=1.0, reasons=["it is too expensive"])
    >>> d = Dialog(turns=[Turn("Customer", "I'll take the blue one."), Turn("Clerk", "Sure.")])
    >>> o.instruct(d, d[-1].text).endswith("Reason: it is too expensive.")
    True
    >>> o.instruct(d, d[-1].text) is None   # max_times=1
    True
"""

from __future__ import annotations

from collections.abc import Sequence

from sdialog.dialog import Dialog
from sdialog.orchestrators.base import BaseOrchestrator, OrchestratorOutput

__all__ = ["ChangeMindOrchestrator"]


class ChangeMindOrchestrator(BaseOrchestrator):
    """With probability ``probability`` per turn, tell the owner to change its mind.

    The draw uses the orchestrator's local seeded ``rng`` (see :meth:`reset`), so a seed gives
    the same turns every time. The owner is never told more than ``max_times`` times per dialog
    (``None``: no limit), and never before it has said anything (there is nothing to change yet).
    With ``reasons`` (a string or a list), one is picked at random and appended as the reason.

    Example:
        >>> from sdialog.dialog import Dialog, Turn
        >>> d = Dialog(turns=[Turn("A", "Yes."), Turn("B", "Great.")])
        >>> o = ChangeMindOrchestrator(probability=0.5, max_times=None)
        >>> o.reset(seed=1); first = [o.instruct(d, "Great.") is not None for _ in range(6)]
        >>> o.reset(seed=1); again = [o.instruct(d, "Great.") is not None for _ in range(6)]
        >>> first == again
        True
    """

    INSTRUCTION = (
        "Change your mind about something you said or decided earlier in this conversation."
    )

    def __init__(
        self,
        probability: float = 0.3,
        reasons: str | Sequence[str] | None = None,
        max_times: int | None = 1,
        target_speaker: str | None = None,
    ) -> None:
        if isinstance(probability, bool) or not 0.0 <= float(probability) <= 1.0:
            raise ValueError(f"probability must be between 0 and 1; got {probability!r}")
        if max_times is not None and (
            isinstance(max_times, bool) or not isinstance(max_times, int) or max_times < 0
        ):
            raise ValueError(f"max_times must be a non-negative integer or None; got {max_times!r}")
        if isinstance(reasons, str):
            reasons = [reasons]
        elif reasons is not None:
            reasons = list(reasons)
            if not all(isinstance(reason, str) for reason in reasons):
                raise TypeError("reasons must be a string or a list of strings")
        super().__init__(target_speaker)
        self.probability = float(probability)
        self.reasons = reasons or None
        self.max_times = max_times
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        """Reseed ``rng`` and forget how many times the owner changed its mind.

        Example:
            >>> o = ChangeMindOrchestrator(probability=1.0)
            >>> o.times = 1; o.reset(); o.times
            0
        """
        super().reset(seed)
        self.times = 0

    def instruct(self, dialog: Dialog, utterance: str | None) -> OrchestratorOutput:
        """The change-of-mind instruction (with a random reason) or ``None``.

        Example:
            >>> from sdialog.dialog import Dialog
            >>> ChangeMindOrchestrator(probability=1.0).instruct(Dialog(), None) is None
            True
        """
        if self.max_times is not None and self.times >= self.max_times:
            return None
        if not self.agent_turns(dialog):
            return None
        if self.rng.random() >= self.probability:
            return None
        self.times += 1
        if not self.reasons:
            return self.INSTRUCTION
        reason = self.rng.choice(self.reasons).strip().rstrip(".")
        return f"{self.INSTRUCTION} Reason: {reason}."
