"""Check the order of a dialog's tool calls against an expected pattern.

``ToolSequenceValidator(["verify_account", "not:refund_all", "refund"])`` reads the dialog's
tool-call events — ``Event(action="tool", actionLabel="call", content={"name": ...})``, in event
order — and checks them against the steps:

- A **positive step** ``"name"`` must be matched by a call to ``name``; the positive steps must
  be matched by calls in the given order (an ordered subsequence). Other calls may come before,
  between and after them, and a tool may be called (and listed) any number of times.
- A **negative step** ``"not:name"`` constrains the gap where it stands: ``name`` is never called
  strictly after the call matched by the previous positive step and strictly before the call
  matched by the next positive step. Before the first positive step the gap starts at the
  beginning of the dialog; after the last one it runs to the end. With no positive step at all,
  ``["not:x"]`` means "``x`` is never called". Consecutive negative steps share one gap.

A dialog **passes** when some choice of calls for the positive steps satisfies all of this (not
only the earliest choice: ``["a", "not:x", "b"]`` passes on calls ``a x a b``). The result is a
:class:`ToolSequenceResult`: truthy when passed, ``float()`` 1.0 or 0.0, with ``message``
explaining a failure and ``matched`` holding the call positions chosen for the positive steps.

Example:
    >>> from sdialog import Dialog, Event
    >>> def calls(*names):
    ...     return Dialog(events=[Event(action="tool", actionLabel="call", content={"name": n})
    ...                           for n in names])
    >>> check = ToolSequenceValidator(["verify_account", "not:cancel", "refund"])
    >>> check(calls("lookup", "verify_account", "refund")).passed
    True
    >>> result = check(calls("verify_account", "cancel", "refund"))
    >>> bool(result)
    False
    >>> print(result.message)
    'cancel' (call #2) is called between 'verify_account' (call #1) and 'refund' (call #3)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from sdialog.evaluators.base import DialogScore

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog import Dialog

__all__ = ["ToolSequenceResult", "ToolSequenceValidator", "tool_calls"]

NOT_PREFIX = "not:"


def tool_calls(dialog: Dialog) -> list[str]:
    """Names of the dialog's tool calls, in event order (events with ``action="tool"`` and
    ``actionLabel="call"``; ``content`` a dict, or a JSON string of one, with a ``"name"``).

    Example:
        >>> from sdialog import Dialog, Event
        >>> tool_calls(Dialog(events=[
        ...     Event(action="tool", actionLabel="call", content={"name": "lookup", "args": {}}),
        ...     Event(action="tool", actionLabel="output", content={"name": "lookup"}),
        ...     Event(action="tool", actionLabel="call", content='{"name": "refund"}')]))
        ['lookup', 'refund']
    """
    names = []
    for event in dialog.events:
        if event.action != "tool" or event.actionLabel != "call":
            continue
        content: Any = event.content
        if isinstance(content, str):
            try:
                content = json.loads(content)
            except ValueError:
                content = None
        if isinstance(content, dict) and isinstance(content.get("name"), str):
            names.append(content["name"])
    return names


@dataclass
class ToolSequenceResult:
    """The outcome of one check: ``passed``, a ``message`` (empty when passed), the tool ``calls``
    seen and, when passed, the call positions ``matched`` to the positive steps (0-based).
    Truthy when passed; ``float(result)`` is 1.0 or 0.0, so dataset evaluators can average it.

    Example:
        >>> r = ToolSequenceResult(passed=False, message="no call", calls=[])
        >>> bool(r), float(r), r.json()["passed"]
        (False, 0.0, False)
    """

    passed: bool
    message: str = ""
    calls: list[str] = field(default_factory=list)
    matched: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def __float__(self) -> float:
        return 1.0 if self.passed else 0.0

    def json(self) -> dict[str, Any]:
        """A JSON-ready dict of the result."""
        return {
            "passed": self.passed,
            "message": self.message,
            "calls": list(self.calls),
            "matched": list(self.matched),
        }


@dataclass(frozen=True)
class _Step:
    name: str  # the positive step's tool
    forbidden: frozenset[str]  # tools never called in the gap before it


class ToolSequenceValidator(DialogScore):
    """Checks a dialog's tool calls against ``steps`` (see the module docstring for the exact
    semantics); calling it returns a :class:`ToolSequenceResult`.

    Example:
        >>> from sdialog import Dialog, Event
        >>> d = Dialog(events=[Event(action="tool", actionLabel="call", content={"name": n})
        ...                    for n in ("a", "b", "a")])
        >>> ToolSequenceValidator(["a", "a"])(d).matched
        [0, 2]
        >>> ToolSequenceValidator(["b", "not:a"])(d).message
        "'a' (call #3) is called after 'b' (call #2)"
    """

    name: ClassVar[str] = "tool-sequence"

    def __init__(self, steps: Sequence[str]):
        if isinstance(steps, str) or not steps:
            raise ValueError("expected a non-empty list of steps, e.g. ['verify', 'not:x', 'pay']")
        for step in steps:
            if not isinstance(step, str) or not step.removeprefix(NOT_PREFIX).strip():
                raise ValueError(f"invalid step {step!r}: expected 'tool_name' or 'not:tool_name'")
        self.steps = list(steps)
        self._positive, self._trailing = _compile(self.steps)

    def score(self, dialog: Dialog) -> ToolSequenceResult:
        calls = tool_calls(dialog)
        chains = _reachable(self._positive, calls)
        if chains[-1] and _gap_clear(calls, max(chains[-1]), len(calls), self._trailing):
            last = max(chains[-1])
            return ToolSequenceResult(True, "", calls, _witness(chains, last, self._positive))
        return ToolSequenceResult(False, self._explain(calls, chains), calls, [])

    def _explain(self, calls: list[str], chains: list[dict[int, int]]) -> str:
        depth = max(j for j, reachable in enumerate(chains) if reachable)
        latest = max(chains[depth])
        if depth == len(self._positive):  # every positive step matched: a trailing `not:` failed
            hit = _first_forbidden(calls, latest, len(calls), self._trailing)
            after = f" after {_describe(calls, latest)}" if depth else ""
            return f"{_describe(calls, hit)} is called{after}"
        step = self._positive[depth]
        earliest = min(chains[depth])
        targets = [t for t in range(earliest + 1, len(calls)) if calls[t] == step.name]
        if not targets:
            after = f" after {_describe(calls, earliest)}" if depth else ""
            seen = ", ".join(calls) if calls else "none"
            return f"'{step.name}' is never called{after} (calls: {seen})"
        target = targets[-1]
        anchor = max(r for r in chains[depth] if r < target)
        hit = _first_forbidden(calls, anchor, target, step.forbidden)
        gap = f"between {_describe(calls, anchor)} and" if depth else "before"
        return f"{_describe(calls, hit)} is called {gap} {_describe(calls, target)}"


def _compile(steps: list[str]) -> tuple[list[_Step], frozenset[str]]:
    positive, pending = [], set()
    for step in steps:
        if step.startswith(NOT_PREFIX):
            pending.add(step[len(NOT_PREFIX) :].strip())
        else:
            positive.append(_Step(step.strip(), frozenset(pending)))
            pending = set()
    return positive, frozenset(pending)


def _reachable(positive: list[_Step], calls: list[str]) -> list[dict[int, int]]:
    """``chains[j]`` maps every call position that can match positive step ``j`` (1-based) to the
    position matched by step ``j - 1`` (the latest valid one); ``chains[0]`` is the start (-1).

    One left-to-right sweep per step: ``anchor`` is the latest position reachable by the previous
    step, ``blocked`` whether a forbidden call came after it; a call to the step's tool while
    unblocked is reachable. A later anchor is never worse (its gap is a part of the earlier one).
    """
    chains: list[dict[int, int]] = [{-1: -1}]
    for step in positive:
        previous, current = chains[-1], {}
        anchor, blocked = (-1 if -1 in previous else None), False
        for t, name in enumerate(calls):
            if anchor is not None and not blocked and name == step.name:
                current[t] = anchor
            if t in previous:
                anchor, blocked = t, False
            elif name in step.forbidden:
                blocked = True
        chains.append(current)
    return chains


def _gap_clear(calls: list[str], start: int, end: int, forbidden: frozenset[str]) -> bool:
    return not any(name in forbidden for name in calls[start + 1 : end])


def _first_forbidden(calls: list[str], start: int, end: int, forbidden: frozenset[str]) -> int:
    return next(t for t in range(start + 1, end) if calls[t] in forbidden)


def _witness(chains: list[dict[int, int]], last: int, positive: list[_Step]) -> list[int]:
    matched, position = [], last
    for j in range(len(positive), 0, -1):
        matched.append(position)
        position = chains[j][position]
    return matched[::-1]


def _describe(calls: list[str], position: int) -> str:
    return f"'{calls[position]}' (call #{position + 1})"
