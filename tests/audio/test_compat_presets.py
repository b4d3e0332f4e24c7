"""SDialog 0.5.3's preset API (sdialog.audio.to_audio → DialogAudio) over our pipeline."""

import itertools
import json

import numpy as np
import pytest
import soundfile as sf

from sdialog import Dialog, Turn
from sdialog.audio import DialogAudio, dialogs_to_audio, list_presets, register_preset, to_audio


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SDIALOG_CACHE_DIR", str(tmp_path / "cache"))


def call(n_speakers: int = 2) -> Dialog:
    names = ["Agent", "Caller", "Supervisor"][:n_speakers]
    texts = ["Thanks for calling.", "Hi, my card was blocked.", "Let me check that.", "Thank you."]
    return Dialog(turns=[Turn(names[i % n_speakers], t) for i, t in enumerate(texts)])


def test_presets_registry_and_validation():
    assert {"clean", "conversational", "room", "call_center", "far_field", "hard"} <= set(
        list_presets()
    )
    register_preset("test_noisy", noise={"type": "white", "snr": 12})
    assert list_presets()["test_noisy"] == {"noise": {"type": "white", "snr": 12}}
    with pytest.raises(ValueError, match="invalid preset parameter"):
        register_preset("bad", stereo=True)
    with pytest.raises(ValueError, match="unknown preset"):
        to_audio(call(), preset="nope", tts="synthetic")


def test_presets_render_their_scene_and_annotations(tmp_path):
    clean = to_audio(call(), preset="clean", tts="synthetic", seed=3)
    assert clean.config["reverb"] is None and clean.sample_rate == 16000
    assert [s.speaker for s in clean.segments] == ["Agent", "Caller", "Agent", "Caller"]
    assert all(a.end <= b.start for a, b in itertools.pairwise(clean.segments))
    phone = to_audio(call(3), preset="hard", tts="synthetic", seed=3, path=str(tmp_path / "hard"))
    assert phone.sample_rate == 8000 and phone.config["channel"] == "telephone"
    assert phone.config["reverb"]["size"] == "large" and 0 <= phone.config["noise"]["snr_db"] <= 10
    assert phone.speakers == ["Agent", "Caller", "Supervisor"]
    audio, rate = sf.read(tmp_path / "hard.wav")
    assert rate == 8000 and len(audio) == len(phone.audio)
    rttm = (tmp_path / "hard.rttm").read_text().splitlines()
    assert len(rttm) == 4 and rttm[1].split()[7] == "Caller"
    saved = json.loads((tmp_path / "hard.json").read_text())
    assert saved["config"]["seed"] == 3 and len(saved["segments"]) == 4
    again = to_audio(call(3), preset="hard", tts="synthetic", seed=3)
    assert np.array_equal(again.audio, phone.audio)  # the seed reproduces the audio


def test_overlap_and_explicit_overrides():
    talk = to_audio(
        call(), pauses=(0.1, 0.2), overlap=1.0, max_overlap=0.2, tts="synthetic", seed=0
    )
    starts_before_end = [b.start < a.end for a, b in itertools.pairwise(talk.segments)]
    assert any(starts_before_end)
    quiet = to_audio(call(), preset="room", noise=False, tts="synthetic", seed=0)
    assert quiet.config["noise"] is None and quiet.config["reverb"]["size"] == "medium"


def test_unsupported_options_are_named():
    with pytest.raises(ValueError, match="stereo"):
        to_audio(call(), stereo=True, tts="synthetic")
    with pytest.raises(ValueError, match="per-speaker"):
        to_audio(call(), noise={0: 20, 1: 10}, tts="synthetic")
    with pytest.raises(ValueError, match="channel 'g729'"):
        to_audio(call(), channel="g729", tts="synthetic")
    with pytest.raises(ValueError, match="design"):
        to_audio(call(), voices="design", tts="synthetic")


def test_random_voices_and_batch(tmp_path):
    audio = to_audio(call(), voices="random", tts="synthetic", seed=5)
    assert isinstance(audio, DialogAudio) and len(set(audio.voices.values())) == 2
    rows = dialogs_to_audio([call(), call(3)], str(tmp_path / "batch"), seed=10, tts="synthetic")
    assert [r["seed"] for r in rows] == [10, 11] and all("error" not in r for r in rows)
    index = (tmp_path / "batch" / "index.jsonl").read_text().splitlines()
    assert len(index) == 2 and all(
        (tmp_path / "batch" / f"{r['dialog_id']}.wav").exists() for r in rows
    )
