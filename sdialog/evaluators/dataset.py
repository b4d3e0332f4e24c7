"""Dataset evaluators: one number (or a few) for a whole set of dialogs.

Every dataset evaluator has the same two steps, so :class:`~sdialog.evaluators.Comparator` can
bootstrap it: :meth:`DatasetEvaluator.prepare` turns the dialogs into one item per dialog (a
score, an embedding, ...; ``None`` when it could not be computed, e.g. a failed judgment) and
:meth:`DatasetEvaluator.compute` turns the non-missing items into the result. Calling an
evaluator does both: ``evaluator(dialogs)`` → a float, or a dict of metric name → float.

Score-based evaluators call ``score.batch(dialogs)`` once, so scores that batch (LLM judges,
embedding scores) stay batched. A dataset may be a list of dialogs or a path: a folder of
``.json``/``.jsonl`` files or one file (see :func:`load_dialogs`).

- :class:`MeanEvaluator` — the mean of a score (dict scores: the mean of each key).
- :class:`StatsEvaluator` — mean, std, min, max or median (or all five).
- :class:`FrequencyEvaluator` — the share of dialogs whose score is true (e.g. judged real).

Example:
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.evaluators import MeanEvaluator, StatsEvaluator, TurnLength
    >>> dialogs = [Dialog(turns=[Turn("A", "one two")]), Dialog(turns=[Turn("A", "one")])]
    >>> MeanEvaluator(TurnLength())(dialogs)
    1.5
    >>> StatsEvaluator(TurnLength(), stat="max")(dialogs)
    2.0
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sdialog._extras import needs_extra
from sdialog.evaluators.base import DialogScore, as_score

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog import Dialog

__all__ = [
    "STATS",
    "DatasetEvaluator",
    "FrequencyEvaluator",
    "MeanEvaluator",
    "ScoreEvaluator",
    "StatsEvaluator",
    "load_dialogs",
    "save_text",
    "to_number",
]


def load_dialogs(source: Any) -> list[Dialog]:
    """A dataset as a list of dialogs: a list (or any iterable) of dialogs, one dialog, a folder
    (``Dialog.from_folder``: its ``*.json`` files, then its ``*.jsonl`` files, each in natural
    filename order) or a file (``Dialog.from_file``: json, jsonl, txt, csv, tsv). A string is
    always a path, never iterated.

    A corpus folder written by ``sdialog generate`` (it has a ``manifest.json``) gives the dialogs
    of its ``dialogs/`` folder or ``dialogs.jsonl``. In a plain folder, a JSON object that is not
    a dialog (no ``turns`` nor ``events`` key, e.g. a settings file) is skipped with a warning,
    in a folder or a file.

    Example:
        >>> import tempfile
        >>> from sdialog import Dialog
        >>> folder = tempfile.mkdtemp()
        >>> Dialog(id="b").to_file(f"{folder}/2.json")
        >>> Dialog.to_jsonl([Dialog(id="c")], f"{folder}/10.jsonl")
        >>> [d.id for d in load_dialogs(folder)]
        ['b', 'c']
    """
    from sdialog.dialog import Dialog

    if isinstance(source, Dialog):
        return [source]
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            from sdialog.corpus_layout import find_corpus

            corpus = find_corpus(path)
            return load_dialogs(corpus) if corpus is not None else _load_folder(path)
        if path.is_file():
            return _load_files([path])
        raise FileNotFoundError(f"no such dialog file or folder: {path}")
    if isinstance(source, Iterable):
        dialogs = list(source)
        bad = next((d for d in dialogs if not isinstance(d, Dialog)), None)
        if bad is not None:
            raise TypeError(f"expected Dialog objects in the dataset, got {type(bad).__name__}")
        return dialogs
    raise TypeError(
        f"expected a list of dialogs, a folder or a file path; got {type(source).__name__}"
    )


def _load_folder(folder: Path) -> list[Dialog]:
    from sdialog.dialog.io import folder_files

    return _load_files(folder_files(folder, "*.json") + folder_files(folder, "*.jsonl"))


def _load_files(files: list[Path]) -> list[Dialog]:
    """The dialogs of ``files``; JSON objects that are not dialogs are skipped with a warning."""
    import warnings

    from sdialog.dialog import Dialog

    dialogs: list[Dialog] = []
    for file in files:
        loaded = Dialog.from_file(file)
        for dialog in loaded if isinstance(loaded, list) else [loaded]:
            if {"turns", "events"} & dialog.model_fields_set:
                dialogs.append(dialog)
            else:
                warnings.warn(
                    f"{file}: skipped, not a dialog (no 'turns' or 'events')", stacklevel=3
                )
    return dialogs


def save_text(text: str, path: str | os.PathLike[str] | None) -> str:
    """Write ``text`` to ``path`` atomically (when a path is given); return the text.

    Example:
        >>> save_text("a,b\\n", None)
        'a,b\\n'
    """
    if path is not None:
        from sdialog.dialog.io import atomic_write

        atomic_write(path, lambda f: f.write(text))
    return text


def to_number(value: Any) -> float | None:
    """A score value as a float: numbers and bools as they are, objects with ``__float__``
    (e.g. a tool-sequence result) through it, per-turn lists by their mean; ``None`` (or NaN, or
    an empty list) is missing.

    Example:
        >>> to_number(True), to_number([1, 2, 6]), to_number(None), to_number(float("nan"))
        (1.0, 3.0, None, None)
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        numbers = [n for n in (to_number(v) for v in value) if n is not None]
        return sum(numbers) / len(numbers) if numbers else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"expected a number, a bool or a per-turn list from the score, got {value!r}"
        ) from None
    return None if math.isnan(number) else number


