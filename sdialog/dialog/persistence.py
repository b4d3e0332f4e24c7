"""Loading and saving methods of :class:`~sdialog.dialog.Dialog` (mixed into it).

The work is done by :mod:`sdialog.dialog.io` (files), :mod:`sdialog.dialog.tabular` (CSV/TSV)
and :mod:`sdialog.dialog.hf` (Hugging Face datasets, imported only when used).

Example:
    >>> from sdialog.dialog import Dialog, DialogFormatError
    >>> try:
    ...     Dialog.from_dict({"turns": [{"speaker": "A"}]})
    ... except DialogFormatError as err:
    ...     err.field
    'turns.0.text'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sdialog.dialog import io as dialog_io
from sdialog.dialog import tabular
from sdialog.dialog.errors import DialogFormatError, from_validation_error

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog.dialog import Dialog

__all__ = ["DialogIO"]


class DialogIO:
    """Mixin with the ``from_*``/``to_*`` methods; see each method.

    Example:
        >>> from sdialog.dialog import Dialog
        >>> Dialog.from_json('{"id": "x"}').id
        'x'
    """

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dialog:
        """Build a dialog from a dict (as produced by :meth:`json`).

        Raises :class:`~sdialog.dialog.DialogFormatError` naming the offending field.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog.from_dict({"turns": [{"speaker": "A", "text": "Hi"}]})[0].text
            'Hi'
        """
        if not isinstance(data, dict):
            raise DialogFormatError(f"expected a dict, got {type(data).__name__}", source="<dict>")
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            raise from_validation_error(err, source="<dict>") from None

    @classmethod
    def from_json(cls, source: str | Any = None, *, json_str: str | None = None) -> Any:
        """Load from a JSON string or a ``.json`` file path; a JSON list gives a list of dialogs.

        A string starting with ``{`` or ``[`` is parsed as JSON, anything else is a path.
        ``json_str=`` (SDialog's keyword) is the same as passing the string positionally.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog.from_json('{"turns": [{"speaker": "A", "text": "Hi"}]}')[0].text
            'Hi'
            >>> Dialog.from_json(json_str='{"id": "x"}').id
            'x'
        """
        if json_str is not None:
            if source is not None:
                raise TypeError("give the JSON either positionally or as json_str=, not both")
            source = json_str
        if source is None:
            raise TypeError("from_json() needs a JSON string or a file path")
        if isinstance(source, str) and source.lstrip()[:1] in ("{", "["):
            return dialog_io.parse_json(cls, source, "<string>")
        return dialog_io.load_json(cls, source)

    @classmethod
    def from_str(
        cls,
        text: str,
        template: str = "{speaker}: {text}",
        default_speakers: list[str] | None = None,
        **fields: Any,
    ) -> Dialog:
        """Parse a transcript: one turn per non-blank line matching ``template``.

        ``template`` must contain ``{text}``; ``{speaker}`` and any other ``{name}`` are captured
        (other names become turn metadata). When a line has no speaker (the template has none,
        or, with ``default_speakers`` given, the line does not match), turn ``i`` gets
        ``default_speakers[i % len(default_speakers)]``. Other lines that do not match raise
        :class:`~sdialog.dialog.DialogFormatError` naming the line. ``fields`` set dialog fields.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> d = Dialog.from_str("Hi!\\nHello.", template="{text}", default_speakers=["A", "B"])
            >>> [str(t) for t in d]
            ['A: Hi!', 'B: Hello.']
        """
        turns = dialog_io.parse_lines(text, "<string>", template, default_speakers)
        return cls(turns=turns, **fields)

    @classmethod
    def from_file(cls, path: Any, format: str | None = None, **kwargs: Any) -> Any:
        """Load dialog(s) from a file, by extension (or ``format``): ``json``, ``jsonl``, ``txt``,
        ``csv``, ``tsv``. Returns a :class:`Dialog`, or a list for ``.jsonl``, a JSON list, or a
        CSV split by ``dialog_id_col``. Options: see ``docs/dialog.md`` (``template`` and
        ``default_speakers`` for txt; ``speaker_col``, ``text_col``, ``dialog_id_col``,
        ``has_header``, ``default_speakers`` for csv/tsv). SDialog's names ``txt_template``,
        ``csv_speaker_col`` and ``csv_text_col`` work too, each for its own format only.
        A folder raises ``IsADirectoryError``; a pipe or device, and malformed content,
        :class:`~sdialog.dialog.DialogFormatError` naming the file.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> import tempfile, os
            >>> path = os.path.join(tempfile.mkdtemp(), "d.txt")
            >>> Dialog(turns=[Turn("A", "Hi")]).to_file(path)
            >>> Dialog.from_file(path)[0].text
            'Hi'
        """
        return dialog_io.load_file(cls, path, format=format, **kwargs)

    @classmethod
    def from_folder(cls, folder: Any, pattern: str = "*.json", **kwargs: Any) -> list[Dialog]:
        """Load every file matching ``pattern`` in ``folder`` in natural filename order
        (``d2.json`` before ``d10.json``), whatever the OS or creation order. Files holding several
        dialogs contribute all of them, in order. ``kwargs`` go to :meth:`from_file`. The pattern
        matches in any letter case (``D3.JSON``); hidden files and folders (``.name``) are skipped.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> import tempfile
            >>> folder = tempfile.mkdtemp()
            >>> for i in (10, 2):
            ...     Dialog(id=f"d{i}").to_file(f"{folder}/d{i}.json")
            >>> [d.id for d in Dialog.from_folder(folder)]
            ['d2', 'd10']
        """
        return dialog_io.load_folder(cls, folder, pattern, **kwargs)

    @classmethod
    def iter_jsonl(cls, path: Any) -> Iterator[Dialog]:
        """Yield the dialogs of a JSON Lines file one at a time (blank lines skipped).

        A bad line raises :class:`~sdialog.dialog.DialogFormatError` naming it when reached.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> import tempfile
            >>> path = tempfile.mkdtemp() + "/all.jsonl"
            >>> Dialog.to_jsonl([Dialog(id="a"), Dialog(id="b")], path)
            >>> [d.id for d in Dialog.iter_jsonl(path)]
            ['a', 'b']
        """
        return dialog_io.iter_jsonl(cls, path)

    # ------------------------------------------------------------------------- saving
    def to_file(
        self,
        path: Any,
        format: str | None = None,
        *,
        type: str | None = None,
        makedir: bool = True,
        overwrite: bool = True,
        ensure_ascii: bool = False,
        **kwargs: Any,
    ) -> None:
        """Write the dialog to ``path``, format by extension (or ``format``): ``json``
        (``indent=2``), ``jsonl`` (``append=False``), ``txt`` (``template``), ``csv``/``tsv``
        (``speaker_col``, ``text_col``, ``dialog_id_col``). Writes are atomic; parent folders are
        created. SDialog's options work too: ``type`` (= ``format``; ``"auto"``: by extension),
        ``makedir=False`` (a missing folder is an error), ``overwrite=False`` (an existing file is
        a ``FileExistsError``) and ``ensure_ascii=True`` (JSON with non-ASCII escaped).

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> import tempfile
            >>> path = tempfile.mkdtemp() + "/sub/dialog.json"
            >>> Dialog(id="x").to_file(path)
            >>> Dialog.from_file(path).id
            'x'
        """
        if type is not None and type != "auto":
            if format is not None and format != type:
                raise TypeError("give format= or type=, not both")
            format = type
        target = Path(path)
        if not overwrite and target.exists():
            raise FileExistsError(f"{target} exists (overwrite=False)")
        if not makedir and not target.parent.is_dir():
            raise FileNotFoundError(f"folder not found: {target.parent} (makedir=False)")
        if ensure_ascii:
            if (format or target.suffix.lstrip(".")).lower() != "json":
                raise ValueError("ensure_ascii applies to JSON files only")
            text = self.json(string=True, indent=kwargs.pop("indent", 2), ensure_ascii=True)
            if kwargs:
                raise TypeError(f"unexpected options for json: {', '.join(sorted(kwargs))}")
            dialog_io.atomic_write(target, lambda handle: handle.write(text + "\n"))
            return
        dialog_io.save_file([self], path, format=format, single=True, **kwargs)

    def save(self, path: Any, *args: Any, **kwargs: Any) -> None:
        """SDialog's alias of :meth:`to_file`.

        Example:
            >>> from sdialog.dialog import Dialog
            >>> import tempfile
            >>> path = tempfile.mkdtemp() + "/d.json"
            >>> Dialog(id="x").save(path, overwrite=False)
            >>> Dialog.load(path).id
            'x'
        """
        self.to_file(path, *args, **kwargs)

    @classmethod
    def load(cls, path: Any, *args: Any, type: str | None = None, **kwargs: Any) -> Any:
        """SDialog's alias of :meth:`from_file` (``type`` = ``format``; ``"auto"``: by extension).

        Example:
            >>> from sdialog.dialog import Dialog
            >>> import tempfile
            >>> path = tempfile.mkdtemp() + "/d.txt"
            >>> Dialog.from_str("A: hi").to_file(path)
            >>> Dialog.open(path, type="txt")[0].text
            'hi'
        """
        if type is not None and type != "auto":
            kwargs["format"] = type
        return cls.from_file(path, *args, **kwargs)

    open = load

    @classmethod
    def load_folder(cls, path: Any, *args: Any, type: str | None = None, **kwargs: Any) -> Any:
        """SDialog's alias of :meth:`from_folder`; ``type`` picks the files (``"txt"`` reads
        ``*.txt``; ``"auto"`` or none: the default pattern).

        Example:
            >>> from sdialog.dialog import Dialog
            >>> import tempfile
            >>> folder = tempfile.mkdtemp()
            >>> Dialog(id="a").to_file(folder + "/a.json")
            >>> [d.id for d in Dialog.load_folder(folder)]
            ['a']
        """
        if type is not None and type != "auto":
            kwargs.setdefault("pattern", f"*.{type}")
        return cls.from_folder(path, *args, **kwargs)

    @staticmethod
    def to_jsonl(dialogs: Iterable[Dialog], path: Any, append: bool = False) -> None:
        """Write dialogs to a JSON Lines file, one per line (atomic unless ``append=True``).

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> import tempfile
            >>> path = tempfile.mkdtemp() + "/all.jsonl"
            >>> Dialog.to_jsonl([Dialog()], path)
            >>> Dialog.to_jsonl([Dialog()], path, append=True)
            >>> len(Dialog.from_file(path))
            2
        """
        dialog_io.write_jsonl(dialogs, path, append=append)

    @staticmethod
    def to_csv(
        dialogs: Iterable[Dialog],
        path: Any,
        dialog_id_col: str = "dialog_id",
        speaker_col: str = "speaker",
        text_col: str = "text",
        delimiter: str | None = None,
    ) -> None:
        """Write several dialogs to one CSV/TSV file, one row per turn, ids in ``dialog_id_col``.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> import tempfile
            >>> path = tempfile.mkdtemp() + "/all.csv"
            >>> Dialog.to_csv([Dialog(id="a", turns=[Turn("A", "x")]), Dialog(id="b")], path)
            >>> [d.id for d in Dialog.from_file(path, dialog_id_col="dialog_id")]
            ['a']
        """
        tabular.write_csv(
            list(dialogs),
            path,
            dialog_id_col=dialog_id_col,
            speaker_col=speaker_col,
            text_col=text_col,
            delimiter=delimiter,
        )

    # ------------------------------------------------------------- Hugging Face datasets
    @classmethod
    def from_huggingface(cls, source: Any, split: str | None = None, **kwargs: Any) -> list[Dialog]:
        """Load dialogs from a ``datasets.Dataset``/``DatasetDict``, a folder written by
        :meth:`to_huggingface`, or a hub id (online only). Needs ``pip install 'sdialog[eval]'``.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> dialogs = Dialog.from_huggingface("/path/to/saved")  # doctest: +SKIP
        """
        from sdialog.dialog import hf

        return hf.from_huggingface(cls, source, split=split, **kwargs)

    @staticmethod
    def to_huggingface(
        dialogs: Iterable[Dialog], path: Any = None, push: bool = False, **kwargs: Any
    ) -> Any:
        """Return dialogs as a ``datasets.Dataset`` (one row per dialog); save it to the folder
        ``path`` (atomically), or push it to the hub id ``path`` when ``push=True``.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> ds = Dialog.to_huggingface([Dialog()], "/tmp/my-dialogs")  # doctest: +SKIP
        """
        from sdialog.dialog import hf

        return hf.to_huggingface(dialogs, path, push=push, **kwargs)
