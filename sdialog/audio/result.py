"""The result of :func:`sdialog.audio.synthesis.to_audio`, shaped as in SDialog 0.5.3:
:class:`DialogAudio` (waveform + annotations) and :class:`Segment` (one turn).

Example:
    >>> import numpy as np
    >>> a = DialogAudio(np.zeros(16000, "float32"), 16000, [Segment(0, "A", "Hi", 0.1, 0.6)], ["A"])
    >>> a.duration, a.to_rttm("d").split()[3:5]
    (1.0, ['0.100', '0.500'])
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass
class Segment:
    """One turn in the audio: ``turn`` index, ``speaker``, ``text``, ``start``/``end`` seconds,
    ``channel`` (``None`` for mono) and ``words`` (``(word, start)``; empty: our engines give no
    word timings)."""

    turn: int
    speaker: str
    text: str
    start: float
    end: float
    channel: int | None = None
    words: list[tuple[str, float]] = field(default_factory=list)

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.end - self.start


@dataclass
class DialogAudio:
    """A voiced dialog: ``audio`` (float32, mono), ``sample_rate``, ``segments``, ``speakers``,
    ``voices`` (speaker → voice id), ``config`` (every parameter, drawn values included) and
    ``dialog_id``."""

    audio: np.ndarray
    sample_rate: int
    segments: list[Segment]
    speakers: list[str]
    voices: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    dialog_id: str | None = None

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.audio.shape[0] / self.sample_rate

    @property
    def channels(self) -> int:
        """1 for mono."""
        return 1 if self.audio.ndim == 1 else self.audio.shape[1]

    def to_dict(self, words: bool = True) -> dict[str, Any]:
        """The annotations (everything but the samples), JSON-able."""
        segments = []
        for seg in self.segments:
            row = asdict(seg)
            row["start"], row["end"] = round(seg.start, 3), round(seg.end, 3)
            if not words:
                row.pop("words")
            segments.append(row)
        return {
            "dialog_id": self.dialog_id,
            "sample_rate": self.sample_rate,
            "duration": round(self.duration, 3),
            "channels": self.channels,
            "speakers": self.speakers,
            "voices": self.voices,
            "segments": segments,
            "config": self.config,
        }

    def to_json(self, indent: int = 2, words: bool = True) -> str:
        """The annotations as JSON text."""
        return json.dumps(self.to_dict(words), indent=indent, ensure_ascii=False, default=str)

    def to_rttm(self, file_id: str | None = None) -> str:
        """Speaker turns in RTTM (diarization ground truth)."""
        name = str(file_id or self.dialog_id or "dialog").replace(" ", "_")
        return "".join(
            f"SPEAKER {name} 1 {s.start:.3f} {s.duration:.3f} <NA> <NA> "
            f"{s.speaker.replace(' ', '_')} <NA> <NA>\n"
            for s in self.segments
        )

    def save(self, path: str, audio_format: str = "wav") -> dict[str, str]:
        """Write ``<path>.<audio_format>``, ``<path>.json`` and ``<path>.rttm`` (atomically);
        returns their paths."""
        from sdialog.audio.export import write_text
        from sdialog.audio.io import write_audio

        root, ext = os.path.splitext(str(path))
        if ext.lower().lstrip(".") in ("wav", "flac"):
            path, audio_format = root, ext.lower().lstrip(".")
        paths = {"audio": f"{path}.{audio_format}", "json": f"{path}.json", "rttm": f"{path}.rttm"}
        write_audio(paths["audio"], self.audio, self.sample_rate)
        write_text(paths["json"], self.to_json())
        write_text(paths["rttm"], self.to_rttm(os.path.basename(str(path))))
        return paths

    def display(self) -> None:
        """An audio player in a notebook; elsewhere a one-line summary."""
        try:
            from IPython import get_ipython
            from IPython.display import Audio, display

            if get_ipython() is not None:
                display(Audio(self.audio, rate=self.sample_rate))
                return
        except ImportError:
            pass
        print(
            f"DialogAudio: {self.duration:.1f} s, {self.sample_rate} Hz, {len(self.segments)} turns"
        )
