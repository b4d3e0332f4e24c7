"""SDialog-shaped entry points over our pipeline: AudioTurn/AudioDialog, BaseTTS plug-in,
to_audio / AudioPipeline.inference, AcousticsSimulator, IR database and AudioProcessor."""

import json

import numpy as np
import pytest
import soundfile as sf

from sdialog import Dialog, Turn
from sdialog.audio.acoustics_simulator import AcousticsSimulator, AudioSource
from sdialog.audio.dialog import AudioDialog
from sdialog.audio.dscaper_utils import DscaperUnavailableError, generate_dscaper_timeline
from sdialog.audio.impulse_response_database import LocalImpulseResponseDatabase, RecordingDevice
from sdialog.audio.pipeline import AudioPipeline, to_audio
from sdialog.audio.processing import AudioProcessor
from sdialog.audio.room import Dimensions3D, Room
from sdialog.audio.tts import BaseTTS, EngineUnavailableError, KokoroTTS, Qwen3TTSVoiceClone
from sdialog.audio.turn import AudioTurn
from sdialog.audio.voice_database import VoiceDatabase
from tests.audio.conftest import need_binary


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SDIALOG_CACHE_DIR", str(tmp_path / "cache"))


def dialog() -> Dialog:
    return Dialog(
        turns=[
            Turn("Doctor", "Good morning, how are you?"),
            Turn("Patient", "Not great, my knee hurts."),
            Turn("Nurse", "He fell on the stairs yesterday."),
            Turn("Doctor", "Let me have a look."),
        ],
        personas={
            "Doctor": {"gender": "female", "age": 50},
            "Patient": {"gender": "male", "age": "elderly"},
        },
    )


