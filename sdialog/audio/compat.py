"""SDialog's pipeline entry points over our :class:`~sdialog.audio.pipeline.AudioPipeline`:
:func:`to_audio` and :func:`run_inference` (``AudioPipeline.inference``).

What happens: the dialog becomes an :class:`~sdialog.audio.dialog.AudioDialog`; voices come from
personas through a voice database (:func:`~sdialog.audio.voice_database.offline_voice_database`
by default: flite voices) or from ``voices=``; our pipeline voices the turns (step 1, also used as
step 2 since there is no dSCAPER step), then, with ``perform_room_acoustics=True``, renders the
room (step 3: SDialog's default is a seeded medical examination room) and the recording devices.
Files go to ``<dir_audio>/<dialog_dir_name>/`` (``dry.wav``, ``room_<name>.wav``, ``turns/``,
``manifest.json``, RTTM/STM) and the AudioDialog to ``exported_audios/audio_dialog.json``.

Example:
    >>> import tempfile
    >>> from sdialog import Dialog, Turn
    >>> d = Dialog(turns=[Turn("Ann", "Hello there."), Turn("Bob", "Hi Ann.")])
    >>> audio = to_audio(d, dir_audio=tempfile.mkdtemp(), tts_engine="synthetic")
    >>> len(audio.turns), audio.audio_step_1_filepath.endswith("dry.wav")
    (2, True)
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

from sdialog.audio.devices import Device, get_device
from sdialog.audio.dialog import AudioDialog, RoomAcousticsConfig
from sdialog.audio.tts.base import Voice as EngineVoice
from sdialog.audio.tts.base import get_engine
from sdialog.audio.utils import SpeakerSide
from sdialog.corpus_layout import plain_name

UNSUPPORTED = (
    "persona_to_voice_desc",
    "dscaper_datasets",
    "background_effect",
    "foreground_effect",
    "foreground_effect_position",
    "add_sound_effects",
    "sound_effects_datasets",
    "callback_mix_fn",
    "room_acoustics_backend",
)


def _engine_voices(voice_ids: set[str]) -> dict[str, EngineVoice]:
    """Our engine voices by id for the ids that name one (``"flite:slt"``...)."""
    found: dict[str, EngineVoice] = {}
    for engine in {i.split(":", 1)[0] for i in voice_ids if ":" in i}:
        try:
            found.update({v.id: v for v in get_engine(engine).voices() if v.id in voice_ids})
        except (ValueError, RuntimeError, ImportError):
            continue
    return found


def _voice_overrides(audio_dialog: AudioDialog, engine: Any) -> dict[str, EngineVoice]:
    """Speaker → our voice for the Voice records persona_to_voice stored in the personas."""
    chosen = {n: audio_dialog.personas[n]["voice"] for n in audio_dialog.speakers_names.values()}
    ours = _engine_voices({str(v.voice) for v in chosen.values() if isinstance(v.voice, str)})
    user_engine = engine.name.startswith("user-")
    overrides = {}
    for name, v in chosen.items():
        if isinstance(v.voice, str) and v.voice in ours and not user_engine:
            overrides[name] = ours[v.voice]
        elif user_engine:
            gender = v.gender if v.gender in ("male", "female") else "neutral"
            params = {"voice": v.voice}
            overrides[name] = EngineVoice(
                f"{engine.name}:{v.identifier}", engine.name, gender, v.age, "en", params
            )
        else:
            raise ValueError(
                f"voice {v.voice!r} of {name} is not one of our offline voices (e.g. 'flite:slt'); "
                "pass tts_engine=<your BaseTTS> that understands it, or a database of our "
                "voices (sdialog.audio.voice_database.offline_voice_database())"
            )
    return overrides


def _devices(recording_devices: list | None, ir_database: Any) -> list[Device]:
    """Our devices: an IR from ``ir_database`` when it has the device, else our preset."""
    from sdialog.audio.devices import DEVICES

    devices = []
    for device in recording_devices or []:
        name = getattr(device, "value", str(device))
        if ir_database is not None and name in ir_database.get_data():
            devices.append(Device(_safe(name), impulse_response=ir_database.get_ir(device)))
        elif name in DEVICES:
            devices.append(get_device(name))
        else:
            raise ValueError(
                f"recording device {name!r} is neither in impulse_response_database (e.g. a "
                "LocalImpulseResponseDatabase of your IR files) nor one of our device presets "
                f"({', '.join(sorted(DEVICES))})"
            )
    return devices


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)


def _room_for_speakers(room: Any, audio_dialog: AudioDialog, speaker_positions: dict | None) -> Any:
    """A copy of ``room`` whose talkers are named as the dialog's speakers (roles renamed)."""
    room = copy.deepcopy(room)
    for role, kwargs in (speaker_positions or {}).items():
        if str(role) not in room.speakers_positions and str(role) in audio_dialog.speakers_names:
            room.place_speaker_around_furniture(str(role), **kwargs)
    positions = {}
    for role, name in audio_dialog.speakers_names.items():
        if name in room.speakers_positions:
            positions[name] = room.speakers_positions[name]
        elif role in room.speakers_positions:
            positions[name] = room.speakers_positions[role]
        else:  # a third, fourth... talker: seat them around the centre
            furniture = (
                "center" if "center" in room.furnitures else next(iter(room.furnitures), None)
            )
            if furniture is None:
                raise ValueError(
                    f"room {room.name!r} has no place for {name}: place_speaker() it first"
                )
            room.place_speaker_around_furniture(role, furniture, max_distance=1.5)
            positions[name] = room.speakers_positions[role]
    room.speakers_positions = positions
    return room


