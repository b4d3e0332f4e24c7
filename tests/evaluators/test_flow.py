"""Dialog-flow graphs and flow scores: a toy graph with exact probabilities, a 400-turn dialog,
role mapping, the happy path, seeded building and the exports."""

from __future__ import annotations

import itertools
import json
import math
import shutil
import subprocess

import networkx as nx
import numpy as np
import pytest

from sdialog import Dialog, Turn
from sdialog.evaluators import DialogFlowGraph, DialogFlowPPL, DialogFlowScore
from sdialog.evaluators.flow import END, START, FlowNode
from tests.evaluators.embedders import HashEmbedder

VECTORS = {"hi": [1, 0, 0], "help": [0, 0, 1], "bye": [0, 1, 0], "hello": [0.9, 0.1, 0]}


class TableEmbedder:
    def __init__(self):
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        return np.array([VECTORS[t] for t in texts], dtype=np.float32)


def toy(smoothing: float = 1.0, model=None) -> DialogFlowGraph:
    nodes = [
        FlowNode("system-0", "system", 2, "hi", ["hi"], 0.25, np.array([1.0, 0, 0])),
        FlowNode("user-0", "user", 2, "help", ["help"], 0.5, np.array([0, 0, 1.0])),
        FlowNode("system-1", "system", 2, "bye", ["bye"], 0.75, np.array([0, 1.0, 0])),
    ]
    path = [START, "system-0", "user-0", "system-1", END]
    counts = {pair: 2 for pair in itertools.pairwise(path)}
    return DialogFlowGraph(
        nodes, counts, system_speaker="Bot", smoothing=smoothing, model=model or TableEmbedder()
    )


def talk(*texts: str) -> Dialog:
    return Dialog(turns=[Turn("Bot" if i % 2 == 0 else "User", t) for i, t in enumerate(texts)])


def test_toy_graph_probabilities_and_scores():
    graph = toy()  # alpha 1, K = 3 nodes + END = 4: seen (2 + 1) / (2 + 4), unseen 1 / 6
    assert graph.probability(START, "system-0") == pytest.approx(0.5)
    assert graph.probability("user-0", "user-0") == pytest.approx(1 / 6)
    assert sum(graph.probability("user-0", t) for t in [*graph.nodes, END]) == pytest.approx(1)
    full = talk("hi", "help", "bye")
    assert DialogFlowPPL(graph)(full) == pytest.approx(2.0)  # four transitions of p = 0.5
    assert DialogFlowScore(graph)(full) == pytest.approx(0.5)
    # the END transition is scored: stopping after "help" costs P(END | user-0) = 1/6
    cut = talk("hi", "help")
    assert DialogFlowPPL(graph)(cut) == pytest.approx((2 * 2 * 6) ** (1 / 3))
    assert DialogFlowScore(graph)(cut) < DialogFlowScore(graph)(full)
    assert graph.log_probabilities([cut])[0] == pytest.approx(
        [math.log(0.5), math.log(0.5), math.log(1 / 6)]
    )
    # a turn goes to the nearest node of its own role: "hello" -> system-0
    assert graph.assign([talk("hello", "help")]) == [["system-0", "user-0"]]
    assert DialogFlowPPL(graph)(Dialog()) == pytest.approx(6.0)  # START -> END, unseen


def test_a_400_turn_dialog_does_not_underflow():
    graph = toy(smoothing=0.01)
    long = talk(*(["hi", "help"] * 200))  # 401 transitions; the product is ~1e-900
    seen = math.log(2.01 / 2.04)
    unseen = math.log(0.01 / 2.04)
    expected_mean = (seen * 201 + unseen * 200) / 401  # START->s0, s0->u0 x200; u0->s0 x199, END
    score = DialogFlowScore(graph)(long)
    ppl = DialogFlowPPL(graph)(long)
    assert score > 0 and math.isfinite(ppl)
    assert math.log(score) == pytest.approx(expected_mean)
    assert ppl == pytest.approx(1 / score)
    assert math.prod(math.exp(x) for x in graph.log_probabilities([long])[0]) == 0.0  # naive


def test_batch_embeds_all_turns_in_one_pass():
    model = TableEmbedder()
    scorer = DialogFlowPPL(toy(model=model))
    values = scorer.batch([talk("hi", "help", "bye"), talk("hi"), talk("hello", "help")])
    assert model.calls == 1 and len(values) == 3
    assert values == [
        scorer(d) for d in [talk("hi", "help", "bye"), talk("hi"), talk("hello", "help")]
    ]


def reference() -> list[Dialog]:
    greetings = ["Hello, how can I help you?", "Hi, what can I do for you?"]
    asks = ["My card was stolen.", "I lost my credit card.", "Someone took my card."]
    acts = ["I blocked your card right away.", "Your card is now blocked."]
    byes = ["Thanks, bye!", "Great, thank you."]
    return [
        Dialog(
            turns=[
                Turn("Agent", greetings[i % 2]),
                Turn("Client", asks[i % 3]),
                Turn("Agent", acts[i % 2]),
                Turn("Client", byes[i % 2]),
            ]
        )
        for i in range(12)
    ]


