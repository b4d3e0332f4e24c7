"""Reading and writing dialogs: JSON, JSON Lines and plain text (template lines); dispatch by
extension (CSV/TSV live in :mod:`sdialog.dialog.tabular`).

Used through :class:`~sdialog.dialog.Dialog` (``from_file``, ``to_file``, ``from_folder``,
``iter_jsonl``, ``to_jsonl``, ``to_csv``). Every write is atomic (a temporary file in the target
folder, then ``os.replace``) except JSONL appends; parent folders are created. Malformed input
raises :class:`~sdialog.dialog.DialogFormatError` naming the file and line, never a partial result.

Example:
    >>> import tempfile
    >>> from sdialog.dialog import Dialog, Turn
    >>> path = tempfile.mkdtemp() + "/d.csv"
    >>> Dialog(turns=[Turn("A", "Hi, there")]).to_file(path)
    >>> Dialog.from_file(path, speaker_col=0, text_col=1)[0].text
    'Hi, there'
"""

from __future__ import annotations

import json
import os
import re
import stat
import string
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sdialog.dialog.errors import DialogFormatError, from_validation_error
from sdialog.dialog.model import Turn
from sdialog.dialog.strict_json import MAX_DEPTH, dumps, loads, too_deep

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog.dialog import Dialog

__all__ = ["SUPPORTED_FORMATS", "atomic_write", "load_file", "save_file"]

SUPPORTED_FORMATS: tuple[str, ...] = ("json", "jsonl", "txt", "csv", "tsv")
"""File formats known to ``Dialog.from_file``/``to_file`` (chosen by extension)."""


# ------------------------------------------------------------------------------ files
def _format_of(path: Path, format: str | None) -> str:
    fmt = (format or path.suffix).lower().lstrip(".")
    if fmt not in SUPPORTED_FORMATS:
        raise ValueError(
            f"{path}: unknown dialog file format {fmt or '(no extension)'!r}; "
            f"supported: {', '.join('.' + f for f in SUPPORTED_FORMATS)}"
        )
    return fmt


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; use Dialog.from_folder")
    if not path.exists():
        raise FileNotFoundError(f"no such dialog file: {path}")
    if not path.is_file():  # a FIFO, a device such as /dev/zero, a socket: never read
        raise DialogFormatError("not a regular file (a pipe or device?)", source=str(path))


def _read_text(path: Any) -> str:
    path = Path(path)
    _check_file(path)
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DialogFormatError(
            f"not valid UTF-8 text ({err.reason})", source=str(path), line=line
        ) from None


