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
    # nearest centroid: a reply scores > 0 when it is closer to the concept sentences' centroid
    # than to the neutral ones' (a bare dot product with their difference has no threshold)
    mean_yes, mean_no = embed(yes).mean(axis=0), embed(no).mean(axis=0)
    centre, offset = mean_yes - mean_no, (mean_yes @ mean_yes - mean_no @ mean_no) / 2
    return lambda texts: [float(v) for v in embed(texts) @ centre - offset]


def run(args: argparse.Namespace) -> None:
    from sdialog.interpretability import SAE
    from sdialog.interpretability.compare import compare_steering, steering_directions
    from sdialog.llm import LocalBackend

    done = set()
    if args.out.exists():
        rows = map(json.loads, args.out.open())
        done = {(r["concept"], r["method"], r["strength"]) for r in rows}
    backend = LocalBackend(args.model, temperature=0, max_tokens=args.max_tokens, cache=False)
    sae = SAE.load(args.sae) if args.sae else None
    pairs, heldout = _prompts(args)
    started = time.perf_counter()
    for concept, (pos, neg) in pairs.items():
        methods = ["mean_diff", "pca", "probe"] + (["sae"] if sae is not None else [])
        plan = [("none", 0.0), ("prompt", 0.0)] + [(m, s) for m in methods for s in args.strengths]
        if all((concept, *p) in done for p in plan):
            continue
        steered = any((concept, m, s) not in done for m, s in plan[2:])
        directions = (
            steering_directions(backend, pos, neg, args.layer, sae=sae, methods=methods)
            if steered
            else {}
        )

        def skip(method: str, strength: float, concept: str = concept) -> bool:
            over = time.perf_counter() - started > args.budget
            return (concept, method, strength) in done or over

        def save(row: dict, concept: str = concept) -> None:
            row = {"concept": concept, **row}
            with args.out.open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(f"{concept} {row['method']} {row['strength']:g}: {_summary(row)}", flush=True)

        compare_steering(
            backend, heldout, directions, args.strengths, concept=_classifier(concept),
            layer=args.layer, prompt_suffix=SUFFIX[concept], skip=skip, on_row=save,
        )  # fmt: skip
    if time.perf_counter() - started > args.budget:
        print("time budget used: re-run to continue")


def rescore(args: argparse.Namespace) -> None:
    """Score the saved replies again with the current concept classifiers (no generation)."""
    rows = [json.loads(line) for line in args.out.open()]
    classifiers = {c: _classifier(c) for c in {r["concept"] for r in rows}}
    for row in rows:
        row["concept_scores"] = classifiers[row["concept"]](row["texts"])
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in rows))
    tmp.replace(args.out)
    print(f"rescored {len(rows)} conditions in {args.out}")


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
    parser.add_argument("action", choices=["run", "table", "rescore"])
    parser.add_argument("--layer", type=int, default=15)
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--max-tokens", type=int, default=24)
    parser.add_argument("--strengths", type=float, nargs="+", default=[20.0, 60.0])
    parser.add_argument("--sae", default="output/sae-smollm2/sae")
    parser.add_argument("--budget", type=float, default=200.0, help="seconds per run")
    parser.add_argument("--out", type=Path, default=Path("output/steering_methods.jsonl"))
    args = parser.parse_args()
    if args.sae and not Path(args.sae).exists():
        print(f"no SAE at {args.sae}: the sae method is skipped")
        args.sae = None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    {"run": run, "table": table, "rescore": rescore}[args.action](args)


if __name__ == "__main__":
    main()
