"""Attention heads on the embedded model: which heads separate two prompt sets, and ITI.

1. ``rank_heads``: a probe per head (30 layers x 9 heads of SmolLM2-135M-Instruct), held-out
   accuracy, on one of two contrasts: ``--contrast facts`` (default), true vs false statements
   of ``examples/data/true_false_facts.json`` (the same words in both sets, as in
   Inference-Time Intervention), or ``--contrast sentiment``, the 32 prompt pairs of
   ``examples/data/sentiment_steering.json`` ("you feel terrible" vs "you feel wonderful").
2. ``iti_inspector``: add ``alpha * sigma * direction`` to the top-k heads. Facts: complete 16
   held-out sentences greedily ("The capital of Peru is ...") plainly and with ITI at each
   ``--alphas`` value, and count replies naming the true answer vs the false one. Sentiment: reply
   to held-out neutral prompts plainly and steered toward "terrible".
3. TransformerLens names and the export layout: capture ``blocks.15.hook_resid_post`` and
   ``blocks.15.attn.hook_z`` for one reply, export, load back, print shapes.

Usage:
    flock /tmp/sdialog-cpu.lock timeout 300 python examples/heads_iti.py [--contrast facts] [--k 16]
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
FACTS = Path(__file__).parent / "data" / "true_false_facts.json"
HELD_OUT_FACTS = 16


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--alpha", type=float, default=8.0, help="sentiment: steering strength")
    parser.add_argument("--alphas", type=float, nargs="+", default=[5.0, 10.0, 20.0])
    parser.add_argument("--contrast", choices=["facts", "sentiment"], default="facts")
    parser.add_argument("--layer", type=int, default=15)
    parser.add_argument("--out", type=Path, default=Path("output/heads"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    backend = LocalBackend("smollm2", temperature=0, max_tokens=32, cache=False)
    if args.contrast == "facts":
        facts_iti(backend, args)
    else:
        sentiment_iti(backend, args)
    interop(backend, args)


def _print_ranking(ranking: list) -> None:
    accuracies = [s.accuracy for s in ranking]
    print(
        f"{len(ranking)} heads; held-out probe accuracy: median {statistics.median(accuracies):.2f}"
        f", best {max(accuracies):.2f}, worst {min(accuracies):.2f}"
    )
    print("top heads:", ", ".join(f"L{s.layer}H{s.head} {s.accuracy:.2f}" for s in ranking[:8]))


def facts_iti(backend: LocalBackend, args: argparse.Namespace) -> None:
    """Heads that tell true from false statements, and ITI on held-out completions."""
    facts = json.loads(FACTS.read_text())["facts"]
    train, held_out = facts[:-HELD_OUT_FACTS], facts[-HELD_OUT_FACTS:]
    ranking = rank_heads(
        backend,
        [f"{f['prefix']} {f['true']}." for f in train],
        [f"{f['prefix']} {f['false']}." for f in train],
    )
    _print_ranking(ranking)
    prompts = [
        [{"role": "user", "content": f"Complete the sentence with one word: {f['prefix']} ..."}]
        for f in held_out
    ]
    rows = [("plain", None)] + [(f"ITI k={args.k} alpha={a:g}", a) for a in args.alphas]
    for label, alpha in rows:
        hooks = [] if alpha is None else [iti_inspector(ranking, k=args.k, alpha=alpha)]
        replies = [c.text.lower() for c in backend.complete_batch(prompts, hooks=hooks)]
        true = sum(f["true"].lower() in r for f, r in zip(held_out, replies, strict=True))
        false = sum(f["false"].lower() in r for f, r in zip(held_out, replies, strict=True))
        print(f"{label}: true answer in {true}/{len(held_out)}, false answer in {false}")
        print("   ", " | ".join(r[:40] for r in replies[:4]))


def sentiment_iti(backend: LocalBackend, args: argparse.Namespace) -> None:
    """Heads on the sentiment pairs (lexical: every head separates them), and ITI replies."""
    data = json.loads(DATA.read_text())

    ranking = rank_heads(backend, data["negative"], data["positive"])
    _print_ranking(ranking)

    prompts = [[{"role": "user", "content": p}] for p in data["heldout"][:6]]
    plain = backend.complete_batch(prompts)
    steer = iti_inspector(ranking, k=args.k, alpha=-args.alpha)  # toward "terrible": negative
    steered = backend.complete_batch(prompts, hooks=[steer])
    for p, a, b in zip(data["heldout"][:6], plain, steered, strict=True):
        print(f"\n{p}\n  plain: {a.text!r}\n  ITI:   {b.text!r}")


def interop(backend: LocalBackend, args: argparse.Namespace) -> None:
    """TransformerLens-named capture of one reply, exported and loaded back."""
    prompts = [[{"role": "user", "content": "Write two sentences about a bus ride."}]]
    hooks = {"r": f"blocks.{args.layer}.hook_resid_post", "z": f"blocks.{args.layer}.attn.hook_z"}
    capture = Inspector(hooks)
    backend.complete(prompts[0], hooks=[capture])
    path = export_activations(capture, args.out / "acts.safetensors", model="smollm2")
    run = load_activations(path)[0]
    shapes = {k: tuple(v.shape) for k, v in run.items() if hasattr(v, "shape")}
    print(f"\nexported {path}: {shapes}, prompt_length {run['prompt_length']}")


if __name__ == "__main__":
    main()