class Tones(BaseTTS):
    """A user engine: a pure tone whose pitch is the voice string (Hz)."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def generate(self, text, speaker_voice, tts_pipeline_kwargs=None):
        self.calls.append((text, speaker_voice))
        t = np.arange(int(0.05 * len(text) * 16000)) / 16000
        return 0.3 * np.sin(2 * np.pi * float(speaker_voice) * t), 16000


def peak_hz(path) -> float:
    audio, rate = sf.read(path)
    spectrum = np.abs(np.fft.rfft(audio))
    return float(np.fft.rfftfreq(len(audio), 1 / rate)[np.argmax(spectrum)])


def test_audio_turn_and_dialog_round_trip(tmp_path):
    turn = AudioTurn.from_turn(Turn("A", "Hi", emotion="calm"))
    assert (turn.emotion, turn.audio_duration, turn.get_audio()) == ("calm", -1.0, None)
    audio = AudioDialog.from_dialog(dialog())
    audio.set_combined_audio(np.ones(10))
    assert audio.get_combined_audio().sum() == 10
    path = tmp_path / "d" / "a.json"
    audio.to_file(str(path))
    loaded = AudioDialog.from_file(str(path))
    assert isinstance(loaded.turns[0], AudioTurn) and loaded.speakers_names == audio.speakers_names
    loaded.to_file()  # back to where it came from
    with pytest.raises(FileExistsError):
        loaded.to_file(str(path), overwrite=False)
    assert [d.id for d in AudioDialog.from_file(str(path.parent))] == [audio.id]
    assert AudioDialog.from_json(audio.to_string()).turns[2].speaker == "Nurse"
    with pytest.raises(ValueError, match="No path"):
        AudioDialog.from_dialog(dialog()).to_file()


def test_user_tts_plugs_in_through_base_tts(tmp_path):
    engine = Tones()
    db = VoiceDatabase(
        [
            {
                "gender": "female",
                "age": 50,
                "identifier": "hi",
                "voice": "880",
                "language": "english",
            },
            {
                "gender": "male",
                "age": 70,
                "identifier": "lo",
                "voice": "220",
                "language": "english",
            },
            {
                "gender": "male",
                "age": 30,
                "identifier": "mid",
                "voice": "440",
                "language": "english",
            },
        ]
    )
    audio = to_audio(
        dialog(),
        dir_audio=str(tmp_path),
        dialog_dir_name="tones",
        tts_engine=engine,
        voice_database=db,
    )
    assert {voice for _, voice in engine.calls} == {"880", "220", "440"}
    by_speaker = {t.speaker: peak_hz(t.audio_path) for t in audio.turns}
    assert by_speaker["Doctor"] == pytest.approx(880, abs=5)
    assert by_speaker["Patient"] == pytest.approx(220, abs=5)
    reloaded = AudioDialog.from_file(
        str(tmp_path / "tones" / "exported_audios" / "audio_dialog.json")
    )
    assert reloaded.turns[1].audio_path == audio.turns[1].audio_path


def test_to_audio_with_flite_three_speakers_room_and_device(tmp_path):
    need_binary("flite")
    ir = tmp_path / "ir.wav"
    sf.write(ir, np.r_[1.0, 0.3, np.zeros(200)], 16000)
    meta = tmp_path / "irs.json"
    meta.write_text(
        json.dumps([{"identifier": RecordingDevice.SHURE_SM57.value, "file_name": "ir.wav"}])
    )
    irs = LocalImpulseResponseDatabase(str(meta), str(tmp_path))
    room = Room(dimensions=Dimensions3D(5, 4, 2.8), rt60=0.4)
    audio = to_audio(
        dialog(),
        dir_audio=str(tmp_path),
        dialog_dir_name="clinic",
        perform_room_acoustics=True,
        room=room,
        room_name="clinic_room",
        recording_devices=[RecordingDevice.SHURE_SM57, "smartphone"],
        impulse_response_database=irs,
        seed=2,
    )
    voices = {n: audio.personas[n]["voice"].voice for n in audio.speakers_names.values()}
    assert len(set(voices.values())) == 3 and all(v.startswith("flite:") for v in voices.values())
    starts = [t.audio_start_time for t in audio.turns]
    assert starts == sorted(starts) and all(t.audio_duration > 0.3 for t in audio.turns)
    config = audio.audio_step_3_filepaths["clinic_room"]
    wet, rate = sf.read(config.audio_path)
    assert rate == 24000 and len(wet) / rate == pytest.approx(audio.total_duration + 0.3, abs=0.05)
    assert set(config.audio_paths_post_processing) == {
        RecordingDevice.SHURE_SM57.value,
        "smartphone",
    }
    assert set(config.room["speakers"]) == {"Doctor", "Patient", "Nurse"}
    assert "speaker_1" in room.speakers_positions  # the caller's room is not modified
    with pytest.raises(ValueError, match="step 3"):
        to_audio(dialog(), dir_audio=str(tmp_path), room_name="x")
    with pytest.raises(ValueError, match="not supported offline"):
        to_audio(dialog(), dir_audio=str(tmp_path), background_effect="white_noise")


def test_pipeline_reference_constructor_and_inference(tmp_path, capsys):
    pipe = AudioPipeline(dir_audio=str(tmp_path), tts_engine="synthetic", sampling_rate=16000)
    chosen = {
        "speaker_1": ("synthetic:m1", "english"),
        "speaker_2": ("synthetic:f1", "english"),
        "Nurse": "synthetic:f2",
    }
    audio = pipe.inference(dialog(), dialog_dir_name="run", seed=1, voices=chosen)
    assert [t.voice for t in audio.turns] == [
        "synthetic:m1",
        "synthetic:f1",
        "synthetic:f2",
        "synthetic:m1",
    ]
    assert pipe.tts_engine is pipe.engine and isinstance(audio, AudioDialog)
    assert (tmp_path / "run" / "dry.wav").exists() and audio.audio_step_3_filepaths == {}
    audio.display()  # outside a notebook: the file paths
    assert str(tmp_path / "run" / "dry.wav") in capsys.readouterr().out


def test_hub_engines_and_dscaper_give_clear_errors():
    for engine in (KokoroTTS, Qwen3TTSVoiceClone):
        with pytest.raises(EngineUnavailableError, match="pip install"):
            engine()
    with pytest.raises(TypeError):
        BaseTTS()
    with pytest.raises(DscaperUnavailableError, match="snr_db"):
        generate_dscaper_timeline(None, None, "x")


def test_acoustics_simulator_renders_sources(tmp_path):
    source = tmp_path / "s.wav"
    rng = np.random.default_rng(0)
    sf.write(source, 0.1 * rng.standard_normal(8000), 16000)
    sim = AcousticsSimulator(
        Room(dimensions=Dimensions3D(4, 3, 2.7), rt60=0.5), sampling_rate=16000
    )
    out = sim.simulate(
        [
            AudioSource("talk", "speaker_1", source_file=str(source)),
            AudioSource("tv", "room-top_left", source_file=str(source)),
        ]
    )
    assert out.ndim == 1 and len(out) > 8000 + 0.3 * 16000  # the reverberant tail is there
    assert float(np.max(np.abs(out))) == pytest.approx(0.99)
    assert len(sim.audiosources) == 2
    sim.reset()
    again = sim.simulate([AudioSource("talk", "speaker_1", source_file=str(source))], reset=True)
    assert len(again) > 8000
    with pytest.raises(ValueError, match="Room is required"):
        AcousticsSimulator(None)


def test_audio_processor_and_ir_database(tmp_path):
    sf.write(tmp_path / "ir.wav", np.r_[np.zeros(10), 1.0, np.zeros(20)], 8000)
    x = 0.2 * np.sin(2 * np.pi * 300 * np.arange(16000) / 16000)
    sf.write(tmp_path / "in.wav", np.stack([x, x], axis=1), 16000)
    meta = tmp_path / "m.csv"
    meta.write_text("identifier,file_name\nmic,ir.wav\n")
    db = LocalImpulseResponseDatabase(str(meta), str(tmp_path))
    AudioProcessor.apply_microphone_effect(
        str(tmp_path / "in.wav"), str(tmp_path / "out.wav"), "mic", db
    )
    y, rate = sf.read(tmp_path / "out.wav")
    assert rate == 16000 and y.ndim == 1
    assert np.sqrt(np.mean(y**2)) == pytest.approx(np.sqrt(np.mean(x**2)), rel=0.01)
    with pytest.raises(ValueError, match="not found"):
        db.get_ir("other")
    bad = tmp_path / "bad.csv"
    bad.write_text("identifier,file_name\nx,missing.wav\n")
    with pytest.raises(ValueError, match="Audio file not found"):
        LocalImpulseResponseDatabase(str(bad), str(tmp_path))


def test_readme_style_to_audio_then_display(tmp_path, capsys):
    audio = dialog().to_audio(
        str(tmp_path / "out"), perform_room_acoustics=True, tts_engine="synthetic"
    )
    assert audio.display() is None
    printed = capsys.readouterr().out
    assert "dry: " in printed and "room_consultation_room: " in printed
    assert audio.audio_step_1_filepath == audio.files["dry"] == audio.audio_step_2_filepath
    assert audio.audio_step_3_filepaths == {
        "consultation_room": audio.files["room_consultation_room"]
    }
    from sdialog.audio import AudioDialog as TopLevel

    assert isinstance(TopLevel.from_dialog(dialog()), AudioDialog)


@pytest.mark.parametrize("dialog_id", ["../../../escape", "a/b"])
def test_to_audio_keeps_dialog_folders_inside_dir_audio(tmp_path, dialog_id):
    """A dialog id from data never names a folder outside ``dir_audio``."""
    out = tmp_path / "audio"
    source = dialog()
    source.id = dialog_id
    to_audio(
        source,
        dir_audio=str(out),
        tts_engine=Tones(),
        voice_database=VoiceDatabase(
            [
                {"gender": g, "age": 40, "identifier": g, "voice": "440", "language": "english"}
                for g in ("female", "male")
            ]
        ),
    )
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(out in p.parents for p in written)
