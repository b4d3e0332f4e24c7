"""Parametric microphones/devices: frequency response, noise floor, gain, clipping, user IR.

A :class:`Device` is a chain: optional user impulse response → high-pass and low-pass
Butterworth filters → peaking EQ bands (RBJ biquads) → gain → additive noise floor (dBFS, seeded)
→ hard clipping at ``clip_level``. Presets: ``smartphone``, ``headset``, ``lapel``,
``speakerphone`` (conference unit), ``studio``.

Reference for the peaking biquad: R. Bristow-Johnson, "Cookbook formulae for audio EQ biquad
filter coefficients".

Example:
    >>> import numpy as np
    >>> x = np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000).astype("float32") * 0.3
    >>> y = get_device("smartphone").apply(x, 16000, seed=0)
    >>> y.shape == x.shape, float(abs(y).max()) <= 1.0
    (True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sdialog._extras import needs_extra


@dataclass(frozen=True)
class Device:
    """A microphone/device model (see module doc for the chain)."""

    name: str
    highpass_hz: float | None = None
    lowpass_hz: float | None = None
    peaks: tuple[tuple[float, float, float], ...] = ()  # (frequency Hz, gain dB, Q)
    gain_db: float = 0.0
    noise_floor_dbfs: float | None = None
    clip_level: float = 1.0
    impulse_response: str | None = field(default=None)
    description: str = ""

    def apply(self, audio: np.ndarray, rate: int, seed: int = 0) -> np.ndarray:
        """Return the device's output for ``audio`` at ``rate`` (same length, float32)."""
        with needs_extra("audio"):
            from scipy.signal import butter, fftconvolve, lfilter, sosfilt

        x = np.asarray(audio, dtype=np.float64)
        n = len(x)
        if self.impulse_response:
            from sdialog.audio.io import read_audio
            from sdialog.audio.mix import resample

            ir, ir_rate = read_audio(Path(self.impulse_response))
            ir = resample(ir, ir_rate, rate).astype(np.float64)
            x = fftconvolve(x, ir / (np.max(np.abs(ir)) or 1.0))[:n]
        nyquist = rate / 2
        if self.highpass_hz and self.highpass_hz < nyquist:
            x = sosfilt(butter(2, self.highpass_hz, "highpass", fs=rate, output="sos"), x)
        if self.lowpass_hz and self.lowpass_hz < nyquist * 0.98:
            x = sosfilt(butter(4, self.lowpass_hz, "lowpass", fs=rate, output="sos"), x)
        for freq, gain, q in self.peaks:
            if freq < nyquist * 0.95:
                b, a = _peaking(freq, gain, q, rate)
                x = lfilter(b, a, x)
        x = x * 10 ** (self.gain_db / 20)
        if self.noise_floor_dbfs is not None:
            rng = np.random.default_rng(seed)
            x = x + rng.standard_normal(n) * 10 ** (self.noise_floor_dbfs / 20)
        return np.clip(x, -self.clip_level, self.clip_level).astype(np.float32)


def _peaking(freq: float, gain_db: float, q: float, rate: int) -> tuple[np.ndarray, np.ndarray]:
    amplitude = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * freq / rate
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * amplitude, -2 * np.cos(w0), 1 - alpha * amplitude])
    a = np.array([1 + alpha / amplitude, -2 * np.cos(w0), 1 - alpha / amplitude])
    return b / a[0], a / a[0]


DEVICES: dict[str, Device] = {
    "smartphone": Device(
        "smartphone",
        200,
        7000,
        ((2500, 4.0, 1.2), (5000, -3.0, 2.0)),
        0.0,
        -62,
        0.98,
        description="thin and bright: little bass below 200 Hz, presence peak at 2.5 kHz, hiss",
    ),
    "headset": Device(
        "headset",
        120,
        7500,
        ((3000, 2.0, 1.0),),
        2.0,
        -70,
        1.0,
        description="close, dry and present; slight bass cut; quiet",
    ),
    "lapel": Device(
        "lapel",
        80,
        12000,
        ((180, 2.5, 1.0), (6000, 3.0, 1.5)),
        0.0,
        -66,
        1.0,
        description="chest-worn: a little boomy at 180 Hz, sibilant at 6 kHz",
    ),
    "speakerphone": Device(
        "speakerphone",
        250,
        6500,
        ((1000, 3.0, 0.8), (4000, -4.0, 1.0)),
        3.0,
        -55,
        0.9,
        description="conference unit: nasal mid-range, dull top, audible noise, clips when loud",
    ),
    "studio": Device(
        "studio",
        30,
        None,
        (),
        0.0,
        -90,
        1.0,
        description="flat condenser: essentially transparent",
    ),
}


def get_device(device: str | Device) -> Device:
    """A preset by name, or the device itself.

    Raises:
        ValueError: unknown preset (field ``device``).
    """
    if isinstance(device, Device):
        return device
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; known: {', '.join(sorted(DEVICES))}")
    return DEVICES[device]
