"""Voice databases and voice assignment from persona attributes.

A :class:`VoiceDatabase` is an immutable list of :class:`~sdialog.audio.tts.Voice` records.
:func:`assign_voices` picks one voice per speaker from persona ``gender``/``age``/``language``
(ages may be numbers, ``""``, ``"middle-aged"``, ``"elderly"``, ``"30s"``...), distinct voices per
speaker while the database has enough, seeded tie-breaks, explicit overrides; the database is never
mutated.

Example:
    >>> db = VoiceDatabase.from_engines(["synthetic"])
    >>> personas = {"Ann": {"gender": "female", "age": "elderly"}, "Bob": {"gender": "male"}}
    >>> voices = assign_voices(["Ann", "Bob"], personas, db, seed=0)
    >>> voices["Ann"].gender, voices["Bob"].gender, voices["Ann"].age >= 60
    ('female', 'male', True)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from sdialog.audio.tts.base import TTSEngine, Voice, get_engine

_AGE_WORDS = [
    (("newborn", "baby", "infant", "toddler"), 3),
    (("child", "kid", "little"), 9),
    (("teen", "adolescent"), 16),
    (("young adult", "young", "student"), 24),
    (("middle-aged", "middle aged", "middle age", "midlife"), 50),
    (("adult", "grown"), 38),
    (("senior", "elderly", "old", "retired", "aged", "geriatric"), 74),
]
_GENDERS = {
    "female": "female",
    "f": "female",
    "woman": "female",
    "girl": "female",
    "feminine": "female",
    "male": "male",
    "m": "male",
    "man": "male",
    "boy": "male",
    "masculine": "male",
}


def parse_age(value: Any) -> float | None:
    """Years from a number or text; ``None`` when unknown.

    ``"42"``/``42`` → 42, ``"30s"`` → 35, ``"mid-40s"`` → 45, ``"30-40"`` → 35, ``"elderly"`` → 74,
    ``"middle-aged"`` → 50, ``""``/``None``/``"unknown"`` → ``None``.

    Example:
        >>> [parse_age(x) for x in (42, "30s", "middle-aged", "", "a 67 year old")]
        [42.0, 35.0, 50.0, None, 67.0]
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if 0 < value < 130 else None
    text = str(value).strip().lower()
    if not text:
        return None
    decade = re.search(r"(\d{1,2})0'?s\b", text)
    if decade:
        base = int(decade.group(1)) * 10
        if "early" in text:
            return base + 2.0
        if "late" in text:
            return base + 8.0
        return base + 5.0
    numbers = [int(n) for n in re.findall(r"\d{1,3}", text) if 0 < int(n) < 130]
    if numbers:
        return float(sum(numbers[:2]) / len(numbers[:2]))
    for words, years in _AGE_WORDS:
        if any(w in text for w in words):
            return float(years)
    return None


def parse_gender(value: Any) -> str | None:
    """``"female"``, ``"male"`` or ``None`` from free text (``"F"``, ``"woman"``, ``"Male"``...).

    Example:
        >>> parse_gender("Woman"), parse_gender(""), parse_gender("non-binary")
        ('female', None, None)
    """
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    return _GENDERS.get(text) or _GENDERS.get(text.split()[0] if text.split() else "")


class VoiceDatabase:
    """An immutable collection of voices with lookups by id and filters by attribute.

    Example:
        >>> db = VoiceDatabase.from_engines(["synthetic"])
        >>> len(db.filter(gender="female")) > 0, db["synthetic:m1"].gender
        (True, 'male')
    """

    def __init__(self, voices: Iterable[Voice]):
        self._voices: tuple[Voice, ...] = tuple(voices)
        ids = [v.id for v in self._voices]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"voice_database has duplicate voice ids: {duplicates}")
        for voice in self._voices:
            if not isinstance(voice, Voice):
                raise TypeError(f"voice_database entries must be Voice, got {type(voice).__name__}")

    @classmethod
    def from_engines(cls, engines: Sequence[str | TTSEngine]) -> VoiceDatabase:
        """Every voice of the given engines (names or instances)."""
        voices: list[Voice] = []
        for engine in engines:
            voices += get_engine(engine).voices()
        return cls(voices)

    def __len__(self) -> int:
        return len(self._voices)

    def __iter__(self):
        return iter(self._voices)

    def __getitem__(self, voice_id: str) -> Voice:
        for voice in self._voices:
            if voice.id == voice_id:
                return voice
        raise KeyError(f"unknown voice {voice_id!r}; known: {', '.join(self.ids())}")

    def ids(self) -> list[str]:
        """Every voice id, in database order."""
        return [v.id for v in self._voices]

    def filter(self, **attributes: Any) -> list[Voice]:
        """Voices whose attributes equal the given ones (``gender="female"``, ...)."""
        return [v for v in self._voices if all(getattr(v, k) == x for k, x in attributes.items())]


def _persona_get(persona: Any, key: str) -> Any:
    if persona is None:
        return None
    if isinstance(persona, Mapping):
        return persona.get(key)
    return getattr(persona, key, None)


def _language_matches(voice_lang: str, wanted: str | None) -> bool:
    if not wanted:
        return True
    wanted = wanted.strip().lower()
    names = {"english": "en", "spanish": "es", "french": "fr", "german": "de", "italian": "it"}
    wanted = names.get(wanted, wanted)
    return voice_lang.lower().startswith(wanted[:2])


def assign_voices(
    speakers: Sequence[str],
    personas: Mapping[str, Any] | None,
    database: VoiceDatabase,
    *,
    seed: int = 0,
    overrides: Mapping[str, str | Voice] | None = None,
) -> dict[str, Voice]:
    """Choose a voice per speaker; any number of speakers; deterministic for a seed.

    Cost per candidate: gender mismatch 100, language mismatch 50, ``|age difference| / 5``,
    already taken by another speaker 30 (so voices differ while enough exist); ties are broken by a
    seeded random draw. ``overrides`` maps a speaker to a voice id or :class:`Voice`.

    Raises:
        ValueError: empty database, or an override naming an unknown voice.
    """
    if len(database) == 0:
        raise ValueError("voice_database is empty")
    personas = personas or {}
    overrides = overrides or {}
    rng = np.random.default_rng(seed)
    chosen: dict[str, Voice] = {}
    for speaker, voice in overrides.items():
        chosen[speaker] = voice if isinstance(voice, Voice) else database[voice]
    for speaker in speakers:
        if speaker in chosen:
            continue
        persona = personas.get(speaker)
        gender = parse_gender(_persona_get(persona, "gender"))
        age = parse_age(_persona_get(persona, "age"))
        language = _persona_get(persona, "language")
        taken = {v.id for v in chosen.values()}
        costs = []
        for voice in database:
            cost = 0.0
            if gender and voice.gender != gender:
                cost += 100
            if isinstance(language, str) and not _language_matches(voice.language, language):
                cost += 50
            if age is not None:
                cost += abs(voice.age - age) / 5
            if voice.id in taken:
                cost += 30
            costs.append(cost + rng.uniform(0, 1e-3))
        chosen[speaker] = list(database)[int(np.argmin(costs))]
    return {s: chosen[s] for s in [*speakers, *[k for k in chosen if k not in speakers]]}
