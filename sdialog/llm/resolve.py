"""Model strings → backends. The accepted forms are listed in :data:`ACCEPTED_FORMS`; anything
else is an error (no guessing, no subprocesses).

Example:
    >>> get_backend("scripted:echo").complete([{"role": "user", "content": "hi"}]).text
    'hi'
    >>> to_litellm_model("ollama:qwen3:14b")
    'ollama_chat/qwen3:14b'
"""

from __future__ import annotations

import re
from typing import Any

from sdialog._extras import needs_extra
from sdialog.llm.base import Backend, ModelStringError
from sdialog.llm.invoke import has_invoke

OLLAMA_TAGGED = re.compile(r"[a-z0-9][\w.-]*:[\w.-]+", re.IGNORECASE)
"""An unprefixed ``name:tag`` (``qwen3:14b``, ``smollm:135m``): an Ollama model, as in SDialog.
Only resolved to a litellm Ollama backend; nothing is pulled or started (no subprocess)."""

EMBEDDED_ALIASES = frozenset({"smollm2", "embedded", "embedded:smollm2", "default"})

PROVIDER_PREFIXES: dict[str, str] = {
    "openai": "openai",
    "ollama": "ollama_chat",
    "anthropic": "anthropic",
    "google": "gemini",
    "gemini": "gemini",
    "aws": "bedrock",
    "amazon": "bedrock",
    "bedrock": "bedrock",
    "azure": "azure",
    "groq": "groq",
    "mistral": "mistral",
    "together": "together_ai",
    "deepseek": "deepseek",
    "vllm": "hosted_vllm",
}
"""SDialog-style ``provider:`` prefixes and the litellm provider each one maps to."""

ACCEPTED_FORMS = """accepted model strings:
  (nothing) / "smollm2"            the embedded SmolLM2-135M-Instruct, in-process, offline
  "huggingface:<folder|hub id>"    a transformers model in-process (alias "hf:"); hookable
  "<provider>:<model>"             SDialog style, via litellm; provider one of: {providers}
  "<litellm provider>/<model>"     any litellm model string, e.g. "openai/gpt-4o"
  "<name>:<tag>"                   an Ollama model (SDialog style), e.g. "qwen3:14b"
  "scripted:echo" / "scripted:<text>"  deterministic replies for tests and dry runs
  or a Backend object, or an object with invoke(messages) (e.g. a LangChain chat model)"""


def _error(model: str, why: str) -> ModelStringError:
    providers = ", ".join(sorted(PROVIDER_PREFIXES))
    return ModelStringError(
        f"unknown model string {model!r}: {why}\n{ACCEPTED_FORMS.format(providers=providers)}"
    )


def to_litellm_model(model: str) -> str:
    """Translate an SDialog-style ``provider:model`` string to litellm's ``provider/model``."""
    prefix, _, rest = model.partition(":")
    if prefix in PROVIDER_PREFIXES and rest:
        return f"{PROVIDER_PREFIXES[prefix]}/{rest}"
    return model


def get_backend(model: Any = None, **params: Any) -> Backend:
    """Return a backend for ``model``: a model string, a backend, an object with a LangChain-style
    ``invoke(messages)`` (wrapped in :class:`~sdialog.llm.invoke.InvokeBackend`), or ``None`` for
    the default.

    ``params`` are default generation/connection parameters; with ``model=None`` they are merged
    over those set by :func:`sdialog.config.llm` / :func:`sdialog.config.llm_params`.

    Raises:
        ModelStringError: the string has none of the accepted forms (the message lists them).
    """
    if model is None:
        from sdialog import config

        model, defaults = config.get_llm()
        params = {**defaults, **params}
    if isinstance(model, Backend):
        return model
    if not isinstance(model, str) and has_invoke(model):
        from sdialog.llm.invoke import InvokeBackend

        return InvokeBackend(model, **params)
    if not isinstance(model, str) or not model.strip():
        raise _error(str(model), "expected a non-empty string or a Backend")
    model = model.strip()
    if model in EMBEDDED_ALIASES:
        with needs_extra("local"):
            from sdialog.llm.local import LocalBackend

        return LocalBackend("smollm2", **params)
    prefix, _, rest = model.partition(":")
    if prefix in ("huggingface", "hf"):
        if not rest:
            raise _error(model, "no folder or hub id after 'huggingface:'")
        with needs_extra("local"):
            from sdialog.llm.local import LocalBackend

        return LocalBackend(model, **params)
    if prefix == "scripted":
        from sdialog.llm.scripted import ScriptedBackend

        if rest == "echo":
            return ScriptedBackend.echo(**params)
        return ScriptedBackend([rest], model=model, **params)
    from sdialog.llm.remote import RemoteBackend, import_litellm

    if (prefix == "ollama" and rest) or OLLAMA_TAGGED.fullmatch(model):
        custom = _custom_ollama(rest if prefix == "ollama" else model, params)
        if custom is not None:
            return custom
    if prefix in PROVIDER_PREFIXES and rest:
        return RemoteBackend(to_litellm_model(model), **params)
    if prefix in PROVIDER_PREFIXES:
        raise _error(model, f"no model name after '{prefix}:'")
    provider, slash, name = model.partition("/")
    if slash and name and provider in set(import_litellm().provider_list):
        return RemoteBackend(model, **params)
    if slash:
        raise _error(model, f"{provider!r} is not a litellm provider")
    if OLLAMA_TAGGED.fullmatch(model):  # "qwen3:14b": an Ollama name, as in SDialog
        return RemoteBackend(f"{PROVIDER_PREFIXES['ollama']}/{model}", **params)
    if ":" in model:
        raise _error(model, f"unknown provider prefix {prefix!r}")
    raise _error(model, "no provider given (unprefixed names are not guessed)")


def _custom_ollama(name: str, params: dict[str, Any]) -> Backend | None:
    """Ollama names built by a user-set ``sdialog.util.ChatOllama`` class (SDialog's hook)."""
    from sdialog import util

    if util.ChatOllama is None:
        return None
    from sdialog.llm.invoke import InvokeBackend

    return InvokeBackend(util.ChatOllama(model=name, **params), **params)
