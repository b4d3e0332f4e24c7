"""The one backend protocol every model-using component talks to, and its result types.

A backend turns chat messages (OpenAI-style dicts) into a :class:`Completion`. It answers many
conversations at once (:meth:`Backend.complete_batch`) or one (:meth:`Backend.complete`), with
async twins, can return output validated against a pydantic model (``schema=``), can call tools
(``tools=``), and may score candidate continuations by log-probability (local models). Every
completion carries provenance: the model, the effective generation parameters and the seed, never
a secret.

Example:
    >>> from sdialog.llm import ScriptedBackend
    >>> backend = ScriptedBackend(["Hello!"])
    >>> backend.complete([{"role": "user", "content": "Hi"}]).text
    'Hello!'
"""

from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

from sdialog.llm._loop import run_sync  # noqa: F401  (re-exported for backends)

Message = dict[str, Any]
"""A chat message: ``{"role": "system"|"user"|"assistant"|"tool", "content": str, ...}``."""

Conversation = Sequence[Message]

GENERATION_PARAMS = frozenset(
    {
        "temperature",
        "max_tokens",
        "top_p",
        "top_k",
        "seed",
        "stop",
        "repetition_penalty",
        "presence_penalty",
        "frequency_penalty",
    }
)
"""Parameters that shape generation and are recorded in provenance."""

_SECRET_WORDS = frozenset(
    {"key", "apikey", "token", "secret", "password", "authorization", "credential", "credentials"}
)
_SECRET_WORDS_ANYWHERE = ("headers",)  # header dicts may carry an Authorization value


class BackendError(RuntimeError):
    """A model backend failed (provider error, bad response, unsupported request)."""


class ModelStringError(ValueError):
    """A model string has a form that no backend accepts."""


class StructuredOutputError(BackendError):
    """The model's reply could not be validated against the requested schema.

    ``raw`` holds the last reply text and ``errors`` the validation messages.
    """

    def __init__(self, message: str, raw: str = "", errors: Sequence[str] = ()):
        super().__init__(message)
        self.raw = raw
        self.errors = list(errors)


class UnsupportedFeatureError(BackendError):
    """The backend cannot do what was asked (e.g. log-probability scoring on a remote model)."""


class ToolCall(BaseModel):
    """One tool invocation requested by the model.

    Example:
        >>> ToolCall(id="call_0", name="get_weather", arguments={"city": "Paris"}).name
        'get_weather'
    """

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Usage(BaseModel):
    """Token counts of one completion."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Completion(BaseModel):
    """The result of one completion.

    Attributes:
        text: the reply text (for structured output, the JSON text).
        parsed: the validated pydantic object when a ``schema`` was given, else ``None``.
        tool_calls: tool invocations the model asked for (``finish_reason == "tool_calls"``).
        finish_reason: ``"stop"`` (end of turn or stop string), ``"length"`` (hit ``max_tokens``)
            or ``"tool_calls"``.
        usage: token counts.
        provenance: model, backend kind, effective parameters and seed (never secrets).
        cached: ``True`` when replayed from the response cache.
        reasoning: the model's separate reasoning text, when the provider returns one.
        annotations: what generation hooks measured on this reply (local models).
        error: why structured output or a tool call could not be parsed (``parsed`` is then
            ``None``). :meth:`Backend.complete` raises instead; batches keep going row by row.

    Example:
        >>> Completion(text="Hi", provenance={"model": "scripted"}).finish_reason
        'stop'
    """

    text: str = ""
    parsed: Any = Field(default=None, exclude=True)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    finish_reason: Literal["stop", "length", "tool_calls"] = "stop"
    usage: Usage = Field(default_factory=Usage)
    provenance: dict[str, Any] = Field(default_factory=dict)
    cached: bool = False
    error: str | None = None
    reasoning: str | None = None
    annotations: dict[str, Any] = Field(default_factory=dict)
    """What generation hooks measured on this reply (e.g. ``{"monitors": {...}}`` from an
    interpretability Inspector with monitors); empty otherwise."""


SchemaT = TypeVar("SchemaT", bound=BaseModel)


def is_secret_name(name: str) -> bool:
    """Return True for parameter names that may hold credentials.

    Names are split into words, so ``api_key``, ``access_token``, ``aws_secret_access_key`` and
    ``extra_headers`` are secret while ``max_tokens`` is not.

    Example:
        >>> [is_secret_name(n) for n in ("api_key", "AUTH_TOKEN", "max_tokens", "temperature")]
        [True, True, False, False]
    """
    words = set(re.split(r"[^a-z0-9]+", name.lower()))
    return bool(words & _SECRET_WORDS) or any(w in name.lower() for w in _SECRET_WORDS_ANYWHERE)


def redact(params: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``params`` without credentials (keys like ``api_key``, ``*_token``).

    Example:
        >>> redact({"temperature": 0, "api_key": "sk-123"})
        {'temperature': 0}
    """
    return {k: v for k, v in params.items() if not is_secret_name(k)}