def atomic_write(path: Any, write: Callable[[Any], None], binary: bool = False) -> None:
    """Call ``write(text_file)`` (a binary file when ``binary``) on a temporary file next to
    ``path``, then move it into place.

    If ``write`` raises, ``path`` is left as it was. Parent folders are created. An existing
    file's permissions are kept; a new file gets the default permissions (``0o666`` less the
    umask, like any file the user creates).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        options = {} if binary else {"encoding": "utf-8", "newline": ""}
        with open(fd, "wb" if binary else "w", **options) as handle:
            try:
                write(handle)
            except UnicodeEncodeError as err:
                bad = err.object[err.start : err.end] if isinstance(err.object, str) else "?"
                raise DialogFormatError(
                    f"cannot write {bad!r} as UTF-8 ({err.reason}); text must be valid Unicode",
                    source=str(path),
                ) from None
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _validate(
    cls: type[Dialog], data: Any, source: str, line: int | None = None, prefix: str = ""
) -> Dialog:
    if not isinstance(data, dict):
        raise DialogFormatError(
            f"{prefix}expected a JSON object (a dialog), got {type(data).__name__}",
            source=source,
            line=line,
        )
    if too_deep(data, MAX_DEPTH):  # it could be read but not written back
        raise DialogFormatError(
            f"{prefix}JSON nested deeper than {MAX_DEPTH} levels", source=source, line=line
        )
    try:
        return cls.model_validate(data)
    except ValidationError as err:
        raise from_validation_error(err, source=source, line=line, prefix=prefix) from None


# ------------------------------------------------------------------------------- JSON
def parse_json(cls: type[Dialog], text: str, source: str) -> Dialog | list[Dialog]:
    """Parse JSON text holding one dialog (an object) or several (a list)."""
    data = loads(text, source)
    try:
        if isinstance(data, list):
            return [
                _validate(cls, item, source, prefix=f"item {i}: ") for i, item in enumerate(data)
            ]
        return _validate(cls, data, source)
    except RecursionError:
        raise DialogFormatError("JSON nested too deeply", source=source) from None


def load_json(cls: type[Dialog], path: Any) -> Dialog | list[Dialog]:
    """Load a ``.json`` file (one dialog, or a list of dialogs)."""
    return parse_json(cls, _read_text(path), str(path))


def iter_jsonl(cls: type[Dialog], path: Any) -> Iterator[Dialog]:
    """Yield one dialog per non-blank line of a JSON Lines file, reading it line by line.

    A missing file raises ``FileNotFoundError`` at once, not at the first ``next()``.
    """
    path = Path(path)
    _check_file(path)
    return _iter_jsonl(cls, path)


def _iter_jsonl(cls: type[Dialog], path: Path) -> Iterator[Dialog]:
    source = str(path)
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as err:
                raise DialogFormatError(
                    f"not valid UTF-8 text ({err.reason})", source=source, line=number
                ) from None
            if not line.strip():
                continue
            data = loads(line, source, number)
            try:
                dialog = _validate(cls, data, source, number)
            except RecursionError:
                raise DialogFormatError(
                    "JSON nested too deeply", source=source, line=number
                ) from None
            yield dialog


def write_jsonl(dialogs: Iterable[Dialog], path: Any, append: bool = False) -> None:
    """Write dialogs one per line; ``append`` adds to the end (one write call, not atomic).

    Appending to a file whose last line is incomplete (an interrupted write) raises
    :class:`~sdialog.dialog.DialogFormatError` naming that line and writes nothing; a last line
    that is whole but lacks its newline gets one first.
    """
    source = str(path)
    if not append:
        atomic_write(path, lambda f: f.writelines(_jsonl_line(d, source) for d in dialogs))
        return
    text = "".join(_jsonl_line(d, source) for d in dialogs)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        handle.seek(0, os.SEEK_END)
        last = _unterminated_tail(handle)
        if last is not None:
            try:
                json.loads(last.decode("utf-8"))
            except (ValueError, RecursionError):
                handle.seek(0)
                raise DialogFormatError(
                    "the last line is incomplete (an interrupted write?); nothing was "
                    "appended: remove or repair that line first",
                    source=source,
                    line=sum(chunk.count(b"\n") for chunk in handle) + 1,
                ) from None
            text = "\n" + text
        handle.seek(0, os.SEEK_END)
        handle.write(text.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def _unterminated_tail(handle: Any, block: int = 1 << 16) -> bytes | None:
    """The bytes after the last newline of a binary file, or ``None`` if it ends in one (or is
    empty); read backwards in blocks, so appending to a large file stays cheap."""
    end = handle.seek(0, os.SEEK_END)
    tail, pos = b"", end
    while pos > 0:
        step = min(block, pos)
        pos -= step
        handle.seek(pos)
        tail = handle.read(step) + tail
        if b"\n" in tail:
            break
    if not tail or tail.endswith(b"\n"):
        return None
    return tail[tail.rfind(b"\n") + 1 :]


def _jsonl_line(dialog: Dialog, source: str | None = None) -> str:
    return dumps(_data(dialog, source), indent=None, source=source) + "\n"


def _data(dialog: Dialog, source: str | None) -> Any:
    """``dialog.json()``; data nested too deeply to serialise is a format error naming the file."""
    try:
        return dialog.json()
    except RecursionError:
        raise DialogFormatError("cannot write as JSON: nested too deeply", source=source) from None
    except ValueError as err:  # pydantic: "Circular reference detected (depth exceeded)"
        raise DialogFormatError(f"cannot write as JSON: {err}", source=source) from None


# -------------------------------------------------------------------------------- txt
def _compile_template(template: str) -> tuple[re.Pattern[str], list[str]]:
    parts: list[str] = []
    names: list[str] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if not name.isidentifier() or name in names:
            raise ValueError(f"template {template!r}: bad or repeated field {{{name}}}")
        names.append(name)
        body = {"text": ".*"}.get(name, ".*?")
        parts.append(f"(?P<{name}>{body})")
    if "text" not in names:
        raise ValueError(f"template {template!r} must contain {{text}}")
    return re.compile("".join(parts), re.DOTALL), names


def parse_lines(
    text: str,
    source: str,
    template: str = "{speaker}: {text}",
    default_speakers: list[str] | None = None,
) -> list[Turn]:
    """Turn template lines into turns (blank lines skipped); see ``Dialog.from_str``.

    Lines end in ``\\n``, ``\\r\\n`` or a lone ``\\r``. An empty speaker (``": text"``) reads as
    ``""``, or as the next of ``default_speakers`` when given.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected the dialog text as a str, got {type(text).__name__}")
    regex, _ = _compile_template(template)
    turns: list[Turn] = []
    for number, line in enumerate(_LINE_BREAK.split(text), 1):
        if not line.strip():
            continue
        match = regex.fullmatch(line)
        if match is None and not default_speakers:
            raise DialogFormatError(
                f"line does not match template {template!r}: {line[:80]!r}",
                source=source,
                line=number,
            )
        fields: dict[str, Any] = match.groupdict() if match else {"text": line}
        speaker = fields.pop("speaker", None)
        speaker = speaker.strip() if speaker is not None else None
        if not speaker and default_speakers:
            speaker = default_speakers[len(turns) % len(default_speakers)]
        turns.append(Turn(speaker=speaker, **fields))
    return turns


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _one_line(text: str) -> str:
    return _LINE_BREAK.sub(" ", text)


