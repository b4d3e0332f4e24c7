"""Cost of SAE features and monitors during generation on the embedded SmolLM2-135M-Instruct.

At batch ``--batch`` (default 8), greedy, ``--max-tokens`` new tokens, conditions interleaved in
every repeat (median reported): plain generation; capture of layer ``--layer`` with an SAE
attached (every generated token encoded into features); monitors only (two direction monitors
and one SAE-feature monitor, ``capture=False``). The SAE is ``--sae`` (an SAELens folder) or a
seeded random one of ``--d-sae`` features (the cost is the same).

Usage:
    flock /tmp/sdialog-cpu.lock timeout 300 python benchmarks/interpretability_sae.py
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from sdialog.interpretability import SAE, Inspector, Monitor
from sdialog.llm import LocalBackend

PROMPTS = [
    "My parcel arrived damaged, what can I do?",
    "How do I make a good cup of tea?",
    "Describe a rainy afternoon in a small village.",
    "What should I pack for a weekend hiking trip?",
    "Can you explain what a refund policy is?",
    "Tell me about your favourite city.",
    "I was charged twice for one order.",
    "Write two sentences about a bus ride.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--layer", type=int, default=15)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--sae", default=None)
    parser.add_argument("--d-sae", type=int, default=1536)
    args = parser.parse_args()

    backend = LocalBackend("smollm2", temperature=0, max_tokens=args.max_tokens, cache=False)
    width = backend.torch_model.config.hidden_size
    g = torch.Generator().manual_seed(0)
    if args.sae:
        sae = SAE.load(args.sae)
    else:
        W = torch.randn(args.d_sae, width, generator=g) / width**0.5
        sae = SAE(W.T.clone(), torch.zeros(args.d_sae), W, torch.zeros(width),
                  architecture="topk", k=24)  # fmt: skip
    directions = [torch.randn(width, generator=g) for _ in range(2)]
    conversations = [
        [{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}] for i in range(args.batch)
    ]

    def monitors() -> list:
        watch = [Monitor(f"d{i}", direction=d) for i, d in enumerate(directions)]
        watch.append(Monitor("feature", sae=sae, feature=0))
        return [Inspector(args.layer, capture=False, monitors=watch)]

    conditions = {
        "plain": lambda: [],
        "capture + SAE features": lambda: [Inspector(args.layer, sae=sae)],
        "monitors only (2 directions + 1 SAE feature)": monitors,
    }
    backend.complete_batch(conversations, hooks=[])  # warm-up (load, kernels)
    rates: dict[str, list[float]] = {name: [] for name in conditions}
    seconds: dict[str, list[float]] = {name: [] for name in conditions}
    for _ in range(args.repeats):
        for name, hooks in conditions.items():
            start = time.perf_counter()
            done = backend.complete_batch(conversations, hooks=hooks())
            elapsed = time.perf_counter() - start
            rates[name].append(sum(c.usage.completion_tokens for c in done) / elapsed)
            seconds[name].append(elapsed)
    plain = statistics.median(rates["plain"])
    plain_s = statistics.median(seconds["plain"])
    print(f"batch {args.batch}, {args.max_tokens} new tokens, layer {args.layer}, {sae!r}")
    print(f"median of {args.repeats} interleaved repeats")
    print("| condition | tokens/s | vs plain | ms per reply over plain |")
    print("|---|---:|---:|---:|")
    for name in conditions:
        rate, secs = statistics.median(rates[name]), statistics.median(seconds[name])
        extra = 1000 * (secs - plain_s) / args.batch
        print(f"| {name} | {rate:.1f} | {100 * (rate / plain - 1):+.1f} % | {extra:+.0f} |")


if __name__ == "__main__":
    main()
