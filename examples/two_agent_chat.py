"""Two persona-driven speakers chat on the embedded model; the dialog is saved as JSON and printed.

Each speaker sees the conversation from its own side (its turns as ``assistant``, the other's as
``user``). Runs offline on the embedded SmolLM2-135M-Instruct unless ``--model`` says otherwise.

Usage:
    python examples/two_agent_chat.py [--turns 6] [--seed 13] [--out output/demo_dialog.json]
        [--model smollm2]
"""

from __future__ import annotations

import argparse

from sdialog import Dialog, Turn
from sdialog.llm import get_backend

SPEAKERS = {
    "Ana": "You are Ana, a cheerful barista at a small coffee shop. You chat with a customer. "
    "Reply with one or two short sentences and stay in character.",
    "Ben": "You are Ben, a tired student ordering coffee before an exam. You chat with the "
    "barista. Reply with one or two short sentences and stay in character.",
}
OPENING = ("Ana", "Hi there! Welcome in. What can I get you today?")


def tidy(text: str) -> str:
    """Keep complete sentences: a small model often stops mid-sentence at its token budget."""
    text = text.strip()
    end = max(text.rfind(mark) for mark in ".!?")
    return text[: end + 1] if end > 0 else text


def view_for(speaker: str, turns: list[Turn]) -> list[dict[str, str]]:
    """The chat messages ``speaker`` sees: its persona, its own turns as assistant."""
    messages = [{"role": "system", "content": SPEAKERS[speaker]}]
    for turn in turns:
        role = "assistant" if turn.speaker == speaker else "user"
        messages.append({"role": role, "content": turn.text})
    return messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", default="output/demo_dialog.json")
    parser.add_argument("--model", default=None, help="model string (default: embedded SmolLM2)")
    args = parser.parse_args()

    backend = get_backend(args.model, max_tokens=48, temperature=0.7, repetition_penalty=1.2)
    turns = [Turn(speaker=OPENING[0], text=OPENING[1])]
    names = list(SPEAKERS)
    while len(turns) < args.turns:
        speaker = names[len(turns) % 2]
        reply = backend.complete(view_for(speaker, turns), seed=args.seed + len(turns), stop="\n")
        turns.append(Turn(speaker=speaker, text=tidy(reply.text) or "..."))

    dialog = Dialog(
        turns=turns,
        seed=args.seed,
        model={name: backend.provenance({"seed": args.seed}) for name in names},
        personas={name: {"description": prompt} for name, prompt in SPEAKERS.items()},
        complete=False,
    )
    dialog.to_file(args.out)
    dialog.print()
    print(f"\nsaved {len(dialog)} turns to {args.out}")


if __name__ == "__main__":
    main()
