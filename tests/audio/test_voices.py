import copy

import pytest

from sdialog.audio.tts import Voice
from sdialog.audio.voices import VoiceDatabase, assign_voices, parse_age, parse_gender


@pytest.mark.parametrize(
    "value, years",
    [
        (None, None),
        ("", None),
        ("unknown", None),
        (42, 42.0),
        ("42", 42.0),
        ("30s", 35.0),
        ("early 20s", 22.0),
        ("middle-aged", 50.0),
        ("elderly", 74.0),
        ("young adult", 24.0),
        ("30-40", 35.0),
    ],
)
def test_parse_age(value, years):
    assert parse_age(value) == years


def test_parse_gender():
    assert [parse_gender(x) for x in ("F", "Male", "woman", "", None)] == [
        "female",
        "male",
        "female",
        None,
        None,
    ]


def test_assignment_follows_personas_and_never_mutates():
    db = VoiceDatabase.from_engines(["synthetic"])
    before = copy.deepcopy(list(db))
    personas = {
        "Ann": {"gender": "female", "age": "elderly"},
        "Bob": {"gender": "male", "age": "30s"},
        "Cy": {"age": ""},
        "Di": {},
    }
    overrides = {"Di": "synthetic:m3"}
    frozen_overrides = dict(overrides)
    voices = assign_voices(["Ann", "Bob", "Cy", "Di"], personas, db, seed=3, overrides=overrides)
    assert voices["Ann"].gender == "female" and voices["Ann"].age >= 60
    assert voices["Bob"].gender == "male" and voices["Bob"].age < 45
    assert voices["Di"].id == "synthetic:m3"
    assert len({v.id for v in voices.values()}) == 4  # distinct while enough voices exist
    assert list(db) == before and overrides == frozen_overrides
    assert (
        assign_voices(["Ann", "Bob", "Cy", "Di"], personas, db, seed=3, overrides=overrides)
        == voices
    )


def test_more_speakers_than_voices_reuses():
    db = VoiceDatabase([Voice("a", "synthetic", "female", 30), Voice("b", "synthetic", "male", 30)])
    voices = assign_voices([f"S{i}" for i in range(5)], None, db, seed=0)
    assert len(voices) == 5 and {v.id for v in voices.values()} == {"a", "b"}


def test_bad_database_and_override():
    with pytest.raises(ValueError, match="duplicate"):
        VoiceDatabase([Voice("a", "x", "male", 1), Voice("a", "x", "male", 1)])
    db = VoiceDatabase.from_engines(["synthetic"])
    with pytest.raises(KeyError, match="unknown voice"):
        assign_voices(["A"], {}, db, overrides={"A": "nope"})
    with pytest.raises(ValueError, match="empty"):
        assign_voices(["A"], {}, VoiceDatabase([]))
