"""SimpleResponseOrchestrator on the real offline embedder (all-MiniLM-L6-v2) and a custom one."""

from __future__ import annotations

import numpy as np
import pytest

from sdialog.dialog import Dialog, Instruction, Turn
from sdialog.orchestrators import SimpleResponseOrchestrator

pytest.importorskip("sentence_transformers")

HOURS = "We are open from 9 to 5."
REFUND = "Your refund has been processed."
PASSWORD = "I can reset your password."
RESPONSES = [HOURS, REFUND, PASSWORD]


def user_says(text: str, before: list[Turn] | None = None) -> Dialog:
    return Dialog(turns=[*(before or []), Turn("User", text)])


@pytest.mark.parametrize(
    ("utterance", "best"),
    [
        ("when do you open?", HOURS),
        ("did you send my money back?", REFUND),
        ("I forgot my login credentials", PASSWORD),
    ],
)
def test_closest_response_ranked_first(utterance, best):
    o = SimpleResponseOrchestrator(RESPONSES, target_speaker="Bot")
    ranked = o.suggestions(user_says(utterance), utterance)
    assert ranked[0][0] == best
    assert sorted(text for text, _ in ranked) == sorted(RESPONSES)
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True) and all(-1.0 <= s <= 1.0 for s in scores)


def test_instruction_lists_top_k_with_a_suggestions_event():
    o = SimpleResponseOrchestrator(RESPONSES, top_k=2, target_speaker="Bot")
    result = o.instruct(user_says("when do you open?"), "when do you open?")
    assert isinstance(result, Instruction)
    lines = result.text.splitlines()
    assert len(lines) == 3 and lines[1] == f"1. {HOURS}"
    (event,) = result.events
    assert event.action == "request_suggestions" and event.agent == "Bot"
    assert event.actionLabel == "SimpleResponseOrchestrator"
    assert event.content["utterance"] == "when do you open?"
    assert event.content["suggestions"][0] == HOURS and len(event.content["suggestions"]) == 2
    assert len(event.content["scores"]) == 2


def test_nothing_to_answer_gives_none():
    assert SimpleResponseOrchestrator(RESPONSES).instruct(Dialog(), None) is None


def test_graph_restricts_candidates_after_the_previous_response():
    greet, ask, bye = "Hello! How can I help you?", "Could you give me your order number?", "Bye!"
    responses = [greet, ask, bye, HOURS]
    graph = {greet: [ask, HOURS], ask: [bye]}
    o = SimpleResponseOrchestrator(responses, graph=graph, target_speaker="Bot")
    # Bot's previous turn was exactly `greet`: only its successors are suggested
    d = user_says("when do you open?", [Turn("Bot", greet)])
    assert [text for text, _ in o.suggestions(d, "when do you open?")] == [HOURS, ask]
    # a paraphrase of `ask` is matched to it by similarity
    d = user_says("It is 1234.", [Turn("Bot", "Can you tell me the order number, please?")])
    assert o.candidates(d) == [bye]
    assert o.instruct(d, "It is 1234.").events[0].content["suggestions"] == [bye]
    # a response with no graph entry, and no previous turn: every response is a candidate
    assert o.candidates(user_says("hi", [Turn("Bot", bye)])) == responses
    assert o.candidates(user_says("hi")) == responses


def test_graph_with_no_successors_suggests_nothing():
    o = SimpleResponseOrchestrator([HOURS, REFUND], graph={REFUND: []}, target_speaker="Bot")
    d = user_says("thanks", [Turn("Bot", REFUND)])
    assert o.suggestions(d, "thanks") == [] and o.instruct(d, "thanks") is None


def test_embeddings_are_computed_once_and_shared_by_forks():
    o = SimpleResponseOrchestrator(RESPONSES)
    o.suggestions(Dialog(), "hello")
    vectors = o._vectors.get()
    f = o.fork(seed=1)
    f.suggestions(Dialog(), "hi")
    assert f._vectors.get() is vectors


class Keywords:
    """A custom embedder: one dimension per keyword."""

    words = ("open", "refund", "password")

    def __init__(self):
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        return np.array([[float(w in t.lower()) for w in self.words] + [0.1] for t in texts])


def test_custom_embedder_object():
    model = Keywords()
    o = SimpleResponseOrchestrator(
        ["Opening hours: 9-5", "Refund issued", "Password reset"], top_k=1, model=model
    )
    assert o.suggestions(Dialog(), "my refund?") == [("Refund issued", 1.0)]
    o.suggestions(Dialog(), "password?")
    assert model.calls == 3  # responses once, then one call per utterance
    assert o.json()["model"] == "Keywords"


def test_ties_keep_the_order_of_responses():
    o = SimpleResponseOrchestrator(["b", "a", "c"], model=Keywords())
    assert [text for text, _ in o.suggestions(Dialog(), "zzz")] == ["b", "a", "c"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"responses": []}, ValueError, "non-empty"),
        ({"responses": "one"}, TypeError, "not a single string"),
        ({"responses": ["a"], "top_k": 0}, ValueError, "top_k"),
        ({"responses": ["a"], "graph": {"a": ["z"]}}, ValueError, "unknown: \\['z'\\]"),
        ({"responses": ["a"], "model": 3}, TypeError, "model must be"),
    ],
)
def test_validation(kwargs, error, message):
    with pytest.raises(error, match=message):
        SimpleResponseOrchestrator(**kwargs)
