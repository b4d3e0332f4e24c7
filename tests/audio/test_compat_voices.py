"""SDialog-shaped voice databases and persona → voice assignment (public API only)."""

import functools
import json

import pytest

from sdialog import Dialog, Turn
from sdialog.audio.dialog import AudioDialog
from sdialog.audio.voice_database import (
    HuggingfaceVoiceDatabase,
    LocalVoiceDatabase,
    Voice,
    VoiceDatabase,
    is_a_audio_file,
    offline_voice_database,
)
from tests.audio.conftest import need_binary

ROWS = [
    {"gender": "F", "age": 28, "identifier": "f28", "voice": "v-f28", "language": "english"},
    {"gender": "female", "age": 70, "identifier": "f70", "voice": "v-f70", "language": "english"},
    {"gender": "m", "age": 35, "identifier": "m35", "voice": "v-m35", "language": "english"},
    {"gender": "male", "age": 55, "identifier": "m55", "voice": "v-m55", "language": "english"},
    {"gender": "male", "age": 40, "identifier": "fr40", "voice": "v-fr", "language": "french"},
]


def test_get_voice_parses_free_text_ages_and_genders():
    db = VoiceDatabase([dict(r) for r in ROWS])
    db.get_voice = functools.partial(db.get_voice, keep_duplicate=True)
    assert db.get_voice("female", "elderly", "english").identifier == "f70"
    assert db.get_voice("Man", "middle-aged", "english").identifier == "m55"
    assert db.get_voice("male", "30s", "English").identifier == "m35"
    assert db.get_voice("male", "", "english").gender == "male"  # unknown age does not crash
    assert db.get_voice("male", 40, "klingon").language == "english"  # unknown language


def test_unique_voices_until_reset_and_lookups_by_identifier():
    db = VoiceDatabase([dict(r) for r in ROWS])
    first = db.get_voice("male", 50, "english", keep_duplicate=False)
    second = db.get_voice("male", 50, "english", keep_duplicate=False)
    assert {first.identifier, second.identifier} == {"m35", "m55"}
    with pytest.raises(ValueError, match="keep_duplicate"):
        db.get_voice("male", 50, "english", keep_duplicate=False)
    db.reset_used_voices()
    assert db.get_voice("male", 50, "english", keep_duplicate=False).identifier == "m55"
    assert db.get_voice_by_identifier("fr40", "french").voice == "v-fr"
    with pytest.raises(ValueError, match="not found in the database"):
        db.get_voice_by_identifier("zz", "english")
    with pytest.raises(ValueError, match="Language german not found"):
        db.get_voice_by_identifier("fr40", "german")


def test_statistics():
    stats = VoiceDatabase([dict(r) for r in ROWS]).get_statistics()
    assert stats["num_languages"] == 2
    assert stats["overall"] == {"total": 5, "male": 3, "female": 2}
    text = VoiceDatabase([dict(r) for r in ROWS]).get_statistics(pretty=True)
    assert "| french | 1 | 1 | 0 | 40-40 |" in text


def test_bad_data_is_named():
    with pytest.raises(ValueError, match="list of dictionaries"):
        VoiceDatabase({"voice": "x"})
    with pytest.raises(ValueError, match="Age column"):
        VoiceDatabase([{"voice": "x", "gender": "m", "identifier": "i", "language": "english"}])


@pytest.mark.parametrize("kind", ["csv", "tsv", "json"])
def test_local_database_reads_metadata_and_resolves_files(tmp_path, kind):
    (tmp_path / "anna.wav").write_bytes(b"RIFF")
    rows = [{"identifier": "anna", "gender": "f", "age": 33, "file_name": "anna.wav"}]
    meta = tmp_path / f"meta.{kind}"
    if kind == "json":
        meta.write_text(json.dumps(rows))
    else:
        sep = "," if kind == "csv" else "\t"
        meta.write_text(sep.join(rows[0]) + "\n" + sep.join(str(v) for v in rows[0].values()))
    voice = LocalVoiceDatabase(str(tmp_path), str(meta)).get_voice("female", 30, "english")
    assert voice.voice == str(tmp_path / "anna.wav") and voice.age == 33
    with pytest.raises(ValueError, match="Directory audios does not exist"):
        LocalVoiceDatabase(str(tmp_path / "nope"), str(meta))
    assert is_a_audio_file("anna.WAV") and not is_a_audio_file(str(meta))


def test_hub_database_gives_a_clear_error_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises((ImportError, RuntimeError), match="LocalVoiceDatabase"):
        HuggingfaceVoiceDatabase("nobody/no-such-voices")


def test_offline_database_lists_flite_voices():
    need_binary("flite")
    db = offline_voice_database()
    voices = db.get_data()["english"]
    assert all(v.voice.startswith("flite:") for v in voices)
    assert {"male", "female"} <= {v.gender for v in voices}


def three_speakers() -> Dialog:
    return Dialog(
        turns=[Turn("Ann", "Hi."), Turn("Bob", "Hello."), Turn("Cy", "Hey."), Turn("Ann", "Bye.")],
        personas={
            "Ann": {"gender": "female", "age": "elderly"},
            "Bob": {"gender": "male", "age": ""},
        },
    )


def test_persona_to_voice_three_speakers_seeded_and_distinct():
    original = three_speakers()
    audio = AudioDialog.from_dialog(original)
    assert audio.speakers_names == {"speaker_1": "Ann", "speaker_2": "Bob", "speaker_3": "Cy"}
    assert audio.speakers_roles["ANN"] == "speaker_1"
    audio.persona_to_voice(VoiceDatabase([dict(r) for r in ROWS]), seed=3)
    chosen = {n: audio.personas[n]["voice"].identifier for n in ("Ann", "Bob", "Cy")}
    assert chosen["Ann"] == "f70" and chosen["Bob"] in ("m35", "m55")
    assert len(set(chosen.values())) == 3
    again = AudioDialog.from_dialog(three_speakers())
    again.persona_to_voice(VoiceDatabase([dict(r) for r in ROWS]), seed=3)
    assert {n: again.personas[n]["voice"].identifier for n in chosen} == chosen
    assert "voice" not in original.personas["Ann"]  # the source dialog is untouched


def test_persona_to_voice_with_explicit_voices():
    audio = AudioDialog.from_dialog(three_speakers())
    db = VoiceDatabase([dict(r) for r in ROWS])
    voices = {
        "speaker_1": Voice(identifier="x", voice="v-x"),
        "speaker_2": ("m35", "english"),
        "Cy": "v-c",
    }
    audio.persona_to_voice(db, voices=voices)
    assert audio.personas["Bob"]["voice"].identifier == "m35"
    assert audio.personas["Cy"]["voice"].voice == "v-c"
    with pytest.raises(ValueError, match="speaker_3"):
        audio.persona_to_voice(db, voices={"speaker_1": "a", "speaker_2": "b"})
