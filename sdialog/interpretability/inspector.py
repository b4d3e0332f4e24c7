"""The Inspector: capture (and steer) activations of a local model during an agent's replies.

Usage first::

    inspector = Inspector(target="model.layers.15", top_k=5)
    agent = agent | inspector              # hooks only this agent's generation calls
    agent("How are you?")
    inspector[-1][0].act                   # state that produced the reply's first token
    inspector[-1][0].top_k                 # its next-token candidates [(token, prob), ...]
    inspector.input[-1].acts               # the prompt side: one row per prompt token

Token semantics: ``inspector[i]`` is response ``i`` (in call order, batch rows in input order);
``inspector[i][k]`` is its ``k``-th generated token (the end-of-turn token included when one was
generated) and ``.act`` is the hooked module's activation at the position whose logits chose that
token: the last prompt position for ``k = 0``, the decode step that fed token ``k-1`` otherwise.
So ``inspector.input[i][-1].act`` equals ``inspector[i][0].act``. Padding is never captured.

Steering operators change the inspector itself and return it, as in the reference SDialog:
``inspector + d`` adds a direction, ``inspector - d`` ablates it, ``inspector * s`` scales the
last steerer's strength (or, with no steerer yet, sets the strength of the next one). So
``agent | inspector - d`` attaches the very inspector the caller holds, and an agent it is
attached to uses a change from its next reply on. :meth:`Inspector.copy` gives an independent
inspector (same targets and steerers, nothing captured).
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from sdialog.interpretability._modules import Target, resolve_target
from sdialog.interpretability.steering import Interval, Positions, Steerer, as_steerer

_SERIAL = itertools.count(1)


class Token:
    """One token of a response or prompt: ``.id``, ``.token``, ``.act``, ``[nick]``, ``.top_k``."""

    def __init__(self, owner: _Sequence, index: int):
        self._owner, self.index = owner, index

    @property
    def id(self) -> int:
        """The token id."""
        return self._owner.ids[self.index]

    @property
    def token(self) -> str:
        """The token's text."""
        return self._owner.tokenizer.decode([self.id])

    @property
    def act(self) -> Any:
        """The activation (a tensor; a dict by nickname when the inspector has several targets)."""
        acts = {k: v[self.index] for k, v in self._owner.acts_by_target.items()}
        return next(iter(acts.values())) if len(acts) == 1 else acts

    def __getitem__(self, nick: str) -> Any:
        return self._owner.acts_by_target[nick][self.index]

    @property
    def features(self) -> Any:
        """SAE feature activations ``[d_sae]`` (inspectors built with ``sae=``)."""
        return self._owner.features[self.index]

    def top_features(self, n: int = 5) -> list[tuple[int, float]]:
        """The ``n`` most active SAE features here: ``[(feature, activation), ...]``."""
        values, index = self.features.float().topk(n)
        return [(i, v) for i, v in zip(index.tolist(), values.tolist(), strict=True) if v > 0]

    @property
    def top_k(self) -> list[tuple[str, float]] | None:
        """The next-token candidates at this position: ``[(token, probability), ...]``."""
        top = self._owner.top
        if top is None:
            return None
        ids, probs = top[0][self.index].tolist(), top[1][self.index].tolist()
        decode = self._owner.tokenizer.decode
        return [(decode([i]), p) for i, p in zip(ids, probs, strict=True)]

    def __repr__(self) -> str:
        return f"Token({self.index}, {self.token!r})"


