"""Sentence embeddings of dialogs, and dataset evaluators that compare embedding distributions.

- :class:`SentenceTransformerDialogEmbedder` — one vector per dialog: the mean of its turn
  embeddings (default) or the embedding of its whole text. All turns of all dialogs are encoded
  in **one** batched pass (the reference toolkit encodes turn by turn).
- :class:`ReferenceCentroidEmbeddingEvaluator` — cosine similarity of the candidate and
  reference centroids (1 = same direction).
- :class:`FrechetBERTDistanceEvaluator` — Fréchet distance between Gaussians fitted to
  utterance-pair embeddings (Xiang et al. 2021), with Ledoit–Wolf shrinkage covariances.
- :class:`PrecisionRecallDistanceEvaluator` — precision/recall for distributions (Sajjadi et al.
  2018) over k-means clusters of utterance-pair embeddings; seeded.

The default model is all-MiniLM-L6-v2 from :mod:`sdialog.embeddings` (offline). Texts are
de-duplicated before encoding; within :func:`shared_embeddings` (the Comparator opens one),
evaluators that embed the same texts with the same model encode them once.

Example:
    >>> from sdialog import Dialog, Turn
    >>> embedder = SentenceTransformerDialogEmbedder()
    >>> dialogs = [Dialog(turns=[Turn("A", "Hi"), Turn("B", "Hello")]), Dialog()]
    >>> embedder.embed(dialogs).shape
    (2, 384)
"""

from __future__ import annotations

import contextvars
import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import pairwise
from typing import TYPE_CHECKING, Any, ClassVar

from sdialog._extras import needs_extra
from sdialog.evaluators.dataset import DatasetEvaluator, load_dialogs
from sdialog.evaluators.text import Speakers, select_turns

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from sdialog.dialog import Dialog

__all__ = [
    "FrechetBERTDistanceEvaluator",
    "PrecisionRecallDistanceEvaluator",
    "ReferenceCentroidEmbeddingEvaluator",
    "SentenceTransformerDialogEmbedder",
    "embed_texts",
    "frechet_distance",
    "shared_embeddings",
]

_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("_MEMO", default=None)


@contextmanager
def shared_embeddings() -> Iterator[None]:
    """Within this block, a text embedded once with a model is not encoded again.

    Example:
        >>> with shared_embeddings():
        ...     first = embed_texts(["same text"])
        ...     again = embed_texts(["same text", "other"])  # encodes only "other"
        >>> bool((first[0] == again[0]).all())
        True
    """
    token = _MEMO.set({}) if _MEMO.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _MEMO.reset(token)


def _model_key(model: Any) -> Any:
    if model is None:
        return "default"
    if isinstance(model, (str, os.PathLike)):
        return os.path.abspath(os.fspath(model))
    return id(model)


def embed_texts(texts: Sequence[str], model: Any = None, batch_size: int = 64) -> np.ndarray:
    """Embed ``texts`` in one :func:`sdialog.embeddings.embed` call (unit rows, float32),
    encoding each distinct text once.

    Example:
        >>> embed_texts(["okay", "okay", "fine"]).shape
        (3, 384)
    """
    with needs_extra("eval"):
        import numpy as np

        from sdialog.embeddings import embed

    memo = _MEMO.get()
    known = {} if memo is None else memo.setdefault(_model_key(model), {})
    todo = [t for t in dict.fromkeys(texts) if t not in known]
    vectors = embed(todo, model=model, batch_size=batch_size)
    if not texts:
        return vectors
    known.update(zip(todo, vectors, strict=True))
    return np.stack([known[t] for t in texts])


def _model_name(model: Any) -> str:
    if model is None:
        return "all-MiniLM-L6-v2"
    if isinstance(model, (str, os.PathLike)):
        return os.path.basename(os.path.normpath(os.fspath(model)))
    return type(model).__name__


