"""A rich progress bar over finished items, with elapsed time and ETA."""

from __future__ import annotations


class ProgressBar:
    """``bar = ProgressBar(10, "dialogs"); bar.advance(); bar.close()``."""

    def __init__(self, total: int, label: str = "dialogs"):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        self._task = self._progress.add_task(label, total=total)
        self._progress.start()

    def advance(self) -> None:
        self._progress.advance(self._task)

    def close(self) -> None:
        self._progress.stop()
