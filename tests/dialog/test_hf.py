"""Tests for sdialog.dialog.hf: Hugging Face datasets round-trips (all offline)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from sdialog.dialog import Context, Dialog, DialogFormatError, Event, Turn

datasets = pytest.importorskip("datasets")


def rich_dialog(id: str = "a") -> Dialog:
    return Dialog(
        id=id,
        parentId="p",
        seed=11,
        complete=True,
        model={"Alice": {"name": "m1", "temperature": 0.7}, "Bob": "m2"},
        personas={"Alice": {"name": "Alice", "age": 30}},
        context=Context(location="clinic", topics=["flu"]),
        scenario={"goal": "refund", "steps": [1, 2]},
        notes="checked",
        turns=[Turn("Alice", "Hi", emotion="joy"), Turn(None, "(ring)")],
        events=[
            Event(agent="Alice", action="utter", content="Hi", timestamp=1.25),
            Event(action="tool", actionLabel="output", content={"error": "x", "call_id": "1"}),
        ],
        x_unknown=[1, {"deep": None}],
    )


def test_round_trip_through_local_folder(tmp_path: Path) -> None:
    dialogs = [rich_dialog("a"), Dialog(id="empty"), Dialog(context="plain text context")]
    target = tmp_path / "nested" / "ds"
    dataset = Dialog.to_huggingface(dialogs, target)
    assert isinstance(dataset, datasets.Dataset) and dataset.num_rows == 3
    assert (target / "dataset_info.json").exists()
    assert Dialog.from_huggingface(target) == dialogs
    assert Dialog.from_huggingface(str(target)) == dialogs
    assert [p.name for p in target.parent.iterdir()] == ["ds"]  # no temporary folders left


def test_round_trip_in_memory() -> None:
    dialogs = [rich_dialog("a"), rich_dialog("b")]
    dataset = Dialog.to_huggingface(dialogs)
    row = dataset[0]
    assert row["turns"][0] == {"speaker": "Alice", "text": "Hi", "metadata": '{"emotion": "joy"}'}
    assert row["turns"][1]["metadata"] is None
    assert row["seed"] == 11 and row["complete"] is True
    assert Dialog.from_huggingface(dataset) == dialogs


def test_dataset_dict_splits(tmp_path: Path) -> None:
    train = Dialog.to_huggingface([rich_dialog("t")])
    test = Dialog.to_huggingface([rich_dialog("s")])
    both = datasets.DatasetDict({"train": train, "test": test})
    assert [d.id for d in Dialog.from_huggingface(both, split="test")] == ["s"]
    with pytest.raises(ValueError, match="available: test, train"):
        Dialog.from_huggingface(both)
    only = datasets.DatasetDict({"train": train})
    assert [d.id for d in Dialog.from_huggingface(only)] == ["t"]
    both.save_to_disk(str(tmp_path / "dd"))
    assert [d.id for d in Dialog.from_huggingface(tmp_path / "dd", split="train")] == ["t"]


def test_foreign_dataset_columns() -> None:
    dataset = datasets.Dataset.from_list(
        [
            {
                "turns": [{"speaker": "u", "text": "hi"}, {"speaker": "b", "text": "yo"}],
                "source": "forum",
                "personas": None,
            }
        ]
    )
    (d,) = Dialog.from_huggingface(dataset)
    assert [str(t) for t in d] == ["u: hi", "b: yo"]
    assert d.json()["source"] == "forum" and d.personas == {}


def test_plain_rows_are_accepted() -> None:
    rows = [{"id": "r", "turns": [{"speaker": "A", "text": "x"}], "scenario": {"a": 1}}]
    (d,) = Dialog.from_huggingface(rows)
    assert d.id == "r" and d.scenario == {"a": 1}


def test_bad_rows_name_the_row() -> None:
    dataset = Dialog.to_huggingface([rich_dialog("a"), rich_dialog("b")])
    broken = dataset.map(
        lambda row, i: {"events": "{oops" if i == 1 else row["events"]}, with_indices=True
    )
    with pytest.raises(DialogFormatError, match="row 1: column 'events' is not valid JSON"):
        Dialog.from_huggingface(broken)
    invalid = dataset.map(
        lambda row: {
            "scenario": row["scenario"],
            "notes": row["notes"],
            "events": '[{"content": 1}]',
        }
    )
    with pytest.raises(DialogFormatError, match=r"row 0: invalid dialog: field 'events\.0\."):
        Dialog.from_huggingface(invalid)


def test_overwrites_saved_dataset_but_not_other_folders(tmp_path: Path) -> None:
    target = tmp_path / "ds"
    Dialog.to_huggingface([rich_dialog("old")], target)
    Dialog.to_huggingface([rich_dialog("new")], target)
    assert [d.id for d in Dialog.from_huggingface(target)] == ["new"]
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        Dialog.to_huggingface([rich_dialog()], precious)
    assert (precious / "notes.txt").read_text() == "keep me"


def test_failed_save_keeps_previous_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "ds"
    Dialog.to_huggingface([rich_dialog("old")], target)

    def boom(self: Any, path: str, **kwargs: Any) -> None:
        Path(path).mkdir()
        (Path(path) / "partial").write_text("x")
        raise OSError("disk full")

    monkeypatch.setattr(datasets.Dataset, "save_to_disk", boom)
    with pytest.raises(OSError, match="disk full"):
        Dialog.to_huggingface([rich_dialog("new")], target)
    monkeypatch.undo()
    assert [d.id for d in Dialog.from_huggingface(target)] == ["old"]
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]


def test_push_to_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        datasets.Dataset, "push_to_hub", lambda self, repo, **kw: calls.append((repo, kw))
    )
    Dialog.to_huggingface([rich_dialog()], "me/dialogs", push=True, private=True)
    assert calls == [("me/dialogs", {"private": True})]
    with pytest.raises(ValueError, match="hub id"):
        Dialog.to_huggingface([rich_dialog()], "/not/a hub id", push=True)


def test_load_from_hub_id(monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = Dialog.to_huggingface([rich_dialog("hub")])
    seen: list[Any] = []

    def fake_load(name: str, split: str | None = None, **kwargs: Any) -> Any:
        seen.append((name, split, kwargs))
        return dataset

    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    loaded = Dialog.from_huggingface("someone/dialogs", split="train", revision="main")
    assert [d.id for d in loaded] == ["hub"]
    assert seen == [("someone/dialogs", "train", {"revision": "main"})]


def test_missing_local_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a hub id"):
        Dialog.from_huggingface(tmp_path / "nowhere" / "here")


def test_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(ImportError, match=r'pip install "sdialog\[eval\]"'):
        Dialog.to_huggingface([Dialog()])
    with pytest.raises(ImportError, match=r'pip install "sdialog\[eval\]"'):
        Dialog.from_huggingface([])
