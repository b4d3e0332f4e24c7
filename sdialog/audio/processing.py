"""Post-processing shaped as in SDialog: :class:`AudioProcessor` applies a recording device's
impulse response to a file, over our :class:`~sdialog.audio.devices.Device` engine.

Example:
    >>> import tempfile, os
    >>> import numpy as np, soundfile as sf
    >>> folder = tempfile.mkdtemp()
    >>> sf.write(f"{folder}/in.wav", np.random.default_rng(0).standard_normal(8000) * 0.1, 16000)
    >>> sf.write(f"{folder}/ir.wav", np.r_[1.0, 0.5, np.zeros(50)], 16000)
    >>> class Db:
    ...     def get_ir(self, device): return f"{folder}/ir.wav"
    >>> AudioProcessor.apply_microphone_effect(f"{folder}/in.wav", f"{folder}/out.wav", "m", Db())
    >>> sf.info(f"{folder}/out.wav").samplerate
    16000
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import soundfile as sf

from sdialog.audio.devices import Device


class AudioProcessor:
    """File-to-file effects."""

    @staticmethod
    def apply_microphone_effect(
        input_audio_path: str,
        output_audio_path: str,
        device: Any,
        impulse_response_database: Any,
    ) -> None:
        """Convolve ``input_audio_path`` (mixed to mono) with the impulse response the database
        gives for ``device`` (resampled to the input rate), keep the input's RMS level and write
        ``output_audio_path`` at the input rate (samples beyond [-1, 1] clip in 16-bit files)."""
        ir_path = impulse_response_database.get_ir(device)
        if not ir_path or not os.path.exists(ir_path):
            raise ValueError(f"Impulse response path not found: {ir_path!r} (device {device})")
        audio, rate = sf.read(input_audio_path)
        audio = np.asarray(audio, dtype=np.float64)
        if audio.ndim > 1:
            audio = audio.mean(axis=1)
        mic = Device(str(device), impulse_response=ir_path, clip_level=np.inf)
        wet = mic.apply(audio, rate).astype(np.float64)
        rms_in, rms_out = np.sqrt(np.mean(audio**2)), np.sqrt(np.mean(wet**2))
        if rms_out > 0:
            wet *= rms_in / rms_out
        sf.write(output_audio_path, wet, rate)
