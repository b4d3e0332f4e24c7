"""The audio pipeline: dialog → per-turn speech → timeline → rooms → devices → channels → files.

Stages and their files under the output folder (``<fmt>`` = ``audio_file_format``):

- ``turns/NNN_<speaker>.<fmt>`` — each utterance, cleaned text, resampled once to
  ``sampling_rate``, loudness-normalised to ``target_lufs``;
- ``dry.<fmt>`` — the timeline mix (pauses/overlaps), with noise at ``snr_db`` when asked;
- ``room_<name>.<fmt>`` — wet mix per room (one channel per microphone);
- ``<variant>__<device>.<fmt>`` and ``<variant>__<channel>.<fmt>`` — device and channel variants
  (telephone variants at 8 or 16 kHz);
- ``manifest.json`` (sample-accurate segments, voices, levels, SNR, RT60, seeds, files),
  ``dialog.rttm``, ``dialog.stm``.

SDialog's entry points are here too: ``AudioPipeline(dir_audio=..., tts_engine=<BaseTTS>,
voice_database=<SDialog-style database>, impulse_response_database=...)``, its
:meth:`AudioPipeline.inference` and :func:`to_audio` (see :mod:`sdialog.audio.compat`).

Existing outputs are reused when their stage key (a hash of everything that shapes them) matches
the previous manifest, unless ``redo=True``. Every file is written atomically.

Example:
    >>> from sdialog import Dialog, Turn
    >>> dialog = Dialog(turns=[Turn("A", "Hello there?"), Turn("B", "Hi, fine thanks.")])
    >>> pipe = AudioPipeline(tts_engine="synthetic", sampling_rate=16000, rooms=["office"])
    >>> audio = pipe.run(dialog, "voiced")
    >>> sorted(audio.files), audio.turns[1].start_sample > audio.turns[0].end_sample
    (['dry', 'room_office'], True)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sdialog.audio.audio_dialog import AudioDialog, AudioTurn
from sdialog.audio.devices import Device, get_device
from sdialog.audio.export import to_rttm, to_stm, write_json, write_text
from sdialog.audio.io import FORMATS, read_audio, write_audio
from sdialog.audio.mix import loudness as measure_loudness
from sdialog.audio.mix import make_noise, mix_at_snr, normalize_loudness, peak_guard, resample
from sdialog.audio.mix import snr_db as measure_snr
from sdialog.audio.room import Room
from sdialog.audio.room_presets import make_room
from sdialog.audio.telephone import TelephoneChannel, get_channel
from sdialog.audio.timeline import get_gap_policy, overlap_flags, place
from sdialog.audio.tts import TTSEngine, Voice, clean_text, get_engine
from sdialog.audio.voices import VoiceDatabase, assign_voices

NOISE_KINDS = ("white", "pink", "brown", "babble")


def _hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "-", str(text)).strip("-")[:40] or "speaker"


class AudioPipeline:
    """Voice dialogs into audio files (see the module doc for stages and files).

    Args:
        tts_engine: engine name (``"auto"``, ``"flite"``, ``"espeak-ng"``, ``"piper"``,
            ``"synthetic"``, a registered name), a :class:`~sdialog.audio.tts.TTSEngine`, or an
            SDialog-style :class:`~sdialog.audio.tts.BaseTTS` (wrapped by ``as_engine``).
        voice_database: a :class:`~sdialog.audio.VoiceDatabase` (default: the engine's voices);
            voices of other engines are spoken by their own engine. An SDialog-style
            :class:`~sdialog.audio.voice_database.BaseVoiceDatabase` is kept in
            :attr:`reference_voice_database` for :meth:`inference`.
        sampling_rate: the one pipeline rate in Hz.
        voices: per-speaker overrides, speaker → voice id or :class:`Voice`.
        timing: ``"rules"``, ``"random"``, ``"llm"`` or a gap policy object.
        model: model for ``timing="llm"``.
        target_lufs: per-utterance loudness.
        noise: ``"white"``, ``"pink"``, ``"brown"``, ``"babble"`` or a path to a noise file.
        snr_db: speech-to-noise ratio of every variant when ``noise`` is set (default 20 dB).
        rooms: room preset names or :class:`Room` objects (speakers already placed).
        devices: device preset names or :class:`Device` objects.
        channels: channel preset names or :class:`TelephoneChannel` objects.
        audio_file_format: ``"wav"``, ``"flac"`` or ``"mp3"``.
        seed: seeds voices, timing, rooms, noise, devices and channels.
        cache_dir: RIR cache folder (default ``sdialog.config.get_cache_dir() / "rirs"``).
        progress: show a progress bar.
        dir_audio: output root of :meth:`inference` (SDialog's; alias ``dir_audios``).
        impulse_response_database: recording-device IRs for :meth:`inference`.
        dscaper_data_path, dscaper: accepted and ignored when ``None`` (no dSCAPER here).
    """

    def __init__(
        self,
        tts_engine: str | TTSEngine = "auto",
        voice_database: VoiceDatabase | None = None,
        sampling_rate: int = 16000,
        *,
        voices: Mapping[str, str | Voice] | None = None,
        timing: Any = "rules",
        model: Any = None,
        target_lufs: float = -23.0,
        noise: str | Path | None = None,
        snr_db: float | None = None,
        rooms: Sequence[str | Room] | None = None,
        devices: Sequence[str | Device] | None = None,
        channels: Sequence[str | TelephoneChannel] | None = None,
        audio_file_format: str = "wav",
        seed: int = 0,
        cache_dir: str | Path | None = None,
        progress: bool = False,
        dir_audio: str | Path | None = None,
        dir_audios: str | Path | None = None,
        impulse_response_database: Any = None,
        dscaper_data_path: str | None = None,
        dscaper: Any = None,
    ):
        from sdialog.audio.voice_database import BaseVoiceDatabase

        if dscaper is not None:
            from sdialog.audio.dscaper_utils import ADVICE, DscaperUnavailableError

            raise DscaperUnavailableError(ADVICE)
        self.reference_voice_database = None
        if isinstance(voice_database, BaseVoiceDatabase):
            self.reference_voice_database, voice_database = voice_database, None
        if not isinstance(tts_engine, (str, TTSEngine)):
            from sdialog.audio.tts.compat import as_engine

            tts_engine = as_engine(tts_engine)
        self.dir_audio = str(dir_audio or dir_audios or "./outputs")
        self.impulse_response_database = impulse_response_database
        if audio_file_format not in FORMATS:
            raise ValueError(
                f"audio_file_format must be one of {sorted(FORMATS)}, got {audio_file_format!r}"
            )
        if not 8000 <= int(sampling_rate) <= 96000:
            raise ValueError(f"sampling_rate must be in [8000, 96000] Hz, got {sampling_rate}")
        if noise is not None and str(noise) not in NOISE_KINDS and not Path(noise).exists():
            raise ValueError(
                f"noise must be one of {NOISE_KINDS} or an existing file, got {noise!r}"
            )
        self.engine = get_engine(tts_engine)
        self.voice_database = voice_database or VoiceDatabase(self.engine.voices())
        self.sampling_rate = int(sampling_rate)
        self.voice_overrides = dict(voices or {})
        self.timing, self.model = timing, model
        self.target_lufs = float(target_lufs)
        self.noise = None if noise is None else str(noise)
        self.snr_db = (20.0 if snr_db is None else float(snr_db)) if noise is not None else None
        self.rooms = list(rooms or [])
        self.devices = [get_device(d) for d in devices or []]
        self.channels = [
            (c if isinstance(c, str) else "channel", get_channel(c)) for c in channels or []
        ]
        self.format = audio_file_format
        self.seed, self.cache_dir, self.progress = int(seed), cache_dir, progress
        self._engines: dict[str, TTSEngine] = {self.engine.name: self.engine}

    # -- helpers ----------------------------------------------------------------------------
    def _engine_for(self, voice: Voice) -> TTSEngine:
        if voice.engine not in self._engines:
            self._engines[voice.engine] = get_engine(voice.engine)
        return self._engines[voice.engine]

    def _room(self, room: str | Room, speakers: list[str]) -> Room:
        if isinstance(room, Room):
            missing = [s for s in speakers if s not in room.speakers]
            if missing:
                raise ValueError(f"speakers {missing} are not placed in room {room.name!r}")
            return room
        return make_room(room, speakers, seed=self.seed)

    def _finish(self, audio: np.ndarray, rate: int, tag: str) -> tuple[np.ndarray, dict]:
        """Noise at the requested SNR, then the peak guard; returns audio and level info."""
        info: dict[str, Any] = {}
        if self.noise is not None:
            mono = audio if audio.ndim == 1 else audio[0]
            kind = self.noise if self.noise in NOISE_KINDS else "file"
            path = None if kind != "file" else self.noise
            noise = make_noise(kind, len(mono), rate, seed=self.seed + zlib_tag(tag), path=path)
            channels = audio if audio.ndim == 2 else audio[None, :]
            mixed = [mix_at_snr(channel, noise, self.snr_db) for channel in channels]
            info["snr_db_measured"] = round(measure_snr(channels[0], mixed[0][1]), 3)
            audio = mixed[0][0] if audio.ndim == 1 else np.stack([m[0] for m in mixed])
            info.update(noise=self.noise, snr_db=self.snr_db)
        audio, gain = peak_guard(audio)
        info["peak_guard_gain"] = round(float(gain), 6)
        return audio, info

    # -- the run ----------------------------------------------------------------------------
    def run(self, dialog: Any, path: str | Path, *, redo: bool = False) -> AudioDialog:
        """Voice ``dialog`` into the folder ``path``; see the module doc for the files."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        manifest_path = out / "manifest.json"
        previous: dict[str, Any] = {}
        if manifest_path.exists() and not redo:
            try:
                previous = json.loads(manifest_path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, OSError):
                previous = {}
        old_keys = {n: f.get("key") for n, f in previous.get("files", {}).items()}
        old_turn_keys = {s["index"]: s.get("key") for s in previous.get("segments", [])}

        turns = [(i, t) for i, t in enumerate(dialog.turns) if clean_text(t.text or "")]
        if not turns:
            raise ValueError("dialog has no speakable turns (every text is empty after cleaning)")
        speakers = list(dict.fromkeys(str(t.speaker or "speaker") for _, t in turns))
        voices = assign_voices(
            speakers,
            dialog.personas,
            self.voice_database,
            seed=self.seed,
            overrides=self.voice_overrides,
        )
        rate, fmt = self.sampling_rate, self.format
        bar = None
        if self.progress:
            from sdialog._progress import ProgressBar

            n_steps = len(turns) + 1 + len(self.rooms) + len(self.devices) + len(self.channels)
            bar = ProgressBar(n_steps, "audio")
        try:
            clips, segments_meta = [], []
            for index, turn in turns:
                speaker = str(turn.speaker or "speaker")
                text = clean_text(turn.text)
                voice = voices[speaker]
                key = _hash(text, voice.to_dict(), rate, self.target_lufs)
                file = out / "turns" / f"{index:03d}_{_slug(speaker)}.{fmt}"
                if file.exists() and old_turn_keys.get(index) == key:
                    audio, _ = read_audio(file)
                else:
                    raw, raw_rate = self._engine_for(voice).synthesize(text, voice)
                    audio = normalize_loudness(
                        resample(raw, raw_rate, rate), rate, self.target_lufs
                    )
                    audio, _ = peak_guard(audio)
                    write_audio(file, audio, rate)
                clips.append(audio)
                segments_meta.append((index, speaker, text, voice, key, file))
                if bar:
                    bar.advance()

            texts = [m[2] for m in segments_meta]
            names = [m[1] for m in segments_meta]
            seconds = [len(c) / rate for c in clips]
            policy = get_gap_policy(self.timing, seed=self.seed, model=self.model)
            gaps = policy.gaps(texts, names, seconds)
            lengths = [len(c) for c in clips]
            starts = place(lengths, gaps, rate)
            flags = overlap_flags(starts, lengths)
            total = max(s + n for s, n in zip(starts, lengths, strict=True)) + int(0.3 * rate)
            tracks = {s: np.zeros(total, dtype=np.float32) for s in speakers}
            for clip, start, meta in zip(clips, starts, segments_meta, strict=True):
                tracks[meta[1]][start : start + len(clip)] += clip
            dry = np.sum(list(tracks.values()), axis=0)

            audio_turns = [
                AudioTurn(
                    idx,
                    spk,
                    text,
                    voice.id,
                    start,
                    start + n,
                    rate,
                    flag,
                    str(file),
                    round(measure_loudness(clip, rate), 2),
                )
                for (idx, spk, text, voice, _, file), start, n, flag, clip in zip(
                    segments_meta, starts, lengths, flags, clips, strict=True
                )
            ]
            segments = [
                {**t.to_dict(), "key": m[4], "original_text": dialog.turns[t.index].text}
                for t, m in zip(audio_turns, segments_meta, strict=True)
            ]
            base_key = _hash(
                [m[4] for m in segments_meta], gaps, self.noise, self.snr_db, self.seed
            )
            files: dict[str, dict[str, Any]] = {}

            def emit(name: str, key: str, make) -> tuple[np.ndarray, int]:
                file = out / f"{name}.{fmt}"
                if (
                    file.exists()
                    and old_keys.get(name) == key
                    and name in previous.get("files", {})
                ):
                    files[name] = previous["files"][name]
                    data, file_rate = read_audio(file)
                    return data, file_rate
                audio, audio_rate, info = make()
                subtype = info.pop("subtype", None)
                write_audio(file, audio.T if audio.ndim == 2 else audio, audio_rate, subtype)
                files[name] = {
                    "path": str(file),
                    "key": key,
                    "rate": audio_rate,
                    "channels": 1 if audio.ndim == 1 else audio.shape[0],
                    **info,
                }
                return (audio if audio.ndim == 1 else audio[0]), audio_rate

            bases: list[tuple[str, str, np.ndarray]] = []
            dry_audio, _ = emit("dry", base_key, lambda: (*self._finish_rate(dry, rate, "dry"),))
            bases.append(("dry", base_key, dry_audio))
            if bar:
                bar.advance()
            rooms_meta = {}
            for room_spec in self.rooms:
                room = self._room(room_spec, speakers)
                name = f"room_{_slug(room.name)}"
                meta = room.metadata(rate, cache_dir=self.cache_dir)
                rooms_meta[name] = meta
                key = _hash(base_key, room.key(rate))

                def make_wet(room=room, meta=meta, name=name):
                    wet = room.apply(tracks, rate, cache_dir=self.cache_dir)
                    audio, info = self._finish(wet if wet.shape[0] > 1 else wet[0], rate, name)
                    return (
                        audio,
                        rate,
                        {**info, "room": meta["name"], "rt60_measured": meta["rt60_measured"]},
                    )

                wet_audio, _ = emit(name, key, make_wet)
                bases.append((name, key, wet_audio))
                if bar:
                    bar.advance()
            device_outputs = []
            for device in self.devices:
                for base, base_k, audio in list(bases):
                    name = f"{base}__{device.name}"
                    key = _hash(base_k, repr(device))

                    def make_dev(audio=audio, device=device, name=name):
                        y = device.apply(audio, rate, seed=self.seed + zlib_tag(name))
                        y, gain = peak_guard(y)
                        return y, rate, {"device": device.name, "peak_guard_gain": round(gain, 6)}

                    y, _ = emit(name, key, make_dev)
                    device_outputs.append((name, key, y))
                if bar:
                    bar.advance()
            for label, channel in self.channels:
                label = label if label != "channel" else f"{channel.codec}-{channel.band}"
                for base, base_k, audio in device_outputs or bases:
                    name = f"{base}__{_slug(label)}"
                    key = _hash(base_k, repr(channel))

                    def make_chan(audio=audio, channel=channel, name=name):
                        y, y_rate = channel.apply(audio, rate, seed=self.seed + zlib_tag(name))
                        info = {"channel": repr(channel), "rate": y_rate}
                        if fmt == "wav" and channel.codec:
                            info["subtype"] = "ULAW" if channel.codec == "ulaw" else "ALAW"
                        return y, y_rate, info

                    emit(name, key, make_chan)
                if bar:
                    bar.advance()
        finally:
            if bar:
                bar.close()

        voices_meta = {s: v.to_dict() for s, v in voices.items() if s in speakers}
        manifest = {
            "dialog_id": str(dialog.id),
            "sampling_rate": rate,
            "audio_file_format": fmt,
            "seed": self.seed,
            "tts_engine": self.engine.name,
            "timing": {
                "policy": self.timing
                if isinstance(self.timing, str)
                else type(self.timing).__name__,
                "gaps_s": [round(g, 6) for g in gaps],
            },
            "target_lufs": self.target_lufs,
            "noise": self.noise,
            "snr_db": self.snr_db,
            "voices": voices_meta,
            "rooms": rooms_meta,
            "segments": segments,
            "files": files,
            "asr": previous.get("asr", {}) if files == previous.get("files") else {},
        }
        write_json(manifest_path, manifest)
        write_text(out / "dialog.rttm", to_rttm(segments, str(dialog.id)))
        write_text(out / "dialog.stm", to_stm(segments, str(dialog.id)))
        return AudioDialog(
            str(dialog.id),
            rate,
            audio_turns,
            voices_meta,
            {n: f["path"] for n, f in files.items()},
            str(manifest_path),
            manifest["asr"],
        )

    def inference(self, dialog: Any, environment: dict | None = None, **kwargs: Any) -> Any:
        """SDialog's run: voice ``dialog`` (``perform_room_acoustics=True`` renders
        ``environment["room"]``) into ``<dir_audio>/<dialog_dir_name>/`` and return an
        :class:`~sdialog.audio.dialog.AudioDialog`; see :func:`sdialog.audio.compat.run_inference`.
        """
        from sdialog.audio.compat import run_inference

        return run_inference(self, dialog, environment, **kwargs)

    @property
    def tts_engine(self) -> TTSEngine:
        """The engine (SDialog's attribute name)."""
        return self.engine

    def _finish_rate(self, audio: np.ndarray, rate: int, tag: str):
        audio, info = self._finish(audio, rate, tag)
        return audio, rate, info


def to_audio(dialog: Any, **kwargs: Any) -> Any:
    """SDialog's one-call audio (see :func:`sdialog.audio.compat.to_audio`)."""
    from sdialog.audio.compat import to_audio as run

    return run(dialog, **kwargs)


def zlib_tag(tag: str) -> int:
    """A stable small integer per variant name (seed offsets)."""
    import zlib

    return zlib.crc32(tag.encode()) % 100000