class SentenceTransformerDialogEmbedder:
    """Dialog embeddings from a sentence-transformers model.

    ``model``: ``None`` (the offline all-MiniLM-L6-v2), a local model folder, or any object with
    ``encode(texts)``. ``mode="mean"``: the mean of the (unit) turn embeddings; ``"text"``: the
    embedding of the turn texts joined by newlines (the model truncates long inputs: 256 word
    pieces for MiniLM). ``speaker`` keeps one speaker's turns. A dialog with no turn gets a zero
    vector. :meth:`embed` encodes all turns of all dialogs in one pass.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> e = SentenceTransformerDialogEmbedder(mode="text")
        >>> e(Dialog(turns=[Turn("A", "Hi")])).shape, e.name
        ((384,), 'all-MiniLM-L6-v2-text')
    """

    def __init__(
        self,
        model: Any = None,
        mode: str = "mean",
        speaker: Speakers = None,
        batch_size: int = 64,
        *,
        model_name: Any = None,
        mean: bool | None = None,
    ):
        # SDialog's names: model_name= (a model folder here; nothing is downloaded) and
        # mean=True/False (mode "mean"/"text")
        if model_name is not None:
            if model is not None:
                raise ValueError("give model or model_name, not both")
            model = model_name
        if mean is not None:
            mode = "mean" if mean else "text"
        if mode not in ("mean", "text"):
            raise ValueError(f"unknown mode {mode!r}; expected 'mean' or 'text'")
        self.model, self.mode, self.speaker, self.batch_size = model, mode, speaker, batch_size

    @property
    def name(self) -> str:
        return f"{_model_name(self.model)}-{self.mode}"

    def embed(self, dialogs: Sequence[Dialog] | Dialog) -> np.ndarray:
        """An ``(len(dialogs), d)`` float32 array, one row per dialog (for one Dialog, as in
        SDialog: its ``(d,)`` vector)."""
        with needs_extra("eval"):
            import numpy as np

        from sdialog.dialog import Dialog

        if isinstance(dialogs, Dialog):
            return self.embed([dialogs])[0]
        texts = [[t.text for t in select_turns(d, self.speaker)] for d in dialogs]
        if self.mode == "text":
            joined = ["\n".join(ts) for ts in texts]
            vectors = embed_texts([j for j in joined if j], self.model, self.batch_size)
            out = np.zeros((len(dialogs), vectors.shape[1]), dtype=np.float32)
            out[[i for i, j in enumerate(joined) if j]] = vectors
            return out
        flat = [t for ts in texts for t in ts]
        vectors = embed_texts(flat, self.model, self.batch_size)
        out = np.zeros((len(dialogs), vectors.shape[1]), dtype=np.float32)
        sizes = np.array([len(ts) for ts in texts])
        if flat:
            owner = np.repeat(np.arange(len(dialogs)), sizes)
            np.add.at(out, owner, vectors)
            out /= np.maximum(sizes, 1)[:, None]
        return out

    def __call__(self, dialog: Dialog) -> np.ndarray:
        return self.embed([dialog])[0]

    def __repr__(self) -> str:
        return f"SentenceTransformerDialogEmbedder(model={self.name!r}, speaker={self.speaker!r})"


class ReferenceCentroidEmbeddingEvaluator(DatasetEvaluator):
    """Cosine similarity between the mean candidate embedding and the mean reference
    embedding: cos(μ_cand, μ_ref) = μ_cand·μ_ref / (‖μ_cand‖ ‖μ_ref‖); 1 means the same
    direction (0 when a centroid is zero).

    Example:
        >>> from sdialog import Dialog, Turn
        >>> ref = [Dialog(turns=[Turn("A", "Your order has shipped.")])]
        >>> ev = ReferenceCentroidEmbeddingEvaluator(SentenceTransformerDialogEmbedder(), ref)
        >>> round(ev(ref), 4)
        1.0
    """

    def __init__(
        self,
        embedder: SentenceTransformerDialogEmbedder | None = None,
        reference: Any = None,
        name: str | None = None,
    ):
        if reference is None:
            raise ValueError("ReferenceCentroidEmbeddingEvaluator needs reference dialogs")
        self.embedder = embedder or SentenceTransformerDialogEmbedder()
        self.name = name or "centroid-similarity"
        self.reference_vectors = self.embedder.embed(load_dialogs(reference))
        self.reference_centroid = self.reference_vectors.mean(axis=0)

    def prepare(self, dialogs: list[Dialog]) -> list[Any]:
        return list(self.embedder.embed(dialogs))

    def compute(self, items: list[Any]) -> float:
        with needs_extra("eval"):
            import numpy as np

        centroid = np.mean(items, axis=0)
        norm = float(np.linalg.norm(centroid) * np.linalg.norm(self.reference_centroid))
        return float(centroid @ self.reference_centroid / norm) if norm else 0.0

    def plot(self, figure: Any, items: dict[str, list[Any]], table: Any) -> bool:
        from sdialog.evaluators import plots

        plots.scatter(figure, items, self.reference_vectors, f"{self.embedder.name} embeddings")
        return True


def _pair_texts(dialog: Dialog, speaker: Speakers) -> list[str]:
    """``"previous turn\\nturn"`` for every turn after the first (that ``speaker`` says)."""
    turns = dialog.turns
    chosen = {id(t) for t in select_turns(dialog, speaker)}
    return [f"{a.text}\n{b.text}" for a, b in pairwise(turns) if id(b) in chosen]


