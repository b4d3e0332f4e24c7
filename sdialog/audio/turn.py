"""A dialog turn with its audio, shaped as in SDialog: :class:`AudioTurn`.

It is a :class:`sdialog.Turn` (same text, speaker and metadata) plus where its audio lives and
when it is spoken. The samples themselves are not serialized: :meth:`AudioTurn.get_audio` reads
them back from :attr:`audio_path` when needed.

Example:
    >>> import numpy as np
    >>> from sdialog import Turn
    >>> turn = AudioTurn.from_turn(Turn("Alice", "Hello"))
    >>> turn.set_audio(np.zeros(8000), 16000)
    >>> turn.audio_duration, turn.get_audio().shape
    (0.5, (8000,))
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import PrivateAttr

from sdialog.dialog.model import Turn


class AudioTurn(Turn):
    """A :class:`~sdialog.Turn` with audio: ``audio_path``, ``audio_duration`` and
    ``audio_start_time`` (seconds, -1 when unknown), ``sampling_rate``, ``voice``, ``snr``,
    ``position`` (room position name), ``microphone_position``, ``gap_duration`` (pause
    before the next turn; negative for overlap)."""

    sampling_rate: int = -1
    audio_path: str = ""
    audio_duration: float = -1.0
    audio_start_time: float = -1.0
    snr: float = -1.0
    voice: Any = ""
    position: str = ""
    microphone_position: str = ""
    is_stored_in_dscaper: bool = False
    gap_duration: float = 0.0
    _audio: np.ndarray | None = PrivateAttr(default=None)

    def get_audio(self) -> np.ndarray | None:
        """The samples (read from :attr:`audio_path` on first use; ``None`` when there are none)."""
        if self._audio is None and self.audio_path:
            from sdialog.audio.io import read_audio

            self._audio, self.sampling_rate = read_audio(self.audio_path)
        return self._audio

    def set_audio(self, audio: np.ndarray, sampling_rate: int) -> None:
        """Keep ``audio`` (mono samples) at ``sampling_rate`` Hz and set :attr:`audio_duration`."""
        if int(sampling_rate) <= 0:
            raise ValueError(f"sampling_rate must be positive, got {sampling_rate}")
        self._audio = np.asarray(audio)
        self.sampling_rate = int(sampling_rate)
        self.audio_duration = len(self._audio) / self.sampling_rate

    @staticmethod
    def from_turn(turn: Turn) -> AudioTurn:
        """An :class:`AudioTurn` with the turn's speaker, text and metadata."""
        return AudioTurn(**turn.model_dump())
