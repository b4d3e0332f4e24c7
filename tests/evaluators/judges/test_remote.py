"""Remote judges over real HTTP (litellm/openai SDK -> a local OpenAI-compatible stub server):
requests run concurrently, rate limits are retried, invalid answers repaired, and a request that
keeps failing costs only its own dialog."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before anything imports litellm

from sdialog.evaluators import LLMJudgeScore, LLMJudgeYesNo
from sdialog.llm.remote import RemoteBackend
from tests.evaluators.judges.conftest import make_dialog
from tests.llm.stub_server import error, forbid_non_loopback, reply, respond, running_stub_server

KEY = "sk-judge-SECRET"


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    forbid_non_loopback(monkeypatch)


@pytest.fixture
def server():
    with running_stub_server() as stub:
        yield stub


def remote(server, **kwargs) -> RemoteBackend:
    options = {"api_base": server.url + "/v1", "api_key": KEY, "backoff": 0.01, "cache": False}
    return RemoteBackend("openai/stub-model", **{**options, **kwargs})


def user_text(body) -> str:
    return " ".join(m["content"] for m in body["messages"] if m["role"] == "user")


def by_dialog(body) -> str:
    """Score = the number in the dialog's 'item N' marker (1..5)."""
    text = user_text(body)
    return json.dumps({"score": int(text.split("item ")[1][0])})


def test_remote_judge_runs_concurrently_and_keeps_order(server):
    server.default = respond(by_dialog, delay=0.2)
    judge = LLMJudgeScore("Rate:\n{{ dialog }}", 1, 5, model=remote(server, max_concurrency=4))
    assert not judge.uses_logprob
    dialogs = [make_dialog(f"item {1 + i % 5}") for i in range(8)]
    assert judge.batch(dialogs) == [1 + i % 5 for i in range(8)]
    assert server.max_in_flight == 4
    bodies = [r.body for r in server.chat_requests]
    assert all(b["temperature"] == 0.0 and b["seed"] == 0 for b in bodies)
    assert all("SECRET" not in json.dumps(b) for b in bodies)


def test_rate_limits_are_retried(server):
    server.default = respond(by_dialog)
    server.script(error(429), error(503))
    judge = LLMJudgeScore("Rate:\n{{ dialog }}", 1, 5, model=remote(server, max_concurrency=1))
    assert judge.batch([make_dialog("item 2"), make_dialog("item 4")]) == [2, 4]
    assert len(server.chat_requests) == 4


def test_out_of_range_answer_is_repaired_over_http(server):
    server.script(reply('{"score": 11}'))
    server.default = respond(by_dialog)
    judge = LLMJudgeScore("Rate:\n{{ dialog }}", 1, 5, model=remote(server))
    assert judge(make_dialog("item 3")) == 3
    repair = server.chat_requests[1].body["messages"]
    assert (
        repair[-2]["content"] == '{"score": 11}'
        and "less than or equal to 5" in repair[-1]["content"]
    )


def test_a_dead_request_fails_only_its_dialog(server):
    def answer(body):
        if "item 9" in user_text(body):
            raise RuntimeError("this one always breaks")  # the stub answers HTTP 500
        return json.dumps({"answer": "yes"})

    server.default = respond(answer)
    judge = LLMJudgeYesNo("Fine?\n{{ dialog }}", model=remote(server, max_retries=1))
    dialogs = [make_dialog("item 1"), make_dialog("item 9"), make_dialog("item 2")]
    judgments = judge.judge_batch(dialogs)
    assert [j.value for j in judgments] == [True, None, True]
    assert "backend failed" in judgments[1].error and "SECRET" not in judgments[1].error
    assert judge.errors == [judgments[1]]


def test_logprob_method_needs_a_local_model(server):
    with pytest.raises(ValueError, match="local model"):
        LLMJudgeYesNo("Fine?\n{{ dialog }}", model=remote(server), method="logprob")
