"""The structured reply formats of dialog generation and how turns are read from a reply.

- :class:`GeneratedDialog` / :class:`GeneratedTurn` — the default format (``{"turns": [...]}``).
- :func:`dialog_schema` — that format narrowed to given speakers, turn counts and lengths.
- :class:`LLMDialogOutput` — SDialog's format (``{"dialog": [...]}``), also accepted.
- :func:`turns_from_output` — the turns of any parsed reply.

Example:
    >>> GeneratedDialog.model_validate({"dialog": [{"speaker": "A", "text": "Hi"}]}).turns[0].text
    'Hi'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model, model_validator

from sdialog.dialog import Turn

__all__ = [
    "SPEAKER_PATTERN",
    "GeneratedDialog",
    "GeneratedTurn",
    "LLMDialogOutput",
    "dialog_schema",
    "turns_from_output",
]

SPEAKER_PATTERN = r'^[^<>{}\[\]\\"\n\r\t]{1,64}$'
"""Speaker names the default formats accept: 1 to 64 characters, no brackets, backslashes,
quotes or line breaks (so no JSON escapes a grammar would let through undecoded), so
a model cannot copy a placeholder such as ``<name>`` from the prompt (under a grammar it cannot
even write one). The length is in the pattern because grammar engines drop ``maxLength`` when a
``pattern`` is given."""

_TURN_LIST_KEYS = ("turns", "dialog", "dialogue", "utterances")
_SPEAKER_KEYS = ("speaker", "role", "name")
_TEXT_KEYS = ("text", "utterance", "content")


class GeneratedTurn(BaseModel):
    """One turn of the default output format."""

    speaker: str = Field(pattern=SPEAKER_PATTERN, description="Name of the speaker.")
    text: str = Field(min_length=1, description="What the speaker says.")


class _TurnList(BaseModel):
    """Base of the dialog output formats: a reply that names its turn list ``dialog`` or
    ``dialogue`` (as SDialog's ``LLMDialogOutput`` does) is read as ``turns``."""

    @model_validator(mode="before")
    @classmethod
    def _turns_alias(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "turns" not in data:
            key = next((k for k in ("dialog", "dialogue") if k in data), None)
            if key is not None:
                data = {("turns" if k == key else k): v for k, v in data.items()}
        return data


class GeneratedDialog(_TurnList):
    """The default output format: the turns of the dialog, in order."""

    turns: list[GeneratedTurn] = Field(min_length=1, description="The turns, in order.")


class LLMDialogOutput(BaseModel):
    """SDialog's name for a structured dialog reply: ``LLMDialogOutput(dialog=[Turn, ...])``.

    :class:`DialogGenerator` accepts replies in this shape (``{"dialog": [...]}``) as well as its
    own (``{"turns": [...]}``), and may be given it as ``output_format``.

    Example:
        >>> from sdialog.generators import Turn
        >>> LLMDialogOutput(dialog=[Turn(speaker="A", text="Hi")]).model_dump()
        {'dialog': [{'speaker': 'A', 'text': 'Hi'}]}
    """

    dialog: list[Turn] = Field(description="The turns, in order.")


def dialog_schema(
    speakers: Sequence[str] | None = None,
    min_turns: int = 1,
    max_turns: int | None = None,
    max_chars: int | None = None,
) -> type[BaseModel]:
    """The structured-output model for a dialog: :class:`GeneratedDialog`, narrowed when asked.

    With ``speakers`` the speaker of every turn must be one of them (an enum in the JSON schema,
    so local models cannot invent a speaker); ``min_turns``/``max_turns`` bound the turn count and
    ``max_chars`` the length of each turn's text.

    Example:
        >>> schema = dialog_schema(["Ana", "Ben"], max_turns=4)
        >>> schema.model_json_schema()["properties"]["turns"]["maxItems"]
        4
    """
    if not speakers and min_turns == 1 and max_turns is None and max_chars is None:
        return GeneratedDialog
    if speakers:
        speaker: Any = (Literal[tuple(speakers)], Field(description="Name of the speaker."))
    else:
        speaker = (
            str,
            Field(pattern=SPEAKER_PATTERN, description="Name of the speaker."),
        )
    turn = create_model(
        "GeneratedTurn",
        speaker=speaker,
        text=(str, Field(min_length=1, max_length=max_chars, description="What the speaker says.")),
    )
    return create_model(
        "GeneratedDialog",
        __base__=_TurnList,
        turns=(
            list[turn],  # type: ignore[valid-type]
            Field(min_length=min_turns, max_length=max_turns, description="The turns, in order."),
        ),
    )


def _field(item: Any, keys: Sequence[str]) -> Any:
    for key in keys:
        value = item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)
        if value is not None:
            return value
    return None


def turns_from_output(parsed: Any) -> list[Turn] | None:
    """Turns from a structured reply's ``turns`` (or ``dialog``...) list; ``None`` without one.

    Items may be objects or dicts with ``speaker``/``text`` (or ``role``/``content``...) or
    ``"Speaker: text"`` strings. Speakers are stripped (empty → ``None``); empty turns are dropped.

    Example:
        >>> reply = {"dialog": [" Ana : Hi", {"speaker": "B", "text": " "}]}
        >>> [str(t) for t in turns_from_output(reply)]
        ['Ana: Hi']
    """
    data = parsed.model_dump() if isinstance(parsed, BaseModel) else parsed
    if not isinstance(data, Mapping):
        return None
    items = next((data[k] for k in _TURN_LIST_KEYS if isinstance(data.get(k), list)), None)
    if items is None:
        return None
    turns = []
    for item in items:
        if isinstance(item, str):
            speaker, sep, text = item.partition(":")
            speaker, text = (speaker, text) if sep else (None, item)
        else:
            speaker, text = _field(item, _SPEAKER_KEYS), _field(item, _TEXT_KEYS)
        text = str(text or "").strip()
        if text:
            speaker = str(speaker).strip() if speaker is not None else ""
            turns.append(Turn(speaker or None, text))
    return turns
