"""The shared event loop of synchronous calls, and the pooled sessions it lets remote backends
keep from one call to the next."""

from __future__ import annotations

import asyncio
import gc
import warnings

import pytest

from sdialog.llm import RemoteBackend
from sdialog.llm._loop import on_shared_loop, run_sync, shared_loop
from tests.llm.stub_server import running_stub_server


async def _where() -> tuple[bool, int]:
    await asyncio.sleep(0)
    return on_shared_loop(), id(asyncio.get_running_loop())


def test_sync_calls_share_one_loop():
    first, second = run_sync(_where()), run_sync(_where())
    assert first[0] and second[0]
    assert first[1] == second[1] == id(shared_loop())
    assert not on_shared_loop()  # the caller's thread is not the loop's


def test_run_sync_inside_a_running_loop():
    async def caller():  # e.g. a notebook cell: blocking here is what the user asked for
        return run_sync(_where())

    assert asyncio.run(caller())[0]


def test_run_sync_from_the_shared_loop_is_refused_not_deadlocked():
    async def reentrant():
        return run_sync(_where())

    with pytest.raises(RuntimeError, match="shared loop"):
        run_sync(reentrant())


def test_exceptions_travel_back_to_the_caller():
    async def boom():
        raise ValueError("from the loop")

    with pytest.raises(ValueError, match="from the loop"):
        run_sync(boom())


def _backend(server) -> RemoteBackend:
    return RemoteBackend(
        "openai/stub-model", api_base=server.url + "/v1", api_key="sk-x", cache=False
    )


def test_sync_calls_reuse_one_pooled_session_and_close_it():
    with running_stub_server() as server:
        backend = _backend(server)
        backend.complete([{"role": "user", "content": "one"}])
        (session,) = backend._clients.values()
        backend.complete_batch([[{"role": "user", "content": "two"}]] * 3)
        assert list(backend._clients.values()) == [session]  # kept across calls
        backend.close()
        assert session.closed and not backend._clients
        assert backend.complete([{"role": "user", "content": "again"}]).text == "again"
        assert len(server.chat_requests) == 5


def test_a_callers_own_loop_gets_a_session_for_the_batch_only():
    with running_stub_server() as server:
        backend = _backend(server)

        async def main():
            return await backend.acomplete([{"role": "user", "content": "mine"}])

        with warnings.catch_warnings():
            warnings.simplefilter("error", ResourceWarning)
            assert asyncio.run(main()).text == "mine"
        assert backend._clients == {}  # nothing bound to a loop that is gone


def test_a_collected_backend_closes_its_sessions():
    with running_stub_server() as server:
        backend = _backend(server)
        backend.complete([{"role": "user", "content": "hi"}])
        (session,) = backend._clients.values()
        del backend
        gc.collect()
        assert session.closed


def test_the_interpreter_exits_cleanly_after_remote_calls(tmp_path):
    # litellm leaves a logging task on the loop and sessions stay pooled: at exit both must be
    # wound down, not reported as "Task was destroyed but it is pending" or "Unclosed client"
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "calls.py"
    script.write_text(
        "from sdialog.llm import RemoteBackend\n"
        "from tests.llm.stub_server import running_stub_server\n"
        "backends = []\n"
        "with running_stub_server() as server:\n"
        "    for transport in ('openai', 'litellm'):\n"
        "        backend = RemoteBackend('openai/stub-model', api_base=server.url + '/v1',\n"
        "                                api_key='sk-x', transport=transport, cache=False)\n"
        "        print(backend.complete([{'role': 'user', 'content': 'hi'}]).text)\n"
        "        backends.append(backend)\n"
        "import asyncio, time\n"
        "from sdialog.llm import _loop\n"
        "loop, sessions = _loop._loop, list(_loop._tracked)\n"
        "_loop._shutdown()  # what atexit runs\n"
        "time.sleep(0.2)\n"
        "print(loop.is_running(), len(sessions), all(s.closed for s in sessions),\n"
        "      sum(not t.done() for t in asyncio.all_tasks(loop)))\n",
        encoding="utf-8",
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    # loop stopped, the one pooled session closed, no task left pending (litellm's worker ran)
    assert result.stdout.split() == ["hi", "hi", "False", "1", "True", "0"]
    assert "destroyed but it is pending" not in result.stderr
    assert "Unclosed" not in result.stderr
