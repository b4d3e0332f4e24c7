"""Hugging Face ``datasets`` support: one row per dialog, lossless round-trip.

Columns: ``id``, ``parentId``, ``version``, ``schema_version``, ``timestamp``, ``seed`` (int64),
``complete`` (bool), ``notes`` (strings), ``turns`` (a list of ``{speaker, text, metadata}`` where
``metadata`` is a JSON string of extra turn fields, or null), and JSON strings for the fields whose
values vary in type: ``model``, ``personas``, ``context``, ``scenario``, ``events`` and ``extra``
(unknown top-level keys). Reading also accepts datasets with other columns (they become extra
dialog fields) and native (non-string) values in the JSON columns.

``datasets`` is imported only when these functions run (``pip install 'sdialog[eval]'``).

Example:
    >>> from sdialog.dialog import Dialog, Turn
    >>> ds = Dialog.to_huggingface([Dialog(id="a", turns=[Turn("A", "Hi")])])
    >>> ds[0]["turns"][0]["text"], Dialog.from_huggingface(ds)[0].id
    ('Hi', 'a')
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sdialog._extras import needs_extra
from sdialog.dialog.errors import DialogFormatError, from_validation_error

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog.dialog import Dialog

__all__ = ["from_huggingface", "to_huggingface"]

_STRING_COLUMNS = ("id", "parentId", "version", "schema_version", "timestamp", "notes")
_JSON_COLUMNS = ("model", "personas", "context", "scenario", "events")
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
_SAVED_MARKERS = ("dataset_info.json", "state.json", "dataset_dict.json")


def _datasets() -> Any:
    with needs_extra("eval"):
        import datasets
    return datasets


def _features(ds: Any) -> Any:
    string = ds.Value("string")
    columns: dict[str, Any] = dict.fromkeys(_STRING_COLUMNS, string)
    columns.update(seed=ds.Value("int64"), complete=ds.Value("bool"))
    columns.update(dict.fromkeys(_JSON_COLUMNS, string))
    columns["turns"] = ds.List({"speaker": string, "text": string, "metadata": string})
    columns["extra"] = string
    return ds.Features(columns)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _row(dialog: Dialog) -> dict[str, Any]:
    data = dialog.json()
    row = {key: data.pop(key) for key in (*_STRING_COLUMNS, "seed", "complete")}
    row.update({key: _dumps(data.pop(key)) for key in _JSON_COLUMNS})
    turns = []
    for turn in data.pop("turns"):
        speaker, text = turn.pop("speaker"), turn.pop("text")
        turns.append({"speaker": speaker, "text": text, "metadata": _dumps(turn) if turn else None})
    row["turns"] = turns
    row["extra"] = _dumps(data) if data else None
    return row


def to_huggingface(
    dialogs: Iterable[Dialog], path: Any = None, push: bool = False, **kwargs: Any
) -> Any:
    """Build a ``datasets.Dataset`` (one row per dialog); save or push it when ``path`` is given.

    Without ``push`` the dataset is written with ``save_to_disk`` into a temporary folder next to
    ``path`` and then moved into place, so a failure leaves an earlier dataset intact. An existing
    ``path`` that is not a saved dataset is refused (``FileExistsError``). With ``push=True``,
    ``path`` must be a hub id (``"user/name"``) and ``kwargs`` go to ``push_to_hub``.
    """
    ds = _datasets()
    features = _features(ds)
    rows = [_row(d) for d in dialogs]
    columns = {name: [row[name] for row in rows] for name in features}
    dataset = ds.Dataset.from_dict(columns, features=features)
    if path is None:
        return dataset
    if push:
        if not isinstance(path, str) or not _HUB_ID.fullmatch(path):
            raise ValueError(f"push=True needs a hub id like 'user/name', got {path!r}")
        dataset.push_to_hub(path, **kwargs)
        return dataset
    _save_atomically(dataset, Path(path), **kwargs)
    return dataset


def _save_atomically(dataset: Any, target: Path, **kwargs: Any) -> None:
    if target.exists() and not (
        target.is_dir()
        and (not any(target.iterdir()) or any((target / m).exists() for m in _SAVED_MARKERS))
    ):
        raise FileExistsError(f"{target} exists and is not a saved dataset; not overwriting it")
    target.parent.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex
    tmp = target.with_name(f".{target.name}.{tag}.tmp")
    old = target.with_name(f".{target.name}.{tag}.old")
    try:
        dataset.save_to_disk(str(tmp), **kwargs)
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def _loads(value: Any, column: str, source: str, index: int) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as err:
        raise DialogFormatError(
            f"row {index}: column {column!r} is not valid JSON: {err.msg}",
            source=source,
            field=column,
        ) from None


def _dialog(cls: type[Dialog], row: dict[str, Any], source: str, index: int) -> Dialog:
    data = dict(row)
    extra = _loads(data.pop("extra", None), "extra", source, index)
    for key in _JSON_COLUMNS:
        if key in data:
            data[key] = _loads(data[key], key, source, index)
    turns = []
    for turn in data.get("turns") or []:
        turn = dict(turn)
        metadata = _loads(turn.pop("metadata", None), "turns.metadata", source, index)
        turns.append({**(metadata or {}), **turn})
    data["turns"] = turns
    for key in ("personas", "events"):
        if data.get(key) is None:
            data.pop(key, None)
    for key in ("id", "version", "schema_version", "timestamp"):
        if data.get(key) is None:
            data.pop(key, None)
    data.update(extra or {})
    try:
        return cls.model_validate(data)
    except ValidationError as err:
        raise from_validation_error(err, source=source, prefix=f"row {index}: ") from None


def from_huggingface(
    cls: type[Dialog], source: Any, split: str | None = None, **kwargs: Any
) -> list[Dialog]:
    """Load dialogs from a Dataset/DatasetDict, a saved-dataset folder, or a hub id.

    A ``DatasetDict`` needs ``split`` unless it has a single split. ``kwargs`` go to
    ``datasets.load_dataset`` (hub ids only).
    """
    ds = _datasets()
    name = "<dataset>"
    if isinstance(source, (str, os.PathLike)):
        name = str(source)
        if Path(source).exists():
            source = ds.load_from_disk(str(source))
        elif isinstance(source, str) and _HUB_ID.fullmatch(source):
            source = ds.load_dataset(source, split=split, **kwargs)
        else:
            raise FileNotFoundError(f"no such dataset folder, and not a hub id: {source}")
    if isinstance(source, (ds.DatasetDict, ds.IterableDatasetDict)):
        splits = sorted(source)
        if split is None and len(splits) == 1:
            split = splits[0]
        if split not in source:
            raise ValueError(f"choose a split with split=...; available: {', '.join(splits)}")
        source = source[split]
    return [_dialog(cls, row, name, i) for i, row in enumerate(source)]
