"""A deterministic backend for tests and dry runs: canned replies, an echo, or a Python function.

Model strings: ``"scripted:echo"`` (repeat the last user message), ``"scripted:<text>"`` (always
say ``<text>``). Tests construct it directly with a list of replies or a function.

Example:
    >>> backend = ScriptedBackend(["Hi!", "Bye."])
    >>> [backend.complete([{"role": "user", "content": "x"}]).text for _ in range(3)]
    ['Hi!', 'Bye.', 'Hi!']
    >>> ScriptedBackend.echo().complete([{"role": "user", "content": "ping"}]).text
    'ping'
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from sdialog.llm.base import (
    Backend,
    BackendError,
    Completion,
    Message,
    StructuredOutputError,
    ToolCall,
    Usage,
    normalize_stop,
    truncate_at_stop,
)
from sdialog.llm.structured import parse_structured

Reply = str | Mapping[str, Any] | BaseModel | ToolCall | Completion
"""A scripted reply: text, a JSON-able dict or model (structured output), a tool call, or a
complete :class:`Completion`."""


class ScriptedBackend(Backend):
    """Replies from a script instead of a model.

    Args:
        replies: a list of replies used in order (cycling when ``cycle=True``, else an error when
            exhausted), or a function ``f(messages) -> reply``.
        cycle: restart the list when it runs out.
        scores: for :meth:`score_continuations`, a dict candidate → log-probability (unknown
            candidates score ``-len(candidate)``).
        **params: recorded in provenance like any backend's parameters.
    """

    kind = "scripted"

    def __init__(
        self,
        replies: Sequence[Reply] | Callable[[list[Message]], Reply] | None = None,
        *,
        cycle: bool = True,
        scores: Mapping[str, float] | None = None,
        model: str = "scripted",
        cache: Any = False,
        **params: Any,
    ):
        super().__init__(model, cache=cache, **params)
        self._function = replies if callable(replies) else None
        self._replies = list(replies) if replies is not None and not callable(replies) else []
        self._cycle = cycle
        self._index = itertools.count()
        self._lock = threading.Lock()
        self._scores = dict(scores or {})
        self.calls: list[list[Message]] = []
        """Every conversation this backend was asked to complete, in order (for assertions)."""

    @classmethod
    def echo(cls, **params: Any) -> ScriptedBackend:
        """A backend that repeats the last user message."""
        return cls(_echo, model="scripted:echo", **params)

    def _next(self, messages: list[Message]) -> Reply:
        with self._lock:
            self.calls.append(messages)
            if self._function is not None:
                return self._function(messages)
            if not self._replies:
                raise BackendError("ScriptedBackend has no replies scripted")
            i = next(self._index)
            if i >= len(self._replies) and not self._cycle:
                raise IndexError(f"ScriptedBackend ran out of replies after {len(self._replies)}")
            return self._replies[i % len(self._replies)]

    def _complete_batch(
        self,
        conversations: list[list[Message]],
        *,
        schema: type[BaseModel] | None,
        tools: Sequence[Mapping[str, Any]] | None,
        **params: Any,
    ) -> list[Completion]:
        params.pop("hooks", None)
        p = self.effective_params(**params)
        seeds = p.get("seed")
        out = []
        for row, messages in enumerate(conversations):
            row_params = {**p, "seed": seeds[row] if isinstance(seeds, (list, tuple)) else seeds}
            out.append(self._to_completion(self._next(messages), messages, row_params, schema))
        return out

    def _to_completion(
        self,
        reply: Reply,
        messages: list[Message],
        params: dict[str, Any],
        schema: type[BaseModel] | None,
    ) -> Completion:
        provenance = self.provenance(params)
        if isinstance(reply, Completion):
            return reply.model_copy(update={"provenance": reply.provenance or provenance})
        if isinstance(reply, ToolCall):
            return Completion(tool_calls=[reply], finish_reason="tool_calls", provenance=provenance)
        if isinstance(reply, BaseModel):
            text = reply.model_dump_json()
        elif isinstance(reply, Mapping):
            text = json.dumps(reply)
        else:
            text = str(reply)
        text, _ = truncate_at_stop(text, normalize_stop(params.get("stop")))
        prompt_words = sum(len(str(m.get("content") or "").split()) for m in messages)
        completion = Completion(
            text=text,
            provenance=provenance,
            usage=Usage(prompt_tokens=prompt_words, completion_tokens=len(text.split())),
        )
        if schema is not None:
            try:
                completion.parsed = parse_structured(text, schema)
            except StructuredOutputError as exc:
                completion.error = str(exc)
        return completion

    def score_continuations(
        self, messages: Sequence[Message], candidates: Sequence[str], **params: Any
    ) -> list[float]:
        """Scripted log-probabilities: ``scores[candidate]`` or ``-len(candidate)``."""
        return [float(self._scores.get(c, -len(c))) for c in candidates]


def _echo(messages: list[Message]) -> str:
    for message in reversed(messages):
        if message["role"] == "user":
            return str(message.get("content") or "")
    return ""
