"""Seeded room generators: medical consultation and examination rooms, offices, living rooms,
call-centre booths and a basic room.

Each generator draws dimensions and RT60 from ranges typical of that room, seats or stands the
speakers around a table/desk centre (any number of speakers, mouths at 1.2 m seated or 1.6 m
standing, at least ``min_wall_distance`` from walls) and places the microphone on the desk
(0.8 m) or the ceiling.

Example:
    >>> room = make_room("consultation_room", ["Doctor", "Patient"], seed=1)
    >>> room.name, sorted(room.speakers), 1.1 < room.speakers["Patient"][2] < 1.3
    ('consultation_room', ['Doctor', 'Patient'], True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sdialog.audio.room import HEIGHTS, Room


@dataclass(frozen=True)
class RoomPreset:
    """Ranges a generator draws from (metres, seconds)."""

    length: tuple[float, float]
    width: tuple[float, float]
    height: tuple[float, float]
    rt60: tuple[float, float]
    talker_radius: tuple[float, float]
    postures: tuple[str, ...]
    mic: str  # "desk" or "ceiling"
    description: str


PRESETS: dict[str, RoomPreset] = {
    "consultation_room": RoomPreset(
        (3.5, 4.5),
        (3.0, 4.0),
        (2.6, 3.0),
        (0.35, 0.55),
        (0.6, 0.9),
        ("seated",),
        "desk",
        "GP consultation room: desk between doctor and patient, furnished, moderate reverb",
    ),
    "examination_room": RoomPreset(
        (3.0, 4.0),
        (2.8, 3.5),
        (2.6, 3.0),
        (0.5, 0.8),
        (0.7, 1.2),
        ("standing", "seated"),
        "ceiling",
        "examination room: hard washable surfaces, clinician standing, patient on the couch",
    ),
    "office": RoomPreset(
        (4.0, 6.0),
        (3.0, 5.0),
        (2.7, 3.0),
        (0.4, 0.7),
        (0.8, 1.2),
        ("seated",),
        "desk",
        "small office or meeting room around a table",
    ),
    "living_room": RoomPreset(
        (4.5, 7.0),
        (3.5, 5.5),
        (2.4, 2.8),
        (0.35, 0.6),
        (1.0, 1.6),
        ("seated",),
        "desk",
        "living room: sofa and armchairs, soft furnishing",
    ),
    "call_centre_booth": RoomPreset(
        (1.6, 2.2),
        (1.4, 1.8),
        (2.4, 2.6),
        (0.15, 0.3),
        (0.3, 0.4),
        ("seated",),
        "desk",
        "call-centre booth: absorbent panels, talkers close to the microphone",
    ),
    "basic_room": RoomPreset(
        (4.0, 6.0),
        (3.5, 5.0),
        (2.6, 3.2),
        (0.4, 0.8),
        (0.8, 1.3),
        ("seated",),
        "desk",
        "plain rectangular room",
    ),
}


def make_room(
    preset: str,
    speakers: Sequence[str],
    seed: int = 0,
    microphone: str | None = None,
    array: int | None = None,
    **room_kwargs,
) -> Room:
    """Draw a room of kind ``preset`` with ``speakers`` placed in it.

    Args:
        preset: a key of :data:`PRESETS`.
        speakers: talker names (any number ≥ 1).
        seed: seeds dimensions, RT60, positions and the reverb tail.
        microphone: ``"desk"`` or ``"ceiling"`` (default: the preset's).
        array: place a circular array of this many microphones instead of one.
        **room_kwargs: passed to :class:`Room` (``reverb``, ``max_order``, ...).

    Raises:
        ValueError: unknown preset or microphone (named).
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown room {preset!r}; known: {', '.join(sorted(PRESETS))}")
    if not speakers:
        raise ValueError("make_room needs at least one speaker")
    spec = PRESETS[preset]
    rng = np.random.default_rng(seed)
    dims = [float(rng.uniform(*r)) for r in (spec.length, spec.width, spec.height)]
    rt60 = float(rng.uniform(*spec.rt60))
    room = Room(dims, rt60, name=preset, seed=seed, **room_kwargs)
    margin = room.min_wall_distance + 0.05
    cx, cy = dims[0] / 2, dims[1] / 2
    radius = float(rng.uniform(*spec.talker_radius))
    radius = min(radius, cx - margin, cy - margin)
    start = float(rng.uniform(0, 2 * np.pi))
    for i, name in enumerate(speakers):
        angle = start + 2 * np.pi * i / len(speakers) + float(rng.uniform(-0.15, 0.15))
        x = float(np.clip(cx + radius * np.cos(angle), margin, dims[0] - margin))
        y = float(np.clip(cy + radius * np.sin(angle), margin, dims[1] - margin))
        posture = spec.postures[i % len(spec.postures)]
        height = HEIGHTS[posture] + float(rng.uniform(-0.05, 0.05))
        room.place_speaker(name, [x, y, height])
    where = microphone or spec.mic
    if where == "desk":
        center = [cx + float(rng.uniform(-0.1, 0.1)), cy + float(rng.uniform(-0.1, 0.1)), 0.8]
    elif where == "ceiling":
        center = [cx, cy, dims[2] - 0.3]
    else:
        raise ValueError(f"microphone must be 'desk' or 'ceiling', got {where!r}")
    if array:
        room.place_array(center, n=int(array), radius=0.05)
    else:
        room.place_microphone(center)
    return room
