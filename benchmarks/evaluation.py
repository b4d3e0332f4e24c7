"""Evaluation throughput: every non-LLM metric and the embedding evaluators on 1000 six-turn
dialogs, and the embedding stage batched across dialogs vs one encode call per turn (the
reference toolkit's approach).

    python benchmarks/evaluation.py                 # 1000 dialogs, per-turn baseline on 100
    python benchmarks/evaluation.py --dialogs 200 --per-turn-dialogs 50

The dialogs are synthetic and varied (seeded): a customer-support skeleton with random
openings, order numbers, hesitations, fillers, back-channels and tool calls. Prints markdown
tables. The per-turn baseline runs on a subset and is extrapolated linearly to all dialogs.
"""

from __future__ import annotations

import argparse
import math
import platform
import random
import time
import warnings

from sdialog import Dialog, Event, Turn

OPEN = ["Hello, how can I help you today?", "Hi! What can I do for you?", "Good morning, support."]
ASK = [
    "Um, my parcel {n} never arrived.",
    "I was charged twice for order {n}.",
    "Hi, like, the blender I got, order {n}, is broken.",
    "My delivery {n} is late, you know, again.",
]
CHECK = ["Let me check order {n}.", "Could you confirm the email on order {n}?", "One moment."]
ACK = ["Uh-huh.", "Sure, it's {n}@mail.com.", "Okay.", "Yes, uh, that's right."]
SOLVE = [
    "I have issued a refund of {m} euros.",
    "A replacement ships tomorrow.",
    "I escalated ticket {n} to our team.",
]
BYE = ["Great, thanks!", "Mm-hmm, thank you.", "Perfect, that's all.", "Well, okay, bye."]


def synthetic(n: int, seed: int) -> list[Dialog]:
    """``n`` varied six-turn dialogs with tool-call events."""
    rng = random.Random(seed)
    dialogs = []
    for i in range(n):
        number, amount = rng.randint(1000, 99999), rng.randint(5, 300)
        lines = [OPEN, ASK, CHECK, ACK, SOLVE, BYE]
        turns = [
            Turn("Agent" if j % 2 == 0 else "User", rng.choice(c).format(n=number, m=amount))
            for j, c in enumerate(lines)
        ]
        calls = ["lookup_order", "refund"] if rng.random() < 0.7 else ["refund", "lookup_order"]
        events = [
            Event(agent="Agent", action="tool", actionLabel="call", content={"name": c})
            for c in calls
        ]
        dialogs.append(Dialog(id=f"b{seed}-{i}", turns=turns, events=events))
    return dialogs