def validate_conversation(messages: Any, where: str = "messages") -> list[Message]:
    """Check that ``messages`` is a list of role/content dicts; return a shallow copy of each.

    Copies protect the caller's list from mutation by backends (a reference-toolkit defect).
    """
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise TypeError(f"{where} must be a list of message dicts, got {type(messages).__name__}")
    checked: list[Message] = []
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise TypeError(f"{where}[{i}] must be a dict, got {type(message).__name__}")
        role = message.get("role")
        if role not in ("system", "user", "assistant", "tool"):
            raise ValueError(
                f"{where}[{i}]['role'] must be one of system/user/assistant/tool, got {role!r}"
            )
        checked.append(dict(message))
    return checked


class Backend(ABC):
    """The protocol of every model backend.

    Subclasses implement :meth:`_complete_batch` (or :meth:`_acomplete_batch`); everything else —
    parameter merging, the N=1 case, async/sync twins, provenance — is shared here.

    Args:
        model: the model string this backend was made from (recorded in provenance).
        **params: default generation/connection parameters; per-call parameters override them.
    """

    kind: str = "base"
    seeds_by_default: bool = True
    """When no seed is given, use ``sdialog.config.get_seed()`` (local, reproducible backends)."""

    def __init__(self, model: str, *, cache: Any = None, **params: Any):
        self.model = model
        self.params: dict[str, Any] = dict(params)
        self.cache = _resolve_cache(cache)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in redact(self.params).items())
        return f"{type(self).__name__}({self.model!r}{', ' if shown else ''}{shown})"

    # -- parameters and provenance -------------------------------------------------------------
    def effective_params(self, **overrides: Any) -> dict[str, Any]:
        """Merge the backend defaults with per-call ``overrides`` (``None`` values are ignored)."""
        merged = dict(self.params)
        merged.update({k: v for k, v in overrides.items() if v is not None})
        if self.seeds_by_default and merged.get("seed") is None:
            from sdialog import config

            merged["seed"] = config.get_seed()
        return merged

    def provenance(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Describe the model and effective generation parameters, without secrets.

        Example:
            >>> from sdialog.llm import ScriptedBackend
            >>> ScriptedBackend(["x"], temperature=0).provenance()["params"]
            {'temperature': 0, 'seed': 42}
        """
        params = self.effective_params(**(params or {}))
        generation = {k: v for k, v in redact(params).items() if k in GENERATION_PARAMS}
        return {
            "model": self.model,
            "backend": self.kind,
            "params": generation,
            "seed": generation.get("seed"),
        }

    def batch_key(self) -> Any:
        """Requests to backends with equal keys may go to the model in one batched call.

        The default is this object alone; backends whose instances are interchangeable (same
        model, same connection settings) return a key built from those, so dialogs whose agents
        each made their own backend still share batches.
        """
        return ("instance", id(self))

    # -- the protocol --------------------------------------------------------------------------
    def complete(
        self,
        messages: Conversation,
        *,
        schema: type[BaseModel] | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        **params: Any,
    ) -> Completion:
        """Complete one conversation; see :meth:`complete_batch` for the arguments.

        Raises:
            StructuredOutputError: when ``schema``/``tools`` output could not be parsed.
        """
        return _raise_on_error(
            self.complete_batch([messages], schema=schema, tools=tools, **params)[0]
        )

    def complete_batch(
        self,
        conversations: Sequence[Conversation],
        *,
        schema: type[BaseModel] | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        return_exceptions: bool = False,
        **params: Any,
    ) -> list[Completion]:
        """Complete many conversations in one call; results are in input order.

        Args:
            conversations: each a list of ``{"role", "content"}`` messages (never mutated).
            schema: a pydantic model; each completion's ``parsed`` is a validated instance.
            tools: OpenAI-style tool specs (see :func:`sdialog.llm.tools.function_to_tool`).
            return_exceptions: when a row fails on its own (a remote request that still fails
                after its retries), put its exception in its slot and return the other rows,
                instead of raising the first failure once all rows are done. Either way the rows
                that succeeded are never sent again.
            **params: ``temperature``, ``max_tokens``, ``top_p``, ``top_k``, ``seed`` (an int, or
                a list with one seed per conversation), ``stop`` (str or list) ...
        """
        plan = self._plan(conversations, schema, tools, params)
        if plan.misses:
            computed = self._complete_batch(
                plan.missing_conversations(), schema=schema, tools=tools, **plan.missing_params()
            )
            plan.fill(computed)
        return plan.results(return_exceptions)

    async def acomplete(
        self,
        messages: Conversation,
        *,
        schema: type[BaseModel] | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        **params: Any,
    ) -> Completion:
        """Async twin of :meth:`complete`."""
        result = await self.acomplete_batch([messages], schema=schema, tools=tools, **params)
        return _raise_on_error(result[0])

    async def acomplete_batch(
        self,
        conversations: Sequence[Conversation],
        *,
        schema: type[BaseModel] | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        return_exceptions: bool = False,
        **params: Any,
    ) -> list[Completion]:
        """Async twin of :meth:`complete_batch`.

        Backends that compute in-process run in a worker thread so the event loop never blocks.
        """
        plan = self._plan(conversations, schema, tools, params)
        if plan.misses:
            computed = await self._acomplete_batch(
                plan.missing_conversations(), schema=schema, tools=tools, **plan.missing_params()
            )
            plan.fill(computed)
        return plan.results(return_exceptions)

    def score_continuations(
        self, messages: Conversation, candidates: Sequence[str], **params: Any
    ) -> list[float]:
        """Return the total log-probability of each candidate as the assistant's next reply.

        Used by judges (e.g. P("yes") vs P("no")). Local backends implement it; others raise
        :class:`UnsupportedFeatureError`.
        """
        raise UnsupportedFeatureError(
            f"{type(self).__name__} ({self.model}) cannot score continuations by log-probability; "
            "use a local model ('huggingface:...' or the embedded default)"
        )

    def _plan(
        self,
        conversations: Sequence[Conversation],
        schema: type[BaseModel] | None,
        tools: Sequence[Mapping[str, Any]] | None,
        params: dict[str, Any],
    ) -> _CachePlan:
        """Validate (and copy) the conversations and look each one up in the response cache."""
        convs = [
            validate_conversation(c, f"conversations[{i}]") for i, c in enumerate(conversations)
        ]
        return _CachePlan(self, convs, schema, tools, params)

    # -- for subclasses ------------------------------------------------------------------------
    # A subclass returns one Completion per conversation; a row that failed on its own (e.g. a
    # remote request that still failed after its retries) may be its exception instead.
    @abstractmethod
    def _complete_batch(
        self,
        conversations: list[list[Message]],
        *,
        schema: type[BaseModel] | None,
        tools: Sequence[Mapping[str, Any]] | None,
        **params: Any,
    ) -> list[Completion]: ...

    async def _acomplete_batch(
        self,
        conversations: list[list[Message]],
        *,
        schema: type[BaseModel] | None,
        tools: Sequence[Mapping[str, Any]] | None,
        **params: Any,
    ) -> list[Completion]:
        return await asyncio.to_thread(
            self._complete_batch, conversations, schema=schema, tools=tools, **params
        )


def per_row(value: Any, n: int, name: str) -> list[Any]:
    """Expand a scalar parameter to ``n`` rows, or check that a list has exactly ``n`` items."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} has {len(value)} values for {n} conversations")
        return list(value)
    return [value] * n


