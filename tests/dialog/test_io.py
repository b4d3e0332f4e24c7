"""Tests for sdialog.dialog.io and sdialog.dialog.tabular: files, folders, errors, atomicity."""

from __future__ import annotations

import json
import os
import random
import stat
from pathlib import Path
from typing import Any

import pytest

from sdialog.dialog import SUPPORTED_FORMATS, Dialog, DialogFormatError, Event, Turn


def sample(id: str = "d1", n: int = 2) -> Dialog:
    speakers = ["Alice", "Bob"]
    return Dialog(
        id=id,
        seed=5,
        turns=[Turn(speakers[i % 2], f"turn {i}, with a comma") for i in range(n)],
        events=[Event(agent="Alice", action="utter", content="turn 0", timestamp=1.5)],
        x_extra={"kept": True},
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ------------------------------------------------------------------------------- JSON
class TestJson:
    def test_round_trip_creates_parent_folders(self, tmp_path: Path) -> None:
        path = tmp_path / "a" / "b" / "d.json"
        sample().to_file(path)
        assert Dialog.from_file(path) == sample()
        assert Dialog.from_file(str(path)) == sample()
        assert json.loads(path.read_text(encoding="utf-8"))["x_extra"] == {"kept": True}

    def test_indent_and_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "d.json"
        Dialog(turns=[Turn("A", "café")]).to_file(path, indent=None)
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") == 1 and "café" in text

    def test_list_of_dialogs(self, tmp_path: Path) -> None:
        path = tmp_path / "many.json"
        path.write_text(json.dumps([sample("a").json(), sample("b").json()]), encoding="utf-8")
        loaded = Dialog.from_file(path)
        assert [d.id for d in loaded] == ["a", "b"]

    def test_invalid_json_names_file_and_line(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.json"
        path.write_text('{\n  "id": "x",\n  "turns": [\n}', encoding="utf-8")
        with pytest.raises(DialogFormatError) as info:
            Dialog.from_file(path)
        assert str(info.value).startswith(f"{path}:4: invalid JSON")
        assert info.value.source == str(path) and info.value.line == 4

    def test_validation_error_names_field(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.json"
        path.write_text('{"turns": [{"speaker": "A", "text": "ok"}, {"speaker": "B"}]}')
        with pytest.raises(
            DialogFormatError, match=r"bad\.json: invalid dialog: field 'turns\.1\.text'"
        ):
            Dialog.from_file(path)

    def test_not_an_object(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.json"
        path.write_text("42")
        with pytest.raises(DialogFormatError, match="expected a JSON object"):
            Dialog.from_file(path)

    def test_invalid_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.json"
        path.write_bytes(b'{"id":\n "\xff"}')
        with pytest.raises(DialogFormatError, match=r"bad\.json:2: not valid UTF-8"):
            Dialog.from_file(path)

    def test_unexpected_option(self, tmp_path: Path) -> None:
        with pytest.raises(TypeError, match="template"):
            sample().to_file(tmp_path / "d.json", template="{text}")
        sample().to_file(tmp_path / "d.json")
        with pytest.raises(TypeError, match="speaker_col"):
            Dialog.from_file(tmp_path / "d.json", speaker_col=0)


# ------------------------------------------------------------------------------ JSONL
class TestJsonl:
    def test_round_trip_many(self, tmp_path: Path) -> None:
        path = tmp_path / "all.jsonl"
        dialogs = [sample(f"d{i}", n=i) for i in range(5)]
        Dialog.to_jsonl(dialogs, path)
        assert path.read_text(encoding="utf-8").count("\n") == 5
        assert Dialog.from_file(path) == dialogs

    def test_to_file_gives_one_line(self, tmp_path: Path) -> None:
        path = tmp_path / "one.jsonl"
        sample().to_file(path)
        assert Dialog.from_file(path) == [sample()]

    def test_append(self, tmp_path: Path) -> None:
        path = tmp_path / "sub" / "all.jsonl"
        Dialog.to_jsonl([sample("a")], path, append=True)  # creates the file and folder
        Dialog.to_jsonl([sample("b")], path, append=True)
        sample("c").to_file(path, append=True)
        assert [d.id for d in Dialog.iter_jsonl(path)] == ["a", "b", "c"]

    def test_append_after_missing_final_newline(self, tmp_path: Path) -> None:
        path = tmp_path / "all.jsonl"
        path.write_text(sample("a").json(string=True, indent=None), encoding="utf-8")
        Dialog.to_jsonl([sample("b")], path, append=True)
        assert [d.id for d in Dialog.from_file(path)] == ["a", "b"]

    def test_iter_jsonl_streams(self, tmp_path: Path) -> None:
        path = tmp_path / "all.jsonl"
        lines = [sample("a").json(string=True, indent=None), "", "{broken", "{}"]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        stream = Dialog.iter_jsonl(path)
        assert next(stream).id == "a"  # the good line comes out before the bad one is read
        with pytest.raises(DialogFormatError, match=r"all\.jsonl:3: invalid JSON"):
            next(stream)

    def test_from_file_raises_instead_of_partial_list(self, tmp_path: Path) -> None:
        path = tmp_path / "all.jsonl"
        good = sample("a").json(string=True, indent=None)
        path.write_text(f'{good}\n{good}\n{{"turns": "no"}}\n', encoding="utf-8")
        with pytest.raises(DialogFormatError) as info:
            Dialog.from_file(path)
        assert info.value.line == 3 and info.value.field == "turns"
        assert f"{path}:3: invalid dialog: field 'turns'" in str(info.value)

    def test_non_object_line(self, tmp_path: Path) -> None:
        path = tmp_path / "all.jsonl"
        path.write_text("{}\n[1, 2]\n", encoding="utf-8")
        with pytest.raises(DialogFormatError, match=r":2: expected a JSON object"):
            Dialog.from_file(path)

    def test_missing_file_fails_at_call(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError, match=r"nope\.jsonl"):
            Dialog.iter_jsonl(tmp_path / "nope.jsonl")

    def test_bom_and_crlf(self, tmp_path: Path) -> None:
        path = tmp_path / "win.jsonl"
        text = "\r\n".join(d.json(string=True, indent=None) for d in (sample("a"), sample("b")))
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8") + b"\r\n")
        assert [d.id for d in Dialog.from_file(path)] == ["a", "b"]

    def test_invalid_utf8_line(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.jsonl"
        path.write_bytes(b'{}\n{"id": "\xff"}\n')
        with pytest.raises(DialogFormatError, match=r"bad\.jsonl:2: not valid UTF-8"):
            Dialog.from_file(path)


# -------------------------------------------------------------------------------- txt
class TestTxt:
    def test_round_trip(self, tmp_path: Path) -> None:
        path = tmp_path / "d.txt"
        d = Dialog(turns=[Turn("A", "Hi: there"), Turn("B", "  spaced  ")])
        d.to_file(path)
        assert path.read_text(encoding="utf-8") == "A: Hi: there\nB:   spaced  \n"
        assert Dialog.from_file(path).turns == d.turns

    def test_custom_template(self, tmp_path: Path) -> None:
        path = tmp_path / "d.txt"
        d = Dialog(turns=[Turn("A", "hi", time="0:01"), Turn("B", "yo")])
        d.to_file(path, template="[{time}] <{speaker}> {text}")
        assert path.read_text(encoding="utf-8") == "[0:01] <A> hi\n[] <B> yo\n"
        back = Dialog.from_file(path, template="[{time}] <{speaker}> {text}")
        assert back[0].json() == {"speaker": "A", "text": "hi", "time": "0:01"}

    def test_newlines_in_text_are_collapsed(self, tmp_path: Path) -> None:
        path = tmp_path / "d.txt"
        Dialog(turns=[Turn("A", "one\ntwo\r\nthree")]).to_file(path)
        assert Dialog.from_file(path)[0].text == "one two three"

    def test_blank_lines_crlf_and_bom(self, tmp_path: Path) -> None:
        path = tmp_path / "d.txt"
        path.write_bytes(b"\xef\xbb\xbfA: hi\r\n\r\n   \r\nB: yo\r\n")
        assert [str(t) for t in Dialog.from_file(path)] == ["A: hi", "B: yo"]

    def test_bad_line_names_file_and_line(self, tmp_path: Path) -> None:
        path = tmp_path / "d.txt"
        path.write_text("A: hi\n\nno speaker here\n", encoding="utf-8")
        with pytest.raises(DialogFormatError, match=rf"^{path}:3: line does not match") as info:
            Dialog.from_file(path)
        assert info.value.line == 3

    def test_default_speakers(self, tmp_path: Path) -> None:
        path = tmp_path / "d.txt"
        path.write_text("hi\nhello\n", encoding="utf-8")
        d = Dialog.from_file(path, template="{text}", default_speakers=["A", "B"])
        assert [str(t) for t in d] == ["A: hi", "B: hello"]

    def test_speakerless_turn_written_with_empty_speaker(self, tmp_path: Path) -> None:
        path = tmp_path / "d.txt"
        Dialog(turns=[Turn("A", "hi"), Turn(None, "Note: look here")]).to_file(path)
        assert path.read_text(encoding="utf-8") == "A: hi\n: Note: look here\n"
        assert [t.speaker for t in Dialog.from_file(path)] == ["A", ""]

    def test_bad_template_writes_nothing(self, tmp_path: Path) -> None:
        path = tmp_path / "d.txt"
        with pytest.raises(ValueError, match="text"):
            sample().to_file(path, template="{speaker}")
        assert not path.exists()


# -------------------------------------------------------------------------------- CSV
class TestCsv:
    def test_round_trip_by_name(self, tmp_path: Path) -> None:
        path = tmp_path / "d.csv"
        d = Dialog(turns=[Turn("A", 'say "hi", ok'), Turn("B", "two\nlines"), Turn("", "x")])
        d.to_file(path)
        assert Dialog.from_file(path).turns == d.turns
        Dialog(turns=[Turn(None, "x")]).to_file(path)  # CSV has no null: None is an empty cell
        assert Dialog.from_file(path)[0].speaker == ""

    def test_by_index_skips_header(self, tmp_path: Path) -> None:
        # PITFALL: the reference turned the header row into a first turn.
        path = tmp_path / "d.csv"
        path.write_text("Speaker,Utterance\nA,hi\nB,yo\n", encoding="utf-8")
        d = Dialog.from_file(path, speaker_col=0, text_col=1)
        assert [str(t) for t in d] == ["A: hi", "B: yo"]

    def test_by_index_without_header(self, tmp_path: Path) -> None:
        path = tmp_path / "d.csv"
        path.write_text("7,A,hi\n8,B,yo\n", encoding="utf-8")
        d = Dialog.from_file(path, speaker_col=1, text_col=2)
        assert [str(t) for t in d] == ["A: hi", "B: yo"]
        assert d[0].json() == {"speaker": "A", "text": "hi"}  # no header -> no metadata

    def test_has_header_override(self, tmp_path: Path) -> None:
        path = tmp_path / "d.csv"
        path.write_text("who said,what\nA,hi\n", encoding="utf-8")
        assert len(Dialog.from_file(path, speaker_col=0, text_col=1)) == 2  # not detected
        assert len(Dialog.from_file(path, speaker_col=0, text_col=1, has_header=True)) == 1
        path.write_text("speaker,text\nA,hi\n", encoding="utf-8")
        forced = Dialog.from_file(path, speaker_col=0, text_col=1, has_header=False)
        assert [str(t) for t in forced] == ["speaker: text", "A: hi"]

    def test_names_need_a_header(self, tmp_path: Path) -> None:
        path = tmp_path / "d.csv"
        path.write_text("A,hi\n", encoding="utf-8")
        with pytest.raises(ValueError, match="need a header"):
            Dialog.from_file(path, has_header=False)

    def test_named_columns_and_metadata(self, tmp_path: Path) -> None:
        path = tmp_path / "d.csv"
        path.write_text("Role,Content,emotion\nuser,hi,\nbot,hello,joy\n", encoding="utf-8")
        d = Dialog.from_file(path, speaker_col="role", text_col="content")
        assert [str(t) for t in d] == ["user: hi", "bot: hello"]
        assert "emotion" not in d[0].json() and d[1].emotion == "joy"

    def test_missing_named_column(self, tmp_path: Path) -> None:
        path = tmp_path / "d.csv"
        path.write_text("who,what\nA,hi\n", encoding="utf-8")
        with pytest.raises(
            DialogFormatError, match=r"d\.csv:1: no column 'speaker'.*'who', 'what'"
        ):
            Dialog.from_file(path)

    def test_short_row_names_line(self, tmp_path: Path) -> None:
        path = tmp_path / "d.csv"
        path.write_text('speaker,text\nA,"multi\nline"\nB\n', encoding="utf-8")
        with pytest.raises(DialogFormatError, match=r"d\.csv:4: row has 1 column"):
            Dialog.from_file(path)

    def test_malformed_quoting_names_line(self, tmp_path: Path) -> None:
        path = tmp_path / "d.csv"
        path.write_text('speaker,text\nA,hi\nB,"bad"quote\n', encoding="utf-8")
        with pytest.raises(DialogFormatError, match=r"d\.csv:3: malformed CSV"):
            Dialog.from_file(path)

    def test_bad_column_arguments(self, tmp_path: Path) -> None:
        path = tmp_path / "d.csv"
        path.write_text("A,hi\n", encoding="utf-8")
        with pytest.raises(ValueError, match=">= 0"):
            Dialog.from_file(path, speaker_col=-1, text_col=1)
        with pytest.raises(TypeError, match="column name or a 0-based index"):
            Dialog.from_file(path, speaker_col=True, text_col=1)

    def test_tsv_and_no_speaker_column(self, tmp_path: Path) -> None:
        path = tmp_path / "d.tsv"
        path.write_text("hi, there\nhello\n", encoding="utf-8")
        d = Dialog.from_file(path, speaker_col=None, text_col=0, default_speakers=["A", "B"])
        assert [str(t) for t in d] == ["A: hi, there", "B: hello"]
        d.to_file(path)
        assert path.read_text(encoding="utf-8") == "speaker\ttext\nA\thi, there\nB\thello\n"

    def test_dialog_id_column_splits(self, tmp_path: Path) -> None:
        path = tmp_path / "all.csv"
        dialogs = [sample("x", 3), sample("a", 1), sample("m", 2)]
        Dialog.to_csv(dialogs, path)
        loaded = Dialog.from_file(path, dialog_id_col="dialog_id")
        assert [d.id for d in loaded] == ["x", "a", "m"]
        assert [d.turns for d in loaded] == [d.turns for d in dialogs]
        by_index = Dialog.from_file(path, dialog_id_col=0, speaker_col=1, text_col=2)
        assert [len(d) for d in by_index] == [3, 1, 2]

    def test_several_dialogs_need_an_id_column(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="dialog_id_col"):
            Dialog.to_csv([sample(), sample()], tmp_path / "x.csv", dialog_id_col="")

    def test_non_string_metadata_is_written_as_json(self, tmp_path: Path) -> None:
        path = tmp_path / "d.csv"
        Dialog(turns=[Turn("A", "hi", score=0.5, tags=["x"])]).to_file(path)
        assert Dialog.from_file(path)[0].json() == {
            "speaker": "A",
            "text": "hi",
            "score": "0.5",
            "tags": '["x"]',
        }

    def test_empty_file(self, tmp_path: Path) -> None:
        path = tmp_path / "d.csv"
        path.write_text("", encoding="utf-8")
        assert len(Dialog.from_file(path)) == 0
        assert Dialog.from_file(path, dialog_id_col="id") == []


# ------------------------------------------------------------------- folders, dispatch
class TestFolderAndDispatch:
    def test_folder_order_is_natural_and_os_independent(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        names = ["d10", "d2", "D1", "d3"]
        for name in names:  # created out of order
            Dialog(id=name).to_file(tmp_path / f"{name}.json")
        (tmp_path / "ignored.txt").write_text("A: x\n")
        real_glob = Path.glob

        def shuffled_glob(self: Path, pattern: str) -> Any:
            found = list(real_glob(self, pattern))
            random.Random(3).shuffle(found)
            return iter(found)

        monkeypatch.setattr(Path, "glob", shuffled_glob)
        assert [d.id for d in Dialog.from_folder(tmp_path)] == ["D1", "d2", "d3", "d10"]

    def test_folder_flattens_multi_dialog_files(self, tmp_path: Path) -> None:
        Dialog.to_jsonl([sample("b1"), sample("b2")], tmp_path / "b.jsonl")
        Dialog.to_jsonl([sample("a1")], tmp_path / "a.jsonl")
        assert [d.id for d in Dialog.from_folder(tmp_path, "*.jsonl")] == ["a1", "b1", "b2"]

    def test_folder_options_and_recursion(self, tmp_path: Path) -> None:
        (tmp_path / "s").mkdir()
        (tmp_path / "s" / "x.txt").write_text("hi\n")
        loaded = Dialog.from_folder(tmp_path, "**/*.txt", template="{text}")
        assert [t.text for t in loaded[0]] == ["hi"]

    def test_missing_folder(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError, match="nope"):
            Dialog.from_folder(tmp_path / "nope")

    def test_missing_file_and_folder_given_as_file(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError, match=r"missing\.json"):
            Dialog.from_file(tmp_path / "missing.json")
        (tmp_path / "dir.json").mkdir()
        with pytest.raises(IsADirectoryError):
            Dialog.from_file(tmp_path / "dir.json")

    def test_unknown_extension_lists_supported(self, tmp_path: Path) -> None:
        (tmp_path / "d.yaml").write_text("x")
        with pytest.raises(ValueError, match=r"'yaml'.*\.json, \.jsonl, \.txt, \.csv, \.tsv"):
            Dialog.from_file(tmp_path / "d.yaml")
        with pytest.raises(ValueError, match="no extension"):
            sample().to_file(tmp_path / "noext")
        assert SUPPORTED_FORMATS == ("json", "jsonl", "txt", "csv", "tsv")

    def test_format_override(self, tmp_path: Path) -> None:
        path = tmp_path / "dialog.data"
        sample().to_file(path, format="json")
        assert Dialog.from_file(path, format="JSON") == sample()


# ---------------------------------------------------------------------------- atomicity
class TestAtomicWrites:
    def test_failed_serialization_keeps_old_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "d.json"
        sample("old").to_file(path)
        before = path.read_bytes()

        def boom(self: Dialog, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("serialization failed")

        monkeypatch.setattr(Dialog, "json", boom)
        with pytest.raises(RuntimeError):
            sample("new").to_file(path)
        assert path.read_bytes() == before and leftovers(tmp_path) == []

    def test_failure_mid_stream_keeps_old_jsonl(self, tmp_path: Path) -> None:
        path = tmp_path / "all.jsonl"
        Dialog.to_jsonl([sample("a"), sample("b")], path)
        before = path.read_bytes()

        def dialogs() -> Any:
            yield sample("c")
            raise RuntimeError("generator failed")

        with pytest.raises(RuntimeError):
            Dialog.to_jsonl(dialogs(), path)
        assert path.read_bytes() == before and leftovers(tmp_path) == []

    def test_failed_write_to_new_file_leaves_nothing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def boom(*args: Any, **kwargs: Any) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(os, "fsync", boom)
        with pytest.raises(OSError, match="disk full"):
            sample().to_file(tmp_path / "d.csv")
        assert list(tmp_path.iterdir()) == []

    @pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
    def test_existing_permissions_kept(self, tmp_path: Path) -> None:
        path = tmp_path / "d.txt"
        sample().to_file(path)
        os.chmod(path, 0o640)
        sample().to_file(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
