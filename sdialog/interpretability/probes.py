"""Linear probes on captured activations: what does a layer know about each reply?

:func:`response_features` turns an inspector's responses into one vector each (mean over the
reply's tokens, or the state of its first/last token); :class:`LinearProbe` is a scikit-learn
logistic regression on those features, with a held-out accuracy.

Example:
    >>> X = response_features(inspector, reduce="mean")           # doctest: +SKIP
    >>> probe = LinearProbe().fit(X, ["doctor", "patient"] * 20)  # doctest: +SKIP
    >>> probe.cross_val_accuracy(X, labels)                       # doctest: +SKIP
    0.95
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sdialog._extras import needs_extra


def response_features(
    inspector: Any,
    reduce: Literal["mean", "first", "last", "prompt_last"] = "mean",
    target: str | None = None,
) -> Any:
    """``[responses, width]`` float32 numpy features, one row per captured response.

    ``"mean"`` averages the generated tokens, ``"first"``/``"last"`` take one token's state,
    ``"prompt_last"`` the last prompt position (what the model "knew" before replying).
    """
    with needs_extra("local"):
        import numpy as np

    rows = []
    for i, response in enumerate(inspector):
        source = response.prompt if reduce == "prompt_last" else response
        acts = source.acts_by_target
        nick = target or next(iter(acts), None)
        if nick not in acts:
            raise KeyError(f"response {i}: no activations for target {nick!r} ({list(acts)})")
        tensor = acts[nick].float()
        if len(tensor) == 0:
            raise ValueError(f"response {i} has no tokens to take features from")
        if reduce == "mean":
            rows.append(tensor.mean(dim=0))
        elif reduce == "first":
            rows.append(tensor[0])
        elif reduce in ("last", "prompt_last"):
            rows.append(tensor[-1])
        else:
            raise ValueError(f"reduce must be mean, first, last or prompt_last, got {reduce!r}")
    return np.stack([r.numpy() for r in rows]).astype(np.float32)


class LinearProbe:
    """Logistic regression on standardized activations (scikit-learn).

    Args:
        C: inverse regularization strength.
        random_state: seed of the solver and of the cross-validation folds.

    Example:
        >>> import numpy as np
        >>> X = np.r_[np.random.default_rng(0).normal(0, 1, (20, 4)) + 2, np.zeros((20, 4))]
        >>> probe = LinearProbe().fit(X, ["a"] * 20 + ["b"] * 20)
        >>> probe.score(X, ["a"] * 20 + ["b"] * 20)
        1.0
    """

    def __init__(self, C: float = 1.0, random_state: int = 0):
        self.C, self.random_state = C, random_state
        self.model: Any = None

    def _pipeline(self) -> Any:
        with needs_extra("local"):
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

        return make_pipeline(
            StandardScaler(),
            LogisticRegression(C=self.C, max_iter=2000, random_state=self.random_state),
        )

    def fit(self, X: Any, y: Sequence[Any]) -> LinearProbe:
        """Fit on features ``X`` (``[n, width]``) and labels ``y``; returns the probe."""
        if len(X) != len(y):
            raise ValueError(f"LinearProbe.fit: {len(X)} feature rows but {len(y)} labels")
        self.model = self._pipeline().fit(X, list(y))
        return self

    def predict(self, X: Any) -> list[Any]:
        if self.model is None:
            raise RuntimeError("LinearProbe: call fit() first")
        return list(self.model.predict(X))

    def score(self, X: Any, y: Sequence[Any]) -> float:
        """Accuracy on ``(X, y)``."""
        if self.model is None:
            raise RuntimeError("LinearProbe: call fit() first")
        return float(self.model.score(X, list(y)))

    def cross_val_accuracy(self, X: Any, y: Sequence[Any], folds: int = 5) -> float:
        """Mean accuracy over stratified ``folds`` (shuffled with ``random_state``)."""
        with needs_extra("local"):
            from sklearn.model_selection import StratifiedKFold, cross_val_score

        split = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        return float(cross_val_score(self._pipeline(), X, list(y), cv=split).mean())

    @property
    def direction(self) -> Any:
        """The probe's weight vector in activation space (undoing the standardization)."""
        if self.model is None:
            raise RuntimeError("LinearProbe: call fit() first")
        scaler, logistic = self.model[0], self.model[-1]
        return logistic.coef_[0] / scaler.scale_
