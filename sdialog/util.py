"""SDialog's ``sdialog.util`` helpers, under the same names, for code written for SDialog.

Small, dependency-light helpers (numpy, pandas and scikit-learn load only when a function that
needs them is called). Model helpers resolve through :func:`sdialog.llm.get_backend`: they never
pull or start Ollama (no subprocess).

Example:
    >>> from sdialog import Dialog, Turn
    >>> from sdialog.util import dialogs_to_utt_pairs
    >>> d = Dialog(turns=[Turn("User", "Hi"), Turn("Bot", "Hello!"), Turn("User", "Bye")])
    >>> dialogs_to_utt_pairs([d], ai_speaker="Bot")
    (['Hi'], ['Hello!'])
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from sdialog._extras import needs_extra

__all__ = [
    "ChatOllama",
    "KNNModel",
    "camel_or_snake_to_words",
    "dialogs_to_utt_pairs",
    "dict_to_table",
    "get_llm_model",
    "get_timestamp",
    "get_universal_id",
    "is_amazon_model_name",
    "is_anthropic_model_name",
    "is_azure_openai_model_name",
    "is_google_genai_model_name",
    "is_huggingface_model_name",
    "is_ollama_model_name",
    "is_openai_model_name",
    "make_serializable",
    "remove_audio_tags",
    "remove_newlines",
    "softmax",
    "upper_camel_to_dash",
]


ChatOllama: Any = None
"""The chat class that Ollama model names are built with (SDialog's extension point).

``None`` (the default): sdialog's own Ollama backend through litellm; nothing is pulled or
started. Set it to a LangChain-style class (anything whose instances have ``invoke(messages)``,
e.g. ``langchain_ollama.ChatOllama``) and a name such as ``"qwen3:14b"`` or
``"ollama:qwen3:14b"`` is built as ``ChatOllama(model="qwen3:14b", **llm_kwargs)`` and called
through ``invoke`` (no batching, no tools).

Example:
    >>> import sdialog.util
    >>> sdialog.util.ChatOllama is None
    True
"""


def _get_dynamic_version() -> str:
    """The package version (SDialog appends a ``git rev-parse`` of the caller's working directory;
    sdialog runs no subprocess and returns the installed version)."""
    from sdialog._version import __version__

    return __version__


def dialogs_to_utt_pairs(
    dialogs: Iterable[Any], ai_speaker: str | None = None
) -> tuple[list[str], list[str]]:
    """Utterance → next-utterance pairs of ``dialogs``.

    Without ``ai_speaker`` every turn is paired with the one after it; with it (case-insensitive)
    each turn of ``ai_speaker`` is paired with the other speaker's turn right before it.

    Raises:
        ValueError: no pair was found.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> dialogs_to_utt_pairs([Dialog(turns=[Turn("A", "Hi"), Turn("B", "Yo")])])
        (['Hi'], ['Yo'])
    """
    ai = ai_speaker.lower() if ai_speaker else None
    utts: list[str] = []
    nexts: list[str] = []
    for dialog in dialogs:
        for before, after in itertools.pairwise(dialog.turns):
            answer = (after.speaker or "").lower() == ai and (before.speaker or "").lower() != ai
            if ai is not None and not answer:
                continue
            utts.append(before.text)
            nexts.append(after.text)
    if not utts:
        who = f" (AI speaker {ai_speaker!r})" if ai_speaker else ""
        raise ValueError(f"no utterance pairs found in the dialogs{who}")
    return utts, nexts


def make_serializable(data: dict) -> dict:
    """Make the values of ``data`` JSON-serialisable in place (objects with ``json()`` become
    their JSON, anything else unserialisable its ``str``); returns ``data``.

    Raises:
        TypeError: ``data`` is not a dict.

    Example:
        >>> make_serializable({"a": 1, "b": {1, 2}})
        {'a': 1, 'b': '{1, 2}'}
    """
    if not isinstance(data, dict):
        raise TypeError(f"make_serializable expects a dict, got {type(data).__name__}")
    for key, value in data.items():
        if callable(getattr(value, "json", None)) and not isinstance(value, type):
            data[key] = value.json()
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError, OverflowError):
            data[key] = str(value)
    return data


def softmax(values: Sequence[float], temperature: float = 0.05, as_list: bool = True) -> Any:
    """Softmax of ``values / temperature`` (a list, or a numpy array with ``as_list=False``).

    Example:
        >>> [round(p, 3) for p in softmax([1.0, 1.0])]
        [0.5, 0.5]
    """
    with needs_extra("eval"):
        import numpy as np

    scaled = np.asarray(values, dtype=float) / temperature
    exp = np.exp(scaled - scaled.max())
    probs = exp / exp.sum()
    return probs.tolist() if as_list else probs


def get_universal_id() -> str:
    """A new random id (UUID4 text), as dialogs and personas get."""
    return str(uuid.uuid4())


def get_timestamp() -> str:
    """The current UTC time, ISO 8601 with seconds and a trailing ``Z``."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return now.isoformat().replace("+00:00", "Z")


def remove_newlines(text: Any) -> Any:
    """Collapse every run of whitespace (newlines included) to one space; non-strings unchanged.

    Example:
        >>> remove_newlines("a\\n\\n b")
        'a b'
    """
    return re.sub(r"\s+", " ", text) if isinstance(text, str) else text


def camel_or_snake_to_words(name: str) -> str:
    """``"reasonForVisit"`` / ``"reason_for_visit"`` → ``"reason for Visit"``-style words.

    Example:
        >>> camel_or_snake_to_words("reasonFor_visit")
        'reason For visit'
    """
    spaced = re.sub(r"(?<=[a-z0-9])([A-Z])", r" \1", name.replace("_", " "))
    return " ".join(spaced.split())


def upper_camel_to_dash(name: str) -> str:
    """``"HTTPServerError"`` → ``"http-server-error"`` (acronyms kept together).

    Example:
        >>> upper_camel_to_dash("LLMJudgeYesNo")
        'llm-judge-yes-no'
    """
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", name).lower()


def remove_audio_tags(text: str) -> str:
    """Remove ``<...>`` tags (e.g. TTS markup) from ``text``.

    Example:
        >>> remove_audio_tags("Hi <laugh>there")
        'Hi there'
    """
    return re.sub(r"<[^>]*>", "", text)


def dict_to_table(
    data: dict,
    sort_by: str | None = None,
    sort_ascending: bool = True,
    markdown: bool = False,
    format: str = ".2f",
    show: bool = True,
) -> str:
    """A dict of rows (``{dataset: {column: value}}``) as a Markdown or grid table (printed when
    ``show``). Needs ``pandas`` and ``tabulate``."""
    if not data:
        return "(empty table)"
    with needs_extra("eval"):
        import pandas as pd

    frame = pd.DataFrame(data).T
    frame.index.name = "dataset"
    if sort_by:
        frame = frame.sort_values(by=sort_by, ascending=sort_ascending)
    table = frame.to_markdown(floatfmt=format, **({} if markdown else {"tablefmt": "fancy_grid"}))
    if show:
        print(table)
    return table


# -- model names -------------------------------------------------------------------------------
def _prefix(model_name: Any) -> str | None:
    return model_name.partition(":")[0].lower() if isinstance(model_name, str) else None


def is_openai_model_name(model_name: Any) -> bool:
    """``"openai:..."``."""
    return _prefix(model_name) == "openai"


def is_amazon_model_name(model_name: Any) -> bool:
    """``"aws:..."`` or ``"amazon:..."``."""
    return _prefix(model_name) in ("aws", "amazon")


def is_google_genai_model_name(model_name: Any) -> bool:
    """``"google:..."`` or ``"google-genai:..."``."""
    return _prefix(model_name) in ("google", "google-genai", "google_genai")


def is_anthropic_model_name(model_name: Any) -> bool:
    """``"anthropic:..."``."""
    return _prefix(model_name) == "anthropic"


def is_azure_openai_model_name(model_name: Any) -> bool:
    """``"azure:..."`` or ``"azure-openai:..."``."""
    return _prefix(model_name) in ("azure", "azure-openai", "azure_openai")


def is_huggingface_model_name(model_name: Any) -> bool:
    """``"huggingface:..."`` (or ``"hf:..."``): an in-process transformers model in sdialog.

    SDialog also takes any name with a ``/``; in sdialog ``provider/model`` is a litellm string.
    """
    return _prefix(model_name) in ("huggingface", "hf")


def is_ollama_model_name(model_name: Any) -> bool:
    """``"ollama:..."`` or an unprefixed ``name:tag`` such as ``"qwen3:14b"``.

    Example:
        >>> is_ollama_model_name("qwen3:14b"), is_ollama_model_name("openai:gpt-4.1")
        (True, False)
    """
    from sdialog.llm.resolve import OLLAMA_TAGGED, PROVIDER_PREFIXES

    if not isinstance(model_name, str):
        return False
    prefix = _prefix(model_name)
    if prefix == "ollama":
        return True
    known = {*PROVIDER_PREFIXES, "huggingface", "hf", "scripted", "google-genai", "azure-openai"}
    return prefix not in known and OLLAMA_TAGGED.fullmatch(model_name) is not None


def get_llm_model(model_name: Any = None, **llm_kwargs: Any) -> Any:
    """The sdialog backend for ``model_name`` (see :func:`sdialog.llm.get_backend`).

    SDialog returns a LangChain model object; sdialog returns its backend, which every component
    accepts as ``model=``. Nothing is pulled or started.
    """
    from sdialog.llm import get_backend

    return get_backend(model_name, **llm_kwargs)


class KNNModel:
    """Cosine nearest neighbours over ``(item, vector)`` pairs (scikit-learn).

    Example:
        >>> knn = KNNModel([("a", [1.0, 0.0]), ("b", [0.0, 1.0])], k=1)
        >>> knn([0.9, 0.1])[0][0]
        'a'
    """

    def __init__(self, items: Sequence[tuple[Any, Sequence[float]]], k: int = 3):
        with needs_extra("eval"):
            from sklearn.neighbors import NearestNeighbors

        self.k = k
        self.ids = [item for item, _ in items]
        self.model = NearestNeighbors(metric="cosine").fit([vector for _, vector in items])

    def neighbors(self, target_emb: Any, k: int | None = None) -> list[Any]:
        """``[(item, cosine distance), ...]`` for one vector; a list of such lists for a 2-D
        batch."""
        with needs_extra("eval"):
            import numpy as np

        query = np.asarray(target_emb, dtype=float)
        single = query.ndim == 1
        count = min(k or self.k, len(self.ids))
        dists, indexes = self.model.kneighbors(query[None] if single else query, count)
        results = [
            [(self.ids[i], float(d)) for i, d in zip(row_i, row_d, strict=True)]
            for row_i, row_d in zip(indexes, dists, strict=True)
        ]
        return results[0] if single else results

    __call__ = neighbors
