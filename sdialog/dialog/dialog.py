"""The :class:`Dialog` model: metadata, turns and events, plus the operations on them.

Methods that change content (``lower``, ``replace``, ``rename_speaker``, ...) change the dialog
itself and return it, for chaining (as in SDialog); pass ``in_place=False`` to get a clone with
lineage instead (new ``id``, ``parentId`` = the source's id) and leave the dialog unchanged.

Example:
    >>> from sdialog.dialog import Dialog, Turn
    >>> d = Dialog(turns=[Turn("Alice", "Hi Bob!"), Turn("Bob", "Hi Alice.")])
    >>> len(d), d.get_speakers(), d.length("words")
    (2, ['Alice', 'Bob'], 4)
    >>> u = d.upper(in_place=False)
    >>> u[0].text, u.parentId == d.id, d[0].text
    ('HI BOB!', True, 'Hi Bob!')
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, overload

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, field_validator

from sdialog._version import __version__
from sdialog.dialog import io as dialog_io
from sdialog.dialog.model import Context, Event, Turn
from sdialog.dialog.persistence import DialogIO
from sdialog.dialog.transforms import TextTransforms

__all__ = ["SCHEMA_VERSION", "WORDS_PER_MINUTE", "Dialog"]

SCHEMA_VERSION = "1"
"""Version of the serialized dialog layout, stored in every dialog as ``schema_version``."""

WORDS_PER_MINUTE = 130
"""Speaking rate used by ``Dialog.length(mode="minutes")`` unless another is given (SDialog's)."""


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _new_id() -> str:
    return str(uuid.uuid4())


def _as_json_value(value: Any) -> Any:
    """A persona/context given as an object: use its own ``json()`` if it has one, else dump it."""
    if isinstance(value, BaseModel):
        if type(value).json is not BaseModel.json:
            data = value.json()
            if isinstance(data, dict):
                return data
        return value.model_dump(mode="json")
    return value


class Dialog(TextTransforms, DialogIO, BaseModel):
    """A conversation: who said what (``turns``), what happened (``events``) and provenance.

    Fields: ``version`` (sdialog version that made it), ``schema_version``, ``timestamp`` (ISO-8601
    UTC), ``model`` (provenance: a string, a dict, or a per-speaker dict), ``seed``, ``id`` (a
    new UUID4 string by default), ``parentId`` (the dialog it was derived from), ``complete``
    (``True`` when it ended naturally, ``False`` when cut off, ``None`` when unknown), ``personas``
    (speaker -> persona JSON), ``context`` (:class:`Context` or text), ``scenario`` (any JSON),
    ``turns``, ``events`` and ``notes``. Unknown keys are kept and written back.

    ``len(d)`` is the number of turns, ``d[i]`` a :class:`Turn`, ``d[a:b]`` a clone holding those
    turns, and ``for turn in d`` iterates turns. A dialog is always truthy, even when it has no
    turns (test ``len(d) == 0`` for emptiness).

    Example:
        >>> d = Dialog.from_str("A: Hello!\\nB: Hi, how are you?", seed=7)
        >>> print(d)
        A: Hello!
        B: Hi, how are you?
        >>> d[1:].parentId == d.id, len(d[1:]), d.seed
        (True, 1, 7)
    """

    model_config = ConfigDict(extra="allow")

    version: str = Field(default=__version__, description="sdialog version that made it.")
    schema_version: str = Field(default=SCHEMA_VERSION, description="Serialized layout version.")
    timestamp: str = Field(default_factory=_now_iso, description="Creation time, ISO-8601 UTC.")
    model: str | dict[str, Any] | None = Field(default=None, description="Model provenance.")
    seed: int | None = None
    id: str = Field(default_factory=_new_id, description="Unique id (UUID4 by default).")
    parentId: str | None = Field(default=None, description="Id of the dialog it derives from.")
    complete: bool | None = None
    personas: dict[str, Any] = Field(default_factory=dict, description="Speaker -> persona JSON.")
    context: SerializeAsAny[Context] | str | None = None
    scenario: Any = None
    turns: list[Turn] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    notes: str | None = None

    @field_validator("version", "schema_version", "id", "parentId", mode="before")
    @classmethod
    def _numbers_to_str(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("personas", mode="before")
    @classmethod
    def _personas_to_json(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: _as_json_value(persona) for key, persona in value.items()}
        return value

    @field_validator("context", mode="before")
    @classmethod
    def _context_to_json(cls, value: Any) -> Any:
        return value if isinstance(value, Context) else _as_json_value(value)

    @field_validator("turns", mode="before")
    @classmethod
    def _pairs_to_turns(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [
                {"speaker": t[0], "text": t[1]} if isinstance(t, tuple) and len(t) == 2 else t
                for t in value
            ]
        return value

    # ----------------------------------------------------------------- container behaviour
    def __len__(self) -> int:
        return len(self.turns)

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> Iterator[Turn]:  # type: ignore[override]
        return iter(self.turns)

    @overload
    def __getitem__(self, index: int) -> Turn: ...
    @overload
    def __getitem__(self, index: slice) -> Dialog: ...
    def __getitem__(self, index: int | slice) -> Turn | Dialog:
        """``d[i]`` is a turn; ``d[a:b:c]`` a lineage clone with those turns.

        The slice keeps the events that belong to the selected turns. When the dialog's ``utter``
        events match its turns one to one (as in simulated dialogs), the events of turn ``i`` are
        those after the utterance of turn ``i - 1`` up to and including its own utterance (its
        instructions, thoughts and tool calls); events after the last utterance go with the last
        turn. Events keep their original order. When utterances and turns do not match, the slice
        has no events, unless it selects every turn in order (``d[:]``), which keeps them all.
        """
        if isinstance(index, slice):
            return self._subset(range(len(self.turns))[index])
        return self.turns[index]

    def __str__(self) -> str:
        return self.description()

    def _event_groups(self) -> list[list[int]] | None:
        """Event indices of each turn, or None when utter events and turns do not line up."""
        utters = [i for i, e in enumerate(self.events) if e.action == "utter"]
        if len(utters) != len(self.turns):
            return None
        groups: list[list[int]] = []
        start = 0
        for end in utters:
            groups.append(list(range(start, end + 1)))
            start = end + 1
        if groups:
            groups[-1].extend(range(start, len(self.events)))
        return groups

    def _subset(self, turn_indices: Iterable[int]) -> Dialog:
        indices = list(turn_indices)
        groups = self._event_groups()
        if indices == list(range(len(self.turns))):  # every turn, in order: every event
            kept = list(range(len(self.events)))
        else:
            kept = sorted({e for i in indices for e in groups[i]}) if groups else []
        new = self.clone()
        new.turns = [new.turns[i] for i in indices]
        new.events = [new.events[e] for e in kept]
        return new

    # --------------------------------------------------------------------------- lineage
    def clone(self, new_id: str | None = None) -> Dialog:
        """Return a deep copy with a new ``id`` (``new_id`` or a UUID4) and ``parentId`` = this id.

        Every other field (``timestamp`` included) is copied unchanged.

        Example:
            >>> d = Dialog(id="root")
            >>> c = d.clone(new_id="child")
            >>> (c.id, c.parentId)
            ('child', 'root')
        """
        return self.model_copy(deep=True, update={"id": new_id or _new_id(), "parentId": self.id})

    def filter(
        self, speaker: str | Iterable[str | None] | None, case_sensitive: bool = False
    ) -> Dialog:
        """Return a lineage clone with only the turns of ``speaker`` (a name or several names,
        matched ignoring case unless ``case_sensitive=True``, as in SDialog).

        Events are kept when their ``agent`` is one of the names; events without an agent are
        dropped (unless ``None`` is among the names, which also selects speaker-less turns).
        Other fields (personas, model, ...) are copied unchanged.

        Example:
            >>> d = Dialog(turns=[Turn("A", "x"), Turn("B", "y"), Turn("A", "z")])
            >>> [t.text for t in d.filter("a")], len(d.filter("a", case_sensitive=True))
            (['x', 'z'], 0)
        """
        names = {speaker} if speaker is None or isinstance(speaker, str) else set(speaker)

        def key(name: str | None) -> str | None:
            return name if case_sensitive or name is None else name.casefold()

        wanted = {key(n) for n in names}
        new = self.clone()
        new.turns = [t for t in new.turns if key(t.speaker) in wanted]
        new.events = [e for e in new.events if key(e.agent) in wanted]
        return new

    def get_speakers(self, keep_case: bool = True) -> list[str]:
        """Return the speakers in order of first appearance in the turns (``None`` left out);
        lower-cased (and merged) when ``keep_case=False``.

        Example:
            >>> d = Dialog(turns=[Turn("B", "x"), Turn(text="y"), Turn("A", "z"), Turn("b", "w")])
            >>> d.get_speakers(), d.get_speakers(keep_case=False)
            (['B', 'A', 'b'], ['b', 'a'])
        """
        names = (t.speaker for t in self.turns if t.speaker is not None)
        return list(dict.fromkeys(names if keep_case else (n.lower() for n in names)))

    def length(
        self, mode: str = "words", words_per_minute: float = WORDS_PER_MINUTE, exact: bool = False
    ) -> float:
        """Return the length in ``"words"``, ``"turns"`` or estimated speaking ``"minutes"``
        (also called ``"time"``).

        Minutes are words / ``words_per_minute`` (default :data:`WORDS_PER_MINUTE` = 130),
        rounded to a whole number of at least 1 as in SDialog (0 for a dialog without words);
        ``exact=True`` gives the unrounded fraction.

        Example:
            >>> d = Dialog(turns=[Turn("A", "one two three")])
            >>> d.length("words"), d.length("turns"), d.length("minutes")
            (3, 1, 1)
            >>> d.length("time", words_per_minute=2, exact=True)
            1.5
        """
        mode = mode.lower()
        if mode == "turns":
            return len(self.turns)
        words = sum(len(t) for t in self.turns)
        if mode == "words":
            return words
        if mode in ("minutes", "time"):
            if words_per_minute <= 0:
                raise ValueError(f"words_per_minute must be positive, got {words_per_minute}")
            minutes = words / words_per_minute
            if exact or words == 0:
                return minutes if exact else 0
            return max(1, round(minutes))
        raise ValueError(f"mode must be 'words', 'turns', 'minutes' or 'time', got {mode!r}")

    # ----------------------------------------------------------------------- text views
    def description(
        self, template: str = "{speaker}: {text}", *, turn_template: str | None = None
    ) -> str:
        """Return the transcript, one ``template`` line per turn (just the text without speaker).

        ``turn_template=`` (SDialog's name) is the same as ``template``; a turn without a speaker
        then fills ``{speaker}`` with ``""``.

        Example:
            >>> Dialog(turns=[Turn("A", "Hi"), Turn(text="(door closes)")]).description()
            'A: Hi\\n(door closes)'
            >>> Dialog(turns=[Turn("A", "Hi")]).description(turn_template="[{speaker}] {text}")
            '[A] Hi'
        """
        if turn_template is not None:
            return "\n".join(
                turn_template.format(speaker=t.speaker or "", text=t.text) for t in self.turns
            )
        return "\n".join(
            t.text if t.speaker is None else template.format(speaker=t.speaker, text=t.text)
            for t in self.turns
        )

    def prompt(self) -> str:
        """Return the transcript for an LLM prompt: one ``"speaker: text"`` line per turn, with
        line breaks inside a turn replaced by spaces so that every turn stays on one line.

        Example:
            >>> Dialog(turns=[Turn("A", "Hello,\\nworld")]).prompt()
            'A: Hello, world'
        """
        return "\n".join(
            str(t.model_copy(update={"text": " ".join(t.text.splitlines())})) for t in self.turns
        )

    def json(  # type: ignore[override]
        self, string: bool = False, indent: int | None = 2, ensure_ascii: bool = False
    ) -> Any:
        """Return the dialog as a JSON-compatible dict, or a JSON string when ``string=True``
        (non-ASCII characters escaped when ``ensure_ascii=True``).

        Example:
            >>> Dialog(id="x", turns=[Turn("A", "Hi")]).json()["turns"]
            [{'speaker': 'A', 'text': 'Hi'}]
            >>> '"\\\\u00e9"' in Dialog(turns=[Turn("A", "é")]).json(string=True, ensure_ascii=True)
            True
        """
        data = self.model_dump(mode="json")
        if string and ensure_ascii:
            return json.dumps(data, indent=indent, ensure_ascii=True, allow_nan=False)
        return dialog_io.dumps(data, indent=indent) if string else data

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """Return the JSON schema of the serialized dialog.

        Example:
            >>> "turns" in Dialog.json_schema()["properties"]
            True
        """
        return cls.model_json_schema()

    def print(
        self,
        all: bool = False,
        think: bool = False,
        orchestration: bool = False,
        console: Any = None,
        scenario: bool = False,
    ) -> None:
        """Pretty-print the dialog with rich, one colour per speaker.

        ``all`` adds a metadata header and every event; ``think`` shows ``think`` events;
        ``orchestration`` shows ``instruct``/``instruct-persist``/``request_suggestions`` events;
        ``scenario`` shows the scenario above the turns (``all`` includes it).
        Events appear next to the turn they belong to. ``console`` is a ``rich.console.Console``
        (default: a new one on stdout).

        Example:
            >>> Dialog(turns=[Turn("A", "Hi")]).print()  # doctest: +SKIP
        """
        from sdialog.dialog.render import print_dialog

        print_dialog(
            self,
            all=all,
            think=think,
            orchestration=orchestration,
            console=console,
            scenario=scenario,
        )

    def to_audio(
        self,
        path: Any = "output/audio",
        perform_room_acoustics: bool = True,
        audio_file_format: str = "wav",
        re_sampling_rate: int = 16000,
        *,
        room: Any = "consultation_room",
        redo: bool = False,
        **pipeline_kwargs: Any,
    ) -> Any:
        """Voice this dialog into ``path`` (per-turn files, dry and wet mixes, manifest, RTTM/STM).

        A thin wrapper over :class:`sdialog.audio.AudioPipeline` (extra ``audio``); keyword
        arguments such as ``tts_engine``, ``devices``, ``channels``, ``noise``, ``snr_db``,
        ``seed`` go to it. Returns an :class:`sdialog.audio.AudioDialog`.

        Example:
            >>> audio = Dialog(turns=[Turn("A", "Hi")]).to_audio("out", tts_engine="synthetic")
            >>> sorted(audio.files)
            ['dry', 'room_consultation_room']
        """
        from sdialog.audio import AudioPipeline

        rooms = pipeline_kwargs.pop("rooms", [room] if perform_room_acoustics else [])
        pipeline = AudioPipeline(
            sampling_rate=re_sampling_rate,
            audio_file_format=audio_file_format,
            rooms=rooms,
            **pipeline_kwargs,
        )
        return pipeline.run(self, path, redo=redo)
