"""Compare datasets of dialogs with several evaluators: one tidy table, bootstrap confidence
intervals, exports and plots.

``Comparator(evaluators)({"model-A": dialogs_a, "model-B": "path/to/folder"})`` returns a
``pandas.DataFrame`` with one row per (dataset, metric): ``dataset``, ``metric``, ``value``,
``ci_low``, ``ci_high`` (percentile bootstrap over dialogs, seeded), ``n`` (dialogs with a
value) and ``missing`` (dialogs without one, e.g. failed judgments). Each dataset is loaded once
(paths with :func:`~sdialog.evaluators.dataset.load_dialogs`) and each evaluator prepares it once
(``score.batch``: batched); within one call, texts embedded by several evaluators are encoded
once. The bootstrap reuses the prepared items, so it costs no model call.

Example:
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.evaluators import MeanEvaluator, QuestionRate, TurnLength
    >>> a = [Dialog(turns=[Turn("A", "Is it open?"), Turn("B", "Yes it is.")])] * 3
    >>> b = [Dialog(turns=[Turn("A", "Open."), Turn("B", "Yes.")])] * 3
    >>> comparator = Comparator([MeanEvaluator(TurnLength()), MeanEvaluator(QuestionRate())])
    >>> table = comparator({"a": a, "b": b})
    >>> print(table[["dataset", "metric", "value", "n"]].to_string(index=False))
    dataset        metric  value  n
          a   turn-length    3.0  3
          a question-rate    0.5  3
          b   turn-length    1.0  3
          b question-rate    0.0  3
    >>> print(comparator.to_markdown(digits=2))
    | metric | a | b |
    |---|---|---|
    | turn-length | 3.00 [3.00, 3.00] | 1.00 [1.00, 1.00] |
    | question-rate | 0.50 [0.50, 0.50] | 0.00 [0.00, 0.00] |
"""

from __future__ import annotations

import json
import math
import os
import re
import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sdialog._extras import needs_extra
from sdialog.evaluators.dataset import DatasetEvaluator, ScoreEvaluator, load_dialogs, save_text
from sdialog.evaluators.embedding import shared_embeddings

__all__ = ["COLUMNS", "Comparator"]

COLUMNS = ("dataset", "metric", "value", "ci_low", "ci_high", "n", "missing")
"""The columns of :attr:`Comparator.results`, in order."""


def _datasets(datasets: Any) -> dict[str, Any]:
    """Name → dataset from a dict, a list of datasets, or one dataset (a list of dialogs/path)."""
    from sdialog.dialog import Dialog

    if isinstance(datasets, Mapping):
        return {str(name): source for name, source in datasets.items()}
    if isinstance(datasets, (str, os.PathLike)):
        return {Path(datasets).name or str(datasets): datasets}
    items = list(datasets)
    if not items or isinstance(items[0], Dialog):
        return {"dataset": items}
    return {str(i + 1): source for i, source in enumerate(items)}


