"""SDialog-shaped room API on our Room: geometry, furniture, talkers, microphones, directivity,
generators (public API only)."""

import numpy as np
import pytest

from sdialog.audio.geometry import MicrophoneDirectivity
from sdialog.audio.jsalt import MedicalRoomGenerator, RoomRole
from sdialog.audio.room import (
    Dimensions3D,
    DirectivityType,
    MicrophonePosition,
    Position3D,
    Room,
    RoomPosition,
)
from sdialog.audio.room_generator import BasicRoomGenerator
from sdialog.audio.utils import Furniture, Role, SpeakerSide


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SDIALOG_CACHE_DIR", str(tmp_path / "cache"))


def desk_room(**kwargs) -> Room:
    desk = Furniture(name="desk", x=2.0, y=2.0, width=1.2, depth=0.7, height=0.76)
    return Room(dimensions=Dimensions3D(5, 4.5, 3), furnitures={"desk": desk}, **kwargs)


def test_geometry_values_and_errors():
    a, b = Position3D(1, 1, 1.2), Position3D(4, 5, 1.2)
    assert a.distance_to(b, dimensions=2) == pytest.approx(5.0)
    assert a.distance_to([4, 5, 13.2]) == pytest.approx(13.0)
    with pytest.raises(ValueError, match="non-negative"):
        Position3D(0, -0.1, 1)
    with pytest.raises(ValueError, match="Invalid dimensions"):
        a.distance_to(b, dimensions=1)
    dims = Dimensions3D(width=4, length=3, height=2.5)
    assert (dims.floor_area, dims.volume, list(dims)) == (12, 30.0, [4, 3, 2.5])
    with pytest.raises(ValueError, match="positive"):
        Dimensions3D(width=4, length=0, height=2.5)


def test_reference_form_seats_two_talkers_at_mouth_height_and_places_a_ceiling_mic():
    room = Room(dimensions=Dimensions3D(5, 4, 3))
    assert set(room.speakers_positions) == {"speaker_1", "speaker_2"}
    for position in room.speakers_positions.values():
        assert position.z == pytest.approx(1.2)  # not furniture height + 0.1 m
    assert room.mic_position == MicrophonePosition.CEILING_CENTERED
    assert room.mic_position_3d.z == pytest.approx(2.7)
    assert room.microphones == [room.mic_position_3d.to_list()]
    front, back = room.speakers_positions["speaker_1"], room.speakers_positions["speaker_2"]
    assert front.y < 2.0 < back.y  # in front of / behind the centre


def test_list_form_keeps_our_behaviour():
    room = Room([4, 3.5, 2.8], rt60=0.4)
    assert room.speakers == {} and room.microphones == []
    room.place_speaker("A", [1.2, 1.5], posture="standing")
    assert room.speakers["A"] == [1.2, 1.5, 1.6]


def test_place_speaker_checks_walls_furniture_and_height_and_allows_many_talkers():
    room = desk_room()
    with pytest.raises(ValueError, match="is not valid, the speaker wasn't placed"):
        room.place_speaker(Role.SPEAKER_1, Position3D(5.2, 2, 1.2))
    with pytest.raises(ValueError, match="inside furniture 'desk'"):
        room.place_speaker("speaker_3", Position3D(2.5, 2.3, 1.2))
    with pytest.raises(ValueError, match="mouth height"):
        room.place_speaker("speaker_3", Position3D(1, 1, 0.1))
    for i in range(3, 6):
        room.place_speaker_around_furniture(f"speaker_{i}", "desk", max_distance=0.8)
    assert len(room.speakers) == 5


@pytest.mark.parametrize("side", list(SpeakerSide))
def test_talker_lands_on_the_requested_side(side):
    room = desk_room()
    room.place_speaker_around_furniture("guest", "desk", max_distance=0.6, side=side, seed=4)
    p, d = room.speakers_positions["guest"], room.furnitures["desk"]
    checks = {
        SpeakerSide.FRONT: p.y < d.y and d.x <= p.x <= d.x + d.width,
        SpeakerSide.BACK: p.y > d.y + d.depth,
        SpeakerSide.LEFT: p.x < d.x and d.y <= p.y <= d.y + d.depth,
        SpeakerSide.RIGHT: p.x > d.x + d.width,
    }
    assert checks[side]
    with pytest.raises(ValueError, match="not found"):
        room.place_speaker_around_furniture("guest", "piano")


