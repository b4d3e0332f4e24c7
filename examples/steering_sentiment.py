"""A sentiment direction in SmolLM2-135M-Instruct: extract it, steer with it, measure the effect.

1. Extract a difference-in-means direction at one layer from 32 contrastive prompt pairs
   (same request, "you feel wonderful" vs "you feel terrible"), at the last prompt position
   through the chat template. Saved to ``output/sentiment_direction.safetensors``.
2. Reply to 60 held-out neutral prompts (other topics) plainly, with ``+strength·d`` and with
   ``-strength·d``; reply to 60 held-out prompts that *ask* for a cheerful mood, plainly and
   with the direction ablated (``inspector - d``).
3. Score every reply with a classifier that never sees the direction: the cosine to the centroid
   of 20 positive minus 20 negative labelled sentences (all-MiniLM-L6-v2 embeddings); a reply
   counts as positive when the score is > 0. Mann–Whitney U and Fisher's exact test.

Usage:
    python examples/steering_sentiment.py [--layer 10] [--strength 8] [--max-tokens 32]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from sdialog.embeddings import embed
from sdialog.interpretability import Inspector, extract_direction, steering_effect
from sdialog.llm import LocalBackend

DATA = Path(__file__).parent / "data" / "sentiment_steering.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", type=int, default=10)
    parser.add_argument("--strength", type=float, default=8.0)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--out", default="output/sentiment_direction.safetensors")
    args = parser.parse_args()
    data = json.loads(DATA.read_text())
    start = time.perf_counter()

    backend = LocalBackend(args.model, temperature=0, max_tokens=args.max_tokens, cache=False)
    direction = extract_direction(
        backend, data["positive"], data["negative"], target=args.layer, progress=True
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    direction.save(args.out)
    print(f"direction: layer {args.layer}, norm {direction.norm:.2f} -> {args.out}")

    positive, negative = (
        embed(data["classifier"][k]).mean(axis=0) for k in ("positive", "negative")
    )

    def positivity(texts: list[str]) -> list[float]:
        vectors = embed(texts)
        return list(vectors @ positive - vectors @ negative)

    neutral = data["heldout"]
    cheerful = [p.replace(".", ", in a cheerful and joyful mood.") for p in neutral]

    def steer():  # operators change an inspector in place: one fresh inspector per condition
        return Inspector(args.layer, capture=False)

    baseline = [c.text for c in backend.complete_batch([[_user(p)] for p in neutral])]
    runs = {
        f"neutral prompts, + {args.strength:g}·d": (neutral, steer() + direction * args.strength),
        f"neutral prompts, - {args.strength:g}·d": (neutral, steer() + direction * -args.strength),
        "cheerful prompts, d ablated": (cheerful, steer() - direction),
    }
    rows = []
    for name, (prompts, hooks) in runs.items():
        base = baseline if prompts is neutral else None
        effect = steering_effect(backend, prompts, [hooks], positivity, baseline=base)
        rows.append((name, effect))
        print(f"{name}: {effect.summary()}")
        print(f"    plain:   {effect.texts['baseline'][0]!r}")
        print(f"    steered: {effect.texts['steered'][0]!r}")

    print(
        f"\n| condition (n={len(neutral)}) | positivity plain → steered | positive rate | "
        "rank-biserial | Mann–Whitney p | Fisher p |"
    )
    print("|---|---|---|---:|---:|---:|")
    for name, e in rows:
        print(
            f"| {name} | {e.baseline_mean:+.3f} → {e.steered_mean:+.3f} | "
            f"{e.baseline_rate:.0%} → {e.steered_rate:.0%} | {e.effect_size:+.2f} | "
            f"{e.p_value:.1e} | {e.fisher_p:.1e} |"
        )
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


def _user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


if __name__ == "__main__":
    main()
