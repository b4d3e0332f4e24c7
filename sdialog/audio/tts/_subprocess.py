"""Run a TTS binary into a temporary wav and read it back (shared by flite and espeak-ng)."""

from __future__ import annotations

import os
import subprocess
import tempfile

import numpy as np

from sdialog._extras import needs_extra


def run_to_wav(argv_with_paths: list[str], text: str, binary: str) -> tuple[np.ndarray, int]:
    """Write ``text`` to a temp file, run ``argv`` with ``{text}``/``{wav}`` placeholders replaced,
    return the mono float32 samples and the rate."""
    with needs_extra("audio"):
        import soundfile as sf

    with tempfile.TemporaryDirectory(prefix="sdialog-tts-") as folder:
        text_path = os.path.join(folder, "text.txt")
        wav_path = os.path.join(folder, "out.wav")
        with open(text_path, "w", encoding="utf-8") as handle:
            handle.write(text)
        argv = [a.replace("{text}", text_path).replace("{wav}", wav_path) for a in argv_with_paths]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not os.path.exists(wav_path):
            raise RuntimeError(f"{binary} failed ({done.returncode}): {done.stderr.strip()[:300]}")
        audio, rate = sf.read(wav_path, dtype="float32", always_2d=True)
    return np.ascontiguousarray(audio.mean(axis=1), dtype=np.float32), int(rate)
