"""TTS engines behind one interface: piper (neural, extra), flite, espeak-ng, synthetic, yours.

Example:
    >>> from sdialog.audio.tts import get_engine, clean_text
    >>> engine = get_engine("synthetic")
    >>> audio, rate = engine.synthesize(clean_text("Hi *waves*"), engine.voices()[1])
    >>> rate
    16000
"""

from sdialog.audio.tts.base import (
    EngineUnavailableError,
    TTSEngine,
    Voice,
    engine_names,
    get_engine,
    register_engine,
)
from sdialog.audio.tts.compat import (
    BaseTTS,
    BaseVoiceCloneTTS,
    Dia2TTS,
    HuggingFaceTTS,
    IndexTTS,
    KokoroTTS,
    Qwen3TTS,
    Qwen3TTSVoiceClone,
    as_engine,
)
from sdialog.audio.tts.text import clean_text

__all__ = [
    "BaseTTS",
    "BaseVoiceCloneTTS",
    "Dia2TTS",
    "EngineUnavailableError",
    "HuggingFaceTTS",
    "IndexTTS",
    "KokoroTTS",
    "Qwen3TTS",
    "Qwen3TTSVoiceClone",
    "TTSEngine",
    "Voice",
    "as_engine",
    "clean_text",
    "engine_names",
    "get_engine",
    "register_engine",
]
