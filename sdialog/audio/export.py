"""Ground-truth exports: JSON manifest, RTTM (diarization) and STM (ASR scoring).

RTTM lines: ``SPEAKER <file> 1 <onset s> <duration s> <NA> <NA> <speaker> <NA> <NA>``.
STM lines: ``<file> 1 <speaker> <start s> <end s> <label> <transcript>`` (sorted by start).

Example:
    >>> segments = [{"speaker": "A B", "start_s": 0.0, "end_s": 1.25, "text": "hi there"}]
    >>> to_rttm(segments, "d1").split()[:5]
    ['SPEAKER', 'd1', '1', '0.000', '1.250']
    >>> to_stm(segments, "d1").split()[2]
    'A_B'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sdialog.dialog.io import atomic_write


def _token(text: str) -> str:
    return "_".join(str(text).split()) or "unknown"


def to_rttm(segments: Sequence[Mapping[str, Any]], file_id: str) -> str:
    """RTTM text for ``segments`` (dicts with speaker, start_s, end_s)."""
    lines = [
        f"SPEAKER {_token(file_id)} 1 {s['start_s']:.3f} {s['end_s'] - s['start_s']:.3f} "
        f"<NA> <NA> {_token(s['speaker'])} <NA> <NA>"
        for s in sorted(segments, key=lambda s: s["start_s"])
    ]
    return "\n".join(lines) + "\n"


def to_stm(
    segments: Sequence[Mapping[str, Any]], file_id: str, label: str = "<o,f0,unknown>"
) -> str:
    """STM text for ``segments`` (dicts with speaker, start_s, end_s, text)."""
    lines = [
        f"{_token(file_id)} 1 {_token(s['speaker'])} {s['start_s']:.3f} {s['end_s']:.3f} {label} "
        f"{' '.join(str(s['text']).split())}"
        for s in sorted(segments, key=lambda s: s["start_s"])
    ]
    return "\n".join(lines) + "\n"


def write_text(path: str | Path, text: str) -> Path:
    """Write text atomically."""
    atomic_write(path, lambda handle: handle.write(text))
    return Path(path)


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON atomically (2-space indent, UTF-8)."""
    atomic_write(path, lambda handle: json.dump(data, handle, indent=2, ensure_ascii=False))
    return Path(path)