def run_inference(
    pipeline: Any,
    dialog: Any,
    environment: dict | None = None,
    perform_tts: bool = True,
    perform_room_acoustics: bool = False,
    dialog_dir_name: str | None = None,
    room_name: str | None = None,
    voices: dict | None = None,
    keep_duplicate: bool = False,
    audio_file_format: str = "wav",
    seed: int | None = None,
    recording_devices: list | None = None,
    speaker_positions: dict | None = None,
    **options: Any,
) -> AudioDialog:
    """``AudioPipeline.inference``: voice ``dialog`` (and render ``environment["room"]`` when
    ``perform_room_acoustics``); returns the :class:`AudioDialog` (see the module doc)."""
    used = sorted(k for k in UNSUPPORTED if options.get(k))
    if used:
        raise ValueError(
            f"{', '.join(used)}: not supported offline (dSCAPER / voice design); "
            "see docs/migrating.md"
        )
    if not perform_tts:
        raise ValueError(
            "perform_tts=False is not supported: our pipeline always voices the dialog"
        )
    from sdialog.audio.voice_database import offline_voice_database

    audio_dialog = dialog if isinstance(dialog, AudioDialog) else AudioDialog.from_dialog(dialog)
    seed = pipeline.seed if seed is None else int(seed)
    database = pipeline.reference_voice_database
    if database is None:  # our engine's voices (also resolves (identifier, language) pairs)
        user_engine = pipeline.engine.name.startswith("user-")
        database = offline_voice_database(None if user_engine else (pipeline.engine.name,))
    audio_dialog.persona_to_voice(database, voices=voices, keep_duplicate=keep_duplicate, seed=seed)
    run = copy.copy(pipeline)
    run.voice_overrides = _voice_overrides(audio_dialog, pipeline.engine)
    run.seed, run.format, run.rooms = seed, audio_file_format, []
    run.devices = _devices(recording_devices, pipeline.impulse_response_database)
    room = (environment or {}).get("room")
    if perform_room_acoustics:
        if room is None:
            from sdialog.audio.jsalt import MedicalRoomGenerator, RoomRole

            room = MedicalRoomGenerator(seed=seed).generate({"room_type": RoomRole.EXAMINATION})
        room = _room_for_speakers(room, audio_dialog, speaker_positions)
        room.name = room_name or room.name
        run.rooms = [room]
    # ids come from data ("../x", "dstc/12"): one plain file-name part, kept inside dir_audio
    out = Path(pipeline.dir_audio) / plain_name(dialog_dir_name or f"dialog_{audio_dialog.id}")
    result = run.run(audio_dialog, out)
    by_index = {t.index: t for t in result.turns}
    for i, turn in enumerate(audio_dialog.turns):
        voiced = by_index.get(i)
        if voiced is None:
            continue
        turn.audio_path, turn.voice, turn.sampling_rate = (
            voiced.path or "",
            voiced.voice,
            voiced.sampling_rate,
        )
        turn.audio_start_time, turn.audio_duration = voiced.start_s, voiced.end_s - voiced.start_s
    starts = sorted(result.turns, key=lambda t: t.start_sample)
    for a, b in itertools.pairwise(starts):
        audio_dialog.turns[a.index].gap_duration = round(b.start_s - a.end_s, 6)
    audio_dialog.audio_dir_path, audio_dialog.total_duration = str(out), result.duration_s
    audio_dialog.audio_step_1_filepath = audio_dialog.audio_step_2_filepath = result.files["dry"]
    for room in run.rooms:
        key = next(k for k in result.files if k.startswith("room_") and "__" not in k)
        post = {k.split("__", 1)[1]: p for k, p in result.files.items() if k.startswith(f"{key}__")}
        audio_dialog.audio_step_3_filepaths[room.name] = RoomAcousticsConfig(
            audio_path=result.files[key],
            room_name=room.name,
            room=room.get_info(),
            microphone_position=room.mic_position.value,
            audio_paths_post_processing=post,
        )
    audio_dialog.to_file(str(out / "exported_audios" / "audio_dialog.json"))
    return audio_dialog


