""":class:`InstructionListOrchestrator`: a scripted instruction for each of the owner's turns.

Example:
    >>> from sdialog.dialog import Dialog, Turn
    >>> o = InstructionListOrchestrator(["Greet the user.", "Ask for their name."])
    >>> o.instruct(Dialog(), None)
    'Greet the user.'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sdialog.dialog import Dialog, Instruction
from sdialog.orchestrators.base import BaseOrchestrator, OrchestratorOutput

__all__ = ["InstructionListOrchestrator"]

_Item = str | Instruction | None


class InstructionListOrchestrator(BaseOrchestrator):
    """Give the ``i``-th instruction at the owner's ``i``-th turn (counted from 0).

    ``instructions`` is a list (``None`` items give nothing at that turn) or a dict
    ``turn_index -> instruction`` (keys may be digit strings, as after a JSON round-trip). The
    index is the number of turns the owner already has in the dialog, so the orchestrator has no
    state. With ``persistent=True`` the instructions stay in the agent's memory.

    Example:
        >>> from sdialog.dialog import Dialog, Turn
        >>> o = InstructionListOrchestrator({1: "Offer a discount."}, target_speaker="Bot")
        >>> d = Dialog(turns=[Turn("Bot", "Hello!"), Turn("User", "Hi.")])
        >>> o.instruct(d, "Hi."), o.instruct(d[:0], None)
        ('Offer a discount.', None)
    """

    def __init__(
        self,
        instructions: Sequence[_Item] | Mapping[int | str, _Item],
        persistent: bool = False,
        target_speaker: str | None = None,
    ) -> None:
        if isinstance(instructions, str):
            raise TypeError("instructions must be a list or a dict, not a single string")
        if isinstance(instructions, Mapping):
            table = {}
            for key, value in instructions.items():
                index = int(key) if isinstance(key, str) and key.isdigit() else key
                if isinstance(index, bool) or not isinstance(index, int) or index < 0:
                    raise ValueError(
                        f"instruction keys must be turn indices (integers >= 0); got {key!r}"
                    )
                table[index] = value
            instructions = dict(sorted(table.items()))
        else:
            instructions = list(instructions)
        for value in instructions.values() if isinstance(instructions, dict) else instructions:
            if not (value is None or isinstance(value, (str, Instruction))):
                raise TypeError(
                    f"each instruction must be a string, an Instruction or None; got {value!r}"
                )
        super().__init__(target_speaker)
        self.instructions = instructions
        self.persistent = bool(persistent)

    def instruct(self, dialog: Dialog, utterance: str | None) -> OrchestratorOutput:
        """The instruction for the owner's next turn, or ``None``.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> o = InstructionListOrchestrator(["a", "b"], target_speaker="X")
            >>> o.instruct(Dialog(turns=[Turn("X", "1"), Turn("Y", "2")]), "2")
            'b'
        """
        index = len(self.agent_turns(dialog))
        if isinstance(self.instructions, dict):
            return self.instructions.get(index)
        return self.instructions[index] if index < len(self.instructions) else None