def test_build_uses_the_explicit_role_mapping():
    """PITFALLS: the system-speaker argument must be honoured, not roles by first appearance."""
    ref = reference()
    by_system = DialogFlowGraph.build(ref, system_speaker="Client", model=HashEmbedder(), seed=1)
    assert {n.role for n in by_system.nodes.values() if "card" in n.label.lower()} >= {"system"}
    assert by_system.role_of("Agent") == "user" and by_system.role_of("client") == "system"
    by_roles = DialogFlowGraph.build(
        ref, roles={"Agent": "bot", "Client": "human"}, model=HashEmbedder()
    )
    assert {n.role for n in by_roles.nodes.values()} == {"bot", "human"}
    with pytest.raises(ValueError, match="has no role"):
        by_roles.role_of("Stranger")
    by_name = DialogFlowGraph.build(ref, model=HashEmbedder())
    assert {n.role for n in by_name.nodes.values()} == {"Agent", "Client"}
    with pytest.raises(ValueError, match="no node"):
        DialogFlowPPL(by_name).score(Dialog(turns=[Turn("Stranger", "hi")]))


def test_build_is_seeded_and_finds_the_happy_path():
    ref = reference()
    a = DialogFlowGraph.build(
        ref, system_speaker="Agent", n_clusters=2, model=HashEmbedder(), seed=3
    )
    b = DialogFlowGraph.build(
        ref, system_speaker="Agent", n_clusters=2, model=HashEmbedder(), seed=3
    )
    assert a.fingerprint() == b.fingerprint()
    assert len(a.nodes) == 4 and sum(n.size for n in a.nodes.values()) == 48
    path = a.happy_path()
    assert path[0] == START and path[-1] == END and len(path) == 6
    assert [a.nodes[n].role for n in path[1:-1]] == ["system", "user", "system", "user"]
    assert sum(e["count"] for e in a.edges() if e["source"] == START) == 12
    scorer = DialogFlowPPL(a)
    assert scorer(ref[0]) < scorer(Dialog(turns=list(reversed(ref[0].turns))))


def test_exports_round_trip(tmp_path):
    graph = DialogFlowGraph.build(
        reference(), system_speaker="Agent", n_clusters=2, model=HashEmbedder()
    )
    graph.to_json(tmp_path / "flow.json")
    loaded = DialogFlowGraph.from_json(tmp_path / "flow.json", model=HashEmbedder())
    assert loaded.counts == graph.counts and loaded.happy_path() == graph.happy_path()
    d = reference()[5]
    assert DialogFlowPPL(loaded)(d) == pytest.approx(DialogFlowPPL(graph)(d), rel=1e-5)
    data = json.loads((tmp_path / "flow.json").read_text())
    assert data["format"] == "sdialog-dialog-flow" and data["system_speaker"] == "Agent"

    graph.to_graphml(tmp_path / "flow.graphml")
    g = nx.read_graphml(tmp_path / "flow.graphml")
    assert set(g.nodes) == {*graph.nodes, START, END}
    assert g.edges[START, graph.happy_path()[1]]["happy"] is True

    html = graph.to_html(tmp_path / "flow.html", title="Card <support>")
    assert (tmp_path / "flow.html").read_text() == html
    assert "Card &lt;support&gt;" in html and "<svg" in html
    for external in ("src=", "href=", "@import", "<link"):
        assert external not in html
    payload = html.split("const G = ", 1)[1].split(";\n", 1)[0]
    assert json.loads(payload)["happy_path"] == graph.happy_path()
    with pytest.raises(ValueError, match="not a dialog-flow graph"):
        DialogFlowGraph.from_json('{"format": "other"}')


def test_config_identifies_the_graph():
    a = DialogFlowPPL(toy()).config()
    b = DialogFlowPPL(toy(smoothing=0.5)).config()
    assert a["name"] == "flow-ppl" and a["settings"]["graph"] != b["settings"]["graph"]


DOM_SHIM = """
function fakeEl() {
  return {attrs: {}, children: [], style: {}, textContent: "", value: "0.05", checked: false,
          setAttribute(k, v) { this.attrs[k] = v; },
          appendChild(c) { this.children.push(c); return c; },
          addEventListener() {}, classList: {toggle() {}}};
}
const fakeEls = {};
global.document = {getElementById: id => fakeEls[id] || (fakeEls[id] = fakeEl()),
                   createElementNS: () => fakeEl()};
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's script")
def test_html_view_script_runs(tmp_path):
    graph = DialogFlowGraph.build(
        reference(), system_speaker="Agent", n_clusters=2, model=HashEmbedder()
    )
    script = graph.to_html().split("<script>", 1)[1].split("</script>", 1)[0]
    probe = "console.log(JSON.stringify([edges.length, nodes.length, fakeEls.stats.textContent]))"
    (tmp_path / "page.js").write_text(DOM_SHIM + script + "\n" + probe)
    out = subprocess.run(["node", str(tmp_path / "page.js")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    edges, nodes, stats = json.loads(out.stdout)
    assert (edges, nodes) == (len(graph.counts), len(graph.nodes) + 2)
    assert stats == f"{len(graph.nodes)} nodes, {edges}/{edges} transitions shown"
