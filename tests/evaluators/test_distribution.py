"""Embedding and score-distribution evaluators: identical sets ~0, shifted sets larger, KL >= 0,
shrinkage warnings, seeding and batching."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdialog import Dialog, Turn
from sdialog.evaluators import (
    FrechetBERTDistanceEvaluator,
    FrechetDistanceEvaluator,
    KDEDistanceEvaluator,
    PrecisionRecallDistanceEvaluator,
    ReferenceCentroidEmbeddingEvaluator,
    SentenceTransformerDialogEmbedder,
    TurnLength,
    WassersteinDistanceEvaluator,
)
from sdialog.evaluators.distribution import kde_on_grid
from sdialog.evaluators.embedding import frechet_distance
from tests.evaluators.embedders import HashEmbedder

SHOP = [
    "Do you sell fresh bread?",
    "Yes, baked this morning.",
    "Two loaves please.",
    "That will be four euros.",
    "Here you go.",
    "Thank you, goodbye!",
]
SPACE = [
    "The rocket engine ignited.",
    "Orbital insertion confirmed.",
    "Telemetry nominal.",
    "Deploying the solar arrays.",
    "Docking port aligned.",
    "Mission control copies.",
]


def corpus(lines: list[str], n: int, offset: int = 0) -> list[Dialog]:
    return [
        Dialog(
            turns=[
                Turn("A" if j % 2 == 0 else "B", f"{lines[(i + j) % 6]} {i + offset}")
                for j in range(4)
            ]
        )
        for i in range(n)
    ]


def lengths(*ns: int) -> list[Dialog]:
    return [Dialog(turns=[Turn("A", " ".join(["w"] * n))]) for n in ns]


def test_dialog_embedder_batches_all_turns_of_all_dialogs():
    model = HashEmbedder()
    embedder = SentenceTransformerDialogEmbedder(model)
    dialogs = [*corpus(SHOP, 5), Dialog()]
    vectors = embedder.embed(dialogs)
    assert model.calls == [len({t.text for d in dialogs for t in d.turns})]  # one deduped pass
    assert vectors.shape == (6, 32) and not vectors[-1].any()
    rows = embedder.embed([dialogs[0]])[0]
    assert np.allclose(vectors[0], rows, atol=1e-6)  # a dialog's vector does not depend on batch
    turns = SentenceTransformerDialogEmbedder(model, mode="text").embed(dialogs[:2])
    assert turns.shape == (2, 32)
    with pytest.raises(ValueError, match="mode"):
        SentenceTransformerDialogEmbedder(mode="max")


def test_default_model_embeds_in_one_encode_call(monkeypatch):
    """The real all-MiniLM-L6-v2: one encode call for every turn of every dialog."""
    from sdialog.embeddings import default_embedder

    model = default_embedder()
    calls = []
    original = model.encode
    monkeypatch.setattr(
        model, "encode", lambda texts, **kw: calls.append(len(texts)) or original(texts, **kw)
    )
    vectors = SentenceTransformerDialogEmbedder().embed(corpus(SHOP, 4))
    assert calls == [16] and vectors.shape == (4, 384)


def test_centroid_similarity():
    embedder = SentenceTransformerDialogEmbedder(HashEmbedder())
    evaluator = ReferenceCentroidEmbeddingEvaluator(embedder, corpus(SHOP, 8))
    assert evaluator(corpus(SHOP, 8)) == pytest.approx(1.0)
    assert evaluator(corpus(SPACE, 8)) < evaluator(corpus(SHOP, 8, offset=50)) <= 1.0
    with pytest.raises(ValueError, match="reference"):
        ReferenceCentroidEmbeddingEvaluator(embedder)


def test_frechet_bert_distance():
    model = HashEmbedder(dim=8)
    ref = corpus(SHOP, 30)
    fbd = FrechetBERTDistanceEvaluator(ref, model=model)
    assert fbd(ref) == pytest.approx(0.0, abs=1e-6)
    assert fbd(corpus(SPACE, 30)) > fbd(corpus(SHOP, 30, offset=100)) > 0
    assert frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), 4 * np.eye(3)) == pytest.approx(
        3.0
    )


def test_frechet_bert_distance_warns_when_samples_are_fewer_than_dimensions():
    with pytest.warns(UserWarning, match="samples for 32 dimensions"):
        FrechetBERTDistanceEvaluator(corpus(SHOP, 3), model=HashEmbedder())  # 9 pairs, 32 dims


def test_precision_recall_distance_is_seeded():
    ref = corpus(SHOP, 20)
    make = lambda seed: PrecisionRecallDistanceEvaluator(  # noqa: E731
        ref, model=HashEmbedder(), num_clusters=5, num_runs=3, seed=seed, output="all"
    )
    same, other = corpus(SHOP, 20, offset=7), corpus(SPACE, 20)
    assert make(0)(same) == make(0)(same)
    matching, far = make(0)(same), make(0)(other)
    name = "precision-recall-distance"
    assert set(matching) == {name, f"{name}-f8", f"{name}-f1/8"}
    assert far[name] < matching[name] <= 1.0
    assert make(0)(ref)[name] == pytest.approx(1.0)


def test_score_distributions_identical_vs_shifted():
    ref = lengths(3, 4, 5, 5, 6, 7)
    near, far = lengths(3, 4, 5, 6, 6, 7), lengths(13, 14, 15, 15, 16, 17)
    for evaluator in (
        KDEDistanceEvaluator(TurnLength(), ref),
        KDEDistanceEvaluator(TurnLength(), ref, metric="js"),
        KDEDistanceEvaluator(TurnLength(), ref, metric="cs"),
        FrechetDistanceEvaluator(TurnLength(), ref),
        WassersteinDistanceEvaluator(TurnLength(), ref),
    ):
        assert evaluator(ref) == pytest.approx(0.0, abs=1e-9), evaluator.name
        assert 0 < evaluator(near) < evaluator(far), evaluator.name
    assert WassersteinDistanceEvaluator(TurnLength(), ref)(far) == pytest.approx(10.0)
    assert FrechetDistanceEvaluator(TurnLength(), ref)(far) == pytest.approx(10.0)
    both = KDEDistanceEvaluator(TurnLength(), ref, metric="all")(far)
    assert set(both) == {"kl-turn-length", "js-turn-length", "cs-turn-length"}
    assert both["js-turn-length"] <= np.log(2) + 1e-9


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-50, 50), min_size=1, max_size=20),
    st.lists(st.floats(-50, 50), min_size=1, max_size=20),
)
def test_kl_is_never_negative(reference, candidate):
    """PITFALLS: the reference toolkit's KDE-based KL can come out negative."""
    evaluator = KDEDistanceEvaluator.__new__(KDEDistanceEvaluator)
    evaluator.metric, evaluator.bandwidth, evaluator.score = "kl", None, TurnLength()
    evaluator.reference_scores = np.array(reference)
    assert evaluator.compute(candidate) >= 0.0
    _, densities = kde_on_grid([np.array(reference), np.array(candidate)])
    assert all(p.sum() == pytest.approx(1.0) for p in densities)
    # the padded grid leaves (almost) no mass at its edges
    assert all(p[0] < 1e-3 and p[-1] < 1e-3 for p in densities)


def test_score_distributions_need_number_scores_and_reference():
    from sdialog.evaluators import ConversationalFeatures

    with pytest.raises(TypeError, match="number-valued"):
        KDEDistanceEvaluator(ConversationalFeatures(), lengths(1, 2))
    with pytest.raises(ValueError, match="reference"):
        FrechetDistanceEvaluator(TurnLength(), None)
    with pytest.raises(ValueError, match="unknown metric"):
        KDEDistanceEvaluator(TurnLength(), lengths(1, 2), metric="hellinger")
