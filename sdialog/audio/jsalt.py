"""Medical rooms shaped as in SDialog: :class:`RoomRole` and :class:`MedicalRoomGenerator`.

Each room type has a floor area and aspect ratio (:attr:`MedicalRoomGenerator.ROOM_SIZES`,
:attr:`~MedicalRoomGenerator.ROOM_ASPECT_RATIOS`), a 2.5 m ceiling, clinical furniture (desk,
monitor, examination couch, sink, cupboard, door) and an RT60 drawn from our consultation,
examination or office presets. ``args={"room_type": "random"}`` draws a type with the generator's
own seeded random generator (the ``args`` dict is not modified).

Example:
    >>> room = MedicalRoomGenerator(seed=0).generate({"room_type": RoomRole.CONSULTATION})
    >>> "consultation_room" in room.name, sorted(room.furnitures)[:3]
    (True, ['bench', 'center', 'cupboard'])
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from sdialog.audio.geometry import Dimensions3D, RoomPosition
from sdialog.audio.room import Room
from sdialog.audio.room_generator import RoomGenerator
from sdialog.audio.utils import Furniture, RGBAColor

__all__ = ["MedicalRoomGenerator", "RoomPosition", "RoomRole"]


class RoomRole(str, Enum):
    """Kinds of rooms in a hospital or practice."""

    CONSULTATION = "consultation"
    EXAMINATION = "examination"
    TREATMENT = "treatment"
    PATIENT_ROOM = "patient_room"
    SURGERY = "surgery"
    WAITING = "waiting_room"
    EMERGENCY = "emergency"
    OFFICE = "office"


_RT60_PRESET = {
    RoomRole.CONSULTATION: "consultation_room",
    RoomRole.OFFICE: "office",
    RoomRole.WAITING: "office",
}


class MedicalRoomGenerator(RoomGenerator):
    """Medical rooms by :class:`RoomRole` (see the module doc).

    Example:
        >>> gen = MedicalRoomGenerator(seed=1)
        >>> gen.calculate_room_dimensions(12, (1.8, 1.0)).height
        2.5
    """

    def __init__(self, seed: int | None = None):
        super().__init__(seed)
        self.ROOM_SIZES: dict[Any, tuple[float, str, str]] = {
            RoomRole.CONSULTATION: (4.5, "consultation_room", "consultation room"),
            RoomRole.EXAMINATION: (6, "examination_room", "examination room"),
            RoomRole.TREATMENT: (8, "treatment_room", "treatment room"),
            RoomRole.PATIENT_ROOM: (9.5, "patient_room", "patient room"),
            RoomRole.SURGERY: (12, "surgery_room", "surgery room"),
            RoomRole.WAITING: (15, "waiting_room", "waiting room"),
            RoomRole.EMERGENCY: (18, "emergency_room", "emergency room"),
            RoomRole.OFFICE: (20, "office_room", "office room"),
        }
        self.ROOM_ASPECT_RATIOS: dict[float, tuple[float, float]] = {
            4.5: (1.5, 1.0),
            6: (1.5, 1.0),
            8: (1.6, 1.0),
            9.5: (1.7, 1.0),
            12: (1.8, 1.0),
            15: (2.0, 1.0),
            18: (2.2, 1.0),
            20: (2.5, 1.0),
            24: (2.4, 1.0),
            32: (2.8, 1.0),
        }

    def calculate_room_dimensions(
        self, floor_area: float, aspect_ratio: tuple[float, float]
    ) -> Dimensions3D:
        """Width/length from the area and aspect ratio; a 2.5 m ceiling."""
        width, length = self._floor(floor_area, aspect_ratio)
        return Dimensions3D(width=width, length=length, height=2.5)

    def generate(self, args: dict[str, Any]) -> Room:
        """A room of type ``args["room_type"]`` (a :class:`RoomRole`, its value, or
        ``"random"``; the only key allowed)."""
        if "room_type" not in args:
            raise ValueError("room_type is required (a RoomRole or 'random')")
        if len(args) > 1:
            raise ValueError(f"Only room_type is allowed in args, got {sorted(args)}")
        role = args["room_type"]
        if role == "random":
            role = self.rng.choice(list(RoomRole))
        if role not in self.ROOM_SIZES:
            raise ValueError(
                f"unknown room_type {role!r}; known: {[str(r) for r in self.ROOM_SIZES]}"
            )
        floor_area, name, description = self.ROOM_SIZES[role]
        if floor_area not in self.ROOM_ASPECT_RATIOS:
            raise ValueError(
                f"Unsupported room size: {floor_area}m² (known: {sorted(self.ROOM_ASPECT_RATIOS)})"
            )
        dims = self.calculate_room_dimensions(floor_area, self.ROOM_ASPECT_RATIOS[floor_area])
        w, length = dims.width, dims.length
        furniture = [
            Furniture("desk", w * 0.01, length * 0.15, 1.22, 0.76, 0.76, color=RGBAColor.GREEN),
            Furniture("monitor", w * 0.01, length * 0.15, 0.5, 0.4, 0.1, 0.8, RGBAColor.BROWN),
            Furniture("bench", w * 0.65, length * 0.01, 0.82, 0.75, 1.95, color=RGBAColor.ORANGE),
            Furniture("sink", w * 0.35, length * 0.75, 0.4, 1.0, 0.4, color=RGBAColor.BLUE),
            Furniture("cupboard", w * 0.01, length * 0.75, 0.9, 1.85, 0.4, color=RGBAColor.GRAY),
            Furniture("door", 0.01, 0.01, 0.7, 2.1, 0.1, color=RGBAColor.BLACK),
        ]
        tag = self.rng.randrange(10**6)
        preset = _RT60_PRESET.get(
            RoomRole(role) if role in list(RoomRole) else None, "examination_room"
        )
        return Room(
            dims,
            self._rt60(preset),
            name=f"{name} - {self.seed}-{tag}",
            description=f"{description} - {self.seed}-{tag}",
            furnitures={f.name: f for f in furniture},
            seed=self.seed,
        )
