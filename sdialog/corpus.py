"""Corpus generation from a scenario: many dialogs, simulated in lock-step batches, written as they
finish, resumable, shardable.

Dialog ``i`` of a run always has id ``<scenario>-<i:06d>`` and seed ``scenario.seed + i``, so the
union of shards ``k/N`` equals the unsharded run and ``resume`` can skip finished ids. Every
dialog is written atomically when it finishes (one JSON file each, or one line appended to a
JSONL file), so an interrupted run loses at most the dialogs in flight and never leaves a corrupt
file. A dialog that still fails after retries goes to ``failures.jsonl`` and the run continues.

Example:
    >>> import tempfile
    >>> scenario = Scenario.model_validate({"name": "demo", "model": "scripted:echo",
    ...     "max_turns": 4, "agents": [{"name": "A", "first_utterance": "Hi"}, {"name": "B"}]})
    >>> result = generate_corpus(scenario, n=3, out_dir=tempfile.mkdtemp(), progress=False)
    >>> result.written, result.skipped, result.failed
    (3, 0, 0)
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sdialog._dialog_progress import DialogProgress
from sdialog.dialog import Dialog
from sdialog.dialog.io import atomic_write, dumps
from sdialog.scenario import Scenario
from sdialog.simulation import DialogSpec, simulate_dialogs

DIALOG_DIR = "dialogs"
JSONL_FILE = "dialogs.jsonl"
MANIFEST_FILE = "manifest.json"
FAILURES_FILE = "failures.jsonl"


@dataclass
class CorpusResult:
    """What a run did: counts, and where the files are."""

    out_dir: Path
    written: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    ids: list[str] = field(default_factory=list)


def parse_shard(text: str | None) -> tuple[int, int]:
    """``"k/N"`` → ``(k, N)`` with 1 ≤ k ≤ N (``None`` → ``(1, 1)``).

    Example:
        >>> parse_shard("2/4")
        (2, 4)
    """
    if not text:
        return 1, 1
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"shard must look like 'k/N' (e.g. '2/4'), got {text!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"shard {text!r}: need 1 <= k <= N")
    return k, n


def dialog_id(scenario: Scenario, index: int) -> str:
    """The id of dialog ``index`` of ``scenario`` (stable across runs and shards)."""
    return f"{scenario.name}-{index:06d}"


def generate_corpus(
    scenario: Scenario | str | Path,
    n: int,
    out_dir: str | Path,
    *,
    model: str | None = None,
    params: dict[str, Any] | None = None,
    batch_size: int = 32,
    shard: str | tuple[int, int] | None = None,
    resume: bool = False,
    output: Literal["json", "jsonl"] = "json",
    progress: bool = True,
    force: bool = False,
) -> CorpusResult:
    """Simulate ``n`` dialogs of ``scenario`` into ``out_dir``.

    Args:
        scenario: a :class:`Scenario` or the path of a scenario file.
        n: dialogs in the whole run (a shard makes its share of them).
        model, params: override the scenario's model and generation parameters.
        batch_size: dialogs simulated together in lock-step (local batch size / remote
            concurrency per step).
        shard: ``"k/N"``: make only dialogs ``i`` with ``i % N == k - 1``.
        resume: skip dialogs already written in ``out_dir`` (otherwise an existing corpus there
            is an error, never silently overwritten).
        output: one JSON file per dialog under ``dialogs/``, or one ``dialogs.jsonl``.
        force: resume even if the scenario, model or parameters differ from the recipe recorded
            in ``manifest.json`` (otherwise :class:`~sdialog.corpus_layout.RecipeMismatchError`
            lists what changed).

    Nothing is written before the scenario resolves (persona classes, orchestrators, tools) and
    the folder is checked (see :func:`sdialog.corpus_layout.check_folder`).
    """
    from sdialog.corpus_layout import check_folder, recipe

    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_file(scenario)
    scenario.check()
    if n < 1 or batch_size < 1:
        raise ValueError("n and batch_size must be >= 1")
    k, total_shards = shard if isinstance(shard, tuple) else parse_shard(shard)
    out = Path(out_dir)
    check_folder(out, recipe(scenario, model, params, output), output, resume, force)
    out.mkdir(parents=True, exist_ok=True)
    done = _finished_ids(out, output)
    if done and not resume:
        raise FileExistsError(
            f"{out} already holds {len(done)} dialogs; pass resume=True (--resume) to continue"
        )

    indices = [i for i in range(n) if i % total_shards == k - 1]
    todo = [i for i in indices if dialog_id(scenario, i) not in done]
    result = CorpusResult(out_dir=out, skipped=len(indices) - len(todo))
    _write_manifest(out, scenario, n, (k, total_shards), model, params, output, status="running")
    writer = _Writer(out, output)
    start = time.perf_counter()
    bar = DialogProgress(len(todo), scenario.max_turns) if progress else None
    backends: dict[Any, Any] = {}  # one backend object per model and settings, for every dialog
    try:
        for offset in range(0, len(todo), batch_size):
            chunk = todo[offset : offset + batch_size]
            specs = []
            for i in chunk:
                seed = scenario.seed + i
                first, second = scenario.build_agents(seed, model=model, params=params)
                for agent in (first, second):
                    agent.backend = _shared_backend(agent, backends, batch_size)
                specs.append(
                    DialogSpec(
                        first,
                        second,
                        seed,
                        scenario.max_turns,
                        context=scenario.context,
                        scenario={"name": scenario.name, "fingerprint": scenario.fingerprint()},
                        id=dialog_id(scenario, i),
                    )
                )

            def finished(j: int, dialog: Dialog) -> None:
                writer.write(dialog)
                result.written += 1
                result.ids.append(dialog.id)
                _write_manifest(  # the finished count stays current while the run goes on
                    out, scenario, n, (k, total_shards), model, params, output,
                    status="running", finished=len(done) + result.written,
                )  # fmt: skip

            outcomes = simulate_dialogs(specs, on_dialog=finished, errors="collect", progress=bar)
            for spec, outcome in zip(specs, outcomes, strict=True):
                if isinstance(outcome, Exception):
                    writer.failure(spec, outcome)
                    result.failed += 1
    finally:
        if bar is not None:
            bar.close()
        result.seconds = time.perf_counter() - start
        _write_manifest(
            out,
            scenario,
            n,
            (k, total_shards),
            model,
            params,
            output,
            status="complete" if len(_finished_ids(out, output)) >= len(indices) else "partial",
            seconds=result.seconds,
        )
    return result


def _shared_backend(agent: Any, shared: dict[Any, Any], concurrency: int) -> Any:
    """The run's backend for the agent's model and settings (the first one seen), so every
    dialog's requests go through one object: one batch, one pool of connections.

    A remote backend sends as many requests at once as dialogs are simulated together, unless
    the scenario sets ``max_concurrency``.
    """
    backend = agent.backend
    limit = getattr(backend, "max_concurrency", None)
    if limit is not None and "max_concurrency" not in agent.llm_kwargs:
        backend.max_concurrency = max(limit, concurrency)
    return shared.setdefault(backend.batch_key(), backend)


# -- files ---------------------------------------------------------------------------------------
def _finished_ids(out: Path, output: str) -> set[str]:
    if output == "jsonl":
        path = out / JSONL_FILE
        if not path.exists():
            return set()
        ids = set()
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                ids.add(json.loads(line)["id"])
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line from a killed run: that dialog is redone
        return ids
    folder = out / DIALOG_DIR
    return {p.stem for p in folder.glob("*.json")} if folder.exists() else set()


class _Writer:
    def __init__(self, out: Path, output: str):
        self.out, self.output = out, output
        if output == "jsonl":
            _repair_jsonl(out / JSONL_FILE)
        else:  # temporary files a killed run left behind (finished dialogs are whole files)
            for stale in (out / DIALOG_DIR).glob(".*.json.*.tmp"):
                stale.unlink(missing_ok=True)

    def write(self, dialog: Dialog) -> None:
        if self.output == "jsonl":
            path = self.out / JSONL_FILE
            line = dumps(dialog.json(), indent=None, source=str(path)) + "\n"  # strict JSON
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        else:
            from sdialog.corpus_layout import safe_path

            dialog.to_file(safe_path(self.out / DIALOG_DIR, f"{dialog.id}.json"))

    def failure(self, spec: DialogSpec, error: Exception) -> None:
        from sdialog.llm.secrets import redact as redact_text

        text = redact_text(f"{type(error).__name__}: {error}")  # provider errors may echo keys
        record = {"id": spec.id, "seed": spec.seed, "error": text}
        with open(self.out / FAILURES_FILE, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


def _repair_jsonl(path: Path) -> None:
    """Cut a torn last line (a run killed mid-write) so appends start on a fresh line."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        os.truncate(path, data.rfind(b"\n") + 1)


