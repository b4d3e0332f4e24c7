"""The lock-step simulation engine: batching, determinism, isolation of failures, remote use."""

from __future__ import annotations

import pytest

from sdialog.agents import Agent
from sdialog.llm import BackendError, LocalBackend, RemoteBackend, ScriptedBackend
from sdialog.simulation import DialogSpec, simulate, simulate_dialogs
from tests.llm.stub_server import respond, running_stub_server


class CountingBackend(ScriptedBackend):
    """A scripted backend that records the size of every batch call."""

    def __init__(self, *args, fail_when=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.batches: list[int] = []
        self.fail_when = fail_when

    def _complete_batch(self, conversations, **kwargs):
        self.batches.append(len(conversations))
        if self.fail_when and any(self.fail_when(c) for c in conversations):
            raise BackendError("provider down for this conversation")
        return super()._complete_batch(conversations, **kwargs)


def test_lock_step_sends_one_batch_per_turn():
    backend = CountingBackend(lambda m: f"{m[0]['content'].split('.')[0]}, turn {len(m)}")
    ana, ben = Agent(name="Ana", model=backend), Agent(name="Ben", model=backend)
    dialogs = simulate(ana, ben, n=5, max_turns=6, seed=10)
    assert backend.batches == [5] * 6
    assert [d.seed for d in dialogs] == [10, 11, 12, 13, 14]
    assert all(len(d) == 6 and d.get_speakers() == ["Ana", "Ben"] for d in dialogs)
    assert len({d.id for d in dialogs}) == 5


def test_dialogs_of_different_length_finish_independently():
    def reply(messages):
        user_turns = sum(m["role"] == "user" for m in messages)
        speaker = messages[0]["content"].split(",")[0]
        if "QUICKCHAT" in messages[0]["content"] and user_turns >= 2:
            return "bye [END]"
        return f"{speaker}: more after {len(messages)} messages"

    backend = CountingBackend(reply)
    short = Agent(name="Ana", model=backend, dialogue_details="QUICKCHAT")
    long = Agent(name="Ana", model=backend, dialogue_details="long")
    ben = Agent(name="Ben", model=backend)
    dialogs = simulate_dialogs(
        [DialogSpec(short, ben, seed=1, max_turns=8), DialogSpec(long, ben, seed=2, max_turns=8)]
    )
    assert [len(d) for d in dialogs] == [5, 8]
    assert [d.complete for d in dialogs] == [True, False]
    assert backend.batches[:5] == [2] * 5 and set(backend.batches[5:]) == {1}


def test_batched_simulation_equals_one_dialog_at_a_time(tiny_model):
    kwargs = {"temperature": 1.0, "max_tokens": 12}
    ana = Agent(name="Ana", model=LocalBackend("huggingface:tiny", cache=False), **kwargs)
    ben = Agent(name="Ben", model=LocalBackend("huggingface:tiny", cache=False), **kwargs)
    batched = simulate(ana, ben, n=3, max_turns=4, seed=5)
    alone = [ana.dialog_with(ben, max_turns=4, seed=5 + i) for i in range(3)]
    assert [[t.text for t in d.turns] for d in batched] == [
        [t.text for t in d.turns] for d in alone
    ]
    assert len({tuple(t.text for t in d.turns) for d in batched}) == 3  # seeds matter


def test_failures_stay_with_their_dialog():
    backend = CountingBackend(["ok"], fail_when=lambda conv: "doomed" in conv[0]["content"])
    fine = Agent(name="Ana", model=backend)
    doomed = Agent(name="Ana", model=backend, dialogue_details="doomed")
    ben = Agent(name="Ben", model=backend)
    specs = [
        DialogSpec(fine, ben, seed=1, max_turns=2),
        DialogSpec(doomed, ben, seed=2, max_turns=2),
    ]
    results = simulate_dialogs(specs, errors="collect")
    assert len(results[0]) == 2 and isinstance(results[1], BackendError)
    with pytest.raises(BackendError):
        simulate_dialogs(specs)


def test_on_dialog_is_called_as_each_dialog_finishes_and_progress_runs():
    finished = []
    backend = CountingBackend(["x"])
    ana, ben = Agent(name="Ana", model=backend), Agent(name="Ben", model=backend)
    simulate(
        ana,
        ben,
        n=3,
        max_turns=2,
        seed=1,
        progress=True,
        on_dialog=lambda i, d: finished.append((i, len(d))),
    )
    assert sorted(finished) == [(0, 2), (1, 2), (2, 2)]


def test_bad_arguments():
    backend = CountingBackend(["x"])
    ana, ben = Agent(name="Ana", model=backend), Agent(name="Ben", model=backend)
    with pytest.raises(ValueError, match="max_turns"):
        simulate(ana, ben, n=1, max_turns=0)
    with pytest.raises(ValueError, match="n=2"):
        simulate(ana, ben, n=2, seeds=[1])


def test_remote_dialogs_run_concurrently_against_a_real_server():
    with running_stub_server() as server:
        server.default = respond(
            lambda body: f"{body['messages'][0]['content'][:11]} after {len(body['messages'])}",
            delay=0.2,
        )
        backend = RemoteBackend(
            "openai/stub", api_base=server.url + "/v1", api_key="sk-test", max_concurrency=8
        )
        ana, ben = Agent(name="Ana", model=backend), Agent(name="Ben", model=backend)
        dialogs = simulate(ana, ben, n=8, max_turns=3, seed=1)
    assert all(len(d) == 3 for d in dialogs)
    assert server.max_in_flight == 8
    assert len(server.chat_requests) == 24
