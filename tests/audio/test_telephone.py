import numpy as np
import pytest

from sdialog.audio.telephone import (
    BernoulliLoss,
    GilbertElliott,
    TelephoneChannel,
    alaw_decode,
    alaw_encode,
    companding,
    conceal,
    ulaw_decode,
    ulaw_encode,
)

# G.711 reference code words (16-bit linear in, code out) and decoder outputs (code in, 16-bit out),
# from the standard's segment tables: µ-law segment ends 0x84<<s, quantised to 4 mantissa bits with
# all bits inverted; A-law even bits inverted (XOR 0x55). E.g. µ-law segment 3 outputs 14-bit
# midpoints 231 + 16k (x4 in 16-bit: 0xCE, k=1 -> 988).
ULAW_ENCODE = [
    (0, 0xFF),
    (-1, 0x7F),
    (8, 0xFE),
    (120, 0xF0),
    (132, 0xEF),
    (32767, 0x80),
    (-32768, 0x00),
    (1000, 0xCE),
    (-1000, 0x4E),
]
ULAW_DECODE = [
    (0xFF, 0),
    (0xFE, 8),
    (0xF0, 120),
    (0xEF, 132),
    (0x80, 32124),
    (0x00, -32124),
    (0x7F, 0),
    (0xCE, 988),
]
ALAW_ENCODE = [
    (0, 0xD5),
    (-1, 0x55),
    (8, 0xD5),
    (16, 0xD4),
    (32767, 0xAA),
    (-32768, 0x2A),
    (1000, 0xFA),
    (-1000, 0x7A),
]
ALAW_DECODE = [(0xD5, 8), (0x55, -8), (0xD4, 24), (0xAA, 32256), (0x2A, -32256), (0xFA, 1008)]


@pytest.mark.parametrize("pcm, code", ULAW_ENCODE)
def test_ulaw_encode_reference(pcm, code):
    assert int(ulaw_encode(np.array([pcm]))[0]) == code


@pytest.mark.parametrize("code, pcm", ULAW_DECODE)
def test_ulaw_decode_reference(code, pcm):
    assert int(ulaw_decode(np.array([code]))[0]) == pcm


@pytest.mark.parametrize("pcm, code", ALAW_ENCODE)
def test_alaw_encode_reference(pcm, code):
    assert int(alaw_encode(np.array([pcm]))[0]) == code


@pytest.mark.parametrize("code, pcm", ALAW_DECODE)
def test_alaw_decode_reference(code, pcm):
    assert int(alaw_decode(np.array([code]))[0]) == pcm


@pytest.mark.parametrize("encode, decode", [(ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)])
def test_codec_is_monotonic_and_idempotent(encode, decode):
    pcm = np.arange(-32768, 32768)
    decoded = decode(encode(pcm)).astype(int)
    assert (np.diff(decoded) >= 0).all()
    assert len(np.unique(encode(pcm))) == 256
    codes = np.arange(256)
    assert np.array_equal(decode(encode(decode(codes))), decode(codes))
    # relative error of a logarithmic quantiser stays below ~1/16 above the first segments
    big = np.abs(pcm) > 1024
    assert np.max(np.abs(decoded[big] - pcm[big]) / np.abs(pcm[big])) < 0.07


def test_companding_clips_and_rejects_unknown():
    y = companding(np.array([2.0, -2.0, 0.0]), "alaw")
    assert np.all(np.abs(y) <= 1.0)
    with pytest.raises(ValueError, match="codec"):
        companding(np.zeros(3), "gsm")


def test_bernoulli_rate():
    for p in (0.01, 0.1, 0.3):
        rate = BernoulliLoss(p).draw(50000, seed=2).mean()
        assert abs(rate - p) < 4 * np.sqrt(p * (1 - p) / 50000) + 1e-3


def test_gilbert_elliott_stationary_loss_and_bursts():
    model = GilbertElliott(p=0.05, r=0.3, k_good=0.99, k_bad=0.2)
    lost = model.draw(200000, seed=5)
    assert abs(lost.mean() - model.stationary_loss()) < 0.01
    bernoulli = BernoulliLoss(model.stationary_loss()).draw(200000, seed=5)

    def mean_burst(x):
        edges = np.flatnonzero(np.diff(np.r_[0, x.astype(int), 0]))
        return np.mean(edges[1::2] - edges[::2])

    assert mean_burst(lost) > 1.5 * mean_burst(bernoulli)


def test_concealment_repeats_previous_packet():
    x = np.arange(40, dtype=np.float32)
    lost = np.array([False, True, False, False])
    assert np.array_equal(conceal(x, lost, 10, "repeat")[10:20], x[0:10])
    assert np.all(conceal(x, lost, 10, "zero")[10:20] == 0)
    faded = conceal(x, lost, 10, "fade")[10:20]
    assert faded[0] == x[0] and faded[-1] == 0


def test_channel_band_and_rates():
    rate = 16000
    t = np.arange(rate) / rate
    low = 0.3 * np.sin(2 * np.pi * 100 * t)
    mid = 0.3 * np.sin(2 * np.pi * 1000 * t)
    narrow = TelephoneChannel("ulaw", "narrow")
    y_low, r = narrow.apply(low, rate)
    y_mid, _ = narrow.apply(mid, rate)
    assert r == 8000 and len(y_mid) == 8000
    assert np.std(y_low[2000:]) < 0.2 * np.std(y_mid[2000:])
    wide_low, r2 = TelephoneChannel(None, "wide").apply(low, rate)
    assert r2 == 16000 and np.std(wide_low[4000:]) > 0.5 * np.std(low)
    with pytest.raises(ValueError, match="band"):
        TelephoneChannel(band="ultra").apply(low, rate)


def test_lossy_channel_is_seeded():
    x = 0.3 * np.sin(np.arange(16000) / 5.0)
    channel = TelephoneChannel("alaw", loss=BernoulliLoss(0.2), jitter_ms=30)
    a, _ = channel.apply(x, 16000, seed=1)
    b, _ = channel.apply(x, 16000, seed=1)
    c, _ = TelephoneChannel("alaw").apply(x, 16000, seed=1)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
