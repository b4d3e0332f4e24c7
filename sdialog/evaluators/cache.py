"""Opt-in, per-item cache of dialog scores, so a long (e.g. LLM-judged) evaluation resumes.

Turn it on for the process with :func:`enable` (or pass ``cache=`` to
:meth:`DialogScore.batch <sdialog.evaluators.DialogScore.batch>`). A score's value is stored under
a key made of

- the dialog's **content** hash (:func:`dialog_hash`: turns, speakers, personas, context,
  scenario and events, but not the id, timestamps, seed or provenance), and
- the score's **full configuration** (:meth:`DialogScore.config
  <sdialog.evaluators.DialogScore.config>`: class, package version, settings; for judges the
  rendered prompt text, the model and its effective generation parameters).

So two judges that differ in prompt or model never share an answer. Each value is written to its
own file as soon as it is computed (atomically), so an interrupted run keeps what it finished.
``None`` results (failed judgments) are not stored: a rerun tries them again.

Example:
    >>> import tempfile
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.evaluators import DialogScore
    >>> from sdialog.evaluators import cache
    >>> class Words(DialogScore):
    ...     name = "words"
    ...     def score(self, dialog):
    ...         return dialog.length("words")
    >>> store = cache.enable(tempfile.mkdtemp())
    >>> Words().batch([Dialog(turns=[Turn("A", "Hi there")])])
    [2]
    >>> len(store)
    1
    >>> store.clear(); cache.disable()
    1
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog import Dialog

_MISSING = object()
_active: ScoreCache | None = None


def _digest(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def dialog_content(dialog: Dialog) -> dict[str, Any]:
    """The parts of a dialog a score may depend on (no id, timestamps, seed or provenance).

    Example:
        >>> from sdialog import Dialog, Turn
        >>> sorted(dialog_content(Dialog(turns=[Turn("A", "Hi")])))
        ['context', 'events', 'personas', 'scenario', 'turns']
    """
    data = dialog.json()
    events = [{k: v for k, v in e.items() if k != "timestamp"} for e in data.get("events") or []]
    personas = {
        speaker: {k: v for k, v in p.items() if k != "_metadata"} if isinstance(p, dict) else p
        for speaker, p in (data.get("personas") or {}).items()
    }  # a persona's _metadata holds its own id and provenance, not content
    return {
        "turns": data.get("turns") or [],
        "personas": personas,
        "context": data.get("context"),
        "scenario": data.get("scenario"),
        "events": events,
    }


def dialog_hash(dialog: Dialog) -> str:
    """SHA-256 of :func:`dialog_content`: equal for clones and reloads, different for any edit.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> a = Dialog(turns=[Turn("A", "Hi")])
        >>> dialog_hash(a) == dialog_hash(a.clone()), dialog_hash(a) == dialog_hash(a.upper(False))
        (True, False)
    """
    return _digest(dialog_content(dialog))


class ScoreCache:
    """A folder of cached score values, one JSON file per (score config, dialog content) key.

    Args:
        path: the cache folder (created on first write).

    Example:
        >>> import tempfile
        >>> store = ScoreCache(tempfile.mkdtemp())
        >>> store.put("ab12", 0.5, metric="demo")
        >>> store.get("ab12"), store.get("cd34", default="miss")
        (0.5, 'miss')
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"ScoreCache({str(self.path)!r})"

    @staticmethod
    def config_key(config: dict[str, Any]) -> str:
        """Hash of a score's :meth:`config` (compute once per batch, then use :meth:`key`)."""
        return _digest(config)

    @staticmethod
    def key(config_key: str, dialog: Dialog) -> str:
        """The entry key of one dialog under a score's ``config_key``."""
        return hashlib.sha256(f"{config_key}:{dialog_hash(dialog)}".encode()).hexdigest()

    def _file(self, key: str) -> Path:
        if len(key) < 3 or not all(ch in "0123456789abcdef" for ch in key):
            raise ValueError(f"cache key must be a lowercase hex string, got {key!r}")
        return self.path / key[:2] / f"{key}.json"

    def get(self, key: str, default: Any = None) -> Any:
        """The stored value for ``key``, else ``default`` (an unreadable entry is a miss)."""
        path = self._file(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            return entry["value"]
        except (OSError, ValueError, KeyError, TypeError):
            return default

    def put(self, key: str, value: Any, metric: str = "") -> None:
        """Store ``value`` (JSON-serialisable) under ``key`` atomically."""
        from sdialog.dialog.io import atomic_write

        text = json.dumps({"metric": metric, "value": value}, ensure_ascii=False)
        atomic_write(self._file(key), lambda handle: handle.write(text))

    def _entries(self) -> list[Path]:
        if not self.path.is_dir():
            return []
        return [p for p in self.path.glob("??/*.json") if len(p.stem) == 64]

    def __len__(self) -> int:
        return len(self._entries())

    def clear(self) -> int:
        """Delete every entry (only this cache's files); return how many were removed."""
        removed = 0
        for entry in self._entries():
            entry.unlink(missing_ok=True)
            removed += 1
        for folder in self.path.glob("??") if self.path.is_dir() else []:
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return removed


def enable(path: str | os.PathLike[str] | None = None) -> ScoreCache:
    """Cache every :meth:`DialogScore.batch` call of this process in ``path``.

    ``path`` defaults to ``sdialog.config.get_cache_dir() / "scores"``. Returns the cache.
    """
    global _active
    if path is None:
        from sdialog import config

        path = config.get_cache_dir() / "scores"
    _active = ScoreCache(path)
    return _active


def disable() -> None:
    """Stop caching scores (stored entries are kept)."""
    global _active
    _active = None


def active() -> ScoreCache | None:
    """The process-wide score cache, or ``None`` when caching is off."""
    return _active


def clear() -> int:
    """Empty the process-wide score cache; return how many entries were removed (0 when off)."""
    return _active.clear() if _active is not None else 0


def resolve(cache: Any) -> ScoreCache | None:
    """``None`` → the process-wide cache (if on); ``False`` → none; ``True`` → the default
    folder; a path or a :class:`ScoreCache` → that cache."""
    if cache is None:
        return _active
    if cache is False:
        return None
    if cache is True:
        from sdialog import config

        return ScoreCache(config.get_cache_dir() / "scores")
    if isinstance(cache, ScoreCache):
        return cache
    if isinstance(cache, (str, os.PathLike)):
        return ScoreCache(cache)
    raise TypeError(f"cache must be None, a bool, a path or a ScoreCache, got {cache!r}")


def lookup(store: ScoreCache, keys: list[str]) -> list[Any]:
    """The stored value of each key, or the private missing marker (see :func:`is_missing`)."""
    return [store.get(key, _MISSING) for key in keys]


def is_missing(value: Any) -> bool:
    """Whether a :func:`lookup` result is a miss."""
    return value is _MISSING
