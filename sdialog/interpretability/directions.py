"""Directions in activation space: extraction from contrastive prompts, save and load.

- :func:`prompt_activations` — one activation per prompt at a chosen token position, in batches,
  through the model's chat template;
- :func:`extract_direction` — difference in means (``"mean_diff"``) or the first principal
  component of paired differences (``"pca"``, RepE-style) between two prompt sets;
- :class:`Direction` — the vector plus metadata; ``save``/``load`` as safetensors.

Example:
    >>> happy = ["Tell me about a wonderful day.", "Describe your joy."]          # doctest: +SKIP
    >>> sad = ["Tell me about an awful day.", "Describe your grief."]             # doctest: +SKIP
    >>> d = extract_direction("smollm2", happy, sad, target=12)                   # doctest: +SKIP
    >>> d.save("happy.safetensors"); Direction.load("happy.safetensors").meta     # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any, Literal

from sdialog._extras import needs_extra
from sdialog._progress import ProgressBar
from sdialog.interpretability._modules import resolve_target


class Direction:
    """A float32 vector with metadata (model, target, method, position ...).

    Example:
        >>> d = Direction([3.0, 4.0], target=2, method="mean_diff")
        >>> d.norm, d.unit().vector.tolist(), (d * 2).vector.tolist()
        (5.0, [0.6000000238418579, 0.800000011920929], [6.0, 8.0])
    """

    def __init__(self, vector: Any, **meta: Any):
        with needs_extra("local"):
            import torch

        self.vector = torch.as_tensor(vector, dtype=torch.float32).detach().flatten().cpu()
        self.meta: dict[str, Any] = dict(meta)

    @property
    def target(self) -> Any:
        """The hook target the direction was extracted at (when known)."""
        return self.meta.get("target")

    @property
    def norm(self) -> float:
        """The vector's Euclidean (L2) norm."""
        return float(self.vector.norm())

    def unit(self) -> Direction:
        """The direction scaled to norm 1."""
        return Direction(self.vector / self.vector.norm(), **self.meta)

    def __mul__(self, factor: float) -> Direction:
        return Direction(self.vector * float(factor), **self.meta)

    __rmul__ = __mul__

    def __neg__(self) -> Direction:
        return self * -1

    def __len__(self) -> int:
        return int(self.vector.shape[0])

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write a ``.safetensors`` file (metadata as JSON in its header), atomically, with the
        permissions of any other output (the umask's; an existing file's are kept)."""
        with needs_extra("local"):
            from safetensors.torch import save

        from sdialog.dialog.io import atomic_write

        data = save(
            {"direction": self.vector.contiguous()},
            metadata={"sdialog": json.dumps(self.meta, default=str)},
        )
        atomic_write(path, lambda handle: handle.write(data), binary=True)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Direction:
        """Read a direction written by :meth:`save`."""
        with needs_extra("local"):
            from safetensors import safe_open

        with safe_open(os.fspath(path), framework="pt") as f:
            names = list(f.keys())
            if "direction" not in names:
                raise ValueError(f"{path}: no 'direction' tensor (keys: {names})")
            vector = f.get_tensor("direction")
            meta = json.loads((f.metadata() or {}).get("sdialog", "{}"))
        return cls(vector, **meta)

    def __repr__(self) -> str:
        return f"Direction(dim={len(self)}, norm={self.norm:.3g}, meta={self.meta})"


def _backend(model: Any) -> Any:
    with needs_extra("local"):
        from sdialog.llm.local import LocalBackend

    if isinstance(model, LocalBackend):
        return model
    if isinstance(model, str):
        return LocalBackend(model, cache=False)
    raise TypeError(f"expected a LocalBackend or a model string, got {type(model).__name__}")


def _messages(prompt: str | Sequence[dict[str, Any]], system: str | None) -> list[dict]:
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    if system is not None and (not messages or messages[0]["role"] != "system"):
        messages = [{"role": "system", "content": system}, *messages]
    return messages


def prompt_activations(
    model: Any,
    prompts: Sequence[str | Sequence[dict[str, Any]]],
    target: int | str,
    position: int | Literal["mean"] = -1,
    *,
    system: str | None = None,
    batch_size: int = 16,
    progress: bool = False,
) -> Any:
    """``[len(prompts), width]`` float32 activations of ``target`` at token ``position``.

    Each prompt (text as a user message, or a message list) is rendered with the chat template
    and the generation prompt, so ``position=-1`` is the state that chooses the reply's first
    token. ``position >= 0`` counts from the first prompt token; ``"mean"`` averages all tokens.
    """
    with needs_extra("local"):
        import torch

    backend = _backend(model)
    loaded = backend.load()
    hook_point = resolve_target(loaded.model, target)
    texts = [backend.render_prompt(_messages(p, system)) for p in prompts]
    rows: list[Any] = []
    bar = ProgressBar(len(texts), label="prompts") if progress else None
    grabbed: list[Any] = []

    def grab(module: Any, args: Any, kwargs: Any, output: Any = None) -> None:
        value = output if hook_point.kind == "output" else (args or (kwargs["hidden_states"],))
        grabbed.append(value[0] if isinstance(value, tuple) else value)

    for start in range(0, len(texts), batch_size):
        chunk = texts[start : start + batch_size]
        batch = loaded.tokenizer(
            chunk, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False
        ).to(loaded.device)
        grabbed.clear()
        if hook_point.kind == "output":
            handle = hook_point.module.register_forward_hook(grab, with_kwargs=True)
        else:
            handle = hook_point.module.register_forward_pre_hook(grab, with_kwargs=True)
        try:
            with loaded.lock, torch.inference_mode():
                loaded.model(**batch)
        finally:
            handle.remove()
        hidden, mask = grabbed[0].float(), batch["attention_mask"].bool()
        lengths = mask.sum(dim=1)
        width = hidden.shape[1]
        for b in range(len(chunk)):
            if position == "mean":
                rows.append(hidden[b][mask[b]].mean(dim=0).cpu())
                continue
            length = int(lengths[b])
            if not -length <= position < length:
                raise IndexError(
                    f"position {position} outside prompt {start + b} ({length} tokens)"
                )
            index = position if position < 0 else width - length + position
            rows.append(hidden[b, index].cpu())
        if bar is not None:
            for _ in chunk:
                bar.advance()
    if bar is not None:
        bar.close()
    return torch.stack(rows)


def extract_direction(
    model: Any,
    positive: Sequence[Any],
    negative: Sequence[Any],
    target: int | str,
    *,
    method: Literal["mean_diff", "pca"] = "mean_diff",
    position: int | Literal["mean"] = -1,
    system: str | None = None,
    batch_size: int = 16,
    progress: bool = False,
) -> Direction:
    """The direction from ``negative`` to ``positive`` prompts at ``target``.

    ``"mean_diff"``: ``mean(pos) - mean(neg)``. ``"pca"`` (pairs required): the first principal
    component of the centred paired differences ``pos_i - neg_i``, signed to agree with the mean
    difference and scaled to the mean difference's projection on it. Metadata records model,
    target, method, position and the number of prompts.
    """
    with needs_extra("local"):
        import torch

    if not positive or not negative:
        raise ValueError("extract_direction: positive and negative prompt sets must be non-empty")
    if method == "pca" and len(positive) != len(negative):
        raise ValueError("extract_direction(method='pca') needs paired sets of equal length")
    if method not in ("mean_diff", "pca"):
        raise ValueError(f"extract_direction: method must be 'mean_diff' or 'pca', got {method!r}")
    backend = _backend(model)
    kwargs = {"system": system, "batch_size": batch_size, "progress": progress}
    pos = prompt_activations(backend, positive, target, position, **kwargs)
    neg = prompt_activations(backend, negative, target, position, **kwargs)
    mean_diff = pos.mean(dim=0) - neg.mean(dim=0)
    if method == "mean_diff":
        vector = mean_diff
    else:
        diffs = pos - neg
        diffs = diffs - diffs.mean(dim=0) if len(diffs) > 1 else diffs
        _, _, v = torch.linalg.svd(diffs, full_matrices=False)
        component = v[0]
        projection = float(mean_diff @ component)
        vector = component * (projection if projection != 0 else 1.0)
    return Direction(
        vector,
        model=backend.model,
        target=target,
        method=method,
        position=position,
        n_positive=len(positive),
        n_negative=len(negative),
    )
