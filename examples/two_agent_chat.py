"""Two persona-driven agents chat on the embedded model; the dialog is saved as JSON and printed.

Runs offline on the embedded SmolLM2-135M-Instruct unless ``--model`` says otherwise. For whole
corpora, see the scenario files beside this script and ``sdialog generate``.

Usage:
    python examples/two_agent_chat.py [--turns 6] [--seed 13] [--out output/demo_dialog.json]
        [--model smollm2]
"""

from __future__ import annotations

import argparse

from sdialog.agents import Agent

PARAMS = {"temperature": 0.7, "max_tokens": 48, "repetition_penalty": 1.2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", default="output/demo_dialog.json")
    parser.add_argument("--model", default=None, help="model string (default: embedded SmolLM2)")
    args = parser.parse_args()

    ana = Agent(
        persona={"name": "Ana", "role": "a cheerful barista at a small coffee shop"},
        first_utterance="Hi there! Welcome in. What can I get you today?",
        model=args.model,
        **PARAMS,
    )
    ben = Agent(
        persona={"name": "Ben", "role": "a tired student ordering coffee before an exam"},
        model=args.model,
        **PARAMS,
    )
    dialog = ana.dialog_with(ben, max_turns=args.turns, seed=args.seed)
    dialog.to_file(args.out)
    dialog.print()
    print(f"\nsaved {len(dialog)} turns to {args.out}")


if __name__ == "__main__":
    main()
