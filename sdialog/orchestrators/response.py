""":class:`SimpleResponseOrchestrator`: suggest the canned responses closest to what was said.

Needs the ``embeddings`` extra (``pip install 'sdialog[embeddings]'``); the model loads on the
first suggestion, not at construction.

Example:
    >>> from sdialog.dialog import Dialog, Turn
    >>> o = SimpleResponseOrchestrator(
    ...     ["We are open from 9 to 5.", "Your refund has been processed."], top_k=1
    ... )
    >>> d = Dialog(turns=[Turn("User", "When do you open?")])
    >>> print(o.instruct(d, d[-1].text).text)
    Suggested responses, most relevant first (use the best fit, adapted if needed):
    1. We are open from 9 to 5.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from sdialog._extras import needs_extra
from sdialog.dialog import Dialog, Event, Instruction
from sdialog.orchestrators.base import BaseOrchestrator

__all__ = ["SimpleResponseOrchestrator"]


_HEADER = "Suggested responses, most relevant first (use the best fit, adapted if needed):"


class _ResponseVectors:
    """Embeddings of the canned responses, computed once on first use and shared by forks."""

    def __init__(self, responses: list[str], model: Any) -> None:
        self.responses = responses
        self.model = model
        self._vectors: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._vectors is None:
                with needs_extra("embeddings"):
                    from sdialog.embeddings import embed

                self._vectors = embed(self.responses, model=self.model)
            return self._vectors


class SimpleResponseOrchestrator(BaseOrchestrator):
    """Suggest the ``top_k`` canned ``responses`` most similar to the other speaker's utterance.

    Similarity is the cosine of sentence embeddings (:func:`sdialog.embeddings.embed`, with
    ``model``: ``None`` for the offline default, a model folder, or an embedder object). Ties keep
    the order of ``responses``. :meth:`instruct` returns an :class:`~sdialog.dialog.Instruction`
    listing the suggestions, with one ``request_suggestions`` event whose content is
    ``{"utterance", "suggestions", "scores"}``; ``None`` when there is no utterance to answer.

    ``responses`` may also be a dict ``{action: response}`` (SDialog's form); ``graph`` then maps
    an action to the action(s) after it.

    ``graph`` (optional) maps a response to the responses allowed after it. The owner's
    previous turn is matched to a canned response (exactly, else the closest one by embedding),
    and when that response is a key of ``graph`` only its listed successors are candidates (an
    empty list: no suggestion). Otherwise every response is a candidate.

    Example:
        >>> from sdialog.dialog import Dialog, Turn
        >>> hi, bye = "Hello, how can I help?", "Goodbye!"
        >>> o = SimpleResponseOrchestrator([hi, bye], graph={hi: [bye]}, target_speaker="Bot")
        >>> d = Dialog(turns=[Turn("Bot", hi), Turn("User", "Hello, hello!")])
        >>> [text for text, _ in o.suggestions(d, "Hello, hello!")]
        ['Goodbye!']
    """

    def __init__(
        self,
        responses: Sequence[str],
        graph: Mapping[str, Sequence[str]] | None = None,
        top_k: int = 5,
        model: Any = None,
        target_speaker: str | None = None,
    ) -> None:
        if isinstance(responses, str):
            raise TypeError("responses must be a list of strings, not a single string")
        if isinstance(responses, Mapping):  # SDialog's {action: response}, graph over actions
            responses, graph = _from_actions(responses, graph)
        responses = list(dict.fromkeys(responses))
        if not responses or not all(isinstance(r, str) for r in responses):
            raise ValueError("responses must be a non-empty list of strings")
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be a positive integer; got {top_k!r}")
        if graph is not None:
            graph = {key: list(successors) for key, successors in graph.items()}
            known = set(responses)
            unknown = [
                text
                for key, successors in graph.items()
                for text in (key, *successors)
                if text not in known
            ]
            if unknown:
                raise ValueError(
                    f"graph entries must be among the responses; unknown: {unknown[:3]!r}"
                )
        if not (
            model is None
            or isinstance(model, (str, os.PathLike))
            or callable(getattr(model, "encode", None))
        ):
            raise TypeError(
                "model must be None, a model folder or an object with encode(texts); "
                f"got {type(model).__name__}"
            )
        super().__init__(target_speaker)
        self.responses = responses
        self.graph = graph
        self.top_k = top_k
        self.model = model
        self._vectors = _ResponseVectors(responses, model)

    def candidates(self, dialog: Dialog) -> list[str]:
        """The responses allowed after the owner's previous turn (all of them without a graph).

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> o = SimpleResponseOrchestrator(["a", "b"], graph={"a": ["b"]}, target_speaker="X")
            >>> o.candidates(Dialog(turns=[Turn("X", "a"), Turn("Y", "?")]))
            ['b']
        """
        previous = self._previous_response(dialog)
        if self.graph is None or previous not in self.graph:
            return list(self.responses)
        return list(self.graph[previous])

    def suggestions(self, dialog: Dialog, utterance: str) -> list[tuple[str, float]]:
        """``(response, cosine similarity)`` pairs for ``utterance``, best first, at most top_k.

        Example:
            >>> from sdialog.dialog import Dialog
            >>> o = SimpleResponseOrchestrator(["Opening hours: 9 to 5.", "Refund done."])
            >>> o.suggestions(Dialog(), "When do you open?")[0][0]
            'Opening hours: 9 to 5.'
        """
        with needs_extra("embeddings"):
            from sdialog.embeddings import embed

        candidates = self.candidates(dialog)
        if not candidates:
            return []
        position = {text: i for i, text in enumerate(self.responses)}
        vectors = self._vectors.get()[[position[text] for text in candidates]]
        scores = vectors @ embed([utterance], model=self.model)[0]
        order = sorted(range(len(candidates)), key=lambda i: (-float(scores[i]), i))
        return [(candidates[i], round(float(scores[i]), 4)) for i in order[: self.top_k]]

    def instruct(self, dialog: Dialog, utterance: str | None) -> Instruction | None:
        """An Instruction listing the suggestions, with a ``request_suggestions`` event.

        Example:
            >>> from sdialog.dialog import Dialog
            >>> o = SimpleResponseOrchestrator(["Hi!"])
            >>> o.instruct(Dialog(), "Hello").events[0].action
            'request_suggestions'
        """
        if utterance is None:
            return None
        ranked = self.suggestions(dialog, utterance)
        if not ranked:
            return None
        lines = [f"{i}. {text}" for i, (text, _) in enumerate(ranked, start=1)]
        text = "\n".join([_HEADER, *lines])
        event = Event(
            agent=self.owner(dialog),
            action="request_suggestions",
            actionLabel=self.name,
            content={
                "utterance": utterance,
                "suggestions": [text for text, _ in ranked],
                "scores": [score for _, score in ranked],
            },
        )
        return Instruction(text, events=[event])

    def _previous_response(self, dialog: Dialog) -> str | None:
        """The canned response the owner's last turn was (exact text, else the closest one)."""
        turns = self.agent_turns(dialog)
        if not turns:
            return None
        said = turns[-1].text.strip()
        if said in self.responses:
            return said
        if self.graph is None:
            return None
        with needs_extra("embeddings"):
            from sdialog.embeddings import embed

        scores = self._vectors.get() @ embed([said], model=self.model)[0]
        return self.responses[int(scores.argmax())]


def _from_actions(
    actions: Mapping[str, str], graph: Mapping[str, Any] | None
) -> tuple[list[str], dict[str, list[str]] | None]:
    """Responses and a response graph from ``{action: response}`` and an action graph (edges
    to actions without a response are dropped)."""
    texts = list(actions.values())
    if graph is None:
        return texts, None
    out: dict[str, list[str]] = {}
    for action, following in graph.items():
        nexts = [following] if isinstance(following, str) else list(following)
        if action in actions:
            out[actions[action]] = [actions[n] for n in nexts if n in actions]
    return texts, out
