"""Room layout: furniture, talkers around furniture, named microphone placements, microphone
directivity and a top-view picture. Mixed into :class:`sdialog.audio.room.Room`.

This is SDialog's room API on top of our room engine, with its defects fixed: talkers' mouths are
at 1.2 m (seated) or 1.6 m (standing), never at furniture height + 0.1 m; any number of talkers;
colatitudes are measured from the vertical (pyroomacoustics' convention), so a microphone aimed
at a talker points at them rather than at the ceiling.

Example:
    >>> from sdialog.audio.room import Room, Dimensions3D, DirectivityType
    >>> from sdialog.audio.utils import Furniture, SpeakerSide
    >>> room = Room(dimensions=Dimensions3D(width=5, length=4, height=3),
    ...             furnitures={"desk": Furniture(name="desk", x=2, y=1.5, width=1.2, depth=0.7,
    ...                                           height=0.76)})
    >>> room.place_speaker_around_furniture("speaker_1", "desk", side=SpeakerSide.FRONT)
    >>> room.speakers_positions["speaker_1"].z, room.speakers_positions["speaker_1"].y < 1.5
    (1.2, True)
    >>> room.set_directivity(DirectivityType.SPEAKER_1)
    >>> room.microphone_directivity.colatitude > 90   # pointing down, towards the talker
    True
"""

from __future__ import annotations

import contextlib
import uuid
import zlib
from typing import Any

import numpy as np

from sdialog._extras import needs_extra
from sdialog.audio.geometry import (
    COMPASS,
    DirectivityType,
    MicrophoneDirectivity,
    MicrophonePosition,
    Position3D,
    RoomPosition,
    aim,
)
from sdialog.audio.utils import BodyPosture, Furniture, Role, SpeakerSide

_SIDES = [SpeakerSide.FRONT, SpeakerSide.BACK, SpeakerSide.LEFT, SpeakerSide.RIGHT]


