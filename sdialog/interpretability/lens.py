"""Logit lens: read each decoder layer's residual stream through the final norm and unembedding.

Example:
    >>> rows = logit_lens("smollm2", "The capital of France is", top_k=3)   # doctest: +SKIP
    >>> rows[-1]["tokens"][0]                                               # doctest: +SKIP
    (' Paris', 0.41)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sdialog._extras import needs_extra
from sdialog.interpretability._modules import decoder_layers, final_norm_and_head


def logit_lens(
    model: Any,
    prompt: str | Sequence[dict[str, Any]],
    *,
    layers: Sequence[int] | None = None,
    top_k: int = 5,
    position: int = -1,
    chat: bool = True,
) -> list[dict[str, Any]]:
    """Top next-token candidates predicted from every layer's output at ``position``.

    ``prompt`` is a text (a user message when ``chat``, else raw text) or a message list.
    Returns ``[{"layer": i, "tokens": [(token, probability), ...]}, ...]`` in layer order.
    """
    with needs_extra("local"):
        import torch

    from sdialog.interpretability.directions import _backend, _messages

    backend = _backend(model)
    loaded = backend.load()
    torch_model, tokenizer = loaded.model, loaded.tokenizer
    if isinstance(prompt, str) and not chat:
        text = prompt
    else:
        text = backend.render_prompt(_messages(prompt, None))
    ids = tokenizer(text, return_tensors="pt", add_special_tokens=False).to(loaded.device)
    _, blocks = decoder_layers(torch_model)
    wanted = [i % len(blocks) for i in (layers if layers is not None else range(len(blocks)))]
    states: dict[int, Any] = {}
    handles = []
    for i in wanted:

        def grab(module: Any, args: Any, output: Any, i: int = i) -> None:
            hidden = output[0] if isinstance(output, tuple) else output
            states[i] = hidden[0, position]

        handles.append(blocks[i].register_forward_hook(grab))
    try:
        with loaded.lock, torch.inference_mode():
            torch_model(**ids)
            norm, head = final_norm_and_head(torch_model)
            rows = []
            for i in wanted:
                hidden = states[i][None, None]
                logits = head(norm(hidden) if norm is not None else hidden)[0, 0].float()
                probs, top = logits.softmax(-1).topk(top_k)
                tokens = [tokenizer.decode([t]) for t in top.tolist()]
                rows.append({"layer": i, "tokens": list(zip(tokens, probs.tolist(), strict=True))})
    finally:
        for handle in handles:
            handle.remove()
    return rows