class _PairEmbeddings(DatasetEvaluator):
    """Items are the ``(k, d)`` utterance-pair embeddings of each dialog (``None`` if k = 0)."""

    def __init__(self, reference: Any, model: Any, speaker: Speakers, batch_size: int):
        self.model, self.speaker, self.batch_size = model, speaker, batch_size
        items = [i for i in self.prepare(load_dialogs(reference)) if i is not None]
        if not items:
            raise ValueError(f"{type(self).__name__}: the reference has no utterance pair")
        with needs_extra("eval"):
            import numpy as np

        self.reference_vectors = np.vstack(items)

    def prepare(self, dialogs: list[Dialog]) -> list[Any]:
        pairs = [_pair_texts(d, self.speaker) for d in dialogs]
        vectors = embed_texts([p for ps in pairs for p in ps], self.model, self.batch_size)
        items, start = [], 0
        for ps in pairs:
            items.append(vectors[start : start + len(ps)] if ps else None)
            start += len(ps)
        return items

    def plot(self, figure: Any, items: dict[str, list[Any]], table: Any) -> bool:
        with needs_extra("eval"):
            import numpy as np

        from sdialog.evaluators import plots

        stacked = {name: np.vstack(its) for name, its in items.items() if its}
        plots.scatter(figure, stacked, self.reference_vectors, f"{self.name}: pair embeddings")
        return True


