"""Dialogs written by one model: :class:`DialogGenerator` (and, below it, persona-driven dialogs).

:class:`DialogGenerator` asks one LLM for a whole dialog as structured output
(``{"turns": [{"speaker": ..., "text": ...}, ...]}``), so local models decode it under a JSON
grammar and always return a well-formed dialog. ``n`` dialogs are one batched backend call with one
seed per dialog.

Example:
    >>> from sdialog.llm import ScriptedBackend
    >>> backend = ScriptedBackend([{"turns": [{"speaker": "Ana", "text": "Hi!"},
    ...                                        {"speaker": "Ben", "text": "Hello."}]}])
    >>> gen = DialogGenerator("Two friends greet each other.", model=backend)
    >>> dialog = gen(seed=7)
    >>> print(dialog)
    Ana: Hi!
    Ben: Hello.
    >>> dialog.seed, dialog.complete, dialog.model["backend"]
    (7, True, 'scripted')
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sdialog.dialog import Dialog, Turn
from sdialog.generators.dialog_output import (
    GeneratedDialog,
    GeneratedTurn,
    LLMDialogOutput,
    dialog_schema,
    turns_from_output,
)
from sdialog.llm import Completion, StructuredOutputError, get_backend
from sdialog.llm.invoke import ChatMessage
from sdialog.prompts import render

__all__ = [
    "LOCAL_TURN_MAX_CHARS",
    "RETRY_SEED_OFFSET",
    "DialogGenerator",
    "GeneratedDialog",
    "GeneratedTurn",
    "LLMDialogOutput",
]

RETRY_SEED_OFFSET = 1_000_003
"""A dialog whose reply cannot be parsed is asked for again with ``seed + RETRY_SEED_OFFSET``."""

LOCAL_TURN_MAX_CHARS = 400
"""Default cap on a generated turn's text when a local model writes the dialog."""


# ------------------------------------------------------------------ helpers for prompt and record
def persona_prompt(persona: Any) -> str:
    """Describe a persona for a prompt: its ``prompt()``, or the set fields of a dict/model.

    Example:
        >>> persona_prompt({"name": "Ana", "age": 31, "role": ""})
        'Name: Ana\\nAge: 31'
    """
    if isinstance(persona, str):
        return persona
    if callable(getattr(persona, "prompt", None)):
        return str(persona.prompt())
    return _fields_text(persona_json(persona))


def persona_json(persona: Any) -> Any:
    """The JSON form of a persona: its ``json()``, a pydantic dump, or the dict/string itself."""
    if isinstance(persona, (str, Mapping)):
        return copy.deepcopy(dict(persona) if isinstance(persona, Mapping) else persona)
    if callable(getattr(persona, "json", None)) and (
        getattr(type(persona), "json", None) is not BaseModel.json
    ):
        data = persona.json()
        return json.loads(data) if isinstance(data, str) else data
    if isinstance(persona, BaseModel):
        return persona.model_dump(mode="json")
    raise TypeError(
        f"a persona must be a dict, a string or an object with json()/prompt(), "
        f"got {type(persona).__name__}"
    )


def described(value: Any) -> str:
    """Text for a prompt: strings as they are, objects by ``prompt()``, the rest as JSON."""
    if value is None or isinstance(value, str):
        return value or ""
    if callable(getattr(value, "prompt", None)):
        return str(value.prompt())
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, Mapping):
        return _fields_text(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _fields_text(data: Any) -> str:
    if not isinstance(data, Mapping):
        return json.dumps(data, ensure_ascii=False, default=str)
    lines = []
    for key, value in data.items():
        if value in (None, "", [], {}) or str(key).startswith("_"):
            continue
        if not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, default=str)
        lines.append(f"{str(key).replace('_', ' ').capitalize()}: {value}")
    return "\n".join(lines)


def _example_text(example: Any) -> str:
    if isinstance(example, Dialog):
        return example.prompt()
    return described(example)


