"""The one typer application every ``sdialog`` sub-command registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Build, simulate, evaluate, inspect and voice conversational agents.",
    no_args_is_help=True,
)


@app.callback()
def main() -> None:
    """sdialog: persona-driven dialog simulation, evaluation and more."""
