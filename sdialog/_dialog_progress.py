"""Progress of a simulation run: dialogs and turns done, tokens/s and an ETA.

In a terminal it is a live rich bar refreshed at every lock-step step; otherwise (a log file, a
pipe, CI) it writes one plain line every ``interval`` seconds and a last one when the run ends.

Example:
    >>> import io
    >>> stream = io.StringIO()
    >>> progress = DialogProgress(2, max_turns=4, stream=stream, interval=0)
    >>> progress.turn(); progress.tokens(12); progress.step()
    >>> progress.dialog_done(); progress.close()
    >>> [line.split(", ")[:2] for line in stream.getvalue().splitlines()]
    [['generating: 0/2 dialogs', '1/8 turns'], ['generating: 1/2 dialogs', '1/8 turns']]
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class DialogProgress:
    """Counts dialogs, turns and generated tokens; shows them with a rate and an ETA.

    Args:
        dialogs: dialogs in the run.
        max_turns: the turn limit of each dialog (the ETA assumes a dialog may use them all, so
            it is an upper bound when dialogs end early).
        label: shown first.
        stream: where to write (default ``sys.stderr``); a terminal gets a live bar.
        interval: seconds between plain log lines when ``stream`` is not a terminal.
    """

    def __init__(
        self,
        dialogs: int,
        max_turns: int,
        label: str = "generating",
        stream: TextIO | None = None,
        interval: float = 5.0,
    ):
        self.dialogs_total = dialogs
        self.turns_total = dialogs * max_turns
        self.max_turns = max_turns
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.dialogs_done = 0
        self.failed = 0
        self.turns_done = 0
        self.tokens_done = 0
        self.start = time.perf_counter()
        self._last_line = self.start
        self._last_text = ""
        self._live: Any = None
        if _is_terminal(self.stream):
            self._start_live()

    # -- counting ------------------------------------------------------------------------------
    def turn(self, count: int = 1) -> None:
        """``count`` turns were added to dialogs."""
        self.turns_done += count

    def tokens(self, count: int) -> None:
        """The model generated ``count`` more tokens."""
        self.tokens_done += count

    def dialog_done(self, turns: int | None = None, failed: bool = False) -> None:
        """A dialog finished (after ``turns`` turns: the turns it did not use leave the total)."""
        self.dialogs_done += 1
        self.failed += int(failed)
        if turns is not None:
            self.turns_total -= max(0, self.max_turns - turns)

    # -- showing -------------------------------------------------------------------------------
    def summary(self) -> str:
        """One line: dialogs, turns, tokens/s, elapsed and ETA."""
        elapsed = time.perf_counter() - self.start
        rate = self.tokens_done / elapsed if elapsed > 0 else 0.0
        failed = f" ({self.failed} failed)" if self.failed else ""
        return (
            f"{self.label}: {self.dialogs_done}/{self.dialogs_total} dialogs{failed}, "
            f"{self.turns_done}/{self.turns_total} turns, {rate:.1f} tok/s, "
            f"{_clock(elapsed)} elapsed, ETA {self.eta()}"
        )

    def eta(self) -> str:
        """Time left at the current turn rate, as ``m:ss`` (``?`` before the first turn)."""
        elapsed = time.perf_counter() - self.start
        if self.turns_done == 0 or elapsed <= 0:
            return "?"
        left = max(0, self.turns_total - self.turns_done)
        return _clock(left * elapsed / self.turns_done)

    def step(self) -> None:
        """Called after every lock-step step: refresh the bar, or log a line when it is time."""
        if self._live is not None:
            self._update_live()
            return
        now = time.perf_counter()
        if now - self._last_line >= self.interval:
            self._last_line = now
            self._write(self.summary())

    def close(self) -> None:
        """Show the final state (and stop the live bar)."""
        if self._live is not None:
            self._update_live()
            self._live[0].stop()
            self._live = None
        elif self._last_text != self.summary():  # not the same line twice
            self._write(self.summary())

    def _write(self, line: str) -> None:
        self._last_text = line
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # a closed pipe must not stop the run
            pass

    def _start_live(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        progress = Progress(
            TextColumn(self.label),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("dialogs · {task.fields[detail]}"),
            console=Console(file=self.stream),
        )
        task = progress.add_task(self.label, total=self.dialogs_total, detail="starting")
        progress.start()
        self._live = (progress, task)

    def _update_live(self) -> None:
        progress, task = self._live
        elapsed = time.perf_counter() - self.start
        rate = self.tokens_done / elapsed if elapsed > 0 else 0.0
        detail = (
            f"{self.turns_done}/{self.turns_total} turns · {rate:.1f} tok/s · "
            f"{_clock(elapsed)} · ETA {self.eta()}"
        )
        progress.update(task, completed=self.dialogs_done, detail=detail)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _clock(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
