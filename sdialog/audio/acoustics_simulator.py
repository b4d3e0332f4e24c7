"""Room simulation of audio sources shaped as in SDialog: :class:`AcousticsSimulator` places
:class:`~sdialog.audio.geometry.AudioSource` files in a :class:`~sdialog.audio.room.Room` and
returns what its microphone records.

The pyroomacoustics room comes from :meth:`Room.to_pyroomacoustics` (the same walls, materials
and microphone directivity our pipeline uses), with the full image-source order that Sabine's
formula gives for the room's RT60 (capped at 40). Talkers are found by name or role, ``room-*``
positions at the room's named spots, background (``no_type``) at the centre, and a furniture name
on that furniture's top.

Example:
    >>> import tempfile, numpy as np, soundfile as sf
    >>> from sdialog.audio.room import Room, Dimensions3D
    >>> path = tempfile.mkdtemp() + "/s.wav"
    >>> sf.write(path, np.random.default_rng(0).standard_normal(4000) * 0.1, 16000)
    >>> sim = AcousticsSimulator(Room(dimensions=Dimensions3D(4, 3, 2.7)), sampling_rate=16000)
    >>> out = sim.simulate([AudioSource(name="a", position="speaker_1", source_file=path)])
    >>> out.ndim, len(out) > 4000, float(abs(out).max()) <= 1.0
    (1, True, True)
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from sdialog._extras import needs_extra
from sdialog.audio.geometry import AudioSource, Position3D, RoomPosition
from sdialog.audio.room import Room
from sdialog.audio.utils import SourceVolume, logger

__all__ = ["AcousticsSimulator", "AudioSource"]


class AcousticsSimulator:
    """Simulate ``room`` at ``sampling_rate`` Hz; ``kwargs_pyroom`` go to pyroomacoustics'
    ``ShoeBox`` (e.g. ``max_order``)."""

    def __init__(
        self,
        room: Room | None = None,
        sampling_rate: int = 44_100,
        kwargs_pyroom: dict | None = None,
    ):
        if room is None:
            raise ValueError("Room is required: AcousticsSimulator(room=Room(...))")
        self.room, self.sampling_rate = room, int(sampling_rate)
        self.kwargs_pyroom = dict(kwargs_pyroom or {})
        self.audiosources: list[AudioSource] = []
        self._pyroom: Any = self._create_pyroom()

    def _create_pyroom(self) -> Any:
        with needs_extra("audio"):
            import pyroomacoustics as pra

        options = dict(self.kwargs_pyroom)
        if "max_order" not in options:
            rt60 = self.room._absorption()[1]
            options["max_order"] = min(
                40, int(pra.inverse_sabine(rt60, list(self.room.dimensions))[1])
            )
        return self.room.to_pyroomacoustics(self.sampling_rate, **options)

    def _position(self, source: AudioSource) -> Position3D:
        position, room = str(source.position), self.room
        if position in room.speakers_positions:
            return room.speakers_positions[position]
        if position.startswith("room-"):
            return room.room_position_to_position3d(RoomPosition(position))
        if position in room.furnitures:
            f = room.furnitures[position]
            return Position3D(f.x + f.width / 2, f.y + f.depth / 2, f.get_top_z())
        if not position.startswith("no_type"):
            logger.warning(
                "unknown position %r of source %r: using the room centre", position, source.name
            )
        return room.room_position_to_position3d(RoomPosition.CENTER)

    def _add_sources(self, sources: list[AudioSource], volumes: dict | None) -> None:
        with needs_extra("audio"):
            import soundfile

        from sdialog.audio.mix import resample

        volumes = volumes or {}
        for source in sources:
            self.audiosources.append(source)
            if not source.source_file or not os.path.exists(source.source_file):
                logger.warning("no audio file for source %r: %r", source.name, source.source_file)
                continue
            audio, rate = soundfile.read(source.source_file)
            audio = np.asarray(audio, dtype=np.float64)
            if audio.ndim > 1:
                audio = audio.mean(axis=1)
            audio = resample(audio, int(rate), self.sampling_rate).astype(np.float64)
            kind = "room-" if source.position.startswith("room-") else str(source.position)
            if kind in ("room-", "no_type"):
                default = SourceVolume.HIGH if kind == "room-" else SourceVolume.VERY_LOW
                volume = volumes.get(kind, default)
                audio = audio * (
                    volume.value if isinstance(volume, SourceVolume) else float(volume)
                )
            self._pyroom.add_source(self._position(source).to_list(), signal=audio)

    def simulate(
        self,
        sources: list[AudioSource] | None = None,
        source_volumes: dict | None = None,
        reset: bool = False,
        callback_mix_fn: Any = None,
        callback_mix_kwargs: dict | None = None,
    ) -> np.ndarray:
        """Add ``sources`` and simulate; the first microphone's signal (all microphones as rows
        when the room has several), peak-normalised to 0.99."""
        if reset or self._pyroom is None:
            self.reset()
            self._pyroom = self._create_pyroom()
        self.room.validate()
        self._add_sources(list(sources or []), source_volumes)
        try:
            self._pyroom.simulate(
                callback_mix=callback_mix_fn, callback_mix_kwargs=callback_mix_kwargs or {}
            )
        except ValueError as err:
            if "inside the room" in str(err):
                raise ValueError(
                    f"sources are positioned outside the room boundaries: {err}"
                ) from err
            raise
        signals = np.asarray(self._pyroom.mic_array.signals, dtype=np.float64)
        peak = float(np.max(np.abs(signals), initial=0.0))
        if peak > 0:
            signals = signals * (0.99 / peak)
        return signals[0] if signals.shape[0] == 1 else signals

    def reset(self) -> None:
        """Drop the pyroomacoustics room and the added sources."""
        self._pyroom = None
        self.audiosources = []