class DatasetEvaluator:
    """Base of dataset evaluators (see the module docstring).

    Subclasses set ``name`` and implement :meth:`prepare` and :meth:`compute`; they may cap
    bootstrap resamples with ``bootstrap_limit`` (``0``: no confidence interval) and draw
    themselves with :meth:`plot`.
    """

    name: str = "evaluator"
    bootstrap_limit: ClassVar[int | None] = None

    def prepare(self, dialogs: list[Dialog]) -> list[Any]:
        """One item per dialog, in order (``None`` where it could not be computed)."""
        raise NotImplementedError(f"{type(self).__name__} must implement prepare(dialogs)")

    def compute(self, items: list[Any]) -> float | dict[str, float]:
        """The result from the non-missing items: a float, or metric name → float."""
        raise NotImplementedError(f"{type(self).__name__} must implement compute(items)")

    def results(self, items: list[Any]) -> dict[str, float]:
        """:meth:`compute` as a dict of metric name → value (one metric: the evaluator's name)."""
        result = self.compute(items)
        return dict(result) if isinstance(result, dict) else {self.name: result}

    def counts(self, items: list[Any]) -> dict[str | None, tuple[int, int]]:
        """``(n, missing)`` per metric name (``None``: every metric of this evaluator)."""
        missing = sum(item is None for item in items)
        return {None: (len(items) - missing, missing)}

    def plot(self, figure: Any, items: dict[str, list[Any]], table: Any) -> bool:
        """Draw the result on a matplotlib ``figure`` (``items``: dataset → present items,
        ``table``: this evaluator's rows of the results); return False when there is no plot."""
        from sdialog.evaluators import plots

        plots.bars(figure, table)
        return True

    def __call__(self, dialogs: Any, dataset_name: str | None = None) -> float | dict[str, float]:
        """Evaluate one dataset (``dataset_name`` is accepted for SDialog compatibility)."""
        items = [item for item in self.prepare(load_dialogs(dialogs)) if item is not None]
        if not items:
            raise ValueError(f"{self.name}: no dialog could be scored")
        return self.compute(items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def _as_items(values: list[Any], name: str) -> list[dict[str, float | None] | None]:
    """Score values as per-dialog dicts (``{name: x}`` for numbers); ``None`` stays missing."""
    items: list[dict[str, float | None] | None] = []
    for value in values:
        if value is None:
            items.append(None)
        elif isinstance(value, dict):
            items.append({str(k): to_number(v) for k, v in value.items()})
        else:
            number = to_number(value)
            items.append(None if number is None else {name: number})
    return items


class ScoreEvaluator(DatasetEvaluator):
    """Base of evaluators that aggregate a :class:`~sdialog.evaluators.DialogScore` with one
    statistic per metric. Items are dicts of metric → number (a number score gives
    ``{name: value}``); subclasses name their statistic in :meth:`stats`."""

    def __init__(self, score: DialogScore, name: str | None = None):
        score = as_score(score)  # also any callable with a name (SDialog's duck-typed scores)
        self.score = score
        self.name = name or score.name

    def prepare(self, dialogs: list[Dialog]) -> list[Any]:
        return _as_items(self.score.batch(dialogs), self.name)

    def stats(self, key: str) -> list[tuple[str, str]]:
        """``(metric name, statistic)`` pairs computed for one key of the score."""
        raise NotImplementedError

    def columns(self, items: list[Any]) -> dict[str, list[float | None]]:
        """Key → one value per item (``None`` where that item lacks it)."""
        keys = dict.fromkeys(k for item in items if item is not None for k in item)
        return {k: [None if item is None else item.get(k) for item in items] for k in keys}

    def counts(self, items: list[Any]) -> dict[str | None, tuple[int, int]]:
        result: dict[str | None, tuple[int, int]] = {}
        for key, values in self.columns(items).items():
            present = sum(v is not None for v in values)
            for metric, _ in self.stats(key):
                result[metric] = (present, len(items) - present)
        return result

    def reduce(self, items: list[Any], indices: Any = None) -> dict[str, Any]:
        """Metric → its statistic over the items, or (with an ``(B, n)`` array of resampled
        item positions) an array of B bootstrap values."""
        import warnings

        with needs_extra("eval"):
            import numpy as np

        result = {}
        for key, values in self.columns(items).items():
            column = np.array([np.nan if v is None else v for v in values], dtype=float)
            sample = column[None, :] if indices is None else column[indices]
            for metric, stat in self.stats(key):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # all-missing -> nan
                    value = _apply(stat, sample)
                result[metric] = float(value[0]) if indices is None else value
        return result

    def results(self, items: list[Any]) -> dict[str, float]:
        return self.reduce(items)

    def compute(self, items: list[Any]) -> float | dict[str, float]:
        """The statistic(s): a number when there is one metric, else metric → number."""
        result = self.reduce(items)
        return next(iter(result.values())) if len(result) == 1 else result


def _apply(stat: str, sample: Any) -> Any:
    """A statistic along axis 1 of a 2-D array, NaN (missing) values left out."""
    with needs_extra("eval"):
        import numpy as np

    if stat == "share":
        return np.nanmean(np.where(np.isnan(sample), np.nan, sample > 0), axis=1)
    return getattr(np, f"nan{stat}")(sample, axis=1)


STATS = ("mean", "std", "min", "max", "median")
"""The statistics :class:`StatsEvaluator` knows (``std`` is the population standard deviation)."""


class MeanEvaluator(ScoreEvaluator):
    """The mean of a score over the dataset (for a dict score, the mean of each key; a
    per-turn list counts as its mean; ``None`` values are missing and left out).

    Example:
        >>> from sdialog import Dialog, Turn
        >>> from sdialog.evaluators import ConversationalFeatures
        >>> d = [Dialog(turns=[Turn("A", "Right."), Turn("B", "Yes?")])]
        >>> MeanEvaluator(ConversationalFeatures(["question-rate", "back-channel-rate"]))(d)
        {'question-rate': 0.5, 'back-channel-rate': 0.5}
    """

    def stats(self, key: str) -> list[tuple[str, str]]:
        return [(key, "mean")]


class StatsEvaluator(ScoreEvaluator):
    """Descriptive statistics of a score: ``stat`` is one of :data:`STATS` or ``None`` for all
    five; the metrics are named ``<name>-<stat>`` (``turn-length-median``, ...).

    Example:
        >>> from sdialog import Dialog, Turn
        >>> from sdialog.evaluators import TurnLength
        >>> ds = [Dialog(turns=[Turn("A", "a b c")]), Dialog(turns=[Turn("A", "a")])]
        >>> StatsEvaluator(TurnLength())(ds)["turn-length-std"]
        1.0
        >>> StatsEvaluator(TurnLength(), stat="median")(ds)
        2.0
    """

    def __init__(self, score: DialogScore, stat: str | None = None, name: str | None = None):
        if stat is not None and stat not in STATS:
            raise ValueError(f"unknown stat {stat!r}; expected one of {list(STATS)} or None")
        super().__init__(score, name)
        self.stat = stat

    def stats(self, key: str) -> list[tuple[str, str]]:
        return [(f"{key}-{stat}", stat) for stat in ((self.stat,) if self.stat else STATS)]

    def plot(self, figure: Any, items: dict[str, list[Any]], table: Any) -> bool:
        from sdialog.evaluators import plots

        columns = {
            dataset: {k: [v for v in vs if v is not None] for k, vs in self.columns(its).items()}
            for dataset, its in items.items()
        }
        plots.boxes(figure, columns)
        return True


class FrequencyEvaluator(ScoreEvaluator):
    """The share of dialogs whose score is true (a yes/no judge, a tool-sequence check, any
    score > 0); ``None`` values are missing and left out.

    Example:
        >>> from sdialog import Dialog, Event
        >>> from sdialog.evaluators import ToolSequenceValidator
        >>> call = Event(action="tool", actionLabel="call", content={"name": "refund"})
        >>> FrequencyEvaluator(ToolSequenceValidator(["refund"]))([Dialog(events=[call]), Dialog()])
        0.5
    """

    def stats(self, key: str) -> list[tuple[str, str]]:
        return [(key, "share")]

    def plot(self, figure: Any, items: dict[str, list[Any]], table: Any) -> bool:
        from sdialog.evaluators import plots

        plots.bars(figure, table, percent=True)
        return True
