"""Find hookable modules by structure: the decoder layer list, shorthands, dotted paths.

Targets an :class:`~sdialog.interpretability.Inspector` accepts:

- ``12`` or ``"resid_post:12"`` — the output of decoder layer 12 (the residual stream after it);
- ``"resid_pre:12"`` — the input of decoder layer 12 (the residual stream before it);
- ``"mlp:12"`` / ``"attn:12"`` — the output of layer 12's MLP / attention block;
- ``"z:12"`` — the input of layer 12's attention output projection: every head's output
  concatenated (``[..., heads * head_dim]``; :func:`split_heads` gives ``[..., heads, head_dim]``);
- TransformerLens hook names: ``"blocks.12.hook_resid_pre"``, ``"blocks.12.hook_resid_mid"``,
  ``"blocks.12.hook_resid_post"``, ``"blocks.12.hook_attn_out"``, ``"blocks.12.hook_mlp_out"``,
  ``"blocks.12.attn.hook_z"`` and ``"hook_embed"``;
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
import re
from dataclasses import dataclass
from typing import Any

from sdialog._extras import needs_extra

_SHORTHANDS = ("resid_post", "resid_pre", "resid_mid", "mlp", "attn", "z")
_TL_HOOKS = {
    "hook_resid_pre": "resid_pre",
    "hook_resid_mid": "resid_mid",
    "hook_resid_post": "resid_post",
    "hook_attn_out": "attn",
    "hook_mlp_out": "mlp",
    "attn.hook_z": "z",
}
_TL_PATTERN = re.compile(r"^blocks\.(-?\d+)\.(" + "|".join(map(re.escape, _TL_HOOKS)) + r")$")


def transformer_lens_name(target: int | str) -> str | None:
    """The TransformerLens hook name of a layer target (``None`` for other module paths).

    Example:
        >>> transformer_lens_name("resid_post:3"), transformer_lens_name("z:0")
        ('blocks.3.hook_resid_post', 'blocks.0.attn.hook_z')
    """
    name = str(target)
    if _TL_PATTERN.match(name) or name == "hook_embed":
        return name
    if isinstance(target, int) or name.lstrip("-").isdigit():
        name = f"resid_post:{name}"
    kind, _, index = name.partition(":")
    hooks = {v: k for k, v in _TL_HOOKS.items()}
    if kind in hooks and index.lstrip("-").isdigit():
        return f"blocks.{index}.{hooks[kind]}"
    return None


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
    with needs_extra("local"):
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
    if (match := _TL_PATTERN.match(name)) is not None:
        return _layer_target(model, name, _TL_HOOKS[match.group(2)], int(match.group(1)))
    if name == "hook_embed":
        return Target(name, "embed_tokens", "output", model.get_input_embeddings())
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
    if kind == "resid_mid":  # between attention and MLP: the input of the second norm
        norms = [(n, c) for n, c in layer.named_children() if "norm" in n or n.startswith("ln")]
        if len(norms) < 2:
            raise LookupError(f"target {name!r}: no second norm in {layer_path} to read resid_mid")
        child, module = norms[1]
        return Target(name, f"{layer_path}.{child}", "input", module)
    if kind == "z":
        attn = _layer_target(model, name, "attn", index)
        for child in ("o_proj", "out_proj", "c_proj", "dense", "wo"):
            module = getattr(attn.module, child, None)
            if module is not None:
                return Target(name, f"{attn.path}.{child}", "input", module)
        names = ", ".join(n for n, _ in attn.module.named_children())
        raise LookupError(f"target {name!r}: no output projection in {attn.path} ({names})")
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


def head_shape(model: Any) -> tuple[int, int]:
    """``(heads, head_dim)`` of the model's attention (from its config)."""
    config = getattr(model, "config", None)
    heads = getattr(config, "num_attention_heads", None) or getattr(config, "n_head", None)
    if not heads:
        raise LookupError(f"{type(model).__name__}: no num_attention_heads in its config")
    hidden = getattr(config, "hidden_size", None) or getattr(config, "n_embd", None)
    head_dim = getattr(config, "head_dim", None) or hidden // heads
    return int(heads), int(head_dim)


def split_heads(acts: Any, heads: int) -> Any:
    """``[..., heads * head_dim]`` -> ``[..., heads, head_dim]`` (``z:`` / ``hook_z`` captures).

    Example:
        >>> import torch
        >>> split_heads(torch.zeros(5, 12), 3).shape
        torch.Size([5, 3, 4])
    """
    width = acts.shape[-1]
    if width % heads:
        raise ValueError(f"width {width} is not a multiple of {heads} heads")
    return acts.reshape(*acts.shape[:-1], heads, width // heads)
