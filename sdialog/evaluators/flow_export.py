"""Exports of a :class:`~sdialog.evaluators.flow.DialogFlowGraph`: JSON (round-trips, with the
centroids needed for scoring), networkx / GraphML, and a standalone interactive HTML view.

The HTML view is one file with inline SVG and JavaScript (no CDN, works offline): nodes are
placed left to right by their mean position in the reference dialogs and in one band per role,
sized by utterance count; edges are weighted by transition probability. Hover a node for its
examples, click it to highlight its transitions, hide rare edges with the slider, and show the
happy path alone with the checkbox.

Example:
    >>> from sdialog.evaluators.flow import DialogFlowGraph, FlowNode, START, END
    >>> g = DialogFlowGraph([FlowNode("u-0", "u", 2, "hi", ["hi"], 0.5, [1.0, 0.0])],
    ...                     {(START, "u-0"): 2, ("u-0", END): 2})
    >>> DialogFlowGraph.from_json(g.to_json()).counts == g.counts
    True
    >>> html = g.to_html()
    >>> "<svg" in html, "<script src" in html or "<link" in html
    (True, False)
"""

from __future__ import annotations

import itertools
import json
import os
from typing import TYPE_CHECKING, Any

from sdialog._extras import needs_extra
from sdialog.evaluators.dataset import save_text

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.evaluators.flow import DialogFlowGraph

__all__ = ["FORMAT", "from_json", "graph_dict", "to_graphml", "to_html", "to_json", "to_networkx"]

FORMAT = "sdialog-dialog-flow"
"""The ``format`` field of the JSON export (``version`` 1)."""


def graph_dict(graph: DialogFlowGraph, centroids: bool = True) -> dict[str, Any]:
    """The graph as a JSON-ready dict."""
    model = graph.model if graph.model is None or isinstance(graph.model, str) else None
    nodes = []
    for node in graph.nodes.values():
        item = {
            "id": node.id,
            "role": node.role,
            "size": node.size,
            "label": node.label,
            "examples": list(node.examples),
            "position": round(float(node.position), 6),
        }
        if centroids and node.centroid is not None:
            item["centroid"] = [round(float(x), 7) for x in node.centroid]
        nodes.append(item)
    return {
        "format": FORMAT,
        "version": 1,
        "roles": graph.roles,
        "system_speaker": graph.system_speaker,
        "smoothing": graph.smoothing,
        "seed": graph.seed,
        "model": model,
        "nodes": nodes,
        "edges": graph.edges(),
        "happy_path": graph.happy_path(),
    }


def to_json(graph: DialogFlowGraph, path: Any = None, centroids: bool = True) -> str:
    """JSON text of the graph (written to ``path`` when given)."""
    return save_text(json.dumps(graph_dict(graph, centroids), indent=1, ensure_ascii=False), path)


def from_json(cls: type[DialogFlowGraph], source: Any, model: Any = None) -> DialogFlowGraph:
    """Read a graph from a JSON path or string; ``model`` overrides the stored embedder."""
    from sdialog.evaluators.flow import FlowNode

    text = source if isinstance(source, str) and source.lstrip().startswith("{") else None
    if text is None:
        with open(os.fspath(source), encoding="utf-8") as f:
            text = f.read()
    data = json.loads(text)
    if data.get("format") != FORMAT:
        raise ValueError(f"not a dialog-flow graph (expected format {FORMAT!r})")
    nodes = [
        FlowNode(
            n["id"],
            n["role"],
            n["size"],
            n["label"],
            n.get("examples", []),
            n.get("position", 0.5),
            n.get("centroid"),
        )
        for n in data["nodes"]
    ]
    counts = {(e["source"], e["target"]): e["count"] for e in data["edges"]}
    return cls(
        nodes,
        counts,
        roles=data.get("roles"),
        system_speaker=data.get("system_speaker"),
        smoothing=data.get("smoothing", 0.1),
        model=model if model is not None else data.get("model"),
        seed=data.get("seed", 0),
    )


