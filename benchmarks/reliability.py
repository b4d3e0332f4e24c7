"""Requests sent per failed dialog against a failing remote provider (issue 12, item 9).

A local OpenAI-compatible stub server (``tests/llm/stub_server.py``, loopback only) plays the
provider for ``RemoteBackend`` (``max_retries=4``: five tries per request), over both
transports. Two cases:

- ``dead``: a corpus run (``generate_corpus``) of 3 dialogs; every request answers 503.
- ``mixed``: 8 dialogs whose agents share one backend, so each step is one batch of 8 rows; 2
  dialogs always get 500 (their first utterance asks for it), the other 6 need exactly one
  reply each (``max_turns=2``: the opener and one reply).

Reported per case and transport: requests the provider received, failed dialogs, requests per
failed dialog (requests carrying a failing dialog's messages / failed dialogs), and how often a
good row was sent more than once. To compare with an older
checkout, run the same script with that checkout first on ``PYTHONPATH``:

    python benchmarks/reliability.py
    PYTHONPATH=/tmp/sdialog-before python benchmarks/reliability.py   # the code being compared
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def _load_stub_server():
    """tests/llm/stub_server.py of this checkout, loaded by path (``sdialog`` itself comes from
    ``PYTHONPATH`` or the installed package, which may be another checkout)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "tests" / "llm" / "stub_server.py"
    spec = importlib.util.spec_from_file_location("stub_server", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["stub_server"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


_stub = _load_stub_server()
reply, error, running_stub_server = _stub.reply, _stub.error, _stub.running_stub_server


def backend_params(url: str, transport: str) -> dict[str, object]:
    return {
        "api_base": url + "/v1",
        "api_key": "sk-bench-key-000000",
        "transport": transport,
        "max_retries": 4,
        "backoff": 0.001,
        "cache": False,
        "timeout": 10,
    }


def run(case: str, transport: str) -> dict[str, object]:
    with running_stub_server() as server:
        if case == "dead":
            server.default = error(503)
            failed, n, seconds = _dead(server.url, transport)
        else:
            answer = reply("Sure, glad to help.")
            server.router = lambda body: error(500) if "FAIL" in json.dumps(body) else answer
            failed, n, seconds = _mixed(server.url, transport)
        sent = collections.Counter(json.dumps(r.body.get("messages")) for r in server.chat_requests)
        requests = len(server.chat_requests)
    to_failing = sum(c for key, c in sent.items() if case == "dead" or "FAIL" in key)
    good_resent = sum(c - 1 for key, c in sent.items() if "FAIL" not in key and c > 1)
    return {
        "case": case,
        "transport": transport,
        "dialogs": n,
        "failed": failed,
        "requests": requests,
        "per_failed_dialog": round(to_failing / failed, 2) if failed else None,
        "good_rows_resent": good_resent if case == "mixed" else None,
        "seconds": round(seconds, 2),
    }


def _dead(url: str, transport: str) -> tuple[int, int, float]:
    """A corpus run (``generate_corpus``) of 3 dialogs against a provider that always fails."""
    from sdialog.corpus import generate_corpus
    from sdialog.scenario import Scenario

    spec = Scenario.model_validate(
        {
            "name": "bench",
            "model": "openai/stub-model",
            "params": backend_params(url, transport),
            "max_turns": 4,
            "agents": [{"name": "A", "first_utterance": "Hello!"}, {"name": "B"}],
        }
    )
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = generate_corpus(spec, n=3, out_dir=out, progress=False)
        return result.failed, 3, time.perf_counter() - start


def _mixed(url: str, transport: str) -> tuple[int, int, float]:
    """8 dialogs of agents sharing one backend (one batch per step): dialogs 2 and 5 open with a
    line the provider always fails on, the others need exactly one reply each."""
    from sdialog.agents import Agent
    from sdialog.llm.remote import RemoteBackend
    from sdialog.simulation import DialogSpec, simulate_dialogs

    backend = RemoteBackend("openai/stub-model", **backend_params(url, transport))
    second = Agent(name="B", model=backend)
    specs = []
    for i in range(8):
        opener = f"Dialog {i} {'FAIL' if i in (2, 5) else 'ok'}."
        first = Agent(name="A", model=backend, first_utterance=opener)
        specs.append(DialogSpec(first, second, seed=i, max_turns=2))
    start = time.perf_counter()
    outcomes = simulate_dialogs(specs, errors="collect")
    seconds = time.perf_counter() - start
    return sum(isinstance(o, Exception) for o in outcomes), 8, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transports", default="litellm,openai")
    args = parser.parse_args()
    import sdialog

    print(f"# sdialog from {Path(sdialog.__file__).parent}")
    for transport in args.transports.split(","):
        for case in ("dead", "mixed"):
            print(json.dumps(run(case, transport)))


if __name__ == "__main__":
    main()
