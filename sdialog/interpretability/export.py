"""Export captured activations for TransformerLens / nnsight users, and load them back.

File layout (one ``.safetensors`` file, documented in docs/interpretability.md):

- ``"{i}:tokens"`` — int64 ``[T]``: the token ids response ``i``'s model was *fed* (its prompt,
  then every generated token but the last), so position ``t`` of every tensor lines up with token
  ``t``, as in TransformerLens' ``run_with_cache(tokens)``;
- ``"{i}:{hook}"`` — float ``[T, width]`` activations at that hook, ``[T, heads, head_dim]`` for
  ``...attn.hook_z``; ``hook`` is the TransformerLens name when the target has one
  (``blocks.3.hook_resid_post``), else the inspector's nickname for it;
- header metadata ``"sdialog"`` (JSON): ``format`` (``"sdialog-activations/1"``), ``model``,
  ``hooks`` (``{hook: original target}``) and per response ``prompt_length`` and ``generated``
  (all generated ids, the last one included).

Example:
    >>> export_activations(inspector, "acts.safetensors")              # doctest: +SKIP
    >>> runs = load_activations("acts.safetensors")                    # doctest: +SKIP
    >>> runs[0]["blocks.15.hook_resid_post"].shape, runs[0]["tokens"].shape   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sdialog._extras import needs_extra
from sdialog.interpretability._modules import split_heads, transformer_lens_name

FORMAT = "sdialog-activations/1"


def export_activations(
    inspector: Any, path: str | os.PathLike[str], *, model: str | None = None, heads: int = 0
) -> Path:
    """Write every captured response of ``inspector`` (prompt side required) to ``path``.

    ``heads``: the attention head count, to reshape ``hook_z`` captures to
    ``[T, heads, head_dim]`` (0: the count seen when capturing, else kept flat).
    """
    with needs_extra("local"):
        import torch
        from safetensors.torch import save_file

    if not inspector.capture_prompt:
        raise ValueError("export_activations: the inspector must capture the prompt side")
    names = {nick: transformer_lens_name(t) or nick for nick, t in inspector.targets.items()}
    heads = heads or getattr(inspector, "_heads", 0)
    tensors: dict[str, Any] = {}
    runs = []
    for i, response in enumerate(inspector.responses):
        prompt_length = len(response.prompt)
        tensors[f"{i}:tokens"] = torch.tensor(
            response.prompt.ids + response.ids[:-1], dtype=torch.int64
        )
        for nick, acts in response.acts_by_target.items():
            full = torch.cat([response.prompt.acts_by_target[nick], acts[1:]])
            if names[nick].endswith("hook_z") and heads:
                full = split_heads(full, heads)
            tensors[f"{i}:{names[nick]}"] = full.contiguous()
        runs.append({"prompt_length": prompt_length, "generated": list(response.ids)})
    meta = {
        "format": FORMAT,
        "model": model,
        "hooks": {names[n]: str(t) for n, t in inspector.targets.items()},
        "responses": runs,
    }
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        save_file(tensors, os.fspath(tmp), metadata={"sdialog": json.dumps(meta)})
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def load_activations(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The responses of a file written by :func:`export_activations`: one dict per response,
    ``{"tokens": ..., hook: tensor, ..., "prompt_length": P, "generated": [...]}``.

    For a TransformerLens ``ActivationCache``:
    ``ActivationCache({k: v[None] for k, v in run.items() if k.startswith(("blocks", "hook"))},
    model)``.
    """
    with needs_extra("local"):
        from safetensors import safe_open

    with safe_open(os.fspath(path), framework="pt") as f:
        meta = json.loads((f.metadata() or {}).get("sdialog", "{}"))
        if meta.get("format") != FORMAT:
            found = meta.get("format")
            raise ValueError(f"{path}: not an sdialog activations file (format {found!r})")
        runs: list[dict[str, Any]] = [dict(r) for r in meta["responses"]]
        for key in f.keys():  # noqa: SIM118 (safe_open is not a dict)
            index, _, name = key.partition(":")
            runs[int(index)][name] = f.get_tensor(key)
    return runs
