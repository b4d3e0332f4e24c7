"""Request models of the HTTP API (OpenAI- and Ollama-shaped) and their validation errors.

Requests are parsed by hand (``parse_request``) rather than by FastAPI's body binding, so that a
malformed body always becomes a 400 whose message names the offending field.

Example:
    >>> request = parse_request(ChatCompletionRequest, b'{"model": "Sam", "messages": []}')
    >>> request.model, request.stream
    ('Sam', False)
    >>> parse_request(ChatCompletionRequest, b'{"messages": "hi"}')
    Traceback (most recent call last):
    ...
    sdialog.server.schemas.RequestError: messages: Input should be a valid list
"""

from __future__ import annotations

import json
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_STOP_STRINGS = 4
"""Stop strings a request may set (OpenAI's limit), on every route."""

MAX_STOP_CHARS = 256
"""Characters in one stop string (a long stop string costs a scan of every generated token)."""

MAX_JSON_DEPTH = 64
"""How deeply a request body may nest (arrays and objects)."""


class RequestError(ValueError):
    """A bad request: ``status`` (400, 404 ...), the field at fault (``param``) and a ``code``."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.param = param
        self.code = code or {400: "invalid_request", 404: "model_not_found"}.get(status)
        self.headers = headers or {}


def _refuse_client_tools(cls: type, value: Any) -> Any:
    """``tools`` validator: client-side tools are refused (the agent has its own)."""
    if value:
        raise ValueError("client-side tools are not supported; the agent has its own")
    return value


def _bounded_stops(cls: type, value: Any) -> Any:
    """``stop`` validator: at most :data:`MAX_STOP_STRINGS` of at most :data:`MAX_STOP_CHARS`."""
    stops = [value] if isinstance(value, str) else list(value or [])
    if len(stops) > MAX_STOP_STRINGS:
        raise ValueError(f"at most {MAX_STOP_STRINGS} stop strings, got {len(stops)}")
    for stop in stops:
        if len(stop) > MAX_STOP_CHARS:
            raise ValueError(f"a stop string has {len(stop)} characters (at most {MAX_STOP_CHARS})")
    return value


def _given(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` without the ``None`` values (the parameters a client did not set)."""
    return {k: v for k, v in params.items() if v is not None}


class ChatMessage(BaseModel):
    """One chat message; ``content`` may be text or a list of ``{"type": "text"}`` parts.

    Example:
        >>> ChatMessage(role="user", content="Hello", name="Ana").text()
        'Hello'
    """

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    """The speaker's name (OpenAI's optional field; kept, not sent to the agent's model)."""

    def text(self) -> str:
        """The message text (text parts joined); other part types are refused."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        pieces = []
        for part in self.content:
            if part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise RequestError(
                    f"only text content parts are supported, got type {part.get('type')!r}",
                    param="messages.content",
                )
            pieces.append(part["text"])
        return "".join(pieces)


class ChatCompletionRequest(BaseModel):
    """``POST /v1/chat/completions`` (the OpenAI shape; unknown fields are ignored)."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    messages: list[ChatMessage]
    stream: bool = False
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    top_k: int | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    repetition_penalty: float | None = Field(default=None, gt=0)
    n: int = Field(default=1, ge=1, le=1)
    user: str | None = None
    conversation_id: str | None = Field(default=None, max_length=256)
    stream_options: dict[str, Any] | None = None
    tools: list[Any] | None = None

    _few_stops = field_validator("stop")(_bounded_stops)
    _no_client_tools = field_validator("tools")(_refuse_client_tools)

    def generation_params(self) -> dict[str, Any]:
        """The generation parameters the client set (``None`` values dropped)."""
        params = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "max_tokens": self.max_completion_tokens or self.max_tokens,
            "stop": self.stop,
            "presence_penalty": self.presence_penalty,
            "frequency_penalty": self.frequency_penalty,
            "repetition_penalty": self.repetition_penalty,
        }
        return _given(params)


class OllamaOptions(BaseModel):
    """The ``options`` of an Ollama request (the ones an agent can honour; others are ignored)."""

    model_config = ConfigDict(extra="allow")

    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    top_k: int | None = Field(default=None, ge=0)
    num_predict: int | None = None
    stop: list[str] | str | None = None
    seed: int | None = None
    repeat_penalty: float | None = Field(default=None, gt=0)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)

    _few_stops = field_validator("stop")(_bounded_stops)


class OllamaChatRequest(BaseModel):
    """``POST /api/chat`` (the Ollama shape; ``stream`` defaults to true, as in Ollama)."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    messages: list[ChatMessage] = Field(default_factory=list)
    stream: bool = True
    options: OllamaOptions = Field(default_factory=OllamaOptions)
    conversation_id: str | None = Field(default=None, max_length=256)
    tools: list[Any] | None = None

    _no_client_tools = field_validator("tools")(_refuse_client_tools)

    def generation_params(self) -> dict[str, Any]:
        """The generation parameters of ``options`` (``num_predict`` <= 0 means no limit)."""
        o = self.options
        params = {
            "temperature": o.temperature,
            "top_p": o.top_p,
            "top_k": o.top_k,
            "max_tokens": o.num_predict if o.num_predict and o.num_predict > 0 else None,
            "stop": o.stop,
            "repetition_penalty": o.repeat_penalty,
            "presence_penalty": o.presence_penalty,
            "frequency_penalty": o.frequency_penalty,
        }
        return _given(params)


class OllamaShowRequest(BaseModel):
    """``POST /api/show``: ``model`` (or the older ``name``)."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    name: str | None = None


def parse_request(model: type[ModelT], body: bytes) -> ModelT:
    """Parse a JSON body into ``model``; raise :class:`RequestError` naming the bad field."""
    try:
        data = json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestError(f"the request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise RequestError(f"the request body nests deeper than {MAX_JSON_DEPTH} levels") from None
    if not isinstance(data, dict):
        raise RequestError(f"the request body must be a JSON object, got {type(data).__name__}")
    check_json(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"] if not isinstance(p, int)) or None
        where = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        raise RequestError(f"{where}: {message}", param=field) from None


def check_json(data: Any) -> None:
    """Refuse bodies nested deeper than :data:`MAX_JSON_DEPTH` or holding lone surrogates.

    JSON allows ``"\\ud800"`` escapes that decode to strings no UTF-8 encoder (and no model)
    accepts; they are refused up front, naming where they are.

    Example:
        >>> try:
        ...     check_json({"messages": [{"content": "\\ud800"}]})
        ... except RequestError as error:
        ...     print(error.message)
        messages.0.content: a lone surrogate (\\ud800) is not valid Unicode
    """
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                where = ".".join(map(str, path)) or "body"
                char = value[exc.start]
                raise RequestError(
                    f"{where}: a lone surrogate (\\u{ord(char):04x}) is not valid Unicode",
                    param=".".join(str(p) for p in path if not isinstance(p, int)) or None,
                ) from None
            continue
        if len(path) >= MAX_JSON_DEPTH and isinstance(value, (dict, list)):
            raise RequestError(f"the request body nests deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, path))
                stack.append((item, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, (*path, i)) for i, item in enumerate(value))
