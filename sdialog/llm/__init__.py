"""One backend protocol for every model-using component, with three implementations.

- :class:`LocalBackend`: transformers in-process (the embedded default model, any HF folder).
- :class:`RemoteBackend`: any provider through litellm.
- :class:`ScriptedBackend`: deterministic replies for tests and dry runs.

:func:`get_backend` turns a model string into a backend.

Example:
    >>> from sdialog.llm import get_backend
    >>> backend = get_backend("scripted:Hello there")
    >>> backend.complete([{"role": "user", "content": "Hi"}]).text
    'Hello there'
"""

from __future__ import annotations

from sdialog._lazy import lazy_exports
from sdialog.llm.base import (
    Backend,
    BackendError,
    Completion,
    Message,
    ModelStringError,
    StructuredOutputError,
    ToolCall,
    UnsupportedFeatureError,
    Usage,
)
from sdialog.llm.cache import ResponseCache
from sdialog.llm.resolve import get_backend, to_litellm_model
from sdialog.llm.scripted import ScriptedBackend
from sdialog.llm.tools import function_to_tool

_LAZY = {
    "LocalBackend": "sdialog.llm.local",
    "RemoteBackend": "sdialog.llm.remote",
    "register_model": "sdialog.llm.local_models",
    "load_model": "sdialog.llm.local_models",
}

__all__ = [
    "Backend",
    "BackendError",
    "Completion",
    "LocalBackend",
    "Message",
    "ModelStringError",
    "RemoteBackend",
    "ResponseCache",
    "ScriptedBackend",
    "StructuredOutputError",
    "ToolCall",
    "UnsupportedFeatureError",
    "Usage",
    "function_to_tool",
    "get_backend",
    "load_model",
    "register_model",
    "to_litellm_model",
]


__getattr__ = lazy_exports(__name__, _LAZY, extra="local")
