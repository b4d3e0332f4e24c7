"""Redaction of secrets by value: every credential the process knows is scrubbed from error texts,
log lines, failure records, manifests, provenance and HTTP error bodies.

A secret is known when it was given to a backend or server (:func:`register_secret`; remote
backends and ``sdialog serve`` register their keys), or when it sits in an environment variable
whose name marks a credential (``*_API_KEY``, ``*_TOKEN``, ``*_SECRET*``, ``*PASSWORD*``,
``*CREDENTIAL*`` ...: the ``<PROVIDER>_API_KEY`` convention litellm uses for every provider and the
other names it reads, e.g. ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``HF_TOKEN``,
``AZURE_AD_TOKEN``, ``WATSONX_APIKEY``). On top of the values, text that *looks* like a credential
is masked: ``Authorization``/``x-api-key`` header values, URL ``user:password@`` and key-like query
parameters, and well-known key shapes (``sk-...``, ``AKIA...``, ``hf_...``, ``AIza...``).

Example:
    >>> register_secret("sk-test-abc123456789")
    >>> redact("upstream said: bad key sk-test-abc123456789")
    'upstream said: bad key ***'
    >>> redact("GET https://me:pw@host/v1?api_key=zzz&x=1")
    'GET https://***@host/v1?api_key=***&x=1'
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

MASK = "***"
"""What a secret is replaced with."""

MIN_LENGTH = 6
"""Shorter values are never treated as secrets by value (``"x"``, ``"none"`` are everywhere)."""

_lock = threading.Lock()
_registered: set[str] = set()
_log_factory_installed = False

_SECRET_ENV = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH", re.I)
_NOT_A_SECRET_ENV = re.compile(r"(_DIR|_FILE|_PATH|_URL|_URI|_PARALLELISM|_TYPE|_MODE)$", re.I)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # URL user:password@ (and a bare token as user name)
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'\"<>]+@"), r"\1" + MASK + "@"),
    # key-like query parameters
    (
        re.compile(
            r"(?i)([?&](?:api[-_]?key|key|token|access[-_]?token|auth|sig|signature|"
            r"password|secret|client[-_]?secret|code)=)[^&#\s'\"]+"
        ),
        r"\1" + MASK,
    ),
    # Authorization headers (any scheme), in "Name: value", "name=value" or JSON/dict form
    (
        re.compile(
            r"(?i)((?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?)"
            r"(?:(bearer|basic|token|bot)\s+)?[^\s'\",}]+"
        ),
        lambda m: m.group(1) + (m.group(2) + " " if m.group(2) else "") + MASK,
    ),
    # x-api-key style headers and api_key-like fields
    (
        re.compile(
            r"(?i)((?:x-goog-api-key|x-api-key|api[-_]?key|access[-_]?token|auth[-_]?token|"
            r"client[-_]?secret|secret[-_]?access[-_]?key|session[-_]?token|password)"
            r"['\"]?\s*[:=]\s*['\"]?)(?!\*\*\*)[^\s'\",}&]+"
        ),
        r"\1" + MASK,
    ),
    # well-known key shapes
    (
        re.compile(
            r"\b(?:sk-[A-Za-z0-9_-]{16,}|sk-ant-[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|"
            r"hf_[A-Za-z0-9]{30,}|gsk_[A-Za-z0-9]{30,}|AIza[0-9A-Za-z_-]{35}|xai-[A-Za-z0-9]{30,})"
        ),
        MASK,
    ),
)


def register_secret(*values: Any) -> None:
    """Remember credential values so that :func:`redact` scrubs them wherever they show up.

    Strings shorter than :data:`MIN_LENGTH`, ``None`` and non-strings are ignored. For a URL, its
    ``user:password`` and query values are remembered.

    Example:
        >>> register_secret("my-server-key-42", None, "x")
        >>> redact("bearer my-server-key-42 refused")
        'bearer *** refused'
    """
    found: list[str] = []
    for value in values:
        if isinstance(value, str):
            found.extend(_parts_of(value))
    found = [v for v in found if len(v) >= MIN_LENGTH]
    if found:
        with _lock:
            _registered.update(found)
        install_log_redaction()


def secrets_in_environment(environ: Mapping[str, str] | None = None) -> set[str]:
    """Values of the environment variables that hold credentials (see the module docstring).

    Example:
        >>> sorted(secrets_in_environment({"OPENAI_API_KEY": "sk-env-1234567", "HOME": "/root"}))
        ['sk-env-1234567']
    """
    environ = os.environ if environ is None else environ
    found: set[str] = set()
    for name, value in list(environ.items()):
        if _SECRET_ENV.search(name) and not _NOT_A_SECRET_ENV.search(name):
            found.update(v for v in _parts_of(value) if len(v) >= MIN_LENGTH)
    return found


def known_secrets() -> set[str]:
    """Every secret value :func:`redact` scrubs now: registered ones and the environment's."""
    with _lock:
        known = set(_registered)
    return known | secrets_in_environment()


