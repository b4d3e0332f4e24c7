"""Remote models through litellm: every provider, async with bounded concurrency, retries with
exponential backoff, structured output (JSON-schema response format, or JSON-in-text with
validate-and-repair retries) and native tool calling.

Example:
    >>> backend = RemoteBackend("openai/gpt-4.1-mini", temperature=0)       # doctest: +SKIP
    >>> backend.complete([{"role": "user", "content": "Hi"}]).text           # doctest: +SKIP
    >>> # any OpenAI-compatible server (vLLM, TGI, sdialog's own):
    >>> RemoteBackend("openai/my-model", api_base="http://127.0.0.1:8000/v1", api_key="x")
    RemoteBackend('openai/my-model', api_base='http://127.0.0.1:8000/v1')
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import json
import os
import random
import re
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel

from sdialog.llm._loop import close_soon, on_shared_loop, shared_loop, track
from sdialog.llm._openai_http import (
    MalformedResponseError,
    _key_from_environment,
    _openai_request,
    _post_chat,
    _split_api_base,
    _without_credentials,
)
from sdialog.llm.base import (
    Backend,
    BackendError,
    Completion,
    Message,
    StructuredOutputError,
    ToolCall,
    UnsupportedFeatureError,
    Usage,
    is_secret_name,
    normalize_stop,
    params_key,
    per_row,
    run_sync,
)
from sdialog.llm.secrets import (
    install_log_redaction,
    redact,
    register_secret,
    url_credentials,
)
from sdialog.llm.structured import (
    parse_structured,
    repair_messages,
    schema_of,
    with_schema_instructions,
)
from sdialog.llm.tools import normalize_tools

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
"""HTTP statuses retried with backoff (rate limits, timeouts, server errors)."""

_ALIASES = {"openai_api_base": "api_base", "base_url": "api_base", "openai_api_key": "api_key"}


def import_litellm() -> Any:
    """Import litellm quietly: no cost-map download, no debug banners."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    install_log_redaction()  # its log lines and tracebacks may quote keys from the environment
    return litellm