def timed(fn, *args):
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogs", type=int, default=1000)
    parser.add_argument("--reference", type=int, default=300)
    parser.add_argument("--per-turn-dialogs", type=int, default=100)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from sdialog.embeddings import default_embedder, embed
    from sdialog.evaluators import (
        Comparator,
        ConversationalFeatures,
        DialogFlowGraph,
        DialogFlowPPL,
        FrechetBERTDistanceEvaluator,
        FrequencyEvaluator,
        KDEDistanceEvaluator,
        MeanEvaluator,
        MeanTurnLength,
        PrecisionRecallDistanceEvaluator,
        ReadabilityScore,
        ReferenceCentroidEmbeddingEvaluator,
        SentenceTransformerDialogEmbedder,
        StatsEvaluator,
        ToolSequenceValidator,
        TurnLength,
    )

    warnings.simplefilter("ignore")
    dialogs = synthetic(args.dialogs, seed=1)
    reference = synthetic(args.reference, seed=2)
    texts = [t.text for d in dialogs for t in d.turns]
    model, load_s = timed(default_embedder)
    embed(["warm-up"])

    rows = []
    text_scores = [
        ConversationalFeatures(),
        ReadabilityScore(),
        TurnLength(per_turn=True),
        ToolSequenceValidator(["lookup_order", "not:cancel", "refund"]),
    ]
    for score in text_scores:
        _, seconds = timed(score.batch, dialogs)
        rows.append((f"`{type(score).__name__}`", seconds))

    graph, graph_s = timed(lambda: DialogFlowGraph.build(reference, system_speaker="Agent"))
    rows.append(
        (f"flow graph build ({args.reference} reference dialogs, incl. embedding)", graph_s)
    )
    _, seconds = timed(DialogFlowPPL(graph).batch, dialogs)
    rows.append(("`DialogFlowPPL` (embedding + scoring)", seconds))

    embedder = SentenceTransformerDialogEmbedder()
    for name, make in [
        (
            "`ReferenceCentroidEmbeddingEvaluator`",
            lambda: ReferenceCentroidEmbeddingEvaluator(embedder, reference),
        ),
        ("`FrechetBERTDistanceEvaluator`", lambda: FrechetBERTDistanceEvaluator(reference)),
        (
            "`PrecisionRecallDistanceEvaluator`",
            lambda: PrecisionRecallDistanceEvaluator(reference, num_runs=5),
        ),
    ]:
        evaluator, init_s = timed(make)
        _, seconds = timed(evaluator, dialogs)
        rows.append((f"{name} (reference {init_s:.1f} s + candidates)", init_s + seconds))

    # Embedding stage: one batched pass over all turns vs one encode call per turn (and per
    # dialog). Best of --repeats, interleaved, so load from other processes affects both alike.
    subset = dialogs[: args.per_turn_dialogs]
    subset_turns = [t.text for d in subset for t in d.turns]
    best = {"batched": math.inf, "per-turn": math.inf, "per-dialog": math.inf, "embedder": math.inf}

    def encode(x):
        return model.encode(x, batch_size=64, show_progress_bar=False)

    for _ in range(args.repeats):
        best["batched"] = min(best["batched"], timed(encode, texts)[1])
        per_turn = timed(lambda: [encode(t) for t in subset_turns])[1]
        best["per-turn"] = min(best["per-turn"], per_turn * len(texts) / len(subset_turns))
        per_dialog = timed(lambda: [encode([t.text for t in d.turns]) for d in subset])[1]
        best["per-dialog"] = min(best["per-dialog"], per_dialog * len(dialogs) / len(subset))
        best["embedder"] = min(best["embedder"], timed(embedder.embed, dialogs)[1])

    comparator = Comparator(
        [
            MeanEvaluator(ConversationalFeatures()),
            MeanEvaluator(ReadabilityScore()),
            StatsEvaluator(MeanTurnLength()),
            FrequencyEvaluator(ToolSequenceValidator(["lookup_order", "refund"])),
            KDEDistanceEvaluator(MeanTurnLength(), reference),
            MeanEvaluator(DialogFlowPPL(graph)),
            ReferenceCentroidEmbeddingEvaluator(embedder, reference),
            FrechetBERTDistanceEvaluator(reference),
        ],
        n_boot=args.n_boot,
    )
    table, comparator_s = timed(comparator, {"candidates": dialogs})

    n = len(dialogs)
    print(
        f"Machine: {platform.machine()}, {platform.python_version()}, "
        f"model load {load_s:.1f} s (not counted). {n} dialogs, {len(texts)} turns.\n"
    )
    print("| stage | seconds | dialogs/s |\n|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} | {n / seconds:,.0f} |")
    total = sum(s for _, s in rows)
    print(f"| **all of the above** | **{total:.2f}** | **{n / total:,.0f}** |")
    print(
        f"| `Comparator`: 8 evaluators, {len(table)} metrics, {args.n_boot} bootstrap "
        f"resamples | {comparator_s:.2f} | {n / comparator_s:,.0f} |\n"
    )
    print(f"| embedding stage (best of {args.repeats}) | seconds | turns/s |\n|---|---:|---:|")
    rows = [
        (f"batched: one `encode` over all {len(texts)} turns", best["batched"]),
        (
            "`SentenceTransformerDialogEmbedder.embed`: one pass, identical turns once",
            best["embedder"],
        ),
        (
            f"per dialog: one `encode` per dialog (on {len(subset)} dialogs, extrapolated)",
            best["per-dialog"],
        ),
        (
            f"per turn: one `encode` per turn (on {len(subset_turns)} turns, extrapolated)",
            best["per-turn"],
        ),
    ]
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} | {len(texts) / seconds:,.0f} |")
    print(
        f"\nBatching vs per-turn: {best['per-turn'] / best['batched']:.1f}x; the shipped embedder "
        f"(batched + de-duplicated) vs per-turn: {best['per-turn'] / best['embedder']:.1f}x; "
        f"batched vs per-dialog: {best['per-dialog'] / best['batched']:.1f}x"
    )


if __name__ == "__main__":
    main()
