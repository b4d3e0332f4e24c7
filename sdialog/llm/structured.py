"""Structured output helpers shared by every backend: schema text, JSON extraction and validation.

Example:
    >>> from pydantic import BaseModel
    >>> class Answer(BaseModel):
    ...     yes: bool
    >>> parse_structured('Sure: {"yes": true}', Answer)
    Answer(yes=True)
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

from sdialog.llm.base import Message, StructuredOutputError
from sdialog.prompts import render


def schema_of(schema: type[BaseModel]) -> dict[str, Any]:
    """Return the JSON schema of a pydantic model class (checked to be one)."""
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        raise TypeError(f"schema must be a pydantic BaseModel subclass, got {schema!r}")
    return schema.model_json_schema()


def schema_text(schema: type[BaseModel]) -> str:
    """Compact JSON text of the schema, for prompts and cache keys."""
    return json.dumps(schema_of(schema), sort_keys=True, separators=(",", ":"))


def extract_json(text: str) -> Any:
    """Parse the first JSON object or array in ``text`` (code fences and prose around it allowed).

    Raises:
        ValueError: when no JSON value can be decoded.
    """
    decoder = json.JSONDecoder(strict=False)  # constrained decoders may emit raw control chars
    stripped = text.strip()
    for start, char in enumerate(stripped):
        if char in "{[":
            try:
                value, _ = decoder.raw_decode(stripped[start:])
                return value
            except json.JSONDecodeError:
                continue
    raise ValueError("no JSON object found in the reply")


def parse_structured(text: str, schema: type[BaseModel]) -> BaseModel:
    """Validate the JSON in ``text`` against ``schema``.

    Raises:
        StructuredOutputError: naming each invalid field, with the raw text attached.
    """
    try:
        data = extract_json(text)
    except ValueError as exc:
        raise StructuredOutputError(
            f"reply is not JSON for {schema.__name__}: {exc}", raw=text, errors=[str(exc)]
        ) from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        errors = [
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise StructuredOutputError(
            f"reply does not validate against {schema.__name__}: {'; '.join(errors)}",
            raw=text,
            errors=errors,
        ) from None


def append_to_system(messages: list[Message], text: str) -> list[Message]:
    """Copy ``messages`` with ``text`` appended to the system prompt (one is made if absent)."""
    out = [dict(m) for m in messages]
    if out and out[0]["role"] == "system":
        out[0]["content"] = f"{out[0].get('content') or ''}\n\n{text}".strip()
    else:
        out.insert(0, {"role": "system", "content": text})
    return out


def with_schema_instructions(messages: list[Message], schema: type[BaseModel]) -> list[Message]:
    """Return a copy of ``messages`` with JSON-answer instructions appended to the system prompt."""
    return append_to_system(
        messages, render("structured_output.j2", schema_json=schema_text(schema))
    )


def repair_messages(
    messages: list[Message], bad_reply: str, error: StructuredOutputError
) -> list[Message]:
    """Return ``messages`` extended with the invalid reply and a request to fix it."""
    feedback = render("structured_repair.j2", errors="; ".join(error.errors) or str(error))
    return [
        *messages,
        {"role": "assistant", "content": bad_reply},
        {"role": "user", "content": feedback},
    ]