@dataclass
class _Row:
    """One requested dialog: its seed, the completion, and what was parsed from it."""

    seed: int
    completion: Completion | None = None
    turns: list[Turn] | None = None
    output: Any = None
    error: str | None = None


class DialogGenerator:
    """One model writes a whole dialog, from a description plus optional context and personas.

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> reply = {"turns": [{"speaker": "Nurse", "text": "Next, please."},
        ...                    {"speaker": "Patient", "text": "That's me."}]}
        >>> gen = DialogGenerator("A short exchange at a clinic.", model=ScriptedBackend([reply]),
        ...                       personas={"Nurse": {"name": "Lea"}, "Patient": {"name": "Tom"}})
        >>> dialogs = gen.generate(seed=1, n=2)      # one batched call, seeds 1 and 2
        >>> [d.seed for d in dialogs], dialogs[0].personas["Nurse"]
        ([1, 2], {'name': 'Lea'})

    Args:
        dialogue_details: what the dialog is about (instructions for the writer).
        context: a :class:`~sdialog.dialog.Context`, any object with ``prompt()``, a dict or text;
            recorded in ``dialog.context``.
        example_dialogs: dialogs (or transcripts) shown as examples of style and format.
        scenario: any JSON-able description; shown in the prompt and recorded in
            ``dialog.scenario``.
        personas: speaker name → persona (an object with ``prompt()``/``json()``, a dict or text);
            described in the prompt, recorded in ``dialog.personas`` and, unless ``speakers`` is
            given, the only speaker names the default output format allows.
        output_format: a pydantic model for the reply (default: :class:`GeneratedDialog`). Turns are
            read from its ``turns`` (or ``dialog``) list when it has one; the whole parsed reply is
            kept in the dialog's extra field ``output``.
        model: a model string or a backend (default: the configured model).
        speakers: the speaker names allowed in the default output format.
        min_turns, max_turns: bounds on the number of turns in the default output format.
        max_chars: the most characters of a turn's text in the default output format (local
            models decode under the schema, so a cap also bounds the reply's length; default for
            local models: ``LOCAL_TURN_MAX_CHARS``, otherwise no cap).
        **llm_kwargs: generation parameters (``temperature``, ``max_tokens``, ``seed``, ...).
    """

    def __init__(
        self,
        dialogue_details: str,
        context: Any = None,
        example_dialogs: Sequence[Any] | None = None,
        scenario: Any = None,
        personas: Mapping[str, Any] | None = None,
        output_format: type[BaseModel] | None = None,
        model: Any = None,
        *,
        speakers: Sequence[str] | None = None,
        min_turns: int = 1,
        max_turns: int | None = None,
        max_chars: int | None = None,
        **llm_kwargs: Any,
    ):
        if not isinstance(dialogue_details, str):
            raise TypeError(
                f"dialogue_details must be a string, got {type(dialogue_details).__name__}"
            )
        if personas is not None and not isinstance(personas, Mapping):
            raise TypeError(
                f"personas must be a dict speaker -> persona, got {type(personas).__name__}"
            )
        if output_format is not None and not (
            isinstance(output_format, type) and issubclass(output_format, BaseModel)
        ):
            raise TypeError(f"output_format must be a pydantic model class, got {output_format!r}")
        if min_turns < 1 or (max_turns is not None and max_turns < min_turns):
            raise ValueError(
                f"need 1 <= min_turns <= max_turns, got min_turns={min_turns}, "
                f"max_turns={max_turns}"
            )
        if isinstance(example_dialogs, (str, Dialog)):
            example_dialogs = [example_dialogs]
        self.dialogue_details = dialogue_details
        self.context = context
        self.example_dialogs = list(example_dialogs or [])
        self.scenario = scenario
        self.personas = {str(k).strip(): v for k, v in (personas or {}).items()}
        self.speakers = [s.strip() for s in speakers] if speakers else list(self.personas)
        self.llm_kwargs = dict(llm_kwargs)
        self.backend = get_backend(model, **llm_kwargs)
        if max_chars is None and output_format is None and self.backend.kind == "local":
            # under the grammar a small local model can loop inside one turn's text until the
            # token budget ends the reply unparsed: a default cap closes the turn instead
            max_chars = LOCAL_TURN_MAX_CHARS
        self.min_turns, self.max_turns, self.max_chars = min_turns, max_turns, max_chars
        self.output_format = output_format
        self.schema = output_format or dialog_schema(self.speakers, min_turns, max_turns, max_chars)
        self._last: dict[str, Any] = {}  # the per-call overrides of the last generate()

    # ------------------------------------------------------------------------------ prompts
    def _settings(self, **overrides: Any) -> dict[str, Any]:
        """This generator's settings with a call's overrides (``None`` = not overridden)."""
        given = {k: v for k, v in {**self._last, **overrides}.items() if v is not None}
        settings = {
            "dialogue_details": self.dialogue_details,
            "context": self.context,
            "example_dialogs": self.example_dialogs,
            "scenario": self.scenario,
            "max_turns": self.max_turns,
            **given,
        }
        examples = settings["example_dialogs"]
        if isinstance(examples, (str, Dialog)):
            settings["example_dialogs"] = [examples]
        return settings

    def prompt(self) -> str:
        """The system prompt: details, speakers, context, scenario, examples and the format.

        After a :meth:`generate` call with overrides (``context=``, ``scenario=``, ...) it is
        the prompt that call used; overrides do not carry over to the next call.
        """
        call = self._settings()
        return render(
            "dialog_generator.j2",
            details=str(call["dialogue_details"]).strip(),
            personas=[(name, persona_prompt(p)) for name, p in self.personas.items()],
            speakers=self.speakers,
            context=described(call["context"]),
            scenario=described(call["scenario"]),
            examples=[_example_text(e) for e in call["example_dialogs"]],
            default_format=self.output_format is None,
            min_turns=self.min_turns,
            max_turns=call["max_turns"],
        )

    @property
    def messages(self) -> list[ChatMessage]:
        """The chat messages sent to the model for each dialog (system prompt, request), as in
        SDialog readable as dicts and as objects (``gen.messages[0].content``)."""
        return [
            ChatMessage(role="system", content=self.prompt()),
            ChatMessage(role="user", content=render("dialog_generator_request.j2")),
        ]

    # ---------------------------------------------------------------------------- generation
    def generate(
        self,
        seed: int | None = None,
        id: str | Sequence[str] | None = None,
        parent_id: str | None = None,
        notes: str | None = None,
        n: int = 1,
        *,
        dialogue_details: str | None = None,
        context: Any = None,
        example_dialogs: Sequence[Any] | None = None,
        scenario: Any = None,
        max_turns: int | None = None,
        temperature: float | None = None,
        max_attempts: int = 2,
    ) -> Dialog | list[Dialog]:
        """Write one dialog (``n=1``) or a list of ``n`` dialogs in one batched backend call.

        Dialog ``i`` uses seed ``seed + i``; ``seed`` defaults to the ``seed`` model parameter,
        else :func:`sdialog.config.get_seed`. ``id`` is the dialog id (for ``n > 1``: a list of
        ids, or a prefix that gets ``-0``, ``-1``, ...). A reply that cannot be parsed is asked
        for again (up to ``max_attempts`` calls in all), the ``k``-th retry with seed
        ``seed + i + k * RETRY_SEED_OFFSET`` (recorded as the dialog's seed).

        ``dialogue_details``, ``context``, ``example_dialogs``, ``scenario``, ``max_turns`` and
        ``temperature`` override the generator's own for this call only (as in SDialog).

        Raises:
            StructuredOutputError: a dialog still could not be parsed; the message names its index.
        """
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValueError(f"max_attempts must be a positive integer, got {max_attempts!r}")
        if max_turns is not None and max_turns < self.min_turns:
            raise ValueError(f"max_turns={max_turns} is below min_turns={self.min_turns}")
        self._last = {
            "dialogue_details": dialogue_details,
            "context": context,
            "example_dialogs": example_dialogs,
            "scenario": scenario,
            "max_turns": max_turns,
        }
        call = self._settings()
        schema = self.schema
        if self.output_format is None and max_turns is not None:
            schema = dialog_schema(self.speakers, self.min_turns, max_turns, self.max_chars)
        params = {} if temperature is None else {"temperature": temperature}
        ids = _ids(id, n)
        base = self._base_seed(seed)
        rows = [_Row(seed=base + i) for i in range(n)]
        self._complete(rows, schema, params)
        for _ in range(max_attempts - 1):
            failed = [row for row in rows if row.error]
            if not failed:
                break
            for row in failed:
                row.seed += RETRY_SEED_OFFSET
            self._complete(failed, schema, params)
        still = [(i, row) for i, row in enumerate(rows) if row.error]
        if still:
            i, row = still[0]
            raw = row.completion.text if row.completion else ""
            which = ("dialog " if len(still) == 1 else "dialogs ") + ", ".join(
                str(j) for j, _ in still
            )
            raise StructuredOutputError(
                f"DialogGenerator: {which} of {n} could not be parsed as {schema.__name__} "
                f"in {max_attempts} attempt(s); dialog {i} (seed {row.seed}): {row.error}",
                raw=raw,
                errors=[r.error or "" for _, r in still],
            )
        dialogs = [self._dialog(row, ids[i], parent_id, notes, call) for i, row in enumerate(rows)]
        return dialogs[0] if n == 1 else dialogs

    __call__ = generate

    # ------------------------------------------------------------------------------ internals
    def _base_seed(self, seed: int | None) -> int:
        from sdialog.config import resolve_seed

        return resolve_seed(seed, self.llm_kwargs.get("seed"), self.backend.params.get("seed"))

    def _complete(
        self, rows: list[_Row], schema: type[BaseModel], overrides: Mapping[str, Any]
    ) -> None:
        params = {k: v for k, v in {**self.llm_kwargs, **overrides}.items() if k != "seed"}
        messages = [dict(m) for m in self.messages]
        completions = self.backend.complete_batch(
            [messages] * len(rows), schema=schema, seed=[r.seed for r in rows], **params
        )
        for row, completion in zip(rows, completions, strict=True):
            row.completion, row.error = completion, completion.error
            if row.error:
                continue
            if completion.parsed is None:
                row.error = "the reply holds no parsed output"
                continue
            row.output = completion.parsed
            row.turns = turns_from_output(completion.parsed)
            if row.turns is not None and len(row.turns) < self.min_turns:
                row.error = f"{len(row.turns)} non-empty turns (at least {self.min_turns} needed)"

    def _dialog(
        self,
        row: _Row,
        id: str | None,
        parent_id: str | None,
        notes: str | None,
        call: Mapping[str, Any],
    ) -> Dialog:
        assert row.completion is not None
        extra: dict[str, Any] = {}
        if self.output_format is not None:
            extra["output"] = row.output.model_dump(mode="json")
        if id is not None:
            extra["id"] = id
        return Dialog(
            model=dict(row.completion.provenance),
            seed=row.seed,
            parentId=parent_id,
            complete=True,
            personas={name: persona_json(p) for name, p in self.personas.items()},
            context=_context_value(call["context"]),
            scenario=copy.deepcopy(call["scenario"]),
            turns=row.turns or [],
            notes=notes,
            **extra,
        )


def _context_value(context: Any) -> Any:
    """A copy of the context a :class:`Dialog` accepts: a Context model, a dict, or text."""
    if isinstance(context, BaseModel):
        return context.model_copy(deep=True)
    if context is None or isinstance(context, (str, Mapping)):
        return copy.deepcopy(context)
    return described(context)


def _ids(id: str | Sequence[str] | None, n: int) -> list[str | None]:
    if id is None:
        return [None] * n
    if isinstance(id, str):
        return [id] if n == 1 else [f"{id}-{i}" for i in range(n)]
    ids = [str(i) for i in id]
    if len(ids) != n:
        raise ValueError(f"got {len(ids)} ids for n={n} dialogs")
    return ids
