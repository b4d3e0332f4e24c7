"""Distances between the distribution of a score on candidate dialogs and on reference dialogs.

Each evaluator takes a number-valued :class:`~sdialog.evaluators.DialogScore` and the reference
dialogs (a list or a path); reference scores are computed once, with ``score.batch``. ``None``
scores are missing and left out.

- :class:`KDEDistanceEvaluator` — KL (default), Jensen–Shannon or Cauchy–Schwarz divergence of
  Gaussian kernel density estimates on a shared, padded grid.
- :class:`FrechetDistanceEvaluator` — Fréchet (2-Wasserstein) distance between fitted normals.
- :class:`WassersteinDistanceEvaluator` — the 1-Wasserstein (earth mover's) distance between the
  empirical distributions.

Example:
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.evaluators import TurnLength
    >>> short = [Dialog(turns=[Turn("A", "a " * n)]) for n in (1, 2, 3)]
    >>> long = [Dialog(turns=[Turn("A", "a " * n)]) for n in (11, 12, 13)]
    >>> WassersteinDistanceEvaluator(TurnLength(), short)(long)
    10.0
    >>> FrechetDistanceEvaluator(TurnLength(), short)(short)
    0.0
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

from sdialog._extras import needs_extra
from sdialog.evaluators.base import DialogScore, as_score
from sdialog.evaluators.dataset import DatasetEvaluator, load_dialogs, to_number

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from sdialog.dialog import Dialog

__all__ = [
    "FrechetDistanceEvaluator",
    "KDEDistanceEvaluator",
    "WassersteinDistanceEvaluator",
    "kde_on_grid",
]

GRID_POINTS = 512
"""Points of the grid the densities are evaluated and normalised on."""


class _ScoreDistribution(DatasetEvaluator):
    """Items are the (number) scores of the dialogs; the reference's are kept as an array."""

    prefix: ClassVar[str]

    def __init__(self, score: DialogScore, reference: Any, name: str | None = None):
        score = as_score(score)  # also any callable with a name
        if reference is None:
            raise ValueError(f"{type(self).__name__} needs reference dialogs")
        with needs_extra("eval"):
            import numpy as np

        self.score = score
        self.name = name or f"{self.prefix}-{score.name}"
        values = [v for v in self.prepare(load_dialogs(reference)) if v is not None]
        if not values:
            raise ValueError(f"{self.name}: no reference dialog could be scored")
        self.reference_scores = np.array(values, dtype=float)

    def prepare(self, dialogs: list[Dialog]) -> list[Any]:
        values = self.score.batch(dialogs)
        bad = next((v for v in values if isinstance(v, dict)), None)
        if bad is not None:
            raise TypeError(
                f"{self.name} needs a number-valued score; {self.score.name} returned a dict "
                f"(keys {sorted(bad)}): pick one feature, e.g. its own class"
            )
        return [to_number(v) for v in values]

    def plot(self, figure: Any, items: dict[str, list[Any]], table: Any) -> bool:
        from sdialog.evaluators import plots

        samples = {name: values for name, values in items.items() if values}
        grid, densities = kde_on_grid([self.reference_scores, *samples.values()])
        curves = dict(zip(samples, densities[1:], strict=True))
        step = grid[1] - grid[0]
        plots.densities(
            figure,
            grid,
            {k: v / step for k, v in curves.items()},
            densities[0] / step,
            self.score.name,
            f"{self.name}",
        )
        return True


def _bandwidth(values: np.ndarray, resolution: float) -> float:
    """Scott's rule, σ·n^(-1/5), floored at 2 grid steps (and 1e-3 of the values' scale) so that
    (near-)constant samples still give a density the grid can resolve."""
    with needs_extra("eval"):
        import numpy as np

    spread = float(np.std(values))
    floor = max(2 * resolution, 1e-3 * max(1.0, float(np.max(np.abs(values)))))
    return max(spread * len(values) ** -0.2, floor)


