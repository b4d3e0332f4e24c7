import numpy as np
import pytest

from sdialog.audio.mix import (
    loudness,
    make_noise,
    mix_at_snr,
    normalize_loudness,
    peak_guard,
    resample,
    snr_db,
)
from sdialog.audio.timeline import LLMGaps, RandomGaps, RuleGaps, overlap_flags, place
from sdialog.llm import ScriptedBackend


@pytest.mark.parametrize("kind", ["white", "pink", "brown", "babble"])
@pytest.mark.parametrize("snr", [-5.0, 0.0, 12.5, 30.0])
def test_mix_hits_requested_snr(kind, snr):
    speech = make_noise("babble", 16000, 16000, seed=9) * 0.1
    noise = make_noise(kind, 12000, 16000, seed=1)  # shorter: tiled
    mixed, scaled = mix_at_snr(speech, noise, snr)
    assert abs(snr_db(speech, mixed - speech) - snr) < 0.5
    assert abs(snr_db(speech, scaled) - snr) < 1e-3


def test_pink_noise_has_falling_spectrum():
    noise = make_noise("pink", 2**16, 16000, seed=0)
    spectrum = np.abs(np.fft.rfft(noise)) ** 2
    freqs = np.fft.rfftfreq(len(noise), 1 / 16000)
    low = spectrum[(freqs > 100) & (freqs < 200)].mean()
    high = spectrum[(freqs > 3200) & (freqs < 6400)].mean()
    assert 10 * np.log10(low / high) > 10  # ~15 dB for 1/f over 4-5 octaves


def test_noise_file_and_errors(tmp_path):
    from sdialog.audio.io import write_audio

    path = write_audio(tmp_path / "n.wav", 0.1 * np.sin(np.arange(4410) / 3.0), 44100)
    noise = make_noise("file", 20000, 16000, path=path)
    assert len(noise) == 20000
    with pytest.raises(ValueError, match="noise kind"):
        make_noise("purple", 10, 16000)
    with pytest.raises(ValueError, match="silent"):
        mix_at_snr(np.zeros(100), np.ones(100), 10)


def test_loudness_normalisation_and_short_clips():
    x = 0.02 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)
    assert abs(loudness(normalize_loudness(x, 16000, -20), 16000) + 20) < 0.1
    short = normalize_loudness(x[:3000], 16000, -23)  # under one 400 ms block
    assert np.isfinite(short).all() and np.max(np.abs(short)) > np.max(np.abs(x[:3000]))


def test_resample_once_and_peak_guard():
    y = resample(np.ones(22050, dtype=np.float32), 22050, 16000)
    assert len(y) == 16000 and y.dtype == np.float32
    guarded, gain = peak_guard(np.array([0.2, -3.0], dtype=np.float32))
    assert np.max(np.abs(guarded)) <= 0.99 + 1e-6 and gain < 1


def test_place_is_sample_accurate():
    starts = place([1000, 500, 300], [0.01, -0.02], 16000)
    assert starts == [0, 1160, 1340]
    assert overlap_flags(starts, [1000, 500, 300]) == [False, True, True]
    # an overlap never starts before the previous turn starts
    assert place([100, 100], [-5.0], 16000) == [0, 0]


def test_rule_gaps():
    texts = ["How are you?", "Fine, thanks.", "I went to the shop yesterday.", "mm-hmm", "And?"]
    speakers = ["A", "B", "A", "B", "B"]
    gaps = RuleGaps(seed=0).gaps(texts, speakers, [1] * 5)
    assert gaps[0] < gaps[1]  # answering a question is faster
    assert gaps[2] < 0  # back-channel overlaps
    assert gaps[3] >= 0.6  # same speaker continuing pauses
    assert gaps == RuleGaps(seed=0).gaps(texts, speakers, [1] * 5)


def test_random_gaps_bounds_and_seed():
    policy = RandomGaps(0.2, 0.5, overlap_prob=0.3, max_overlap=0.25, seed=4)
    gaps = policy.gaps(["x"] * 200, ["A", "B"] * 100, [1] * 200)
    assert all(0.2 <= g <= 0.5 or -0.25 <= g < 0 for g in gaps)
    assert any(g < 0 for g in gaps) and gaps != RandomGaps(seed=5).gaps(
        ["x"] * 200, ["A", "B"] * 100, [1] * 200
    )
    with pytest.raises(ValueError, match="min_gap"):
        RandomGaps(1.0, 0.5)


def test_llm_gaps_through_backend_schema():
    backend = ScriptedBackend([{"gaps": [0.4, -3.0]}])
    planner = LLMGaps(backend, max_overlap=0.5)
    gaps = planner.gaps(["Hi?", "Hello.", "yeah"], ["A", "B", "A"], [1, 1, 0.3])
    assert gaps == [0.4, -0.5]  # clipped to the bounds
    assert "Hello." in backend.calls[0][0]["content"]
    wrong = LLMGaps(ScriptedBackend([{"gaps": [0.1]}]))
    assert len(wrong.gaps(["a", "b", "c"], ["A", "B", "A"], [1, 1, 1])) == 2 and wrong.used_fallback
