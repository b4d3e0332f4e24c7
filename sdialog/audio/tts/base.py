"""The one TTS interface, the :class:`Voice` record and the engine registry.

Every engine answers ``synthesize(text, voice) -> (mono float32 array, sample_rate)`` and lists its
``voices()``. User engines subclass :class:`TTSEngine` (or just follow its shape) and register a
factory under a name with :func:`register_engine`.

Example:
    >>> from sdialog.audio.tts import get_engine
    >>> engine = get_engine("synthetic")
    >>> audio, rate = engine.synthesize("Hello there.", engine.voices()[0])
    >>> audio.dtype.name, rate
    ('float32', 16000)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sdialog._extras import needs_extra


@dataclass(frozen=True)
class Voice:
    """One voice of one engine.

    Args:
        id: unique within a database, e.g. ``"flite:slt"``.
        engine: the registered engine name that speaks it.
        gender: ``"female"``, ``"male"`` or ``"neutral"``.
        age: typical apparent age in years.
        language: BCP-47-ish tag such as ``"en-US"``.
        params: engine parameters (voice name, pitch, rate, ...); never mutated.

    Example:
        >>> Voice("synthetic:f1", "synthetic", "female", 30, "en-US", {"f0": 210.0}).gender
        'female'
    """

    id: str
    engine: str
    gender: str
    age: float
    language: str = "en-US"
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able copy (for manifests)."""
        return {
            "id": self.id,
            "engine": self.engine,
            "gender": self.gender,
            "age": self.age,
            "language": self.language,
            "params": dict(self.params),
        }


class EngineUnavailableError(RuntimeError):
    """The engine's binary or package is not installed."""


class TTSEngine(ABC):
    """Base class of TTS engines: subclass and implement :meth:`synthesize` and :meth:`voices`.

    Example:
        >>> class Silence(TTSEngine):
        ...     name = "silence"
        ...     def synthesize(self, text, voice):
        ...         return np.zeros(1600, dtype=np.float32), 16000
        ...     def voices(self):
        ...         return [Voice("silence:0", "silence", "neutral", 30)]
        >>> register_engine("silence", Silence)
        >>> get_engine("silence").synthesize("hi", None)[1]
        16000
    """

    name: str = "engine"

    @abstractmethod
    def synthesize(self, text: str, voice: Voice) -> tuple[np.ndarray, int]:
        """Speak ``text`` (already cleaned) with ``voice``; mono float32 in [-1, 1] and its rate."""

    @abstractmethod
    def voices(self) -> list[Voice]:
        """The voices this engine offers."""

    @classmethod
    def available(cls) -> bool:
        """Whether the engine can run here (binary/package present)."""
        return True


_REGISTRY: dict[str, Callable[..., TTSEngine]] = {}
_BUILTIN = {
    "synthetic": ("sdialog.audio.tts.synthetic", "SyntheticEngine"),
    "flite": ("sdialog.audio.tts.flite", "FliteEngine"),
    "espeak-ng": ("sdialog.audio.tts.espeak", "EspeakEngine"),
    "piper": ("sdialog.audio.tts.piper", "PiperEngine"),
}


def register_engine(name: str, factory: Callable[..., TTSEngine]) -> None:
    """Make ``get_engine(name)`` build an engine with ``factory(**kwargs)``."""
    if not name or not isinstance(name, str):
        raise ValueError(f"engine name must be a non-empty string, got {name!r}")
    _REGISTRY[name] = factory


def engine_names() -> list[str]:
    """Every engine name known (built-in and registered), installed or not."""
    return sorted(set(_BUILTIN) | set(_REGISTRY))


def _factory(name: str) -> Callable[..., TTSEngine]:
    if name in _REGISTRY:
        return _REGISTRY[name]
    if name in _BUILTIN:
        from importlib import import_module

        module, cls = _BUILTIN[name]
        with needs_extra("audio"):
            return getattr(import_module(module), cls)
    raise ValueError(f"unknown tts_engine {name!r}; known: {', '.join(engine_names())}")


def get_engine(name: str | TTSEngine = "auto", **kwargs: Any) -> TTSEngine:
    """An engine by name (``"auto"``: flite, else espeak-ng; piper only when named).

    Raises:
        ValueError: unknown name.
        EngineUnavailableError: the engine is not installed here.
    """
    if isinstance(name, TTSEngine):
        return name
    if name == "auto":
        for candidate in ("flite", "espeak-ng"):
            if _factory(candidate).available():  # type: ignore[attr-defined]
                return _factory(candidate)(**kwargs)
        raise EngineUnavailableError(
            "tts_engine='auto' found neither flite nor espeak-ng: install them "
            "(apt-get install flite espeak-ng), or use tts_engine='piper' (extra [piper]) "
            "or 'synthetic' (test tones)"
        )
    factory = _factory(name)
    check = getattr(factory, "available", None)
    if callable(check) and not check():
        raise EngineUnavailableError(f"tts_engine {name!r} is not installed here")
    return factory(**kwargs)
