"""Voice databases shaped as in SDialog: :class:`Voice`, :class:`BaseVoiceDatabase`,
:class:`VoiceDatabase` (from a list of dicts), :class:`LocalVoiceDatabase` (folder + CSV/TSV/JSON
metadata), :class:`HuggingfaceVoiceDatabase` (needs the ``datasets`` package and the hub).

Selection reuses our :func:`sdialog.audio.voices.parse_age`/``parse_gender``: ages like ``""``,
``"middle-aged"`` or ``"30s"`` work, and the database is never mutated by a lookup.
:func:`offline_voice_database` lists our offline engines' voices (flite, espeak-ng, piper) in this
shape; it is what :func:`sdialog.audio.pipeline.to_audio` uses by default.

Example:
    >>> db = VoiceDatabase([
    ...     {"gender": "f", "age": 30, "identifier": "a", "voice": "flite:slt",
    ...      "language": "english", "language_code": "en"},
    ...     {"gender": "male", "age": 50, "identifier": "b", "voice": "flite:rms",
    ...      "language": "english", "language_code": "en"}])
    >>> db.get_voice("male", "middle-aged", "english").identifier
    'b'
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sdialog.audio.utils import logger
from sdialog.audio.voices import parse_age, parse_gender

AUDIO_EXTENSIONS = (".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac", ".opus", ".aiff", ".au")


def is_a_audio_file(file: str) -> bool:
    """Whether ``file`` has an audio file extension (case-insensitive).

    Example:
        >>> is_a_audio_file("a.MP3"), is_a_audio_file("a.txt")
        (True, False)
    """
    return str(file).lower().endswith(AUDIO_EXTENSIONS)


@dataclass
class Voice:
    """A voice entry: ``voice`` is what the TTS engine receives (one of our voice ids such as
    ``"flite:slt"``, a reference audio path, or a name your own :class:`~sdialog.audio.tts.BaseTTS`
    understands)."""

    gender: str = ""
    age: int = 0
    identifier: str = ""
    voice: Any = ""
    language: str = "english"
    language_code: str = "en"

    def model_dump(self) -> dict[str, Any]:
        """A dict copy."""
        return asdict(self)


class BaseVoiceDatabase:
    """Voices grouped by language; subclasses fill it in :meth:`populate` with
    :meth:`add_voice`. Voices taken with ``keep_duplicate=False`` are remembered per language
    until :meth:`reset_used_voices`."""

    def __init__(self):
        self._data: dict[str, list[Voice]] = {}
        self._used_voices: dict[str, list[str]] = {}
        self.populate()

    def populate(self) -> None:
        """Fill the database (subclasses)."""
        raise NotImplementedError("subclasses of BaseVoiceDatabase implement populate()")

    def get_data(self) -> dict[str, list[Voice]]:
        """Language → voices."""
        return self._data

    def add_voice(
        self, gender: str, age: Any, identifier: str, voice: Any, lang: str, language_code: str
    ) -> None:
        """Add one voice (gender normalised, age parsed; unknown age → 0)."""
        lang = str(lang).lower()
        parsed = parse_age(age)
        self._data.setdefault(lang, []).append(
            Voice(
                gender=parse_gender(str(gender)) or str(gender).lower(),
                age=round(parsed) if parsed is not None else 0,
                identifier=str(identifier),
                voice=voice,
                language=lang,
                language_code=str(language_code).lower(),
            )
        )

    def reset_used_voices(self) -> None:
        """Forget which voices were taken."""
        self._used_voices = {}

    def _gender_to_gender(self, gender: str) -> str:
        result = parse_gender(gender)
        if result is None:
            raise ValueError(f"Invalid gender: {gender!r} (use male/female, m/f)")
        return result

    def _take(self, lang: str, voice: Voice, keep_duplicate: bool) -> Voice:
        if not keep_duplicate:
            used = self._used_voices.setdefault(lang, [])
            if voice.identifier in used:
                raise ValueError(f"Voice with identifier {voice.identifier} is already used")
            used.append(voice.identifier)
        return voice

    def get_voice_by_identifier(
        self, identifier: str, lang: str, keep_duplicate: bool = True
    ) -> Voice:
        """The voice ``identifier`` of language ``lang``."""
        lang = str(lang).lower()
        if lang not in self._data:
            raise ValueError(
                f"Language {lang} not found in the database; have {sorted(self._data)}"
            )
        for voice in self._data[lang]:
            if voice.identifier == identifier:
                return self._take(lang, voice, keep_duplicate)
        raise ValueError(f"Voice with identifier {identifier} not found in the database")

    def get_voice(
        self,
        gender: str | None,
        age: Any,
        lang: str | None = "english",
        keep_duplicate: bool = False,
        seed: int | None = None,
    ) -> Voice:
        """The voice of ``gender`` closest in ``age`` in ``lang`` (unknown language → english
        with a warning; no voice of that gender at all → the other gender, as SDialog does).
        With ``keep_duplicate=False`` a voice is given once until :meth:`reset_used_voices`, and
        a ValueError says so when that gender's voices are all taken; ties are broken by
        ``seed``."""
        lang = str(lang or "english").lower()
        if lang not in self._data:
            logger.warning("language %r not in the voice database, using english", lang)
            lang = "english"
        if lang not in self._data:
            raise ValueError(f"Language {lang} not found in the database")
        wanted_gender, wanted_age = parse_gender(gender or ""), parse_age(age)
        pool = self._data[lang]
        if wanted_gender is not None and any(v.gender == wanted_gender for v in pool):
            pool = [v for v in pool if v.gender == wanted_gender]
        elif wanted_gender is not None:
            logger.warning("no %s voice in %s: using the other voices", wanted_gender, lang)
        used = set(self._used_voices.get(lang, [])) if not keep_duplicate else set()
        free = [v for v in pool if v.identifier not in used]
        if not free:
            raise ValueError(
                f"No voice found for this gender, age and language: all {len(pool)} "
                f"{wanted_gender or ''} voices of {lang} are used (keep_duplicate=False); call "
                "reset_used_voices() or pass keep_duplicate=True"
            )
        rng = random.Random(seed)

        def cost(v: Voice) -> tuple[float, float]:
            gender_cost = 0 if wanted_gender is None or v.gender == wanted_gender else 1
            age_cost = 0.0 if wanted_age is None else abs(v.age - wanted_age)
            return gender_cost, age_cost

        best = min(cost(v) for v in free)
        tied = sorted((v for v in free if cost(v) == best), key=lambda v: v.identifier)
        return self._take(lang, rng.choice(tied), keep_duplicate)

    def get_statistics(self, pretty: bool = False, pretty_format: str = "markdown") -> Any:
        """Counts per language, gender and age (a dict, or a text table with ``pretty``)."""
        stats: dict[str, Any] = {"num_languages": len(self._data), "languages": {}}
        total = {"total": 0, "male": 0, "female": 0}
        for lang, voices in sorted(self._data.items()):
            ages = [v.age for v in voices]
            row = {
                "total": len(voices),
                "male": sum(v.gender == "male" for v in voices),
                "female": sum(v.gender == "female" for v in voices),
                "age_min": min(ages, default=0),
                "age_max": max(ages, default=0),
            }
            stats["languages"][lang] = row
            for key in total:
                total[key] += row[key]
        stats["overall"] = total
        if not pretty:
            return stats
        lines = ["Voice Database Statistics", "", "| language | total | male | female | ages |"]
        lines.append("|---|---|---|---|---|")
        for lang, row in stats["languages"].items():
            ages = f"{row['age_min']}-{row['age_max']}"
            lines.append(f"| {lang} | {row['total']} | {row['male']} | {row['female']} | {ages} |")
        lines.append(f"| all | {total['total']} | {total['male']} | {total['female']} | |")
        return "\n".join(lines)


def _fill(db: BaseVoiceDatabase, rows: list[dict[str, Any]], source: str, seed: int = 0) -> None:
    """Add rows with SDialog's fallbacks: language english, random gender/age with a warning."""
    rng = random.Random(seed)
    for i, row in enumerate(rows):
        voice = row.get("voice", row.get("file_name"))
        audio = row.get("audio")
        if voice is None and isinstance(audio, dict):
            voice = audio.get("path") or audio.get("array")
        if voice is None:
            raise ValueError(f"Voice column does not exist in the data: {source} row {i}")
        gender = parse_gender(str(row.get("gender") or ""))
        if gender is None:
            gender = rng.choice(["male", "female"])
            logger.warning("%s row %d: no usable gender, drew %s", source, i, gender)
        age = parse_age(row.get("age"))
        if age is None:
            age = rng.randint(20, 70)
            logger.warning("%s row %d: no usable age, drew %d", source, i, age)
        lang = row.get("language") or "english"
        identifier = row.get("identifier", row.get("speaker_id", voice))
        db.add_voice(gender, age, identifier, voice, lang, row.get("language_code") or lang[:2])


