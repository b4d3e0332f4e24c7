"""The orchestrator contract: :class:`BaseOrchestrator` and :class:`BasePersistentOrchestrator`.

An orchestrator steers one agent (its *owner*) from outside the agent's prompt. Before the owner
writes each reply, the agent calls :meth:`~BaseOrchestrator.instruct` with the dialog so far and
the other speaker's last utterance; for tool activity (and any other event the agent records) it
calls :meth:`~BaseOrchestrator.on_event`. Both return an instruction (a ``str`` or an
:class:`~sdialog.dialog.Instruction`) or ``None`` for "nothing to say".

Instructions of a *persistent* orchestrator stay in the agent's memory for the rest of the
dialog (the agent keeps one copy of identical persistent instructions); the others apply to the
next reply only.

Example:
    >>> from sdialog.dialog import Dialog, Turn
    >>> class Polite(BaseOrchestrator):
    ...     def instruct(self, dialog, utterance):
    ...         return "Say thank you." if utterance and "please" in utterance else None
    >>> d = Dialog(turns=[Turn("User", "Help me, please.")])
    >>> Polite().instruct(d, d[-1].text)
    'Say thank you.'
"""

from __future__ import annotations

import copy
import inspect
import json
import os
import random
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from sdialog.config import get_seed
from sdialog.dialog import Dialog, Event, Instruction, Turn
from sdialog.orchestrators.compat import SDialogOrchestratorAPI

__all__ = ["BaseOrchestrator", "BasePersistentOrchestrator", "OrchestratorOutput"]

OrchestratorOutput = str | Instruction | None
"""What :meth:`BaseOrchestrator.instruct` and :meth:`BaseOrchestrator.on_event` return."""


class BaseOrchestrator(SDialogOrchestratorAPI):
    """Base of every orchestrator: override :meth:`instruct`, :meth:`on_event`, or both.

    ``target_speaker`` is the owning agent's speaker name (the agent fills it in when it is
    ``None`` and the orchestrator is attached); without it the owner is inferred from the dialog
    (see :meth:`agent_turns`). Each orchestrator has a local ``random.Random`` in ``self.rng``,
    seeded by :meth:`reset` (``sdialog.config.get_seed()`` when no seed is given); global random
    state is never used. Settings are the constructor arguments, kept under the same attribute
    names; :meth:`json` reports them.

    Subclasses with per-dialog state (counters, memory) create it in :meth:`reset`, calling
    ``super().reset(seed)``, so that :meth:`fork` gives every copy its own.

    Example:
        >>> from sdialog.dialog import Dialog, Turn
        >>> class Echo(BaseOrchestrator):
        ...     def instruct(self, dialog, utterance):
        ...         return None if utterance is None else f"Repeat: {utterance}"
        >>> Echo().instruct(Dialog(turns=[Turn("A", "hi")]), "hi")
        'Repeat: hi'
        >>> Echo(target_speaker="B").json()
        {'name': 'Echo', 'className': 'Echo', 'persistent': False, 'target_speaker': 'B'}
    """

    persistent: bool = False
    """Class attribute: ``True`` when instructions stay in the agent's memory for the dialog."""
    target_speaker: str | None = None

    def __init__(
        self,
        target_speaker: Any = None,
        *,
        persistent: bool | None = None,
        event_label: str | None = None,
        target_agent: Any = None,
    ) -> None:
        # SDialog's signature: (target_agent=None, persistent=None, event_label=None)
        if target_speaker is not None and not isinstance(target_speaker, str):
            target_agent, target_speaker = target_speaker, None
        if target_agent is not None:
            self.agent = target_agent
            target_speaker = target_speaker or getattr(target_agent, "name", None)
        self.target_speaker = target_speaker
        if persistent is not None:  # None keeps the class's value (never silently one-shot)
            self.persistent = bool(persistent)
        if event_label is not None:
            self.event_label = event_label
        BaseOrchestrator.reset(self)

    # ------------------------------------------------------------------------------ contract
    def instruct(self, dialog: Dialog, utterance: str | None) -> OrchestratorOutput:
        """Return an instruction for the owner's next reply, or ``None`` (the default).

        ``dialog`` is the dialog so far (turns and events); ``utterance`` is the other speaker's
        last turn, or ``None`` when the owner speaks first.

        Example:
            >>> BaseOrchestrator().instruct(Dialog(), None) is None
            True
        """
        return None

    def on_event(self, dialog: Dialog, event: Event) -> OrchestratorOutput:
        """React to an event of the owner (a tool call or output, ...); ``None`` by default.

        Example:
            >>> BaseOrchestrator().on_event(Dialog(), Event(action="tool", content={})) is None
            True
        """
        return None

    def reset(self, seed: int | None = None) -> None:
        """Clear per-dialog state and seed ``self.rng`` (``config.get_seed()`` when ``None``).

        Example:
            >>> o = BaseOrchestrator()
            >>> o.reset(7); a = o.rng.random(); o.reset(7)
            >>> o.rng.random() == a
            True
        """
        self.rng = random.Random(get_seed() if seed is None else seed)

    def fork(self, seed: int | None = None) -> BaseOrchestrator:
        """A copy for one more dialog (e.g. simulated in parallel), reset with ``seed``.

        The copy is shallow, so heavy members (an embedding model) are shared, but top-level
        lists, dicts and sets are copied and :meth:`reset` recreates per-dialog state, so
        nothing mutable is shared with the original.

        Example:
            >>> o = BaseOrchestrator(target_speaker="Bot")
            >>> f = o.fork(seed=3)
            >>> f is not o, f.target_speaker, f.rng is o.rng
            (True, 'Bot', False)
        """
        clone = copy.copy(self)
        for attribute, value in vars(clone).items():
            if isinstance(value, (list, dict, set)):
                setattr(clone, attribute, copy.copy(value))
        if _takes_seed(clone.reset):
            clone.reset(seed)
        else:  # SDialog-style reset(self): seed the rng here, then the subclass's own reset
            BaseOrchestrator.reset(clone, seed)
            clone.reset()
        return clone

    def json(self, string: bool = False) -> dict[str, Any] | str:
        """``name``, ``className``, ``persistent``, ``target_speaker`` and the settings.

        Settings are the constructor arguments found as attributes of the same name; callables
        appear as their qualified name and other non-JSON objects as their class name.

        Example:
            >>> BaseOrchestrator().json(string=True).splitlines()[1]
            '  "name": "BaseOrchestrator",'
        """
        data: dict[str, Any] = {
            "name": self.name,
            "className": type(self).__name__,
            "persistent": bool(self.persistent),
            "target_speaker": self.target_speaker,
        }
        for key, value in self._settings().items():
            data.setdefault(key, _json_safe(value))
        return json.dumps(data, indent=2, ensure_ascii=False) if string else data

    # ------------------------------------------------------------------------------ helpers
    def owner(self, dialog: Dialog) -> str | None:
        """The owning agent's speaker name: ``target_speaker``, else inferred from ``dialog``.

        Inference assumes the owner is about to answer the last turn: the owner is the first
        speaker (in order of appearance) who is not the last turn's speaker, or ``None`` when
        there is none yet.

        Example:
            >>> d = Dialog(turns=[Turn("Bot", "Hi!"), Turn("User", "Hello.")])
            >>> BaseOrchestrator().owner(d), BaseOrchestrator("User").owner(d)
            ('Bot', 'User')
        """
        if self.target_speaker is not None or not dialog.turns:
            return self.target_speaker
        last = dialog.turns[-1].speaker
        return next((t.speaker for t in dialog.turns if t.speaker != last), None)

    def agent_turns(self, dialog: Dialog) -> list[Turn]:
        """The owner's turns in ``dialog`` (see :meth:`owner`); ``[]`` when the owner is unknown.

        Example:
            >>> d = Dialog(turns=[Turn("Bot", "Hi!"), Turn("User", "Hello."), Turn("Bot", "?")])
            >>> len(BaseOrchestrator("Bot").agent_turns(d))
            2
        """
        speaker = self.owner(dialog)
        if speaker is None:
            return []
        return [turn for turn in dialog.turns if turn.speaker == speaker]

    def _settings(self) -> dict[str, Any]:
        """Constructor arguments (of every class in the MRO) stored as same-named attributes."""
        settings: dict[str, Any] = {}
        for klass in type(self).__mro__:
            init = vars(klass).get("__init__")
            if init is None or klass is object:
                continue
            for parameter in inspect.signature(init).parameters.values():
                if parameter.name == "self" or parameter.kind in (
                    parameter.VAR_POSITIONAL,
                    parameter.VAR_KEYWORD,
                ):
                    continue
                if parameter.name not in settings and parameter.name in vars(self):
                    settings[parameter.name] = vars(self)[parameter.name]
        return settings

    def __repr__(self) -> str:
        settings = ", ".join(
            f"{key}={value!r}"
            for key, value in self.json().items()
            if key not in ("name", "className", "persistent", "target_speaker")
        )
        return f"{type(self).__name__}({settings})"


