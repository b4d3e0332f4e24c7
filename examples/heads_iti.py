"""Attention heads on the embedded model: which heads separate two prompt sets, and ITI.

1. ``rank_heads`` on the 32 contrastive sentiment prompt pairs of
   ``examples/data/sentiment_steering.json`` ("you feel terrible" vs "you feel wonderful"):
   a probe per head (30 layers x 9 heads of SmolLM2-135M-Instruct), held-out accuracy.
2. ``iti_inspector``: add ``alpha * sigma * direction`` to the top-k heads and reply to held-out
   neutral prompts, plainly and with the intervention.
3. TransformerLens names and the export layout: capture ``blocks.15.hook_resid_post`` and
   ``blocks.15.attn.hook_z`` for one reply, export, load back, print shapes.

Usage:
    flock /tmp/sdialog-cpu.lock timeout 300 python examples/heads_iti.py [--k 16] [--alpha 8]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from sdialog.interpretability import (
    Inspector,
    export_activations,
    iti_inspector,
    load_activations,
    rank_heads,
)
from sdialog.llm import LocalBackend

DATA = Path(__file__).parent / "data" / "sentiment_steering.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--alpha", type=float, default=8.0)
    parser.add_argument("--layer", type=int, default=15)
    parser.add_argument("--out", type=Path, default=Path("output/heads"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data = json.loads(DATA.read_text())
    backend = LocalBackend("smollm2", temperature=0, max_tokens=32, cache=False)

    ranking = rank_heads(backend, data["negative"], data["positive"])
    accuracies = [s.accuracy for s in ranking]
    print(
        f"{len(ranking)} heads; held-out probe accuracy: median {statistics.median(accuracies):.2f}"
    )
    print("top heads:", ", ".join(f"L{s.layer}H{s.head} {s.accuracy:.2f}" for s in ranking[:8]))

    prompts = [[{"role": "user", "content": p}] for p in data["heldout"][:6]]
    plain = backend.complete_batch(prompts)
    steer = iti_inspector(ranking, k=args.k, alpha=-args.alpha)  # toward "terrible": negative
    steered = backend.complete_batch(prompts, hooks=[steer])
    for p, a, b in zip(data["heldout"][:6], plain, steered, strict=True):
        print(f"\n{p}\n  plain: {a.text!r}\n  ITI:   {b.text!r}")

    hooks = {"r": f"blocks.{args.layer}.hook_resid_post", "z": f"blocks.{args.layer}.attn.hook_z"}
    capture = Inspector(hooks)
    backend.complete(prompts[0], hooks=[capture])
    path = export_activations(capture, args.out / "acts.safetensors", model="smollm2")
    run = load_activations(path)[0]
    shapes = {k: tuple(v.shape) for k, v in run.items() if hasattr(v, "shape")}
    print(f"\nexported {path}: {shapes}, prompt_length {run['prompt_length']}")


if __name__ == "__main__":
    main()