class RemoteBackend(Backend):
    """A model behind an API, called through litellm.

    Args:
        model: a litellm model string (``"openai/gpt-4.1"``, ``"ollama_chat/qwen3:14b"``,
            ``"anthropic/claude-..."``); :func:`sdialog.llm.get_backend` also maps SDialog-style
            ``"provider:model"`` strings to these.
        max_concurrency: requests in flight at once for a batch.
        max_retries: retries on 429/5xx/timeouts/connection errors, waiting
            ``backoff * 2**attempt`` seconds (with jitter) between tries.
        structured_output: ``"auto"`` (JSON-schema response format where litellm says the model
            supports it, else JSON in text), ``"json_schema"``, or ``"text"``.
        repair_retries: for JSON-in-text, how often an invalid reply is sent back to be fixed.
        transport: ``"litellm"``; ``"openai"``: the chat-completions protocol spoken directly
            over a pooled ``aiohttp`` session (for OpenAI-compatible endpoints); ``"auto"``: the
            direct path for ``openai/...`` models with an ``api_base``, litellm otherwise.
        **params: generation parameters and connection settings: ``api_base`` (alias
            ``openai_api_base``), ``api_key`` (alias ``openai_api_key``), ``timeout`` ... Anything
            else is passed to ``litellm.acompletion``. Keys never reach provenance or logs.
    """

    kind = "remote"
    seeds_by_default = False

    def __init__(
        self,
        model: str,
        *,
        max_concurrency: int = 8,
        max_retries: int = 4,
        backoff: float = 0.5,
        structured_output: Literal["auto", "json_schema", "text"] = "auto",
        repair_retries: int = 2,
        transport: Literal["auto", "litellm", "openai"] = "auto",
        cache: Any = None,
        **params: Any,
    ):
        params = {_ALIASES.get(k, k): v for k, v in params.items()}
        super().__init__(model, cache=cache, **params)
        register_secret(*_secret_values(params))
        install_log_redaction()  # keys from the environment too, even without a key parameter
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be >= 1")
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self.backoff = backoff
        self.structured_output = structured_output
        self.repair_retries = repair_retries
        if transport not in ("auto", "litellm", "openai"):
            raise ValueError(f"transport must be 'auto', 'litellm' or 'openai', got {transport!r}")
        self.transport = transport
        self._clients: dict[tuple[Any, ...], Any] = {}  # pooled HTTP sessions on the shared loop
        weakref.finalize(self, _close_sessions, self._clients)

    def close(self) -> None:
        """Close the pooled HTTP sessions now (they are also closed when the backend is garbage
        collected, and at exit); the next call opens new ones."""
        _close_sessions(self._clients)

    def provenance(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        info = super().provenance(params)
        merged = self.effective_params(**(params or {}))
        if merged.get("api_base"):
            info["api_base"] = _without_credentials(str(merged["api_base"]))
        return info

    def batch_key(self) -> Any:
        """Backends on the same endpoint and settings send their requests together."""
        settings = (self.max_concurrency, self.max_retries, self.backoff, self.structured_output)
        return (*params_key(self), *settings, self.repair_retries, self.transport)

    # -- the protocol --------------------------------------------------------------------------
    def _complete_batch(self, conversations, *, schema, tools, **params) -> list[Completion]:
        return run_sync(self._acomplete_batch(conversations, schema=schema, tools=tools, **params))

    async def _acomplete_batch(
        self,
        conversations: list[list[Message]],
        *,
        schema: type[BaseModel] | None,
        tools: Sequence[Mapping[str, Any]] | None,
        **params: Any,
    ) -> list[Completion]:
        if params.get("hooks"):
            raise UnsupportedFeatureError(
                "hooks need a local model; remote models cannot be hooked"
            )
        params = {_ALIASES.get(k, k): v for k, v in params.items() if k != "hooks"}
        if not on_shared_loop() and not self.uses_openai_transport(self.effective_params(**params)):
            # litellm binds its logging worker task to the first loop it runs on and orphans it
            # when the loop changes ("Task was destroyed but it is pending" at a later garbage
            # collection): litellm calls from the caller's own loop run on the shared loop too
            batch = self._acomplete_batch(conversations, schema=schema, tools=tools, **params)
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(batch, shared_loop()))
        seeds = per_row(params.pop("seed", None), len(conversations), "seed")
        semaphore = asyncio.Semaphore(self.max_concurrency)
        rng = random.Random(0)
        # everything but the seed is the same for every row: work it out once per batch
        base = self.effective_params(**params)
        base_request = self._request(base, tools)
        base_provenance = self.provenance(base)
        client, owned = self._http_client(base)
        if client is None and base.get("api_base"):
            _check_litellm_api_base(str(base["api_base"]))

        async def one(messages: list[Message], seed: Any) -> Completion:
            if seed is None:
                p, request, provenance = base, dict(base_request), base_provenance
            else:
                p, request = {**base, "seed": seed}, {**base_request, "seed": seed}
                provenance = {
                    **base_provenance,
                    "params": {**base_provenance["params"], "seed": seed},
                    "seed": seed,
                }
            async with semaphore:
                return await self._one(messages, schema, p, request, provenance, rng, client)

        try:
            rows = zip(conversations, seeds, strict=True)
            # a failed row is its BackendError in its slot: the good rows are never sent again
            outcomes = await asyncio.gather(*(one(c, s) for c, s in rows), return_exceptions=True)
        finally:
            if owned:
                await client.close()
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                raise outcome  # cancellation, KeyboardInterrupt: not a row's failure
        return list(outcomes)

    def uses_openai_transport(self, p: Mapping[str, Any]) -> bool:
        """Whether calls go straight to an OpenAI-compatible endpoint over a pooled HTTP client.

        ``transport="auto"`` does so for ``openai/...`` models with an ``api_base`` (vLLM, TGI,
        sdialog's server, any OpenAI-compatible server): litellm costs ~20 ms of CPU per request
        and the ``openai`` SDK's request validation several more, which caps throughput at high
        concurrency. Every other provider goes through litellm.
        """
        if self.transport != "auto":
            return self.transport == "openai"
        return self.model.startswith("openai/") and bool(p.get("api_base"))

    def _http_client(self, p: Mapping[str, Any]) -> tuple[Any, bool]:
        """The pooled HTTP session of the direct transport and whether the caller must close it
        (``(None, False)`` when litellm is used).

        On the shared event loop of synchronous calls, one session per endpoint and key is kept
        for the backend's lifetime, so connections stay open from one simulation step to the
        next; a caller's own event loop gets a session for this batch only. aiohttp, because
        httpx's connection pool stalls under a hundred concurrent keep-alive requests.
        """
        if not self.uses_openai_transport(p):
            return None, False
        import aiohttp

        timeout = p.get("timeout") or 600
        api_key = p.get("api_key") or _key_from_environment(self.model)
        key = (str(p.get("api_base")), str(api_key), timeout, self.max_concurrency)
        if on_shared_loop() and key in self._clients:
            return self._clients[key], False
        base_url, auth, _ = _split_api_base(str(p.get("api_base")), api_key)
        session = aiohttp.ClientSession(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}"} if api_key else None,
            auth=auth,
            connector=aiohttp.TCPConnector(limit=self.max_concurrency),
            timeout=aiohttp.ClientTimeout(total=timeout),
        )
        if on_shared_loop():
            self._clients[key] = session
            track(session)
            return session, False
        return session, True

    async def _one(
        self,
        messages: list[Message],
        schema: type[BaseModel] | None,
        p: dict[str, Any],
        request: dict[str, Any],
        provenance: dict[str, Any],
        rng: random.Random,
        client: Any = None,
    ) -> Completion:
        use_schema_format = schema is not None and self._supports_schema(p)
        if schema is not None and use_schema_format:
            request["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": schema_of(schema)},
            }
        elif schema is not None:
            messages = with_schema_instructions(messages, schema)
        completion = await self._call(messages, request, p, provenance, rng, client)
        if schema is None:
            return completion
        for attempt in range(self.repair_retries + 1):
            try:
                completion.parsed = parse_structured(completion.text, schema)
                completion.error = None
                return completion
            except StructuredOutputError as exc:
                completion.error = str(exc)
                if attempt == self.repair_retries:
                    break
                messages = repair_messages(messages, completion.text, exc)
                completion = await self._call(messages, request, p, provenance, rng, client)
        return completion

    # -- helpers -------------------------------------------------------------------------------
    def _request(
        self, p: dict[str, Any], tools: Sequence[Mapping[str, Any]] | None
    ) -> dict[str, Any]:
        request = {k: v for k, v in p.items() if v is not None}
        stops = normalize_stop(request.pop("stop", None))
        if stops:
            request["stop"] = stops
        request.pop("repetition_penalty", None)  # not an OpenAI-style parameter
        specs = normalize_tools(tools)
        if specs:
            request["tools"] = specs
        return request

    def _supports_schema(self, p: dict[str, Any]) -> bool:
        if self.structured_output != "auto":
            return self.structured_output == "json_schema"
        litellm = import_litellm()
        try:
            return bool(litellm.supports_response_schema(model=self.model))
        except Exception:  # litellm raises for models it does not know
            return False

    async def _call(
        self,
        messages: list[Message],
        request: dict[str, Any],
        p: dict[str, Any],
        provenance: dict[str, Any],
        rng: random.Random,
        client: Any = None,
    ) -> Completion:
        litellm = import_litellm() if client is None else None
        if client is not None:
            body, headers = _openai_request(self.model, messages, request)
            query = _split_api_base(str(p.get("api_base")), None)[2]  # e.g. ?api-version=...
            send = lambda: _post_chat(client, body, headers, query)  # noqa: E731
        else:
            send = lambda: litellm.acompletion(  # noqa: E731
                model=self.model, messages=messages, num_retries=0, **request
            )
        if client is None and request.get("tools") and _has_mcp_gateway():
            # plain function tools never go through litellm's MCP gateway, whose import needs the
            # optional `mcp` package (litellm 1.106 imports it for every request with tools)
            request = {**request, "_skip_mcp_handler": True}
        # one retry budget per request, the same policy for both transports: rate limits, server
        # errors, timeouts, dropped connections and malformed or truncated replies are retried
        for attempt in range(self.max_retries + 1):
            try:
                return self._to_completion(await send(), provenance)
            except Exception as exc:  # litellm maps provider errors to its own exception types
                status = getattr(exc, "status_code", None)
                retryable = status in RETRY_STATUS or _is_transient(exc, litellm)
                if not retryable or attempt == self.max_retries:
                    raise BackendError(
                        redact(
                            f"{self.model}: {type(exc).__name__} (status {status}) after "
                            f"{attempt + 1} attempt(s): {_describe(exc, p)}"
                        )[:1000]
                    ) from None
                await asyncio.sleep(self.backoff * 2**attempt * (0.5 + rng.random()))
        raise AssertionError("unreachable")

    def _to_completion(self, response: Any, provenance: dict[str, Any]) -> Completion:
        """A completion from an OpenAI-shaped response: litellm's object or the raw JSON dict.

        Raises :class:`MalformedResponseError` (retried) saying what the provider sent when the
        reply has no usable choice or its content is not text.
        """
        choices = _field(response, "choices")
        if not isinstance(choices, Sequence) or isinstance(choices, str) or not choices:
            raise MalformedResponseError(f"the provider sent no completion: choices = {choices!r}")
        choice = choices[0]
        message = _field(choice, "message")
        if message is None:
            raise MalformedResponseError(
                f"the provider sent a choice without a message: {choice!r}"
            )
        content = _field(message, "content")
        if content is not None and not isinstance(content, str):
            raise MalformedResponseError(
                f"the provider sent non-text content ({type(content).__name__}): {content!r}"
            )
        calls = []
        for i, call in enumerate(_field(message, "tool_calls") or []):
            function = _field(call, "function")
            arguments = _field(function, "arguments")
            try:
                arguments = json.loads(arguments) if isinstance(arguments, str) else arguments
            except json.JSONDecodeError:
                arguments = {"_raw": arguments}
            calls.append(
                ToolCall(
                    id=_field(call, "id") or f"call_{i}",
                    name=_field(function, "name"),
                    arguments=arguments or {},
                )
            )
        usage = _field(response, "usage")
        finish = _field(choice, "finish_reason")
        return Completion(
            text=content or "",
            reasoning=_field(message, "reasoning_content") or None,
            tool_calls=calls,
            finish_reason="tool_calls" if calls else ("length" if finish == "length" else "stop"),
            usage=Usage(
                prompt_tokens=_field(usage, "prompt_tokens") or 0,
                completion_tokens=_field(usage, "completion_tokens") or 0,
            ),
            provenance=dict(provenance),
        )


