"""``sdialog generate``: a corpus of dialogs from a scenario file.

Example:
    $ sdialog generate examples/doctor_patient.yaml -n 20 -o out/doctor --resume
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

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
    force: Annotated[
        bool,
        typer.Option(help="With --resume: continue even if the scenario, model or params changed."),
    ] = False,
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
            force=force,
        )
    except (ValueError, FileExistsError, FileNotFoundError) as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{result.written} dialogs written, {result.skipped} already there, {result.failed} failed "
        f"in {result.seconds:.1f} s -> {result.out_dir}"
    )
    _show_files_and_sample(result, jsonl)
    if result.failed:
        raise typer.Exit(1)


def _show_files_and_sample(result: Any, jsonl: bool) -> None:
    """Where the files are, and the first few turns of one dialog written by this run."""
    from sdialog.corpus import FAILURES_FILE, JSONL_FILE, MANIFEST_FILE
    from sdialog.dialog import Dialog

    out = result.out_dir
    dialogs = out / JSONL_FILE if jsonl else out / "dialogs"
    typer.echo(f"  dialogs:  {dialogs}{'' if jsonl else '/<id>.json'}")
    typer.echo(f"  manifest: {out / MANIFEST_FILE}")
    if (out / FAILURES_FILE).exists():
        typer.echo(f"  failures: {out / FAILURES_FILE}")
    if not result.ids:
        return
    first = min(result.ids)  # the run's first dialog (they finish in any order)
    try:
        if jsonl:
            with open(dialogs, encoding="utf-8") as handle:
                rows = (json.loads(line) for line in handle if first in line)
                dialog = Dialog.from_dict(next(r for r in rows if r.get("id") == first))
        else:
            dialog = Dialog.from_file(dialogs / f"{first}.json")
    except (OSError, ValueError, StopIteration):
        return
    typer.echo(f"Sample ({dialog.id}, {len(dialog.turns)} turns):")
    for turn in dialog.turns[:SAMPLE_TURNS]:
        text = turn.text if len(turn.text) <= 160 else turn.text[:157] + "..."
        typer.echo(f"  {turn.speaker}: {text}")
    if len(dialog.turns) > SAMPLE_TURNS:
        typer.echo(f"  ... ({len(dialog.turns) - SAMPLE_TURNS} more turns)")


SAMPLE_TURNS = 6
"""Turns of the sample dialog printed at the end of a run."""