def to_networkx(graph: DialogFlowGraph) -> Any:
    """A ``networkx.DiGraph``: node attributes role, size, label, examples (newline-joined),
    position, happy; edge attributes count, probability, happy."""
    with needs_extra("eval"):
        import networkx as nx

    from sdialog.evaluators.flow import END, START

    happy = graph.happy_path()
    happy_edges = set(itertools.pairwise(happy))
    g = nx.DiGraph()
    for special, position in ((START, 0.0), (END, 1.0)):
        g.add_node(
            special,
            role="",
            size=0,
            label=special,
            examples="",
            position=position,
            happy=special in happy,
        )
    for node in graph.nodes.values():
        g.add_node(
            node.id,
            role=node.role,
            size=node.size,
            label=node.label,
            examples="\n".join(node.examples),
            position=float(node.position),
            happy=node.id in happy,
        )
    for edge in graph.edges():
        g.add_edge(
            edge["source"],
            edge["target"],
            count=edge["count"],
            probability=float(edge["probability"]),
            happy=(edge["source"], edge["target"]) in happy_edges,
        )
    return g


def to_graphml(graph: DialogFlowGraph, path: Any) -> None:
    """Write the graph as GraphML (via networkx)."""
    with needs_extra("eval"):
        import networkx as nx

    nx.write_graphml(to_networkx(graph), os.fspath(path))


