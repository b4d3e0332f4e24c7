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
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel

from sdialog.llm.base import (
    Backend,
    BackendError,
    Completion,
    Message,
    StructuredOutputError,
    ToolCall,
    UnsupportedFeatureError,
    Usage,
    normalize_stop,
    per_row,
    run_sync,
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

    def provenance(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        info = super().provenance(params)
        merged = self.effective_params(**(params or {}))
        if merged.get("api_base"):
            info["api_base"] = _without_credentials(str(merged["api_base"]))
        return info

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
        if params.pop("hooks", None):
            raise UnsupportedFeatureError(
                "hooks need a local model; remote models cannot be hooked"
            )
        params = {_ALIASES.get(k, k): v for k, v in params.items()}
        seeds = per_row(params.pop("seed", None), len(conversations), "seed")
        semaphore = asyncio.Semaphore(self.max_concurrency)
        rng = random.Random(0)
        client = self._openai_client(self.effective_params(**params))

        async def one(messages: list[Message], seed: Any) -> Completion:
            async with semaphore:
                row = {**params, "seed": seed}
                return await self._one(messages, schema, tools, row, rng, client)

        try:
            rows = zip(conversations, seeds, strict=True)
            return list(await asyncio.gather(*(one(c, s) for c, s in rows)))
        finally:
            if client is not None:
                await client.close()

    def uses_openai_transport(self, p: Mapping[str, Any]) -> bool:
        """Whether calls go straight to an OpenAI-compatible endpoint with the ``openai`` SDK.

        ``transport="auto"`` does so for ``openai/...`` models with an ``api_base`` (vLLM, TGI,
        sdialog's server, any OpenAI-compatible server): litellm costs ~20 ms of CPU per request,
        which caps throughput at high concurrency. Every other provider goes through litellm.
        """
        if self.transport != "auto":
            return self.transport == "openai"
        return self.model.startswith("openai/") and bool(p.get("api_base"))

    def _openai_client(self, p: Mapping[str, Any]) -> Any:
        """One pooled client for a whole batch, or ``None`` when litellm is used."""
        if not self.uses_openai_transport(p):
            return None
        import httpx
        from openai import AsyncOpenAI

        limits = httpx.Limits(
            max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency
        )
        return AsyncOpenAI(
            base_url=p.get("api_base"),
            api_key=p.get("api_key") or "not-needed",
            max_retries=0,  # retries are ours, with backoff
            timeout=p.get("timeout") or 600,
            http_client=httpx.AsyncClient(limits=limits, timeout=p.get("timeout") or 600),
        )

    async def _one(
        self,
        messages: list[Message],
        schema: type[BaseModel] | None,
        tools: Sequence[Mapping[str, Any]] | None,
        params: dict[str, Any],
        rng: random.Random,
        client: Any = None,
    ) -> Completion:
        p = self.effective_params(**params)
        request = self._request(p, tools)
        use_schema_format = schema is not None and self._supports_schema(p)
        if schema is not None and use_schema_format:
            request["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": schema_of(schema)},
            }
        elif schema is not None:
            messages = with_schema_instructions(messages, schema)
        completion = await self._call(messages, request, p, rng, client)
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
                completion = await self._call(messages, request, p, rng, client)
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
        rng: random.Random,
        client: Any = None,
    ) -> Completion:
        litellm = import_litellm()
        if client is not None:
            kwargs = _openai_request(self.model, messages, request)
            send = lambda: client.chat.completions.create(**kwargs)  # noqa: E731
        else:
            send = lambda: litellm.acompletion(  # noqa: E731
                model=self.model, messages=messages, num_retries=0, **request
            )
        if client is None and request.get("tools") and _has_mcp_gateway():
            # plain function tools never go through litellm's MCP gateway, whose import needs the
            # optional `mcp` package (litellm 1.106 imports it for every request with tools)
            request = {**request, "_skip_mcp_handler": True}
        for attempt in range(self.max_retries + 1):
            try:
                return self._to_completion(await send(), p)
            except Exception as exc:  # litellm maps provider errors to its own exception types
                status = getattr(exc, "status_code", None)
                retryable = status in RETRY_STATUS or _is_transient(exc, litellm)
                if not retryable or attempt == self.max_retries:
                    raise BackendError(
                        f"{self.model}: {type(exc).__name__} (status {status}) after "
                        f"{attempt + 1} attempt(s): {_safe_message(exc, p)}"
                    ) from None
                await asyncio.sleep(self.backoff * 2**attempt * (0.5 + rng.random()))
        raise AssertionError("unreachable")

    def _to_completion(self, response: Any, p: dict[str, Any]) -> Completion:
        choice = response.choices[0]
        message = choice.message
        calls = []
        for i, call in enumerate(getattr(message, "tool_calls", None) or []):
            arguments = call.function.arguments
            try:
                arguments = json.loads(arguments) if isinstance(arguments, str) else arguments
            except json.JSONDecodeError:
                arguments = {"_raw": arguments}
            calls.append(
                ToolCall(
                    id=call.id or f"call_{i}", name=call.function.name, arguments=arguments or {}
                )
            )
        usage = getattr(response, "usage", None)
        finish = choice.finish_reason
        return Completion(
            text=message.content or "",
            reasoning=getattr(message, "reasoning_content", None) or None,
            tool_calls=calls,
            finish_reason="tool_calls" if calls else ("length" if finish == "length" else "stop"),
            usage=Usage(
                prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
                completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
            ),
            provenance=self.provenance(p),
        )


