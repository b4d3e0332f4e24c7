"""Judge–human agreement: Cohen's κ, Spearman's ρ and a combined report.

Pairs where either side is ``None`` (a failed judgment, a missing label) are dropped and counted.
κ (scikit-learn's ``cohen_kappa_score``) compares categorical labels — bools, strings or whole
numbers; ``weights="linear"|"quadratic"`` credits near misses on ordinal scales. ρ
(``scipy.stats.spearmanr``) compares rankings of numbers (bools count as 0/1).

κ = (p_o − p_e) / (1 − p_e), with p_o the observed agreement and p_e the agreement expected from
each rater's label frequencies (Cohen, 1960).

Example:
    >>> judge = [True, True, False, False, True, None]
    >>> human = [True, False, False, False, True, True]
    >>> report = agreement(judge, human)
    >>> report.n, report.dropped, round(report.accuracy, 2), round(report.cohen_kappa, 3)
    (5, 1, 0.8, 0.615)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from sdialog._extras import needs_extra


def _pairs(a: Sequence[Any], b: Sequence[Any]) -> tuple[list[Any], list[Any], int]:
    if len(a) != len(b):
        raise ValueError(f"judge_values has {len(a)} values but human_values has {len(b)}")
    kept = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    return [x for x, _ in kept], [y for _, y in kept], len(a) - len(kept)


def _is_categorical(values: Sequence[Any]) -> bool:
    return all(
        isinstance(v, (bool, str)) or (isinstance(v, (int, float)) and float(v).is_integer())
        for v in values
    )


def _label(value: Any) -> Any:
    if isinstance(value, (bool, str)):
        return str(value)
    return int(value)


def cohen_kappa(
    judge_values: Sequence[Any], human_values: Sequence[Any], weights: str | None = None
) -> float:
    """Cohen's κ between two raters' categorical labels (``None`` pairs dropped).

    Args:
        weights: ``None`` (exact agreement), ``"linear"`` or ``"quadratic"`` (ordinal labels).

    Returns ``nan`` when it is undefined (fewer than two pairs, or both raters use one label).

    Example:
        >>> round(cohen_kappa([1, 2, 3, 3], [1, 2, 3, 2]), 3)
        0.636
    """
    with needs_extra("eval"):
        from sklearn.metrics import cohen_kappa_score

    a, b, _ = _pairs(judge_values, human_values)
    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")
    if not (_is_categorical(a) and _is_categorical(b)):
        raise ValueError("cohen_kappa needs categorical labels (bools, strings, whole numbers)")
    if len(a) < 2 or len(set(map(_label, a)) | set(map(_label, b))) < 2:
        return math.nan
    return float(cohen_kappa_score([_label(x) for x in a], [_label(y) for y in b], weights=weights))


def spearman(judge_values: Sequence[Any], human_values: Sequence[Any]) -> tuple[float, float]:
    """Spearman's rank correlation ρ and its p-value (``None`` pairs dropped; ties averaged).

    Returns ``(nan, nan)`` when undefined (fewer than three pairs or a constant side).

    Example:
        >>> rho, p = spearman([1, 2, 3, 4], [10, 20, 40, 30])
        >>> round(rho, 2)
        0.8
    """
    with needs_extra("eval"):
        from scipy.stats import spearmanr

    a, b, _ = _pairs(judge_values, human_values)
    numbers_a, numbers_b = [float(x) for x in a], [float(y) for y in b]
    if len(a) < 3 or len(set(numbers_a)) < 2 or len(set(numbers_b)) < 2:
        return math.nan, math.nan
    result = spearmanr(numbers_a, numbers_b)
    return float(result.statistic), float(result.pvalue)


class AgreementReport(BaseModel):
    """How well a judge agrees with human labels.

    Attributes:
        n: pairs compared (both sides present); ``dropped``: pairs with a ``None``.
        accuracy: fraction of exactly equal pairs.
        cohen_kappa: κ (``None`` for non-categorical values); ``weighted_kappa``: quadratic κ
            for ordinal numbers (``None`` otherwise).
        spearman, spearman_p: ρ and its p-value (``None`` for non-numeric labels).
    """

    n: int
    dropped: int
    accuracy: float | None
    cohen_kappa: float | None
    weighted_kappa: float | None
    spearman: float | None
    spearman_p: float | None

    def __str__(self) -> str:
        shown = [f"n={self.n} (dropped {self.dropped})"]
        for name in ("accuracy", "cohen_kappa", "weighted_kappa", "spearman", "spearman_p"):
            value = getattr(self, name)
            if value is not None:
                shown.append(f"{name}={value:.3f}")
        return ", ".join(shown)


def agreement(judge_values: Sequence[Any], human_values: Sequence[Any]) -> AgreementReport:
    """Compare a judge's values with human labels: accuracy, κ, weighted κ and Spearman's ρ.

    Example:
        >>> report = agreement([1, 2, 3, 4, 5], [1, 2, 3, 5, 4])
        >>> report.accuracy, report.cohen_kappa, round(report.spearman, 2)
        (0.6, 0.5, 0.9)
    """
    a, b, dropped = _pairs(judge_values, human_values)
    categorical = bool(a) and _is_categorical(a) and _is_categorical(b)
    numeric = all(isinstance(v, (bool, int, float)) for v in [*a, *b])
    ordinal = categorical and numeric and not any(isinstance(v, bool) for v in [*a, *b])
    rho, p = spearman(a, b) if numeric else (None, None)

    def _defined(value: float | None) -> float | None:
        return None if value is None or math.isnan(value) else value

    return AgreementReport(
        n=len(a),
        dropped=dropped,
        accuracy=sum(x == y for x, y in zip(a, b, strict=True)) / len(a) if a else None,
        cohen_kappa=_defined(cohen_kappa(a, b)) if categorical else None,
        weighted_kappa=_defined(cohen_kappa(a, b, "quadratic")) if ordinal else None,
        spearman=_defined(rho),
        spearman_p=_defined(p),
    )