class VoiceDatabase(BaseVoiceDatabase):
    """From a list of dicts with ``voice``, ``gender``, ``age``, ``identifier``, ``language``,
    ``language_code``."""

    def __init__(self, data: list[dict[str, Any]]):
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            raise ValueError(f"Data is not a list of dictionaries: {str(data)[:80]}")
        for item in data:
            for key in ("voice", "gender", "age", "identifier", "language"):
                if key not in item:
                    raise ValueError(
                        f"{key.capitalize()} column does not exist in the data: {item}"
                    )
        self._input_data = data
        super().__init__()

    def populate(self) -> None:
        """Add every row."""
        _fill(self, self._input_data, "data")


class LocalVoiceDatabase(BaseVoiceDatabase):
    """Voices in ``directory_audios`` described by a CSV, TSV or JSON ``metadata_file`` with
    ``identifier``, ``gender``, ``age``, ``voice`` or ``file_name`` (a file in the folder), and
    optionally ``language``, ``language_code``."""

    def __init__(self, directory_audios: str, metadata_file: str):
        self.directory_audios, self.metadata_file = Path(directory_audios), Path(metadata_file)
        if not self.directory_audios.exists():
            raise ValueError(f"Directory audios does not exist: {self.directory_audios}")
        if not self.directory_audios.is_dir():
            raise ValueError(f"Directory audios is not a directory: {self.directory_audios}")
        if not self.metadata_file.exists():
            raise ValueError(f"Metadata file does not exist: {self.metadata_file}")
        if self.metadata_file.suffix.lower() not in (".csv", ".tsv", ".json"):
            raise ValueError(f"Metadata file is not a csv / tsv / json file: {self.metadata_file}")
        super().__init__()

    def populate(self) -> None:
        """Read the metadata file and add every row."""
        rows, columns = read_metadata(self.metadata_file)
        if "voice" not in columns and "file_name" not in columns:
            raise ValueError(
                f"Voice or file_name column does not exist in the metadata file: "
                f"{self.metadata_file}"
            )
        for row in rows:
            if "file_name" in row and "voice" not in row:
                row["voice"] = str(self.directory_audios / str(row.pop("file_name")))
        _fill(self, rows, str(self.metadata_file))


