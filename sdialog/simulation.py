"""Lock-step simulation of many dialogs: at every step, the pending turns of all dialogs go to
their backend together — one batched ``generate`` for a local model, concurrent requests under a
bounded semaphore for a remote one. ``Agent.dialog_with`` is the N=1 case of the same engine.

Example:
    >>> from sdialog.agents import Agent
    >>> from sdialog.llm import ScriptedBackend
    >>> backend = ScriptedBackend(lambda messages: f"reply {len(messages)}")
    >>> ana, ben = Agent(name="Ana", model=backend), Agent(name="Ben", model=backend)
    >>> dialogs = simulate(ana, ben, n=3, max_turns=4, seed=7)
    >>> [len(d) for d in dialogs], [d.seed for d in dialogs]
    ([4, 4, 4], [7, 8, 9])
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sdialog._dialog_progress import DialogProgress
from sdialog.agents.agent import Agent, _to_json
from sdialog.agents.session import AgentSession, Request, TurnOutcome, derive_seed
from sdialog.dialog import Dialog, Event, Turn
from sdialog.llm.base import Completion

Step = Generator[Request, Completion, Any]


@dataclass
class DialogSpec:
    """One dialog to simulate: who opens, who answers, its seed, length limit and metadata."""

    first: Agent
    second: Agent
    seed: int
    max_turns: int = 100
    context: Any = None
    scenario: Any = None
    id: str | None = None
    parent_id: str | None = None
    notes: str | None = None


class DialogRun:
    """The state of one simulated dialog: a session per speaker and the turn-by-turn generator."""

    def __init__(self, spec: DialogSpec, on_turn: Callable[[], None] | None = None):
        if spec.max_turns < 1:
            raise ValueError(f"max_turns must be >= 1, got {spec.max_turns}")
        self.spec = spec
        self.on_turn = on_turn
        first, second = spec.first, spec.second
        self.names = (
            first.name,
            second.name if second.name != first.name else f"{second.name} (2)",
        )
        self.sessions = (
            first.session(spec.seed, other_name=self.names[1], name=self.names[0], other=second),
            second.session(spec.seed, other_name=self.names[0], name=self.names[1], other=first),
        )

    def steps(self) -> Generator[Request, Completion, Dialog]:
        """Alternate turns until an agent ends the dialog or ``max_turns`` is reached."""
        spec = self.spec
        dialog = Dialog(
            id=spec.id or str(uuid.uuid4()),
            parentId=spec.parent_id,
            seed=spec.seed,
            context=_to_json(spec.context if spec.context is not None else spec.first.context),
            scenario=spec.scenario,
            notes=spec.notes,
            personas={
                name: _to_json(agent.persona)
                for name, agent in zip(self.names, (spec.first, spec.second), strict=True)
                if agent.persona is not None
            },
            model={
                name: agent.backend.provenance({"seed": spec.seed, **agent.call_params(name, "")})
                for name, agent in zip(self.names, (spec.first, spec.second), strict=True)
            },
        )
        _drop_stop_from_provenance(dialog)
        speaker, utterance, complete = 0, None, False
        opening = _first_utterance(spec.first, spec.seed)
        if opening is not None:
            self._record(
                dialog,
                0,
                TurnOutcome(opening, [Event(agent=self.names[0], action="utter", content=opening)]),
            )
            self.sessions[0].say(opening)
            speaker, utterance = 1, opening
        while len(dialog.turns) < spec.max_turns:
            session = self.sessions[speaker]
            outcome = yield from session.turn(dialog, utterance, len(dialog.turns))
            self._record(dialog, speaker, outcome)
            if outcome.finished:
                complete = True
                break
            speaker, utterance = 1 - speaker, outcome.text
        dialog.complete = complete
        return dialog

    def _record(self, dialog: Dialog, speaker: int, outcome: TurnOutcome) -> None:
        turn = Turn(speaker=self.names[speaker], text=outcome.text, **outcome.metadata)
        dialog.turns.append(turn)
        dialog.events.extend(outcome.events)
        if self.on_turn is not None:
            self.on_turn()


def simulate(
    first: Agent,
    second: Agent,
    n: int = 1,
    *,
    max_turns: int = 100,
    seed: int | None = None,
    seeds: Sequence[int] | None = None,
    ids: Sequence[str] | None = None,
    context: Any = None,
    progress: bool = False,
    on_dialog: Callable[[int, Dialog], None] | None = None,
    errors: Literal["raise", "collect"] = "raise",
) -> list[Dialog]:
    """Simulate ``n`` dialogs between ``first`` (who opens) and ``second``, in lock-step.

    Dialog ``i`` gets seed ``seeds[i]`` or ``seed + i`` (default seed: ``sdialog.config``'s).
    ``on_dialog(i, dialog)`` is called as soon as a dialog finishes (e.g. to write it to disk).
    With ``errors="collect"`` a failing dialog yields its exception in the result list instead
    of stopping the others.
    """
    from sdialog import config

    base = config.get_seed() if seed is None else seed
    seeds = list(seeds) if seeds is not None else [base + i for i in range(n)]
    if len(seeds) != n or (ids is not None and len(ids) != n):
        raise ValueError(f"seeds and ids must have n={n} items")
    specs = [
        DialogSpec(
            first, second, seed=s, max_turns=max_turns, context=context, id=ids[i] if ids else None
        )
        for i, s in enumerate(seeds)
    ]
    return simulate_dialogs(specs, progress=progress, on_dialog=on_dialog, errors=errors)


def simulate_dialogs(
    specs: Sequence[DialogSpec],
    *,
    progress: bool | DialogProgress = False,
    on_dialog: Callable[[int, Dialog], None] | None = None,
    errors: Literal["raise", "collect"] = "raise",
) -> list[Dialog]:
    """Simulate every dialog of ``specs`` in lock-step; results in input order.

    ``progress``: ``True`` shows dialogs and turns done, tokens/s and an ETA (a live bar in a
    terminal, a log line every few seconds otherwise); a :class:`DialogProgress` of the caller's
    is updated instead (and left open, e.g. for the next chunk of a corpus run).
    """
    own = progress is True
    if own:
        progress = DialogProgress(len(specs), max((s.max_turns for s in specs), default=1))
    tracker = progress if isinstance(progress, DialogProgress) else None
    on_turn = tracker.turn if tracker is not None else None
    runs = [DialogRun(spec, on_turn=on_turn) for spec in specs]
    try:
        return drive(
            [run.steps() for run in runs], on_result=on_dialog, progress=tracker, errors=errors
        )
    finally:
        if own and tracker is not None:
            tracker.close()


def run_turns(pairs: Sequence[tuple[AgentSession, str | None]]) -> list[TurnOutcome]:
    """One reply from each session to its utterance, batched (used by ``Agent.__call__``)."""
    steps = [session.turn(None, utterance, session.turns_taken) for session, utterance in pairs]
    return drive(steps)


def drive(
    steps: Sequence[Step],
    *,
    on_result: Callable[[int, Any], None] | None = None,
    progress: DialogProgress | None = None,
    errors: Literal["raise", "collect"] = "raise",
) -> list[Any]:
    """Run request generators to completion, sending each round's requests in batches.

    Requests are grouped by :meth:`~sdialog.llm.Backend.batch_key` (the same model and settings,
    even through different backend objects), tools and parameters (seeds may differ per row);
    each group is one ``complete_batch`` call. A row that fails on its own comes back as its
    exception (the good rows are not sent again); if the whole call fails, its rows are tried one
    by one so a failure stays with the dialog that caused it.
    """
    results: list[Any] = [None] * len(steps)
    pending: dict[int, Request] = {}

    def finish(i: int, result: Any) -> None:
        pending.pop(i, None)
        results[i] = result
        if progress is not None:
            failed = isinstance(result, Exception)
            turns = len(result.turns) if isinstance(result, Dialog) else None
            progress.dialog_done(turns=turns, failed=failed)
        if on_result is not None and not isinstance(result, Exception):
            on_result(i, result)

    def advance(i: int, value: Any) -> None:
        """Feed ``value`` (a completion, an exception, or None to start) to dialog ``i``."""
        if isinstance(value, Exception):
            finish(i, value)
            return
        try:
            pending[i] = steps[i].send(value)
        except StopIteration as stop:
            finish(i, stop.value)
        except Exception as exc:
            if errors == "raise":
                raise
            finish(i, exc)

    for i in range(len(steps)):
        advance(i, None)
    while pending:
        # The smallest group first: dialogs that fell behind (a retry, an extra tool round) then
        # catch up with the others instead of staying a step apart, each step in its own batch.
        indices = min(_groups(pending).values(), key=len)
        completions = _complete(indices, pending, errors)
        if progress is not None:
            progress.tokens(sum(c.usage.completion_tokens for c in completions if _ok(c)))
        for i, completion in zip(indices, completions, strict=True):
            advance(i, completion)
        if progress is not None:
            progress.step()
    return results


def _ok(value: Any) -> bool:
    return isinstance(value, Completion)


def _groups(pending: dict[int, Request]) -> dict[tuple[Any, ...], list[int]]:
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, request in pending.items():
        key = (
            request.backend.batch_key(),
            json.dumps(request.params, sort_keys=True, default=str),
            json.dumps(request.tools, sort_keys=True, default=str),
        )
        groups[key].append(i)
    return groups


def _complete(indices: list[int], pending: dict[int, Request], errors: str) -> list[Any]:
    requests = [pending[i] for i in indices]
    first = requests[0]
    try:
        # rows that fail on their own (a remote request out of retries) come back as exceptions:
        # they were retried within their own budget, and the good rows are never sent again
        outcomes = first.backend.complete_batch(
            [r.messages for r in requests],
            tools=first.tools,
            seed=[r.seed for r in requests],
            return_exceptions=True,
            **first.params,
        )
    except Exception:
        if errors == "raise" and len(requests) == 1:
            raise
    else:
        failed = [o for o in outcomes if isinstance(o, Exception)]
        if failed and errors == "raise":
            raise failed[0]
        return outcomes
    out: list[Any] = []
    for request in requests:  # the whole call failed (e.g. a local batch): isolate the row(s)
        try:
            out.extend(
                request.backend.complete_batch(
                    [request.messages], tools=request.tools, seed=[request.seed], **request.params
                )
            )
        except Exception as exc:
            if errors == "raise":
                raise
            out.append(exc)
    return out


def _first_utterance(agent: Agent, seed: int) -> str | None:
    opening = agent.first_utterance
    if not opening:
        return None
    if isinstance(opening, str):
        return opening
    options = list(opening)
    return options[derive_seed(seed, "first_utterance") % len(options)]


def _drop_stop_from_provenance(dialog: Dialog) -> None:
    """Stop strings are plumbing, not a generation setting worth recording per speaker."""
    for info in (dialog.model or {}).values():
        info.get("params", {}).pop("stop", None)
