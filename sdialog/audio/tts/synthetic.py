"""A deterministic synthetic "voice" for fast tests: one formant-shaped tone burst per word.

Each word becomes a harmonic tone at the voice's fundamental ``f0`` with energy around two formants,
an attack/decay envelope and a short pause; the duration is proportional to the number of letters
(``seconds_per_char``) divided by ``rate``. The same text and voice always give the same samples
(the random formants are seeded by a CRC of text and voice id).

Example:
    >>> engine = SyntheticEngine()
    >>> voice = engine.voices()[0]
    >>> a, rate = engine.synthesize("one two three", voice)
    >>> b, _ = engine.synthesize("one two three", voice)
    >>> bool((a == b).all()), len(a) > len(engine.synthesize("one", voice)[0])
    (True, True)
"""

from __future__ import annotations

import zlib

import numpy as np

from sdialog.audio.tts.base import TTSEngine, Voice

_VOICES = [
    ("f1", "female", 30, 210.0),
    ("m1", "male", 35, 115.0),
    ("f2", "female", 60, 190.0),
    ("m2", "male", 65, 100.0),
    ("f3", "female", 20, 230.0),
    ("m3", "male", 22, 130.0),
]


class SyntheticEngine(TTSEngine):
    """Tone-burst speech stand-in (not intelligible; for tests and noise babble).

    Args:
        sample_rate: output rate in Hz.
        seconds_per_char: speaking time per letter at ``rate=1``.
    """

    name = "synthetic"

    def __init__(self, sample_rate: int = 16000, seconds_per_char: float = 0.055):
        self.sample_rate = int(sample_rate)
        self.seconds_per_char = float(seconds_per_char)

    def voices(self) -> list[Voice]:
        return [
            Voice(f"synthetic:{key}", "synthetic", g, a, "en-US", {"f0": f0, "rate": 1.0})
            for key, g, a, f0 in _VOICES
        ]

    def synthesize(self, text: str, voice: Voice | None) -> tuple[np.ndarray, int]:
        params = dict(voice.params) if voice is not None else {}
        f0 = float(params.get("f0", 150.0)) * float(params.get("pitch", 1.0))
        rate = float(params.get("rate", 1.0))
        key = f"{voice.id if voice else ''}|{text}".encode()
        rng = np.random.default_rng(zlib.crc32(key))
        sr = self.sample_rate
        pieces = []
        for word in text.split() or [""]:
            letters = max(1, sum(c.isalnum() for c in word))
            n = int(sr * self.seconds_per_char * letters / rate)
            t = np.arange(n) / sr
            formants = rng.uniform([300, 900], [900, 2500])
            pitch = f0 * (1 + 0.05 * np.sin(2 * np.pi * 3 * t))
            phase = 2 * np.pi * np.cumsum(pitch) / sr
            tone = np.zeros(n)
            for k in range(1, 12):
                freq = k * f0
                weight = sum(np.exp(-(((freq - f) / 150.0) ** 2)) for f in formants) + 0.1 / k
                tone += weight * np.sin(k * phase)
            envelope = np.minimum(1.0, np.minimum(t, t[::-1] if n else t) / 0.02)
            pieces.append(tone * envelope)
            pieces.append(np.zeros(int(sr * 0.07 / rate)))
        audio = np.concatenate(pieces)
        peak = float(np.max(np.abs(audio))) or 1.0
        return (0.5 * audio / peak).astype(np.float32), sr
