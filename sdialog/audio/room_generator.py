"""Room generators shaped as in SDialog: :class:`RoomGenerator` (base) and
:class:`BasicRoomGenerator` (a plain room of a given floor area).

Rooms come out as our :class:`~sdialog.audio.room.Room` (SDialog form: ``speaker_1`` and
``speaker_2`` seated around the centre, ceiling microphone), with an RT60 drawn from the range of
our ``basic_room`` preset (:data:`sdialog.audio.room_presets.PRESETS`). Generators never mutate
the ``args`` dict they are given.

Example:
    >>> room = BasicRoomGenerator(seed=0).generate({"room_size": 20.0})
    >>> round(room.dimensions.width * room.dimensions.length, 6), "door" in room.furnitures
    (20.0, True)
"""

from __future__ import annotations

import random
import secrets
from typing import Any

from sdialog.audio.geometry import Dimensions3D, MicrophonePosition
from sdialog.audio.room import Room
from sdialog.audio.room_presets import PRESETS
from sdialog.audio.utils import Furniture, RGBAColor


class RoomGenerator:
    """Base of room generators: ``seed`` (drawn at random and kept in :attr:`seed` when
    ``None``, so a run can be repeated) and a private random generator :attr:`rng`.

    Subclasses implement :meth:`calculate_room_dimensions` and :meth:`generate`.

    Example:
        >>> BasicRoomGenerator(seed=3).seed
        3
    """

    def __init__(self, seed: int | None = None):
        self.seed = int(seed) if seed is not None else secrets.randbits(32)
        self.rng = random.Random(self.seed)

    def calculate_room_dimensions(
        self, floor_area: float, aspect_ratio: tuple[float, float]
    ) -> Dimensions3D:
        """Width and length with ``width / length = aspect_ratio[0] / aspect_ratio[1]`` and
        ``width * length = floor_area``; the height is the subclass's choice."""
        raise NotImplementedError

    def generate(self, args: dict[str, Any]) -> Room:
        """A new room from ``args`` (keys depend on the subclass)."""
        raise NotImplementedError

    @staticmethod
    def _floor(floor_area: float, aspect_ratio: tuple[float, float]) -> tuple[float, float]:
        if floor_area <= 0 or min(aspect_ratio) <= 0:
            raise ValueError(
                f"floor_area and aspect_ratio must be positive, got {floor_area}, {aspect_ratio}"
            )
        ratio = aspect_ratio[0] / aspect_ratio[1]
        length = (floor_area / ratio) ** 0.5
        return length * ratio, length

    def _rt60(self, preset: str) -> float:
        low, high = PRESETS[preset].rt60
        return round(self.rng.uniform(low, high), 3)


class BasicRoomGenerator(RoomGenerator):
    """A plain room of ``args["room_size"]`` m² with a door, a random aspect ratio from
    :attr:`aspect_ratio` and a height from :attr:`floor_heights`.

    Example:
        >>> gen = BasicRoomGenerator(seed=1)
        >>> gen.calculate_room_dimensions(12.0, (1.5, 1.0)).height in gen.floor_heights
        True
    """

    def __init__(self, seed: int | None = None):
        super().__init__(seed)
        self.aspect_ratio = [(1.0, 1.0), (1.5, 1.0), (2.0, 1.0)]
        self.floor_heights = [2.5, 3.0, 3.5]

    def calculate_room_dimensions(
        self, floor_area: float, aspect_ratio: tuple[float, float]
    ) -> Dimensions3D:
        """Width and length from area and aspect ratio; height from :attr:`floor_heights`."""
        width, length = self._floor(floor_area, aspect_ratio)
        return Dimensions3D(width=width, length=length, height=self.rng.choice(self.floor_heights))

    def generate(self, args: dict[str, Any]) -> Room:
        """A room of ``args["room_size"]`` m² (the only key allowed)."""
        if "room_size" not in args:
            raise ValueError("room_size is required in m² (args={'room_size': 20.0})")
        if len(args) > 1:
            raise ValueError(f"Only room_size is allowed in args, got {sorted(args)}")
        dims = self.calculate_room_dimensions(
            float(args["room_size"]), self.rng.choice(self.aspect_ratio)
        )
        name = f"room_{self.seed}_{self.rng.randrange(10**6)}"
        door = Furniture(
            name="door", x=0.1, y=0.1, width=0.7, height=2.1, depth=0.1, color=RGBAColor.BLACK
        )
        return Room(
            dims,
            self._rt60("basic_room"),
            name=name,
            description=f"basic room of {args['room_size']} m²",
            furnitures={"door": door},
            mic_position=MicrophonePosition.CEILING_CENTERED,
            seed=self.seed,
        )
