"""Fuzzed loaders (issue 12): any file content either loads and then round-trips unchanged
through the same format, or raises DialogFormatError naming the file. Never another exception,
never a silent change on the way back."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdialog.dialog import Dialog, DialogFormatError

FUZZ = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Characters that matter to the parsers, plus some ordinary and unusual ones.
special = st.sampled_from(list(",;:\t\n\r \"'{}[]\\\x00\x0b\x1c\u2028\ufeffé"))
chars = st.one_of(special, st.characters(codec="utf-8"), st.sampled_from("ABab01 "))
raw_text = st.text(chars, max_size=60)
with_surrogates = st.text(st.one_of(chars, st.just("\ud800")), max_size=20)


def load_or_format_error(path: Path, **options: Any) -> Any:
    """The loaded value, or None after checking the error is ours and names the file."""
    try:
        return Dialog.from_file(path, **options)
    except DialogFormatError as err:
        assert err.source == str(path), err
        assert str(err).startswith(str(path)), err
        return None


def as_list(loaded: Any) -> list[Dialog]:
    return loaded if isinstance(loaded, list) else [loaded]


def write_bytes(path: Path, text: str, junk: bytes = b"") -> None:
    path.write_bytes(text.encode("utf-8") + junk)


junk_bytes = st.just(b"") | st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\x00", b"\r"])


# ---------------------------------------------------------------------------- JSON / JSONL
json_scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | raw_text
json_like = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(raw_text, inner, max_size=3),
    max_leaves=5,
)
turn_like = st.fixed_dictionaries(
    {"speaker": st.none() | raw_text, "text": raw_text},
    optional={"x": json_like},
)
dialog_like = st.fixed_dictionaries(
    {},
    optional={
        "id": raw_text | st.integers(),
        "turns": st.lists(turn_like, max_size=3) | st.lists(turn_like | json_like, max_size=2),
        "events": st.lists(
            st.fixed_dictionaries(
                {"action": raw_text}, optional={"timestamp": st.floats(), "content": json_like}
            ),
            max_size=2,
        ),
        "seed": json_like,
        "notes": json_like | with_surrogates,
    },
)


def json_text(value: Any) -> str:
    """JSON as a careless writer makes it: NaN/Infinity included; lone surrogates escaped."""
    text = json.dumps(value, ensure_ascii=False)
    return re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)


json_documents = st.one_of(
    st.builds(json_text, dialog_like),
    st.builds(json_text, st.lists(dialog_like, max_size=3)),
    st.builds(json_text, json_like),
    raw_text,
    st.builds(lambda depth: "[" * depth + "]" * depth, st.integers(900, 3000)),
    st.builds(lambda depth: '{"x": ' + "[" * depth + "]" * depth + "}", st.integers(150, 1200)),
)


@FUZZ
@given(json_documents, junk_bytes)
def test_json_loads_losslessly_or_names_the_file(tmp_path: Path, text: str, junk: bytes) -> None:
    path = tmp_path / "in.json"
    write_bytes(path, text, junk)
    loaded = load_or_format_error(path)
    if loaded is None:
        return
    out = tmp_path / "out.json"
    if isinstance(loaded, list):
        Dialog.to_jsonl(loaded, tmp_path / "out.jsonl")
        assert Dialog.from_file(tmp_path / "out.jsonl") == loaded
    else:
        loaded.to_file(out)
        assert Dialog.from_file(out) == loaded


@FUZZ
@given(
    st.lists(st.builds(json_text, dialog_like), max_size=3) | st.lists(json_documents, max_size=3)
)
def test_jsonl_loads_losslessly_or_names_the_file(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "in.jsonl"
    write_bytes(path, "\n".join(lines))
    loaded = load_or_format_error(path)
    if loaded is None:
        return
    out = tmp_path / "out.jsonl"
    Dialog.to_jsonl(loaded, out)
    Dialog.to_jsonl(loaded, out, append=True)
    assert Dialog.from_file(out) == loaded + loaded


# ------------------------------------------------------------------------------- CSV / TSV
cells = st.text(st.one_of(special, st.sampled_from('ABab01 ,"\t\r\n')), max_size=12)
headers = st.sampled_from(["speaker,text", "speaker,text,x", "text,speaker", "speaker,text,"])
plain_cells = st.text(st.sampled_from("ABab01 é:"), max_size=8)
rows = st.lists(st.lists(plain_cells | cells, min_size=1, max_size=3), max_size=8)


@FUZZ
@given(headers | cells, rows, junk_bytes)
@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_csv_loads_losslessly_or_names_the_file(
    tmp_path: Path, suffix: str, header: str, body: list[list[str]], junk: bytes
) -> None:
    sep = "\t" if suffix == ".tsv" else ","
    path = tmp_path / f"in{suffix}"
    lines = [header.replace(",", sep)] + [sep.join(row) for row in body]
    write_bytes(path, "\n".join(lines), junk)
    loaded = load_or_format_error(path)
    if loaded is None:
        return
    out = tmp_path / f"out{suffix}"
    try:
        loaded.to_file(out)
    except DialogFormatError as err:  # only text that cannot be UTF-8 (a lone surrogate)
        assert "\\ud" in str(err) and err.source == str(out)
        return
    assert Dialog.from_file(out).turns == loaded.turns


# ------------------------------------------------------------------------------------ TXT
short = st.text(chars, max_size=12)
txt_lines = st.builds(lambda s, t: f"{s}: {t}", short, short) | short


@FUZZ
@given(st.lists(txt_lines, max_size=5), st.sampled_from(["\n", "\r\n", "\r"]), junk_bytes)
def test_txt_loads_losslessly_or_names_the_file(
    tmp_path: Path, lines: list[str], end: str, junk: bytes
) -> None:
    path = tmp_path / "in.txt"
    write_bytes(path, end.join(lines), junk)
    loaded = load_or_format_error(path)
    if loaded is None:
        return
    out = tmp_path / "out.txt"
    try:
        loaded.to_file(out)
    except DialogFormatError as err:
        assert "\\ud" in str(err) and err.source == str(out)
        return
    assert Dialog.from_file(out).turns == loaded.turns
    assert out.read_text(encoding="utf-8") == "".join(f"{t.speaker}: {t.text}\n" for t in loaded)


# ---------------------------------------------------------------------------------- writers
any_text = st.text(st.one_of(chars, st.just("\ud800")), max_size=15)


@FUZZ
@given(
    st.lists(st.tuples(st.none() | any_text, any_text), max_size=4),
    st.sampled_from([".txt", ".csv", ".tsv", ".json", ".jsonl"]),
)
def test_writers_are_lossless_or_refuse(
    tmp_path: Path, pairs: list[tuple[str | None, str]], suffix: str
) -> None:
    """What a format can hold reads back the same; anything else is refused before writing.
    The documented conversions: no null speaker in txt/csv (read as ""), line breaks in a txt
    turn become spaces."""
    from sdialog.dialog import Turn

    dialog = Dialog(id="x", turns=[Turn(s, t) for s, t in pairs])
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / f"d{suffix}"  # a fresh file per example
    try:
        dialog.to_file(path)
    except DialogFormatError as err:
        assert err.source == str(path) and not path.exists()
        assert suffix in (".txt", ".csv", ".tsv")
        return
    loaded = Dialog.from_file(path)
    loaded = loaded[0] if isinstance(loaded, list) else loaded
    expected = [(s, t) for s, t in pairs]
    if suffix in (".txt", ".csv", ".tsv"):
        expected = [(s or "", t) for s, t in expected]
    if suffix == ".txt":
        expected = [(s, re.sub(r"\r\n|\r|\n", " ", t)) for s, t in expected]
    assert [(t.speaker, t.text) for t in loaded] == expected
