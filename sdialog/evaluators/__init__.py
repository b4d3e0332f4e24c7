"""Evaluation: per-dialog scores, LLM judges, validators, dataset evaluators and comparison.

Every per-dialog score has one call shape: ``score(dialog)`` and ``score.batch(dialogs)``
(see :class:`DialogScore`).

Example:
    >>> from sdialog.evaluators import DialogScore
    >>> issubclass(DialogScore, object)
    True
"""

from __future__ import annotations

from sdialog.evaluators.base import DialogScore, ScoreValue

__all__ = ["DialogScore", "ScoreValue"]
