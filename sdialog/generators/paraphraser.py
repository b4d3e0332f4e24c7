"""Rewrite the turns of dialogs with a model: :class:`Paraphraser`.

A paraphrase is a lineage clone of the dialog (new ``id``, ``parentId`` = the original's id) with
the same speakers and number of turns; only the targeted turns get new text. How it was made is
recorded in the clone's extra field ``paraphrase``.

Example:
    >>> from sdialog.dialog import Dialog, Turn
    >>> from sdialog.llm import ScriptedBackend
    >>> d = Dialog(turns=[Turn("A", "hi"), Turn("B", "hey there")])
    >>> backend = ScriptedBackend([{"turns": ["Hello!", "Hi, how are you?"]}])
    >>> p = Paraphraser(model=backend)(d, seed=3)
    >>> print(p)
    A: Hello!
    B: Hi, how are you?
    >>> p.parentId == d.id, p.paraphrase["mode"], p.paraphrase["seed"]
    (True, 'dialog', 3)
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, Field, create_model

from sdialog.dialog import Dialog
from sdialog.llm import Completion, Message, get_backend
from sdialog.llm.invoke import ChatMessage
from sdialog.llm.structured import extract_json
from sdialog.prompts import render

__all__ = [
    "DEFAULT_INSTRUCTIONS",
    "Paraphraser",
    "TurnParaphrase",
    "turn_schema",
    "whole_dialog_schema",
]

DEFAULT_INSTRUCTIONS = (
    "Reword each turn so that it sounds natural and spoken, keeping its meaning, its intent, "
    "its language and every fact it mentions."
)
"""The paraphrasing instructions used when none are given."""


def _targets(target_speaker: str | Sequence[str] | None) -> set[str] | None:
    """The speakers to paraphrase, case-folded (``None``: every speaker)."""
    if target_speaker is None:
        return None
    names = [target_speaker] if isinstance(target_speaker, str) else list(target_speaker)
    return {str(name).casefold() for name in names}


class TurnParaphrase(BaseModel):
    """The reply format of turn-by-turn paraphrasing."""

    text: str = Field(description="The new text of the turn.")


def turn_schema(max_chars: int | None = None) -> type[BaseModel]:
    """The reply format of turn-by-turn paraphrasing, with the text capped at ``max_chars``."""
    if max_chars is None:
        return TurnParaphrase
    return create_model(
        "TurnParaphrase",
        text=(str, Field(max_length=max_chars, description="The new text of the turn.")),
    )


def whole_dialog_schema(count: int, max_chars: int | None = None) -> type[BaseModel]:
    """The reply format of whole-dialog paraphrasing: exactly ``count`` new turn texts (each at
    most ``max_chars`` characters when given).

    Local models decode under this schema's grammar, so they cannot return another count.

    Example:
        >>> whole_dialog_schema(3).model_json_schema()["properties"]["turns"]["maxItems"]
        3
    """
    return create_model(
        f"DialogParaphrase{count}",
        turns=(
            list[Annotated[str, Field(max_length=max_chars)]],
            Field(
                min_length=count,
                max_length=count,
                description="The new text of each turn to rewrite, in order.",
            ),
        ),
    )


@dataclass
class _Job:
    """One dialog being paraphrased: its targeted turns, new texts and what happened."""

    dialog: Dialog
    seed: int
    targets: list[int]
    mode: str = "dialog"
    texts: dict[int, str] = field(default_factory=dict)
    kept: list[dict[str, Any]] = field(default_factory=list)
    fallback: str | None = None
    provenance: dict[str, Any] | None = None


class Paraphraser:
    """Rewrites dialogs with a model, as a whole (one call per dialog) or turn by turn.

    Whole-dialog mode asks for all targeted turns at once and checks that the reply has exactly
    as many turns; a dialog whose reply does not is paraphrased turn by turn instead (recorded as
    ``fallback``). Turn-by-turn mode sends every targeted turn of every dialog in one batched call,
    each with the surrounding dialog as context. An empty paraphrase (or a reply that cannot be
    parsed) keeps the original text of that turn and is listed in ``paraphrase["kept_original"]``.

    Example:
        >>> from sdialog.dialog import Dialog, Turn
        >>> from sdialog.llm import ScriptedBackend
        >>> d = Dialog(turns=[Turn("A", "hi"), Turn("B", "yo"), Turn("A", "bye")])
        >>> backend = ScriptedBackend([{"text": "Hello."}, {"text": ""}])
        >>> p = Paraphraser(target_speaker="A", turn_by_turn=True, model=backend)(d)
        >>> [t.text for t in p], p.paraphrase["kept_original"]
        (['Hello.', 'yo', 'bye'], [{'turn': 2, 'reason': 'empty paraphrase'}])

    Args:
        extra_instructions: how to rewrite (default :data:`DEFAULT_INSTRUCTIONS`).
        target_speaker: rewrite only this speaker's turns (a name or a list of names, matched
            ignoring case); all turns when ``None``.
        turn_by_turn: one request per turn instead of one per dialog.
        model: a model string or a backend (default: the configured model).
        context_turns: in turn-by-turn prompts, show only this many turns before and after the
            rewritten one (default: the whole dialog).
        max_chars: the most characters of a new turn text (a ``maxLength`` in the reply schema,
            so local models stop there instead of running on).
        **llm_kwargs: generation parameters (``temperature``, ``max_tokens``, ``seed``, ...).
    """

    def __init__(
        self,
        extra_instructions: str = DEFAULT_INSTRUCTIONS,
        target_speaker: str | Sequence[str] | None = None,
        turn_by_turn: bool = False,
        model: Any = None,
        *,
        context_turns: int | None = None,
        max_chars: int | None = None,
        **llm_kwargs: Any,
    ):
        if context_turns is not None and context_turns < 0:
            raise ValueError(f"context_turns must be >= 0 or None, got {context_turns}")
        self.extra_instructions = extra_instructions
        self.target_speaker = target_speaker
        self.turn_by_turn = turn_by_turn
        self.context_turns = context_turns
        self.max_chars = max_chars
        self.llm_kwargs = dict(llm_kwargs)
        self.backend = get_backend(model, **llm_kwargs)
        self._targets = _targets(target_speaker)
        self._last_request = ""  # the user message of the last request built

    def __call__(
        self,
        dialog: Dialog,
        target_speaker: str | Sequence[str] | None = None,
        raise_on_validation_failure: bool = True,
        seed: int | None = None,
    ) -> Dialog:
        """Return a paraphrased lineage clone of ``dialog`` (see :meth:`paraphrase_batch`).

        ``target_speaker`` overrides the paraphraser's own for this call. The clone always has
        the dialog's turns and speakers (a reply with the wrong number of turns falls back to
        turn by turn), so ``raise_on_validation_failure`` (SDialog's) has nothing to raise on.
        """
        if not isinstance(dialog, Dialog):
            raise TypeError(
                f"expected a Dialog, got {type(dialog).__name__} "
                "(use paraphrase_batch for several dialogs)"
            )
        if target_speaker is None:
            return self.paraphrase_batch([dialog], seed=seed)[0]
        once = copy.copy(self)
        once._targets = _targets(target_speaker)
        result = once.paraphrase_batch([dialog], seed=seed)[0]
        self._last_request = once._last_request
        return result

    def paraphrase_batch(self, dialogs: Iterable[Dialog], seed: int | None = None) -> list[Dialog]:
        """Paraphrase many dialogs with batched calls; results are in input order.

        Dialog ``i`` uses seed ``seed + i`` (``seed`` defaults to the ``seed`` model parameter,
        else :func:`sdialog.config.get_seed`); in turn-by-turn requests, turn ``t`` of that
        dialog uses ``seed + i + t``. Whole-dialog requests are one backend call per distinct
        number of targeted turns; turn-by-turn requests (and fallbacks) are one call in all.
        """
        dialogs = list(dialogs)
        for i, dialog in enumerate(dialogs):
            if not isinstance(dialog, Dialog):
                raise TypeError(f"dialogs[{i}] is a {type(dialog).__name__}, not a Dialog")
        base = self._base_seed(seed)
        jobs = [
            _Job(dialog=d, seed=base + i, targets=self._targeted(d)) for i, d in enumerate(dialogs)
        ]
        if self.turn_by_turn:
            for job in jobs:
                job.mode = "turn"
        else:
            self._whole_dialogs([job for job in jobs if job.targets])
        self._turn_by_turn([job for job in jobs if job.mode == "turn" and job.targets])
        return [self._result(job) for job in jobs]

    # ------------------------------------------------------------------------------ prompts
    def system_prompt(self) -> str:
        """The system message of every paraphrasing request."""
        return render("paraphrase_system.j2", instructions=self.extra_instructions.strip())

    def prompt(self) -> str:
        """SDialog's name for the prompt shown to the model: the system message (the request
        for a given dialog is :meth:`dialog_messages` / :meth:`turn_messages`).

        Example:
            >>> from sdialog.llm import ScriptedBackend
            >>> "Keep it short." in Paraphraser("Keep it short.", model=ScriptedBackend()).prompt()
            True
        """
        return self.system_prompt()

    @property
    def messages(self) -> list[ChatMessage]:
        """SDialog's view of the chat: the system message and the last request built (empty
        before any), readable as dicts and as objects (``p.messages[1].content``)."""
        return [
            ChatMessage(role="system", content=self.system_prompt()),
            ChatMessage(role="user", content=self._last_request),
        ]

    def dialog_messages(self, dialog: Dialog) -> list[Message]:
        """The messages asking for all targeted turns of ``dialog`` at once."""
        targets = self._targeted(dialog)
        user = render(
            "paraphrase_dialog.j2",
            transcript=_transcript(dialog, range(len(dialog))),
            every_turn=len(targets) == len(dialog),
            targets=[(t + 1, dialog[t].speaker) for t in targets],
            count=len(targets),
            original_json=json.dumps(
                {"turns": [_flat(dialog[t].text) for t in targets]}, ensure_ascii=False
            ),
        )
        self._last_request = user
        return [
            {"role": "system", "content": self.system_prompt()},
            {"role": "user", "content": user},
        ]

    def turn_messages(self, dialog: Dialog, index: int) -> list[Message]:
        """The messages asking for a new text of turn ``index`` of ``dialog``."""
        w = self.context_turns
        shown = range(len(dialog)) if w is None else range(max(0, index - w), index + w + 1)
        turn = dialog[index]
        user = render(
            "paraphrase_turn.j2",
            transcript=_transcript(dialog, shown),
            number=index + 1,
            speaker=turn.speaker,
            original_json=json.dumps({"text": _flat(turn.text)}, ensure_ascii=False),
        )
        self._last_request = user
        return [
            {"role": "system", "content": self.system_prompt()},
            {"role": "user", "content": user},
        ]

    # ------------------------------------------------------------------------------ internals
    def _base_seed(self, seed: int | None) -> int:
        from sdialog.config import resolve_seed

        return resolve_seed(seed, self.llm_kwargs.get("seed"), self.backend.params.get("seed"))

    def _targeted(self, dialog: Dialog) -> list[int]:
        return [
            i
            for i, turn in enumerate(dialog)
            if self._targets is None
            or (turn.speaker is not None and turn.speaker.casefold() in self._targets)
        ]

    def _params(self) -> dict[str, Any]:
        return {k: v for k, v in self.llm_kwargs.items() if k != "seed"}

    def _whole_dialogs(self, jobs: list[_Job]) -> None:
        """One batched call per distinct target count; mismatched dialogs go turn by turn."""
        groups: dict[int, list[_Job]] = defaultdict(list)
        for job in jobs:
            groups[len(job.targets)].append(job)
        for count in sorted(groups):
            group = groups[count]
            completions = self.backend.complete_batch(
                [self.dialog_messages(job.dialog) for job in group],
                schema=whole_dialog_schema(count, self.max_chars),
                seed=[job.seed for job in group],
                **self._params(),
            )
            for job, completion in zip(group, completions, strict=True):
                texts = _texts(completion)
                if completion.error or texts is None or len(texts) != count:
                    job.mode, job.fallback = "turn", _mismatch(completion, texts, count)
                    continue
                job.provenance = dict(completion.provenance)
                job.texts = dict(zip(job.targets, texts, strict=True))

    def _turn_by_turn(self, jobs: list[_Job]) -> None:
        """Every targeted turn of every job in one batched call."""
        rows = [(job, t) for job in jobs for t in job.targets]
        if not rows:
            return
        completions = self.backend.complete_batch(
            [self.turn_messages(job.dialog, t) for job, t in rows],
            schema=turn_schema(self.max_chars),
            seed=[job.seed + t for job, t in rows],
            **self._params(),
        )
        for (job, t), completion in zip(rows, completions, strict=True):
            if job.provenance is None:
                job.provenance = dict(completion.provenance)
            if completion.error or completion.parsed is None:
                job.kept.append({"turn": t, "reason": f"invalid reply: {completion.error}"})
            else:
                job.texts[t] = completion.parsed.text

    def _result(self, job: _Job) -> Dialog:
        new = job.dialog.clone()
        failed = {k["turn"] for k in job.kept}
        for t in job.targets:
            text = job.texts.get(t, "").strip()
            if text:
                new.turns[t] = new.turns[t].model_copy(update={"text": text})
            elif t not in failed:
                job.kept.append({"turn": t, "reason": "empty paraphrase"})
        record: dict[str, Any] = {
            "model": job.provenance,
            "seed": job.seed,
            "mode": job.mode,
            "target_speaker": self.target_speaker,
            "turns": job.targets,
            "kept_original": sorted(job.kept, key=lambda k: k["turn"]),
        }
        if job.fallback:
            record["fallback"] = job.fallback
        new.paraphrase = record  # an extra field: kept in JSON round-trips
        return new


def _texts(completion: Completion) -> list[str] | None:
    parsed = completion.parsed
    turns = getattr(parsed, "turns", None)
    return [str(t) for t in turns] if isinstance(turns, list) else None


def _mismatch(completion: Completion, texts: list[str] | None, count: int) -> str:
    """Why a whole-dialog reply was not used (the turn count it had, when it can be read)."""
    if texts is not None:
        return f"the reply had {len(texts)} turns for {count}"
    try:
        returned = extract_json(completion.text).get("turns")
    except (ValueError, AttributeError):
        returned = None
    if isinstance(returned, list):
        return f"the reply had {len(returned)} turns for {count}"
    return f"invalid reply: {completion.error}"


def _transcript(dialog: Dialog, shown: Iterable[int]) -> str:
    """Numbered ``"n. speaker: text"`` lines (one line per turn) of the turns in ``shown``."""
    lines = []
    for i in shown:
        if 0 <= i < len(dialog):
            turn = dialog[i]
            text = _flat(turn.text)
            lines.append(
                f"{i + 1}. {text}" if turn.speaker is None else f"{i + 1}. {turn.speaker}: {text}"
            )
    return "\n".join(lines)


def _flat(text: str) -> str:
    """``text`` on one line, runs of whitespace collapsed."""
    return " ".join(text.split())