def _txt_lines(dialog: Dialog, template: str, source: str = "<string>") -> Iterator[str]:
    """One line per turn; a turn that would not read back the same raises ``DialogFormatError``
    (line breaks in a text become spaces: that is the format; a turn without speaker is written
    with an empty one, ``": text"``)."""
    regex, names = _compile_template(template)  # validate before writing anything
    for index, turn in enumerate(dialog.turns):
        values = {k: _one_line(str(v)) for k, v in (turn.model_extra or {}).items()}
        values.update(speaker=turn.speaker or "", text=_one_line(turn.text))
        line = template.format_map(_Blank(values))
        match = regex.fullmatch(line) if line.strip() else None
        back = match.groupdict() if match else {}
        if (
            match is None
            or back["text"] != values["text"]
            or ("speaker" in names and back["speaker"].strip() != values["speaker"])
        ):
            raise DialogFormatError(
                f"turn {index} ({str(turn)[:60]!r}) would not read back the same as a line "
                f"of template {template!r}; use .json, .jsonl or .csv to keep it",
                source=source,
            )
        yield line + "\n"


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


# ----------------------------------------------------------------------- dispatching
def load_file(cls: type[Dialog], path: Any, format: str | None = None, **kwargs: Any) -> Any:
    """Load by extension; see ``Dialog.from_file``."""
    if Path(path).is_dir():
        raise IsADirectoryError(f"{path} is a folder; use Dialog.from_folder")
    fmt = _format_of(Path(path), format)
    _reference_options(fmt, kwargs)
    if fmt in ("json", "jsonl"):
        _no_options(fmt, kwargs)
        return load_json(cls, path) if fmt == "json" else list(iter_jsonl(cls, path))
    if fmt == "txt":
        return cls(turns=parse_lines(_read_text(path), str(path), **kwargs))
    from sdialog.dialog import tabular

    return tabular.load_csv(cls, path, format=fmt, **kwargs)


