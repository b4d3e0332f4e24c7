"""The chat-completions protocol spoken directly to OpenAI-compatible endpoints (vLLM, TGI,
sdialog's server ...) over a pooled ``aiohttp`` session: the request body, the POST and its
errors, the API key litellm would read, and an ``api_base`` with credentials or a query string.

Used by :class:`sdialog.llm.remote.RemoteBackend` (``transport="openai"``, or ``"auto"`` for
``openai/...`` models with an ``api_base``).

Example:
    >>> body, headers = _openai_request("openai/m", [{"role": "user", "content": "Hi"}],
    ...                                 {"temperature": 0, "api_key": "k", "timeout": 5})
    >>> body
    {'model': 'm', 'messages': [{'role': 'user', 'content': 'Hi'}], 'temperature': 0}
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from sdialog.llm.base import BackendError, Message
from sdialog.llm.secrets import redact


class MalformedResponseError(Exception):
    """A reply that is not a usable chat completion (unparseable, truncated, no choices, content
    that is not text). Retried like a server error; the final message says what was sent."""


class HTTPStatusError(Exception):
    """An error status from an OpenAI-compatible endpoint, with the server's own message."""

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code = status_code


async def _post_chat(
    session: Any, body: dict[str, Any], headers: dict[str, str], query: dict[str, str] | None = None
) -> dict:
    """``POST chat/completions`` and return the JSON reply, or raise :class:`HTTPStatusError`
    (an error status) or :class:`MalformedResponseError` (a body that is not JSON)."""
    import aiohttp

    async with session.post(
        "chat/completions", json=body, headers=headers or None, params=query or None
    ) as response:
        try:
            data = await response.read()
        except aiohttp.ClientPayloadError as exc:  # the body was cut off mid-way
            raise MalformedResponseError(f"the reply body was truncated: {exc}") from None
        if response.status >= 400:
            try:
                error = json.loads(data).get("error") or {}
                message = error.get("message") if isinstance(error, dict) else str(error)
            except (ValueError, AttributeError):
                message = data[:500].decode("utf-8", "replace")
            raise HTTPStatusError(response.status, message or str(response.reason))
        try:
            return json.loads(data)
        except ValueError:
            shown = data[:200].decode("utf-8", "replace")
            raise MalformedResponseError(
                f"the provider sent a body that is not JSON ({len(data)} bytes): {shown!r}"
            ) from None


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


_CONNECTION = frozenset({"api_base", "api_key", "timeout", "api_version"})


def _openai_request(
    model: str, messages: list[Message], request: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON body and extra headers of a chat-completions request: every generation parameter
    goes in the body (servers ignore what they do not know), connection settings stay out."""
    body: dict[str, Any] = {"model": model.split("/", 1)[1], "messages": messages}
    headers: dict[str, str] = {}
    for key, value in request.items():
        if key in _CONNECTION or key.startswith("_"):
            continue
        if key == "extra_headers":
            headers.update(value or {})
        elif key == "extra_body":
            body.update(value or {})
        else:
            body[key] = value
    return body, headers


def _key_from_environment(model: str) -> str | None:
    """The API key litellm would read for ``model``: ``<PROVIDER>_API_KEY``, then
    ``OPENAI_API_KEY`` (what litellm uses for OpenAI-compatible endpoints)."""
    provider = model.split("/", 1)[0] if "/" in model else "openai"
    for name in (f"{provider.upper()}_API_KEY", "OPENAI_API_KEY"):
        if os.environ.get(name):
            return os.environ[name]
    return None


def _split_api_base(url: str, api_key: str | None) -> tuple[str, Any, dict[str, str]]:
    """``api_base`` as the direct transport needs it: the base URL without credentials or query,
    HTTP basic auth from ``user:password@`` (unless an API key is also given: an error), and the
    query parameters to send on every request (e.g. ``?api-version=...``).

    Example:
        >>> base, auth, query = _split_api_base("http://u:p@h:8/v1?api-version=2", None)
        >>> base, auth.login, query
        ('http://h:8/v1/', 'u', {'api-version': '2'})
    """
    from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

    import aiohttp

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BackendError(
            redact(f"api_base must be an http(s) URL such as http://host:8000/v1, got {url!r}")
        )
    auth = None
    if parts.username is not None:
        if api_key:
            raise BackendError(
                "api_base carries user:password@ and an API key is also set (api_key or the "
                "environment): give one of them, not both"
            )
        auth = aiohttp.BasicAuth(unquote(parts.username), unquote(parts.password or ""))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    base = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/") + "/", "", ""))
    return base, auth, dict(parse_qsl(parts.query))