class BasePersistentOrchestrator(BaseOrchestrator):
    """An orchestrator whose instructions stay in the agent's memory for the rest of the dialog.

    ``persistent`` is a class attribute that the base constructor never assigns, so a subclass
    that calls ``super().__init__()`` stays persistent. Subclasses only implement
    :meth:`instruct`.

    Example:
        >>> class Formal(BasePersistentOrchestrator):
        ...     def __init__(self, tone="formal"):
        ...         super().__init__()
        ...         self.tone = tone
        ...     def instruct(self, dialog, utterance):
        ...         return f"Keep a {self.tone} tone."
        >>> Formal().persistent, Formal().fork(1).persistent
        (True, True)
    """

    persistent: bool = True


def _json_safe(value: Any) -> Any:
    """A JSON-compatible version of a setting value."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_safe(item) for item in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return getattr(value, "__qualname__", type(value).__name__)


def _takes_seed(method: Callable[..., Any]) -> bool:
    """Whether a bound ``reset`` accepts a seed argument (SDialog's ``reset(self)`` does not)."""
    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind is not p.KEYWORD_ONLY and p.kind is not p.VAR_KEYWORD for p in parameters)


def _takes_two(function: Callable[..., Any]) -> bool:
    """Whether a callback takes two positional arguments (``(dialog, x)``) rather than one (``x``).

    Decided by its required positional parameters; with none required, by whether it accepts
    ``*args`` or two positional parameters. Callables without a signature get one argument.
    """
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    if required:
        return len(required) >= 2
    return any(p.kind is p.VAR_POSITIONAL for p in parameters) or len(positional) >= 2


def _call(function: Callable[..., Any], two: bool, dialog: Dialog, value: Any) -> Any:
    return function(dialog, value) if two else function(value)
