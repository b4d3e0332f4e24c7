"""The small records a dialog is made of: :class:`Turn`, :class:`Event`, :class:`Context` and
:class:`Instruction`.

All four are pydantic v2 models that accept and keep unknown keys, so data written by a newer
version (or annotated by hand) survives a load/save round-trip.

Example:
    >>> from sdialog.dialog import Turn, Event
    >>> t = Turn("Alice", "Hello there!", emotion="happy")
    >>> str(t), len(t), t.emotion
    ('Alice: Hello there!', 2, 'happy')
    >>> Event(agent="Alice", action="utter", content="Hello there!", timestamp=0).action
    'utter'
"""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ACTIONS", "Context", "Event", "Instruction", "Turn"]

ACTIONS: tuple[str, ...] = (
    "utter",
    "instruct",
    "instruct-persist",
    "think",
    "tool",
    "request_suggestions",
)
"""Event actions used by sdialog itself. Other actions are accepted and kept as they are."""


class _JsonModel(BaseModel):
    """Base of the dialog records: unknown keys allowed and kept; ``json()`` like personas."""

    model_config = ConfigDict(extra="allow")

    def json(self, string: bool = False, indent: int | None = 2) -> Any:  # type: ignore[override]
        """Return the record as a JSON-compatible dict, or as a JSON string when ``string=True``.

        Example:
            >>> Turn("A", "Hi").json()
            {'speaker': 'A', 'text': 'Hi'}
        """
        data = self.model_dump(mode="json")
        return json.dumps(data, indent=indent, ensure_ascii=False) if string else data


class Turn(_JsonModel):
    """One utterance: who said it (``speaker``, may be ``None``) and what (``text``).

    Any extra keyword becomes turn metadata and is kept (``Turn("A", "hi", emotion="joy")``).
    ``speaker`` and ``text`` may be given positionally. ``len(turn)`` is the number of words
    (whitespace-separated) and ``str(turn)`` is ``"speaker: text"`` (just the text when there is no
    speaker). A turn is always truthy, even when its text is empty.

    Example:
        >>> t = Turn(speaker="Bob", text="Fine, thanks.")
        >>> str(t), len(t)
        ('Bob: Fine, thanks.', 2)
        >>> str(Turn(text="(silence)"))
        '(silence)'
    """

    speaker: str | None = Field(default=None, description="Who speaks; None when unknown.")
    text: str = Field(description="What is said.")

    def __init__(self, speaker: str | None = None, text: str | None = None, **data: Any) -> None:
        if text is not None:
            data["text"] = text
        super().__init__(speaker=speaker, **data)

    def __len__(self) -> int:
        return len(self.text.split())

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return self.text if self.speaker is None else f"{self.speaker}: {self.text}"

    def prompt(self) -> str:
        """The turn for an LLM prompt: ``"speaker: text"`` on one line (line breaks become
        spaces), as each line of :meth:`Dialog.prompt <sdialog.dialog.Dialog.prompt>`.

        Example:
            >>> Turn("A", "Hello,\\nworld").prompt()
            'A: Hello, world'
        """
        return str(self.model_copy(update={"text": " ".join(self.text.splitlines())}))

    def print(self, console: Any = None) -> None:
        """Print the turn with rich (speaker in bold); ``console``: a ``rich.console.Console``.

        Example:
            >>> Turn("A", "Hi [there]").print()  # doctest: +SKIP
            A: Hi [there]
        """
        from rich.console import Console
        from rich.text import Text

        line = (
            Text(self.text)
            if self.speaker is None
            else Text.assemble((f"{self.speaker}: ", "bold"), self.text)
        )
        (console or Console()).print(line)


class Event(_JsonModel):
    """Something that happened while a dialog was produced, in the order it happened.

    ``action`` is one of :data:`ACTIONS` (``utter``, ``instruct``, ``instruct-persist``, ``think``,
    ``tool``, ``request_suggestions``) or any other string. ``actionLabel`` refines it (for tools:
    ``"call"`` or ``"output"``). ``content`` is a string or a JSON object: a tool call is
    ``{"name", "args", "id"}``, its result ``{"name", "output", "call_id"}`` (an error result also
    carries ``"error"``). ``agent`` may be ``None`` (e.g. an orchestrator or the system).
    ``timestamp`` is Unix time in seconds as a **float** (``time.time()`` when not given). The
    fields may also be given positionally, in this order: agent, action, actionLabel, content,
    timestamp.

    Example:
        >>> call = Event(agent="Bot", action="tool", actionLabel="call",
        ...              content={"name": "refund", "args": {"order": 7}, "id": "c1"})
        >>> call.content["name"], isinstance(call.timestamp, float)
        ('refund', True)
        >>> str(Event(action="think", content="hmm", timestamp=0))
        'think: hmm'
    """

    agent: str | None = Field(default=None, description="Who acted; None when not an agent.")
    action: str = Field(description="What kind of event: utter, instruct, think, tool, ...")
    actionLabel: str | None = Field(default=None, description="Sub-kind, e.g. call/output.")
    content: str | dict[str, Any] | list[Any] | None = Field(default=None)
    timestamp: float = Field(
        default_factory=time.time, allow_inf_nan=False, description="Unix time in seconds."
    )

    def __init__(
        self,
        agent: str | None = None,
        action: str | None = None,
        actionLabel: str | None = None,
        content: Any = None,
        timestamp: float | None = None,
        **data: Any,
    ) -> None:
        given = {"action": action, "timestamp": timestamp}
        data.update({key: value for key, value in given.items() if value is not None})
        super().__init__(agent=agent, actionLabel=actionLabel, content=content, **data)

    def __str__(self) -> str:
        kind = self.action if self.actionLabel is None else f"{self.action}/{self.actionLabel}"
        who = "" if self.agent is None else f"[{self.agent}] "
        content = self.content
        if not isinstance(content, str):
            content = json.dumps(content, ensure_ascii=False)
        return f"{who}{kind}: {content}"


