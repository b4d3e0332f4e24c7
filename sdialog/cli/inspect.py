"""``sdialog inspect``: extract a steering direction from two prompt files, or run a logit lens.

Example:
    $ sdialog inspect direction happy.txt sad.txt --layer 10 -o happy.safetensors
    $ sdialog inspect lens "The capital of France is" --top-k 3
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sdialog.cli._app import app

inspect_app = typer.Typer(help="Interpretability on local models: directions, logit lens.")
app.add_typer(inspect_app, name="inspect")


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise typer.BadParameter(f"{path}: no such file")
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        raise typer.BadParameter(f"{path}: no prompts (one per line)")
    return lines


@inspect_app.command()
def direction(
    positive: Annotated[Path, typer.Argument(help="Prompts of the positive side, one a line.")],
    negative: Annotated[Path, typer.Argument(help="Prompts of the negative side, one a line.")],
    layer: Annotated[str, typer.Option(help="Target: layer index, resid_pre:N, module path.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output .safetensors file.")],
    model: Annotated[str, typer.Option(help="Local model string.")] = "smollm2",
    method: Annotated[str, typer.Option(help="mean_diff or pca.")] = "mean_diff",
    position: Annotated[int, typer.Option(help="Token position (-1: last prompt token).")] = -1,
) -> None:
    """Extract a direction (positive minus negative) and save it with its metadata."""
    from sdialog.interpretability import extract_direction

    target: int | str = int(layer) if layer.lstrip("-").isdigit() else layer
    found = extract_direction(
        model,
        _lines(positive),
        _lines(negative),
        target=target,
        method=method,  # type: ignore[arg-type]
        position=position,
        progress=True,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    found.save(out)
    typer.echo(f"{found!r} -> {out}")


@inspect_app.command()
def lens(
    prompt: Annotated[str, typer.Argument(help="A user message (chat template applied).")],
    model: Annotated[str, typer.Option(help="Local model string.")] = "smollm2",
    top_k: Annotated[int, typer.Option(help="Candidates per layer.")] = 3,
    raw: Annotated[
        bool, typer.Option(help="Use the text as is, without the chat template.")
    ] = False,
) -> None:
    """Print each layer's top next-token candidates (logit lens)."""
    from sdialog.interpretability import logit_lens

    for row in logit_lens(model, prompt, top_k=top_k, chat=not raw):
        tokens = "  ".join(f"{t!r} {p:.2f}" for t, p in row["tokens"])
        typer.echo(f"layer {row['layer']:>3}: {tokens}")
