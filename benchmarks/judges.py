"""LLM-judge throughput on the embedded model: batched vs one dialog at a time.

Two judges over N six-turn dialogs (built from templates, no model needed):

- ``LLMJudgeRealDialog`` (yes/no) on the log-probability path: one batched scoring call for all
  dialogs (``judge.batch``) vs ``judge(dialog)`` in a loop;
- ``LLMJudgeRealDialogLikertScore`` forced onto the structured-output path (a JSON answer
  generated under the grammar): one batched ``complete_batch`` vs one call per dialog (the
  sequential run uses the first ``--sequential`` dialogs to keep the run short).

Usage:
    python benchmarks/judges.py [--dialogs 32] [--sequential 8]
"""

from __future__ import annotations

import argparse
import platform
import time

from sdialog import Dialog, Turn
from sdialog.evaluators import LLMJudgeRealDialog, LLMJudgeRealDialogLikertScore

OPENERS = ["Hi, I need help with my order.", "Hello, my internet is down.", "Good morning!"]
ASKS = ["Could you give me your order number?", "When did the problem start?", "How can I help?"]
ANSWERS = ["Sure, it's {n}.", "Since yesterday, around {n} pm.", "I'd like to book {n} tickets."]
CLOSERS = ["Thanks, that's all.", "Great, thank you!", "Perfect, bye."]


def make_dialogs(n: int) -> list[Dialog]:
    dialogs = []
    for i in range(n):
        k = i % 3
        texts = [
            OPENERS[k],
            ASKS[(i // 3) % 3],
            ANSWERS[k].format(n=i + 2),
            f"Thanks. I have updated case {1000 + i}; it is sorted now.",
            CLOSERS[(i // 2) % 3],
            "You're welcome, have a nice day!",
        ]
        speakers = ["Customer", "Agent"]
        dialogs.append(Dialog(turns=[Turn(speakers[j % 2], t) for j, t in enumerate(texts)]))
    return dialogs


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dialogs", type=int, default=32)
    parser.add_argument("--sequential", type=int, default=8)
    args = parser.parse_args()
    dialogs = make_dialogs(args.dialogs)

    yes_no = LLMJudgeRealDialog()
    likert = LLMJudgeRealDialogLikertScore(method="structured", max_tokens=16)
    yes_no.backend.load()
    yes_no(dialogs[0])  # warm-up (model load, first forward pass)
    likert(dialogs[0])

    rows = []
    for label, judge, n_seq in (
        ("yes/no, log-probabilities", yes_no, args.dialogs),
        ("Likert 1-5, structured output (generation)", likert, args.sequential),
    ):
        batched, batched_s = timed(lambda j=judge: j.batch(dialogs))
        sequential, sequential_s = timed(lambda j=judge, n=n_seq: [j(d) for d in dialogs[:n]])
        assert batched[:n_seq] == sequential or label.startswith("Likert")
        b_rate, s_rate = 60 * len(dialogs) / batched_s, 60 * n_seq / sequential_s
        failed = sum(v is None for v in batched)
        rows.append((label, len(dialogs), batched_s, b_rate, n_seq, sequential_s, s_rate, failed))

    print(f"machine: {platform.machine()}, {platform.python_version()}; embedded SmolLM2-135M")
    print()
    print(
        "| judge | dialogs (batched) | batched s | batched dialogs/min | dialogs (one by one) "
        "| one-by-one s | one-by-one dialogs/min | speed-up | failed (batched) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, n, bs, br, ns, ss, sr, failed in rows:
        print(
            f"| {label} | {n} | {bs:.1f} | {br:.0f} | {ns} | {ss:.1f} | {sr:.0f} "
            f"| {br / sr:.1f}x | {failed} |"
        )


if __name__ == "__main__":
    main()
