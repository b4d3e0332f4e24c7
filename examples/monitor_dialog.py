"""Monitors on a customer-support dialog: sentiment and an "impatient vs calm" persona direction.

1. Two difference-in-means directions at the output of layer ``--layer`` of the embedded
   SmolLM2-135M-Instruct: *sentiment* from the 32 contrastive prompt pairs of
   ``examples/data/sentiment_steering.json``; *impatient* from the same customer requests under
   an "impatient, irritated customer" vs a "calm, patient customer" system prompt.
2. Simulate support dialogs (a support agent and a customer whose parcel is late) with both
   monitors on the customer and the sentiment monitor on the agent, ``capture=False``: every
   reply's mean/max score is written on its turn's ``utter`` event and saved with the dialogs.
3. Print the per-turn table, the mean per speaker (``MonitorScore``) and draw the monitors over
   turns (``output/monitors/monitors.png``).

Usage:
    flock /tmp/sdialog-cpu.lock timeout 600 python examples/monitor_dialog.py [--n 4] [--turns 10]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sdialog.agents import Agent
from sdialog.dialog import Dialog
from sdialog.interpretability import (
    Inspector,
    Monitor,
    MonitorScore,
    extract_direction,
    monitor_series,
    plot_monitors,
)
from sdialog.llm import LocalBackend
from sdialog.simulation import simulate

DATA = Path(__file__).parent / "data" / "sentiment_steering.json"
REQUESTS = [
    "Where is my parcel? It was due on Monday.",
    "I want a refund for the broken lamp.",
    "Can you change my delivery address?",
    "Why was I charged twice?",
    "My order number is 4471, what is its status?",
    "The shoes I got are the wrong size.",
    "How long does a replacement take?",
    "Nobody answered my email from last week.",
    "Can I cancel the order I placed this morning?",
    "The courier left my package in the rain.",
    "I still have not received my invoice.",
    "Your website logged me out during payment.",
]
IMPATIENT = "You are an impatient, irritated customer. You hate waiting and you say so."
CALM = "You are a calm, patient customer. You are relaxed and friendly."
PARAMS = {"temperature": 0.7, "max_tokens": 40, "repetition_penalty": 1.2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", type=int, default=10)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("output/monitors"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data = json.loads(DATA.read_text())
    backend = LocalBackend("smollm2", cache=False)
    sentiment = extract_direction(backend, data["positive"], data["negative"], target=args.layer)

    def framed(system: str) -> list:
        return [[{"role": "system", "content": system}, {"role": "user", "content": r}]
                for r in REQUESTS]  # fmt: skip

    impatient = extract_direction(backend, framed(IMPATIENT), framed(CALM), target=args.layer)
    sentiment.save(args.out / "sentiment.safetensors")
    impatient.save(args.out / "impatient.safetensors")
    print(
        f"directions at layer {args.layer}: |sentiment| {sentiment.norm:.2f}, "
        f"|impatient| {impatient.norm:.2f}"
    )

    def watch() -> Inspector:
        monitors = [Monitor("sentiment", direction=sentiment)]
        monitors.append(Monitor("impatient", direction=impatient))
        return Inspector(args.layer, capture=False, monitors=monitors)

    support = (
        Agent(
            persona={"name": "Sam", "role": "a customer support agent for an online shop"},
            first_utterance="Hello, this is Sam from customer support. How can I help?",
            model="smollm2",
            **PARAMS,
        )
        | watch()
    )
    customer = (
        Agent(
            persona={
                "name": "Kim",
                "role": "a customer whose parcel is two weeks late",
                "personality": "impatient and easily annoyed",
            },
            model="smollm2",
            **PARAMS,
        )
        | watch()
    )
    dialogs = simulate(support, customer, n=args.n, max_turns=args.turns, seed=21, progress=True)
    Dialog.to_jsonl(dialogs, args.out / "dialogs.jsonl")

    dialog = dialogs[0]
    print("\nturn | speaker | sentiment (mean) | impatient (mean) | text")
    senti = {t: v for t, _, v in monitor_series(dialog, "sentiment")}
    impat = {t: v for t, _, v in monitor_series(dialog, "impatient")}
    for i, turn in enumerate(dialog.turns):
        s = f"{senti[i]:+.2f}" if i in senti else "  —  "
        m = f"{impat[i]:+.2f}" if i in impat else "  —  "
        print(f"{i:4} | {turn.speaker:7} | {s:>16} | {m:>16} | {turn.text[:70]}")
    for who in ("Sam", "Kim"):
        for name in ("sentiment", "impatient"):
            values = [MonitorScore(name, speaker=who)(d) for d in dialogs]
            values = [v for v in values if v is not None]
            mean = sum(values) / len(values)
            print(f"{who} {name}: mean over {len(values)} dialogs {mean:+.3f}")
    title = f"Monitors over turns (layer {args.layer}, first two dialogs)"
    plot_monitors(
        dialogs[:2], ["sentiment", "impatient"], path=args.out / "monitors.png", title=title
    )
    print(f"\nsaved {args.out / 'dialogs.jsonl'} and {args.out / 'monitors.png'}")


if __name__ == "__main__":
    main()
