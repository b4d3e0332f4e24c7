"""3D geometry of rooms, shaped as in SDialog: points, room extents, microphone placements and
directivity, audio sources.

Coordinates are metres, ``x`` along the room width, ``y`` along its length, ``z`` up. Azimuths
follow pyroomacoustics (degrees from +x towards +y); colatitudes are degrees from +z (90 =
horizontal). :class:`MicrophoneDirectivity` turns into a real pyroomacoustics directivity
(``Cardioid``, ``HyperCardioid``...) that :class:`~sdialog.audio.room.Room` applies to its
microphones.

Example:
    >>> a, b = Position3D(0, 0, 1.2), Position3D(3, 4, 1.2)
    >>> a.distance_to(b), Dimensions3D(width=5, length=4, height=3).volume
    (5.0, 60)
    >>> MicrophoneDirectivity(azimuth=90, colatitude=90).to_pyroomacoustics().__class__.__name__
    'Cardioid'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from sdialog._extras import needs_extra
from sdialog.audio.utils import Role

__all__ = [
    "AudioSource",
    "Dimensions3D",
    "DirectivityType",
    "MicrophoneDirectivity",
    "MicrophonePosition",
    "Position3D",
    "RoomPosition",
    "SoundEventPosition",
]


@dataclass(eq=True)
class Position3D:
    """A point in a room (non-negative coordinates, metres).

    Example:
        >>> Position3D.from_list([1, 2, 3]).to_list()
        [1, 2, 3]
    """

    x: float = 0.0
    y: float = 0.0
    z: float = 0.0

    def __post_init__(self) -> None:
        if min(self.x, self.y, self.z) < 0:
            raise ValueError(f"Coordinates must be non-negative, got {self.to_list()}")

    def __str__(self) -> str:
        return f"pos: {self.to_list()}"

    def to_array(self) -> np.ndarray:
        """``np.array([x, y, z])``."""
        return np.array([self.x, self.y, self.z], dtype=float)

    def to_list(self) -> list[float]:
        """``[x, y, z]``."""
        return [self.x, self.y, self.z]

    def distance_to(self, other: Position3D | Sequence[float], dimensions: int = 3) -> float:
        """Euclidean distance in the floor plane (``dimensions=2``) or in space (3)."""
        if dimensions not in (2, 3):
            raise ValueError(f"Invalid dimensions {dimensions}: use 2 (floor plane) or 3")
        other_list = other.to_list() if isinstance(other, Position3D) else list(other)
        delta = np.subtract(self.to_list()[:dimensions], other_list[:dimensions])
        return float(np.linalg.norm(delta))

    @classmethod
    def from_list(cls, position_list: Sequence[float]) -> Position3D:
        """From ``[x, y, z]``."""
        if len(position_list) != 3:
            raise ValueError(
                f"a position must have exactly 3 coordinates, got {list(position_list)}"
            )
        return cls(*position_list)


@dataclass
class Dimensions3D:
    """Room extents: ``width`` (x), ``length`` (y), ``height`` (z), in metres.

    Iterates as ``[width, length, height]``, so it can stand wherever ``[x, y, z]`` is expected.

    Example:
        >>> d = Dimensions3D(width=3, length=4, height=2.5)
        >>> d.floor_area, list(d)
        (12, [3, 4, 2.5])
    """

    width: float
    length: float
    height: float

    def __post_init__(self) -> None:
        if min(self.width, self.length, self.height) <= 0:
            raise ValueError(f"All dimensions must be positive, got {self.to_list()}")

    def __str__(self) -> str:
        return f"dim: {self.to_list()}"

    def to_list(self) -> list[float]:
        """``[width, length, height]``."""
        return [self.width, self.length, self.height]

    @property
    def volume(self) -> float:
        """Cubic metres."""
        return self.width * self.length * self.height

    @property
    def floor_area(self) -> float:
        """Square metres."""
        return self.width * self.length

    def __len__(self) -> int:
        return 3

    def __iter__(self):
        return iter(self.to_list())

    def __getitem__(self, index: int) -> float:
        return self.to_list()[index]


class SoundEventPosition(str, Enum):
    """Where a sound event is placed (SDialog values)."""

    BACKGROUND = "no_type"
    NOT_DEFINED = "soundevent-not_defined"
    DEFINED = "soundevent-defined"


class RoomPosition(str, Enum):
    """Named spots of a room (corners and centre, at mouth height)."""

    CENTER = "room-center"
    TOP_LEFT = "room-top_left"
    TOP_RIGHT = "room-top_right"
    BOTTOM_LEFT = "room-bottom_left"
    BOTTOM_RIGHT = "room-bottom_right"


class MicrophonePosition(str, Enum):
    """Microphone placements :meth:`~sdialog.audio.room.Room.set_mic_position` understands."""

    DESK_SMARTPHONE = "desk_smartphone"
    MONITOR = "monitor"
    WALL_MOUNTED = "wall_mounted"
    CEILING_CENTERED = "ceiling_centered"
    CHEST_POCKET_SPEAKER_1 = "chest_pocket_speaker_1"
    CHEST_POCKET_SPEAKER_2 = "chest_pocket_speaker_2"
    MIDDLE_SPEAKERS = "middle_speakers"
    CUSTOM = "custom"


class DirectivityType(str, Enum):
    """Where a directional microphone points: a compass direction (north = +x, east = +y, as
    in SDialog), a speaker, the midpoint of the two speakers, omnidirectional, or custom."""

    CUSTOM = "custom"
    OMNIDIRECTIONAL = "omnidirectional"
    NORTH = "north"
    SOUTH = "south"
    EAST = "east"
    WEST = "west"
    NORTH_EAST = "north_east"
    NORTH_WEST = "north_west"
    SOUTH_EAST = "south_east"
    SOUTH_WEST = "south_west"
    SPEAKER_1 = Role.SPEAKER_1.value
    SPEAKER_2 = Role.SPEAKER_2.value
    MIDDLE_SPEAKERS = "middle_speakers"


COMPASS = {
    DirectivityType.NORTH: 0,
    DirectivityType.SOUTH: 180,
    DirectivityType.EAST: 90,
    DirectivityType.WEST: -90,
    DirectivityType.NORTH_EAST: 45,
    DirectivityType.NORTH_WEST: -45,
    DirectivityType.SOUTH_EAST: 135,
    DirectivityType.SOUTH_WEST: -135,
}


def aim(source: Sequence[float], target: Sequence[float]) -> tuple[int, int]:
    """(azimuth, colatitude) in whole degrees of the direction from ``source`` to ``target``.

    Example:
        >>> aim([0, 0, 1], [1, 1, 1])
        (45, 90)
    """
    dx, dy, dz = (float(t) - float(s) for s, t in zip(source, target, strict=True))
    azimuth = math.degrees(math.atan2(dy, dx))
    colatitude = math.degrees(math.atan2(math.hypot(dx, dy), dz))
    return round(azimuth), round(colatitude)


@dataclass
class MicrophoneDirectivity:
    """A cardioid-family microphone pattern pointing at (``azimuth``, ``colatitude``) degrees.

    ``pattern`` is ``"cardioid"``, ``"hypercardioid"``, ``"subcardioid"``, ``"figure_eight"`` or
    ``"omnidirectional"``.
    """

    azimuth: int = 0
    colatitude: int = 0
    gain: float = 1.0
    pattern: str = "cardioid"

    def to_pyroomacoustics(self) -> Any:
        """The pyroomacoustics directivity object (``None`` for omnidirectional)."""
        with needs_extra("audio"):
            from pyroomacoustics import directivities as d

        classes = {
            "cardioid": d.Cardioid,
            "hypercardioid": d.HyperCardioid,
            "subcardioid": d.SubCardioid,
            "figure_eight": d.FigureEight,
        }
        if self.pattern == "omnidirectional":
            return None
        if self.pattern not in classes:
            raise ValueError(f"microphone pattern must be one of {sorted(classes)}")
        orientation = d.DirectionVector(
            azimuth=float(self.azimuth), colatitude=float(self.colatitude), degrees=True
        )
        return classes[self.pattern](orientation, gain=float(self.gain))


@dataclass(eq=True)
class AudioSource:
    """A sound in the scene: ``name``, ``position`` (a speaker name or role, or a
    :class:`RoomPosition` value), the ``source_file`` holding its audio and its ``snr``.

    Example:
        >>> AudioSource(name="s1", position="speaker_1").source_file
        'no_file'
    """

    name: str = ""
    position: str = "no_type"
    snr: float = 0.0
    source_file: str | None = "no_file"
    directivity: str | None = "omnidirectional"