def redact(text: Any) -> str:
    """``str(text)`` with every known secret value, and anything shaped like a credential, masked.

    Example:
        >>> redact("Authorization: Bearer abc.def.ghi")
        'Authorization: Bearer ***'
        >>> redact({"error": "x-api-key: 12345678"})
        "{'error': 'x-api-key: ***'}"
    """
    text = text if isinstance(text, str) else str(text)
    if not text:
        return text
    values = set()
    for secret in known_secrets():
        values.update({secret, quote(secret, safe=""), secret.encode("unicode_escape").decode()})
    for value in sorted(values, key=len, reverse=True):  # longest first: no partial leftovers
        if value in text:
            text = text.replace(value, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_data(data: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, strings) with every string :func:`redact`-ed.

    Example:
        >>> redact_data({"api_base": "http://u:p@h/v1", "n": [1, "ok"]})
        {'api_base': 'http://***@h/v1', 'n': [1, 'ok']}
    """
    if isinstance(data, str):
        return redact(data)
    if isinstance(data, Mapping):
        return {key: redact_data(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(redact_data(value) for value in data)
    return data


def install_log_redaction() -> None:
    """Redact every log record of the process (any logger: sdialog's, litellm's, uvicorn's) as
    it is created. Done once, on first use of a secret (never at import).

    The message is formatted and redacted only when it contains something to mask; the record's
    traceback text is redacted too.
    """
    global _log_factory_installed
    with _lock:
        if _log_factory_installed:
            return
        _log_factory_installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        with contextlib.suppress(Exception):  # a log line never fails because of redaction
            _redact_record(record)
        return record

    logging.setLogRecordFactory(factory)


def _redact_record(record: logging.LogRecord) -> None:
    message = record.getMessage()
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[1] is not None:
        trace = logging.Formatter().formatException(record.exc_info)
        cleaned = redact(trace)
        if cleaned != trace:
            record.exc_text = cleaned


def _parts_of(value: str) -> Iterable[str]:
    """A value, plus its user, password and key-like query values when it is a URL."""
    yield value
    yield from url_credentials(value)


def url_credentials(value: str) -> Iterable[str]:
    """The user, password and key-like query values of a URL (nothing for other text).

    Example:
        >>> list(url_credentials("https://bob:pw-123@host/v1?api-version=2&key=k-42"))
        ['bob', 'pw-123', 'k-42']
    """
    if "://" not in value:
        return
    try:
        parts = urlsplit(value)
        for piece in (parts.username, parts.password):
            if piece:
                yield unquote(piece)
        for pair in parts.query.split("&"):
            name, _, found = pair.partition("=")
            if found and re.search(r"(?i)key|token|secret|passw|auth|sig|code", name):
                yield unquote(found)
    except ValueError:
        return
