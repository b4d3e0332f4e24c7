"""``sdialog generate``: a corpus of dialogs from a scenario file.

Example:
    $ sdialog generate examples/doctor_patient.yaml -n 20 -o out/doctor --resume
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from sdialog.cli._app import app


@app.command()
def generate(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
    n: Annotated[int, typer.Option("-n", "--n", help="Dialogs in the whole run.")] = 10,
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder.")] = Path(
        "output/corpus"
    ),
    model: Annotated[
        str | None, typer.Option(help="Model string overriding the scenario's.")
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Dialogs simulated together (batch size).")] = 32,
    shard: Annotated[str | None, typer.Option(help="Make shard k/N of the run, e.g. 2/4.")] = None,
    resume: Annotated[bool, typer.Option(help="Skip dialogs already written in --out.")] = False,
    jsonl: Annotated[
        bool, typer.Option(help="Write one dialogs.jsonl instead of JSON files.")
    ] = False,
    param: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--param", "-p", help="Generation parameter KEY=VALUE (JSON values), repeatable."
        ),
    ] = None,
) -> None:
    """Generate a corpus of dialogs from a scenario file."""
    from sdialog.corpus import generate_corpus

    params = {}
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--param")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    try:
        result = generate_corpus(
            scenario,
            n,
            out,
            model=model,
            params=params or None,
            batch_size=concurrency,
            shard=shard,
            resume=resume,
            output="jsonl" if jsonl else "json",
        )
    except (ValueError, FileExistsError, FileNotFoundError) as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{result.written} dialogs written, {result.skipped} already there, {result.failed} failed "
        f"in {result.seconds:.1f} s -> {result.out_dir}"
    )
    if result.failed:
        raise typer.Exit(1)
