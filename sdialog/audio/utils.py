"""Small shared audio vocabulary, shaped as in SDialog: speaker roles, furniture, sides, source
types and volumes, body postures.

These names exist so that code written for SDialog's audio API runs here; our own engines
(:mod:`sdialog.audio.room`, :mod:`sdialog.audio.pipeline`) consume them.

Example:
    >>> from sdialog.audio.utils import Furniture, Role
    >>> Furniture(name="desk", x=1, y=1, width=1.2, depth=0.7, height=0.76).get_top_z()
    0.76
    >>> str(Role.SPEAKER_1), Role.SPEAKER_2 == "speaker_2"
    ('speaker_1', True)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any

logger = logging.getLogger("sdialog.audio")


class Role(str, Enum):
    """Speaker roles: the first speaker of a dialog is ``speaker_1``, the second ``speaker_2``.

    Dialogs with more speakers get ``speaker_3``... as plain strings (see
    :meth:`sdialog.audio.dialog.AudioDialog.from_dialog`).

    Example:
        >>> Role("speaker_1") is Role.SPEAKER_1
        True
    """

    SPEAKER_1 = "speaker_1"
    SPEAKER_2 = "speaker_2"

    def __str__(self) -> str:
        return self.value


class SpeakerSide(str, Enum):
    """Side of a piece of furniture a speaker stands or sits at (front is towards -y).

    Example:
        >>> SpeakerSide("front") is SpeakerSide.FRONT
        True
    """

    FRONT = "front"
    BACK = "back"
    LEFT = "left"
    RIGHT = "right"


class SourceType(str, Enum):
    """Kinds of audio sources in a scene (values as SDialog writes them).

    Example:
        >>> SourceType.BACKGROUND.value
        'no_type'
    """

    BACKGROUND = "no_type"
    ROOM = "room-"
    EVENT = "soundevent-"


class SourceVolume(Enum):
    """Relative volume presets of non-speech sources (linear gain, SDialog's values).

    Example:
        >>> SourceVolume.LOW.value < SourceVolume.HIGH.value
        True
    """

    VERY_LOW = 0.0000001
    LOW = 0.01
    MEDIUM = 0.02
    HIGH = 0.05
    VERY_HIGH = 0.07
    EXTREMELY_HIGH = 0.10


class BodyPosture(Enum):
    """Realistic mouth heights in metres (we use 1.2 m seated and 1.6 m standing, not SDialog's
    0.5 m "sitting": a seated adult's mouth is about 1.2 m above the floor).

    Example:
        >>> BodyPosture.SITTING.value
        1.2
    """

    SITTING = 1.2
    STANDING = 1.6


class RGBAColor(Enum):
    """Colours used when drawing furniture in :meth:`~sdialog.audio.room.Room.to_image`.

    Example:
        >>> RGBAColor.RED.value[:3]
        (255, 0, 0)
    """

    RED = (255, 0, 0, 50)
    GREEN = (0, 255, 0, 50)
    BLUE = (0, 0, 255, 50)
    YELLOW = (255, 255, 0, 50)
    PURPLE = (128, 0, 128, 50)
    ORANGE = (255, 165, 0, 50)
    PINK = (255, 192, 203, 50)
    BROWN = (165, 42, 42, 50)
    GRAY = (128, 128, 128, 50)
    BLACK = (0, 0, 0, 50)
    WHITE = (255, 255, 255, 50)


@dataclass
class Furniture:
    """An axis-aligned box in a room: corner ``(x, y, z)``, extent ``width`` (x), ``depth`` (y),
    ``height`` (z), in metres.

    Example:
        >>> Furniture(name="table", x=1, y=1, z=0.5, width=1, height=0.8, depth=1).get_top_z()
        1.3
    """

    name: str
    x: float
    y: float
    width: float = 0.0
    height: float = 0.0
    depth: float = 0.0
    z: float = 0.0
    color: Any = RGBAColor.RED

    def __post_init__(self) -> None:
        for field_name in ("width", "height", "depth"):
            if float(getattr(self, field_name)) < 0:
                raise ValueError(f"furniture {self.name!r} {field_name} must be >= 0")
        if isinstance(self.color, tuple):
            self.color = RGBAColor(self.color) if self.color in _COLORS else self.color

    def get_top_z(self) -> float:
        """Height of the top surface (``z + height``), rounded to the millimetre."""
        return round(float(self.z) + float(self.height), 6)

    def rgba(self) -> tuple[int, int, int, int]:
        """The colour as an RGBA tuple."""
        return tuple(self.color.value if isinstance(self.color, RGBAColor) else self.color)


_COLORS = {c.value for c in RGBAColor}
