"""Probe a deployed conversational system with a batch of simulated customers, then evaluate.

1. A support agent is served over HTTP (here in-process; in real life: your deployed system
   behind any OpenAI-compatible endpoint — vLLM, TGI, `sdialog serve`, a gateway).
2. Persona-driven customers (on the embedded model, or scripted with --dry-run) talk to it
   through `Agent(model="openai:<name>", openai_api_base=..., openai_api_key=...)`.
3. The dialogs are saved as JSON (``dialog_000.json``, ...) in their own folder and summarised
   (turns, completion rate). That folder is not a ``sdialog generate`` corpus: the script refuses
   a folder holding one (its ``manifest.json``), and ``sdialog generate`` refuses a folder holding
   these loose files, so the two layouts never mix.

    python examples/probe_remote_system.py --n 8 --out output/probe-remote
    python examples/probe_remote_system.py --dry-run          # scripted, instant
    python examples/probe_remote_system.py --base-url http://host:8000/v1 --model my-bot
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from sdialog.agents import END_MARKER, Agent
from sdialog.corpus_layout import find_corpus
from sdialog.llm import ScriptedBackend
from sdialog.personas import Customer, SupportAgent
from sdialog.server import Server
from sdialog.simulation import DialogSpec, simulate_dialogs

ISSUES = ["my order A102 arrived damaged", "my order A101 is late", "I was charged twice"]
NAMES = ["Maria", "John", "Aisha", "Kenji", "Sofia", "Liam"]


def customers(n: int, dry_run: bool) -> list[Agent]:
    """One simulated customer per dialog, each with its own persona."""
    out = []
    for i in range(n):
        persona = Customer(name=NAMES[i % len(NAMES)], issue=ISSUES[i % len(ISSUES)])
        model = (
            ScriptedBackend([f"It's about {persona.issue}.", "Ok, thanks!"]) if dry_run else None
        )
        out.append(
            Agent(
                persona=persona,
                name="Customer",
                first_utterance="Hi, I need help with an order.",
                dialogue_details="Explain your issue and answer the agent's questions.",
                model=model,
                temperature=0.8,
                max_tokens=48,
            )
        )
    return out


def scripted_support(messages: list[dict]) -> str:
    """A stand-in support bot for --dry-run: asks for the order id, then solves it."""
    if sum(m["role"] == "user" for m in messages) < 2:
        return "Sorry about that! Could you give me the order id?"
    return f"Done, it's sorted. Have a nice day! {END_MARKER}"


def local_support(dry_run: bool) -> Agent:
    """The system under test when no --base-url is given."""
    model = ScriptedBackend(scripted_support) if dry_run else None
    persona = SupportAgent(name="Sam", product_scope="kitchen goods", politeness="very polite")
    return Agent(persona=persona, name="Support", model=model, temperature=0, max_tokens=48)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6, help="simulated customers")
    parser.add_argument("--max-turns", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path("output/probe-remote"))
    parser.add_argument("--base-url", help="OpenAI-compatible base URL of a deployed system")
    parser.add_argument("--model", default="Support", help="its model name")
    parser.add_argument("--dry-run", action="store_true", help="scripted models, no LLM")
    args = parser.parse_args()
    if find_corpus(args.out) is not None:
        parser.error(f"{args.out} holds a corpus written by `sdialog generate`; use another --out")

    server = None
    base_url = args.base_url
    if base_url is None:  # serve our own support agent as the system under test
        server = Server(local_support(args.dry_run), port=0).start()
        base_url = server.url + "/v1"
    try:
        system = Agent(
            name="Support",
            model=f"openai:{args.model}",
            openai_api_base=base_url,
            openai_api_key=os.environ.get("PROBE_API_KEY", "not-needed"),
            can_finish=True,
        )
        specs = [
            DialogSpec(customer, system, seed=100 + i, max_turns=args.max_turns)
            for i, customer in enumerate(customers(args.n, args.dry_run))
        ]
        args.out.mkdir(parents=True, exist_ok=True)
        dialogs = simulate_dialogs(
            specs, on_dialog=lambda i, d: d.to_file(args.out / f"dialog_{i:03d}.json")
        )
    finally:
        if server is not None:
            server.stop()
    done = sum(d.complete for d in dialogs)
    mean_turns = sum(len(d) for d in dialogs) / len(dialogs)
    print(f"{len(dialogs)} dialogs -> {args.out}; {done} ended by an agent; "
          f"{mean_turns:.1f} turns on average")  # fmt: skip
    print(dialogs[0])


if __name__ == "__main__":
    main()
