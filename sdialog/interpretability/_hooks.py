"""The hooks one :class:`~sdialog.interpretability.Inspector` puts on one ``generate`` call.

Token semantics (also documented on :class:`~sdialog.interpretability.Inspector`): ``generate``
runs one forward pass per new token. The prefill pass sees the whole (left-padded) prompt; its
last position's state yields the logits that choose generated token 0. Decode step ``k >= 1``
feeds token ``k-1`` and its state chooses token ``k``. So the activation of generated token ``k``
is the state *that produced it*: the last prompt position for ``k = 0``, decode step ``k``
otherwise.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from sdialog._extras import needs_extra
from sdialog.interpretability.steering import position_mask

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.interpretability.inspector import Inspector
    from sdialog.llm.local import GenerationContext


class GenerationHooks:
    """Context manager: capture and steer the inspector's targets during one ``generate``.

    Example:
        >>> with GenerationHooks(inspector, context):   # doctest: +SKIP
        ...     model.generate(**batch)
    """

    def __init__(self, inspector: Inspector, context: GenerationContext):
        self.inspector, self.context = inspector, context
        self.handles: list[Any] = []
        self.steps: dict[str, list[Any]] = {}
        self.logits: list[tuple[Any, Any]] = []
        self.step = -1
        self.positions: Any = None
        # monitors need the activations even when the inspector stores nothing
        self.record = inspector.capture or ("post" if inspector.monitors else None)

    # -- hooks ---------------------------------------------------------------------------------
    def __enter__(self) -> GenerationHooks:
        ctx, inspector = self.context, self.inspector
        mask = ctx.attention_mask.bool()
        self.prompt_lens = mask.sum(dim=1)
        self.prefill_positions = (mask.long().cumsum(dim=1) - 1).masked_fill(~mask, -1)
        targets = inspector.resolve(ctx.model)
        inspector._tokenizer = ctx.tokenizer
        if any(t.name.startswith("z:") or t.name.endswith("hook_z") for t in targets.values()):
            from sdialog.interpretability._modules import head_shape

            inspector._heads = head_shape(ctx.model)[0]
        try:
            self.handles.append(ctx.model.register_forward_pre_hook(self._on_forward))
            for nick, target in targets.items():
                steerers = [s for s in inspector.steerers if s.target in (None, nick)]
                if not steerers and not self.record:
                    continue
                self.steps[nick] = []
                if target.kind == "output":
                    hook = functools.partial(self._on_output, nick, steerers)
                    self.handles.append(target.module.register_forward_hook(hook))
                else:
                    hook = functools.partial(self._on_input, nick, steerers)
                    self.handles.append(
                        target.module.register_forward_pre_hook(hook, with_kwargs=True)
                    )
            if inspector.capture and inspector.top_k:
                head = ctx.model.get_output_embeddings()
                self.handles.append(head.register_forward_hook(self._on_logits))
        except BaseException:
            self._remove()
            raise
        return self

    def _on_forward(self, module: Any, args: Any) -> None:
        self.step += 1
        if self.step == 0:
            self.positions = self.prefill_positions
        else:
            self.positions = (self.prompt_lens + (self.step - 1))[:, None]

    def _edit(self, nick: str, steerers: list[Any], hidden: Any) -> Any:
        with needs_extra("local"):
            import torch

        original, window = hidden, self.inspector._interval
        for steerer in steerers:
            edited = steerer.apply(hidden)
            spec = steerer.positions if steerer.positions is not None else window
            if self.step == 0 or spec is not None:
                keep = position_mask(spec, self.positions, self.prompt_lens)
                edited = torch.where(keep[..., None], edited, hidden)
            hidden = edited
        if self.record:
            kept = original if self.record == "pre" else hidden
            self.steps[nick].append(kept.detach())
        return hidden

    def _on_output(self, nick: str, steerers: list[Any], module: Any, args: Any, output: Any):
        if isinstance(output, tuple):
            edited = self._edit(nick, steerers, output[0])
            return (edited, *output[1:]) if steerers else None
        edited = self._edit(nick, steerers, output)
        return edited if steerers else None

    def _on_input(self, nick: str, steerers: list[Any], module: Any, args: Any, kwargs: Any):
        if args:
            edited = self._edit(nick, steerers, args[0])
            return ((edited, *args[1:]), kwargs) if steerers else None
        edited = self._edit(nick, steerers, kwargs["hidden_states"])
        return (args, {**kwargs, "hidden_states": edited}) if steerers else None

    def _on_logits(self, module: Any, args: Any, output: Any) -> None:
        probs = output[:, -1].float().softmax(dim=-1)
        values, ids = probs.topk(int(self.inspector.top_k), dim=-1)
        self.logits.append((ids, values))

    def _remove(self) -> None:
        while self.handles:
            self.handles.pop().remove()

    # -- results -------------------------------------------------------------------------------
    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        self._remove()
        ctx = self.context
        if exc_type is not None or not self.record or ctx.sequences is None:
            self.inspector._abandon(ctx.call_id)
            return False
        responses = self._responses()
        for b, response in enumerate(responses):
            scores = {m.name: m.summary(response) for m in self.inspector.monitors}
            if scores:
                response.monitors = scores
                if b < len(ctx.annotations):
                    ctx.annotations[b].setdefault("monitors", {}).update(scores)
        if self.inspector.capture:
            self.inspector._deliver(ctx.call_id, ctx.call_size, ctx.rows, responses)
            for b, response in enumerate(responses):  # lets an agent drop a rejected try's capture
                if b < len(ctx.annotations):
                    ctx.annotations[b].setdefault("captured", []).append(id(response))
        self.steps.clear()
        return False

    def _responses(self) -> list[Any]:
        with needs_extra("local"):
            import torch

        from sdialog.interpretability.inspector import Response

        ctx, inspector = self.context, self.inspector
        width = ctx.input_ids.shape[1]
        generated = ctx.sequences[:, width:].cpu()
        n_steps = generated.shape[1]
        if any(len(s) != n_steps for s in self.steps.values()):
            raise RuntimeError(
                "inspector: forward passes do not match generated tokens "
                f"({ {k: len(v) for k, v in self.steps.items()} } vs {n_steps})"
            )
        store = {"device": inspector.device, "dtype": None}
        prompt, acts = {}, {}
        for nick, steps in self.steps.items():
            first = steps[0]
            store["dtype"] = inspector.dtype or first.dtype
            prompt[nick] = first.to(**store) if inspector.capture_prompt else None
            acts[nick] = torch.cat([first[:, -1:], *steps[1:]], dim=1).to(**store)
        if self.logits:
            top_ids = torch.stack([i for i, _ in self.logits], dim=1).cpu()
            top_p = torch.stack([p for _, p in self.logits], dim=1).cpu()
        features = {n: sae.encode(acts[n]) for n, sae in inspector.saes.items() if n in acts}
        lengths = self.prompt_lens.tolist()
        out = []
        for b, tokens in enumerate(generated.tolist()):
            n = _response_length(tokens, ctx.eos_token_ids, ctx.tokenizer.pad_token_id)
            p = lengths[b]
            out.append(
                Response(
                    ids=tokens[:n],
                    acts={k: v[b, :n].clone() for k, v in acts.items()},
                    prompt_ids=ctx.input_ids[b, width - p :].tolist(),
                    prompt_acts={
                        k: v[b, width - p :].clone() for k, v in prompt.items() if v is not None
                    },
                    top_k=(top_ids[b, :n], top_p[b, :n]) if self.logits else None,
                    tokenizer=ctx.tokenizer,
                    saes=inspector.saes,
                    features=next((f[b, :n].clone() for f in features.values()), None),
                )
            )
        return out


def _response_length(tokens: list[int], eos_ids: tuple[int, ...], pad_id: int | None) -> int:
    """Tokens of a row up to and including its first end-of-turn token, without trailing pads
    (``generate`` pads rows that a stop string finished early)."""
    n = next((k + 1 for k, t in enumerate(tokens) if t in eos_ids), len(tokens))
    while n > 0 and pad_id is not None and pad_id not in eos_ids and tokens[n - 1] == pad_id:
        n -= 1
    return n