def to_html(graph: DialogFlowGraph, path: Any = None, title: str = "Dialog flow") -> str:
    """A standalone, interactive HTML view of the graph (see the module docstring)."""
    data = graph_dict(graph, centroids=False)
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    html = _TEMPLATE.replace("__TITLE__", safe_title).replace("__DATA__", payload)
    return save_text(html, path)


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__</title>
<style>
body{font:14px system-ui,sans-serif;margin:0;color:#222}
header{padding:8px 14px;background:#f4f4f6;border-bottom:1px solid #ddd;display:flex;gap:18px;
align-items:center;flex-wrap:wrap}
h1{font-size:16px;margin:0}
svg{display:block;width:100%;height:calc(100vh - 46px);background:#fff}
.edge{fill:none;stroke:#7a8699}.edge.happy{stroke:#e8740c}.dim{opacity:.06!important}
.node circle{stroke:#fff;stroke-width:1.5}.node text{font-size:11px;pointer-events:none}
.node.sel circle{stroke:#000;stroke-width:3}
#tip{position:fixed;pointer-events:none;background:#fff;border:1px solid #bbb;padding:6px 8px;
max-width:360px;font-size:12px;box-shadow:0 2px 6px #0002;display:none}
#tip ul{margin:4px 0 0 16px;padding:0}
</style></head><body>
<header><h1>__TITLE__</h1>
<label>min. transition probability <input id="minp" type="range" min="0" max="1" step="0.01"
value="0.05"> <span id="minv">0.05</span></label>
<label><input id="happy" type="checkbox"> happy path only</label>
<span id="stats"></span></header>
<svg id="view" xmlns="http://www.w3.org/2000/svg"></svg><div id="tip"></div>
<script>
const G = __DATA__;
const NS = "http://www.w3.org/2000/svg", svg = document.getElementById("view");
const W = 1200, H = 700, M = 60;
svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
const roles = [...new Set(G.nodes.map(n => n.role))].sort();
const band = (H - 2 * M) / Math.max(roles.length, 1);
const pos = {"[START]": [M / 2, H / 2], "[END]": [W - M / 2, H / 2]};
roles.forEach((role, r) => {
  const members = G.nodes.filter(n => n.role === role).sort((a, b) => a.position - b.position);
  const lanes = Math.min(4, members.length);
  members.forEach((n, i) => {
    const lane = lanes > 1 ? (i % lanes) / (lanes - 1) : 0.5;
    pos[n.id] = [M + n.position * (W - 2 * M), M + band * r + band * (0.15 + 0.7 * lane)];
  });
});
const maxSize = Math.max(1, ...G.nodes.map(n => n.size));
const radius = n => n ? 5 + 16 * Math.sqrt(n.size / maxSize) : 9;
const byId = Object.fromEntries(G.nodes.map(n => [n.id, n]));
const happy = new Set(G.happy_path.slice(1).map((t, i) => G.happy_path[i] + "→" + t));
const color = role => `hsl(${(roles.indexOf(role) * 137) % 360},55%,55%)`;
const el = (tag, attrs, parent) => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  (parent || svg).appendChild(e); return e;
};
const defs = el("defs", {});
for (const [id, fill] of [["arrow", "#7a8699"], ["arrowh", "#e8740c"]]) {
  const m = el("marker", {id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6,
    markerHeight: 6, orient: "auto-start-reverse"}, defs);
  el("path", {d: "M0,0L10,5L0,10z", fill}, m);
}
const edges = G.edges.map(e => {
  const [x1, y1] = pos[e.source], [x2, y2] = pos[e.target];
  const key = e.source + "→" + e.target, isHappy = happy.has(key);
  let d;
  if (e.source === e.target) {
    d = `M${x1},${y1 - 8} C${x1 - 40},${y1 - 60} ${x1 + 40},${y1 - 60} ${x1},${y1 - 8}`;
  } else {
    const mx = (x1 + x2) / 2, my = (y1 + y2) / 2, bend = 0.18 * (x2 - x1 >= 0 ? 1 : -1);
    const r2 = radius(byId[e.target]) + 2, len = Math.hypot(x2 - x1, y2 - y1) || 1;
    d = `M${x1},${y1} Q${mx - bend * (y2 - y1)},${my + bend * (x2 - x1)} ` +
        `${x2 - (x2 - x1) * r2 / len},${y2 - (y2 - y1) * r2 / len}`;
  }
  const path = el("path", {d, class: "edge" + (isHappy ? " happy" : ""),
    "stroke-width": 0.6 + 5 * e.probability, "stroke-opacity": 0.25 + 0.7 * e.probability,
    "marker-end": `url(#${isHappy ? "arrowh" : "arrow"})`});
  const t = el("title", {}, path);
  t.textContent = `${e.source} → ${e.target}: p=${e.probability.toFixed(3)} (n=${e.count})`;
  return {e, path, isHappy};
});
const nodes = ["[START]", "[END]", ...G.nodes.map(n => n.id)].map(id => {
  const n = byId[id], [x, y] = pos[id];
  const g = el("g", {class: "node", transform: `translate(${x},${y})`});
  el("circle", {r: radius(n), fill: n ? color(n.role) : "#333"}, g);
  const label = el("text", {x: radius(n) + 3, y: 4}, g);
  label.textContent = n ? `${id}: ${n.label.slice(0, 28)}${n.label.length > 28 ? "…" : ""}` : id;
  return {id, g};
});
const tip = document.getElementById("tip");
const esc = s => s.replace(/[&<>]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;"}[c]));
let selected = null;
function render() {
  const minp = +document.getElementById("minp").value;
  const only = document.getElementById("happy").checked;
  document.getElementById("minv").textContent = minp.toFixed(2);
  let shown = 0;
  for (const {e, path, isHappy} of edges) {
    const visible = (only ? isHappy : e.probability >= minp || isHappy);
    const linked = !selected || e.source === selected || e.target === selected;
    path.style.display = visible ? "" : "none";
    path.classList.toggle("dim", !linked);
    shown += visible;
  }
  for (const {id, g} of nodes) g.classList.toggle("sel", id === selected);
  document.getElementById("stats").textContent =
    `${G.nodes.length} nodes, ${shown}/${G.edges.length} transitions shown`;
}
for (const {id, g} of nodes) {
  g.addEventListener("mousemove", ev => {
    const n = byId[id];
    tip.innerHTML = n ? `<b>${esc(id)}</b> (${esc(n.role)}, ${n.size} utterances)<ul>` +
      n.examples.map(x => `<li>${esc(x)}</li>`).join("") + "</ul>" : `<b>${esc(id)}</b>`;
    tip.style.display = "block"; tip.style.left = ev.clientX + 14 + "px";
    tip.style.top = ev.clientY + 10 + "px";
  });
  g.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  g.addEventListener("click", () => { selected = selected === id ? null : id; render(); });
}
document.getElementById("minp").addEventListener("input", render);
document.getElementById("happy").addEventListener("change", render);
render();
</script></body></html>
"""