class Comparator:
    """Runs ``evaluators`` over named datasets; see the module docstring.

    ``n_boot`` bootstrap resamples of the dialogs (evaluators may cap it with
    ``bootstrap_limit``; 0 disables confidence intervals), ``confidence`` level of the interval,
    ``seed`` for the resampling (results do not depend on dataset or evaluator order).
    """

    def __init__(
        self,
        evaluators: DatasetEvaluator | Sequence[DatasetEvaluator],
        n_boot: int = 1000,
        confidence: float = 0.95,
        seed: int = 0,
    ):
        evaluators = [evaluators] if isinstance(evaluators, DatasetEvaluator) else list(evaluators)
        if not evaluators:
            raise ValueError("expected at least one dataset evaluator")
        for evaluator in evaluators:
            if not isinstance(evaluator, DatasetEvaluator):
                raise TypeError(
                    f"expected dataset evaluators (e.g. MeanEvaluator(score)), got "
                    f"{type(evaluator).__name__}"
                )
        if not 0 < confidence < 1:
            raise ValueError(f"confidence must be in (0, 1), got {confidence}")
        self.evaluators = evaluators
        self.n_boot, self.confidence, self.seed = n_boot, confidence, seed
        self.results: Any = None
        self._items: list[dict[str, list[Any]]] = []
        self._metrics: list[dict[str, None]] = []

    def __call__(self, datasets: Any, progress: Callable[[str, str], None] | None = None) -> Any:
        """Evaluate every dataset with every evaluator; returns (and keeps in ``results``) the
        tidy table. ``progress(dataset, evaluator_name)`` is called after each step."""
        with needs_extra("eval"):
            import pandas as pd

        sources = _datasets(datasets)
        rows: list[dict[str, Any]] = []
        self._items = [{} for _ in self.evaluators]
        self._metrics = [{} for _ in self.evaluators]
        with shared_embeddings():
            for name, source in sources.items():
                dialogs = load_dialogs(source)
                for e_index, evaluator in enumerate(self.evaluators):
                    items = evaluator.prepare(dialogs)
                    present = [item for item in items if item is not None]
                    self._items[e_index][name] = present
                    key = (zlib.crc32(name.encode()), zlib.crc32(evaluator.name.encode()))
                    new = self._rows(evaluator, name, items, present, key)
                    self._metrics[e_index].update(dict.fromkeys(r["metric"] for r in new))
                    rows.extend(new)
                    if progress is not None:
                        progress(name, evaluator.name)
        table = pd.DataFrame(rows, columns=list(COLUMNS))
        duplicated = table.duplicated(["dataset", "metric"])
        if duplicated.any():
            metric = table.loc[duplicated, "metric"].iloc[0]
            raise ValueError(
                f"two evaluators produce the metric {metric!r}; give one of them another name= "
                "(e.g. MeanEvaluator(score, name='...'))"
            )
        self.results = table
        return table

    def _rows(
        self,
        evaluator: DatasetEvaluator,
        dataset: str,
        items: list[Any],
        present: list[Any],
        key: tuple[int, int],
    ) -> list[dict[str, Any]]:
        counts = evaluator.counts(items) or {None: (0, len(items))}
        if present:
            values = evaluator.results(present)
        else:
            values = {str(metric or evaluator.name): math.nan for metric in counts}
        intervals = self._intervals(evaluator, present, list(values), key)
        rows = []
        for metric, value in values.items():
            n, missing = counts.get(metric, counts.get(None, (len(present), 0)))
            low, high = intervals.get(metric, (math.nan, math.nan))
            row = (dataset, metric, float(value), low, high, n, missing)
            rows.append(dict(zip(COLUMNS, row, strict=True)))
        return rows

    def _intervals(
        self,
        evaluator: DatasetEvaluator,
        items: list[Any],
        metrics: list[str],
        key: tuple[int, int],
    ) -> dict[str, tuple[float, float]]:
        """Percentile bootstrap interval per metric (resampling dialogs with replacement)."""
        with needs_extra("eval"):
            import numpy as np

        limit = evaluator.bootstrap_limit
        resamples = self.n_boot if limit is None else min(self.n_boot, limit)
        if resamples <= 0 or len(items) < 2:
            return {}
        rng = np.random.default_rng([self.seed, *key])
        indices = rng.integers(0, len(items), size=(resamples, len(items)))
        if isinstance(evaluator, ScoreEvaluator):
            samples = evaluator.reduce(items, indices)
        else:
            samples = {metric: [] for metric in metrics}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for row in indices:
                    try:
                        result = evaluator.results([items[i] for i in row])
                    except (ValueError, np.linalg.LinAlgError):
                        continue
                    for metric, value in result.items():
                        samples[metric].append(value)
        tail = 50 * (1 - self.confidence)
        out = {}
        for metric, values in samples.items():
            values = np.asarray(values, dtype=float)
            values = values[~np.isnan(values)]
            if len(values):
                low, high = np.percentile(values, [tail, 100 - tail])
                out[metric] = (float(low), float(high))
        return out

    # ------------------------------------------------------------------------ exports
    def _table(self) -> Any:
        if self.results is None:
            raise RuntimeError("no results yet: call the comparator on datasets first")
        return self.results

    def to_markdown(self, path: str | os.PathLike[str] | None = None, digits: int = 3) -> str:
        """A markdown table: one row per metric, one column per dataset, ``value [low, high]``."""
        table = self._table()
        datasets = list(dict.fromkeys(table["dataset"]))
        lines = ["| metric | " + " | ".join(datasets) + " |", "|---" * (len(datasets) + 1) + "|"]
        for metric in dict.fromkeys(table["metric"]):
            cells = []
            for dataset in datasets:
                row = table[(table["metric"] == metric) & (table["dataset"] == dataset)]
                cells.append(_cell(row.iloc[0], digits) if len(row) else "")
            lines.append(f"| {metric} | " + " | ".join(cells) + " |")
        return save_text("\n".join(lines) + "\n", path).rstrip("\n")

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str:
        """The tidy table as CSV text (written to ``path`` when given)."""
        return save_text(self._table().to_csv(index=False), path)

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """The tidy table as JSON (``results``: records, NaN as null) plus the settings."""
        records = [
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in self._table().to_dict(orient="records")
        ]
        data = {
            "results": records,
            "settings": {"n_boot": self.n_boot, "confidence": self.confidence, "seed": self.seed},
            "evaluators": [repr(evaluator) for evaluator in self.evaluators],
        }
        return save_text(json.dumps(data, indent=2, default=_json_default) + "\n", path)

    def to_latex(self, path: str | os.PathLike[str] | None = None, digits: int = 3) -> str:
        """A LaTeX ``tabular`` (booktabs rules): metrics × datasets, ``value [low, high]``."""
        table = self._table()
        datasets = list(dict.fromkeys(table["dataset"]))
        lines = [
            "\\begin{tabular}{l" + "r" * len(datasets) + "}",
            "\\toprule",
            " & ".join(["metric", *map(_latex_escape, datasets)]) + " \\\\",
            "\\midrule",
        ]
        for metric in dict.fromkeys(table["metric"]):
            cells = [_latex_escape(metric)]
            for dataset in datasets:
                row = table[(table["metric"] == metric) & (table["dataset"] == dataset)]
                cells.append(_latex_escape(_cell(row.iloc[0], digits)) if len(row) else "")
            lines.append(" & ".join(cells) + " \\\\")
        lines += ["\\bottomrule", "\\end{tabular}"]
        return save_text("\n".join(lines) + "\n", path)

    # -------------------------------------------------------------------------- plots
    def plot(
        self, save_folder: str | os.PathLike[str] | None = None, format: str = "png", dpi: int = 150
    ) -> dict[str, Any]:
        """One figure per evaluator that can draw itself. With ``save_folder``, each is saved as
        ``<evaluator name>.<format>`` and the dict maps names to paths; otherwise it maps names
        to ``matplotlib.figure.Figure`` objects (displayed inline by Jupyter). matplotlib's
        object API and the Agg canvas are used: no window opens and no global setting changes.
        """
        from sdialog.evaluators import plots

        table = self._table()
        out: dict[str, Any] = {}
        folder = Path(save_folder) if save_folder is not None else None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        for evaluator, items, metrics in zip(
            self.evaluators, self._items, self._metrics, strict=True
        ):
            figure = plots.new_figure()
            rows = table[table["metric"].isin(metrics)]
            if not evaluator.plot(figure, items, rows):
                continue
            if folder is None:
                out[evaluator.name] = figure
            else:
                path = folder / f"{_safe_name(evaluator.name)}.{format}"
                figure.savefig(path, dpi=dpi, format=format)
                out[evaluator.name] = path
        return out

    def __repr__(self) -> str:
        names = ", ".join(e.name for e in self.evaluators)
        return f"Comparator([{names}], n_boot={self.n_boot}, confidence={self.confidence})"


def _cell(row: Any, digits: int) -> str:
    if math.isnan(row["value"]):
        return "n/a"
    text = f"{row['value']:.{digits}f}"
    if not math.isnan(row["ci_low"]):
        text += f" [{row['ci_low']:.{digits}f}, {row['ci_high']:.{digits}f}]"
    return text


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _latex_escape(text: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", str(text))


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "evaluator"