def _field(obj: Any, name: str) -> Any:
    """``obj[name]`` for JSON dicts, ``obj.name`` for response objects; ``None`` if absent."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _close_sessions(sessions: dict[tuple[Any, ...], Any]) -> None:
    closing = list(sessions.values())
    sessions.clear()
    close_soon(closing)


@functools.cache
def _has_mcp_gateway() -> bool:
    """Whether this litellm routes chat requests with tools through its MCP gateway first."""
    try:
        spec = importlib.util.find_spec("litellm.responses.mcp.chat_completions_handler")
        return spec is not None
    except ImportError:
        return False


def _is_transient(exc: Exception, litellm: Any) -> bool:
    import aiohttp

    transient = tuple(
        t
        for t in (
            MalformedResponseError,
            aiohttp.ClientConnectionError,  # refused or dropped connections, socket timeouts
            aiohttp.ClientPayloadError,
            *(
                getattr(litellm, name, None)
                for name in (
                    "Timeout",
                    "APIConnectionError",
                    "RateLimitError",
                    "ServiceUnavailableError",
                    "InternalServerError",
                )
            ),
        )
        if isinstance(t, type)
    )
    return isinstance(exc, (*transient, asyncio.TimeoutError, ConnectionError))


def _describe(exc: Exception, p: Mapping[str, Any]) -> str:
    """What went wrong, in words (a timeout names the timeout); the caller redacts it."""
    text = str(exc)
    if isinstance(exc, asyncio.TimeoutError) or "timeout" in type(exc).__name__.lower():
        timeout = p.get("timeout") or 600
        return f"no reply within the timeout of {timeout} s (timeout={timeout}) {text}".strip()
    head, marker, trace = text.partition("Traceback (most recent call last):")
    if marker:  # litellm quotes whole tracebacks: keep the final exception, which says what failed
        lines = trace.strip().splitlines()
        last = max(
            (i for i, line in enumerate(lines) if re.match(r"[\w.]+(Error|Exception)\b", line)),
            default=len(lines) - 1,
        )
        text = head.strip() + " " + " ".join(line.strip() for line in lines[last:])
    for key, value in p.items():  # keys too short for redact() to match them by value
        if isinstance(value, str) and len(value) >= 3 and is_secret_name(key):
            text = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", "***", text)
    return text


def _secret_values(params: Mapping[str, Any]) -> list[str]:
    """Credential values among backend parameters: secret-named ones and the API base URL."""
    found = [v for k, v in params.items() if isinstance(v, str) and is_secret_name(k)]
    for k, v in params.items():
        if isinstance(v, Mapping) and is_secret_name(k):  # extra_headers={"Authorization": ...}
            found.extend(str(x) for x in v.values())
    if isinstance(params.get("api_base"), str):  # user:password@ and ?key=... (not the URL)
        found.extend(url_credentials(params["api_base"]))
    return found


def _check_litellm_api_base(url: str) -> None:
    """litellm cannot use an ``api_base`` with ``user:password@`` (its client also sends a bearer
    key) or a query string (it appends the path after the query): say so before sending."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.username is not None or parts.query:
        what = "user:password@" if parts.username is not None else "a query string"
        raise BackendError(
            f"api_base {_without_credentials(url)!r} carries {what}, which litellm cannot send; "
            "use transport='openai' (the direct OpenAI-compatible transport takes both), or give "
            "the key as api_key"
        )
