"""The Debian ``espeak-ng`` binary as an engine (detected at run time with ``shutil.which``).

Voices combine a language with a variant (``en-us+f3``: female 3, ``+m2``: male 2, ...);
``pitch`` (0–99) and ``rate`` (words per minute) are set per voice. Less intelligible to ASR than
flite (see OFFLINE.md), but many distinct voices.

Example:
    >>> engine = EspeakEngine()  # doctest: +SKIP
    >>> audio, rate = engine.synthesize("Good morning.", engine.voices()[0])  # doctest: +SKIP
"""

from __future__ import annotations

import shutil

import numpy as np

from sdialog.audio.tts._subprocess import run_to_wav
from sdialog.audio.tts.base import EngineUnavailableError, TTSEngine, Voice

# id, espeak voice, gender, age, language, pitch 0-99, words per minute
_VOICES = [
    ("en-us-f1", "en-us+f1", "female", 30, "en-US", 55, 165),
    ("en-us-f2", "en-us+f2", "female", 45, "en-US", 50, 160),
    ("en-us-f3", "en-us+f3", "female", 25, "en-US", 60, 170),
    ("en-us-f4", "en-us+f4", "female", 65, "en-US", 42, 150),
    ("en-gb-f5", "en-gb+f5", "female", 35, "en-GB", 52, 160),
    ("en-us-m1", "en-us+m1", "male", 40, "en-US", 45, 165),
    ("en-us-m2", "en-us+m2", "male", 30, "en-US", 50, 170),
    ("en-us-m3", "en-us+m3", "male", 60, "en-US", 35, 150),
    ("en-gb-m4", "en-gb+m4", "male", 50, "en-GB", 40, 160),
    ("en-us-m7", "en-us+m7", "male", 22, "en-US", 55, 175),
]


class EspeakEngine(TTSEngine):
    """espeak-ng voices via subprocess (``espeak-ng -v V -p P -s S -f text.txt -w out.wav``)."""

    name = "espeak-ng"

    def __init__(self, binary: str = "espeak-ng"):
        self.binary = binary

    @classmethod
    def available(cls) -> bool:
        return shutil.which("espeak-ng") is not None

    def voices(self) -> list[Voice]:
        return [
            Voice(f"espeak-ng:{key}", "espeak-ng", g, a, lang, {"voice": v, "pitch": p, "wpm": s})
            for key, v, g, a, lang, p, s in _VOICES
        ]

    def synthesize(self, text: str, voice: Voice) -> tuple[np.ndarray, int]:
        path = shutil.which(self.binary)
        if path is None:
            raise EngineUnavailableError("espeak-ng binary not found (apt-get install espeak-ng)")
        params = dict(voice.params) if voice is not None else {}
        pitch = int(params.get("pitch", 50))
        wpm = int(params.get("wpm", 165))
        if not 0 <= pitch <= 99:
            raise ValueError(f"voice param 'pitch' must be 0..99, got {pitch}")
        argv = [path, "-v", str(params.get("voice", "en-us")), "-p", str(pitch), "-s", str(wpm)]
        return run_to_wav([*argv, "-f", "{text}", "-w", "{wav}"], text, "espeak-ng")
