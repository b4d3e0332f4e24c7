"""Unusable model replies are never a silent success: an all-empty turn fails the dialog (a
recorded failure in a corpus run), a repeated or prompt-leaking reply kept after the retries is
flagged on its turn, and a reply cut by ``max_tokens`` is marked."""

from __future__ import annotations

import json

import pytest

from sdialog.agents import Agent
from sdialog.agents.session import MAX_ATTEMPTS, UnusableReplyError
from sdialog.corpus import generate_corpus
from sdialog.dialog import Dialog
from sdialog.llm import BackendError, Completion, ScriptedBackend
from sdialog.scenario import Scenario


class _Replies(ScriptedBackend):
    """Scripted replies with a chosen finish reason, counting the calls."""

    def __init__(self, replies, finish_reason="stop"):
        super().__init__(replies)
        self.finish_reason = finish_reason
        self.rows = 0

    def _complete_batch(self, conversations, *, schema, tools, **params):
        self.rows += len(conversations)
        out = super()._complete_batch(conversations, schema=schema, tools=tools, **params)
        return [
            Completion(text=c.text, finish_reason=self.finish_reason, provenance=c.provenance)
            for c in out
        ]


def test_an_always_empty_reply_fails_the_turn_after_the_retries():
    backend = _Replies([""])
    agent = Agent(name="Bob", model=backend)
    with pytest.raises(UnusableReplyError, match="empty reply in all 3 tries"):
        agent("How are you?")
    assert backend.rows == MAX_ATTEMPTS
    assert issubclass(UnusableReplyError, BackendError)  # the server answers 502, not 500


def test_an_empty_reply_followed_by_a_good_one_is_not_flagged():
    agent = Agent(name="Bob", model=_Replies(["", "Fine, thanks."]))
    events = agent("How are you?", return_events=True)
    utter = [e for e in events if e.action == "utter"][-1]
    assert utter.content == "Fine, thanks."
    assert "unusable" not in utter.model_dump()


def test_a_repeated_reply_kept_after_the_retries_is_flagged_on_its_turn(tmp_path):
    first = Agent(name="Ana", model=ScriptedBackend(["Hello!"]), first_utterance="Hello!")
    second = Agent(name="Ben", model=ScriptedBackend(["Hello!"]))
    dialog = first.dialog_with(second, max_turns=2, seed=1)
    assert dialog.turns[1].text == "Hello!"
    assert dialog.turns[1].unusable == "repeated"
    assert "unusable" not in dialog.turns[0].model_dump()
    dialog.to_file(tmp_path / "d.json")  # the flag survives a round trip
    assert Dialog.from_file(tmp_path / "d.json").turns[1].unusable == "repeated"


def test_a_reply_cut_by_max_tokens_is_marked_on_turn_and_event():
    first = Agent(name="Ana", model=ScriptedBackend(["unused"]), first_utterance="Hi, Ben.")
    cut = _Replies(["Sure. I can help with that and", "Of course. Let me see what"], "length")
    dialog = first.dialog_with(Agent(name="Ben", model=cut), max_turns=2, seed=1)
    assert dialog.turns[1].text == "Sure."
    assert dialog.turns[1].finish_reason == "length"
    utter = [e for e in dialog.events if e.action == "utter"][-1]
    assert utter.finish_reason == "length"


def test_a_corpus_run_records_empty_dialogs_as_failures_and_writes_the_good_ones(tmp_path):
    scenario = Scenario.model_validate(
        {
            "name": "mute",
            "model": "scripted:",
            "max_turns": 4,
            "agents": [{"name": "A", "first_utterance": "Hi"}, {"name": "B"}],
        }
    )
    result = generate_corpus(scenario, n=3, out_dir=tmp_path, progress=False)
    assert (result.written, result.failed) == (0, 3)
    failures = [json.loads(line) for line in (tmp_path / "failures.jsonl").read_text().splitlines()]
    assert [f["id"] for f in failures] == ["mute-000000", "mute-000001", "mute-000002"]
    assert all("UnusableReplyError" in f["error"] for f in failures)
