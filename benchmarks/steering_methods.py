"""Which steering method works? An AxBench-style comparison on the embedded SmolLM2-135M-Instruct.

Concepts: ``sad`` (a sad, miserable mood — the model's plain replies are upbeat, so there is room
to move) and ``food`` (mentions of food). For each concept, directions at the output of layer
``--layer`` from contrastive prompts (the same requests with and without the concept):

- ``mean_diff`` (difference in means), ``pca`` (first principal component of paired differences),
  ``probe`` (logistic-probe weight vector), ``sae`` (the SAE feature whose decoder row is most
  aligned with the mean difference; needs ``--sae``), all scaled to unit norm and added at
  strengths ``--strengths`` to every position;
- ``prompt``: no steering, the instruction asks for the concept (the prompting baseline).

Held-out prompts (``--n``, different topics from the direction prompts) are answered greedily.
Each reply is scored by measures that never see a direction: **concept** (a nearest-centroid
classifier on all-MiniLM-L6-v2 embeddings of hand-written concept vs neutral sentences:
``score > 0`` counts as present), **relevance** (cosine between reply and instruction
embeddings) and **fluency** (the plain model's perplexity of the reply). Conditions are saved
one by one to ``--out`` (JSONL), so a killed run resumes where it stopped.

Usage:
    flock /tmp/sdialog-cpu.lock timeout 300 python benchmarks/steering_methods.py run   # repeat
    python benchmarks/steering_methods.py table        # table + plot from the saved rows
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

DATA = Path(__file__).parents[1] / "examples" / "data" / "sentiment_steering.json"
FOOD = [
    "The warm bread and butter tasted amazing.", "We ate pasta with tomato sauce and cheese.",
    "She cooked a spicy curry with rice.", "The soup was full of carrots and potatoes.",
    "He ordered a burger with fries.", "Fresh strawberries and cream for dessert.",
    "The cake was sweet and chocolatey.", "We had grilled fish and a green salad.",
    "A bowl of noodles with chicken broth.", "The pizza came out of the oven bubbling.",
    "Pancakes with maple syrup for breakfast.", "The apple pie smelled of cinnamon.",
]  # fmt: skip
NEUTRAL = [
    "The train left the station at noon.", "She painted the fence blue.",
    "The meeting was moved to Tuesday.", "He walked the dog in the park.",
    "The library closes at six.", "They fixed the roof last summer.",
    "The car needs new tyres.", "We watched a film about space.",
    "The river was calm in the morning.", "She wrote a letter to her friend.",
    "The printer ran out of paper.", "The bus was late again.",
]  # fmt: skip
SUFFIX = {
    "sad": " You feel terrible, sad and miserable about it.",
    "food": " Mention delicious food.",
}


def _prompts(args: argparse.Namespace) -> tuple[dict, list[str]]:
    data = json.loads(DATA.read_text())
    heldout = data["heldout"][: args.n]
    plain = [p.split(" You feel")[0] for p in data["positive"]]
    pairs = {
        "sad": (data["negative"], data["positive"]),
        "food": ([p + SUFFIX["food"] for p in plain], plain),
    }
    return pairs, heldout


def _classifier(concept: str):
    from sdialog.embeddings import embed

    if concept == "sad":
        data = json.loads(DATA.read_text())["classifier"]
        yes, no = data["negative"], data["positive"]
    else:
        yes, no = FOOD, NEUTRAL
    centre = embed(yes).mean(axis=0) - embed(no).mean(axis=0)
    return lambda texts: list(embed(texts) @ centre)


def _directions(backend, args, concept, pos, neg) -> dict:
    import torch

    from sdialog.interpretability import SAE, LinearProbe, extract_direction, prompt_activations

    out = {}
    mean_diff = extract_direction(backend, pos, neg, target=args.layer)
    out["mean_diff"] = mean_diff.vector
    out["pca"] = extract_direction(backend, pos, neg, target=args.layer, method="pca").vector
    X = prompt_activations(backend, [*pos, *neg], target=args.layer)
    probe = LinearProbe().fit(X.numpy(), [1] * len(pos) + [0] * len(neg))
    out["probe"] = torch.as_tensor(probe.direction, dtype=torch.float32)
    if args.sae:
        sae = SAE.load(args.sae)
        unit = mean_diff.vector / mean_diff.vector.norm()
        rows = sae.W_dec / sae.W_dec.norm(dim=1, keepdim=True)
        feature = int((rows @ unit).argmax())
        out["sae"] = sae.W_dec[feature]
        print(f"{concept}: SAE feature {feature}, cosine {float(rows[feature] @ unit):.2f}")
    return {k: v / v.norm() for k, v in out.items()}


def run(args: argparse.Namespace) -> None:
    from sdialog.interpretability import Inspector
    from sdialog.llm import LocalBackend

    done = set()
    if args.out.exists():
        rows = map(json.loads, args.out.open())
        done = {(r["concept"], r["method"], r["strength"]) for r in rows}
    backend = LocalBackend("smollm2", temperature=0, max_tokens=args.max_tokens, cache=False)
    pairs, heldout = _prompts(args)
    started = time.perf_counter()
    for concept, (pos, neg) in pairs.items():
        plan = [("none", 0.0), ("prompt", 0.0)]
        plan += [(m, s) for m in ("mean_diff", "pca", "probe", "sae") for s in args.strengths]
        if not args.sae:
            plan = [p for p in plan if p[0] != "sae"]
        todo = [p for p in plan if (concept, *p) not in done]
        if not todo:
            continue
        steered = any(m not in ("none", "prompt") for m, _ in todo)
        directions = _directions(backend, args, concept, pos, neg) if steered else {}
        score = _classifier(concept)
        for method, strength in todo:
            if time.perf_counter() - started > args.budget:
                print("time budget used: re-run to continue")
                return
            prompts = [p + SUFFIX[concept] if method == "prompt" else p for p in heldout]
            hooks = []
            if method not in ("none", "prompt"):
                hooks = [Inspector(args.layer, capture=False) + directions[method] * strength]
            conversations = [[{"role": "user", "content": p}] for p in prompts]
            texts = [c.text for c in backend.complete_batch(conversations, hooks=hooks)]
            row = {
                "concept": concept, "method": method, "strength": strength,
                "texts": texts, "concept_scores": [float(s) for s in score(texts)],
                "relevance": _relevance(heldout, texts),
                "perplexity": _perplexity(backend, heldout, texts),
            }  # fmt: skip
            with args.out.open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(f"{concept} {method} {strength}: {_summary(row)}")


def _relevance(prompts: list[str], texts: list[str]) -> list[float]:
    import numpy as np

    from sdialog.embeddings import embed

    a, b = embed(prompts), embed([t or "." for t in texts])
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return [float(x) for x in (a * b).sum(axis=1)]


def _perplexity(backend, prompts: list[str], texts: list[str]) -> list[float]:
    tokenizer = backend.load().tokenizer
    out = []
    for prompt, text in zip(prompts, texts, strict=True):
        n = max(1, len(tokenizer(text, add_special_tokens=False)["input_ids"]))
        logprob = backend.score_continuations([{"role": "user", "content": prompt}], [text])[0]
        out.append(math.exp(-logprob / n))
    return out


def _summary(row: dict) -> str:
    import statistics

    scores = row["concept_scores"]
    rate = sum(s > 0 for s in scores) / len(scores)
    return (
        f"concept rate {rate:.0%}, relevance {statistics.mean(row['relevance']):.2f}, "
        f"perplexity {statistics.median(row['perplexity']):.1f}"
    )


def table(args: argparse.Namespace) -> None:
    import statistics

    from matplotlib.figure import Figure

    rows = [json.loads(line) for line in args.out.open()]
    print("| concept | method | strength | concept rate | score | relevance | perplexity |")
    print("|---|---|---:|---:|---:|---:|---:|")
    figure = Figure(figsize=(9, 3.5))
    axes = dict(zip(("sad", "food"), figure.subplots(1, 2), strict=True))
    for row in sorted(rows, key=lambda r: (r["concept"], r["method"], r["strength"])):
        scores = row["concept_scores"]
        rate = sum(s > 0 for s in scores) / len(scores)
        ppl = statistics.median(row["perplexity"])
        print(
            f"| {row['concept']} | {row['method']} | {row['strength']:g} | {rate:.0%} | "
            f"{statistics.mean(scores):+.3f} | {statistics.mean(row['relevance']):.2f} | "
            f"{ppl:.1f} |"
        )
        row["rate"], row["ppl"] = rate, ppl
    for concept, ax in axes.items():
        for method in ("none", "prompt", "mean_diff", "pca", "probe", "sae"):
            points = sorted((r["ppl"], r["rate"]) for r in rows
                            if r["concept"] == concept and r["method"] == method)  # fmt: skip
            if points:
                ax.plot(*zip(*points, strict=True), marker="o", label=method)
        ax.set_xscale("log")
        ax.set_xlabel("median perplexity (plain model)")
        ax.set_ylabel("concept rate")
        ax.set_title(concept)
        ax.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(args.out.with_suffix(".png"), dpi=120)
    print(f"plot: {args.out.with_suffix('.png')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["run", "table"])
    parser.add_argument("--layer", type=int, default=15)
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--max-tokens", type=int, default=24)
    parser.add_argument("--strengths", type=float, nargs="+", default=[8.0, 16.0])
    parser.add_argument("--sae", default="output/sae-smollm2/sae")
    parser.add_argument("--budget", type=float, default=200.0, help="seconds per run")
    parser.add_argument("--out", type=Path, default=Path("output/steering_methods.jsonl"))
    args = parser.parse_args()
    if args.sae and not Path(args.sae).exists():
        print(f"no SAE at {args.sae}: the sae method is skipped")
        args.sae = None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    {"run": run, "table": table}[args.action](args)


if __name__ == "__main__":
    main()
