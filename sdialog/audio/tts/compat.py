"""SDialog's TTS interface: :class:`BaseTTS` (subclass it to plug your own engine into our
pipeline), :class:`BaseVoiceCloneTTS`, and the names of SDialog's hub-downloaded engines.

:func:`as_engine` wraps a :class:`BaseTTS` as one of our
:class:`~sdialog.audio.tts.TTSEngine`, so :class:`~sdialog.audio.AudioPipeline` and
:func:`~sdialog.audio.pipeline.to_audio` speak with it. ``KokoroTTS``, ``Qwen3TTS``,
``Qwen3TTSVoiceClone``, ``HuggingFaceTTS``, ``IndexTTS`` and ``Dia2TTS`` download models from the
Hugging Face hub; here they raise :class:`~sdialog.audio.tts.EngineUnavailableError` naming what to
install, and our offline engines (flite, espeak-ng, piper) are used instead by default.

Example:
    >>> import numpy as np
    >>> class Beep(BaseTTS):
    ...     def generate(self, text, speaker_voice, tts_pipeline_kwargs=None):
    ...         return np.zeros(1600, dtype=np.float32), 16000
    >>> engine = as_engine(Beep())
    >>> engine.synthesize("hi", engine.voices()[0])[1]
    16000
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from sdialog.audio.tts.base import EngineUnavailableError, TTSEngine, Voice


class BaseTTS(ABC):
    """Base of user TTS engines: implement ``generate(text, speaker_voice,
    tts_pipeline_kwargs=None) -> (samples, sampling_rate)``. ``speaker_voice`` is the ``voice``
    field of the :class:`~sdialog.audio.voice_database.Voice` chosen for the speaker.
    :attr:`pipeline` holds your model object (``None`` until you set it)."""

    def __init__(self):
        self.pipeline: Any = None

    @abstractmethod
    def generate(
        self, text: str, speaker_voice: Any, tts_pipeline_kwargs: dict | None = None
    ) -> tuple[np.ndarray, int]:
        """Speak ``text`` with ``speaker_voice``; mono samples and their rate."""


class BaseVoiceCloneTTS(ABC):
    """Base of user voice-cloning engines: ``generate(text, speaker_voice,
    tts_pipeline_kwargs=None)`` where ``speaker_voice`` is a reference recording (path or
    ``(samples, rate)``)."""

    def __init__(self):
        self.pipeline: Any = None

    @abstractmethod
    def generate(
        self, text: str, speaker_voice: Any, tts_pipeline_kwargs: dict | None = None
    ) -> tuple[np.ndarray, int]:
        """Speak ``text`` in the voice of the reference recording ``speaker_voice``."""


class _UserEngine(TTSEngine):
    """A :class:`BaseTTS` seen as one of our engines."""

    def __init__(self, tts: Any, voices: Sequence[Voice] = (), kwargs: dict | None = None):
        self.tts, self.kwargs = tts, dict(kwargs or {})
        self.name = f"user-{type(tts).__name__}"
        self._voices = list(voices) or [Voice(f"{self.name}:default", self.name, "neutral", 35)]

    def synthesize(self, text: str, voice: Voice) -> tuple[np.ndarray, int]:
        speaker_voice = voice.params.get("voice", voice.id) if voice is not None else None
        if self.kwargs:
            audio, rate = self.tts.generate(text, speaker_voice, self.kwargs)
        else:
            audio, rate = self.tts.generate(text, speaker_voice)
        audio = np.asarray(audio, dtype=np.float32)
        if audio.ndim > 1:
            audio = audio.mean(axis=-1 if audio.shape[-1] < audio.shape[0] else 0)
        if not np.isfinite(audio).all():
            raise ValueError(f"{type(self.tts).__name__}.generate returned non-finite samples")
        return audio, int(rate)

    def voices(self) -> list[Voice]:
        return list(self._voices)


def as_engine(tts: Any, voices: Sequence[Voice] = (), kwargs: dict | None = None) -> TTSEngine:
    """Our engine for ``tts`` (a :class:`BaseTTS`, anything with ``generate``, or already a
    :class:`TTSEngine`). ``voices`` are our :class:`Voice` records whose ``params["voice"]``
    is passed to ``generate``; ``kwargs`` is passed as ``tts_pipeline_kwargs``."""
    if isinstance(tts, TTSEngine):
        return tts
    if not callable(getattr(tts, "generate", None)):
        raise TypeError(f"tts_engine must be a BaseTTS or TTSEngine, got {type(tts).__name__}")
    return _UserEngine(tts, voices, kwargs)


def _hub_engine(name: str, extra: str) -> type:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise EngineUnavailableError(
            f"{name} downloads its model from the Hugging Face hub, which sdialog does not do; "
            f"install it yourself ({extra}) and wrap it in a BaseTTS subclass, or use our "
            "offline engines: tts_engine='flite', 'espeak-ng' or 'piper' (pip install "
            "sdialog[piper])"
        )

    doc = f"SDialog's {name}; unavailable offline (raises EngineUnavailableError naming {extra})."
    return type(name, (BaseTTS,), {"__init__": __init__, "__doc__": doc, "generate": None})


KokoroTTS = _hub_engine("KokoroTTS", "pip install kokoro")
Qwen3TTS = _hub_engine("Qwen3TTS", "pip install qwen-tts")
Qwen3TTSVoiceClone = _hub_engine("Qwen3TTSVoiceClone", "pip install qwen-tts")
HuggingFaceTTS = _hub_engine("HuggingFaceTTS", "pip install transformers")
IndexTTS = _hub_engine("IndexTTS", "pip install indextts")
Dia2TTS = _hub_engine("Dia2TTS", "pip install torch transformers")
