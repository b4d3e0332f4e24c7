"""A backend over any object with a LangChain-style ``invoke(messages)`` method.

SDialog documents ``model=<a LangChain chat model instance>`` for local or custom models; sdialog
accepts the same: :func:`sdialog.llm.get_backend` wraps such an object in :class:`InvokeBackend`,
so everything else (agents, generators, judges) talks to it through the one backend protocol.

The object receives a list of :class:`ChatMessage` (dicts that also read as objects:
``m["content"]`` and ``m.content``, ``m.role``, ``m.type``), which LangChain chat models accept
as they are. Its reply may be a string, anything with ``.content`` (a LangChain ``AIMessage``),
a pydantic model or a dict (taken as JSON).

Example:
    >>> class Shout:
    ...     def invoke(self, messages):
    ...         return messages[-1].content.upper()
    >>> from sdialog.llm import get_backend
    >>> get_backend(Shout()).complete([{"role": "user", "content": "hi"}]).text
    'HI'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from sdialog.llm.base import (
    Backend,
    Completion,
    Message,
    StructuredOutputError,
    UnsupportedFeatureError,
)
from sdialog.llm.structured import parse_structured, with_schema_instructions

__all__ = ["ChatMessage", "InvokeBackend", "has_invoke"]

_TYPES = {"system": "system", "user": "human", "assistant": "ai", "tool": "tool"}


class ChatMessage(dict):
    """A chat message readable as a dict (``m["content"]``) and as an object (``m.content``).

    ``m.type`` is LangChain's name for the role (``"system"``, ``"human"``, ``"ai"``, ``"tool"``).
    Setting an attribute sets the key.

    Example:
        >>> m = ChatMessage(role="user", content="Hi")
        >>> m.content, m["role"], m.type
        ('Hi', 'user', 'human')
    """

    def __getattr__(self, name: str) -> Any:
        if name == "type":
            return _TYPES.get(self.get("role", ""), self.get("role"))
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value


def has_invoke(model: Any) -> bool:
    """Whether ``model`` is a LangChain-style model object (has a callable ``invoke``)."""
    return callable(getattr(model, "invoke", None))


def _model_name(model: Any) -> str:
    for attribute in ("model_name", "model", "model_id"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    if type(model).__str__ is not object.__str__:
        return str(model)
    return type(model).__name__


def _reply_text(reply: Any) -> str:
    content = getattr(reply, "content", reply)
    if isinstance(content, BaseModel):
        return content.model_dump_json()
    if isinstance(content, Mapping):
        return json.dumps(content, ensure_ascii=False)
    if isinstance(content, list):  # LangChain content blocks
        return "".join(
            str(block.get("text", "")) if isinstance(block, Mapping) else str(block)
            for block in content
        )
    return "" if content is None else str(content)


class InvokeBackend(Backend):
    """Wraps an object with ``invoke(messages)`` (e.g. a LangChain chat model) as a backend.

    Generation parameters cannot be passed through ``invoke``: they are configured on the
    object itself (as with SDialog) and only recorded in provenance. Structured output is asked
    for in the system prompt and validated; tool calling is not supported through this wrapper.

    Args:
        model: the object with ``invoke``.
        **params: recorded in provenance like any backend's parameters.
    """

    kind = "invoke"
    seeds_by_default = False

    def __init__(self, model: Any, *, cache: Any = False, **params: Any):
        if not has_invoke(model):
            raise TypeError(f"expected an object with invoke(messages), got {type(model).__name__}")
        super().__init__(_model_name(model), cache=cache, **params)
        self.llm = model
        """The wrapped object (SDialog's ``agent.llm``)."""

    def _complete_batch(
        self,
        conversations: list[list[Message]],
        *,
        schema: type[BaseModel] | None,
        tools: Sequence[Mapping[str, Any]] | None,
        **params: Any,
    ) -> list[Completion]:
        if tools:
            raise UnsupportedFeatureError(
                f"tools are not supported for a model object ({self.model}); give a model string"
            )
        params.pop("hooks", None)
        provenance = self.provenance({k: v for k, v in params.items() if k != "seed"})
        out = []
        for messages in conversations:
            if schema is not None:
                messages = with_schema_instructions(messages, schema)
            text = _reply_text(self.llm.invoke([ChatMessage(m) for m in messages]))
            completion = Completion(text=text, provenance=provenance)
            if schema is not None:
                try:
                    completion.parsed = parse_structured(text, schema)
                except StructuredOutputError as exc:
                    completion.error = str(exc)
            out.append(completion)
        return out
