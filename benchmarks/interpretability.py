"""Overhead of Inspector capture and steering on the embedded SmolLM2-135M-Instruct.

Measures seconds per generated token of ``LocalBackend.complete_batch`` (greedy, 64 new tokens)
plainly, while capturing one layer at every token (prompt side included), and while steering only
(capture off; a tiny direction so the tokens do not change). Conditions are interleaved within
each repeat; the median over repeats is reported. Also: bytes stored per captured token and
batched capture throughput at batch 16.

Usage:
    python benchmarks/interpretability.py [--repeats 5] [--batch 1] [--layer 15]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from sdialog.interpretability import Inspector
from sdialog.llm import LocalBackend

PROMPTS = [
    "Tell me about your favourite city and why you like it.",
    "How do I make a good cup of tea?",
    "Describe a rainy afternoon in a small village.",
    "What should I pack for a weekend hiking trip?",
]


def _timed(backend: LocalBackend, conversations: list, hooks: list) -> tuple[float, int]:
    start = time.perf_counter()
    completions = backend.complete_batch(conversations, hooks=hooks)
    elapsed = time.perf_counter() - start
    return elapsed, sum(c.usage.completion_tokens for c in completions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--layer", type=int, default=15)
    parser.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args()

    backend = LocalBackend("smollm2", temperature=0, max_tokens=args.max_tokens, cache=False)
    width = backend.torch_model.config.hidden_size
    tiny = torch.randn(width, generator=torch.Generator().manual_seed(0)) * 1e-6
    conversations = [
        [{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}] for i in range(args.batch)
    ]
    conditions = {
        "plain": lambda: [],
        "capture 1 layer": lambda: [Inspector(args.layer)],
        "steer only": lambda: [Inspector(args.layer, capture=False) + tiny],
    }
    _timed(backend, conversations, [])  # warm-up (model load, kernels)
    per_token: dict[str, list[float]] = {name: [] for name in conditions}
    for _ in range(args.repeats):
        for name, hooks in conditions.items():
            seconds, tokens = _timed(backend, conversations, hooks())
            per_token[name].append(seconds / tokens)
    plain = statistics.median(per_token["plain"])
    print(f"batch {args.batch}, {args.max_tokens} new tokens, median of {args.repeats}")
    print("| condition | ms / token | tokens/s | overhead |")
    print("|---|---:|---:|---:|")
    for name, values in per_token.items():
        median = statistics.median(values)
        overhead = 100 * (median / plain - 1)
        print(f"| {name} | {median * 1e3:.1f} | {1 / median:.1f} | {overhead:+.1f} % |")

    inspector = Inspector(args.layer)
    backend.complete_batch(conversations, hooks=[inspector])
    response = inspector[0]
    print(
        f"\nbytes per captured token (float32): {response.acts[0].numel() * 4}, "
        f"float16 storage: {response.acts[0].numel() * 2}"
    )

    batch16 = [[{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}] for i in range(16)]
    capture = Inspector(args.layer, dtype=torch.float16)
    seconds, tokens = _timed(backend, batch16, [capture])
    plain_seconds, plain_tokens = _timed(backend, batch16, [])
    plain_rate, stored = plain_tokens / plain_seconds, capture.recap().splitlines()[1].strip()
    print(
        f"batch 16: capture {tokens / seconds:.1f} tok/s vs plain {plain_rate:.1f} tok/s; "
        f"{len(capture)} responses captured, {stored}"
    )


if __name__ == "__main__":
    main()