def normalize_stop(stop: Any) -> list[str]:
    """Return stop strings as a list (``None`` → ``[]``, a string → ``[string]``)."""
    if stop is None:
        return []
    if isinstance(stop, str):
        return [stop]
    return [s for s in stop if s]


def truncate_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """Cut ``text`` at the first stop string; return ``(text, stopped)``.

    Example:
        >>> truncate_at_stop("Hello. User: hi", ["User:"])
        ('Hello. ', True)
    """
    cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def params_key(backend: Backend) -> tuple[Any, ...]:
    """The parts of a backend that decide what a call does: class, model, parameters, cache.

    Kept in memory only (it may hold connection secrets, so it is never logged or saved).
    """
    import json

    cache = getattr(backend.cache, "path", backend.cache)
    return (
        type(backend).__qualname__,
        backend.model,
        json.dumps(backend.params, sort_keys=True, default=repr),
        str(cache) if cache is not None else None,
    )


def _raise_on_error(completion: Completion) -> Completion:
    if completion.error:
        raise StructuredOutputError(
            completion.error, raw=completion.text, errors=[completion.error]
        )
    return completion


def _resolve_cache(cache: Any) -> Any:
    """``None`` → the config's response cache (if on); ``False`` → off; a path or cache object."""
    from sdialog.llm.cache import ResponseCache

    if cache is None:
        from sdialog import config

        path = config.get_response_cache_path()
        return ResponseCache(path) if path is not None else None
    if cache is False:
        return None
    if cache is True:
        from sdialog import config

        return ResponseCache(config.get_cache_dir() / "responses")
    if isinstance(cache, ResponseCache):
        return cache
    return ResponseCache(cache)


