"""Drawing helpers for :meth:`Comparator.plot <sdialog.evaluators.Comparator.plot>`.

Each helper draws on a ``matplotlib.figure.Figure`` it is given (matplotlib's object API: no
pyplot state, no global ``rcParams`` change, no window). :func:`new_figure` makes a figure bound
to the Agg canvas, so ``figure.savefig(path)`` works headless.

Example:
    >>> import pandas as pd
    >>> table = pd.DataFrame({"dataset": ["a", "b"], "metric": ["m", "m"], "value": [1.0, 2.0],
    ...                       "ci_low": [0.5, 1.5], "ci_high": [1.5, 2.5]})
    >>> figure = new_figure()
    >>> bars(figure, table)
    >>> len(figure.axes)
    1
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sdialog._extras import needs_extra

__all__ = ["bars", "boxes", "curves", "densities", "new_figure", "scatter"]

REFERENCE_COLOR = "0.35"


def new_figure(width: float = 6.4, height: float = 4.0) -> Any:
    """A matplotlib Figure on the Agg canvas (never shown, never registered with pyplot)."""
    with needs_extra("eval"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _grid(figure: Any, n: int) -> list[Any]:
    columns = min(3, n)
    rows = math.ceil(n / columns)
    figure.set_size_inches(4.2 * columns, 3.2 * rows)
    return [figure.add_subplot(rows, columns, i + 1) for i in range(n)]


def bars(figure: Any, table: Any, percent: bool = False) -> None:
    """One bar chart per metric of ``table`` (a dataset per bar) with confidence intervals."""
    metrics = list(dict.fromkeys(table["metric"]))
    for ax, metric in zip(_grid(figure, len(metrics)), metrics, strict=True):
        rows = table[table["metric"] == metric]
        scale = 100.0 if percent else 1.0
        values = rows["value"].to_numpy(dtype=float) * scale
        low = rows["ci_low"].to_numpy(dtype=float) * scale
        high = rows["ci_high"].to_numpy(dtype=float) * scale
        error = [_clean(values - low), _clean(high - values)]
        colors = [f"C{i % 10}" for i in range(len(rows))]
        ax.bar(list(rows["dataset"].astype(str)), values, yerr=error, capsize=4, color=colors)
        ax.set_title(metric + (" (%)" if percent else ""))
        ax.tick_params(axis="x", labelrotation=20)


def _clean(values: Any) -> Any:
    with needs_extra("eval"):
        import numpy as np

    return np.nan_to_num(np.maximum(values, 0.0), nan=0.0)


def boxes(figure: Any, columns: Mapping[str, Mapping[str, Sequence[float]]]) -> None:
    """One box plot per metric; ``columns`` maps dataset → metric → values."""
    metrics = list(dict.fromkeys(m for per_metric in columns.values() for m in per_metric))
    for ax, metric in zip(_grid(figure, len(metrics)), metrics, strict=True):
        names = [name for name in columns if columns[name].get(metric)]
        ax.boxplot([columns[name][metric] for name in names], tick_labels=names)
        ax.set_title(metric)
        ax.tick_params(axis="x", labelrotation=20)


def densities(
    figure: Any,
    grid: Sequence[float],
    curves_by_name: Mapping[str, Sequence[float]],
    reference: Sequence[float] | None,
    xlabel: str,
    title: str,
) -> None:
    """Density curves on one axis (the reference in grey, thicker)."""
    ax = figure.add_subplot(1, 1, 1)
    if reference is not None:
        ax.plot(grid, reference, color=REFERENCE_COLOR, lw=3, label="reference")
    for i, (name, curve) in enumerate(curves_by_name.items()):
        ax.plot(grid, curve, color=f"C{i % 10}", label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend()


def curves(
    figure: Any,
    xy_by_name: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    xlabel: str,
    ylabel: str,
    title: str,
) -> None:
    """Line curves on one axis, one per dataset (e.g. precision-recall curves)."""
    ax = figure.add_subplot(1, 1, 1)
    for i, (name, (x, y)) in enumerate(xy_by_name.items()):
        ax.plot(x, y, color=f"C{i % 10}", label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend()


def scatter(
    figure: Any, vectors_by_name: Mapping[str, Any], reference: Any | None, title: str
) -> None:
    """A 2-D PCA projection of vectors (fit on all of them, deterministic), one colour per
    dataset, the reference in grey, centroids as crosses."""
    with needs_extra("eval"):
        import numpy as np

    groups = ({"reference": reference} if reference is not None else {}) | dict(vectors_by_name)
    groups = {k: np.asarray(v, dtype=float) for k, v in groups.items() if len(v)}
    if not groups:
        return
    stacked = np.vstack(list(groups.values()))
    center = stacked.mean(axis=0)
    _, _, vt = np.linalg.svd(stacked - center, full_matrices=False)
    basis = vt[:2].T
    if basis.shape[1] < 2:
        basis = np.pad(basis, ((0, 0), (0, 2 - basis.shape[1])))
    ax = figure.add_subplot(1, 1, 1)
    for i, (name, vectors) in enumerate(groups.items()):
        is_reference = name == "reference" and reference is not None
        color = REFERENCE_COLOR if is_reference else f"C{i % 10}"
        points = (vectors - center) @ basis
        ax.scatter(
            points[:, 0],
            points[:, 1],
            s=8,
            alpha=0.25 if is_reference else 0.6,
            color=color,
            label=name,
        )
        centroid = points.mean(axis=0)
        ax.scatter([centroid[0]], [centroid[1]], marker="x", s=90, linewidths=2.5, color=color)
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_title(title)
    ax.legend()
