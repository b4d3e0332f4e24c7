"""Steerers: edits of a hooked activation, applied at chosen token positions.

- :class:`DirectionSteerer` — add ``strength * direction`` (``mode="add"``) or remove the
  direction's component, scaled by ``strength`` (``mode="ablate"``: ``h - s (h·d̂) d̂``);
- :class:`FunctionSteerer` — any ``fn(hidden) -> hidden``.

Both act on every real (non-padding) position of the prompt, *including the last one*, and on
every decode step, unless ``positions`` picks some: ``"prompt"`` (prompt positions),
``"response"`` (decode steps), a ``slice`` or a list of token positions (0 = first prompt token,
counted without padding). Steerers are immutable: :meth:`Steerer.scaled` returns a new one.

Example:
    >>> import torch
    >>> s = DirectionSteerer(torch.tensor([1.0, 0.0]), strength=2.0)
    >>> s.apply(torch.tensor([[[0.5, 1.0]]])).tolist()
    [[[2.5, 1.0]]]
    >>> (s.scaled(0.5)).strength, s.strength
    (1.0, 2.0)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Literal

from sdialog._extras import needs_extra


@dataclasses.dataclass(frozen=True)
class Interval:
    """The reference SDialog's ``steering_interval=(first, last)`` as a positions spec.

    ``first``: ``"*"`` steers every prompt token, ``-n`` the last ``n`` prompt tokens, ``0``
    (any int >= 0) none before the reply. ``last``: ``"*"`` or ``-1`` steers the states that
    choose every generated token, ``m`` those that choose the first ``m``. The state that
    chooses generated token 0 is the last prompt position (the reference skipped it and
    steered one token late; see docs/migrating.md).

    Example:
        >>> Interval.of(("*", 2))
        Interval(first='*', last=2)
    """

    first: int | str = "*"
    last: int | str = "*"

    @classmethod
    def of(cls, value: Any) -> Interval | None:
        """An interval from a ``(first, last)`` pair (``None``/``("*", "*")``: no restriction)."""
        if value is None or isinstance(value, Interval):
            return value
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ValueError(f"steering_interval must be a (first, last) pair, got {value!r}")
        first, last = value
        for v in value:
            if not (isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool))):
                raise ValueError(f"steering_interval entries are ints or '*', got {value!r}")
        if isinstance(last, int) and last < -1:
            raise ValueError(f"steering_interval last must be '*', -1 or >= 0, got {last!r}")
        return None if (first, last) == ("*", "*") else cls(first, last)

    def mask(self, positions: Any, prompt_lens: Any) -> Any:
        """Boolean ``[batch, seq]`` mask (``positions``: -1 on padding, as in Steerer.mask)."""
        lens = prompt_lens[:, None]
        real = positions >= 0
        if isinstance(self.first, str):
            prompt = real & (positions < lens)
        elif self.first < 0:
            prompt = (positions >= lens + self.first) & (positions < lens) & real
        else:
            prompt = positions < 0  # nothing
        chooses = real & (positions >= lens - 1)  # states that choose a generated token
        if not (isinstance(self.last, str) or self.last == -1):
            chooses = chooses & (positions < lens - 1 + int(self.last))
        return prompt | chooses


Positions = None | Literal["prompt", "response"] | slice | Sequence[int] | Interval


@dataclasses.dataclass(frozen=True, kw_only=True)
class Steerer:
    """Base of steerers: ``strength``, ``positions`` and the ``target`` nickname (None: all)."""

    strength: float = 1.0
    positions: Positions = None
    target: str | None = None

    def scaled(self, factor: float) -> Steerer:
        """A copy with ``strength`` multiplied by ``factor``."""
        return dataclasses.replace(self, strength=self.strength * float(factor))

    def __mul__(self, factor: float) -> Steerer:
        return self.scaled(factor)

    __rmul__ = __mul__

    def apply(self, hidden: Any) -> Any:
        """The edited activations (a new tensor; ``hidden`` is never modified)."""
        raise NotImplementedError

    def mask(self, positions: Any, prompt_lens: Any) -> Any:
        """Boolean ``[batch, seq]`` mask of the positions to edit (None: every real position).

        ``positions`` holds each token's position in its unpadded sequence (-1 on padding).
        """
        return position_mask(self.positions, positions, prompt_lens)


def position_mask(spec: Positions, positions: Any, prompt_lens: Any) -> Any:
    """The boolean mask of a positions spec (see :meth:`Steerer.mask`)."""
    with needs_extra("local"):
        import torch

    real = positions >= 0
    if spec is None:
        return real
    if isinstance(spec, Interval):
        return spec.mask(positions, prompt_lens)
    if spec == "prompt":
        return real & (positions < prompt_lens[:, None])
    if spec == "response":
        return positions >= prompt_lens[:, None]
    if isinstance(spec, slice):
        if spec.step not in (None, 1):
            raise ValueError("steering positions: slices with a step are not supported")
        lo = spec.start or 0
        hi = spec.stop if spec.stop is not None else 1 << 62
        return real & (positions >= lo) & (positions < hi)
    wanted = torch.tensor(list(spec), device=positions.device)
    return real & torch.isin(positions, wanted)


def _vector(direction: Any) -> Any:
    with needs_extra("local"):
        import torch

    vector = getattr(direction, "vector", direction)
    vector = torch.as_tensor(vector).detach().flatten()
    if not vector.is_floating_point():
        raise TypeError(f"a direction must be a float vector, got dtype {vector.dtype}")
    return vector


@dataclasses.dataclass(frozen=True)
class DirectionSteerer(Steerer):
    """Add a direction (``mode="add"``) or ablate it (``mode="ablate"``), times ``strength``.

    ``direction`` is a :class:`~sdialog.interpretability.Direction`, a torch tensor or a numpy
    vector of the hooked module's width. It is cast to the activation's dtype and device.

    Example:
        >>> steered = Inspector(12) + DirectionSteerer(direction, strength=4)  # doctest: +SKIP
    """

    direction: Any
    mode: Literal["add", "ablate"] = "add"

    def __post_init__(self) -> None:
        if self.mode not in ("add", "ablate"):
            raise ValueError(f"DirectionSteerer mode must be 'add' or 'ablate', got {self.mode!r}")
        vector = _vector(self.direction)
        norm = float(vector.float().norm())
        if norm == 0 or norm != norm:
            raise ValueError("DirectionSteerer direction is zero or not finite")
        object.__setattr__(self, "_cpu", vector.float())
        object.__setattr__(self, "_cast", {})

    def _on(self, hidden: Any, unit: bool) -> Any:
        key = (hidden.dtype, hidden.device, unit)
        cache = self._cast  # type: ignore[attr-defined]
        if key not in cache:
            vector = self._cpu  # type: ignore[attr-defined]
            if vector.shape[0] != hidden.shape[-1]:
                raise ValueError(
                    f"direction has {vector.shape[0]} dimensions, the hooked activation "
                    f"{hidden.shape[-1]}"
                )
            if unit:  # ablation works in float32: d̂ and the projection stay exact
                cache[key] = (vector / vector.norm()).to(hidden.device)
            else:
                cache[key] = vector.to(hidden.device, hidden.dtype)
        return cache[key]

    def apply(self, hidden: Any) -> Any:
        if self.mode == "add":
            return hidden + self.strength * self._on(hidden, unit=False)
        unit = self._on(hidden, unit=True)
        h = hidden.float()
        projection = (h @ unit).unsqueeze(-1) * unit
        return (h - self.strength * projection).to(hidden.dtype)

    def __repr__(self) -> str:
        dim = self._cpu.shape[0]  # type: ignore[attr-defined]
        return (
            f"DirectionSteerer(mode={self.mode!r}, strength={self.strength}, dim={dim}, "
            f"positions={self.positions!r}, target={self.target!r})"
        )


@dataclasses.dataclass(frozen=True)
class FunctionSteerer(Steerer):
    """Apply ``fn(hidden) -> hidden`` (same shape); ``strength`` interpolates:
    ``h + strength * (fn(h) - h)``.

    Example:
        >>> import torch
        >>> FunctionSteerer(lambda h: h * 0).apply(torch.ones(1, 1, 2)).tolist()
        [[[0.0, 0.0]]]
    """

    fn: Callable[[Any], Any]

    def apply(self, hidden: Any) -> Any:
        edited = self.fn(hidden)
        if edited.shape != hidden.shape:
            raise ValueError(
                f"steering function changed the shape {tuple(hidden.shape)} "
                f"-> {tuple(edited.shape)}"
            )
        if self.strength == 1.0:
            return edited.to(hidden.dtype)
        return (hidden + self.strength * (edited - hidden)).to(hidden.dtype)


def as_steerer(value: Any, mode: Literal["add", "ablate"] = "add") -> Steerer:
    """A steerer from a steerer, a callable, or a direction (Direction, tensor, numpy vector)."""
    if isinstance(value, Steerer):
        if mode == "ablate":
            if not isinstance(value, DirectionSteerer):
                raise TypeError("only direction steerers can be subtracted (ablated)")
            return dataclasses.replace(value, mode="ablate")
        return value
    if callable(value) and not hasattr(value, "shape") and not hasattr(value, "vector"):
        if mode == "ablate":
            raise TypeError("a steering function cannot be subtracted; use + fn")
        return FunctionSteerer(value)
    return DirectionSteerer(value, mode=mode)
