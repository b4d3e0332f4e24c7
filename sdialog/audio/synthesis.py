"""SDialog 0.5.3's one-call audio, ``to_audio(dialog, preset=...)`` → :class:`DialogAudio`, over
our :class:`~sdialog.audio.pipeline.AudioPipeline`.

Scene parameters (see :mod:`sdialog.audio.presets`) map onto our stages: ``pauses``/``overlap``
→ our timing policies (``"natural"``: conversation rules; a number: pauses of about that many
seconds; ``(min, max)``: uniform), ``reverb`` (``True``/``"small"``/``"medium"``/``"large"``) → a
seeded shoebox room of that size, ``noise`` (an SNR, a ``(min, max)`` range, a type or a file, or
``{"type", "snr"}``) → our noise at that SNR, ``channel`` (``"telephone"``/``"g711"``,
``"amr-wb"``, or one of our channel presets) → our telephone channel. Values are applied to the
whole recording; lists pick one value with the seed. Output is mono.

Example:
    >>> from sdialog import Dialog, Turn
    >>> d = Dialog(turns=[Turn("A", "Hello there."), Turn("B", "Hi.")])
    >>> audio = to_audio(d, preset="room", tts="synthetic", seed=0)
    >>> [s.speaker for s in audio.segments], audio.config["reverb"]["size"]
    (['A', 'B'], 'medium')
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sdialog.audio.presets import resolve_scene
from sdialog.audio.result import DialogAudio, Segment

_ROOMS = {  # (width, length, height) ranges in metres, RT60 range in seconds
    "small": ((3.0, 4.0), (2.5, 3.5), (2.4, 2.7), (0.25, 0.4)),
    "medium": ((5.0, 7.0), (4.0, 6.0), (2.7, 3.0), (0.45, 0.7)),
    "large": ((10.0, 15.0), (8.0, 12.0), (3.5, 5.0), (0.9, 1.4)),
}
_CODECS = {"telephone": "telephone", "g711": "telephone", "amr-wb": "telephone-wide"}


def _pick(value: Any, rng: np.random.Generator) -> Any:
    if isinstance(value, dict) and value and all(isinstance(k, int) for k in value):
        raise ValueError(
            "per-speaker scene values ({0: ..., 1: ...}) are not supported: our pipeline applies "
            "noise, reverberation and channels to the whole recording"
        )
    return value[int(rng.integers(len(value)))] if isinstance(value, list) else value


def _timing(scene: dict[str, Any], seed: int) -> Any:
    from sdialog.audio.timeline import RandomGaps, RuleGaps

    pauses, overlap = scene["pauses"], float(scene["overlap"] or 0.0)
    max_overlap = 2.0 * float(scene["max_overlap"] or 0.0)  # fraction of a ~2 s turn, in seconds
    if pauses == "natural" and overlap == 0:
        return RuleGaps(seed=seed)
    if pauses == "natural":
        low, high = 0.2, 0.8
    elif isinstance(pauses, (tuple, list)):
        low, high = (float(v) for v in pauses)
    else:
        low, high = 0.5 * float(pauses), 1.5 * float(pauses)
    return RandomGaps(low, high, overlap_prob=overlap, max_overlap=max_overlap, seed=seed)


def _room(value: Any, speakers: list[str], rng: np.random.Generator) -> tuple[Any, dict]:
    from sdialog.audio.geometry import Dimensions3D
    from sdialog.audio.room import Room

    size = "medium" if value is True else value
    if size not in _ROOMS:
        raise ValueError(
            f"reverb={value!r}: use True, 'small', 'medium' or 'large' (impulse-response files: "
            "sdialog.audio.processing.AudioProcessor or a Device with impulse_response=)"
        )
    w, length, h, rt60 = (float(rng.uniform(*r)) for r in _ROOMS[size])
    room = Room(Dimensions3D(w, length, h), rt60, seed=int(rng.integers(2**31)), name=size)
    for i, name in enumerate(speakers):
        room.place_speaker_around_furniture(name, "center", max_distance=min(2.0, w / 3), seed=i)
    for role in ("speaker_1", "speaker_2"):
        if role not in speakers:
            room.speakers_positions.pop(role, None)
    if size == "large":  # far field: the microphone on a wall
        from sdialog.audio.geometry import MicrophonePosition

        room.set_mic_position(MicrophonePosition.WALL_MOUNTED)
    info = {
        "size": size,
        "dimensions": [round(w, 2), round(length, 2), round(h, 2)],
        "rt60": round(rt60, 3),
    }
    return room, info


def _noise(value: Any, rng: np.random.Generator) -> tuple[Any, float | None, dict | None]:
    value = _pick(value, rng)
    if value is None or value is False:
        return None, None, None
    kind, snr = "pink", (10.0, 30.0)
    if isinstance(value, dict):
        kind, snr = _pick(value.get("type", kind), rng), value.get("snr", snr)
    elif isinstance(value, str):
        kind = value
    else:
        snr = value
    snr_db = float(rng.uniform(*snr)) if isinstance(snr, (tuple, list)) else float(snr)
    return kind, snr_db, {"type": kind, "snr_db": round(snr_db, 2)}


def to_audio(
    dialog: Any,
    path: str | None = None,
    preset: str | None = None,
    voices: str | dict = "db",
    voice_database: Any = None,
    voice_description: Any = None,
    tts: Any = None,
    pauses: Any = None,
    overlap: float | None = None,
    max_overlap: float | None = None,
    reverb: Any = None,
    noise: Any = None,
    channel: Any = None,
    level_jitter_db: float | None = None,
    stereo: bool = False,
    sample_rate: int = 16000,
    seed: int | None = None,
) -> DialogAudio:
    """Voice ``dialog`` with a scene (see the module doc); ``path`` also saves
    ``<path>.wav/.json/.rttm``. ``voices``: ``"db"`` (from the personas), ``"random"`` or
    ``{speaker: voice id}``; ``tts``: ``None`` (flite, else espeak-ng), an engine name or a
    :class:`~sdialog.audio.tts.BaseTTS`. Any number of speakers.

    Raises:
        ValueError: ``stereo=True``, ``voices="design"``, per-speaker scene values, or a value
            our stages cannot render (each named).
    """
    from sdialog.audio.pipeline import AudioPipeline
    from sdialog.audio.telephone import CHANNELS

    if stereo:
        raise ValueError("stereo=True is not supported: our pipeline renders a mono mix")
    if voices == "design" or voice_description is not None:
        raise ValueError("voices='design' needs a voice-design TTS model, not available offline")
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0] % 2**31)
    rng = np.random.default_rng(seed)
    scene = resolve_scene(
        preset,
        pauses=pauses,
        overlap=overlap,
        max_overlap=max_overlap,
        reverb=reverb,
        noise=noise,
        channel=channel,
        level_jitter_db=level_jitter_db,
    )
    speakers = list(dict.fromkeys(str(t.speaker or "speaker") for t in dialog.turns))
    config: dict[str, Any] = {"preset": preset, "seed": seed, "scene": scene, "reverb": None}
    config["channel"] = None
    rooms = []
    reverb_value = _pick(scene["reverb"], rng)
    if reverb_value not in (None, False):
        room, config["reverb"] = _room(reverb_value, speakers, rng)
        rooms.append(room)
    noise_kind, snr_db, config["noise"] = _noise(scene["noise"], rng)
    channels = []
    codec = _pick(scene["channel"], rng)
    if codec not in (None, False):
        codec = "telephone" if codec is True else codec
        name = _CODECS.get(codec, codec)
        if name not in CHANNELS:
            raise ValueError(
                f"channel {codec!r}: use 'telephone'/'g711', 'amr-wb' or one of {sorted(CHANNELS)}"
            )
        channels.append(name)
        config["channel"] = name
    config["level_jitter_db"] = "not applied: turns are loudness-normalised to the same level"
    overrides = None
    if isinstance(voices, dict):
        overrides = {str(k): v for k, v in voices.items()}
    elif voices == "random":  # distinct voices of the engine, drawn with the seed
        from sdialog.audio.tts import get_engine

        pool = get_engine(tts if tts is not None else "auto").voices()
        order = rng.permutation(len(pool))
        overrides = {s: pool[int(order[i % len(pool)])] for i, s in enumerate(speakers)}
    elif voices != "db":
        raise ValueError(f"voices must be 'db', 'random' or a dict, got {voices!r}")
    pipeline = AudioPipeline(
        tts if tts is not None else "auto",
        None,
        sample_rate,
        voices=overrides,
        timing=_timing(scene, seed),
        noise=noise_kind,
        snr_db=snr_db,
        rooms=rooms,
        channels=channels,
        seed=seed,
    )
    from sdialog.audio.io import read_audio

    with tempfile.TemporaryDirectory(prefix="sdialog-audio-") as folder:
        result = pipeline.run(dialog, Path(folder))
        final = list(result.files)[-1]
        audio, rate = read_audio(result.files[final])
    segments = [
        Segment(
            t.index, t.speaker, dialog.turns[t.index].text, round(t.start_s, 6), round(t.end_s, 6)
        )
        for t in result.turns
    ]
    config["rendered"] = final
    voices_used = {s: v["id"] for s, v in result.voices.items()}
    out = DialogAudio(audio, rate, segments, speakers, voices_used, config, str(dialog.id))
    if path:
        out.save(path)
    return out


def dialogs_to_audio(
    dialogs: Sequence[Any], out_dir: str, seed: int | None = None, **kwargs: Any
) -> list[dict[str, Any]]:
    """Voice every dialog into ``out_dir`` (``<id>.wav/.json/.rttm``) with a per-dialog seed
    (``seed + index``); writes ``index.jsonl`` and returns its rows (an ``error`` field when a
    dialog failed). SDialog's ``devices=``/``workers_per_device=``/``tts_factory=`` (GPU workers)
    are not supported."""
    import json

    from sdialog.audio.export import write_text

    for unsupported in ("devices", "workers_per_device", "tts_factory"):
        if kwargs.pop(unsupported, None) is not None:
            raise ValueError(f"{unsupported}= (GPU worker processes) is not supported here")
    base = seed if seed is not None else int(np.random.SeedSequence().generate_state(1)[0] % 2**31)
    rows = []
    for i, dialog in enumerate(dialogs):
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(dialog.id))
        row: dict[str, Any] = {"dialog_id": str(dialog.id), "seed": base + i}
        try:
            audio = to_audio(dialog, path=str(Path(out_dir) / name), seed=base + i, **kwargs)
            row.update(audio=str(Path(out_dir) / f"{name}.wav"), duration=round(audio.duration, 3))
        except (ValueError, RuntimeError, OSError) as err:
            row["error"] = f"{type(err).__name__}: {err}"
        rows.append(row)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    write_text(Path(out_dir) / "index.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    return rows