class _CachePlan:
    """Splits a batch into cache hits and misses, then merges computed results back in order."""

    def __init__(
        self,
        backend: Backend,
        convs: list[list[Message]],
        schema: type[BaseModel] | None,
        tools: Sequence[Mapping[str, Any]] | None,
        params: dict[str, Any],
    ):
        self.backend, self.convs, self.schema, self.params = backend, convs, schema, params
        self.slots: list[Any] = [None] * len(convs)  # Completion, a row's exception, or None
        self.seeds = per_row(params.get("seed"), len(convs), "seed")
        self.keys: list[str | None] = [None] * len(convs)
        # hooks (steering, capture) change or observe the computation: never replay those calls
        if backend.cache is not None and not params.get("hooks"):
            schema_json = schema.model_json_schema() if schema is not None else None
            tool_specs = [t if isinstance(t, Mapping) else repr(t) for t in tools or []]
            for i, conv in enumerate(convs):
                row = backend.effective_params(**{**params, "seed": self.seeds[i]})
                self.keys[i] = backend.cache.key(backend.model, row, conv, schema_json, tool_specs)
                hit = backend.cache.get(self.keys[i])
                if hit is not None and schema is not None:
                    from sdialog.llm.structured import parse_structured

                    hit.parsed = parse_structured(hit.text, schema)
                self.slots[i] = hit
        self.misses = [i for i, slot in enumerate(self.slots) if slot is None]

    def missing_conversations(self) -> list[list[Message]]:
        return [self.convs[i] for i in self.misses]

    def missing_params(self) -> dict[str, Any]:
        if isinstance(self.params.get("seed"), (list, tuple)):
            return {**self.params, "seed": [self.seeds[i] for i in self.misses]}
        return self.params

    def fill(self, computed: list[Completion]) -> None:
        if len(computed) != len(self.misses):
            raise BackendError(
                f"backend returned {len(computed)} completions for {len(self.misses)}"
            )
        for i, completion in zip(self.misses, computed, strict=True):
            self.slots[i] = completion
            key = self.keys[i]
            if isinstance(completion, Exception) or key is None or self.backend.cache is None:
                continue
            if not completion.error:
                self.backend.cache.put(key, completion)

    def results(self, return_exceptions: bool = False) -> list[Any]:
        if not return_exceptions:
            for slot in self.slots:
                if isinstance(slot, Exception):
                    raise slot
        return [slot for slot in self.slots if slot is not None]
