"""Activation patching between two runs, and attention maps.

- :func:`patch_activations` — run a *source* prompt, copy ``target``'s activations at chosen
  positions into a run of a *destination* prompt, and compare the next-token distributions;
- :func:`capture_attention` — attention weights of one layer (eager attention, temporarily).

Example:
    >>> out = patch_activations("smollm2", "I love it.", "I hate it.", 10)  # doctest: +SKIP
    >>> out["patched"][:2], out["kl"]                                       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sdialog._extras import needs_extra
from sdialog.interpretability._modules import resolve_target


def _encode(backend: Any, prompt: Any, chat: bool) -> Any:
    from sdialog.interpretability.directions import _messages

    loaded = backend.load()
    text = (
        prompt
        if isinstance(prompt, str) and not chat
        else backend.render_prompt(_messages(prompt, None))
    )
    return loaded.tokenizer(text, return_tensors="pt", add_special_tokens=False).to(loaded.device)


def _top(tokenizer: Any, logits: Any, k: int) -> list[tuple[str, float]]:
    probs, ids = logits.float().softmax(-1).topk(k)
    return [(tokenizer.decode([i]), p) for i, p in zip(ids.tolist(), probs.tolist(), strict=True)]


def patch_activations(
    model: Any,
    source: Any,
    destination: Any,
    target: int | str,
    *,
    positions: Sequence[int] = (-1,),
    top_k: int = 5,
    chat: bool = True,
) -> dict[str, Any]:
    """Patch ``target``'s activations at ``positions`` (indices into each prompt, so -1 is the
    last token of both) from the ``source`` run into the ``destination`` run.

    Returns ``{"destination": top-k, "patched": top-k, "source": top-k, "kl": KL(patched ||
    destination)}`` for the next token, each top-k a list of ``(token, probability)``.
    """
    with needs_extra("local"):
        import torch

    from sdialog.interpretability.directions import _backend

    backend = _backend(model)
    loaded = backend.load()
    point = resolve_target(loaded.model, target)
    src, dst = _encode(backend, source, chat), _encode(backend, destination, chat)
    stored: dict[str, Any] = {}

    def grab(module: Any, args: Any, output: Any) -> None:
        hidden = output[0] if isinstance(output, tuple) else output
        stored["acts"] = hidden[0, list(positions)].clone()

    def put(module: Any, args: Any, output: Any) -> Any:
        hidden = output[0] if isinstance(output, tuple) else output
        hidden = hidden.clone()
        hidden[0, list(positions)] = stored["acts"].to(hidden.dtype)
        return (hidden, *output[1:]) if isinstance(output, tuple) else hidden

    if point.kind != "output":
        raise ValueError(f"patch_activations: use an output target, not {point.name!r}")
    with loaded.lock, torch.inference_mode():
        handle = point.module.register_forward_hook(grab)
        try:
            source_logits = loaded.model(**src).logits[0, -1]
        finally:
            handle.remove()
        plain_logits = loaded.model(**dst).logits[0, -1]
        handle = point.module.register_forward_hook(put)
        try:
            patched_logits = loaded.model(**dst).logits[0, -1]
        finally:
            handle.remove()
    log_p, log_q = patched_logits.float().log_softmax(-1), plain_logits.float().log_softmax(-1)
    tokenizer = loaded.tokenizer
    return {
        "source": _top(tokenizer, source_logits, top_k),
        "destination": _top(tokenizer, plain_logits, top_k),
        "patched": _top(tokenizer, patched_logits, top_k),
        "kl": float((log_p.exp() * (log_p - log_q)).sum()),
    }


def capture_attention(model: Any, prompt: Any, layer: int, *, chat: bool = True) -> Any:
    """``[heads, tokens, tokens]`` attention weights of decoder ``layer`` for one prompt.

    The model runs with eager attention for this call only (fused kernels do not return weights).
    """
    with needs_extra("local"):
        import torch

    from sdialog.interpretability.directions import _backend

    backend = _backend(model)
    loaded = backend.load()
    torch_model = loaded.model
    ids = _encode(backend, prompt, chat)
    previous = torch_model.config._attn_implementation
    with loaded.lock, torch.inference_mode():
        torch_model.set_attn_implementation("eager")
        try:
            out = torch_model(**ids, output_attentions=True)
        finally:
            torch_model.set_attn_implementation(previous)
    attentions = out.attentions
    if not -len(attentions) <= layer < len(attentions):
        raise IndexError(f"layer {layer} out of range (model has {len(attentions)})")
    return attentions[layer][0].float().cpu()
