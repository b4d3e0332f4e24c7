"""Dataset evaluators and the Comparator: batching, missing values, datasets from paths,
bootstrap intervals, exports and plots (no pyplot state, no rcParams change)."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest

from sdialog import Dialog, Turn
from sdialog.evaluators import (
    Comparator,
    DialogScore,
    FrechetDistanceEvaluator,
    FrequencyEvaluator,
    KDEDistanceEvaluator,
    MeanEvaluator,
    QuestionRate,
    ReadabilityScore,
    ReferenceCentroidEmbeddingEvaluator,
    SentenceTransformerDialogEmbedder,
    StatsEvaluator,
    TurnLength,
    load_dialogs,
)
from tests.evaluators.embedders import HashEmbedder


class Flaky(DialogScore):
    """Like a judge: scores in batches, fails (None) on dialogs whose first turn says "fail"."""

    name = "flaky"

    def __init__(self):
        self.batches: list[int] = []

    def score_batch(self, dialogs):
        self.batches.append(len(dialogs))
        return [None if d.turns[0].text == "fail" else len(d) for d in dialogs]

    def score(self, dialog):
        return self.score_batch([dialog])[0]


def sized(*ns: int) -> list[Dialog]:
    return [Dialog(turns=[Turn("A", "w " * n) for _ in range(2)]) for n in ns]


def test_score_evaluators_batch_once_and_count_missing():
    flaky = Flaky()
    dialogs = [Dialog(turns=[Turn("A", "fail")]), *sized(1, 2, 3)]
    assert MeanEvaluator(flaky)(dialogs) == pytest.approx(2.0)
    assert flaky.batches == [4]  # one batch: judges stay batched
    table = Comparator(MeanEvaluator(flaky), n_boot=50)({"d": dialogs})
    row = table.iloc[0]
    assert (row["n"], row["missing"], row["value"]) == (3, 1, 2.0)
    everything_failed = Comparator(MeanEvaluator(Flaky()))(
        {"d": [Dialog(turns=[Turn("A", "fail")])]}
    )
    assert (
        math.isnan(everything_failed.iloc[0]["value"]) and everything_failed.iloc[0]["missing"] == 1
    )


def test_stats_and_frequency():
    dialogs = sized(1, 2, 3, 10)
    stats = StatsEvaluator(TurnLength())(dialogs)
    assert stats == pytest.approx(
        {
            "turn-length-mean": 4.0,
            "turn-length-std": math.sqrt(12.5),
            "turn-length-min": 1.0,
            "turn-length-max": 10.0,
            "turn-length-median": 2.5,
        }
    )
    assert StatsEvaluator(TurnLength(), stat="median")(dialogs) == 2.5
    questions = [Dialog(turns=[Turn("A", "ok?")]), Dialog(turns=[Turn("A", "ok")])] * 2
    assert FrequencyEvaluator(QuestionRate())(questions) == 0.5
    with pytest.raises(ValueError, match="unknown stat"):
        StatsEvaluator(TurnLength(), stat="mode")
    with pytest.raises(TypeError, match="DialogScore"):
        MeanEvaluator(len)


def test_datasets_given_as_paths_are_loaded_not_iterated(tmp_path):
    """PITFALLS: candidate datasets given as paths were iterated character by character."""
    folder = tmp_path / "corpus"
    for i, d in enumerate(sized(1, 2, 3)):
        d.to_file(folder / f"d{i}.json")
    Dialog.to_jsonl(sized(4, 5), tmp_path / "more.jsonl")
    assert len(load_dialogs(folder)) == 3 and len(load_dialogs(str(tmp_path / "more.jsonl"))) == 2
    table = Comparator(MeanEvaluator(TurnLength()), n_boot=0)(
        {"folder": str(folder), "file": tmp_path / "more.jsonl"}
    )
    assert table["n"].tolist() == [3, 2]
    assert table["value"].tolist() == [2.0, 4.5]
    with pytest.raises(FileNotFoundError, match="no such dialog"):
        load_dialogs(tmp_path / "missing")
    with pytest.raises(TypeError, match="Dialog objects"):
        load_dialogs(["not a dialog"])


def test_tidy_table_and_bootstrap_intervals():
    a, b = sized(*range(1, 30)), sized(*range(40, 60))
    evaluators = [MeanEvaluator(TurnLength()), MeanEvaluator(ReadabilityScore())]
    comparator = Comparator(evaluators, n_boot=300, seed=7)
    table = comparator({"a": a, "b": b})
    assert list(table.columns) == [
        "dataset",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "n",
        "missing",
    ]
    assert len(table) == 2 * 6 and set(table["dataset"]) == {"a", "b"}
    row = table[(table.dataset == "a") & (table.metric == "turn-length")].iloc[0]
    assert row.value == pytest.approx(15.0) and row.ci_low < row.value < row.ci_high
    # seeded: the same intervals again, whatever the order of the datasets
    again = Comparator(evaluators, n_boot=300, seed=7)({"b": b, "a": a})
    merged = table.merge(again, on=["dataset", "metric"])
    assert (merged.ci_low_x == merged.ci_low_y).all()
    other_seed = Comparator(evaluators, n_boot=300, seed=8)({"a": a})
    assert other_seed.iloc[0].ci_low != row.ci_low or other_seed.iloc[0].ci_high != row.ci_high


def test_reference_evaluators_in_a_comparator():
    ref = sized(3, 4, 5, 6)
    embedder = SentenceTransformerDialogEmbedder(HashEmbedder())
    comparator = Comparator(
        [
            KDEDistanceEvaluator(TurnLength(), ref),
            FrechetDistanceEvaluator(TurnLength(), ref),
            ReferenceCentroidEmbeddingEvaluator(embedder, ref),
        ],
        n_boot=40,
    )
    table = comparator({"same": ref, "long": sized(20, 22, 24, 26)}).set_index(
        ["dataset", "metric"]
    )
    assert table.loc[("same", "kl-turn-length"), "value"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc[("long", "frechet-turn-length"), "value"] == pytest.approx(
        math.hypot(23 - 4.5, math.sqrt(5) - math.sqrt(1.25))
    )
    assert not math.isnan(table.loc[("long", "kl-turn-length"), "ci_low"])


def test_duplicate_metrics_and_bad_input():
    with pytest.raises(ValueError, match="produce the metric"):
        Comparator([MeanEvaluator(TurnLength()), MeanEvaluator(TurnLength())])({"a": sized(1)})
    Comparator([MeanEvaluator(TurnLength()), MeanEvaluator(TurnLength(), name="tl2")])(
        {"a": sized(1)}
    )
    with pytest.raises(TypeError, match="dataset evaluators"):
        Comparator([TurnLength()])
    with pytest.raises(RuntimeError, match="no results"):
        Comparator(MeanEvaluator(TurnLength())).to_csv()


def test_exports(tmp_path):
    comparator = Comparator([MeanEvaluator(TurnLength()), MeanEvaluator(QuestionRate())], n_boot=20)
    comparator({"a_1": sized(1, 2), "b": sized(3, 5)})
    markdown = comparator.to_markdown(tmp_path / "r.md", digits=2)
    assert markdown.splitlines()[:2] == ["| metric | a_1 | b |", "|---|---|---|"]
    row = r"^\| turn-length \| 1\.50 \[1\.00, \d\.\d\d\] \| 4\.00 \[\d\.\d\d, \d\.\d\d\] \|$"
    assert re.search(row, markdown, re.M)
    csv = pd.read_csv(tmp_path / "r.csv") if comparator.to_csv(tmp_path / "r.csv") else None
    assert csv is not None and len(csv) == 4 and csv.loc[0, "metric"] == "turn-length"
    data = json.loads(comparator.to_json(tmp_path / "r.json"))
    assert data["settings"]["n_boot"] == 20 and data["results"][0]["dataset"] == "a_1"
    latex = comparator.to_latex(tmp_path / "r.tex")
    assert "\\begin{tabular}{lrr}" in latex and "a\\_1" in latex
    assert (tmp_path / "r.md").read_text().startswith("| metric |")


def test_plots_are_written_without_global_state(tmp_path):
    """PITFALLS: importing evaluation mutated matplotlib settings and plotting popped up viewers."""
    import matplotlib

    before = dict(matplotlib.rcParams)
    backend = matplotlib.get_backend()
    ref = sized(2, 3, 4)
    comparator = Comparator(
        [
            MeanEvaluator(TurnLength()),
            StatsEvaluator(QuestionRate()),
            FrequencyEvaluator(QuestionRate(), name="asks"),
            KDEDistanceEvaluator(TurnLength(), ref),
            ReferenceCentroidEmbeddingEvaluator(
                SentenceTransformerDialogEmbedder(HashEmbedder()), ref
            ),
        ],
        n_boot=20,
    )
    comparator({"a": sized(1, 2, 3), "b": sized(4, 5, 6)})
    paths = comparator.plot(save_folder=tmp_path / "plots")
    assert len(paths) == 5
    for path in paths.values():
        assert path.exists() and path.read_bytes()[:4] == b"\x89PNG"
    figures = comparator.plot()
    assert all(type(f).__name__ == "Figure" for f in figures.values())
    assert dict(matplotlib.rcParams) == before and matplotlib.get_backend() == backend
    import sys

    if "matplotlib.pyplot" in sys.modules:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []
