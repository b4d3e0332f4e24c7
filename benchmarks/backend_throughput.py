"""Tokens/s of LocalBackend vs calling ``model.generate`` directly, on the embedded model.

Both sides get the same chat-templated prompts, the same decoding mode and the same token budget;
tokens counted are the generated tokens up to end-of-turn. Also reports load times: cold (GGUF
conversion into an empty cache folder) and warm (from the converted copy).

Usage:
    python benchmarks/backend_throughput.py [--batches 1 8 32] [--max-tokens 64] [--repeats 2]
        [--mode greedy|sample] [--skip-cold]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

PERSONAS = [
    "You are Ana, a friendly barista.",
    "You are Bob, a grumpy mechanic.",
    "You are Carla, a patient math teacher.",
    "You are Dev, an enthusiastic tour guide.",
]
QUESTIONS = [
    "What do you recommend today?",
    "Can you tell me about your work?",
    "What's the best part of your day?",
    "How would you describe yourself?",
]


def conversations(n: int) -> list[list[dict[str, str]]]:
    return [
        [
            {"role": "system", "content": PERSONAS[i % len(PERSONAS)]},
            {"role": "user", "content": QUESTIONS[(i // len(PERSONAS)) % len(QUESTIONS)]},
        ]
        for i in range(n)
    ]


def load_time(cache_dir: str) -> float:
    """Time loading the embedded model in a fresh process (so nothing is shared)."""
    code = (
        "import time; t=time.perf_counter(); from sdialog.llm import LocalBackend; "
        "LocalBackend('smollm2').load(); print(time.perf_counter()-t)"
    )
    env = {**os.environ, "SDIALOG_CACHE_DIR": cache_dir}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def raw_generate(loaded, convs, max_tokens: int, sample: bool) -> int:
    import torch

    tok, model = loaded.tokenizer, loaded.model
    tok.padding_side = "left"
    prompts = [
        tok.apply_chat_template(c, tokenize=False, add_generation_prompt=True) for c in convs
    ]
    batch = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    kwargs = (
        {"do_sample": True, "temperature": 0.7, "top_p": 0.95} if sample else {"do_sample": False}
    )
    torch.manual_seed(0)
    with torch.inference_mode():
        out = model.generate(
            **batch, max_new_tokens=max_tokens, pad_token_id=tok.pad_token_id, **kwargs
        )
    new = out[:, batch["input_ids"].shape[1] :]
    eos = {tok.pad_token_id, model.generation_config.eos_token_id}
    total = 0
    for row in new.tolist():
        total += next((k for k, t in enumerate(row) if t in eos), len(row))
    return total


def backend_generate(backend, convs, max_tokens: int, sample: bool) -> int:
    params = {"temperature": 0.7, "top_p": 0.95} if sample else {"temperature": 0}
    results = backend.complete_batch(
        convs, max_tokens=max_tokens, seed=list(range(len(convs))), **params
    )
    return sum(r.usage.completion_tokens for r in results)


def measure(fn, repeats: int) -> tuple[float, int]:
    best = None
    for _ in range(repeats):
        start = time.perf_counter()
        tokens = fn()
        elapsed = time.perf_counter() - start
        rate = tokens / elapsed
        if best is None or rate > best[0]:
            best = (rate, tokens)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--mode", choices=["greedy", "sample"], default="greedy")
    parser.add_argument("--skip-cold", action="store_true")
    args = parser.parse_args()

    import torch

    from sdialog.llm import LocalBackend

    torch.set_num_threads(os.cpu_count() or 1)
    report: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
        "mode": args.mode,
        "max_tokens": args.max_tokens,
    }
    if not args.skip_cold:
        with tempfile.TemporaryDirectory() as cold_dir:
            report["load_cold_s"] = round(load_time(cold_dir), 2)
            report["load_warm_s"] = round(load_time(cold_dir), 2)

    backend = LocalBackend("smollm2", max_batch_size=max(args.batches))
    loaded = backend.load()
    sample = args.mode == "sample"
    backend_generate(backend, conversations(2), 8, sample)  # warm-up
    rows = []
    for n in args.batches:
        convs = conversations(n)
        raw_rate, raw_tokens = measure(
            lambda c=convs: raw_generate(loaded, c, args.max_tokens, sample), args.repeats
        )
        be_rate, be_tokens = measure(
            lambda c=convs: backend_generate(backend, c, args.max_tokens, sample), args.repeats
        )
        rows.append(
            {
                "batch": n,
                "raw_tok_s": round(raw_rate, 1),
                "backend_tok_s": round(be_rate, 1),
                "ratio": round(be_rate / raw_rate, 3),
                "raw_tokens": raw_tokens,
                "backend_tokens": be_tokens,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    report["rows"] = rows
    by_batch = {r["batch"]: r["backend_tok_s"] for r in rows}
    if 1 in by_batch and 8 in by_batch:
        report["batch8_over_batch1"] = round(by_batch[8] / by_batch[1], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
