"""Attention heads: which heads separate two prompt sets, and Inference-Time Intervention.

Per-head activations are the input of each layer's attention output projection (``"z:L"``, the
TransformerLens ``blocks.L.attn.hook_z``), split into ``[heads, head_dim]``.

- :func:`head_activations` — ``[prompts, layers, heads, head_dim]`` at one token position;
- :func:`rank_heads` — a linear probe per head (held-out accuracy) and its mass-mean direction,
  best first (Li et al., 2023, "Inference-Time Intervention");
- :func:`iti_inspector` — an :class:`~sdialog.interpretability.Inspector` that adds
  ``alpha * sigma * direction`` to the top-k heads (sigma: the std of the head's activations
  along its direction), ready for ``agent | inspector``.

Example:
    >>> ranking = rank_heads("smollm2", truthful, untruthful)           # doctest: +SKIP
    >>> agent = agent | iti_inspector(ranking, k=16, alpha=15)          # doctest: +SKIP
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sdialog._extras import needs_extra
from sdialog.interpretability._modules import decoder_layers, head_shape, resolve_target


@dataclass
class HeadScore:
    """One head's probe accuracy (held out), mass-mean direction, projection std, and the
    separation of the two sets along the direction (mean gap over the within-set std)."""

    layer: int
    head: int
    accuracy: float
    direction: Any  # float32 [head_dim], unit norm
    sigma: float
    separation: float = 0.0

    def __repr__(self) -> str:
        return (
            f"HeadScore(layer={self.layer}, head={self.head}, accuracy={self.accuracy:.3f}, "
            f"separation={self.separation:.2f})"
        )


def head_activations(
    model: Any,
    prompts: Sequence[Any],
    *,
    layers: Sequence[int] | None = None,
    position: int = -1,
    system: str | None = None,
    batch_size: int = 16,
) -> Any:
    """``[len(prompts), len(layers), heads, head_dim]`` float32 per-head activations at token
    ``position`` of each chat-rendered prompt (one forward pass per batch, every layer at once)."""
    with needs_extra("local"):
        import torch

    from sdialog.interpretability.directions import _backend, _messages

    backend = _backend(model)
    loaded = backend.load()
    _, blocks = decoder_layers(loaded.model)
    wanted = [i % len(blocks) for i in (layers if layers is not None else range(len(blocks)))]
    heads, head_dim = head_shape(loaded.model)
    points = [resolve_target(loaded.model, f"z:{i}") for i in wanted]
    texts = [backend.render_prompt(_messages(p, system)) for p in prompts]
    rows: list[Any] = []
    for start in range(0, len(texts), batch_size):
        chunk = texts[start : start + batch_size]
        batch = loaded.tokenizer(
            chunk, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False
        ).to(loaded.device)
        grabbed: dict[int, Any] = {}

        def grab(j: int, module: Any, args: Any, store: dict[int, Any] = grabbed) -> None:
            store[j] = args[0][:, position].float().cpu()

        handles = [
            point.module.register_forward_pre_hook(functools.partial(grab, j))
            for j, point in enumerate(points)
        ]
        try:
            with loaded.lock, torch.inference_mode():
                loaded.model(**batch)
        finally:
            for handle in handles:
                handle.remove()
        layer_rows = torch.stack([grabbed[j] for j in range(len(points))], dim=1)
        rows.append(layer_rows.reshape(len(chunk), len(points), heads, head_dim))
    return torch.cat(rows)


def rank_heads(
    model: Any,
    positive: Sequence[Any],
    negative: Sequence[Any],
    *,
    layers: Sequence[int] | None = None,
    position: int = -1,
    system: str | None = None,
    validation: float = 0.3,
    seed: int = 0,
) -> list[HeadScore]:
    """Every head ranked by the held-out accuracy of a :class:`LinearProbe` (standardized
    logistic regression) separating ``positive``
    from ``negative`` prompts on its activations, best first; equal accuracies (sets that every
    head separates saturate at 1.0) are ranked by ``separation``, then layer and head.

    Sets of equal length are taken as pairs (``positive[i]``, ``negative[i]``: the same
    statement true and false, the same request in two moods) and each pair is held out whole,
    so a probe cannot score by recognising the other half of a pair it was trained on.
    """
    with needs_extra("local"):
        import numpy as np

    from sdialog.interpretability.probes import LinearProbe

    if len(positive) < 2 or len(negative) < 2:
        raise ValueError("rank_heads needs at least 2 prompts per set")
    acts = head_activations(
        model, [*positive, *negative], layers=layers, position=position, system=system
    )
    labels = np.array([1] * len(positive) + [0] * len(negative))
    train, test = _split(len(positive), len(negative), validation, seed)
    _, blocks = decoder_layers(_backend_model(model))
    layer_ids = [i % len(blocks) for i in (layers if layers is not None else range(len(blocks)))]
    scores = []
    data = acts.numpy()
    for j, layer in enumerate(layer_ids):
        for head in range(data.shape[2]):
            x = data[:, j, head]
            probe = LinearProbe(random_state=seed).fit(x[train], labels[train])
            accuracy = probe.score(x[test], labels[test])
            mass_mean = x[labels == 1].mean(axis=0) - x[labels == 0].mean(axis=0)
            norm = float(np.linalg.norm(mass_mean)) or 1.0
            unit = (mass_mean / norm).astype(np.float32)
            projection = x @ unit
            within = np.sqrt((projection[labels == 1].var() + projection[labels == 0].var()) / 2)
            separation = norm / float(within) if within > 0 else 0.0
            sigma = float(projection.std())
            scores.append(HeadScore(layer, head, accuracy, unit, sigma, separation))
    scores.sort(key=lambda s: (-s.accuracy, -s.separation, s.layer, s.head))
    return scores


def _split(positives: int, negatives: int, validation: float, seed: int) -> tuple[Any, Any]:
    """Train and held-out row indices (positives first): whole pairs when the sets are paired,
    else a split stratified by label."""
    with needs_extra("local"):
        import numpy as np
        from sklearn.model_selection import train_test_split

    if positives == negatives:
        pairs = train_test_split(np.arange(positives), test_size=validation, random_state=seed)
        train, test = (np.concatenate([half, half + positives]) for half in pairs)
        return train, test
    labels = np.array([1] * positives + [0] * negatives)
    train, test = train_test_split(
        np.arange(len(labels)), test_size=validation, random_state=seed, stratify=labels
    )
    return train, test


def _backend_model(model: Any) -> Any:
    from sdialog.interpretability.directions import _backend

    return _backend(model).load().model


def iti_inspector(ranking: Sequence[HeadScore], k: int, alpha: float, **inspector: Any) -> Any:
    """An Inspector adding ``alpha * sigma * direction`` to each of the ``k`` best heads, at
    every position (ITI), through one :class:`DirectionSteerer` per layer involved; extra
    keyword arguments go to :class:`Inspector` (default ``capture=False``).

    Example:
        >>> steer = iti_inspector(ranking, k=8, alpha=10)      # doctest: +SKIP
        >>> agent = agent | steer                              # doctest: +SKIP
    """
    with needs_extra("local"):
        import torch

    from sdialog.interpretability.inspector import Inspector
    from sdialog.interpretability.steering import DirectionSteerer

    chosen = list(ranking)[:k]
    if not chosen:
        raise ValueError("iti_inspector: empty ranking or k < 1")
    head_dim = len(chosen[0].direction)
    heads = 1 + max(s.head for s in ranking)
    by_layer: dict[int, Any] = {}
    for score in chosen:
        vector = by_layer.setdefault(score.layer, torch.zeros(heads * head_dim))
        shift = torch.as_tensor(score.direction) * (alpha * score.sigma)
        vector[score.head * head_dim : (score.head + 1) * head_dim] += shift
    inspector.setdefault("capture", False)
    steer = Inspector({f"z:{layer}": f"z:{layer}" for layer in by_layer}, **inspector)
    for layer, vector in by_layer.items():
        steer.steer(DirectionSteerer(vector, target=f"z:{layer}"))
    return steer
