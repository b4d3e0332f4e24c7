"""Compare steering methods on the same model and prompts (in the spirit of AxBench).

- :func:`steering_directions` — unit directions for one concept from contrastive prompts:
  difference in means, PCA, a linear probe's weight vector and (given an SAE) the SAE feature
  whose decoder row best matches the mean difference;
- :func:`compare_steering` — reply to held-out prompts plainly, with the concept asked for in the
  prompt (the prompting baseline), and with each direction added at each strength; score every
  reply with functions that never see a direction: ``concept(texts)`` (a classifier or judge),
  relevance (embedding cosine between instruction and reply) and fluency (the plain model's
  perplexity of the reply). ``on_row`` receives each finished condition (to save and resume).

``benchmarks/steering_methods.py`` runs it on the embedded model; the result is in BENCHMARKS.md.

Example:
    >>> dirs = steering_directions("smollm2", sad, plain, target=15)        # doctest: +SKIP
    >>> rows = compare_steering(backend, heldout, dirs, [8, 16], concept=is_sad,  # doctest: +SKIP
    ...                         layer=15, prompt_suffix=" Sound sad.")
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from sdialog._extras import needs_extra

METHODS = ("mean_diff", "pca", "probe", "sae")


def steering_directions(
    model: Any,
    positive: Sequence[Any],
    negative: Sequence[Any],
    target: int | str,
    *,
    sae: Any = None,
    methods: Sequence[str] = METHODS,
) -> dict[str, Any]:
    """``{method: unit float32 vector}`` for the concept that ``positive`` has and ``negative``
    lacks (pairs for ``"pca"``); ``"sae"`` needs ``sae`` and is skipped without one."""
    with needs_extra("local"):
        import torch

    from sdialog.interpretability.directions import extract_direction, prompt_activations
    from sdialog.interpretability.probes import LinearProbe

    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown steering methods {unknown}; known: {METHODS}")
    mean_diff = extract_direction(model, positive, negative, target=target).vector
    out: dict[str, Any] = {}
    if "mean_diff" in methods:
        out["mean_diff"] = mean_diff
    if "pca" in methods:
        out["pca"] = extract_direction(
            model, positive, negative, target=target, method="pca"
        ).vector
    if "probe" in methods:
        X = prompt_activations(model, [*positive, *negative], target=target).numpy()
        probe = LinearProbe().fit(X, [1] * len(positive) + [0] * len(negative))
        out["probe"] = torch.as_tensor(probe.direction, dtype=torch.float32)
    if "sae" in methods and sae is not None:
        rows = sae.W_dec / sae.W_dec.norm(dim=1, keepdim=True)
        out["sae"] = sae.W_dec[int((rows @ (mean_diff / mean_diff.norm())).argmax())]
    return {k: v / v.norm() for k, v in out.items()}


def perplexity(backend: Any, prompt: str, text: str) -> float:
    """The plain model's perplexity of ``text`` as the reply to ``prompt`` (a user message)."""
    tokenizer = backend.load().tokenizer
    n = max(1, len(tokenizer(text, add_special_tokens=False)["input_ids"]))
    logprob = backend.score_continuations([{"role": "user", "content": prompt}], [text])[0]
    return math.exp(-logprob / n)


def relevance(prompts: Sequence[str], texts: Sequence[str], embedder: Any = None) -> list[float]:
    """Cosine similarity between each instruction and its reply (sentence embeddings)."""
    with needs_extra("local"):
        from sdialog.embeddings import embed

    a, b = embed(list(prompts), embedder), embed([t or "." for t in texts], embedder)
    return [float(x) for x in (a * b).sum(axis=1)]


def compare_steering(
    backend: Any,
    prompts: Sequence[str],
    directions: dict[str, Any],
    strengths: Sequence[float],
    *,
    concept: Callable[[list[str]], Sequence[float]],
    layer: int | str,
    prompt_suffix: str | None = None,
    relevance_fn: Callable[[Sequence[str], Sequence[str]], list[float]] | None = relevance,
    fluency: bool = True,
    skip: Callable[[str, float], bool] = lambda method, strength: False,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """One row per condition: ``{"method", "strength", "texts", "concept_scores",
    "relevance", "perplexity"}``; conditions ``("none", 0)``, ``("prompt", 0)`` (when
    ``prompt_suffix``) and every ``(method, strength)``. ``skip(method, strength)`` leaves a
    condition out (e.g. already saved)."""
    from sdialog.interpretability.inspector import Inspector

    plan = [("none", 0.0)] + ([("prompt", 0.0)] if prompt_suffix else [])
    plan += [(m, float(s)) for m in directions for s in strengths]
    rows = []
    for method, strength in plan:
        if skip(method, strength):
            continue
        asked = [p + prompt_suffix if method == "prompt" else p for p in prompts]
        hooks = []
        if method in directions:
            hooks = [Inspector(layer, capture=False) + directions[method] * strength]
        conversations = [[{"role": "user", "content": p}] for p in asked]
        texts = [c.text for c in backend.complete_batch(conversations, hooks=hooks)]
        row = {
            "method": method,
            "strength": strength,
            "texts": texts,
            "concept_scores": [float(s) for s in concept(texts)],
            "relevance": relevance_fn(prompts, texts) if relevance_fn else None,
            "perplexity": [perplexity(backend, p, t) for p, t in zip(prompts, texts, strict=True)]
            if fluency
            else None,
        }
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows
