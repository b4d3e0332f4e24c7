"""Regression tests for issue 12 items 6 and 7 (and issue 11's reference option names): what the
library writes it can read back unchanged, and bad input is a clear error naming the file."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from sdialog.dialog import Dialog, DialogFormatError, Event, Turn
from sdialog.dialog.io import dumps


def turns_of(path: Path, **options: object) -> list[tuple[str | None, str]]:
    return [(t.speaker, t.text) for t in Dialog.from_file(path, **options)]


# ---------------------------------------------------------------------- item 6: round trips
@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_csv_cell_over_the_csv_module_limit(tmp_path: Path, suffix: str) -> None:
    big = "x" * 200_000  # csv.field_size_limit() is 131,072 by default
    path = tmp_path / f"d{suffix}"
    Dialog(turns=[Turn("A", big)]).to_file(path)
    assert turns_of(path) == [("A", big)]
    import csv

    assert csv.field_size_limit() == 131_072  # the module-wide limit is restored


def test_txt_empty_and_missing_speaker_read_back(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    Dialog(turns=[Turn("", "hi"), Turn(None, "Note: look here"), Turn("A", "ok")]).to_file(path)
    assert path.read_text(encoding="utf-8") == ": hi\n: Note: look here\nA: ok\n"
    assert turns_of(path) == [("", "hi"), ("", "Note: look here"), ("A", "ok")]


def test_txt_whitespace_only_turns_kept(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    Dialog(turns=[Turn("A", "   "), Turn(None, "\t"), Turn("B", "")]).to_file(path)
    assert turns_of(path) == [("A", "   "), ("", "\t"), ("B", "")]


def test_txt_turn_that_cannot_read_back_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    with pytest.raises(DialogFormatError, match=r"turn 1 .* would not read back") as info:
        Dialog(turns=[Turn("A", "x"), Turn("a: b", "c")]).to_file(path)
    assert info.value.source == str(path) and not path.exists()
    with pytest.raises(DialogFormatError, match="turn 0"):  # an empty text with "{text}" only
        Dialog(turns=[Turn("A", "")]).to_file(path, template="{text}")


def test_txt_cr_only_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_bytes(b"A: hi\rB: ho\r\rC: x")
    assert turns_of(path) == [("A", "hi"), ("B", "ho"), ("C", "x")]


def test_csv_empty_speaker_stays_empty(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    Dialog(turns=[Turn("", "hi")]).to_file(path)
    assert turns_of(path) == [("", "hi")]
    assert turns_of(path, default_speakers=["X"]) == [("X", "hi")]


def test_append_to_torn_jsonl_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "all.jsonl"
    Dialog.to_jsonl([Dialog(id="a")], path)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"id": "b", "tur')  # a write cut short
    before = path.read_bytes()
    with pytest.raises(DialogFormatError, match=r"all\.jsonl:2: the last line is incomplete"):
        Dialog.to_jsonl([Dialog(id="c")], path, append=True)
    assert path.read_bytes() == before
    # a whole last line without its newline is fine: the newline is added first
    path.write_text(json.dumps(Dialog(id="a").json()), encoding="utf-8")
    Dialog.to_jsonl([Dialog(id="c")], path, append=True)
    assert [d.id for d in Dialog.from_file(path)] == ["a", "c"]


def test_nan_timestamp_refused_and_never_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="finite"):
        Event(action="x", timestamp=float("nan"))
    path = tmp_path / "d.json"
    Dialog(turns=[Turn("A", "x", score=float("nan"))]).to_file(path)  # metadata: null
    json.loads(path.read_text(encoding="utf-8"), parse_constant=pytest.fail)
    with pytest.raises(DialogFormatError, match=r"<json>: cannot write as JSON"):
        dumps({"x": float("inf")}, source="<json>")
    path.write_text('{"id": "x", "score": NaN}', encoding="utf-8")
    with pytest.raises(DialogFormatError, match=r"d\.json: invalid JSON: NaN is not valid JSON"):
        Dialog.from_file(path)


@pytest.mark.parametrize(
    ("header_and_row", "message"),
    [
        ("speaker,text,text\nA,hi,ho\n", r":1: the header names column 'text' twice"),
        ("speaker,text,speaker\nA,hi,B\n", r":1: the header names column 'speaker' twice"),
        ("speaker,text\nA,hi,extra\n", r":2: cell 3 \('extra'\) is beyond the header"),
        ("speaker,text,\nA,hi,zz\n", r":2: cell 3 \('zz'\) is under an unnamed column"),
        ("who,text,speaker\nA,hi,B\n", r":1: column 'speaker' is not the speaker column"),
    ],
)
def test_csv_columns_never_dropped_silently(
    tmp_path: Path, header_and_row: str, message: str
) -> None:
    path = tmp_path / "d.csv"
    path.write_text(header_and_row, encoding="utf-8")
    options = {"speaker_col": "who"} if header_and_row.startswith("who") else {}
    with pytest.raises(DialogFormatError, match=message) as info:
        Dialog.from_file(path, **options)
    assert info.value.source == str(path)


def test_csv_trailing_empty_cells_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("speaker,text,\nA,hi,\nB,yo,,\n", encoding="utf-8")
    assert turns_of(path) == [("A", "hi"), ("B", "yo")]


# ------------------------------------------------------------------------ item 7: errors
def test_deeply_nested_json_names_the_file(tmp_path: Path) -> None:
    for name, text in [("deep.json", "[" * 5000 + "]" * 5000), ("deep.jsonl", "[" * 5000)]:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(DialogFormatError, match="nested too deeply") as info:
            Dialog.from_file(path)
        assert info.value.source == str(path)


def test_from_str_needs_a_string() -> None:
    with pytest.raises(TypeError, match="got NoneType"):
        Dialog.from_str(None)  # type: ignore[arg-type]


def test_folder_given_to_from_file(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match=r"use Dialog\.from_folder"):
        Dialog.from_file(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_fifo_and_device_are_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(DialogFormatError, match=r"pipe\.json: not a regular file"):
        Dialog.from_file(fifo)  # returns at once: a FIFO is never opened
    if os.path.exists("/dev/zero"):
        with pytest.raises(DialogFormatError, match="/dev/zero: not a regular file"):
            Dialog.from_file("/dev/zero", format="json")


def test_lone_surrogates(tmp_path: Path) -> None:
    d = Dialog(turns=[Turn("A", "bad \ud800 text")])
    for name in ("d.json", "d.jsonl"):  # JSON escapes it: lossless
        d.to_file(tmp_path / name)
        loaded = Dialog.from_file(tmp_path / name)
        assert (loaded if isinstance(loaded, Dialog) else loaded[0]).turns == d.turns
    for name in ("d.csv", "d.txt"):  # plain UTF-8 text cannot hold it
        with pytest.raises(DialogFormatError, match=r"cannot write '\\ud800' as UTF-8"):
            d.to_file(tmp_path / name)
        assert not (tmp_path / name).exists()


def test_folder_rules_hidden_skipped_extensions_any_case(tmp_path: Path) -> None:
    Dialog(id="hidden").to_file(tmp_path / ".hidden.json")
    Dialog(id="upper").to_file(tmp_path / "D3.JSON", format="json")
    Dialog(id="lower").to_file(tmp_path / "d1.json")
    (tmp_path / ".git").mkdir()
    Dialog(id="in-hidden-dir").to_file(tmp_path / ".git" / "x.json")
    assert [d.id for d in Dialog.from_folder(tmp_path)] == ["lower", "upper"]
    assert [d.id for d in Dialog.from_folder(tmp_path, "**/*.json")] == ["lower", "upper"]


# ------------------------------------------------------ issue 11: the reference's option names
def test_reference_option_names(tmp_path: Path) -> None:
    txt = tmp_path / "d.txt"
    txt.write_text("[A] hi\n[B] yo\n", encoding="utf-8")
    assert turns_of(txt, txt_template="[{speaker}] {text}") == [("A", "hi"), ("B", "yo")]
    csv_path = tmp_path / "d.csv"
    csv_path.write_text("who,what\nA,hi\n", encoding="utf-8")
    assert turns_of(csv_path, csv_speaker_col="who", csv_text_col="what") == [("A", "hi")]
    assert turns_of(csv_path, csv_speaker_col=0, csv_text_col=1, has_header=True) == [("A", "hi")]
    # like the reference, each applies to its own format and the others ignore it
    Dialog(id="j").to_file(tmp_path / "j.json")
    assert Dialog.from_file(tmp_path / "j.json", txt_template="{text}", csv_text_col=1).id == "j"
    with pytest.raises(TypeError, match="not both"):
        Dialog.from_file(csv_path, csv_text_col="what", text_col="what")
    folder = Dialog.from_folder(tmp_path, "*.csv", csv_speaker_col="who", csv_text_col="what")
    assert [t.text for t in folder[0]] == ["hi"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_new_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        Dialog().to_file(tmp_path / "d.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "d.json").stat().st_mode) == 0o644


def test_csv_writer_refuses_columns_it_could_not_read_back(tmp_path: Path) -> None:
    path = tmp_path / "all.csv"
    clash = Dialog(id="a", turns=[Turn("A", "x", dialog_id="z")])
    with pytest.raises(DialogFormatError, match="'dialog_id' would be a CSV column"):
        Dialog.to_csv([clash], path)
    with pytest.raises(DialogFormatError, match="'' would be a CSV column"):
        Dialog(turns=[Turn("A", "x", **{"": "z"})]).to_file(path)
    assert not path.exists()


def test_json_deeper_than_can_be_written_is_refused_on_reading(tmp_path: Path) -> None:
    def nested(depth: int) -> list:
        value: list = []
        for _ in range(depth):
            value = [value]
        return value

    path = tmp_path / "d.json"
    path.write_text(json.dumps({"x": nested(150)}), encoding="utf-8")
    loaded = Dialog.from_file(path)
    loaded.to_file(tmp_path / "again.json")  # what is read can be written back
    assert Dialog.from_file(tmp_path / "again.json") == loaded
    path.write_text(json.dumps({"x": nested(400)}), encoding="utf-8")
    with pytest.raises(DialogFormatError, match=r"d\.json: JSON nested deeper than 200 levels"):
        Dialog.from_file(path)
    with pytest.raises(DialogFormatError, match=r"out\.json: cannot write as JSON"):
        Dialog.from_dict({"x": nested(400)}).to_file(tmp_path / "out.json")
