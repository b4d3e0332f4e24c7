"""The one call shape every per-dialog score shares: ``score(dialog)`` and ``score.batch(dialogs)``.

A score maps one :class:`~sdialog.Dialog` to a number, a dict of numbers, or a per-turn list.
Subclasses implement :meth:`DialogScore.score`; scores that gain from batching (judges,
embedding-based scores) also override :meth:`DialogScore.score_batch`. :meth:`DialogScore.config`
describes everything that changes the result, so caches and reports can key on it.

Example:
    >>> from sdialog import Dialog, Turn
    >>> class TurnCount(DialogScore):
    ...     name = "turn-count"
    ...     def score(self, dialog):
    ...         return len(dialog)
    >>> count = TurnCount()
    >>> count(Dialog(turns=[Turn("A", "Hi"), Turn("B", "Hello")]))
    2
    >>> count.batch([Dialog(turns=[Turn("A", "Hi")])] * 2)
    [1, 1]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Union

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog import Dialog

ScoreValue = Union[float, int, bool, None, dict[str, Any], list[Any]]  # noqa: UP007
"""What a score returns for one dialog (``None``: it could not be computed; see the score)."""


class DialogScore:
    """Base of every per-dialog score.

    Subclasses set ``name`` (a short, stable, kebab-case identifier) and implement
    :meth:`score`. Settings go to ``__init__``; the data goes to the call.
    """

    name: ClassVar[str] = "score"
    chunk_size: ClassVar[int] = 32
    """Dialogs per :meth:`score_batch` call when :meth:`batch` caches or shows progress."""
    slow: ClassVar[bool] = False
    """Model-backed scores set this: :meth:`batch` then shows progress on more than one chunk."""

    def score(self, dialog: Dialog) -> ScoreValue:
        """Score one dialog."""
        raise NotImplementedError(f"{type(self).__name__} must implement score(dialog)")

    def score_batch(self, dialogs: Sequence[Dialog]) -> list[ScoreValue]:
        """Score many dialogs (override to batch model calls); results are in input order."""
        return [self.score(dialog) for dialog in dialogs]

    def __call__(self, dialog: Dialog) -> ScoreValue:
        return self.score(dialog)

    def batch(
        self, dialogs: Iterable[Dialog], *, cache: Any = None, progress: bool | None = None
    ) -> list[ScoreValue]:
        """Score many dialogs; results are in input order.

        Args:
            cache: ``None`` uses the process-wide score cache when one is on
                (:func:`sdialog.evaluators.cache.enable`); ``False`` turns caching off for this
                call; a folder or a :class:`~sdialog.evaluators.cache.ScoreCache` uses that one.
                With a cache, dialogs are scored ``chunk_size`` at a time and each value is saved
                as soon as its chunk finishes, so an interrupted run resumes; ``None`` values
                (failures) are not saved.
            progress: score ``chunk_size`` dialogs at a time with a progress bar (default: when
                there is more than one chunk and the score caches or is ``slow``).
        """
        from sdialog.evaluators.cache import is_missing, lookup, resolve

        dialogs = list(dialogs)
        store = resolve(cache)
        if store is None and not (progress or (progress is None and self.slow)):
            return self.score_batch(dialogs)
        keys: list[str] = []
        results: list[Any] = [None] * len(dialogs)
        misses = list(range(len(dialogs)))
        if store is not None:
            config_key = store.config_key(self.config())
            keys = [store.key(config_key, dialog) for dialog in dialogs]
            results = lookup(store, keys)
            misses = [i for i, value in enumerate(results) if is_missing(value)]
        chunks = [misses[s : s + self.chunk_size] for s in range(0, len(misses), self.chunk_size)]
        bar = None
        if progress or (progress is None and len(chunks) > 1):
            from sdialog._progress import ProgressBar

            bar = ProgressBar(len(chunks), f"{self.name} (chunks of {self.chunk_size})")
        try:
            for chunk in chunks:
                values = self.score_batch([dialogs[i] for i in chunk])
                for i, value in zip(chunk, values, strict=True):
                    results[i] = value
                    if value is not None and store is not None:
                        store.put(keys[i], value, metric=self.name)
                if bar is not None:
                    bar.advance()
        finally:
            if bar is not None:
                bar.close()
        return results

    def config(self) -> dict[str, Any]:
        """Everything that changes this score's result (class, version, settings).

        The default takes the public attributes of the instance; override to add what they miss
        (a prompt's rendered text, a model's provenance).
        """
        from sdialog import __version__

        public = {k: v for k, v in sorted(vars(self).items()) if not k.startswith("_")}
        settings = {key: _describe(value) for key, value in public.items()}
        return {
            "class": f"{type(self).__module__}.{type(self).__qualname__}",
            "name": self.name,
            "version": __version__,
            "settings": settings,
        }

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.config()["settings"].items())
        return f"{type(self).__name__}({settings})"


class CallableScore(DialogScore):
    """A plain callable ``f(dialog) -> value`` with a ``name`` (SDialog's duck-typed scores) as a
    :class:`DialogScore`.

    Example:
        >>> class Turns:
        ...     name = "turns"
        ...     def __call__(self, dialog):
        ...         return len(dialog)
        >>> from sdialog import Dialog
        >>> as_score(Turns()).batch([Dialog()])
        [0]
    """

    def __init__(self, function: Any, name: str):
        self.function = function
        self.name = name  # type: ignore[misc]

    def score(self, dialog: Dialog) -> ScoreValue:
        return self.function(dialog)


def as_score(score: Any) -> DialogScore:
    """``score`` itself when it is a :class:`DialogScore`; a callable with a ``name`` wrapped
    in :class:`CallableScore`; otherwise a ``TypeError``."""
    if isinstance(score, DialogScore):
        return score
    name = getattr(score, "name", None)
    if callable(score) and isinstance(name, str) and name:
        return CallableScore(score, name)
    raise TypeError(
        f"expected a DialogScore or a callable score with a name, got {type(score).__name__}"
    )


def _describe(value: Any) -> Any:
    """A JSON-friendly, deterministic description of a setting."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_describe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _describe(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, DialogScore):
        return value.config()
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '?')}.{value.__qualname__}"
    return f"{type(value).__module__}.{type(value).__qualname__}"
