"""Find hookable modules by structure: the decoder layer list, shorthands, dotted paths.

Targets an :class:`~sdialog.interpretability.Inspector` accepts:

- ``12`` or ``"resid_post:12"`` — the output of decoder layer 12 (the residual stream after it);
- ``"resid_pre:12"`` — the input of decoder layer 12 (the residual stream before it);
- ``"mlp:12"`` / ``"attn:12"`` — the output of layer 12's MLP / attention block;
- any dotted module path of the torch model, e.g. ``"model.layers.12"`` or ``"transformer.h.3"``.

Negative layer indices count from the end. The decoder layer list is found by structure (the
longest ``ModuleList`` of identical blocks), so Llama, Qwen, Mistral, Gemma, GPT-2 and GPT-NeoX
need no per-family names.

Example:
    >>> resolve_target(model, "resid_pre:-1")     # doctest: +SKIP
    Target(name='resid_pre:-1', path='model.layers.29', kind='input')
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

_SHORTHANDS = ("resid_post", "resid_pre", "mlp", "attn")


@dataclass(frozen=True)
class Target:
    """A resolved hook point: ``kind`` is ``"output"`` (forward hook) or ``"input"`` (pre-hook)."""

    name: str
    path: str
    kind: str
    module: Any = None

    def __repr__(self) -> str:
        return f"Target(name={self.name!r}, path={self.path!r}, kind={self.kind!r})"


def decoder_layers(model: Any) -> tuple[str, Any]:
    """``(path, ModuleList)`` of the model's decoder blocks, found by structure.

    The longest ``torch.nn.ModuleList`` whose children all share one class (ties: the shallowest).
    """
    import torch

    best: tuple[int, int, str, Any] | None = None
    for path, module in model.named_modules():
        if not isinstance(module, torch.nn.ModuleList) or len(module) == 0:
            continue
        if len({type(child) for child in module}) != 1:
            continue
        key = (len(module), -path.count("."), path, module)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        raise LookupError(f"no decoder layer list found in {type(model).__name__}")
    return best[2], best[3]


def resolve_target(model: Any, target: int | str) -> Target:
    """Resolve a layer index, a shorthand or a dotted path to a :class:`Target` on ``model``.

    Raises:
        LookupError: the path does not exist (the message lists close matches).
        IndexError: the layer index is out of range.
    """
    name = str(target)
    if isinstance(target, int) or name.lstrip("-").isdigit():
        return _layer_target(model, name, "resid_post", int(name))
    if ":" in name:
        kind, _, index = name.partition(":")
        if kind not in _SHORTHANDS or not index.lstrip("-").isdigit():
            raise LookupError(
                f"unknown target {name!r}: expected <kind>:<layer> with kind in {_SHORTHANDS}"
            )
        return _layer_target(model, name, kind, int(index))
    modules = dict(model.named_modules())
    if name in modules and name:
        return Target(name, name, "output", modules[name])
    close = difflib.get_close_matches(name, [p for p in modules if p], n=5, cutoff=0.5)
    hint = f"; close matches: {', '.join(close)}" if close else ""
    raise LookupError(f"no module {name!r} in {type(model).__name__}{hint}")


def _layer_target(model: Any, name: str, kind: str, index: int) -> Target:
    path, layers = decoder_layers(model)
    if not -len(layers) <= index < len(layers):
        raise IndexError(f"target {name!r}: layer {index} out of range (model has {len(layers)})")
    index %= len(layers)
    layer_path, layer = f"{path}.{index}", layers[index]
    if kind == "resid_post":
        return Target(name, layer_path, "output", layer)
    if kind == "resid_pre":
        return Target(name, layer_path, "input", layer)
    words = ("mlp", "feed_forward", "ffn") if kind == "mlp" else ("self_attn", "attn", "attention")
    children = {n: c for n, c in layer.named_children() if "norm" not in n and "ln" not in n}
    for word in words:  # exact names first, then any block whose name contains one
        found = [n for n in children if n == word] or [n for n in children if word in n.lower()]
        if found:
            return Target(name, f"{layer_path}.{found[0]}", "output", children[found[0]])
    names = ", ".join(n for n, _ in layer.named_children())
    raise LookupError(f"target {name!r}: no {kind} block in {layer_path} (children: {names})")


def final_norm_and_head(model: Any) -> tuple[Any, Any]:
    """The final normalization (or ``None``) and the unembedding of a causal LM, for logit lens."""
    head = model.get_output_embeddings()
    base = getattr(model, "base_model", model)
    for attr in ("norm", "ln_f", "final_layer_norm", "final_norm", "norm_f"):
        norm = getattr(base, attr, None)
        if norm is not None:
            return norm, head
    return None, head
