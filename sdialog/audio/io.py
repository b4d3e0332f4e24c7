"""Audio files: atomic writes (temp file + ``os.replace``), clipping before µ-law/A-law/PCM,
wav/flac/mp3 via soundfile.

Example:
    >>> import numpy as np
    >>> path = write_audio("tone.flac", np.zeros(800, dtype="float32"), 8000)
    >>> read_audio(path)[1]
    8000
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np

from sdialog._extras import needs_extra

FORMATS = {"wav": "WAV", "flac": "FLAC", "mp3": "MP3"}
_SUBTYPES = {"wav": "PCM_16", "flac": "PCM_16", "mp3": "MPEG_LAYER_III"}


def write_audio(path: str | Path, audio: np.ndarray, rate: int, subtype: str | None = None) -> Path:
    """Write mono or (samples, channels) audio; the format comes from the extension.

    ``subtype`` may be e.g. ``"ULAW"``/``"ALAW"`` for wav. Samples are clipped to [-1, 1] first
    (soundfile does not clip µ-law/A-law). The file appears atomically.

    Raises:
        ValueError: unknown extension (field ``audio_file_format``).
    """
    with needs_extra("audio"):
        import soundfile as sf

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"audio_file_format must be one of {sorted(FORMATS)}, got {fmt!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    data = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex}.tmp{path.suffix}")
    try:
        sf.write(tmp, data, int(rate), format=FORMATS[fmt], subtype=subtype or _SUBTYPES[fmt])
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples (channels averaged) and the rate.

    Raises:
        FileNotFoundError / ValueError: missing or unreadable file (named).
    """
    with needs_extra("audio"):
        import soundfile as sf

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"audio file not found: {path}")
    try:
        data, rate = sf.read(path, dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises LibsndfileError/RuntimeError variants
        raise ValueError(f"cannot read audio file {path}: {exc}") from None
    return np.ascontiguousarray(data.mean(axis=1), dtype=np.float32), int(rate)
