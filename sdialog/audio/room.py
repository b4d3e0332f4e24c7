"""Room acoustics with pyroomacoustics: a shoebox :class:`Room`, validated positions, cached RIRs.

Reverberation model (``reverb=``):

- ``"hybrid"`` (default, deterministic): image sources up to ``max_order`` (default 10) for the
  direct path and early reflections, plus a seeded exponentially decaying noise tail
  ``n(t)·10^(-3 t / RT60)`` energy-matched to the image-source response in a window before the
  crossover ``t_c = 0.6 · max_order · min(dimensions) / c`` (where the image set is still complete).
- ``"ism"``: full image-source method with the order from ``pra.inverse_sabine`` (exact, slow).
- ``"ray_tracing"``: pyroomacoustics' ISM + ray tracing (not reproducible run to run: its C++ ray
  tracer is not seedable; the RIR cache makes later runs identical).

Wall absorption comes from a target ``rt60`` (Sabine inversion, ``pra.inverse_sabine``) or from
``materials`` (a pyroomacoustics material name, or a dict wall → name; RT60 then from Sabine's
``0.161·V / Σ S·α``). RIRs are cached per (room, positions, rate) in memory and on disk
(``<cache dir>/rirs/<sha256>.npy``). :meth:`Room.metadata` reports measured RT60s
(``pra.experimental.measure_rt60``) and source–microphone distances.

SDialog's room shape is accepted too (see :mod:`sdialog.audio.room_layout`): ``dimensions`` may
be a :class:`~sdialog.audio.geometry.Dimensions3D` (then ``speaker_1``/``speaker_2`` are seated
around the ``center`` furniture and a ceiling microphone is placed, as SDialog does), with
``furnitures``, ``speakers_positions`` (:class:`~sdialog.audio.geometry.Position3D`),
``mic_position``/``mic_position_3d`` and a microphone ``directivity_type`` that pyroomacoustics
applies to every microphone.

Example:
    >>> room = Room([4.0, 3.5, 2.8], rt60=0.4, name="demo")
    >>> room.place_speaker("A", [1.2, 1.5], posture="seated")
    >>> room.place_microphone([2.0, 1.75, 0.8])
    >>> room.speakers["A"][2]
    1.2
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sdialog._extras import needs_extra
from sdialog.audio.geometry import (
    AudioSource,
    Dimensions3D,
    DirectivityType,
    MicrophoneDirectivity,
    MicrophonePosition,
    Position3D,
    RoomPosition,
)
from sdialog.audio.room_layout import RoomLayout

__all__ = [
    "AudioSource",
    "Dimensions3D",
    "DirectivityType",
    "MicrophoneDirectivity",
    "MicrophonePosition",
    "Position3D",
    "Room",
    "RoomPosition",
]

SPEED_OF_SOUND = 343.0
HEIGHTS = {"seated": 1.2, "standing": 1.6, "lying": 0.9}
SPEAKER_HEIGHT_RANGE = (0.8, 2.0)
MIC_HEIGHT_RANGE = (0.3, None)  # upper bound: ceiling - min_wall_distance/2
_MEMORY: dict[str, dict[str, np.ndarray]] = {}


class Room(RoomLayout):
    """A shoebox room with speakers and microphones.

    Args:
        dimensions: ``[x, y, z]`` extents in metres (each > 1, height 2–20), or a
            :class:`Dimensions3D` (SDialog's form: default talkers and microphone are placed;
            default ``Dimensions3D(2, 2.5, 3)`` when omitted).
        rt60: target reverberation time in seconds (ignored when ``materials`` is given).
        materials: pyroomacoustics material name or dict of walls (east, west, north, south,
            floor, ceiling) → material name.
        max_order: image-source order of the early part (``"hybrid"``, ``"ray_tracing"``).
        reverb: ``"hybrid"``, ``"ism"`` or ``"ray_tracing"`` (see module doc).
        air_absorption: pyroomacoustics air absorption on the image sources.
        min_wall_distance: speakers and microphones stay this far from every wall (m).
        name: label used in file names and metadata.
        seed: seeds the hybrid tail.
        **layout: SDialog's room fields ``furnitures``, ``speakers_positions``,
            ``mic_position``, ``mic_position_3d``, ``directivity_type``,
            ``microphone_directivity``, ``description``, ``id``, ``reverberation_time_ratio``
            (see :mod:`sdialog.audio.room_layout`).
    """

    def __init__(
        self,
        dimensions: Sequence[float] | Dimensions3D | None = None,
        rt60: float | None = 0.5,
        *,
        materials: str | Mapping[str, str] | None = None,
        max_order: int = 10,
        reverb: str = "hybrid",
        air_absorption: bool = True,
        min_wall_distance: float = 0.3,
        name: str = "room",
        seed: int = 0,
        **layout: Any,
    ):
        reference_form = dimensions is None or isinstance(dimensions, Dimensions3D)
        if dimensions is None:
            dimensions = Dimensions3D(2, 2.5, 3)
        dims = [float(d) for d in dimensions]
        if len(dims) != 3 or min(dims[:2]) <= 1.0 or not 2.0 <= dims[2] <= 20.0:
            raise ValueError(f"room dimensions must be [L>1, W>1, 2<=H<=20] metres, got {dims}")
        if layout.get("reverberation_time_ratio") is not None:  # SDialog's name for the RT60
            rt60 = float(layout["reverberation_time_ratio"])
        if materials is None and (rt60 is None or not 0.05 <= rt60 <= 5.0):
            raise ValueError(f"room rt60 must be in [0.05, 5] s, got {rt60}")
        if reverb not in ("hybrid", "ism", "ray_tracing"):
            raise ValueError(f"room reverb must be hybrid, ism or ray_tracing, got {reverb!r}")
        if not 0 <= int(max_order) <= 60:
            raise ValueError(f"room max_order must be in [0, 60], got {max_order}")
        self.dimensions = dimensions if reference_form else Dimensions3D(*dims)
        self.rt60, self.materials = rt60, materials
        self.max_order, self.reverb, self.air_absorption = int(max_order), reverb, air_absorption
        self.min_wall_distance, self.name, self.seed = float(min_wall_distance), name, seed
        self.speakers_positions: dict[str, Position3D] = {}
        self._extra_microphones: list[list[float]] = []
        self._init_layout(reference_form, **layout)

    @property
    def speakers(self) -> dict[str, list[float]]:
        """Speaker name → ``[x, y, z]`` (a view of :attr:`speakers_positions`)."""
        return {str(k): [float(v) for v in p.to_list()] for k, p in self.speakers_positions.items()}

    @property
    def microphones(self) -> list[list[float]]:
        """Every microphone ``[x, y, z]``: :attr:`mic_position_3d` first, then added ones."""
        first = [] if self.mic_position_3d is None else [self.mic_position_3d.to_list()]
        return [[float(v) for v in m] for m in first + self._extra_microphones]

    # -- placement -------------------------------------------------------------------------
    def _check_inside(self, position: Sequence[float], field: str) -> list[float]:
        if isinstance(position, Position3D):
            position = position.to_list()
        pos = [float(p) for p in position]
        if len(pos) != 3:
            raise ValueError(f"{field} must be [x, y, z], got {list(position)}")
        margin = self.min_wall_distance
        for axis, (value, size) in enumerate(zip(pos, self.dimensions, strict=True)):
            if not margin <= value <= size - margin:
                raise ValueError(
                    f"{field} {pos} is outside the room or closer than {margin} m to a wall "
                    f"(axis {'xyz'[axis]} must be in [{margin}, {size - margin:.2f}])"
                )
        return pos

    def place_speaker(
        self, name: str, position: Sequence[float] | Position3D, posture: str | None = None
    ) -> None:
        """Put a talker's mouth at ``[x, y, z]`` (or a :class:`Position3D`), or ``[x, y]`` with a
        ``posture`` (``seated`` 1.2 m, ``standing`` 1.6 m, ``lying`` 0.9 m); heights outside
        0.8–2.0 m, spots near walls or inside furniture are refused. Any number of talkers."""
        original = position if isinstance(position, Position3D) else None
        position = list(original.to_list() if original else position)
        if len(position) == 2:
            if posture not in HEIGHTS:
                raise ValueError(f"posture must be one of {sorted(HEIGHTS)}, got {posture!r}")
            position.append(HEIGHTS[posture])
        low, high = SPEAKER_HEIGHT_RANGE
        if not low <= float(position[2]) <= high:
            raise ValueError(
                f"speaker {name!r} position height {position[2]} m is not a realistic mouth height "
                f"({low}–{high} m; seated ~1.2, standing ~1.6)"
            )
        try:
            pos = self._check_inside(position, f"speaker {name!r} position")
            self._check_free(pos)
        except ValueError as err:
            shown = original or f"pos: {position}"
            raise ValueError(
                f"Position {shown} is not valid, the speaker wasn't placed: {err}"
            ) from None
        self.speakers_positions[name] = original or Position3D(*pos)
        self._after_speaker_moved()

    def place_microphone(self, position: Sequence[float] | Position3D) -> None:
        """Add a microphone (desk ~0.75–0.9 m, ceiling ~ height − 0.3 m); the first one becomes
        :attr:`mic_position_3d`."""
        pos = self._check_inside(position, "microphone position")
        if pos[2] < MIC_HEIGHT_RANGE[0]:
            raise ValueError(
                f"microphone position height {pos[2]} m is below {MIC_HEIGHT_RANGE[0]}"
            )
        if self.mic_position_3d is None:
            self.mic_position_3d = Position3D(*pos)
        else:
            self._extra_microphones.append(pos)

    def place_array(
        self, center: Sequence[float], n: int = 4, radius: float = 0.05, kind: str = "circular"
    ) -> None:
        """Add a horizontal circular or linear array of ``n`` microphones around ``center``."""
        if n < 2:
            raise ValueError(f"microphone array n must be >= 2, got {n}")
        cx, cy, cz = (float(c) for c in center)
        if kind == "circular":
            angles = 2 * np.pi * np.arange(n) / n
            points = [[cx + radius * np.cos(a), cy + radius * np.sin(a), cz] for a in angles]
        elif kind == "linear":
            offsets = (np.arange(n) - (n - 1) / 2) * radius
            points = [[cx + o, cy, cz] for o in offsets]
        else:
            raise ValueError(f"microphone array kind must be circular or linear, got {kind!r}")
        for point in points:
            self.place_microphone([float(p) for p in point])

    # -- acoustics -------------------------------------------------------------------------
    def _absorption(self) -> tuple[Any, float]:
        """(pyroomacoustics materials, RT60 used for the tail)."""
        with needs_extra("audio"):
            import pyroomacoustics as pra

        if self.materials is None:
            energy, _ = pra.inverse_sabine(self.rt60, list(self.dimensions))
            return pra.Material(float(energy)), float(self.rt60)
        walls = ["east", "west", "north", "south", "floor", "ceiling"]
        names = (
            dict.fromkeys(walls, self.materials)
            if isinstance(self.materials, str)
            else dict(self.materials)
        )
        missing = [w for w in walls if w not in names]
        if missing:
            raise ValueError(f"room materials lack walls {missing}")
        materials = {w: pra.Material(names[w]) for w in walls}
        L, W, H = self.dimensions
        areas = {"east": W * H, "west": W * H, "north": L * H, "south": L * H}
        areas.update(floor=L * W, ceiling=L * W)
        absorption = sum(areas[w] * float(np.mean(materials[w].absorption_coeffs)) for w in walls)
        return materials, 0.161 * L * W * H / max(absorption, 1e-6)

    def key(self, rate: int) -> str:
        """Cache key of this room's RIRs at ``rate`` (all geometry and acoustic knobs)."""
        payload = {
            "dims": list(self.dimensions),
            "rt60": self.rt60,
            "materials": self.materials,
            "order": self.max_order,
            "reverb": self.reverb,
            "air": self.air_absorption,
            "speakers": sorted(self.speakers.items()),
            "mics": self.microphones,
            "directivity": None if self.directivity is None else vars(self.directivity),
            "rate": int(rate),
            "seed": self.seed,
            "v": 1,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]

    def rirs(self, rate: int, cache_dir: str | Path | None = None) -> dict[str, np.ndarray]:
        """Speaker → RIRs array ``(n_mics, length)``; cached in memory and on disk.

        ``cache_dir=False``-like values are not supported; pass a folder or ``None`` for
        ``sdialog.config.get_cache_dir() / "rirs"``.
        """
        if not self.speakers:
            raise ValueError("room has no speakers: call place_speaker first")
        if not self.microphones:
            raise ValueError("room has no microphones: call place_microphone first")
        self.validate()
        key = self.key(rate)
        if key in _MEMORY:
            return _MEMORY[key]
        if cache_dir is None:
            from sdialog.config import get_cache_dir

            cache_dir = get_cache_dir() / "rirs"
        folder = Path(cache_dir)
        paths = {s: folder / f"{key}-{i}.npy" for i, s in enumerate(sorted(self.speakers))}
        if all(p.exists() for p in paths.values()):
            result = {s: np.load(p) for s, p in paths.items()}
        else:
            result = self._compute(rate)
            folder.mkdir(parents=True, exist_ok=True)
            for speaker, path in paths.items():
                tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp.npy")
                np.save(tmp, result[speaker])
                os.replace(tmp, path)
        _MEMORY[key] = result
        return result

    def to_pyroomacoustics(self, rate: int, max_order: int | None = None, **kwargs: Any) -> Any:
        """A pyroomacoustics ``ShoeBox`` of this room with its microphones (and their
        directivity) but no sources; ``max_order`` defaults to this room's (the Sabine order for
        ``reverb="ism"``); ``kwargs`` go to ``ShoeBox``."""
        with needs_extra("audio"):
            import pyroomacoustics as pra

        materials, rt60 = self._absorption()
        order = self.max_order if max_order is None else int(max_order)
        if self.reverb == "ism" and max_order is None:
            order = int(pra.inverse_sabine(rt60, list(self.dimensions))[1])
        options = {
            "fs": int(rate),
            "materials": materials,
            "max_order": order,
            "air_absorption": self.air_absorption,
            "ray_tracing": self.reverb == "ray_tracing",
            **kwargs,
        }
        room = pra.ShoeBox(list(self.dimensions), **options)
        if self.microphones:
            pattern = self.directivity
            directivity = None if pattern is None else pattern.to_pyroomacoustics()
            room.add_microphone(np.array(self.microphones).T, directivity=directivity)
        return room

    def _compute(self, rate: int) -> dict[str, np.ndarray]:
        rt60 = self._absorption()[1]
        room = self.to_pyroomacoustics(rate)
        names = sorted(self.speakers)
        for name in names:
            room.add_source(self.speakers[name])
        room.compute_rir()
        length = max(
            len(room.rir[m][s]) for m in range(len(self.microphones)) for s in range(len(names))
        )
        if self.reverb == "hybrid":
            length = max(length, int(rate * rt60 * 1.1) + int(rate * 0.02))
        out = {}
        for s, name in enumerate(names):
            rirs = np.zeros((len(self.microphones), length))
            for m in range(len(self.microphones)):
                early = np.asarray(room.rir[m][s], dtype=np.float64)
                rirs[m, : len(early)] = early
                if self.reverb == "hybrid":
                    rirs[m] = self._add_tail(rirs[m], rate, rt60, f"{name}|{m}")
            out[name] = rirs.astype(np.float32)
        return out

    def _add_tail(self, rir: np.ndarray, rate: int, rt60: float, tag: str) -> np.ndarray:
        crossover = 0.6 * self.max_order * min(self.dimensions) / SPEED_OF_SOUND
        onset = int(np.argmax(np.abs(rir) > 0.1 * np.max(np.abs(rir))))
        t_c = max(onset + int(0.01 * rate), int(crossover * rate))
        window = int(0.02 * rate)
        if t_c + window >= len(rir):
            return rir
        rng = np.random.default_rng(zlib.crc32(f"{self.seed}|{tag}".encode()))
        t = (np.arange(len(rir)) - onset) / rate
        tail = rng.standard_normal(len(rir)) * 10 ** (-3 * np.maximum(t, 0) / rt60)
        early_energy = float(np.sum(rir[t_c - window : t_c] ** 2))
        tail_energy = float(np.sum(tail[t_c - window : t_c] ** 2)) or 1.0
        tail *= np.sqrt(early_energy / tail_energy)
        fade = np.clip((np.arange(len(rir)) - (t_c - window)) / window, 0, 1)
        fade = 0.5 - 0.5 * np.cos(np.pi * fade)
        return rir * (1 - fade) + tail * fade

    def apply(self, tracks: Mapping[str, np.ndarray], rate: int, **kwargs: Any) -> np.ndarray:
        """Convolve each speaker's dry track with its RIRs and sum: ``(n_mics, len(track))``."""
        with needs_extra("audio"):
            from scipy.signal import fftconvolve

        rirs = self.rirs(rate, **kwargs)
        unknown = [s for s in tracks if s not in rirs]
        if unknown:
            raise ValueError(f"speakers {unknown} are not placed in room {self.name!r}")
        n = max(len(t) for t in tracks.values())
        out = np.zeros((len(self.microphones), n))
        for speaker, track in tracks.items():
            for m in range(len(self.microphones)):
                wet = fftconvolve(np.asarray(track, dtype=np.float64), rirs[speaker][m])[:n]
                out[m, : len(wet)] += wet
        return out.astype(np.float32)

    def metadata(self, rate: int, **kwargs: Any) -> dict[str, Any]:
        """Geometry, target and measured RT60 (per speaker, first microphone), distances."""
        with needs_extra("audio"):
            import pyroomacoustics as pra

        rirs = self.rirs(rate, **kwargs)
        measured = {
            s: round(float(pra.experimental.measure_rt60(r[0], fs=int(rate))), 4)
            for s, r in rirs.items()
        }
        distances = {
            s: [round(float(np.linalg.norm(np.subtract(p, m))), 3) for m in self.microphones]
            for s, p in self.speakers.items()
        }
        return {
            "name": self.name,
            "dimensions": list(self.dimensions),
            "rt60_target": self.rt60 if self.materials is None else None,
            "rt60_used": round(self._absorption()[1], 4),
            "rt60_measured": measured,
            "materials": self.materials,
            "reverb": self.reverb,
            "max_order": self.max_order,
            "air_absorption": self.air_absorption,
            "speakers": self.speakers,
            "microphones": self.microphones,
            "distances": distances,
            "seed": self.seed,
        }
