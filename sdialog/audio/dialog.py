"""A dialog with its audio, shaped as in SDialog: :class:`AudioDialog`.

It is a :class:`sdialog.Dialog` whose turns are :class:`~sdialog.audio.turn.AudioTurn`, plus
speaker roles (first speaker ``speaker_1``, second ``speaker_2``, then ``speaker_3``...), the
files each step wrote (``audio_step_1_filepath``: the voiced dialog, ``audio_step_3_filepaths``:
one entry per room) and voice assignment from personas (:meth:`AudioDialog.persona_to_voice`).
:func:`sdialog.audio.pipeline.to_audio` fills it from our pipeline.

Example:
    >>> from sdialog import Dialog, Turn
    >>> d = AudioDialog.from_dialog(Dialog(turns=[Turn("Ann", "Hi"), Turn("Bob", "Hello")]))
    >>> d.speakers_names["speaker_2"], d.speakers_roles["ann"]
    ('Bob', 'speaker_1')
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, PrivateAttr

from sdialog._extras import needs_extra
from sdialog.audio.geometry import AudioSource
from sdialog.audio.turn import AudioTurn
from sdialog.audio.utils import logger
from sdialog.audio.voice_database import BaseVoiceDatabase, Voice
from sdialog.audio.voices import parse_age, parse_gender
from sdialog.dialog.dialog import Dialog

__all__ = ["AudioDialog", "RoomAcousticsConfig"]


class RoomAcousticsConfig(BaseModel):
    """What the room step wrote for one room: ``audio_path``, the room's ``room_name`` and
    info, and ``audio_paths_post_processing`` (recording device → file)."""

    audio_path: str
    room_name: str = ""
    room: dict[str, Any] = Field(default_factory=dict)
    microphone_position: str = ""
    audio_paths_post_processing: dict[str, str] = Field(default_factory=dict)


class AudioDialog(Dialog):
    """A :class:`~sdialog.Dialog` with audio (see the module doc)."""

    turns: list[AudioTurn] = Field(default_factory=list)
    audio_dir_path: str = ""
    total_duration: float = -1.0
    timeline_name: str = ""
    audio_sources: list[AudioSource] = Field(default_factory=list)
    audio_step_1_filepath: str = ""
    audio_step_2_filepath: str = ""
    audio_step_3_filepaths: dict[str, RoomAcousticsConfig] = Field(default_factory=dict)
    speakers_names: dict[str, str] = Field(default_factory=dict)
    speakers_roles: dict[str, str] = Field(default_factory=dict)
    _combined_audio: np.ndarray | None = PrivateAttr(default=None)
    _path: str | None = PrivateAttr(default=None)

    def model_post_init(self, context: Any) -> None:
        """Fill the speaker roles from the turns when absent."""
        if not self.speakers_names:
            names = list(dict.fromkeys(str(t.speaker) for t in self.turns if t.speaker))
            self.speakers_names = {f"speaker_{i + 1}": name for i, name in enumerate(names)}
        self.speakers_roles = _Caseless({n: r for r, n in self.speakers_names.items()})

    # -- construction ----------------------------------------------------------------------
    @staticmethod
    def from_dialog(dialog: Dialog) -> AudioDialog:
        """An :class:`AudioDialog` holding a copy of ``dialog`` (turns become AudioTurns)."""
        data = dialog.model_dump()
        data["turns"] = [AudioTurn.from_turn(t) for t in dialog.turns]
        return AudioDialog(**data)

    @classmethod
    def from_file(cls, path: Any, **kwargs: Any) -> Any:
        """Load one dialog from a file, or every ``*.json`` dialog of a folder (a list)."""
        if Path(path).is_dir():
            return [cls.from_file(p) for p in sorted(Path(path).glob("*.json"))]
        loaded = super().from_file(path, **kwargs)
        if isinstance(loaded, AudioDialog):
            loaded._path = str(path)
        return loaded

    def to_file(
        self, path: Any = None, makedir: bool = True, overwrite: bool = True, **kwargs: Any
    ) -> None:
        """Save (atomically); ``path`` defaults to the file it was loaded from."""
        path = path if path is not None else self._path
        if path is None:
            raise ValueError("No path provided and the dialog was not loaded from a file")
        if Path(path).exists() and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        if not makedir and not Path(path).parent.exists():
            raise FileNotFoundError(f"folder {Path(path).parent} does not exist (makedir=False)")
        super().to_file(path, **kwargs)
        self._path = str(path)

    def to_string(self) -> str:
        """The dialog as a JSON string."""
        return self.json(string=True)

    # -- audio -----------------------------------------------------------------------------
    def set_audio_sources(self, audio_sources: list[AudioSource]) -> None:
        """Replace the scene's audio sources."""
        self.audio_sources = list(audio_sources)

    def add_audio_source(self, audio_source: AudioSource) -> None:
        """Add one audio source."""
        self.audio_sources.append(audio_source)

    def get_audio_sources(self) -> list[AudioSource]:
        """The scene's audio sources."""
        return self.audio_sources

    def set_combined_audio(self, audio: np.ndarray) -> None:
        """Keep the voiced dialog's samples in memory."""
        self._combined_audio = np.asarray(audio)

    def get_combined_audio(self) -> np.ndarray | None:
        """The voiced dialog (read from :attr:`audio_step_1_filepath` on first use)."""
        if self._combined_audio is None and self.audio_step_1_filepath:
            with needs_extra("audio"):
                import soundfile as sf

            self._combined_audio, _ = sf.read(self.audio_step_1_filepath)
        return self._combined_audio

    def display(self) -> None:
        """Players for the voiced dialog and every room (in a notebook), else the file paths."""
        items = [("voiced dialog", self.audio_step_1_filepath)]
        for name, config in self.audio_step_3_filepaths.items():
            items.append((f"room {name}", config.audio_path))
            items += [
                (f"room {name}, {d}", p) for d, p in config.audio_paths_post_processing.items()
            ]
        try:
            from IPython import get_ipython
            from IPython.display import Audio, display

            notebook = get_ipython() is not None
        except ImportError:
            notebook = False
        for label, path in items:
            if not path:
                continue
            print(f"{label}: {path}")
            if notebook:
                display(Audio(path, autoplay=False))

    # -- voices ----------------------------------------------------------------------------
    def persona_to_voice(
        self,
        voice_database: BaseVoiceDatabase | None,
        persona_to_voice_desc: Any = None,
        voices: dict[Any, Any] | None = None,
        keep_duplicate: bool = False,
        tts_engine: Any = None,
        seed: int | None = None,
    ) -> None:
        """Store a :class:`~sdialog.audio.voice_database.Voice` in each speaker's persona
        (``personas[name]["voice"]``).

        ``voices`` maps a role (or a speaker name) to a Voice, an ``(identifier, language)`` pair
        looked up in ``voice_database``, or a voice string. Without ``voices``, the database
        picks by persona gender/age/language; a missing or unreadable age is drawn (seeded by
        ``seed``), a missing language is english and a missing gender matches any voice, each
        with a warning; when every matching voice is taken, one is reused (with a warning).
        ``persona_to_voice_desc`` and ``tts_engine`` (voice design from a description) are not
        supported offline.
        """
        if voices is None and voice_database is None:
            raise ValueError(
                "give voices= or a voice_database (e.g. sdialog.audio.voice_database."
                "offline_voice_database()); voice design from persona descriptions needs a "
                "voice-cloning TTS that is not available offline"
            )
        rng = random.Random(seed)
        for role, name in self.speakers_names.items():
            persona = self.personas.setdefault(name, {})
            if not isinstance(persona, dict):
                persona = self.personas[name] = dict(persona)
            if voices:
                if role not in voices and name not in voices:
                    raise ValueError(
                        f"Voice for {role} ({name}) not found in the voices dictionary"
                    )
                given = voices.get(role, voices.get(name))
                if isinstance(given, tuple) and given and isinstance(given[0], str):
                    if voice_database is None:
                        raise ValueError(f"voices[{role}] is an identifier: give a voice_database")
                    given = voice_database.get_voice_by_identifier(
                        given[0], given[1], keep_duplicate=keep_duplicate
                    )
                elif isinstance(given, str):
                    given = Voice(voice=given, identifier=given)
                persona["voice"] = given
                continue
            gender = parse_gender(str(persona.get("gender") or ""))
            if gender is None:
                logger.warning("no usable gender in the persona of %s: any voice may do", name)
            age = parse_age(persona.get("age"))
            if age is None:
                age = rng.randint(18, 65)
                logger.warning("no usable age in the persona of %s: drew %d", name, age)
            language = persona.get("language")
            if not language:
                language = "english"
                logger.warning("no language in the persona of %s: using english", name)
            query = {"gender": gender, "age": round(age), "lang": str(language).lower()}
            try:
                voice = voice_database.get_voice(**query, keep_duplicate=keep_duplicate, seed=seed)
            except ValueError:
                if keep_duplicate:
                    raise
                logger.warning("no unused voice left for %s: reusing one", name)
                voice = voice_database.get_voice(**query, keep_duplicate=True, seed=seed)
            persona["voice"] = voice


class _Caseless(dict):
    """A dict whose string keys also match case-insensitively (speaker names keep their case)."""

    def _key(self, key: Any) -> Any:
        if super().__contains__(key):
            return key
        wanted = str(key).lower()
        return next((k for k in self.keys() if str(k).lower() == wanted), key)

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(self._key(key))

    def __contains__(self, key: object) -> bool:
        return super().__contains__(self._key(key))

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(self._key(key), default)
