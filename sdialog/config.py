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
from collections.abc import Iterator, MutableMapping
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
    prompts: dict[str, Any] = field(default_factory=lambda: _default_prompts())


def _default_prompts() -> dict[str, Any]:
    from sdialog.prompts import default_prompt_paths

    return default_prompt_paths()


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
        >>> import sdialog
        >>> sdialog.config.llm_params(temperature=0.7, max_tokens=200)
        >>> sdialog.config.reset()
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
        >>> import sdialog
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


# -- SDialog's settings dict and setters (a live view of the settings above) --------------------
_LLM_KEYS = ("temperature", "seed", "max_tokens", "top_p", "frequency_penalty", "presence_penalty")


class _LLMSettings(MutableMapping):
    """``config["llm"]``: ``"model"`` is the default model, every other key a default parameter."""

    def __getitem__(self, key: str) -> Any:
        if key == "model":
            return get_llm()[0]
        if key in _settings.params:
            return _settings.params[key]
        if key == "seed":
            return get_seed()
        if key in _LLM_KEYS:
            return None
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        if key == "model":
            _settings.model = value
        else:
            _settings.params[key] = value

    def __delitem__(self, key: str) -> None:
        if key == "model":
            _settings.model = None
        else:
            del _settings.params[key]

    def __iter__(self) -> Iterator[str]:
        yield "model"
        yield from _LLM_KEYS
        yield from (k for k in _settings.params if k not in _LLM_KEYS)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return repr(dict(self))


class _CacheSettings(MutableMapping):
    """``config["cache"]``: ``"enabled"`` and ``"path"`` of the response cache."""

    def __getitem__(self, key: str) -> Any:
        if key == "enabled":
            return _settings.response_cache
        if key == "path":
            return str(_settings.response_cache_path or get_cache_dir() / "responses")
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        if key == "enabled":
            _settings.response_cache = bool(value)
        elif key == "path":
            _settings.response_cache_path = Path(value).expanduser() if value else None
        else:
            raise KeyError(f"config['cache'] has only 'enabled' and 'path', not {key!r}")

    def __delitem__(self, key: str) -> None:
        raise TypeError("config['cache'] keys cannot be deleted")

    def __iter__(self) -> Iterator[str]:
        return iter(("enabled", "path"))

    def __len__(self) -> int:
        return 2

    def __repr__(self) -> str:
        return repr(dict(self))


class _Config(MutableMapping):
    """SDialog's settings dict: ``config["llm"]``, ``config["prompts"]``, ``config["cache"]``.

    A live view of this module's settings (nothing is copied): ``config["llm"]["model"] = m`` is
    :func:`llm`, ``config["llm"]["temperature"] = t`` is :func:`llm_params`, and
    ``config["prompts"]`` paths replace built-in templates (see :mod:`sdialog.prompts`).

    Example:
        >>> import sdialog
        >>> from sdialog.config import config
        >>> config["llm"]["model"] = "scripted:echo"
        >>> sdialog.config.get_llm()[0]
        'scripted:echo'
        >>> sdialog.config.reset()
    """

    _sections = ("llm", "prompts", "cache")

    def __getitem__(self, key: str) -> Any:
        if key == "llm":
            return _LLMSettings()
        if key == "prompts":
            return _settings.prompts
        if key == "cache":
            return _CacheSettings()
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self._sections:
            raise KeyError(f"unknown config section {key!r}; expected one of {self._sections}")
        if key == "prompts":
            _settings.prompts = dict(value)
            return
        section = self[key]
        if key == "llm":
            _settings.model, _settings.params = None, {}
        for name, item in dict(value).items():
            section[name] = item

    def __delitem__(self, key: str) -> None:
        raise TypeError("config sections cannot be deleted; use sdialog.config.reset()")

    def __iter__(self) -> Iterator[str]:
        return iter(self._sections)

    def __len__(self) -> int:
        return len(self._sections)

    def __repr__(self) -> str:
        return repr({key: dict(self[key]) for key in self})


config = _Config()
"""SDialog's settings dict (``config["llm"]["model"]``, ``config["prompts"]``, ...), live."""


def set_persona_dialog_generator_prompt(path: str) -> None:
    """Use the template file ``path`` for persona dialog generation (SDialog name).

    Example:
        >>> set_persona_dialog_generator_prompt("my_dialog.j2")  # doctest: +SKIP
    """
    _settings.prompts["persona_dialog_generator"] = path


def set_persona_generator_prompt(path: str) -> None:
    """Use the template file ``path`` for persona generation requests (SDialog name)."""
    _settings.prompts["persona_generator"] = path


def set_dialog_generator_prompt(path: str) -> None:
    """Use the template file ``path`` for dialog generation (SDialog name)."""
    _settings.prompts["dialog_generator"] = path


def set_persona_agent_prompt(path: str) -> None:
    """Use the template file ``path`` as the agents' system prompt (SDialog name)."""
    _settings.prompts["persona_agent"] = path


def cache_path(path: str | os.PathLike[str]) -> None:
    """Set the response-cache folder without turning the cache on or off (SDialog name).

    Example:
        >>> import sdialog
        >>> sdialog.config.cache_path("/tmp/sdialog-responses")
        >>> sdialog.config.reset()
    """
    _settings.response_cache_path = Path(path).expanduser()


def set_cache(path: str | os.PathLike[str], enable: bool = True) -> None:
    """Set the response-cache folder and turn the cache on (or off): :func:`cache` (SDialog name).

    Example:
        >>> import sdialog
        >>> sdialog.config.set_cache("/tmp/sdialog-responses")
        >>> sdialog.config.config["cache"]["enabled"]
        True
        >>> sdialog.config.reset()
    """
    cache(enable, Path(path).expanduser())


def clear_cache() -> int:
    """Delete the cached responses (of the configured folder) and the process-wide score cache's
    entries; return how many were removed."""
    from sdialog.evaluators import cache as score_cache
    from sdialog.llm.cache import ResponseCache

    path = _settings.response_cache_path or get_cache_dir() / "responses"
    return ResponseCache(path).clear() + score_cache.clear()
