"""Levels and mixing: resampling, LUFS normalisation, noise at an exact SNR, peak guard.

- :func:`resample` — one polyphase hop (``scipy.signal.resample_poly``) from any rate to the
  pipeline rate.
- :func:`normalize_loudness` — integrated loudness (ITU-R BS.1770 via pyloudnorm) to a target LUFS;
  clips shorter than one 400 ms gating block are padded for measurement.
- :func:`make_noise` — white, pink (1/f), brown (1/f²) or babble noise; seeded.
- :func:`mix_at_snr` — scales the noise so ``10·log10(P_speech / P_noise) = snr_db`` exactly,
  where P is the mean power over the whole signal (``P_speech`` over active samples when
  ``active_only``).
- :func:`peak_guard` — scales the whole signal down when its peak exceeds ``peak``.

Example:
    >>> import numpy as np
    >>> speech = np.sin(np.linspace(0, 400, 16000)).astype("float32")
    >>> noisy, noise = mix_at_snr(speech, make_noise("white", 16000, 16000, seed=0), 10.0)
    >>> round(snr_db(speech, noise), 3)
    10.0
"""

from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy as np

from sdialog._extras import needs_extra


def resample(audio: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Resample once with a polyphase filter; the same rate returns the input as float32.

    Example:
        >>> len(resample(np.zeros(22050, dtype="float32"), 22050, 16000))
        16000
    """
    audio = np.asarray(audio, dtype=np.float32)
    if int(source_rate) == int(target_rate):
        return audio
    with needs_extra("audio"):
        from scipy.signal import resample_poly

    g = gcd(int(source_rate), int(target_rate))
    out = resample_poly(audio, int(target_rate) // g, int(source_rate) // g)
    return out.astype(np.float32)


def loudness(audio: np.ndarray, rate: int) -> float:
    """Integrated loudness in LUFS (``-inf`` for silence)."""
    with needs_extra("audio"):
        import pyloudnorm

    audio = np.asarray(audio, dtype=np.float64)
    block = int(0.4 * rate) + 1
    if len(audio) < block:
        audio = np.pad(audio, (0, block - len(audio)))
    return float(pyloudnorm.Meter(rate).integrated_loudness(audio))


def normalize_loudness(audio: np.ndarray, rate: int, target_lufs: float = -23.0) -> np.ndarray:
    """Scale ``audio`` to ``target_lufs`` (silence is returned unchanged).

    Example:
        >>> x = 0.01 * np.sin(np.linspace(0, 2000, 16000))
        >>> round(loudness(normalize_loudness(x, 16000, -20.0), 16000), 1)
        -20.0
    """
    current = loudness(audio, rate)
    if not np.isfinite(current):
        return np.asarray(audio, dtype=np.float32)
    gain = 10 ** ((target_lufs - current) / 20)
    return (np.asarray(audio, dtype=np.float64) * gain).astype(np.float32)


def _coloured(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.arange(len(spectrum), dtype=np.float64)
    freqs[0] = 1.0
    noise = np.fft.irfft(spectrum / freqs ** (exponent / 2), n)
    return noise / (np.std(noise) or 1.0)


def make_noise(
    kind: str, n_samples: int, rate: int, seed: int = 0, path: str | Path | None = None
) -> np.ndarray:
    """``n_samples`` of noise at unit RMS: ``"white"``, ``"pink"``, ``"brown"``, ``"babble"`` (six
    overlapping synthetic talkers) or ``"file"`` (``path`` read, resampled, looped).

    Example:
        >>> n = make_noise("pink", 8000, 16000, seed=1)
        >>> len(n), round(float(np.sqrt(np.mean(n**2))), 2)
        (8000, 1.0)
    """
    rng = np.random.default_rng(seed)
    if n_samples <= 0:
        return np.zeros(0, dtype=np.float32)
    if kind == "white":
        noise = rng.standard_normal(n_samples)
    elif kind == "pink":
        noise = _coloured(n_samples, 1.0, rng)
    elif kind == "brown":
        noise = _coloured(n_samples, 2.0, rng)
    elif kind == "babble":
        from sdialog.audio.tts.synthetic import SyntheticEngine

        engine = SyntheticEngine(sample_rate=rate)
        voices = engine.voices()
        words = [
            "the",
            "and",
            "we",
            "said",
            "that",
            "was",
            "really",
            "there",
            "when",
            "it",
            "is",
            "not",
            "so",
            "very",
            "good",
            "to",
            "know",
        ]
        noise = np.zeros(n_samples)
        for talker in range(6):
            position = int(rng.integers(0, max(1, rate // 2)))
            while position < n_samples:
                text = " ".join(rng.choice(words, size=8))
                speech, _ = engine.synthesize(text, voices[talker % len(voices)])
                piece = speech[: n_samples - position]
                noise[position : position + len(piece)] += piece
                position += len(piece) + int(rng.integers(0, rate // 4))
    elif kind == "file":
        if path is None:
            raise ValueError("noise kind 'file' needs a path")
        from sdialog.audio.io import read_audio

        data, file_rate = read_audio(path)
        data = resample(data, file_rate, rate)
        if len(data) == 0:
            raise ValueError(f"noise file is empty: {path}")
        noise = np.tile(data, int(np.ceil(n_samples / len(data))))[:n_samples].astype(np.float64)
    else:
        raise ValueError(f"unknown noise kind {kind!r}; use white, pink, brown, babble or file")
    rms = float(np.sqrt(np.mean(noise**2))) or 1.0
    return (noise / rms).astype(np.float32)


def snr_db(speech: np.ndarray, noise: np.ndarray) -> float:
    """``10·log10(Σ speech² / Σ noise²)``."""
    s = float(np.sum(np.asarray(speech, dtype=np.float64) ** 2))
    n = float(np.sum(np.asarray(noise, dtype=np.float64) ** 2))
    return float(10 * np.log10(s / n)) if n > 0 else float("inf")


def mix_at_snr(
    speech: np.ndarray, noise: np.ndarray, snr: float, active_only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(speech + scaled_noise, scaled_noise)`` with the given SNR in dB.

    The noise is tiled or cut to the speech length. With ``active_only`` the speech power is
    measured over samples above -50 dB of the peak (pauses do not dilute it).
    """
    speech = np.asarray(speech, dtype=np.float64)
    noise = np.asarray(noise, dtype=np.float64)
    if len(noise) == 0:
        raise ValueError("noise is empty")
    if len(noise) < len(speech):
        noise = np.tile(noise, int(np.ceil(len(speech) / len(noise))))
    noise = noise[: len(speech)]
    if active_only:
        active = np.abs(speech) > np.max(np.abs(speech)) * 10 ** (-50 / 20)
        p_speech = float(np.mean(speech[active] ** 2)) if active.any() else 0.0
    else:
        p_speech = float(np.mean(speech**2))
    p_noise = float(np.mean(noise**2))
    if p_noise == 0 or p_speech == 0:
        raise ValueError("cannot set an SNR with silent speech or silent noise")
    scale = np.sqrt(p_speech / (p_noise * 10 ** (snr / 10)))
    scaled = noise * scale
    return (speech + scaled).astype(np.float32), scaled.astype(np.float32)


def peak_guard(audio: np.ndarray, peak: float = 0.99) -> tuple[np.ndarray, float]:
    """Scale down so ``max|x| <= peak``; returns ``(audio, gain applied)``.

    Example:
        >>> y, gain = peak_guard(np.array([0.5, -2.0], dtype="float32"))
        >>> round(float(abs(y).max()), 4), round(gain, 3)
        (0.99, 0.495)
    """
    audio = np.asarray(audio, dtype=np.float32)
    top = float(np.max(np.abs(audio))) if audio.size else 0.0
    if top <= peak or top == 0:
        return audio, 1.0
    gain = peak / top
    return (audio * gain).astype(np.float32), gain