class RoomLayout:
    """Layout methods of :class:`~sdialog.audio.room.Room` (see the module doc)."""

    # set by Room.__init__: dimensions, min_wall_distance, seed, speakers_positions, name
    def _init_layout(
        self,
        reference_form: bool,
        furnitures: dict[str, Furniture] | None = None,
        speakers_positions: dict[str, Position3D] | None = None,
        mic_position: MicrophonePosition | str | None = None,
        mic_position_3d: Position3D | None = None,
        directivity_type: DirectivityType | str | None = None,
        microphone_directivity: MicrophoneDirectivity | None = None,
        description: str = "",
        id: str | None = None,
        reverberation_time_ratio: float | None = None,
    ) -> None:
        self.id = id or uuid.uuid4().hex[:12]
        self.description = description
        self.reverberation_time_ratio = reverberation_time_ratio
        self.furnitures: dict[str, Furniture] = dict(furnitures or {})
        default_mic = MicrophonePosition.CEILING_CENTERED
        self.mic_position = MicrophonePosition(mic_position or default_mic)
        self.mic_position_3d: Position3D | None = None
        self.directivity_type = DirectivityType.OMNIDIRECTIONAL
        self.microphone_directivity: MicrophoneDirectivity | None = None
        if reference_form and "center" not in self.furnitures:
            w, length, _ = self.dimensions
            self.furnitures["center"] = Furniture(name="center", x=w / 2, y=length / 2)
        for name, position in (speakers_positions or {}).items():
            self.place_speaker(name, position)
        if reference_form:
            for role, side in ((Role.SPEAKER_1, "front"), (Role.SPEAKER_2, "back")):
                if role.value not in self.speakers_positions:
                    self.place_speaker_around_furniture(role.value, "center", 2.0, side)
        if mic_position_3d is not None:
            self.set_mic_position(MicrophonePosition.CUSTOM, mic_position_3d)
            self.mic_position = MicrophonePosition(mic_position or MicrophonePosition.CUSTOM)
        elif reference_form or mic_position is not None:
            self.set_mic_position(self.mic_position)
        if reference_form or directivity_type is not None or microphone_directivity is not None:
            fallback = "custom" if microphone_directivity else "omnidirectional"
            kind = directivity_type or fallback
            self.set_directivity(kind, microphone_directivity)

    # -- checks ------------------------------------------------------------------------------
    def _check_free(self, pos: list[float]) -> None:
        """Refuse a talker standing inside a piece of furniture's footprint."""
        x, y = pos[0], pos[1]
        for furniture in self.furnitures.values():
            if furniture.width <= 0 or furniture.depth <= 0:
                continue
            inside_x = furniture.x < x < furniture.x + furniture.width
            if inside_x and furniture.y < y < furniture.y + furniture.depth:
                raise ValueError(f"it is inside furniture {furniture.name!r}")

    def validate(self) -> None:
        """Raise ValueError naming every talker or microphone outside the room."""
        dims = list(self.dimensions)
        outside = [
            str(name)
            for name, pos in [*self.speakers.items(), *enumerate(self.microphones)]
            if any(not 0 <= v <= d for v, d in zip(pos, dims, strict=True))
        ]
        if outside:
            raise ValueError(
                f"talkers/microphones {outside} are positioned outside the room boundaries "
                f"{dims} of room {self.name!r}"
            )

    # -- talkers -----------------------------------------------------------------------------
    def add_speaker(self, speaker_name: str, position: Position3D) -> None:
        """Same as :meth:`place_speaker`."""
        self.place_speaker(speaker_name, position)

    def place_speaker_around_furniture(
        self,
        speaker_name: str,
        furniture_name: str = "center",
        max_distance: float = 0.3,
        side: SpeakerSide | str | None = None,
        seed: int | None = None,
    ) -> None:
        """Seat ``speaker_name`` within ``max_distance`` m of a side of a furniture (a random
        free side when ``side`` is None); mouth at 1.2 m, or 1.6 m (standing) beside furniture
        taller than 1 m, half a metre from other talkers when there is room. Seeded by ``seed``
        (default: the room seed and the names)."""
        if furniture_name not in self.furnitures:
            raise ValueError(
                f"Furniture {furniture_name!r} not found in the room; "
                f"have {sorted(self.furnitures)}"
            )
        if side is not None and side not in [s.value for s in _SIDES]:
            raise ValueError(f"side must be one of front, back, left, right, got {side!r}")
        f = self.furnitures[furniture_name]
        if seed is None:
            seed = zlib.crc32(f"{self.seed}|{speaker_name}|{furniture_name}".encode())
        rng = np.random.default_rng(seed)
        tall = f.get_top_z() > 1.0
        z = BodyPosture.STANDING.value if tall else BodyPosture.SITTING.value
        gap = min(0.1, max_distance / 2)
        margin = self.min_wall_distance
        w, length, _ = (float(v) for v in self.dimensions)
        for attempt in range(300):
            chosen = SpeakerSide(side) if side is not None else _SIDES[rng.integers(4)]
            x_range, y_range = {
                SpeakerSide.FRONT: ((f.x, f.x + f.width), (f.y - max_distance, f.y - gap)),
                SpeakerSide.BACK: (
                    (f.x, f.x + f.width),
                    (f.y + f.depth + gap, f.y + f.depth + max_distance),
                ),
                SpeakerSide.LEFT: ((f.x - max_distance, f.x - gap), (f.y, f.y + f.depth)),
                SpeakerSide.RIGHT: (
                    (f.x + f.width + gap, f.x + f.width + max_distance),
                    (f.y, f.y + f.depth),
                ),
            }[chosen]
            x = round(float(rng.uniform(*x_range)), 3)
            y = round(float(rng.uniform(*y_range)), 3)
            if not (margin <= x <= w - margin and margin <= y <= length - margin):
                continue
            try:
                self._check_free([x, y, z])
            except ValueError:
                continue
            others = [p for n, p in self.speakers_positions.items() if n != speaker_name]
            if attempt < 200 and any(p.distance_to([x, y], 2) < 0.5 for p in others):
                continue  # keep half a metre from other talkers while possible
            self.place_speaker(speaker_name, Position3D(x, y, z))
            return
        raise ValueError(
            f"no free spot for {speaker_name!r} within {max_distance} m of the {side or 'any'} "
            f"side of {furniture_name!r} (walls at {margin} m, other furniture); "
            "raise max_distance or pick another side"
        )

    def _after_speaker_moved(self) -> None:
        if getattr(self, "mic_position", None) == MicrophonePosition.MIDDLE_SPEAKERS:
            self.set_mic_position(MicrophonePosition.MIDDLE_SPEAKERS)
        elif getattr(self, "directivity_type", None) in (
            DirectivityType.SPEAKER_1,
            DirectivityType.SPEAKER_2,
            DirectivityType.MIDDLE_SPEAKERS,
        ):
            with contextlib.suppress(ValueError):
                self.set_directivity(self.directivity_type)

    def _talkers_middle(self) -> list[float]:
        roles = [r.value for r in Role]
        if all(r in self.speakers_positions for r in roles):
            points = [self.speakers_positions[r].to_list() for r in roles]
        elif self.speakers_positions:
            points = [p.to_list() for p in self.speakers_positions.values()]
        else:
            raise ValueError("no talkers are placed: place speakers first")
        return [float(v) for v in np.mean(np.array(points, dtype=float), axis=0)]

    # -- microphone --------------------------------------------------------------------------
    def set_mic_position(
        self, mic_position: MicrophonePosition | str, position_3D: Position3D | None = None
    ) -> None:
        """Put the (first) microphone at a named spot, or at ``position_3D`` (``CUSTOM``);
        re-aims a directional microphone."""
        kind = MicrophonePosition(mic_position)
        w, length, h = (float(v) for v in self.dimensions)
        m = self.min_wall_distance
        if position_3D is not None:
            spot = position_3D.to_list()
        elif kind == MicrophonePosition.CUSTOM:
            raise ValueError("mic_position CUSTOM needs position_3D")
        elif kind == MicrophonePosition.CEILING_CENTERED:
            spot = [w / 2, length / 2, h - m]
        elif kind in (MicrophonePosition.DESK_SMARTPHONE, MicrophonePosition.MONITOR):
            name = "monitor" if kind == MicrophonePosition.MONITOR else "desk"
            f = self.furnitures.get(name) or self.furnitures.get("desk")
            if f is None:
                spot = [w / 2, length / 2, 0.8 if name == "desk" else 1.2]
            else:
                spot = [f.x + f.width / 2, f.y + f.depth / 2, f.get_top_z() + 0.01]
        elif kind == MicrophonePosition.WALL_MOUNTED:
            spot = [m, length / 2, min(2.0, h - m)]
        elif kind == MicrophonePosition.MIDDLE_SPEAKERS:
            spot = [*self._talkers_middle()[:2], BodyPosture.STANDING.value - 0.3]
        else:  # chest pocket of a talker: 0.3 m below the mouth
            role = "speaker_1" if kind == MicrophonePosition.CHEST_POCKET_SPEAKER_1 else "speaker_2"
            if role not in self.speakers_positions:
                raise ValueError(f"mic_position {kind.value} needs {role} placed first")
            talker = self.speakers_positions[role].to_list()
            spot = [talker[0], talker[1], talker[2] - 0.3]
        clamped = [min(max(float(v), m), d - m) for v, d in zip(spot, (w, length, h), strict=True)]
        clamped[2] = max(clamped[2], 0.3)
        self.mic_position = kind
        self.mic_position_3d = Position3D(*[round(v, 4) for v in clamped])
        if self.microphone_directivity is not None:
            keep = self.microphone_directivity if self.directivity_type == "custom" else None
            self.set_directivity(self.directivity_type, keep)

    def set_directivity(
        self,
        direction: DirectivityType | str = DirectivityType.OMNIDIRECTIONAL,
        directivity: MicrophoneDirectivity | None = None,
    ) -> None:
        """Point the microphones: a compass direction, a talker, the talkers' middle,
        omnidirectional, or ``CUSTOM`` with a :class:`MicrophoneDirectivity`."""
        kind = DirectivityType(direction)
        if kind == DirectivityType.CUSTOM:
            if directivity is None:
                raise ValueError("Microphone directivity is required for custom directivity type")
            result = directivity
        elif kind == DirectivityType.OMNIDIRECTIONAL:
            result = MicrophoneDirectivity(0, 0, 1.0, pattern="omnidirectional")
        elif kind in COMPASS:
            result = MicrophoneDirectivity(COMPASS[kind], 90)
        else:
            if self.mic_position_3d is None:
                raise ValueError(f"directivity {kind.value} needs a microphone placed first")
            if kind == DirectivityType.MIDDLE_SPEAKERS:
                target = self._talkers_middle()
            elif kind.value in self.speakers_positions:
                target = self.speakers_positions[kind.value].to_list()
            else:
                raise ValueError(
                    f"directivity {kind.value}: that talker is not placed; placed: "
                    f"{', '.join(map(str, self.speakers_positions)) or 'none'}"
                )
            result = MicrophoneDirectivity(*aim(self.mic_position_3d.to_list(), target))
        self.directivity_type, self.microphone_directivity = kind, result

    @property
    def directivity(self) -> MicrophoneDirectivity | None:
        """The directional pattern applied to every microphone, ``None`` when omnidirectional."""
        d = getattr(self, "microphone_directivity", None)
        return None if d is None or d.pattern == "omnidirectional" else d

    # -- queries -----------------------------------------------------------------------------
    def get_speaker_distances_to_microphone(self, dimensions: int = 3) -> dict[str, float]:
        """Talker name → distance (m) to the first microphone."""
        if self.mic_position_3d is None:
            raise ValueError("room has no microphone")
        return {
            str(name): pos.distance_to(self.mic_position_3d, dimensions)
            for name, pos in self.speakers_positions.items()
        }

    def room_position_to_position3d(self, position: RoomPosition | str) -> Position3D:
        """A named spot (corners at mouth height, centre under the ceiling)."""
        w, length, h = (float(v) for v in self.dimensions)
        m, z = self.min_wall_distance, BodyPosture.SITTING.value
        spots = {
            RoomPosition.CENTER: (w / 2, length / 2, h - m),
            RoomPosition.TOP_LEFT: (m, length - m, z),
            RoomPosition.TOP_RIGHT: (w - m, length - m, z),
            RoomPosition.BOTTOM_LEFT: (m, m, z),
            RoomPosition.BOTTOM_RIGHT: (w - m, m, z),
        }
        return Position3D(*spots[RoomPosition(position)])

    def get_roof_center(self) -> Position3D:
        """Centre of the room just under the ceiling."""
        return self.room_position_to_position3d(RoomPosition.CENTER)

    def get_top_left_corner(self) -> Position3D:
        """Corner (x min, y max) at mouth height, ``min_wall_distance`` from the walls."""
        return self.room_position_to_position3d(RoomPosition.TOP_LEFT)

    def get_top_right_corner(self) -> Position3D:
        """Corner (x max, y max) at mouth height."""
        return self.room_position_to_position3d(RoomPosition.TOP_RIGHT)

    def get_bottom_left_corner(self) -> Position3D:
        """Corner (x min, y min) at mouth height."""
        return self.room_position_to_position3d(RoomPosition.BOTTOM_LEFT)

    def get_bottom_right_corner(self) -> Position3D:
        """Corner (x max, y min) at mouth height."""
        return self.room_position_to_position3d(RoomPosition.BOTTOM_RIGHT)

    def add_furnitures(self, furnitures: dict[str, Furniture]) -> None:
        """Add or replace furniture by name."""
        self.furnitures.update(furnitures)

    def get_furnitures(self) -> dict[str, Furniture]:
        """Furniture by name."""
        return self.furnitures

    def get_square_meters(self) -> float:
        """Floor area (m²)."""
        return float(self.dimensions[0]) * float(self.dimensions[1])

    def get_volume(self) -> float:
        """Volume (m³)."""
        return float(np.prod([float(v) for v in self.dimensions]))

    def get_info(self) -> dict[str, Any]:
        """A JSON-able summary: id, name, description, dimensions, RT60, microphone."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "dimensions": [float(v) for v in self.dimensions],
            "rt60": self.rt60,
            "reverberation_time_ratio": self.reverberation_time_ratio,
            "mic_position": self.mic_position.value,
            "mic_position_3d": None if self.mic_position_3d is None else self.microphones[0],
            "microphone_directivity": None if self.directivity is None else vars(self.directivity),
            "speakers": self.speakers,
        }

    def get_hash(self) -> str:
        """Stable hash of the geometry and acoustics (the RIR cache key at 16 kHz)."""
        return self.key(16000)

    def __str__(self) -> str:
        dims = [float(v) for v in self.dimensions]
        return f"Room {self.name!r} {dims} m, talkers {self.speakers}"

    def to_image(
        self,
        show_anchors: bool = True,
        show_walls: bool = True,
        show_furnitures: bool = True,
        show_speakers: bool = True,
        show_microphones: bool = True,
        pixels_per_metre: int = 100,
    ) -> Any:
        """A top view (PIL image): walls, furniture, talkers (dots), microphones (squares, with
        the aiming line when directional) and, with ``show_anchors``, the named room spots."""
        with needs_extra("audio"):
            from PIL import Image, ImageDraw

        w, length, _ = (float(v) for v in self.dimensions)
        pad, k = 30, pixels_per_metre
        size = (int(w * k) + 2 * pad, int(length * k) + 2 * pad)
        image = Image.new("RGBA", size, (255, 255, 255, 255))
        draw = ImageDraw.Draw(image, "RGBA")
        black = (0, 0, 0, 255)

        def px(x: float, y: float) -> tuple[int, int]:
            return int(pad + x * k), int(size[1] - pad - y * k)

        if show_walls:
            draw.rectangle([px(0, length), px(w, 0)], outline=black, width=3)
        for f in self.furnitures.values() if show_furnitures else []:
            if f.width > 0 and f.depth > 0:
                draw.rectangle([px(f.x, f.y + f.depth), px(f.x + f.width, f.y)], fill=f.rgba())
                draw.text(px(f.x, f.y + f.depth), f.name, fill=black)
        for spot in RoomPosition if show_anchors else []:
            cx, cy = px(*self.room_position_to_position3d(spot).to_list()[:2])
            draw.line([(cx - 4, cy), (cx + 4, cy)], fill=(120, 120, 120, 255))
            draw.line([(cx, cy - 4), (cx, cy + 4)], fill=(120, 120, 120, 255))
        for name, pos in self.speakers_positions.items() if show_speakers else []:
            cx, cy = px(pos.x, pos.y)
            draw.ellipse([cx - 8, cy - 8, cx + 8, cy + 8], fill=(30, 90, 200, 255))
            draw.text((cx + 10, cy - 6), str(name), fill=black)
        for mic in self.microphones if show_microphones else []:
            cx, cy = px(mic[0], mic[1])
            draw.rectangle([cx - 6, cy - 6, cx + 6, cy + 6], fill=(200, 30, 30, 255))
            if self.directivity is not None:
                a = np.radians(self.directivity.azimuth)
                end = (cx + 40 * np.cos(a), cy - 40 * np.sin(a))
                draw.line([(cx, cy), end], fill=(200, 30, 30, 255), width=2)
        return image
