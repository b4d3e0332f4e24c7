"""Process-wide defaults: the default model and generation parameters, seed and cache locations.

Nothing here runs at import time beyond defining values: no logging set-up, no global seeding, no
environment probing. Environment variables (``SDIALOG_MODEL``, ``SDIALOG_CACHE_DIR``) are read when
a value is asked for, not when the module is imported.

Example:
    >>> import sdialog
    >>> sdialog.config.llm("scripted:echo", temperature=0)
    >>> sdialog.config.llm_params(max_tokens=64, seed=13)
    >>> sdialog.config.get_llm()
    ('scripted:echo', {'temperature': 0, 'max_tokens': 64, 'seed': 13})
    >>> sdialog.config.reset()
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "smollm2"
"""Model string of the embedded default model (SmolLM2-135M-Instruct, runs offline)."""

DEFAULT_SEED = 42
"""Seed used by components when neither the call nor the config names one."""


@dataclass
class _Settings:
    model: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    cache_dir: Path | None = None
    response_cache: bool = False
    response_cache_path: Path | None = None


_settings = _Settings()


def llm(model: Any, **params: Any) -> None:
    """Set the default model (a model string or a backend object) and, optionally, its parameters.

    Parameters given here replace the previous default parameters; use :func:`llm_params` to update
    them instead.

    Example:
        >>> sdialog.config.llm("openai:gpt-4.1", temperature=1)   # doctest: +SKIP
        >>> sdialog.config.llm("huggingface:/models/my-llama")     # doctest: +SKIP
    """
    _settings.model = model
    _settings.params = dict(params)


def llm_params(**params: Any) -> None:
    """Update the default generation parameters (``temperature``, ``max_tokens``, ``seed``, ...).

    Example:
        >>> sdialog.config.llm_params(temperature=0.7, max_tokens=200)
    """
    _settings.params.update(params)


def get_llm() -> tuple[Any, dict[str, Any]]:
    """Return ``(model, params)``: the configured default model and a copy of its parameters.

    The model is, in order: what :func:`llm` set, the ``SDIALOG_MODEL`` environment variable, or the
    embedded default model (:data:`DEFAULT_MODEL`).
    """
    model = _settings.model or os.environ.get("SDIALOG_MODEL") or DEFAULT_MODEL
    return model, dict(_settings.params)


def set_seed(seed: int | None) -> None:
    """Set the default seed used when a call names none (``None`` restores :data:`DEFAULT_SEED`).

    This seeds no global random number generator; components derive local generators from it.
    """
    _settings.seed = seed


def get_seed() -> int:
    """Return the default seed."""
    return DEFAULT_SEED if _settings.seed is None else _settings.seed


def resolve_seed(*candidates: int | None) -> int:
    """The first candidate seed that is not ``None``, else the default seed.

    Example:
        >>> resolve_seed(None, 7, 3)
        7
        >>> resolve_seed(None) == get_seed()
        True
    """
    for candidate in candidates:
        if candidate is not None:
            return int(candidate)
    return get_seed()


def set_cache_dir(path: str | os.PathLike[str] | None) -> None:
    """Set the cache folder (converted models, responses); ``None`` restores the default."""
    _settings.cache_dir = Path(path) if path is not None else None


def get_cache_dir() -> Path:
    """Return the cache folder: set by :func:`set_cache_dir`, else ``$SDIALOG_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/sdialog`` or ``~/.cache/sdialog``. The folder is not created here."""
    if _settings.cache_dir is not None:
        return _settings.cache_dir
    if os.environ.get("SDIALOG_CACHE_DIR"):
        return Path(os.environ["SDIALOG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "sdialog"


def cache(enabled: bool = True, path: str | os.PathLike[str] | None = None) -> None:
    """Turn the response cache on or off for every backend made afterwards.

    Cached responses are stored under ``path`` (default ``get_cache_dir() / "responses"``) keyed by
    a hash of (model, parameters, messages, schema, tools), so a seeded run replays exactly.

    Example:
        >>> sdialog.config.cache(True, "/tmp/sdialog-responses")
        >>> sdialog.config.cache(False)
    """
    _settings.response_cache = enabled
    _settings.response_cache_path = Path(path) if path is not None else None


def get_response_cache_path() -> Path | None:
    """Return the response-cache folder when the cache is on, else ``None``."""
    if not _settings.response_cache:
        return None
    return _settings.response_cache_path or get_cache_dir() / "responses"


def reset() -> None:
    """Restore every default (useful in tests)."""
    global _settings
    _settings = _Settings()