def _gaussian(vectors: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean and Ledoit–Wolf shrinkage covariance; warns when samples < dimensions."""
    with needs_extra("eval"):
        from sklearn.covariance import LedoitWolf

    n, d = vectors.shape
    if n < d:
        warnings.warn(
            f"{name}: {n} samples for {d} dimensions; the covariance is estimated with "
            "Ledoit-Wolf shrinkage but distances stay noisy with so few samples",
            stacklevel=3,
        )
    if n < 2:
        raise ValueError(f"{name}: at least 2 samples are needed to fit a Gaussian, got {n}")
    vectors = vectors.astype("float64")
    return vectors.mean(axis=0), LedoitWolf().fit(vectors).covariance_


def _sqrtm_psd(sigma: Any) -> Any:
    """The symmetric square root of a positive semi-definite matrix."""
    with needs_extra("eval"):
        import numpy as np

    values, vectors = np.linalg.eigh(sigma)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(mu1: Any, sigma1: Any, mu2: Any, sigma2: Any, root1: Any = None) -> float:
    """Fréchet distance between two Gaussians:
    ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2 (Σ1^½ Σ2 Σ1^½)^½), computed in float64 with symmetric
    eigendecompositions (real, stable); never negative. ``root1`` may pass a precomputed Σ1^½.

    Example:
        >>> import numpy as np
        >>> frechet_distance(np.zeros(2), np.eye(2), np.ones(2), np.eye(2))
        2.0
    """
    with needs_extra("eval"):
        import numpy as np

    sigma1 = np.asarray(sigma1, dtype=np.float64)
    sigma2 = np.asarray(sigma2, dtype=np.float64)
    root1 = _sqrtm_psd(sigma1) if root1 is None else root1
    middle = np.linalg.eigvalsh(root1 @ sigma2 @ root1)
    trace_root = float(np.sqrt(np.clip(middle, 0, None)).sum())
    diff = np.asarray(mu1, dtype=np.float64) - np.asarray(mu2, dtype=np.float64)
    value = float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_root)
    return max(value, 0.0)


class FrechetBERTDistanceEvaluator(_PairEmbeddings):
    """Fréchet distance between the utterance-pair embeddings of the candidates and of the
    reference (FBD, Xiang et al. 2021, with a sentence-transformers encoder): each pair is
    ``"previous turn\\nturn"``; each set gets a Gaussian with a Ledoit–Wolf shrinkage covariance
    (a warning when samples < dimensions); see :func:`frechet_distance`. 0 for identical sets.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> ref = [Dialog(turns=[Turn("A", f"Order {i} shipped."), Turn("B", "Thanks!")])
        ...        for i in range(3)]
        >>> import warnings; warnings.simplefilter("ignore")
        >>> FrechetBERTDistanceEvaluator(ref)(ref) < 1e-4
        True
    """

    bootstrap_limit: ClassVar[int | None] = 50

    def __init__(
        self,
        reference: Any,
        model: Any = None,
        speaker: Speakers = None,
        name: str | None = None,
        batch_size: int = 64,
    ):
        self.name = name or "frechet-bert-distance"
        super().__init__(reference, model, speaker, batch_size)
        self.reference_mu, self.reference_sigma = _gaussian(self.reference_vectors, self.name)
        self._reference_root = _sqrtm_psd(self.reference_sigma)

    def compute(self, items: list[Any]) -> float:
        with needs_extra("eval"):
            import numpy as np
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):  # 384x384 algebra: threads only add contention
            mu, sigma = _gaussian(np.vstack(items), self.name)
            return frechet_distance(
                self.reference_mu, self.reference_sigma, mu, sigma, root1=self._reference_root
            )


class PrecisionRecallDistanceEvaluator(_PairEmbeddings):
    """Precision and recall for distributions (PRD, Sajjadi et al. 2018) of utterance-pair
    embeddings: candidates and reference (the larger set subsampled to the smaller's size) are
    clustered together with k-means (``num_clusters``, seeded); over ``num_angles`` slopes λ,
    α(λ) = Σ min(λ·p_ref, p_cand) and β(λ) = α(λ)/λ. The curve is averaged over ``num_runs``
    seeded runs. The value is the maximum F1 along the curve (1 for matching distributions);
    ``output="all"`` adds F8 (recall-like) and F1/8 (precision-like) as ``<name>-f8`` and
    ``<name>-f1/8``.

    Example:
        >>> from sdialog import Dialog, Turn
        >>> ref = [Dialog(turns=[Turn("A", f"Order {i} shipped."), Turn("B", "Thanks!")])
        ...        for i in range(6)]
        >>> round(PrecisionRecallDistanceEvaluator(ref, num_clusters=2)(ref), 6)
        1.0
    """

    bootstrap_limit: ClassVar[int | None] = 0

    def __init__(
        self,
        reference: Any,
        model: Any = None,
        speaker: Speakers = None,
        num_clusters: int = 20,
        num_angles: int = 1001,
        num_runs: int = 10,
        seed: int = 0,
        output: str = "f1",
        name: str | None = None,
        batch_size: int = 64,
    ):
        if output not in ("f1", "all"):
            raise ValueError(f"unknown output {output!r}; expected 'f1' or 'all'")
        self.name = name or "precision-recall-distance"
        self.num_clusters, self.num_angles, self.num_runs = num_clusters, num_angles, num_runs
        self.seed, self.output = seed, output
        super().__init__(reference, model, speaker, batch_size)

    def curve(self, items: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """``(precision, recall)`` arrays over the angles, averaged over the runs."""
        with needs_extra("eval"):
            import numpy as np
            from sklearn.cluster import KMeans

        candidates, reference = np.vstack(items), self.reference_vectors
        size = min(len(candidates), len(reference))
        k = min(self.num_clusters, 2 * size)
        slopes = np.tan(np.linspace(1e-10, np.pi / 2 - 1e-10, self.num_angles))
        precision = np.zeros(self.num_angles)
        recall = np.zeros(self.num_angles)
        for run in range(self.num_runs):
            rng = np.random.default_rng([self.seed, run])
            a = candidates[rng.choice(len(candidates), size, replace=False)]
            b = reference[rng.choice(len(reference), size, replace=False)]
            labels = KMeans(k, n_init=3, random_state=self.seed + run).fit_predict(
                np.vstack([a, b])
            )
            p_cand = np.bincount(labels[:size], minlength=k) / size
            p_ref = np.bincount(labels[size:], minlength=k) / size
            alpha = np.minimum(p_ref[None, :] * slopes[:, None], p_cand[None, :]).sum(axis=1)
            precision += np.clip(alpha, 0, 1)
            recall += np.clip(alpha / slopes, 0, 1)
        return precision / self.num_runs, recall / self.num_runs

    def compute(self, items: list[Any]) -> float | dict[str, float]:
        precision, recall = self.curve(items)
        f1 = _f_beta(precision, recall, 1.0).max()
        if self.output == "f1":
            return float(f1)
        return {
            self.name: float(f1),
            f"{self.name}-f8": float(_f_beta(precision, recall, 8.0).max()),
            f"{self.name}-f1/8": float(_f_beta(precision, recall, 1 / 8).max()),
        }

    def plot(self, figure: Any, items: dict[str, list[Any]], table: Any) -> bool:
        from sdialog.evaluators import plots

        curves = {name: self.curve(its)[::-1] for name, its in items.items() if its}
        plots.curves(figure, curves, "recall", "precision", f"{self.name} (PRD curves)")
        return True


def _f_beta(precision: np.ndarray, recall: np.ndarray, beta: float) -> np.ndarray:
    with needs_extra("eval"):
        import numpy as np

    denominator = beta**2 * precision + recall
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, (1 + beta**2) * precision * recall / safe, 0.0)
