"""`generate_corpus` (what `sdialog generate` runs) vs `simulate()` on the same scenario.

``simulate()`` gets one pair of agents shared by every dialog (the ideal batch); the corpus path
builds new agents, personas and backends for every dialog, writes each dialog as it finishes and
keeps the manifest current. Both run ``--dialogs`` dialogs in lock-step; runs are interleaved
(simulate, generate, simulate, generate ...) so machine noise hits both alike.

Usage:
    python benchmarks/corpus.py [--scenario examples/doctor_patient.yaml] [--dialogs 8]
        [--turns 6] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time

from sdialog.corpus import generate_corpus
from sdialog.scenario import Scenario
from sdialog.simulation import simulate


def run_simulate(scenario: Scenario, n: int) -> float:
    first, second = scenario.build_agents(scenario.seed)
    start = time.perf_counter()
    simulate(
        first,
        second,
        n=n,
        max_turns=scenario.max_turns,
        seed=scenario.seed,
        context=scenario.context,
    )
    return time.perf_counter() - start


def run_generate(scenario: Scenario, n: int) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        generate_corpus(scenario, n=n, out_dir=out, batch_size=n, progress=False)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="examples/doctor_patient.yaml")
    parser.add_argument("--dialogs", type=int, default=8)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="the tiny random model of the tests instead of the scenario's (corpus-path overhead "
        "against a model that costs almost nothing)",
    )
    args = parser.parse_args()
    scenario = Scenario.from_file(args.scenario)
    scenario.max_turns = args.turns
    if args.tiny:
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from sdialog.llm import register_model
        from tests.tiny_model import build_model, build_tokenizer

        tokenizer = build_tokenizer()
        register_model("tiny", build_model(len(tokenizer)), tokenizer)
        scenario.model = "huggingface:tiny"
        scenario.params = {**scenario.params, "max_tokens": 16}
    first, _ = scenario.build_agents(scenario.seed)
    first.backend.load()
    first("warm-up")
    times: dict[str, list[float]] = {"simulate": [], "generate": []}
    for _ in range(args.repeats):
        times["simulate"].append(run_simulate(scenario, args.dialogs))
        times["generate"].append(run_generate(scenario, args.dialogs))
    rates = {mode: 60 * args.dialogs / min(values) for mode, values in times.items()}
    report = {
        "scenario": args.scenario,
        "model": scenario.model or "embedded SmolLM2-135M",
        "dialogs": args.dialogs,
        "max_turns": args.turns,
        "seconds": {mode: [round(v, 1) for v in values] for mode, values in times.items()},
        "dialogs_per_min_best": {mode: round(rate, 2) for mode, rate in rates.items()},
        "generate_over_simulate": round(rates["generate"] / rates["simulate"], 3),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "load_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
