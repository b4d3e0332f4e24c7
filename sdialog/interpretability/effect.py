"""Does steering change behaviour? Generate with and without hooks and test the difference.

:func:`steering_effect` replies to the same prompts twice (in batches, same seeds), scores every
reply with a function that knows nothing about the direction (a classifier, a lexicon, a judge),
and reports the mean scores, the rates of ``score > threshold``, an effect size and p-values:
Mann–Whitney U on the scores (two-sided) and Fisher's exact test on the rates.

Example:
    >>> effect = steering_effect(backend, prompts, [steered], score=positivity)  # doctest: +SKIP
    >>> effect.p_value < 0.01, round(effect.effect_size, 2)                      # doctest: +SKIP
    (True, 0.61)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sdialog._extras import needs_extra


@dataclass
class SteeringEffect:
    """Scores and statistics of a steered vs a plain run over the same prompts.

    ``effect_size`` is the rank-biserial correlation ``2 * P(steered > baseline) - 1`` (from the
    Mann–Whitney U statistic, in [-1, 1]); ``cohens_d`` uses the pooled standard deviation.
    """

    baseline_scores: list[float]
    steered_scores: list[float]
    threshold: float
    baseline_mean: float = 0.0
    steered_mean: float = 0.0
    baseline_rate: float = 0.0
    steered_rate: float = 0.0
    effect_size: float = 0.0
    cohens_d: float = 0.0
    p_value: float = 1.0
    fisher_p: float = 1.0
    texts: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        with needs_extra("local"):
            import numpy as np
            from scipy.stats import fisher_exact, mannwhitneyu

        base, steered = np.asarray(self.baseline_scores), np.asarray(self.steered_scores)
        if len(base) < 2 or len(steered) < 2:
            raise ValueError("steering_effect needs at least 2 prompts")
        self.baseline_mean, self.steered_mean = float(base.mean()), float(steered.mean())
        hits_b, hits_s = int((base > self.threshold).sum()), int((steered > self.threshold).sum())
        self.baseline_rate, self.steered_rate = hits_b / len(base), hits_s / len(steered)
        test = mannwhitneyu(steered, base, alternative="two-sided")
        self.p_value = float(test.pvalue)
        self.effect_size = float(2 * test.statistic / (len(base) * len(steered)) - 1)
        pooled = np.sqrt((base.var(ddof=1) + steered.var(ddof=1)) / 2)
        self.cohens_d = float((steered.mean() - base.mean()) / pooled) if pooled > 0 else 0.0
        table = [[hits_s, len(steered) - hits_s], [hits_b, len(base) - hits_b]]
        self.fisher_p = float(fisher_exact(table).pvalue)

    def summary(self) -> str:
        """One line: means, rates, effect sizes and p-values."""
        return (
            f"mean {self.baseline_mean:+.3f} -> {self.steered_mean:+.3f}; "
            f"rate {self.baseline_rate:.0%} -> {self.steered_rate:.0%}; "
            f"rank-biserial {self.effect_size:+.2f}, d {self.cohens_d:+.2f}; "
            f"Mann-Whitney p={self.p_value:.2g}, Fisher p={self.fisher_p:.2g}"
        )


def steering_effect(
    backend: Any,
    prompts: Sequence[Any],
    hooks: Sequence[Any],
    score: Callable[[list[str]], Sequence[float]],
    *,
    threshold: float = 0.0,
    baseline: Sequence[str] | None = None,
    **params: Any,
) -> SteeringEffect:
    """Reply to ``prompts`` without and with ``hooks``; ``score(texts) -> floats`` both sets.

    ``prompts`` are texts (user messages) or message lists; ``params`` go to ``complete_batch``
    (``max_tokens``, ``temperature``, ``seed`` ...). Pass ``baseline`` (earlier plain replies)
    to compare several steerers against one plain run.
    """
    conversations = [
        [{"role": "user", "content": p}] if isinstance(p, str) else list(p) for p in prompts
    ]
    if baseline is None:
        baseline = [c.text for c in backend.complete_batch(conversations, **params)]
    steered = [c.text for c in backend.complete_batch(conversations, hooks=list(hooks), **params)]
    return SteeringEffect(
        baseline_scores=[float(s) for s in score(list(baseline))],
        steered_scores=[float(s) for s in score(steered)],
        threshold=threshold,
        texts={"baseline": list(baseline), "steered": steered},
    )
