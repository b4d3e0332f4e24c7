"""Monitors during simulation (tiny model): per-turn scores on the saved dialog, MonitorScore in a
Comparator, plots; direction, probe and SAE-feature monitors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sdialog.agents import Agent
from sdialog.dialog import Dialog
from sdialog.interpretability import (
    SAE,
    Inspector,
    LinearProbe,
    Monitor,
    MonitorScore,
    monitor_series,
    plot_monitors,
)
from sdialog.llm import LocalBackend
from sdialog.simulation import simulate


@pytest.fixture
def direction():
    return torch.randn(64, generator=torch.Generator().manual_seed(11))


def _agents(*hooks):
    a = LocalBackend("huggingface:tiny", temperature=0.8, max_tokens=6, cache=False)
    b = LocalBackend("huggingface:tiny", temperature=0.8, max_tokens=6, cache=False)
    ana = Agent(name="Ana", model=a, first_utterance="Hello, how can I help?")
    return ana, Agent(name="Ben", model=b) | list(hooks)


def test_monitor_scores_every_turn_and_survive_saving(tiny_model, direction, tmp_path):
    capture = Inspector(1)  # the same replies captured, to check the recorded numbers
    watch = Inspector(1, capture=False, monitors=[Monitor("m", direction=direction)])
    ana, ben = _agents(watch, capture)
    dialogs = simulate(ana, ben, n=3, max_turns=5, seed=2)
    unit = direction / direction.norm()
    expected = iter(capture)
    for dialog in dialogs:
        series = monitor_series(dialog, "m")
        ben_turns = [i for i, t in enumerate(dialog.turns) if t.speaker == "Ben"]
        assert [t for t, _, _ in series] == ben_turns and all(s == "Ben" for _, s, _ in series)
    # lock-step rows are captured in call order: compare as multisets of (mean, max)
    recorded = sorted(
        (round(e.monitors["m"]["mean"], 4), round(e.monitors["m"]["max"], 4))
        for d in dialogs for e in d.events if getattr(e, "monitors", None)
    )  # fmt: skip
    computed = sorted(
        (round(float((r.acts @ unit).mean()), 4), round(float((r.acts @ unit).max()), 4))
        for r in expected
    )
    assert recorded == computed and len(watch) == 0  # capture=False stores nothing
    path = tmp_path / "d.json"
    dialogs[0].to_file(path)
    assert monitor_series(Dialog.from_file(path), "m") == monitor_series(dialogs[0], "m")
    figure = plot_monitors(dialogs, "m", path=tmp_path / "m.png")
    assert (tmp_path / "m.png").stat().st_size > 1000 and figure.axes[0].lines


def test_monitor_score_in_a_comparator(tiny_model, direction):
    from sdialog.evaluators import Comparator, MeanEvaluator

    plus = Inspector(1, monitors=[Monitor("m", direction=direction)]) + direction * 20
    plain = Inspector(1, capture=False, monitors=[Monitor("m", direction=direction)])
    corpora = {}
    for name, hook in {"steered": plus, "plain": plain}.items():
        ana, ben = _agents(hook)
        corpora[name] = simulate(ana, ben, n=3, max_turns=4, seed=5)
    score = MonitorScore("m")
    assert score.name == "monitor-m-mean" and score(corpora["plain"][0]) is not None
    results = Comparator([MeanEvaluator(score)], n_boot=50)(corpora)
    text = str(results)
    assert "monitor-m-mean" in text
    steered = np.mean([score(d) for d in corpora["steered"]])
    assert steered > np.mean([score(d) for d in corpora["plain"]]) + 5  # + 20·d shows up


def test_probe_and_sae_monitors(backend, direction):
    capture = Inspector(1)
    prompts = [[{"role": "user", "content": f"x{i} " * (i + 1)}] for i in range(8)]
    backend.complete_batch(prompts, hooks=[capture])
    X = torch.cat([r.acts for r in capture]).numpy()
    labels = ["hi" if x @ direction.numpy() > 0 else "lo" for x in X]
    probe = LinearProbe().fit(X, labels)
    g = torch.Generator().manual_seed(0)
    W = torch.randn(32, 64, generator=g)
    sae = SAE(W.T.clone(), torch.zeros(32), W, torch.zeros(64))
    monitors = [
        Monitor("probe", probe=probe, label="hi", reduce=("mean", "last")),
        Monitor("feature", sae=sae, feature=3, reduce=("max",)),
    ]
    watch = Inspector(1, monitors=monitors)
    backend.complete(prompts[0], hooks=[watch])
    acts = watch[0].acts
    column = list(probe.model[-1].classes_).index("hi")
    expected = probe.model.predict_proba(acts.numpy())[:, column]
    assert watch[0].monitors["probe"]["mean"] == pytest.approx(float(expected.mean()), abs=1e-5)
    assert watch[0].monitors["probe"]["last"] == pytest.approx(float(expected[-1]), abs=1e-5)
    assert watch[0].monitors["feature"] == {
        "max": pytest.approx(float(sae.encode(acts)[:, 3].max()), abs=1e-5)
    }
    with pytest.raises(ValueError, match="exactly one"):
        Monitor("x")
    with pytest.raises(ValueError, match="reduce"):
        Monitor("x", direction=direction, reduce=("median",))
    with pytest.raises(KeyError, match="not in the inspector"):
        Inspector(1, monitors=[Monitor("x", direction=direction, target="nope")])
