"""The Debian ``flite`` binary as an engine (detected at run time with ``shutil.which``).

Voices: ``slt`` (US female), ``rms`` (US male), ``awb`` (Scottish male), ``kal16`` (US male);
pitch and rate variants make more distinct speakers. Rate uses flite's ``duration_stretch``
(``1/rate``); pitch sets ``int_f0_target_mean`` (Hz).

Example:
    >>> engine = FliteEngine()  # doctest: +SKIP
    >>> audio, rate = engine.synthesize("Good morning.", engine.voices()[0])  # doctest: +SKIP
"""

from __future__ import annotations

import shutil

import numpy as np

from sdialog.audio.tts._subprocess import run_to_wav
from sdialog.audio.tts.base import EngineUnavailableError, TTSEngine, Voice

# id, flite voice, gender, age, language, f0 mean (Hz) or None, rate
_VOICES = [
    ("slt", "slt", "female", 30, "en-US", None, 1.0),
    ("slt-high", "slt", "female", 22, "en-US", 200.0, 1.08),
    ("slt-low", "slt", "female", 62, "en-US", 150.0, 0.92),
    ("rms", "rms", "male", 40, "en-US", None, 1.0),
    ("rms-low", "rms", "male", 68, "en-US", 85.0, 0.9),
    ("kal16", "kal16", "male", 30, "en-US", None, 1.0),
    ("awb", "awb", "male", 45, "en-GB", None, 1.0),
    ("rms-high", "rms", "male", 24, "en-US", 125.0, 1.08),
]


class FliteEngine(TTSEngine):
    """flite voices via subprocess (``flite -voice V -f text.txt -o out.wav``)."""

    name = "flite"

    def __init__(self, binary: str = "flite"):
        self.binary = binary

    @classmethod
    def available(cls) -> bool:
        return shutil.which("flite") is not None

    def voices(self) -> list[Voice]:
        return [
            Voice(f"flite:{key}", "flite", g, a, lang, {"voice": v, "f0": f0, "rate": rate})
            for key, v, g, a, lang, f0, rate in _VOICES
        ]

    def synthesize(self, text: str, voice: Voice) -> tuple[np.ndarray, int]:
        path = shutil.which(self.binary)
        if path is None:
            raise EngineUnavailableError("flite binary not found (apt-get install flite)")
        params = dict(voice.params) if voice is not None else {}
        argv = [path, "-voice", str(params.get("voice", "slt")), "-f", "{text}", "-o", "{wav}"]
        rate = float(params.get("rate") or 1.0)
        if rate <= 0:
            raise ValueError(f"voice param 'rate' must be > 0, got {rate}")
        argv += ["--setf", f"duration_stretch={1.0 / rate:.4f}"]
        if params.get("f0"):
            argv += ["--setf", f"int_f0_target_mean={float(params['f0']):.1f}"]
        return run_to_wav(argv, text, "flite")
