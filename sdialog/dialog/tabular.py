"""CSV/TSV reading and writing: one row per turn, columns by name or 0-based index.

Reading: ``speaker_col``/``text_col`` (names, or indices; ``speaker_col=None`` for no speaker
column), ``dialog_id_col`` (split the file into several dialogs, in order of first appearance),
``has_header`` (``None`` = detect: always when a column is named; with indices, when the first
row's cells are column names such as ``speaker``/``role`` and ``text``/``utterance``), and
``default_speakers`` (for empty speaker cells). With a header, the other columns become turn
metadata (non-empty cells only, as strings). An empty speaker cell reads as ``""`` (a turn
without speaker, ``None``, is written as an empty cell). No cell is dropped silently: a header
with a repeated name, or a value under an unnamed column or beyond the header, is a
:class:`~sdialog.dialog.DialogFormatError` naming the line. Without a header, only the chosen
columns are read. Cells of any size are read (no 128 KiB field limit).

Example:
    >>> import tempfile
    >>> from sdialog.dialog import Dialog, Turn
    >>> path = tempfile.mkdtemp() + "/d.tsv"
    >>> Dialog(turns=[Turn("A", 'say "hi", ok')]).to_file(path)
    >>> Dialog.from_file(path)[0].text
    'say "hi", ok'
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdialog.dialog.errors import DialogFormatError
from sdialog.dialog.io import _format_of, _read_text, atomic_write
from sdialog.dialog.model import Turn

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog.dialog import Dialog

__all__ = ["load_csv", "write_csv"]

_SPEAKER_HEADERS = {
    "speaker",
    "speakers",
    "role",
    "name",
    "author",
    "participant",
    "speaker_id",
    "speaker_name",
    "spk",
    "from",
    "who",
    "agent",
    "user",
}
_TEXT_HEADERS = {
    "text",
    "utterance",
    "utterances",
    "content",
    "message",
    "turn",
    "transcript",
    "sentence",
    "utt",
    "value",
    "turn_text",
    "response",
}


def _norm(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().casefold())


def _looks_like_header(row: list[str], speaker_col: int | None, text_col: int) -> bool:
    """A first row is a header when its text cell (and speaker cell, if any) are column names."""

    def cell(i: int | None) -> str:
        return _norm(row[i]) if i is not None and i < len(row) else ""

    text_ok = cell(text_col) in _TEXT_HEADERS
    return text_ok and (speaker_col is None or cell(speaker_col) in _SPEAKER_HEADERS)


def _column(header: list[str] | None, col: str | int, source: str, what: str) -> int:
    if isinstance(col, bool) or not isinstance(col, (str, int)):
        raise TypeError(f"{what} must be a column name or a 0-based index, got {col!r}")
    if isinstance(col, int):
        if col < 0:
            raise ValueError(f"{what} must be a 0-based index >= 0, got {col}")
        return col
    assert header is not None
    if col in header:
        return header.index(col)
    normalized = [_norm(h) for h in header]
    if _norm(col) in normalized:
        return normalized.index(_norm(col))
    raise DialogFormatError(
        f"no column {col!r} for {what}; the header has: {', '.join(repr(h) for h in header)}",
        source=source,
        line=1,
    )


def _check_header(header: list[str], source: str) -> None:
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise DialogFormatError(
                f"the header names column {name!r} twice; one of them would be lost",
                source=source,
                line=1,
            )
        seen.add(name)


def _check_row(
    row: list[str], header: list[str], unnamed: set[int], source: str, line: int
) -> None:
    for i, cell in enumerate(row):
        if cell and (i >= len(header) or i in unnamed):
            where = "beyond the header" if i >= len(header) else "under an unnamed column"
            raise DialogFormatError(
                f"cell {i + 1} ({cell[:40]!r}) is {where}; it would be lost",
                source=source,
                line=line,
            )


def load_csv(
    cls: type[Dialog],
    path: Any,
    *,
    speaker_col: str | int | None = "speaker",
    text_col: str | int = "text",
    dialog_id_col: str | int | None = None,
    has_header: bool | None = None,
    delimiter: str | None = None,
    default_speakers: list[str] | None = None,
    format: str | None = None,
) -> Dialog | list[Dialog]:
    """Load a CSV/TSV file (one row per turn); see ``docs/dialog.md`` for the options."""
    source = str(path)
    fmt = _format_of(Path(path), format)
    text = _read_text(path)
    reader = csv.reader(
        io.StringIO(text, newline=""),
        strict=True,
        delimiter=delimiter or ("\t" if fmt == "tsv" else ","),
    )
    rows: list[tuple[int, list[str]]] = []
    start = 1
    limit = csv.field_size_limit(sys.maxsize)  # the module-wide 128 KiB cap, lifted while reading
    try:
        for row in reader:
            if row:
                rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as err:
        raise DialogFormatError(f"malformed CSV: {err}", source=source, line=start) from None
    finally:
        csv.field_size_limit(limit)
    cols = (speaker_col, text_col, dialog_id_col)
    by_name = any(isinstance(c, str) for c in cols)
    if by_name and has_header is False:
        raise ValueError("columns given by name need a header row; use 0-based indices")
    if not rows:
        return [] if dialog_id_col is not None else cls()
    if has_header is None:
        speaker_i = speaker_col if isinstance(speaker_col, int) else None
        has_header = by_name or _looks_like_header(rows[0][1], speaker_i, text_col)
    header = rows.pop(0)[1] if has_header else None
    if header is not None:
        _check_header(header, source)
    s_i = None if speaker_col is None else _column(header, speaker_col, source, "speaker_col")
    t_i = _column(header, text_col, source, "text_col")
    d_i = None if dialog_id_col is None else _column(header, dialog_id_col, source, "dialog_id_col")
    used = {s_i, t_i, d_i}
    meta_cols = [(i, h) for i, h in enumerate(header or []) if i not in used and h]
    clash = next((h for _, h in meta_cols if h in ("speaker", "text")), None)
    if clash is not None:
        raise DialogFormatError(
            f"column {clash!r} is not the {clash} column read (speaker_col={speaker_col!r}, "
            f"text_col={text_col!r}) and cannot be kept as metadata; choose it or rename it",
            source=source,
            line=1,
        )
    unnamed = {i for i, h in enumerate(header or []) if not h and i not in used}
    groups: dict[str, list[Turn]] = {}
    for number, row in rows:
        needed = max(i for i in used if i is not None)
        if needed >= len(row):
            raise DialogFormatError(
                f"row has {len(row)} column(s); column {needed} is missing",
                source=source,
                line=number,
            )
        if header is not None:
            _check_row(row, header, unnamed, source, number)
        key = row[d_i] if d_i is not None else ""
        turns = groups.setdefault(key, [])
        speaker = row[s_i] if s_i is not None else None
        if not speaker and default_speakers:
            speaker = default_speakers[len(turns) % len(default_speakers)]
        meta = {h: row[i] for i, h in meta_cols if i < len(row) and row[i] != ""}
        turns.append(Turn(speaker=speaker, text=row[t_i], **meta))
    if dialog_id_col is None:
        return cls(turns=groups.get("", []))
    return [cls(id=key, turns=turns) for key, turns in groups.items()]


def write_csv(
    dialogs: list[Dialog],
    path: Any,
    *,
    dialog_id_col: str | None = None,
    speaker_col: str = "speaker",
    text_col: str = "text",
    delimiter: str | None = None,
    format: str | None = None,
) -> None:
    """Write turns as CSV/TSV rows with a header; extra turn fields become extra columns."""
    if len(dialogs) > 1 and not dialog_id_col:
        raise ValueError("several dialogs in one CSV need dialog_id_col")
    fmt = _format_of(Path(path), format)
    extra = list(dict.fromkeys(k for d in dialogs for t in d.turns for k in t.model_extra or {}))
    columns = ([dialog_id_col] if dialog_id_col else []) + [speaker_col, text_col] + extra
    clash = next((c for i, c in enumerate(columns) if not c or c in columns[:i]), None)
    if clash is not None:  # the file could not be read back: refuse before writing
        raise DialogFormatError(
            f"turn metadata {clash!r} would be a CSV column that is empty or named twice "
            f"(columns: {', '.join(map(repr, columns))}); rename it or write .json/.jsonl",
            source=str(path),
        )

    def cell(value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def write(handle: Any) -> None:
        # Lines end in "\n"; the csv module then leaves a lone "\r" unquoted, which a reader
        # would take for a line break, so rows holding one are written fully quoted.
        options = {
            "delimiter": delimiter or ("\t" if fmt == "tsv" else ","),
            "lineterminator": "\n",
        }
        minimal = csv.writer(handle, **options)
        quoted = csv.writer(handle, quoting=csv.QUOTE_ALL, **options)
        (quoted if any("\r" in c for c in columns) else minimal).writerow(columns)
        for dialog in dialogs:
            for turn in dialog.turns:
                row = [dialog.id] if dialog_id_col else []
                row += [turn.speaker or "", turn.text]
                row += [cell((turn.model_extra or {}).get(k, "")) for k in extra]
                (quoted if any("\r" in c for c in row) else minimal).writerow(row)

    atomic_write(path, write)
