"""Content-addressed response cache: replays a completion for the same (model, params, messages,
schema, tools). One file per entry, written atomically, so threads and processes can share it.

Example:
    >>> import tempfile
    >>> from sdialog.llm.base import Completion
    >>> cache = ResponseCache(tempfile.mkdtemp())
    >>> key = cache.key("m", {"seed": 1}, [{"role": "user", "content": "hi"}])
    >>> cache.put(key, Completion(text="hello"))
    >>> cache.get(key).text
    'hello'
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sdialog.llm.base import Completion, Message, redact

# Parameters that do not change what the model says.
_NON_SEMANTIC = frozenset({"timeout", "max_retries", "max_concurrency", "cache", "num_retries"})


class ResponseCache:
    """A folder of cached completions keyed by a SHA-256 of the request.

    Args:
        path: the cache folder (created on first write).
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)

    def key(
        self,
        model: str,
        params: Mapping[str, Any],
        messages: Sequence[Message],
        schema: Mapping[str, Any] | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
    ) -> str:
        """Return the hex key of a request (secrets and transport settings are left out)."""
        semantic = {k: v for k, v in redact(params).items() if k not in _NON_SEMANTIC}
        payload = {
            "model": model,
            "params": semantic,
            "messages": list(messages),
            "schema": schema,
            "tools": list(tools or []),
        }
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _file(self, key: str) -> Path:
        return self.path / key[:2] / f"{key}.json"

    def get(self, key: str) -> Completion | None:
        """Return the cached completion for ``key``, else ``None`` (unreadable entry = miss)."""
        try:
            data = json.loads(self._file(key).read_text(encoding="utf-8"))
            return Completion.model_validate(data).model_copy(update={"cached": True})
        except (OSError, ValueError):
            return None

    def put(self, key: str, completion: Completion) -> None:
        """Store ``completion`` under ``key`` atomically (temporary file + rename)."""
        from sdialog.dialog.io import atomic_write

        text = completion.model_dump_json(exclude={"cached"})
        atomic_write(self._file(key), lambda handle: handle.write(text))

    def __len__(self) -> int:
        return sum(1 for _ in self.path.glob("*/*.json")) if self.path.exists() else 0

    def clear(self) -> int:
        """Delete every cached completion (only this cache's files); return how many.

        Example:
            >>> import tempfile
            >>> ResponseCache(tempfile.mkdtemp()).clear()
            0
        """
        removed = 0
        for entry in list(self.path.glob("??/*.json")) if self.path.is_dir() else []:
            if len(entry.stem) == 64:  # a SHA-256 key: ours
                entry.unlink(missing_ok=True)
                removed += 1
                if not any(entry.parent.iterdir()):
                    entry.parent.rmdir()
        return removed