def save_file(
    dialogs: list[Dialog], path: Any, format: str | None = None, single: bool = False, **kwargs: Any
) -> None:
    """Write by extension; see ``Dialog.to_file``."""
    fmt = _format_of(Path(path), format)
    if fmt == "json":
        indent = kwargs.pop("indent", 2)
        _no_options(fmt, kwargs)
        source = str(path)
        data = _data(dialogs[0], source) if single else [_data(d, source) for d in dialogs]
        text = dumps(data, indent=indent, source=str(path)) + "\n"
        atomic_write(path, lambda f: f.write(text))
    elif fmt == "jsonl":
        write_jsonl(dialogs, path, **kwargs)
    elif fmt == "txt":
        template = kwargs.pop("template", "{speaker}: {text}")
        _no_options(fmt, kwargs)
        lines = [line for d in dialogs for line in _txt_lines(d, template, str(path))]
        atomic_write(path, lambda f: f.writelines(lines))
    else:
        from sdialog.dialog import tabular

        tabular.write_csv(dialogs, path, format=fmt, **kwargs)


_REFERENCE_OPTIONS = {
    "txt_template": ("txt", "template"),
    "csv_speaker_col": ("csv", "speaker_col"),
    "csv_text_col": ("csv", "text_col"),
}


def _reference_options(fmt: str, kwargs: dict[str, Any]) -> None:
    """Map SDialog's ``txt_template``/``csv_speaker_col``/``csv_text_col`` onto our options, in
    place; like there, each applies to its own format only and is ignored by the others."""
    for old, (kind, new) in _REFERENCE_OPTIONS.items():
        if old not in kwargs:
            continue
        value = kwargs.pop(old)
        if fmt == kind or (kind == "csv" and fmt == "tsv"):
            if new in kwargs:
                raise TypeError(f"give {old} or {new}, not both")
            kwargs[new] = value


def _no_options(fmt: str, kwargs: dict[str, Any]) -> None:
    if kwargs:
        raise TypeError(f"unexpected option(s) for .{fmt}: {', '.join(sorted(kwargs))}")


def _natural_key(path: str) -> tuple[Any, ...]:
    """Sort key: digit runs compare as numbers (``d2`` < ``d10``), the rest case-insensitively."""
    parts = re.split(r"(\d+)", path)  # odd positions hold the digit runs
    key = tuple((int(p), p) if i % 2 else (0, p.casefold()) for i, p in enumerate(parts))
    return key, path


def _any_case(pattern: str) -> str:
    """A glob pattern matching ``pattern`` whatever the letter case (``a`` -> ``[aA]``)."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "[":  # keep a bracket expression as it is
            end = pattern.find("]", i + 2)
            if end != -1:
                out.append(pattern[i : end + 1])
                i = end + 1
                continue
        lower, upper = char.lower(), char.upper()
        out.append(f"[{lower}{upper}]" if lower != upper and len(upper) == 1 else char)
        i += 1
    return "".join(out)


def folder_files(folder: Any, pattern: str = "*.json") -> list[Path]:
    """The files ``Dialog.from_folder`` reads, in its order (see :func:`load_folder`)."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"no such dialog folder: {root}")
    files = [
        p
        for p in root.glob(_any_case(pattern))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    files.sort(key=lambda p: _natural_key(p.relative_to(root).as_posix()))
    return files


def load_folder(
    cls: type[Dialog], folder: Any, pattern: str = "*.json", **kwargs: Any
) -> list[Dialog]:
    """Load every matching file in natural, OS-independent filename order.

    ``pattern`` matches case-insensitively (``*.json`` finds ``D3.JSON``); hidden files and
    folders (names starting with ``.``) are skipped.
    """
    dialogs: list[Dialog] = []
    for file in folder_files(folder, pattern):
        loaded = load_file(cls, file, **kwargs)
        dialogs.extend(loaded if isinstance(loaded, list) else [loaded])
    return dialogs
