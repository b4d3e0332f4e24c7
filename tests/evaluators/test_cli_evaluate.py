"""`sdialog evaluate` end to end on small folders of dialogs (real default embedder)."""

from __future__ import annotations

import json
from typing import ClassVar

import pandas as pd
import pytest
from typer.testing import CliRunner

import sdialog.evaluators
from sdialog import Dialog, Turn
from sdialog.cli import app
from sdialog.evaluators import DialogScore
from sdialog.evaluators.registry import METRICS, MetricContext, judge, resolve_metrics

AGENT = [
    "Hello, how can I help you?",
    "Can I have your order number?",
    "Your refund is on its way.",
]
USER = ["My parcel never arrived.", "Sure, it is 4711.", "Uh-huh.", "Great, thanks!"]


def write(folder, n: int, turns: int, start: int = 0) -> None:
    for i in range(start, start + n):
        lines = [
            Turn("Agent", AGENT[(i + j) % 3]) if j % 2 == 0 else Turn("User", USER[(i + j) % 4])
            for j in range(turns)
        ]
        Dialog(id=f"d{i}", turns=lines).to_file(folder / f"d{i}.json")


@pytest.fixture
def corpora(tmp_path):
    for name, turns in (("model-a", 6), ("model-b", 4), ("human", 6)):
        write(tmp_path / name, 8, turns, start=0 if name != "human" else 3)
    return tmp_path


def test_evaluate_writes_report_tables_and_plots(corpora):
    out = corpora / "report"
    result = CliRunner().invoke(
        app,
        [
            "evaluate",
            str(corpora / "model-a"),
            str(corpora / "model-b"),
            "--reference",
            str(corpora / "human"),
            "--metrics",
            "conversational-features,gunning-fog,stats:mean-turn-length,flow-ppl,"
            "kl:question-rate,centroid-similarity",
            "-o",
            str(out),
            "--n-boot",
            "50",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "results.csv")
    assert set(table["dataset"]) == {"model-a", "model-b"}
    assert {
        "mean-turn-length",
        "back-channel-rate",
        "gunning-fog",
        "mean-turn-length-std",
        "flow-ppl",
        "kl-question-rate",
        "centroid-similarity",
    } <= set(table["metric"])
    assert (table["n"] == 8).all()
    data = json.loads((out / "results.json").read_text())
    assert len(data["results"]) == len(table)
    report = (out / "report.md").read_text()
    assert "| model-a | " in report and "| flow-ppl |" in report and "![flow-ppl]" in report
    assert (out / "plots" / "flow-ppl.png").exists()
    b = table[(table.dataset == "model-b") & (table.metric == "mean-turn-length")].iloc[0]
    assert b["value"] > 0 and b["ci_low"] <= b["value"] <= b["ci_high"]


def test_evaluate_rejects_bad_input(corpora):
    runner = CliRunner()
    unknown = runner.invoke(app, ["evaluate", str(corpora / "model-a"), "--metrics", "nope"])
    assert unknown.exit_code == 2 and "unknown metric 'nope'" in unknown.output
    needs_ref = runner.invoke(app, ["evaluate", str(corpora / "model-a"), "--metrics", "flow-ppl"])
    assert needs_ref.exit_code == 2 and "needs reference dialogs" in needs_ref.output
    missing = runner.invoke(app, ["evaluate", str(corpora / "nowhere")])
    assert missing.exit_code == 2 and "no such dialog" in missing.output
    twice = runner.invoke(
        app,
        [
            "evaluate",
            str(corpora / "model-a"),
            "-m",
            "mtld,stats:mtld",
            "-o",
            str(corpora / "x"),
            "--n-boot",
            "0",
        ],
    )
    assert twice.exit_code == 0  # mtld and mtld-mean... are distinct metrics
    clash = runner.invoke(app, ["evaluate", str(corpora / "model-a"), "-m", "mtld,freq:mtld"])
    assert clash.exit_code == 2 and "produce the metric 'mtld'" in clash.output


class FakeJudge(DialogScore):
    """Stands in for an LLM judge exported by sdialog.evaluators: fails on one dialog."""

    name = "fake-judge"
    models: ClassVar[list] = []

    def __init__(self, model=None):
        FakeJudge.models.append(model)

    def score_batch(self, dialogs):
        return [None if d.id == "d0" else d.id != "d1" for d in dialogs]

    def score(self, dialog):
        return self.score_batch([dialog])[0]


def test_judge_metrics_are_looked_up_by_name(corpora, monkeypatch):
    monkeypatch.setattr(sdialog.evaluators, "FakeJudge", FakeJudge, raising=False)
    monkeypatch.setitem(METRICS, "fake-judge", judge("FakeJudge"))
    out = corpora / "judged"
    result = CliRunner().invoke(
        app,
        [
            "evaluate",
            str(corpora / "model-a"),
            "--metrics",
            "fake-judge",
            "--judge-model",
            "scripted:yes",
            "-o",
            str(out),
            "--no-plots",
        ],
    )
    assert result.exit_code == 0, result.output
    assert FakeJudge.models[-1] == "scripted:yes"
    report = (out / "report.md").read_text()
    assert "model-a / fake-judge: 1" in report  # the failed judgment is counted as missing


def test_registry_resolution():
    names = [e.name for e in resolve_metrics(["readability", "freq:question-rate"])]
    assert names == ["readability", "question-rate"]
    with pytest.raises(ValueError, match="not a per-dialog score"):
        resolve_metrics(["stats:centroid-similarity"], reference=[Dialog(turns=[Turn("A", "hi")])])
    with pytest.raises(ValueError, match="unknown prefix"):
        resolve_metrics(["median:question-rate"])
    with pytest.raises(ValueError, match="does not have"):
        judge("NoSuchJudgeClass")(MetricContext())
