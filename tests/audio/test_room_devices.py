import numpy as np
import pytest

from sdialog.audio.devices import DEVICES, Device, get_device
from sdialog.audio.room import Room
from sdialog.audio.room_presets import PRESETS, make_room


@pytest.mark.parametrize(
    "rt60, dims", [(0.3, [4.0, 3.5, 2.8]), (0.6, [5.0, 4.0, 3.0]), (0.9, [7, 5, 3])]
)
def test_measured_rt60_within_20_percent(rt60, dims, rir_cache):
    room = Room(dims, rt60)
    room.place_speaker("A", [1.0, 1.2], "seated")
    room.place_speaker("B", [dims[0] - 1.0, dims[1] - 1.0], "standing")
    room.place_microphone([dims[0] / 2, dims[1] / 2, 0.8])
    meta = room.metadata(16000, cache_dir=rir_cache)
    for measured in meta["rt60_measured"].values():
        assert abs(measured - rt60) / rt60 < 0.2
    assert meta["distances"]["A"][0] == pytest.approx(
        np.linalg.norm(np.subtract([1.0, 1.2, 1.2], [dims[0] / 2, dims[1] / 2, 0.8])), abs=1e-3
    )


def test_rir_cache_memory_and_disk(rir_cache):
    from sdialog.audio import room as room_module

    def build():
        r = Room([4, 3, 2.7], 0.4, seed=2)
        r.place_speaker("A", [1, 1, 1.2])
        r.place_microphone([2, 1.5, 0.8])
        return r

    first = build().rirs(16000, cache_dir=rir_cache)["A"]
    assert len(list(rir_cache.glob("*.npy"))) == 1
    room_module._MEMORY.clear()
    second = build().rirs(16000, cache_dir=rir_cache)["A"]
    assert np.array_equal(first, second)
    other = build()
    other.place_speaker("A", [1.5, 1, 1.2])
    assert other.key(16000) != build().key(16000)


def test_hybrid_reverb_is_deterministic(tmp_path):
    from sdialog.audio import room as room_module

    outs = []
    for i in range(2):
        room_module._MEMORY.clear()
        r = Room([4, 3, 2.7], 0.5)
        r.place_speaker("A", [1, 1, 1.2])
        r.place_microphone([2, 1.5, 0.8])
        outs.append(r.rirs(16000, cache_dir=tmp_path / str(i))["A"])
    assert np.array_equal(*outs)


@pytest.mark.parametrize(
    "position, match",
    [([5.0, 1.0, 1.2], "outside"), ([0.1, 1.0, 1.2], "closer"), ([1.0, 1.0, 0.1], "height")],
)
def test_positions_validated(position, match):
    room = Room([4, 3, 2.7], 0.4)
    with pytest.raises(ValueError, match=match):
        room.place_speaker("A", position)


def test_room_argument_errors():
    with pytest.raises(ValueError, match="dimensions"):
        Room([4, 3], 0.4)
    with pytest.raises(ValueError, match="rt60"):
        Room([4, 3, 2.7], 9.0)
    with pytest.raises(ValueError, match="posture"):
        Room([4, 3, 2.7]).place_speaker("A", [1, 1], posture="floating")
    with pytest.raises(ValueError, match="unknown room"):
        make_room("spaceship", ["A"])


def test_materials_room(rir_cache):
    room = Room([5, 4, 3], None, materials="hard_surface")
    room.place_speaker("A", [1, 1, 1.2])
    room.place_microphone([3, 2, 0.8])
    meta = room.metadata(16000, cache_dir=rir_cache)
    assert meta["rt60_used"] > 1.0 and meta["rt60_measured"]["A"] > 0.8


@pytest.mark.parametrize("preset", sorted(PRESETS))
@pytest.mark.parametrize("n_speakers", [1, 2, 3, 5])
def test_presets_place_realistically(preset, n_speakers):
    names = [f"S{i}" for i in range(n_speakers)]
    room = make_room(preset, names, seed=n_speakers)
    assert sorted(room.speakers) == names
    for *_, z in room.speakers.values():
        assert 1.1 <= z <= 1.7  # seated ~1.2 m or standing ~1.6 m mouths
    mic_z = room.microphones[0][2]
    assert 0.7 <= mic_z <= 0.9 or mic_z >= room.dimensions[2] - 0.5
    assert make_room(preset, names, seed=n_speakers).speakers == room.speakers


def test_microphone_array(rir_cache):
    room = make_room("office", ["A", "B"], seed=0, array=4)
    assert len(room.microphones) == 4
    wet = room.apply({"A": np.ones(100, dtype=np.float32)}, 16000, cache_dir=rir_cache)
    assert wet.shape == (4, 100)


@pytest.mark.parametrize("name", sorted(DEVICES))
def test_devices_shape_the_spectrum(name):
    rate = 16000
    rng = np.random.default_rng(0)
    x = (0.1 * rng.standard_normal(rate)).astype(np.float32)
    y = get_device(name).apply(x, rate, seed=1)
    assert y.shape == x.shape and y.dtype == np.float32 and np.max(np.abs(y)) <= 1.0
    assert np.array_equal(y, get_device(name).apply(x, rate, seed=1))
    spectrum = np.abs(np.fft.rfft(y)) / (np.abs(np.fft.rfft(x)) + 1e-9)
    freqs = np.fft.rfftfreq(rate, 1 / rate)
    low = np.median(spectrum[(freqs > 40) & (freqs < 80)])
    mid = np.median(spectrum[(freqs > 900) & (freqs < 1100)])
    if DEVICES[name].highpass_hz >= 150:
        assert low < 0.5 * mid  # bass cut of phone-like devices


def test_device_clipping_and_user_ir(tmp_path):
    from sdialog.audio.io import write_audio

    loud = np.full(1000, 0.95, dtype=np.float32)
    assert np.max(get_device("speakerphone").apply(loud, 16000)) <= 0.9
    ir = np.zeros(200, dtype=np.float32)
    ir[0], ir[100] = 1.0, 0.5
    path = write_audio(tmp_path / "ir.wav", ir, 16000)
    echo = Device("echo", impulse_response=str(path)).apply(np.r_[1.0, np.zeros(299)], 16000)
    assert echo[100] == pytest.approx(0.5, abs=1e-3)
    with pytest.raises(ValueError, match="device"):
        get_device("tin-can")