def to_audio(
    dialog: Any,
    dir_audio: str = "./outputs_to_audio",
    dialog_dir_name: str | None = None,
    room_name: str | None = None,
    perform_room_acoustics: bool = False,
    tts_engine: Any = None,
    voices: dict | None = None,
    voice_database: Any = None,
    room: Any = None,
    speaker_positions: dict | None = None,
    audio_file_format: str = "wav",
    seed: int | None = None,
    recording_devices: list | None = None,
    impulse_response_database: Any = None,
    sampling_rate: int = 24_000,
    **options: Any,
) -> AudioDialog:
    """SDialog's one-call audio: see the module doc. ``tts_engine`` is a
    :class:`~sdialog.audio.tts.BaseTTS`, one of our engine names or ``None`` (flite, else
    espeak-ng); ``voices`` maps roles to Voice records or ``(identifier, language)`` pairs."""
    from sdialog.audio.pipeline import AudioPipeline

    if audio_file_format not in ("mp3", "wav", "flac"):
        raise ValueError(
            f"The audio file format must be either mp3, wav or flac, got {audio_file_format!r}"
        )
    if room_name is not None and not perform_room_acoustics:
        raise ValueError(
            "The room name is only used if the step 3 is done (perform_room_acoustics=True)"
        )
    if speaker_positions is None:
        speaker_positions = {
            "speaker_1": {
                "furniture_name": "center",
                "max_distance": 1.0,
                "side": SpeakerSide.FRONT,
            },
            "speaker_2": {
                "furniture_name": "center",
                "max_distance": 1.0,
                "side": SpeakerSide.BACK,
            },
        }
    for ignored in ("dscaper_data_path", "override_tts_audio", "verbose", "overlap_pauses"):
        options.pop(ignored, None)
    pipeline = AudioPipeline(
        tts_engine if tts_engine is not None else "auto",
        voice_database,
        sampling_rate,
        dir_audio=dir_audio,
        impulse_response_database=impulse_response_database,
        seed=0 if seed is None else seed,
    )
    return run_inference(
        pipeline,
        dialog,
        environment={"room": room},
        perform_room_acoustics=perform_room_acoustics,
        dialog_dir_name=dialog_dir_name,
        room_name=room_name,
        voices=voices,
        audio_file_format=audio_file_format,
        seed=seed,
        recording_devices=recording_devices,
        speaker_positions=speaker_positions,
        **options,
    )