class _Sequence:
    """Shared behaviour of responses and prompts: indexing, length, text, stacked acts."""

    ids: list[int]
    acts_by_target: dict[str, Any]
    tokenizer: Any
    top: Any = None
    saes: Mapping[str, Any] = {}
    _features: Any = None

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> Token:
        if not -len(self) <= index < len(self):
            raise IndexError(f"token {index} out of range ({len(self)} tokens)")
        return Token(self, index % len(self))

    def __iter__(self) -> Iterator[Token]:
        return (Token(self, k) for k in range(len(self)))

    @property
    def text(self) -> str:
        return self.tokenizer.decode(self.ids, skip_special_tokens=True)

    @property
    def acts(self) -> Any:
        """``[tokens, width]`` activations (a dict by nickname for several targets)."""
        acts = self.acts_by_target
        return next(iter(acts.values())) if len(acts) == 1 else dict(acts)

    @property
    def features(self) -> Any:
        """``[tokens, d_sae]`` SAE feature activations of the inspector's ``sae=`` target."""
        if self._features is None:
            if not self.saes:
                raise ValueError("no SAE attached: build the inspector with Inspector(..., sae=)")
            nick, sae = next(iter(self.saes.items()))
            self._features = sae.encode(self.acts_by_target[nick])
        return self._features


class Response(_Sequence):
    """The generated tokens of one reply and their activations (``inspector[i]``)."""

    def __init__(
        self, ids, acts, prompt_ids, prompt_acts, top_k, tokenizer, saes=None, features=None
    ):
        self.ids, self.acts_by_target, self.top, self.tokenizer = ids, acts, top_k, tokenizer
        self.saes, self._features = saes or {}, features
        self.monitors: dict[str, dict[str, float]] = {}
        self.prompt = Prompt(prompt_ids, prompt_acts, tokenizer, self.saes)

    def __repr__(self) -> str:
        return f"Response({len(self)} tokens, {self.text[:40]!r})"


class Prompt(_Sequence):
    """The prompt side of one reply (``inspector.input[i]``): one activation per prompt token."""

    def __init__(self, ids, acts, tokenizer, saes=None):
        self.ids, self.acts_by_target, self.tokenizer = ids, acts, tokenizer
        self.saes = saes or {}

    def __repr__(self) -> str:
        return f"Prompt({len(self)} tokens)"


class _Inputs(Sequence):
    def __init__(self, inspector: Inspector):
        self._responses = inspector.responses

    def __len__(self) -> int:
        return len(self._responses)

    def __getitem__(self, i):
        return self._responses[i].prompt