def test_directivity_aims_at_talkers_and_is_applied_by_pyroomacoustics(tmp_path):
    room = desk_room()
    room.place_speaker("speaker_1", Position3D(1.0, 1.0, 1.2))
    room.place_speaker("speaker_2", Position3D(4.0, 3.5, 1.2))
    room.set_mic_position(MicrophonePosition.CUSTOM, Position3D(2.5, 2.25, 1.2))
    room.set_directivity(DirectivityType.NORTH)
    assert (room.microphone_directivity.azimuth, room.microphone_directivity.colatitude) == (0, 90)
    ratios = {}
    for target in (DirectivityType.SPEAKER_1, DirectivityType.SPEAKER_2):
        room.set_directivity(target)
        assert room.microphone_directivity.colatitude == 90  # same height: horizontal
        rirs = room.rirs(16000, cache_dir=tmp_path)
        direct = {s: float(np.max(np.abs(r[0]))) for s, r in rirs.items()}
        ratios[target] = direct["speaker_1"] / direct["speaker_2"]
    assert ratios[DirectivityType.SPEAKER_1] > 3 * ratios[DirectivityType.SPEAKER_2]
    room.set_directivity(DirectivityType.OMNIDIRECTIONAL)
    assert room.directivity is None
    with pytest.raises(ValueError, match="required for custom"):
        room.set_directivity(DirectivityType.CUSTOM)
    room.set_directivity(
        DirectivityType.CUSTOM, MicrophoneDirectivity(45, 90, pattern="figure_eight")
    )
    assert room.directivity.pattern == "figure_eight"


def test_ceiling_mic_aimed_at_a_seated_talker_points_down():
    room = Room(dimensions=Dimensions3D(5, 4, 3))
    room.set_directivity(DirectivityType.SPEAKER_1)
    assert room.microphone_directivity.colatitude > 90


def test_named_mic_positions_stay_inside_the_room():
    room = desk_room()
    for kind in MicrophonePosition:
        if kind == MicrophonePosition.CUSTOM:
            continue
        room.set_mic_position(kind)
        room.validate()
    assert room.room_position_to_position3d(RoomPosition.TOP_RIGHT).x > 4
    assert room.get_bottom_left_corner().to_list() == [0.3, 0.3, 1.2]
    assert room.get_top_right_corner().y == pytest.approx(4.2)


def test_talker_moved_outside_is_reported():
    room = Room(dimensions=Dimensions3D(5, 4, 3))
    room.speakers_positions["speaker_1"] = Position3D(9, 1, 1.2)
    with pytest.raises(ValueError, match="outside the room boundaries"):
        room.validate()


def test_top_view_image():
    image = desk_room().to_image(pixels_per_metre=50)
    assert desk_room().to_image(show_anchors=False, show_walls=False).size == (560, 510)
    assert image.size == (5 * 50 + 60, int(4.5 * 50) + 60)
    pixels = np.asarray(image.convert("RGB"))
    assert (pixels != 255).any()


def test_generators_are_seeded_and_do_not_mutate_args():
    args = {"room_type": "random"}
    a = MedicalRoomGenerator(seed=5).generate(args)
    b = MedicalRoomGenerator(seed=5).generate(args)
    assert args == {"room_type": "random"}
    assert (a.name, a.speakers, a.rt60) == (b.name, b.speakers, b.rt60)
    for role in RoomRole:
        room = MedicalRoomGenerator(seed=1).generate({"room_type": role})
        assert {"desk", "bench", "door"} <= set(room.furnitures)
        assert 0.3 <= room.rt60 <= 0.9
    basic = BasicRoomGenerator(seed=2).generate({"room_size": 18.0})
    assert basic.dimensions.floor_area == pytest.approx(18.0)
    with pytest.raises(ValueError, match="room_size"):
        BasicRoomGenerator().generate({})
    with pytest.raises(ValueError, match="room_type"):
        MedicalRoomGenerator().generate({"room_type": "kitchen"})


def test_reverberation_time_ratio_is_the_rt60_and_tall_rooms_are_allowed():
    warehouse = Room(dimensions=Dimensions3D(20, 25, 10), reverberation_time_ratio=0.47)
    assert warehouse.rt60 == 0.47 and warehouse.get_volume() == 5000
    a = warehouse.speakers_positions["speaker_1"]
    assert a.distance_to(warehouse.speakers_positions["speaker_2"], 2) >= 0.5
