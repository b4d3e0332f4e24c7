"""``sdialog evaluate``: compare datasets of dialogs and write a report.

Example:
    $ sdialog evaluate output/model-a output/model-b --reference data/human \\
        --metrics conversational-features,readability,flow-ppl,frechet-bert-distance -o report/

Writes ``report.md`` (tables and plots), ``results.csv`` and ``results.json`` (the tidy table:
dataset, metric, value, ci_low, ci_high, n, missing) and ``plots/*.png`` into the output folder.
Metric names: see :data:`sdialog.evaluators.registry.METRICS`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sdialog.cli._app import app


def _names(paths: list[Path]) -> list[str]:
    """A dataset name per path (folder or file stem), made unique with ``-2``, ``-3``, ..."""
    names: list[str] = []
    for path in paths:
        base = (path.stem if path.is_file() else path.name) or str(path)
        name, k = base, 2
        while name in names:
            name, k = f"{base}-{k}", k + 1
        names.append(name)
    return names


def write_report(
    folder: Path, comparator: Any, sources: dict[str, tuple[Path, int]], extra: dict[str, str]
) -> Path:
    """Write report.md, results.csv, results.json and plots/ into ``folder``; return report.md."""
    from sdialog import __version__
    from sdialog.dialog.io import atomic_write

    folder.mkdir(parents=True, exist_ok=True)
    comparator.to_csv(folder / "results.csv")
    comparator.to_json(folder / "results.json")
    plots = comparator.plot(save_folder=folder / "plots") if extra.get("plots") != "no" else {}
    table = comparator.results
    lines = [
        "# Evaluation report",
        "",
        f"sdialog {__version__}; {comparator.n_boot} bootstrap resamples, "
        f"{comparator.confidence:.0%} intervals, seed {comparator.seed}.",
        "",
        "| dataset | source | dialogs |",
        "|---|---|---:|",
        *(f"| {name} | `{path}` | {n} |" for name, (path, n) in sources.items()),
    ]
    if extra.get("reference"):
        lines += ["", f"Reference: `{extra['reference']}`."]
    lines += ["", "## Results", "", "Value [low, high] per metric and dataset.", ""]
    lines += [comparator.to_markdown(), ""]
    missing = table[table["missing"] > 0]
    if len(missing):
        lines += ["Missing values (dialogs that could not be scored, left out):", ""]
        lines += [f"- {r.dataset} / {r.metric}: {r.missing}" for r in missing.itertuples()]
        lines += [""]
    if plots:
        lines += ["## Plots", ""]
        lines += [f"![{name}](plots/{Path(path).name})" for name, path in plots.items()]
        lines += [""]
    lines += ["Files: `results.csv`, `results.json` (tidy: one row per dataset and metric)."]
    report = folder / "report.md"
    atomic_write(report, lambda f: f.write("\n".join(lines) + "\n"))
    return report


@app.command()
def evaluate(
    paths: Annotated[
        list[Path], typer.Argument(help="Datasets: folders of .json/.jsonl dialogs or files.")
    ],
    metrics: Annotated[
        str | None,
        typer.Option(
            "--metrics",
            "-m",
            help="Comma-separated metric names (default: conversational-features,readability, "
            "plus flow-ppl,centroid-similarity,frechet-bert-distance with --reference). Prefixes: "
            "stats:, freq:, kl:, js:, cs:, frechet:, wasserstein:.",
        ),
    ] = None,
    reference: Annotated[
        Path | None, typer.Option(help="Reference dialogs (folder or file) for flow/distances.")
    ] = None,
    judge_model: Annotated[
        str | None, typer.Option(help="Model string for LLM-judge metrics.")
    ] = None,
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder.")] = Path("report"),
    n_boot: Annotated[int, typer.Option(help="Bootstrap resamples (0: no intervals).")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of clustering and resampling.")] = 0,
    plots: Annotated[bool, typer.Option(help="Write plots.")] = True,
) -> None:
    """Evaluate datasets of dialogs and write report.md, results.csv/json and plots."""
    from sdialog._progress import ProgressBar
    from sdialog.evaluators import Comparator, load_dialogs, resolve_metrics
    from sdialog.evaluators.registry import DEFAULT_METRICS

    try:
        datasets = {name: load_dialogs(p) for name, p in zip(_names(paths), paths, strict=True)}
        ref = load_dialogs(reference) if reference is not None else None
        names = [m for m in (metrics or "").split(",") if m.strip()] or list(DEFAULT_METRICS) + (
            ["flow-ppl", "centroid-similarity", "frechet-bert-distance"] if ref else []
        )
        evaluators = resolve_metrics(names, reference=ref, judge_model=judge_model, seed=seed)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    empty = [name for name, dialogs in datasets.items() if not dialogs]
    if empty:
        typer.secho(f"error: no dialogs in {', '.join(empty)}", fg="red", err=True)
        raise typer.Exit(2)
    comparator = Comparator(evaluators, n_boot=n_boot, seed=seed)
    bar = ProgressBar(len(datasets) * len(evaluators), "evaluating")
    try:
        comparator(datasets, progress=lambda dataset, metric: bar.advance())
    except ValueError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    finally:
        bar.close()
    sources = {
        name: (path, len(datasets[name])) for name, path in zip(datasets, paths, strict=True)
    }
    extra = {"reference": str(reference or ""), "plots": "yes" if plots else "no"}
    report = write_report(out, comparator, sources, extra)
    typer.echo(f"{len(comparator.results)} results for {len(datasets)} dataset(s) -> {report}")
