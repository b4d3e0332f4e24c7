"""A clean exit prints nothing: no 'coroutine ... was never awaited', no 'Task was destroyed but
it is pending' (litellm's logging worker, pooled sessions), for the CLI and for in-process runs
that mix synchronous calls with the caller's own event loops, over both transports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.llm.stub_server import running_stub_server

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "PYTHONPATH": str(ROOT),
        "PYTHONWARNINGS": "default",  # RuntimeWarnings are shown, not hidden
        "OMP_NUM_THREADS": "1",
    }
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize("transport", ["litellm", "openai"])
def test_in_process_runs_mixing_loops_exit_silently(transport):
    with running_stub_server() as server:
        result = run_python(
            """
            import asyncio, gc, sys
            from sdialog.llm.remote import RemoteBackend

            url, transport = sys.argv[1], sys.argv[2]
            backend = RemoteBackend("openai/m", api_base=url, api_key="sk-exit-test-1234",
                                    transport=transport, cache=False)
            user = [{"role": "user", "content": "hi"}]

            async def own_loop():
                return (await backend.acomplete(user)).text

            # the shared loop, then the caller's own loops, then the shared loop again
            texts = [backend.complete(user).text, asyncio.run(own_loop()),
                     backend.complete(user).text, asyncio.run(own_loop())]
            gc.collect()
            print(texts)
            """,
            server.url + "/v1",
            transport,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['hi', 'hi', 'hi', 'hi']"
    assert result.stderr == ""


def test_a_cli_run_on_the_direct_transport_exits_silently(tmp_path):
    with running_stub_server() as server:
        scenario = {
            "name": "quiet",
            "model": "openai/stub-model",
            "params": {"api_base": server.url + "/v1", "transport": "openai", "cache": False},
            "max_turns": 2,
            "agents": [{"name": "A", "first_utterance": "Hello!"}, {"name": "B"}],
        }
        (tmp_path / "scenario.json").write_text(json.dumps(scenario))
        result = run_python(
            "from sdialog.cli import app; app()",
            "generate",
            "scenario.json",
            "-n",
            "3",
            "-o",
            "out",
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr
    assert "3 dialogs written" in result.stdout
    assert "never awaited" not in result.stderr and "Task was destroyed" not in result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr, result.stderr
