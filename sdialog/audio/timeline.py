"""Sample-accurate placement of utterances: pauses and overlaps from a gap policy.

A gap policy returns, for each turn after the first, the seconds between the end of the previous
turn and the start of this one (negative = overlap). :func:`place` turns durations and gaps into
start samples, clamping overlaps so a turn never starts before the previous one starts.

- :class:`RandomGaps`: uniform pauses within bounds, occasional overlaps; seeded.
- :class:`RuleGaps`: answers to questions come faster, back-channels ("mm-hmm", "yeah") overlap,
  long turns are preceded by longer pauses; seeded jitter.
- :class:`LLMGaps`: the gaps planned by a model through :func:`sdialog.llm.get_backend`
  (structured output validated by a pydantic schema), clipped to the bounds.

Example:
    >>> texts = ["Are you ok?", "Yes.", "mm-hmm"]
    >>> gaps = RuleGaps(seed=1).gaps(texts, ["A", "B", "A"], [1.0, 0.5, 0.3])
    >>> len(gaps), gaps[1] < 0  # the back-channel overlaps
    (2, True)
    >>> place([16000, 8000, 4800], [0.2, -0.1], 16000)
    [0, 19200, 25600]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel, Field

_BACKCHANNEL = re.compile(
    r"^(mm+-?hmm+|uh-?huh|yeah|yes|yep|right|ok(ay)?|sure|i see|got it|mhm|hmm+|ah|oh)[.!,]?$",
    re.I,
)


class GapPolicy(Protocol):
    """``gaps(texts, speakers, seconds) -> list of len(texts) - 1 floats`` (seconds)."""

    def gaps(
        self, texts: Sequence[str], speakers: Sequence[str], seconds: Sequence[float]
    ) -> list[float]: ...


class RandomGaps:
    """Pauses uniform in ``[min_gap, max_gap]``; with probability ``overlap_prob`` an overlap of up
    to ``max_overlap`` seconds instead (only between different speakers).

    Example:
        >>> RandomGaps(seed=3).gaps(["a", "b"], ["A", "B"], [1, 1]) == RandomGaps(seed=3).gaps(
        ...     ["a", "b"], ["A", "B"], [1, 1])
        True
    """

    def __init__(
        self,
        min_gap: float = 0.15,
        max_gap: float = 0.8,
        overlap_prob: float = 0.1,
        max_overlap: float = 0.4,
        seed: int = 0,
    ):
        if not 0 <= min_gap <= max_gap:
            raise ValueError(f"need 0 <= min_gap <= max_gap, got {min_gap}, {max_gap}")
        if not 0 <= overlap_prob <= 1:
            raise ValueError(f"overlap_prob must be in [0, 1], got {overlap_prob}")
        self.min_gap, self.max_gap = float(min_gap), float(max_gap)
        self.overlap_prob, self.max_overlap, self.seed = overlap_prob, float(max_overlap), seed

    def gaps(self, texts, speakers, seconds) -> list[float]:
        rng = np.random.default_rng(self.seed)
        out = []
        for i in range(1, len(texts)):
            if speakers[i] != speakers[i - 1] and rng.random() < self.overlap_prob:
                out.append(-float(rng.uniform(0.05, self.max_overlap)))
            else:
                out.append(float(rng.uniform(self.min_gap, self.max_gap)))
        return out


class RuleGaps:
    """Conversation-analysis rules of thumb with seeded jitter (±``jitter`` s):

    - a back-channel ("mm-hmm", "yeah", "right") from another speaker overlaps by 0.1–0.3 s;
    - an answer to a question (previous turn ends with "?") starts after ~0.2 s;
    - otherwise ~0.45 s, plus 0.05 s per 10 words of the new turn (planning time, capped at 0.4 s);
    - the same speaker continuing pauses ~0.6 s.
    """

    def __init__(self, jitter: float = 0.1, seed: int = 0):
        self.jitter, self.seed = float(jitter), seed

    def gaps(self, texts, speakers, seconds) -> list[float]:
        rng = np.random.default_rng(self.seed)
        out = []
        for i in range(1, len(texts)):
            text, previous = texts[i].strip(), texts[i - 1].strip()
            noise = float(rng.uniform(-self.jitter, self.jitter))
            if speakers[i] == speakers[i - 1]:
                out.append(0.6 + abs(noise))
            elif _BACKCHANNEL.match(text):
                out.append(-float(rng.uniform(0.1, 0.3)))
            elif previous.endswith("?"):
                out.append(max(0.05, 0.2 + noise / 2))
            else:
                planning = min(0.4, 0.05 * len(text.split()) / 10)
                out.append(max(0.05, 0.45 + planning + noise))
        return out


class _GapPlan(BaseModel):
    gaps: list[float] = Field(description="seconds between consecutive turns; negative = overlap")


class LLMGaps:
    """Gaps planned by a language model (any :mod:`sdialog.llm` model string or backend).

    The model sees each turn's speaker, text and duration and answers ``{"gaps": [...]}``; values
    are clipped to ``[-max_overlap, max_gap]``; a wrong count falls back to :class:`RuleGaps`.

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> planner = LLMGaps(ScriptedBackend([{"gaps": [0.3, -0.2]}]))
        >>> planner.gaps(["Hi?", "Hello.", "yeah"], ["A", "B", "A"], [1, 1, 0.4])
        [0.3, -0.2]
    """

    def __init__(
        self, model: Any = None, max_gap: float = 2.0, max_overlap: float = 0.5, seed: int = 0
    ):
        self.model, self.max_gap, self.max_overlap, self.seed = model, max_gap, max_overlap, seed
        self.used_fallback = False

    def gaps(self, texts, speakers, seconds) -> list[float]:
        from sdialog.llm import get_backend
        from sdialog.prompts import render

        if len(texts) < 2:
            return []
        turns = [
            {"speaker": s, "text": t, "seconds": float(d)}
            for s, t, d in zip(speakers, texts, seconds, strict=True)
        ]
        prompt = render(
            "audio_gap_planner.j2", turns=turns, n_gaps=len(texts) - 1, max_overlap=self.max_overlap
        )
        backend = get_backend(self.model)
        reply = backend.complete(
            [{"role": "user", "content": prompt}], schema=_GapPlan, seed=self.seed
        )
        plan = reply.parsed
        gaps = list(plan.gaps) if plan is not None else []
        self.used_fallback = len(gaps) != len(texts) - 1
        if self.used_fallback:
            return RuleGaps(seed=self.seed).gaps(texts, speakers, seconds)
        return [float(np.clip(g, -self.max_overlap, self.max_gap)) for g in gaps]


def get_gap_policy(policy: str | GapPolicy, seed: int = 0, model: Any = None) -> GapPolicy:
    """``"rules"``, ``"random"``, ``"llm"`` or a policy object."""
    if not isinstance(policy, str):
        if not hasattr(policy, "gaps"):
            raise TypeError(
                f"timing must be 'rules', 'random', 'llm' or a GapPolicy, got {policy!r}"
            )
        return policy
    if policy == "rules":
        return RuleGaps(seed=seed)
    if policy == "random":
        return RandomGaps(seed=seed)
    if policy == "llm":
        return LLMGaps(model, seed=seed)
    raise ValueError(f"unknown timing {policy!r}; use 'rules', 'random' or 'llm'")


def place(lengths: Sequence[int], gaps: Sequence[float], sampling_rate: int) -> list[int]:
    """Start sample of each utterance: each starts ``gap`` seconds (rounded to a sample) after the
    previous one ends; an overlap never starts before the previous utterance starts."""
    if len(gaps) != max(0, len(lengths) - 1):
        raise ValueError(f"need {max(0, len(lengths) - 1)} gaps for {len(lengths)} turns")
    starts: list[int] = [0] if len(lengths) else []
    for i in range(1, len(lengths)):
        previous_end = starts[-1] + int(lengths[i - 1])
        start = previous_end + round(gaps[i - 1] * sampling_rate)
        starts.append(max(start, starts[-1]))
    return starts


def overlap_flags(starts: Sequence[int], lengths: Sequence[int]) -> list[bool]:
    """Whether each segment overlaps any other segment (sample-accurate).

    Example:
        >>> overlap_flags([0, 100, 300], [150, 100, 10])
        [True, True, False]
    """
    ends = [s + n for s, n in zip(starts, lengths, strict=True)]
    flags = []
    for i, (s, e) in enumerate(zip(starts, ends, strict=True)):
        flags.append(any(j != i and s < ends[j] and starts[j] < e for j in range(len(starts))))
    return flags