_LIST_FIELD = str | list[str] | None


class Context(_JsonModel):
    """The shared setting of a conversation; every field is optional (``None`` when unknown).

    List-like fields (``objects``, ``circumstances``, ``goals``, ``constraints``, ``topics``,
    ``style_guidelines``, ``participants_shared_knowledge``) accept a string or a list of
    strings. Subclass it to add fields; subclasses keep their fields when stored in a
    :class:`~sdialog.dialog.Dialog`.

    Example:
        >>> c = Context(location="a pharmacy", topics=["refills", "opening hours"])
        >>> print(c.prompt())
        Location: a pharmacy
        Topics: refills; opening hours
    """

    location: str | None = None
    datetime: str | None = None
    environment: str | None = None
    objects: _LIST_FIELD = None
    participants_shared_knowledge: _LIST_FIELD = None
    circumstances: _LIST_FIELD = None
    goals: _LIST_FIELD = None
    constraints: _LIST_FIELD = None
    topics: _LIST_FIELD = None
    style_guidelines: _LIST_FIELD = None
    notes: str | None = None

    def prompt(self) -> str:
        """Return the set fields as ``"Label: value"`` lines (lists joined by ``"; "``).

        Example:
            >>> Context(goals=["book a room"]).prompt()
            'Goals: book a room'
        """
        lines = []
        for key, value in self.model_dump(mode="json").items():
            if value is None or value == "" or value == []:
                continue
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            elif isinstance(value, dict):
                value = json.dumps(value, ensure_ascii=False)
            lines.append(f"{key.replace('_', ' ').capitalize()}: {value}")
        return "\n".join(lines)

    def description(self) -> str:
        """Same as :meth:`prompt`: a readable, line-per-field description.

        Example:
            >>> Context(location="a bank").description()
            'Location: a bank'
        """
        return self.prompt()

    def print(self, console: Any = None) -> None:
        """Print the set fields in a rich panel titled with the class name (``console``: a
        ``rich.console.Console``; default: stdout). Text is never read as rich markup.

        Example:
            >>> from rich.console import Console
            >>> console = Console(width=50, color_system=None)
            >>> with console.capture() as cap:
            ...     Context(location="Lab [B]", goals=["study"]).print(console=console)
            >>> "Context" in cap.get() and "Location: Lab [B]" in cap.get()
            True
        """
        from rich.console import Console
        from rich.panel import Panel
        from rich.text import Text

        body = Text(self.prompt() or "(empty)")
        title = Text(type(self).__name__)
        (console or Console()).print(Panel(body, title=title, title_align="left"))

    def __str__(self) -> str:
        return self.prompt()


class Instruction(_JsonModel):
    """What an orchestrator may return: an instruction ``text`` plus optional ``events`` to log.

    ``text`` may be given positionally. ``events`` is one :class:`Event` or a list of them, kept
    as given (as in SDialog); :attr:`event_list` always gives a list.

    Example:
        >>> event = Event(action="instruct", content="Be brief.")
        >>> ins = Instruction("Be brief.", events=event)
        >>> str(ins), ins.events == event, len(ins.event_list)
        ('Be brief.', True, 1)
    """

    text: str = Field(description="The instruction given to the agent.")
    events: Event | list[Event] | None = None

    def __init__(self, text: str | None = None, **data: Any) -> None:
        if text is not None:
            data["text"] = text
        super().__init__(**data)

    @property
    def event_list(self) -> list[Event]:
        """The events as a list (empty when there are none).

        Example:
            >>> Instruction("Hi").event_list
            []
        """
        if self.events is None:
            return []
        return [self.events] if isinstance(self.events, Event) else list(self.events)

    def __str__(self) -> str:
        return self.text