def read_metadata(path: str | Path) -> tuple[list[dict[str, Any]], set[str]]:
    """(rows, column names) of a CSV/TSV (header line) or JSON (list of objects) metadata file."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError(f"{path}: a JSON metadata file must hold a list of objects")
        return [dict(r) for r in rows], {k for r in rows for k in r}
    import csv

    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        rows = [dict(r) for r in reader]
        return rows, set(reader.fieldnames or [])


class HuggingfaceVoiceDatabase(BaseVoiceDatabase):
    """Voices from a Hugging Face dataset (``datasets.load_dataset(name)[subset]``); needs
    ``pip install datasets`` and access to the hub (or its local cache)."""

    def __init__(self, dataset_name: str, subset: str = "train"):
        self.dataset_name, self.subset = dataset_name, subset
        super().__init__()

    def populate(self) -> None:
        """Load the dataset and add every row."""
        try:
            from datasets import load_dataset
        except ImportError:
            raise ImportError(
                "HuggingfaceVoiceDatabase needs 'datasets' (pip install \"sdialog[eval]\") "
                "and the Hugging Face hub; offline, use LocalVoiceDatabase or the default "
                "offline voices (sdialog.audio.voice_database.offline_voice_database())"
            ) from None
        try:
            dataset = load_dataset(self.dataset_name)[self.subset]
        except Exception as err:  # any hub/network failure gets the same advice
            raise RuntimeError(
                f"could not load voice dataset {self.dataset_name!r} from the Hugging Face hub "
                f"({type(err).__name__}: {err}); offline, use LocalVoiceDatabase or "
                "offline_voice_database()"
            ) from err
        _fill(self, [dict(row) for row in dataset], self.dataset_name)


def offline_voice_database(engines: tuple[str, ...] | None = None) -> VoiceDatabase:
    """Our installed offline engines' voices as a :class:`VoiceDatabase` (``voice`` is our voice
    id, e.g. ``"flite:slt"``). Default: flite (the most intelligible), else espeak-ng. Engines
    not installed here are skipped."""
    if engines is None:
        try:
            return offline_voice_database(("flite",))
        except RuntimeError:
            return offline_voice_database(("espeak-ng",))
    from sdialog.audio.tts.base import EngineUnavailableError, get_engine

    rows = []
    for name in engines:
        try:
            voices = get_engine(name).voices()
        except (EngineUnavailableError, ImportError):
            continue
        for v in voices:
            language = "english" if v.language.lower().startswith("en") else v.language.lower()
            rows.append(
                {
                    "gender": v.gender if v.gender in ("male", "female") else "female",
                    "age": round(v.age),
                    "identifier": v.id,
                    "voice": v.id,
                    "language": language,
                    "language_code": v.language.lower()[:2],
                }
            )
    if not rows:
        raise RuntimeError("no offline TTS engine installed: apt-get install flite espeak-ng")
    return VoiceDatabase(rows)