@functools.cache
def _has_mcp_gateway() -> bool:
    """Whether this litellm routes chat requests with tools through its MCP gateway first."""
    try:
        spec = importlib.util.find_spec("litellm.responses.mcp.chat_completions_handler")
        return spec is not None
    except ImportError:
        return False


def _without_credentials(url: str) -> str:
    """Drop ``user:password@`` and query strings (which may carry keys) from a URL.

    Example:
        >>> _without_credentials("https://me:pw@host:8000/v1?key=abc")
        'https://host:8000/v1'
        >>> _without_credentials("http://[::1]:1333/v1")
        'http://[::1]:1333/v1'
    """
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


_OPENAI_PARAMS = frozenset(
    {
        "temperature",
        "max_tokens",
        "top_p",
        "seed",
        "stop",
        "presence_penalty",
        "frequency_penalty",
        "tools",
        "tool_choice",
        "response_format",
        "n",
        "logprobs",
        "top_logprobs",
        "user",
        "logit_bias",
        "extra_headers",
    }
)
_CONNECTION = frozenset({"api_base", "api_key", "timeout", "api_version"})


def _openai_request(model: str, messages: list[Message], request: Mapping[str, Any]) -> dict:
    """Arguments for ``client.chat.completions.create``: OpenAI parameters as such, other
    generation parameters (``top_k`` ...) in ``extra_body``, connection settings dropped."""
    kwargs: dict[str, Any] = {"model": model.split("/", 1)[1], "messages": messages}
    extra = {}
    for key, value in request.items():
        if key in _CONNECTION or key.startswith("_"):
            continue
        (kwargs if key in _OPENAI_PARAMS else extra)[key] = value
    if extra:
        kwargs["extra_body"] = extra
    return kwargs


def _is_transient(exc: Exception, litellm: Any) -> bool:
    import openai

    transient = tuple(
        t
        for t in (
            openai.APITimeoutError,
            openai.APIConnectionError,
            openai.RateLimitError,
            openai.InternalServerError,
            getattr(litellm, "Timeout", None),
            getattr(litellm, "APIConnectionError", None),
            getattr(litellm, "RateLimitError", None),
            getattr(litellm, "ServiceUnavailableError", None),
            getattr(litellm, "InternalServerError", None),
        )
        if isinstance(t, type)
    )
    return isinstance(exc, (*transient, asyncio.TimeoutError, ConnectionError))


def _safe_message(exc: Exception, p: Mapping[str, Any]) -> str:
    """The exception text with any credential from the parameters blanked out."""
    text = str(exc)
    for key, value in p.items():
        if isinstance(value, str) and len(value) >= 4 and "key" in key.lower():
            text = text.replace(value, "***")
    return text[:500]