def _write_manifest(
    out: Path,
    scenario: Scenario,
    n: int,
    shard: tuple[int, int],
    model: Any,
    params: Any,
    output: str,
    status: str,
    seconds: float | None = None,
    finished: int | None = None,
) -> None:
    from sdialog import __version__
    from sdialog.corpus_layout import fingerprint, recipe
    from sdialog.llm.base import redact
    from sdialog.llm.secrets import redact_data

    run_recipe = recipe(scenario, model, params, output)
    manifest = {
        "sdialog_version": __version__,
        "scenario": scenario.name,
        "scenario_fingerprint": scenario.fingerprint(),
        "n": n,
        "shard": f"{shard[0]}/{shard[1]}",
        "model": model or scenario.model or "default",
        "params": redact({**scenario.params, **(params or {})}),
        "seeds": f"{scenario.seed} + dialog index",
        "output": output,
        "status": status,
        "finished": len(_finished_ids(out, output)) if finished is None else finished,
        "seconds": None if seconds is None else round(seconds, 2),
        "recipe_fingerprint": fingerprint(run_recipe),
        "recipe": run_recipe,  # what --resume checks against (sdialog.corpus_layout)
    }
    manifest = redact_data(manifest)  # secrets by value too: a key inside a URL or a header
    atomic_write(out / MANIFEST_FILE, lambda handle: handle.write(json.dumps(manifest, indent=2)))
