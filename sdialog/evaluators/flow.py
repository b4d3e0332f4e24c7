"""Dialog-flow graphs built from reference dialogs, and flow scores of candidate dialogs.

:meth:`DialogFlowGraph.build` embeds every turn of the reference dialogs in one batched pass
(:mod:`sdialog.embeddings`), clusters the utterances of each speaker *role* with seeded k-means
(one node per cluster), and counts the transitions between consecutive turns' nodes, from a
``[START]`` node and to an ``[END]`` node. Roles come from an explicit mapping: ``roles=``
(speaker → role), or ``system_speaker=`` (that speaker is ``"system"``, everyone else
``"user"``); with neither, each speaker name is its own role.

Transition probabilities are add-α smoothed over every possible successor (all nodes and
``[END]``): P(b | a) = (c(a, b) + α) / (c(a) + α·K). A candidate dialog is scored by mapping each
turn to the nearest node (cosine) of its role and summing log P over its transitions, the one
into ``[END]`` included, so scores stay finite and exact for any length:

- :class:`DialogFlowPPL`: perplexity, exp(−(1/T) Σ log P) (lower fits the reference better);
- :class:`DialogFlowScore`: geometric-mean transition probability, exp((1/T) Σ log P) = 1/PPL.

:meth:`DialogFlowGraph.happy_path` is the widest START→END path (maximum bottleneck
probability). Export with ``to_json`` / ``to_graphml`` / ``to_html`` (:mod:`.flow_export`).

Example:
    >>> from sdialog import Dialog, Turn
    >>> ref = [Dialog(turns=[Turn("Bot", "Hello! How can I help?"),
    ...                      Turn("User", "My card is lost."),
    ...                      Turn("Bot", "I blocked the card.")])] * 4
    >>> graph = DialogFlowGraph.build(ref, system_speaker="Bot", n_clusters=2, seed=0)
    >>> graph.happy_path()[0], graph.happy_path()[-1], len(graph.happy_path())
    ('[START]', '[END]', 5)
    >>> round(DialogFlowPPL(graph)(ref[0]), 3)
    1.073
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from sdialog._extras import needs_extra
from sdialog.evaluators.base import DialogScore
from sdialog.evaluators.dataset import load_dialogs
from sdialog.evaluators.embedding import _model_name, embed_texts

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from sdialog.dialog import Dialog

__all__ = ["END", "START", "DialogFlowGraph", "DialogFlowPPL", "DialogFlowScore", "FlowNode"]

START = "[START]"
END = "[END]"


@dataclass
class FlowNode:
    """One cluster of utterances of one role: ``label`` is the utterance nearest the centroid,
    ``position`` the mean relative place of its turns in their dialogs (0 = start, 1 = end)."""

    id: str
    role: str
    size: int
    label: str
    examples: list[str] = field(default_factory=list)
    position: float = 0.5
    centroid: Any = None


class DialogFlowGraph:
    """A dialog-flow graph: nodes, transition counts and the role mapping (see the module
    docstring). Build one with :meth:`build`, load one with :meth:`from_json`."""

    def __init__(
        self,
        nodes: Sequence[FlowNode],
        counts: Mapping[tuple[str, str], int],
        roles: Mapping[str, str] | None = None,
        system_speaker: str | None = None,
        smoothing: float = 0.1,
        model: Any = None,
        seed: int = 0,
    ):
        if smoothing <= 0:
            raise ValueError("smoothing must be > 0 so that unseen transitions stay possible")
        self.nodes = {node.id: node for node in nodes}
        self.counts = {pair: int(c) for pair, c in counts.items() if c}
        self.roles = dict(roles) if roles else None
        self.system_speaker = system_speaker
        self.smoothing, self.model, self.seed = smoothing, model, seed
        self._out: dict[str, int] = {}
        self._successors: dict[str, list[tuple[str, int]]] = {}
        for (source, target), c in sorted(self.counts.items()):
            self._out[source] = self._out.get(source, 0) + c
            self._successors.setdefault(source, []).append((target, c))
        self._centroids: dict[str, tuple[list[str], Any]] = {}

    # ----------------------------------------------------------------------- building
    @classmethod
    def build(
        cls,
        reference: Any,
        roles: Mapping[str, str] | None = None,
        system_speaker: str | None = None,
        n_clusters: int | Mapping[str, int] | None = None,
        model: Any = None,
        smoothing: float = 0.1,
        seed: int = 0,
        examples: int = 5,
    ) -> DialogFlowGraph:
        """Build the graph from reference dialogs (a list or a path).

        ``n_clusters``: nodes per role (an int, or role → int); ``None`` picks
        round(√(utterances / 2)) per role, at least 1. Never more than the role's distinct
        utterances. ``model``: the sentence embedder (default all-MiniLM-L6-v2).
        """
        dialogs = load_dialogs(reference)
        probe = cls([], {}, roles, system_speaker, smoothing, model, seed)
        turns = [
            _Utterance(i, (j + 1) / (len(d.turns) + 1), probe.role_of(t.speaker), t.text)
            for i, d in enumerate(dialogs)
            for j, t in enumerate(d.turns)
        ]
        if not turns:
            raise ValueError("the reference dialogs have no turns to build a flow graph from")
        vectors = embed_texts([t.text for t in turns], model)
        assigned: list[str] = [""] * len(turns)
        nodes: list[FlowNode] = []
        for role in sorted({t.role for t in turns}):
            rows = [k for k, t in enumerate(turns) if t.role == role]
            wanted = n_clusters.get(role) if isinstance(n_clusters, Mapping) else n_clusters
            for node, members in _cluster(role, rows, turns, vectors, wanted, seed, examples):
                nodes.append(node)
                for m in members:
                    assigned[m] = node.id
        counts: dict[tuple[str, str], int] = {}
        for path in _paths(turns, assigned, len(dialogs)):
            for pair in itertools.pairwise(path):
                counts[pair] = counts.get(pair, 0) + 1
        return cls(nodes, counts, roles, system_speaker, smoothing, model, seed)

    def role_of(self, speaker: str | None) -> str:
        """The role of a speaker under this graph's mapping (see the module docstring)."""
        if self.roles is not None:
            if speaker in self.roles:
                return self.roles[speaker]
            folded = {k.casefold(): v for k, v in self.roles.items() if k is not None}
            if speaker is not None and speaker.casefold() in folded:
                return folded[speaker.casefold()]
            raise ValueError(
                f"speaker {speaker!r} has no role in roles={self.roles}; map every speaker"
            )
        if self.system_speaker is not None:
            same = speaker is not None and speaker.casefold() == self.system_speaker.casefold()
            return "system" if same else "user"
        return speaker if speaker is not None else "unknown"

    # ------------------------------------------------------------------------ scoring
    def probability(self, source: str, target: str) -> float:
        """Smoothed P(target | source): (c(a, b) + α) / (c(a) + α·K), K = nodes + 1 (END).

        Example:
            >>> g = DialogFlowGraph([FlowNode("u-0", "u", 1, "hi")], {(START, "u-0"): 1,
            ...                     ("u-0", END): 1}, smoothing=1.0)
            >>> g.probability(START, "u-0"), g.probability("u-0", "u-0")
            (0.6666666666666666, 0.3333333333333333)
        """
        k = len(self.nodes) + 1
        c = self.counts.get((source, target), 0)
        return (c + self.smoothing) / (self._out.get(source, 0) + self.smoothing * k)

    def _role_centroids(self, role: str) -> tuple[list[str], Any]:
        if role not in self._centroids:
            with needs_extra("eval"):
                import numpy as np

            ids = [n.id for n in self.nodes.values() if n.role == role]
            if not ids:
                known = sorted({n.role for n in self.nodes.values()})
                raise ValueError(f"role {role!r} has no node in the graph (roles: {known})")
            matrix = np.stack([np.asarray(self.nodes[i].centroid, dtype=np.float32) for i in ids])
            self._centroids[role] = (ids, matrix)
        return self._centroids[role]

    def assign(self, dialogs: Sequence[Dialog]) -> list[list[str]]:
        """The node of every turn (nearest centroid of its role), all dialogs embedded at once."""
        texts = [t.text for d in dialogs for t in d.turns]
        vectors = embed_texts(texts, self.model)
        out, k = [], 0
        for dialog in dialogs:
            path = []
            for turn in dialog.turns:
                ids, matrix = self._role_centroids(self.role_of(turn.speaker))
                path.append(ids[int((matrix @ vectors[k]).argmax())])
                k += 1
            out.append(path)
        return out

    def log_probabilities(self, dialogs: Sequence[Dialog]) -> list[list[float]]:
        """Per dialog, the natural-log probability of each transition START→…→END."""
        result = []
        for path in self.assign(dialogs):
            full = [START, *path, END]
            result.append([math.log(self.probability(a, b)) for a, b in itertools.pairwise(full)])
        return result

    # ---------------------------------------------------------------------- structure
    def happy_path(self) -> list[str]:
        """The widest START→END path: it maximises its smallest observed transition
        probability c(a, b)/c(a) (ties: the larger product). Empty when END is unreachable."""
        best: dict[str, tuple[float, float]] = {START: (1.0, 0.0)}
        previous: dict[str, str] = {}
        heap = [(-1.0, -0.0, START)]
        done: set[str] = set()
        while heap:
            width, log_p, node = heapq.heappop(heap)
            if node in done:
                continue
            done.add(node)
            if node == END:
                break
            for target, c in self._successors.get(node, []):
                if target in done:
                    continue
                p = c / self._out[node]
                candidate = (min(-width, p), -log_p + math.log(p))
                if target not in best or candidate > best[target]:
                    best[target] = candidate
                    previous[target] = node
                    heapq.heappush(heap, (-candidate[0], -candidate[1], target))
        if END not in previous:
            return []
        path = [END]
        while path[-1] != START:
            path.append(previous[path[-1]])
        return path[::-1]

    def edges(self) -> list[dict[str, Any]]:
        """Observed transitions: source, target, count, probability c(a, b)/c(a)."""
        return [
            {"source": a, "target": b, "count": c, "probability": c / self._out[a]}
            for (a, b), c in sorted(self.counts.items())
        ]

    def fingerprint(self) -> str:
        """A short hash of the graph's content (nodes, centroids, counts, settings)."""
        from sdialog.evaluators.flow_export import graph_dict

        text = json.dumps(graph_dict(self, centroids=True), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # ------------------------------------------------------------------------- export
    def to_json(self, path: Any = None, centroids: bool = True) -> str:
        """The graph as JSON (written to ``path`` when given); :meth:`from_json` reads it."""
        from sdialog.evaluators.flow_export import to_json

        return to_json(self, path, centroids)

    @classmethod
    def from_json(cls, source: Any, model: Any = None) -> DialogFlowGraph:
        """Load a graph written by :meth:`to_json` (a path or a JSON string)."""
        from sdialog.evaluators.flow_export import from_json

        return from_json(cls, source, model)

    def to_networkx(self) -> Any:
        """A ``networkx.DiGraph`` with node and edge attributes (no centroids)."""
        from sdialog.evaluators.flow_export import to_networkx

        return to_networkx(self)

    def to_graphml(self, path: Any) -> None:
        """Write GraphML (via networkx) for Gephi, Cytoscape, yEd, ..."""
        from sdialog.evaluators.flow_export import to_graphml

        to_graphml(self, path)

    def to_html(self, path: Any = None, title: str = "Dialog flow") -> str:
        """A standalone interactive HTML view (inline SVG + JavaScript, no network needed)."""
        from sdialog.evaluators.flow_export import to_html

        return to_html(self, path, title)

    def __repr__(self) -> str:
        roles = sorted({n.role for n in self.nodes.values()})
        return f"DialogFlowGraph(nodes={len(self.nodes)}, edges={len(self.counts)}, roles={roles})"


@dataclass(frozen=True)
class _Utterance:
    dialog: int  # index of its dialog
    position: float  # (turn index + 1) / (turns + 1)
    role: str
    text: str


def _cluster(
    role: str,
    rows: list[int],
    turns: list[_Utterance],
    vectors: np.ndarray,
    wanted: int | None,
    seed: int,
    examples: int,
) -> list[tuple[FlowNode, list[int]]]:
    """The nodes of one role (largest cluster first) with the utterance rows of each."""
    with needs_extra("eval"):
        import numpy as np
        from sklearn.cluster import KMeans

    k = max(1, round(math.sqrt(len(rows) / 2)) if wanted is None else int(wanted))
    k = min(k, len({turns[r].text for r in rows}))
    labels = np.zeros(len(rows), dtype=int)
    if k > 1:
        labels = KMeans(k, n_init=10, random_state=seed).fit_predict(vectors[rows])
    sizes = np.bincount(labels, minlength=k)
    first = [int(np.argmax(labels == c)) for c in range(k)]
    result = []
    for rank, cluster in enumerate(sorted(range(k), key=lambda c: (-sizes[c], first[c]))):
        members = [rows[m] for m in np.flatnonzero(labels == cluster)]
        centroid = vectors[members].mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        nearest = np.argsort(-(vectors[members] @ centroid), kind="stable")
        distinct = list(dict.fromkeys(turns[members[m]].text for m in nearest))
        position = float(np.mean([turns[m].position for m in members]))
        node = FlowNode(
            f"{role}-{rank}",
            role,
            len(members),
            distinct[0],
            distinct[:examples],
            position,
            centroid.astype(np.float32),
        )
        result.append((node, members))
    return result


def _paths(turns: list[_Utterance], assigned: list[str], n_dialogs: int) -> list[list[str]]:
    paths: list[list[str]] = [[START] for _ in range(n_dialogs)]
    for turn, node in zip(turns, assigned, strict=True):
        paths[turn.dialog].append(node)
    return [[*path, END] for path in paths]


class _FlowScore(DialogScore):
    """Base of the flow scores: a graph (or the reference to build one from) and its scoring."""

    def __init__(
        self,
        reference: Any,
        roles: Mapping[str, str] | None = None,
        system_speaker: str | None = None,
        n_clusters: int | Mapping[str, int] | None = None,
        model: Any = None,
        smoothing: float = 0.1,
        seed: int = 0,
    ):
        if isinstance(reference, DialogFlowGraph):
            self.graph = reference
        else:
            self.graph = DialogFlowGraph.build(
                reference, roles, system_speaker, n_clusters, model, smoothing, seed
            )

    def mean_log_probability(self, dialogs: Sequence[Dialog]) -> list[float]:
        """Per dialog, (1/T) Σ log P over its T transitions (END included)."""
        return [sum(lp) / len(lp) for lp in self.graph.log_probabilities(list(dialogs))]

    def score(self, dialog: Dialog) -> float:
        return self.score_batch([dialog])[0]

    def config(self) -> dict[str, Any]:
        config = super().config()
        graph = self.graph
        config["settings"] = {"graph": graph.fingerprint(), "model": _model_name(graph.model)}
        return config


class DialogFlowPPL(_FlowScore):
    """Flow perplexity of a dialog against the reference graph: exp(−(1/T) Σ log P(transition))
    over its T = turns + 1 transitions (END included); 1 is a perfect fit, lower is better.
    ``reference``: dialogs, a path, or a :class:`DialogFlowGraph`; the other arguments are those
    of :meth:`DialogFlowGraph.build`. ``batch`` embeds all turns of all dialogs in one pass.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> ref = [Dialog(turns=[Turn("A", "Hi"), Turn("B", "Hello")])] * 3
        >>> DialogFlowPPL(ref, n_clusters=1)(ref[0]) < 1.2
        True
    """

    name: ClassVar[str] = "flow-ppl"

    def score_batch(self, dialogs: Sequence[Dialog]) -> list[float]:
        return [math.exp(-m) for m in self.mean_log_probability(dialogs)]


class DialogFlowScore(_FlowScore):
    """Flow score: the geometric mean of the dialog's transition probabilities under the
    reference graph, exp((1/T) Σ log P) (= 1 / :class:`DialogFlowPPL`); in (0, 1], higher is
    better. Computed in log space: long dialogs do not underflow.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> ref = [Dialog(turns=[Turn("A", "Hi"), Turn("B", "Hello")])] * 3
        >>> DialogFlowScore(ref, n_clusters=1)(ref[0]) > 0.8
        True
    """

    name: ClassVar[str] = "flow-score"

    def score_batch(self, dialogs: Sequence[Dialog]) -> list[float]:
        return [math.exp(m) for m in self.mean_log_probability(dialogs)]