class Inspector:
    """Capture and steer activations of local models during the replies of the agents it joins.

    Args:
        target: a layer index (``12``, ``-1``), a shorthand (``"resid_pre:12"``,
            ``"resid_post:12"``, ``"mlp:12"``, ``"attn:12"``, ``"z:12"``), a TransformerLens
            hook name (``"blocks.12.hook_resid_post"``), a dotted module path
            (``"model.layers.12"``), a list of those, or ``{"nick": target}``.
        top_k: also keep the ``top_k`` next-token candidates of every generated token.
        capture: ``True``/``"post"`` store activations after this inspector's steering,
            ``"pre"`` before it, ``False`` steer only (nothing is stored).
        capture_prompt: also keep the prompt-side activations (``inspector.input``).
        dtype: storage dtype (e.g. ``torch.float16`` halves the memory); default the model's.
        device: where captured activations live (default ``"cpu"``).
        steerers: initial steerers (see :mod:`sdialog.interpretability.steering`).
        steering_interval: ``(first, last)`` window of the reference SDialog applied to steerers
            without their own ``positions`` (see :class:`~sdialog.interpretability.Interval`).
        inspect_input: hook the *input* of dotted-path and layer targets instead of the output.
        sae: a sparse autoencoder (:class:`~sdialog.interpretability.SAE`) reading the target
            (or ``{nick: sae}``): each captured token then has ``.features``/``.top_features``.
        monitors: :class:`~sdialog.interpretability.Monitor` objects scored on every reply
            (recorded on the dialog's utter events, even with ``capture=False``).
        agent: attach to this agent now (:meth:`add_agent`).
        steering_function: a function or list of functions (:meth:`add_steering_function`).

    Example:
        >>> inspector = Inspector(target={"mid": "resid_post:1", "mlp": "mlp:1"}, top_k=3)
        >>> inspector
        Inspector(target={'mid': 'resid_post:1', 'mlp': 'mlp:1'}, responses=0, steerers=0)
        >>> steered = inspector - [1.0] * 64     # the same inspector, now ablating a direction
        >>> steered is inspector, len(inspector.steerers)
        (True, 1)
    """

    def __init__(
        self,
        target: int | str | Sequence[int | str] | Mapping[str, int | str] | None = None,
        top_k: int | None = None,
        *,
        capture: bool | Literal["pre", "post"] = True,
        capture_prompt: bool = True,
        dtype: Any = None,
        device: str = "cpu",
        steerers: Sequence[Steerer] = (),
        steering_interval: tuple[int | str, int | str] | None = None,
        inspect_input: bool = False,
        agent: Any = None,
        steering_function: Any = None,
        sae: Any = None,
        monitors: Sequence[Any] = (),
    ):
        self.targets: dict[str, int | str] = {} if target is None else _nicknames(target)
        self._spec = target
        self.steering_interval = steering_interval
        self._interval = Interval.of(steering_interval)
        self.inspect_input = bool(inspect_input)
        self.agent: Any = None
        self._tokenizer: Any = None
        self._next_strength: float | None = None
        self._heads = 0  # attention heads of the model a z / hook_z target was captured on
        self.saes: dict[str, Any] = _saes(sae, self.targets)
        self.monitors: list[Any] = list(monitors)
        for monitor in self.monitors:
            monitor.bind(self)
        if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
            raise ValueError(f"Inspector top_k must be a positive int, got {top_k!r}")
        if capture not in (True, False, "pre", "post"):
            raise ValueError(f"Inspector capture must be True, False, 'pre' or 'post': {capture!r}")
        self.top_k = top_k
        self.capture: Literal["pre", "post"] | None = (
            None if capture is False else ("post" if capture is True else capture)
        )
        self.capture_prompt, self.dtype, self.device = capture_prompt, dtype, device
        self.steerers: list[Steerer] = list(steerers)
        for steerer in self.steerers:
            self._check_target(steerer)
        self.responses: list[Response] = []
        self._pending: dict[int, dict[int, Response]] = {}
        self._resolved: dict[int, dict[str, Target]] = {}
        self._serial = next(_SERIAL)
        for function in _listed(steering_function):
            self.add_steering_function(function)
        if agent is not None:
            self.add_agent(agent)

    # -- hook protocol (sdialog.llm.local.GenerationContext) ----------------------------------
    def generation(self, context: Any) -> Any:
        """The context manager that hooks one ``generate`` call (used by ``LocalBackend``)."""
        from sdialog.interpretability._hooks import GenerationHooks

        return GenerationHooks(self, context)

    def resolve(self, model: Any) -> dict[str, Target]:
        """The targets resolved on ``model`` (cached per model)."""
        key = id(model)
        if key not in self._resolved:
            resolved = {k: resolve_target(model, t) for k, t in self.targets.items()}
            if self.inspect_input:
                resolved = {
                    k: dataclasses.replace(t, kind="input") if t.kind == "output" else t
                    for k, t in resolved.items()
                }
            self._resolved[key] = resolved
        return self._resolved[key]

    def _deliver(self, call_id: int, size: int, rows: Sequence[int], got: list[Response]) -> None:
        slots = self._pending.setdefault(call_id, {})
        slots.update(zip(rows, got, strict=True))
        if len(slots) == size:
            del self._pending[call_id]
            self.responses.extend(slots[i] for i in range(size))

    def _abandon(self, call_id: int) -> None:
        self._pending.pop(call_id, None)

    # -- access --------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.responses)

    def __getitem__(self, index: int) -> Response:
        return self.responses[index]

    def __iter__(self) -> Iterator[Response]:
        return iter(self.responses)

    @property
    def input(self) -> Sequence[Prompt]:
        """The prompt side of each response: ``inspector.input[i][p].act``."""
        return _Inputs(self)

    def clear(self, steering: bool = True) -> None:
        """Reset: forget every captured response and (unless ``steering=False``) remove every
        steerer, as the reference SDialog documents (``inspector.clear()  # remove steering``).

        Example:
            >>> inspector = Inspector(1) + [1.0] * 64
            >>> inspector.clear(); len(inspector.steerers)
            0
        """
        self.responses.clear()
        self._pending.clear()
        if steering:
            self.clear_steering()

    def find_instructs(self, verbose: bool = False) -> list[dict[str, Any]]:
        """Instructions (orchestrator system messages after the first system prompt) found in
        the captured prompts: ``[{"index": response index, "content": text}, ...]``; with
        ``verbose`` each is also printed."""
        found = []
        for i, response in enumerate(self.responses):
            for text in _system_segments(response.prompt)[1:]:
                found.append({"index": i, "content": text})
                if verbose:
                    print(f"[instruction in response {i}]\n{text}\n")
        return found

    # -- reference SDialog API ----------------------------------------------------------------
    def add_agent(self, agent: Any) -> Inspector:
        """Attach to ``agent`` in place (its later replies are captured and steered); same as
        ``agent = agent | inspector`` except that the agent object itself changes."""
        from sdialog.agents.agent import _as_inspector_list

        if self not in agent.inspectors:
            agent.inspectors = [*agent.inspectors, *_as_inspector_list(self, agent.backend)]
        self.agent = agent
        return self

    def add_steering_function(self, function: Any) -> Inspector:
        """Steer with ``function(hidden) -> hidden`` (in place; see :class:`FunctionSteerer`)."""
        return self.steer(function)

    def add_hooks(self, target: Any) -> Inspector:
        """Add targets (a mapping ``{nick: target}``, a list or one target), in place."""
        self.targets.update(_nicknames(target))
        self._resolved.clear()
        return self

    @property
    def vocab_size(self) -> int:
        """The vocabulary size of the tokenizer of the attached agent (or of the last reply)."""
        tokenizer = self._tokenizer
        if tokenizer is None and self.agent is not None:
            tokenizer = self.agent.backend.load().tokenizer
        if tokenizer is None:
            raise ValueError(
                "Inspector.vocab_size: attach the inspector to an agent first (add_agent)"
            )
        return len(tokenizer)

    def recap(self) -> str:
        """A short text summary: targets, responses, tokens, stored bytes, steerers."""
        tokens = sum(len(r) for r in self.responses)
        stored = sum(
            t.numel() * t.element_size()
            for r in self.responses
            for acts in (r.acts_by_target, r.prompt.acts_by_target)
            for t in acts.values()
        )
        lines = [
            f"Inspector #{self._serial}: targets {self.targets}",
            f"  responses: {len(self)}, generated tokens: {tokens}, stored: {stored / 1e6:.2f} MB",
            f"  capture: {self.capture or 'off'}, top_k: {self.top_k}",
        ]
        lines += [f"  steer: {s!r}" for s in self.steerers] or ["  steer: none"]
        return "\n".join(lines)

    # -- steering ------------------------------------------------------------------------------
    def steer(
        self,
        value: Any,
        strength: float = 1.0,
        mode: Literal["add", "ablate"] = "add",
        positions: Positions = None,
        target: str | None = None,
    ) -> Inspector:
        """Add a steerer to *this* inspector (in place) and return it.

        Example:
            >>> inspector.steer(direction, strength=4, positions="response")  # doctest: +SKIP
        """
        import dataclasses

        steerer = as_steerer(value, mode)
        changes: dict[str, Any] = {"strength": steerer.strength * float(strength)}
        if positions is not None:
            changes["positions"] = positions
        if target is not None:
            changes["target"] = target
        steerer = dataclasses.replace(steerer, **changes)
        self._check_target(steerer)
        self.steerers.append(steerer)
        return self

    def clear_steering(self) -> None:
        """Remove every steerer (in place)."""
        self.steerers.clear()

    def _check_target(self, steerer: Steerer) -> None:
        if steerer.target is not None and steerer.target not in self.targets:
            raise KeyError(f"steerer target {steerer.target!r} is not one of {list(self.targets)}")

    def copy(self) -> Inspector:
        """An independent inspector with the same targets and steerers, nothing captured.

        Example:
            >>> base = Inspector(1)
            >>> steered = base.copy() + [1.0] * 64
            >>> len(base.steerers), len(steered.steerers)
            (0, 1)
        """
        new = copy.copy(self)
        new.steerers, new.targets = list(self.steerers), dict(self.targets)
        new.responses, new._pending, new._resolved = [], {}, {}
        new._serial = next(_SERIAL)
        return new

    def _add(self, value: Any, mode: Literal["add", "ablate"]) -> Inspector:
        strength, self._next_strength = self._next_strength, None
        return self.steer(value, strength=1.0 if strength is None else strength, mode=mode)

    def __add__(self, value: Any) -> Inspector:
        return self._add(value, "add")

    def __radd__(self, value: Any) -> Inspector:  # steerer + inspector (the reference's order)
        return self._add(value, "add")

    def __sub__(self, value: Any) -> Inspector:
        return self._add(value, "ablate")

    def __rsub__(self, value: Any) -> Inspector:  # steerer - inspector: ablate, as the reference
        return self._add(value, "ablate")

    def __mul__(self, strength: float) -> Inspector:
        if isinstance(strength, bool) or not isinstance(strength, (int, float)):
            return NotImplemented
        if not self.steerers:
            self._next_strength = float(strength)  # the next + / - uses it
            return self
        self.steerers[-1] = self.steerers[-1].scaled(strength)
        return self

    __rmul__ = __mul__
    __iadd__ = __add__
    __isub__ = __sub__
    __imul__ = __mul__

    def __repr__(self) -> str:
        target = self._spec if isinstance(self._spec, (int, str)) else self.targets
        return f"Inspector(target={target!r}, responses={len(self)}, steerers={len(self.steerers)})"

    def __str__(self) -> str:
        return f"<Inspector #{self._serial}>"


