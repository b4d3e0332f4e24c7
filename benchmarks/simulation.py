"""Simulation throughput.

(a) local: dialogs x 6 turns on the embedded model, lock-step batched vs one dialog at a time
    (``Agent.dialog_with`` in a loop), in dialogs/min and tokens/s.
(b) remote: 100 dialogs x 6 turns against a local OpenAI-compatible server (its own process,
    ``latency_server.py``) that answers after 200 ms, all in flight at once; wall time vs the
    latency floor (5 model turns x 0.2 s: the opening line is scripted).

Usage:
    python benchmarks/simulation.py local [--batched 32] [--sequential 8] [--turns 6]
    python benchmarks/simulation.py remote [--dialogs 100] [--turns 6] [--delay 0.2]
        [--transport auto|litellm|openai]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

from sdialog.agents import Agent
from sdialog.simulation import simulate

PARAMS = {"temperature": 0.7, "max_tokens": 48, "repetition_penalty": 1.2}


def agents(model=None):
    ana = Agent(
        persona={"name": "Ana", "role": "a barista", "personality": "cheerful"},
        first_utterance="Hi! What can I get you?",
        model=model,
        **PARAMS,
    )
    ben = Agent(persona={"name": "Ben", "role": "a tired student"}, model=model, **PARAMS)
    return ana, ben


def tokens(dialogs) -> int:
    # completion tokens are not kept on dialogs; count words x 1.3 as a rough token estimate
    return int(sum(len(t.text.split()) for d in dialogs for t in d.turns) * 1.3)


def local(args) -> dict:
    ana, ben = agents()
    ana.backend.load()
    ana("warm-up")
    start = time.perf_counter()
    batched = simulate(ana, ben, n=args.batched, max_turns=args.turns, seed=1)
    batched_s = time.perf_counter() - start
    start = time.perf_counter()
    sequential = [
        ana.dialog_with(ben, max_turns=args.turns, seed=1 + i) for i in range(args.sequential)
    ]
    sequential_s = time.perf_counter() - start
    b_rate = 60 * len(batched) / batched_s
    s_rate = 60 * len(sequential) / sequential_s
    return {
        "batched": {
            "dialogs": len(batched),
            "seconds": round(batched_s, 1),
            "dialogs_per_min": round(b_rate, 2),
            "approx_tokens_per_s": round(tokens(batched) / batched_s, 1),
        },
        "one_at_a_time": {
            "dialogs": len(sequential),
            "seconds": round(sequential_s, 1),
            "dialogs_per_min": round(s_rate, 2),
            "approx_tokens_per_s": round(tokens(sequential) / sequential_s, 1),
        },
        "speedup": round(b_rate / s_rate, 2),
    }


def remote(args) -> dict:
    """The system under test runs in its own process (``latency_server.py``), as a real remote
    endpoint would; this process only simulates."""
    import socket
    import subprocess
    import urllib.request

    from sdialog.llm import RemoteBackend

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("latency_server.py")),
            "--port",
            str(port),
            "--delay",
            str(args.delay),
        ]
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):  # wait until it listens
            try:
                urllib.request.urlopen(url + "/stats", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        backend = RemoteBackend(
            "openai/stub",
            api_base=url + "/v1",
            api_key="sk-bench",
            max_concurrency=args.dialogs,
            transport=args.transport,
        )
        ana, ben = agents(backend)
        ana("warm-up")
        start = time.perf_counter()
        dialogs = simulate(ana, ben, n=args.dialogs, max_turns=args.turns, seed=1)
        wall = time.perf_counter() - start
        stats = json.loads(urllib.request.urlopen(url + "/stats", timeout=5).read())
    finally:
        server.terminate()
        server.wait(timeout=10)
    llm_turns = args.turns - 1  # the opening line is scripted
    floor = llm_turns * args.delay
    return {
        "transport": args.transport,
        "dialogs": len(dialogs),
        "requests": stats["requests"] - 1,
        "wall_s": round(wall, 2),
        "latency_floor_s": round(floor, 2),
        "ratio_to_floor": round(wall / floor, 2),
        "peak_in_flight": stats["peak_in_flight"],
        "approx_tokens_per_s": round(tokens(dialogs) / wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["local", "remote"])
    parser.add_argument("--batched", type=int, default=32)
    parser.add_argument("--sequential", type=int, default=8)
    parser.add_argument("--dialogs", type=int, default=100)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--transport", choices=["auto", "litellm", "openai"], default="auto")
    args = parser.parse_args()
    report = local(args) if args.mode == "local" else remote(args)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
