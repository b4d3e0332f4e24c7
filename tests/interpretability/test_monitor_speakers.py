"""MonitorScore per speaker: each speaker's score is its own metric, so Comparator can put the
customer's and the agent's monitor side by side (before, both were "monitor-m-mean" and
Comparator refused the pair as a duplicate metric)."""

from __future__ import annotations

from sdialog import Dialog, Event, Turn
from sdialog.evaluators import Comparator, MeanEvaluator
from sdialog.interpretability import MonitorScore


def _dialog(a: float, b: float) -> Dialog:
    return Dialog(
        turns=[Turn("Sam", "Hi"), Turn("Kim", "Hey")],
        events=[
            Event(agent="Sam", action="utter", content="Hi", monitors={"m": {"mean": a}}),
            Event(agent="Kim", action="utter", content="Hey", monitors={"m": {"mean": b}}),
        ],
    )


def test_per_speaker_scores_are_distinct_metrics_in_a_comparator():
    assert MonitorScore("m").name == "monitor-m-mean"
    assert MonitorScore("m", speaker="Kim").name == "monitor-m-mean-Kim"
    scores = [MeanEvaluator(MonitorScore("m", speaker=who)) for who in ("Sam", "Kim")]
    table = Comparator(scores)({"support": [_dialog(1, 5), _dialog(2, 6)]})
    values = dict(zip(table["metric"], table["value"], strict=True))
    assert values == {"monitor-m-mean-Sam": 1.5, "monitor-m-mean-Kim": 5.5}