def _nicknames(target: Any) -> dict[str, int | str]:
    if isinstance(target, Mapping):
        if not target:
            raise ValueError("Inspector target: empty mapping")
        return {str(k): v for k, v in target.items()}
    if isinstance(target, (list, tuple)):
        if not target:
            raise ValueError("Inspector target: empty list")
        return {str(t): t for t in target}
    if isinstance(target, (int, str)) and not isinstance(target, bool):
        return {str(target): target}
    raise TypeError(f"Inspector target must be an int, str, list or dict, got {target!r}")


def _saes(sae: Any, targets: Mapping[str, Any]) -> dict[str, Any]:
    if sae is None:
        return {}
    if isinstance(sae, Mapping):
        unknown = [k for k in sae if k not in targets]
        if unknown:
            raise KeyError(f"sae= names {unknown}, not targets of this inspector {list(targets)}")
        saes = dict(sae)
    elif len(targets) == 1:
        saes = {next(iter(targets)): sae}
    else:
        raise ValueError("several targets: pass sae={nick: sae} to say which one it reads")
    if len(saes) > 1:
        raise ValueError("one SAE per inspector (use one inspector per SAE)")
    return saes


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _system_segments(prompt: Prompt) -> list[str]:
    """The contents of the system messages in a rendered prompt (found via the chat template)."""
    tokenizer, text = prompt.tokenizer, prompt.tokenizer.decode(prompt.ids)
    marker = "\x00MARK\x00"
    try:
        rendered = tokenizer.apply_chat_template(
            [{"role": "system", "content": marker}], tokenize=False
        )
    except Exception:
        return []
    before, _, after = rendered.partition(marker)
    before = before.removeprefix(tokenizer.bos_token or "\x01")
    segments, start = [], 0
    while before and (found := text.find(before, start)) >= 0:
        end = text.find(after, found + len(before)) if after else len(text)
        if end < 0:
            break
        segments.append(text[found + len(before) : end])
        start = end
    return segments
