"""Property tests (hypothesis, derandomized): every format round-trips what it can represent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdialog.dialog import Context, Dialog, Event, Turn

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

keys = st.text(max_size=4)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(keys, inner, max_size=2),
    max_leaves=4,
)
extra_keys = st.from_regex(r"x_[a-z]{1,6}", fullmatch=True)
extras = st.dictionaries(extra_keys, json_values, max_size=2)
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)


@st.composite
def turns(draw: Any, speakers: Any = None, texts: Any = None, metadata: Any = extras) -> Turn:
    speaker = draw(speakers if speakers is not None else st.none() | names)
    text = draw(texts if texts is not None else st.text(max_size=40))
    return Turn(speaker=speaker, text=text, **draw(metadata))


@st.composite
def events(draw: Any) -> Event:
    return Event(
        agent=draw(st.none() | names),
        action=draw(st.sampled_from(["utter", "instruct", "think", "tool", "other"])),
        actionLabel=draw(st.none() | st.sampled_from(["call", "output"])),
        content=draw(
            st.none() | st.text(max_size=20) | st.dictionaries(keys, json_values, max_size=3)
        ),
        timestamp=draw(st.floats(0, 2e9, allow_nan=False)),
        **draw(extras),
    )


@st.composite
def dialogs(draw: Any, turn_strategy: Any = None) -> Dialog:
    return Dialog(
        id=draw(st.text(min_size=1, max_size=12)),
        parentId=draw(st.none() | st.text(max_size=12)),
        timestamp=draw(st.text(max_size=25)),
        model=draw(
            st.none() | st.text(max_size=10) | st.dictionaries(names, json_values, max_size=2)
        ),
        seed=draw(st.none() | st.integers(-(2**63), 2**63 - 1)),
        complete=draw(st.none() | st.booleans()),
        personas=draw(
            st.dictionaries(
                names, st.dictionaries(st.text(max_size=5), json_values, max_size=3), max_size=2
            )
        ),
        context=draw(
            st.none()
            | st.text(max_size=20)
            | st.builds(
                Context,
                location=st.none() | st.text(max_size=10),
                topics=st.none() | st.lists(st.text(max_size=5), max_size=2),
            )
        ),
        scenario=draw(json_values),
        notes=draw(st.none() | st.text(max_size=20)),
        turns=draw(st.lists(turn_strategy if turn_strategy is not None else turns(), max_size=4)),
        events=draw(st.lists(events(), max_size=3)),
        **draw(extras),
    )


@SETTINGS
@given(dialogs())
def test_json_round_trip(dialog: Dialog) -> None:
    assert Dialog.from_json(dialog.json(string=True)) == dialog
    assert Dialog.from_dict(json.loads(json.dumps(dialog.json()))) == dialog


@SETTINGS
@given(dialogs())
def test_json_file_round_trip(tmp_path: Path, dialog: Dialog) -> None:
    path = tmp_path / "d.json"
    dialog.to_file(path)
    assert Dialog.from_file(path) == dialog


@SETTINGS
@given(st.lists(dialogs(), max_size=3))
def test_jsonl_round_trip_many(tmp_path: Path, many: list[Dialog]) -> None:
    path = tmp_path / "all.jsonl"
    Dialog.to_jsonl(many, path)
    assert Dialog.from_file(path) == many
    assert list(Dialog.iter_jsonl(path)) == many


# txt: a speaker has no line break, no ": " and no surrounding spaces; a text has no line break.
line_chars = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\r\n")
txt_speakers = (
    st.text(line_chars, min_size=1, max_size=10)
    .map(str.strip)
    .filter(lambda s: s != "" and ": " not in s)
)
txt_texts = st.text(line_chars, max_size=40)


@SETTINGS
@given(st.lists(turns(txt_speakers, txt_texts, st.just({})), max_size=8))
def test_txt_round_trip(tmp_path: Path, turn_list: list[Turn]) -> None:
    path = tmp_path / "d.txt"
    Dialog(turns=turn_list).to_file(path)
    assert Dialog.from_file(path).turns == turn_list
    assert Dialog.from_str(Dialog(turns=turn_list).description()).turns == turn_list


# csv: anything goes in texts (commas, quotes, line breaks); an empty speaker cell reads as "".
csv_chars = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00")
csv_speakers = st.just("") | st.text(csv_chars, min_size=1, max_size=10)
csv_texts = st.text(csv_chars, max_size=40) | st.sampled_from(
    ['a, "b"', '""', ",", '"\n"', "x\r\ny"]
)
csv_metadata = st.dictionaries(extra_keys, st.text(csv_chars, min_size=1, max_size=8), max_size=2)


@SETTINGS
@given(st.lists(turns(csv_speakers, csv_texts, csv_metadata), max_size=8))
@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_csv_round_trip(tmp_path: Path, suffix: str, turn_list: list[Turn]) -> None:
    path = tmp_path / f"d{suffix}"
    Dialog(turns=turn_list).to_file(path)
    assert Dialog.from_file(path).turns == turn_list
    by_index = Dialog.from_file(path, speaker_col=0, text_col=1)  # header detected and skipped
    assert [(t.speaker, t.text) for t in by_index] == [(t.speaker, t.text) for t in turn_list]


@SETTINGS
@given(
    st.lists(
        dialogs(turns(csv_speakers, csv_texts, st.just({}))),
        min_size=1,
        max_size=3,
        unique_by=lambda d: d.id,
    )
)
def test_csv_many_dialogs_round_trip(tmp_path: Path, many: list[Dialog]) -> None:
    path = tmp_path / "all.csv"
    Dialog.to_csv(many, path)
    loaded = Dialog.from_file(path, dialog_id_col="dialog_id")
    expected = [(d.id, d.turns) for d in many if d.turns]  # a dialog without turns has no rows
    assert [(d.id, d.turns) for d in loaded] == expected


@settings(SETTINGS, max_examples=10)
@given(st.lists(dialogs(), max_size=4))
def test_huggingface_round_trip(many: list[Dialog]) -> None:
    pytest.importorskip("datasets")
    assert Dialog.from_huggingface(Dialog.to_huggingface(many)) == many


@SETTINGS
@given(dialogs(), st.integers(-6, 6), st.integers(-6, 6), st.sampled_from([None, 1, 2, -1]))
def test_slices_match_list_slices(dialog: Dialog, start: int, stop: int, step: int | None) -> None:
    part = dialog[start:stop:step]
    assert part.turns == dialog.turns[start:stop:step]
    assert part.parentId == dialog.id
    assert all(e in dialog.events for e in part.events)