def kde_on_grid(
    samples: list[Any], bandwidth: float | None = None, points: int = GRID_POINTS
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Gaussian KDEs of several samples on one shared grid, each normalised to sum to 1.

    The grid spans all samples padded by 4 bandwidths on each side (so no mass is cut off);
    ``bandwidth`` defaults to Scott's rule per sample, never below two grid steps. Returns
    ``(grid, [probabilities])``.

    Example:
        >>> import numpy as np
        >>> grid, (p,) = kde_on_grid([np.array([0.0, 1.0])])
        >>> round(float(p.sum()), 6), bool(grid[0] < 0 and grid[-1] > 1)
        (1.0, True)
    """
    with needs_extra("eval"):
        import numpy as np

    arrays = [np.asarray(s, dtype=float) for s in samples]
    low = min(float(a.min()) for a in arrays)
    high = max(float(a.max()) for a in arrays)
    resolution = (high - low) / (points / 2)  # the padded grid is at least this fine
    widths = [bandwidth or _bandwidth(a, resolution) for a in arrays]
    pad = 4 * max(widths)
    grid = np.linspace(low - pad, high + pad, points)
    densities = []
    for a, h in zip(arrays, widths, strict=True):
        z = (grid[:, None] - a[None, :]) / h
        density = np.exp(-0.5 * z * z).sum(axis=1)
        densities.append(density / density.sum())
    return grid, densities


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    with needs_extra("eval"):
        import numpy as np

    mask = p > 0
    return max(float(np.sum(p[mask] * np.log(p[mask] / q[mask]))), 0.0)


class KDEDistanceEvaluator(_ScoreDistribution):
    """Divergence between kernel density estimates of the reference scores (P) and the
    candidate scores (Q): Gaussian kernels with Scott's bandwidth (or ``bandwidth``), evaluated
    on a shared grid padded by 4 bandwidths and normalised to discrete distributions (a floor of
    1e-12 then renormalisation keeps Q > 0), so the values are well defined:

    - ``metric="kl"``: KL(P‖Q) = Σ p log(p/q) ≥ 0 (Gibbs' inequality; never negative);
    - ``"js"``: Jensen–Shannon, ½KL(P‖M) + ½KL(Q‖M) with M = (P+Q)/2, in [0, log 2];
    - ``"cs"``: Cauchy–Schwarz, −log(Σpq / √(Σp² Σq²)) ≥ 0;
    - ``"all"``: a dict of the three (``kl-<score>``, ``js-<score>``, ``cs-<score>``).

    Example:
        >>> from sdialog import Dialog, Turn
        >>> from sdialog.evaluators import TurnLength
        >>> ref = [Dialog(turns=[Turn("A", "a " * n)]) for n in (2, 3, 4, 5)]
        >>> kde = KDEDistanceEvaluator(TurnLength(), ref)
        >>> kde(ref), kde(ref) < kde([Dialog(turns=[Turn("A", "a " * 9)])] * 4)
        (0.0, True)
    """

    bootstrap_limit: ClassVar[int | None] = 200
    METRICS: ClassVar[tuple[str, ...]] = ("kl", "js", "cs")

    def __init__(
        self,
        score: DialogScore,
        reference: Any,
        metric: str = "kl",
        bandwidth: float | None = None,
        name: str | None = None,
    ):
        if metric not in (*self.METRICS, "all"):
            raise ValueError(f"unknown metric {metric!r}; expected one of {[*self.METRICS, 'all']}")
        self.metric, self.bandwidth = metric, bandwidth
        self.prefix = "kde" if metric == "all" else metric
        super().__init__(score, reference, name)

    def compute(self, items: list[Any]) -> float | dict[str, float]:
        if self.metric != "all":
            return divergence(self.reference_scores, items, self.metric, self.bandwidth)
        return {
            f"{m}-{self.score.name}": divergence(self.reference_scores, items, m, self.bandwidth)
            for m in self.METRICS
        }


def divergence(
    reference: Any, candidate: Any, metric: str = "kl", bandwidth: float | None = None
) -> float:
    """``metric`` ("kl", "js" or "cs", see :class:`KDEDistanceEvaluator`) between the KDEs of
    two samples of numbers (P: ``reference``, Q: ``candidate``).

    Example:
        >>> divergence([1, 2, 3], [1, 2, 3]), divergence([1, 2, 3], [7, 8, 9]) > 1
        (0.0, True)
    """
    with needs_extra("eval"):
        import numpy as np

    _, (p, q) = kde_on_grid([np.asarray(reference, float), np.asarray(candidate, float)], bandwidth)
    p, q = np.maximum(p, 1e-12), np.maximum(q, 1e-12)
    p, q = p / p.sum(), q / q.sum()
    if metric == "kl":
        return _kl(p, q)
    if metric == "js":
        return 0.5 * _kl(p, (p + q) / 2) + 0.5 * _kl(q, (p + q) / 2)
    if metric == "cs":
        return max(-math.log(float(p @ q) / math.sqrt(float(p @ p) * float(q @ q))), 0.0)
    raise ValueError(f"unknown divergence {metric!r}; expected 'kl', 'js' or 'cs'")


class FrechetDistanceEvaluator(_ScoreDistribution):
    """Fréchet distance between normal fits of the reference and candidate scores:
    d = √((μ_ref − μ_cand)² + (σ_ref − σ_cand)²) (the 2-Wasserstein distance between the two
    normals; σ is the population standard deviation).

    Example:
        >>> from sdialog import Dialog, Turn
        >>> from sdialog.evaluators import TurnLength
        >>> ref = [Dialog(turns=[Turn("A", "a " * n)]) for n in (1, 3)]   # μ 2, σ 1
        >>> FrechetDistanceEvaluator(TurnLength(), ref)([Dialog(turns=[Turn("A", "a a a a a")])])
        3.1622776601683795
    """

    prefix = "frechet"

    def compute(self, items: list[Any]) -> float:
        with needs_extra("eval"):
            import numpy as np

        values = np.asarray(items, dtype=float)
        ref = self.reference_scores
        return math.hypot(float(ref.mean() - values.mean()), float(ref.std() - values.std()))


class WassersteinDistanceEvaluator(_ScoreDistribution):
    """1-Wasserstein (earth mover's) distance between the empirical score distributions:
    W₁ = ∫ |F_ref(x) − F_cand(x)| dx (``scipy.stats.wasserstein_distance``), in the score's unit.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> from sdialog.evaluators import TurnLength
        >>> ref = [Dialog(turns=[Turn("A", "a")]), Dialog(turns=[Turn("A", "a a a")])]
        >>> WassersteinDistanceEvaluator(TurnLength(), ref)([Dialog(turns=[Turn("A", "a a")])])
        1.0
    """

    prefix = "wasserstein"

    def compute(self, items: list[Any]) -> float:
        with needs_extra("eval"):
            from scipy.stats import wasserstein_distance

        return float(wasserstein_distance(self.reference_scores, items))
