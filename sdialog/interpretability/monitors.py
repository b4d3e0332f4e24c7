"""Activation monitors: score every reply of an agent while it talks, keep the scores on the dialog.

A :class:`Monitor` turns the activations of a reply's generated tokens into one number per
token — the projection on a direction, a probe's probability, or an SAE feature's activation —
and summarises them (``mean``, ``max``). Monitors ride on an
:class:`~sdialog.interpretability.Inspector` (the same hooks as capture and steering)::

    sentiment = Monitor("sentiment", direction=d)
    agent = agent | Inspector("resid_post:10", capture=False, monitors=[sentiment])

Each reply's scores land on the dialog, in the ``utter`` event of that turn
(``{"monitors": {"sentiment": {"mean": .., "max": ..}}}``, saved with the JSON);
:func:`monitor_series` reads them back per turn, :class:`MonitorScore` makes them a dialog score
for evaluators and :class:`~sdialog.evaluators.Comparator`, :func:`plot_monitors` draws them.

Example:
    >>> from sdialog import Dialog, Event, Turn
    >>> d = Dialog(turns=[Turn("A", "Hi"), Turn("B", "Hey")], events=[
    ...     Event(agent="A", action="utter", content="Hi", monitors={"m": {"mean": 0.5, "max": 1}}),
    ...     Event(agent="B", action="utter", content="Hey")])
    >>> monitor_series(d, "m")
    [(0, 'A', 0.5)]
    >>> MonitorScore("m")(d)
    0.5
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sdialog._extras import needs_extra
from sdialog.evaluators.base import DialogScore

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog import Dialog

REDUCTIONS = ("mean", "max", "min", "last")


class Monitor:
    """A per-token score of a reply and its summaries.

    Give exactly one of ``direction`` (projection on the unit direction), ``probe`` (a fitted
    :class:`~sdialog.interpretability.LinearProbe`: probability of ``label``, default its second
    class) or ``sae`` with ``feature`` (that feature's activation). ``target``: which of the
    inspector's targets it reads (default the first).

    Example:
        >>> Monitor("calm", direction=[0.0, 1.0]).token_scores([[0.0, 2.0], [3.0, -1.0]]).tolist()
        [2.0, -1.0]
    """

    def __init__(
        self,
        name: str,
        *,
        direction: Any = None,
        probe: Any = None,
        label: Any = None,
        sae: Any = None,
        feature: int | None = None,
        target: str | None = None,
        reduce: Sequence[str] = ("mean", "max"),
    ):
        given = [x is not None for x in (direction, probe, sae)]
        if sum(given) != 1:
            raise ValueError(f"Monitor {name!r}: give exactly one of direction, probe, sae")
        if sae is not None and feature is None:
            raise ValueError(f"Monitor {name!r}: an SAE monitor needs feature=")
        bad = [r for r in reduce if r not in REDUCTIONS]
        if bad or not reduce:
            raise ValueError(f"Monitor {name!r}: reduce must be among {REDUCTIONS}, got {bad}")
        self.name, self.target, self.reduce = name, target, tuple(reduce)
        self.probe, self.sae, self.feature = probe, sae, feature
        self.label = label
        self.unit = None
        if direction is not None:
            with needs_extra("local"):
                import torch

            vector = torch.as_tensor(getattr(direction, "vector", direction), dtype=torch.float32)
            self.unit = vector.flatten() / vector.norm()
        if probe is not None:
            classes = list(probe.model[-1].classes_)
            self.label = classes[1] if label is None else label
            if self.label not in classes:
                raise ValueError(f"Monitor {name!r}: label {label!r} not in {classes}")
            self._column = classes.index(self.label)

    def bind(self, inspector: Any) -> None:
        """Check the target against ``inspector`` (called by Inspector)."""
        if self.target is None:
            self.target = next(iter(inspector.targets), None)
        if self.target not in inspector.targets:
            raise KeyError(f"Monitor {self.name!r}: target {self.target!r} not in the inspector")

    def token_scores(self, acts: Any) -> Any:
        """One float32 score per row of ``acts`` (``[tokens, width]``)."""
        with needs_extra("local"):
            import torch

        x = torch.as_tensor(acts).float()
        if self.unit is not None:
            if x.shape[-1] != len(self.unit):
                raise ValueError(
                    f"Monitor {self.name!r}: direction width {len(self.unit)}, "
                    f"activations {x.shape[-1]}"
                )
            return x @ self.unit
        if self.sae is not None:
            return self.sae.encode(x)[:, int(self.feature)]
        probabilities = self.probe.model.predict_proba(x.numpy())[:, self._column]
        return torch.as_tensor(probabilities, dtype=torch.float32)

    def summary(self, response: Any) -> dict[str, float]:
        """``{"mean": ..., "max": ...}`` over a captured response's generated tokens."""
        scores = self.token_scores(response.acts_by_target[self.target])
        if len(scores) == 0:
            return {}
        values = {
            "mean": scores.mean(),
            "max": scores.max(),
            "min": scores.min(),
            "last": scores[-1],
        }
        return {r: round(float(values[r]), 6) for r in self.reduce}

    def __repr__(self) -> str:
        kind = "direction" if self.unit is not None else ("sae" if self.sae else "probe")
        return f"Monitor({self.name!r}, {kind}, target={self.target!r}, reduce={self.reduce})"


def monitor_series(
    dialog: Dialog, name: str, stat: str = "mean", speaker: str | None = None
) -> list[tuple[int, str | None, float]]:
    """``[(turn index, speaker, value), ...]`` of monitor ``name`` over the dialog's turns."""
    turn, out = -1, []
    for event in dialog.events:
        if event.action != "utter":
            continue
        turn += 1
        scores = (getattr(event, "monitors", None) or {}).get(name)
        if scores is None or stat not in scores:
            continue
        if speaker is None or event.agent == speaker:
            out.append((turn, event.agent, float(scores[stat])))
    return out


class MonitorScore(DialogScore):
    """The mean over a dialog's turns of monitor ``name``'s ``stat`` (``None`` if absent), over
    ``speaker``'s turns only when given (its metric name then ends with ``-{speaker}``).

    Example:
        >>> from sdialog.evaluators import Comparator, MeanEvaluator
        >>> Comparator([MeanEvaluator(MonitorScore("impatient"))])    # doctest: +SKIP
    """

    def __init__(self, monitor: str, stat: str = "mean", speaker: str | None = None):
        self.monitor, self.stat, self.speaker = monitor, stat, speaker
        by = f"-{speaker}" if speaker is not None else ""  # one metric name per speaker
        self.name = f"monitor-{monitor}-{stat}{by}"  # type: ignore[misc]

    def score(self, dialog: Dialog) -> float | None:
        values = [v for _, _, v in monitor_series(dialog, self.monitor, self.stat, self.speaker)]
        return sum(values) / len(values) if values else None

    def config(self) -> dict[str, Any]:
        """What changes the result (for caches and reports)."""
        return {"monitor": self.monitor, "stat": self.stat, "speaker": self.speaker}


def plot_monitors(
    dialogs: Dialog | Sequence[Dialog],
    names: str | Sequence[str],
    *,
    stat: str = "mean",
    path: Any = None,
    title: str | None = None,
) -> Any:
    """Monitor values over turns (one line per dialog, speaker and monitor); saves to ``path``
    when given; returns the matplotlib figure (never opens a window)."""
    with needs_extra("local"):
        from matplotlib.figure import Figure

    dialogs = [dialogs] if not isinstance(dialogs, Sequence) else list(dialogs)
    names = [names] if isinstance(names, str) else list(names)
    figure = Figure(figsize=(7, 3.5))
    axes = figure.subplots()
    for name in names:
        for i, dialog in enumerate(dialogs):
            series = monitor_series(dialog, name, stat)
            for who in sorted({s for _, s, _ in series}, key=str):
                points = [(t, v) for t, s, v in series if s == who]
                label = f"{name} · {who}" + (f" · dialog {i}" if len(dialogs) > 1 else "")
                axes.plot(*zip(*points, strict=True), marker="o", label=label)
    axes.set_xlabel("turn")
    axes.set_ylabel(f"monitor ({stat})")
    axes.set_title(title or ", ".join(names))
    axes.legend(fontsize=7)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure
