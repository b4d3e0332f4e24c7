"""Progress of a run: turns, dialogs, tokens/s and ETA at every step; the manifest stays current."""

from __future__ import annotations

import io
import json
import re

from sdialog._dialog_progress import DialogProgress
from sdialog.agents import Agent
from sdialog.corpus import generate_corpus
from sdialog.llm import ScriptedBackend
from sdialog.scenario import Scenario
from sdialog.simulation import DialogSpec, simulate_dialogs


def test_a_log_line_per_step_when_not_a_terminal():
    backend = ScriptedBackend(
        lambda messages: f"I heard {sum(len(m['content']) for m in messages)}."
    )
    ana, ben = Agent(name="Ana", model=backend), Agent(name="Ben", model=backend)
    stream = io.StringIO()
    progress = DialogProgress(3, max_turns=4, stream=stream, interval=0)
    specs = [DialogSpec(ana, ben, seed=s, max_turns=4) for s in range(3)]
    simulate_dialogs(specs, progress=progress)
    progress.close()
    lines = stream.getvalue().splitlines()
    turns = [int(re.search(r"(\d+)/12 turns", line).group(1)) for line in lines]
    assert turns[:4] == [3, 6, 9, 12]  # one line per lock-step step, 3 dialogs a step
    assert lines[-1].startswith("generating: 3/3 dialogs, 12/12 turns")
    assert "tok/s" in lines[-1] and "ETA 0:00" in lines[-1]


def test_no_line_before_the_interval_and_eta_shrinks_with_early_ends():
    stream = io.StringIO()
    progress = DialogProgress(2, max_turns=10, stream=stream, interval=3600)
    progress.turn(2)
    progress.step()
    assert stream.getvalue() == ""
    progress.dialog_done(turns=2)  # ended after 2 of its 10 turns: 8 fewer turns to wait for
    assert progress.turns_total == 12
    progress.close()
    assert "1/2 dialogs, 2/12 turns" in stream.getvalue()


def test_manifest_counts_each_dialog_as_it_is_written(tmp_path, monkeypatch):
    from sdialog import corpus

    scenario = Scenario.model_validate(
        {"name": "m", "model": "scripted:echo", "max_turns": 3,
         "agents": [{"name": "A", "first_utterance": "Hi"}, {"name": "B"}]}
    )  # fmt: skip
    seen: list[int] = []
    original = corpus._Writer.write

    def write(self, dialog):
        seen.append(json.loads((tmp_path / "manifest.json").read_text())["finished"])
        original(self, dialog)

    monkeypatch.setattr(corpus._Writer, "write", write)
    generate_corpus(scenario, n=4, out_dir=tmp_path, batch_size=2, progress=False)
    assert seen == [0, 1, 2, 3]
    assert json.loads((tmp_path / "manifest.json").read_text())["finished"] == 4
