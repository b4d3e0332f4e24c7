"""The folder ``sdialog generate -o`` writes, and the checks that keep it sound.

A corpus folder holds ``manifest.json`` (what made it: the recipe, counts, status), the dialogs
(``dialogs/<id>.json``, or one ``dialogs.jsonl`` with ``--jsonl``) and ``failures.jsonl``. This
module finds such a folder (:func:`find_corpus`, used by ``sdialog evaluate``), keeps every file
name inside it (:func:`safe_path`), and checks a run against the folder before it writes
anything (:func:`check_folder`): one output layout per folder, and ``--resume`` only with the
recipe (scenario, model, parameters) that made it, unless ``force``.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sdialog.scenario import Scenario
    >>> from sdialog.corpus import generate_corpus
    >>> scenario = Scenario.model_validate({"name": "demo", "model": "scripted:echo",
    ...     "max_turns": 2, "agents": [{"name": "A", "first_utterance": "Hi"}, {"name": "B"}]})
    >>> out = Path(tempfile.mkdtemp())
    >>> _ = generate_corpus(scenario, n=2, out_dir=out, progress=False)
    >>> find_corpus(out) == out / "dialogs"
    True
    >>> try:
    ...     generate_corpus(scenario, n=2, out_dir=out, model="scripted:other", resume=True)
    ... except RecipeMismatchError as err:
    ...     print(str(err).split("(")[1].split(")")[0])
    changed: model: 'scripted:echo' -> 'scripted:other'
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.scenario import Scenario

__all__ = [
    "RecipeMismatchError",
    "check_folder",
    "find_corpus",
    "plain_name",
    "recipe",
    "safe_path",
]


class RecipeMismatchError(FileExistsError):
    """``--resume`` on a folder made with another recipe; the message lists what changed."""


def safe_path(folder: Path, name: str) -> Path:
    """``folder / name``, refusing a name that is not a plain file name or that would resolve
    outside ``folder`` (``..``, separators, absolute paths, links pointing away).

    Example:
        >>> safe_path(Path("out"), "../escape.json")
        Traceback (most recent call last):
        ...
        ValueError: '../escape.json' is not a plain file name inside out
    """
    bad = not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name
    path = folder / name
    if not bad:
        root = folder.resolve()
        bad = path.resolve().parent != root
    if bad:
        raise ValueError(f"{name!r} is not a plain file name inside {folder}")
    return path


def plain_name(text: Any, limit: int = 80) -> str:
    """``text`` made safe as one file-name part: characters other than letters, digits, ``_``,
    ``.`` and ``-`` become ``_``, no leading dot, at most ``limit`` characters (never empty).
    For ids that come from data (``dstc/12``, ``../x``) and name output files.

    Example:
        >>> plain_name("../../etc/passwd"), plain_name("dstc/12"), plain_name("")
        ('_._.._etc_passwd', 'dstc_12', '_')
    """
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", str(text))[:limit]
    return "_" + name[1:] if name.startswith(".") else name or "_"


def recipe(
    scenario: Scenario, model: str | None, params: dict[str, Any] | None, output: str
) -> dict[str, Any]:
    """What makes the dialogs of a run what they are, without secrets: the scenario, the model
    and parameters after command-line overrides, and the output layout.

    Example:
        >>> from sdialog.scenario import Scenario
        >>> s = Scenario.model_validate({"agents": [{"name": "A"}, {"name": "B"}]})
        >>> recipe(s, "scripted:hi", {"temperature": 0, "api_key": "sk-x"}, "json")["params"]
        {'temperature': 0}
    """
    from sdialog.llm.base import redact
    from sdialog.llm.secrets import redact_data

    return redact_data(
        {
            "scenario": _without_secrets(scenario.model_dump(mode="json", by_alias=True)),
            "model": model or scenario.model or "default",
            "params": redact({**scenario.params, **(params or {})}),
            "output": output,
        }
    )


def _without_secrets(data: Any) -> Any:
    from sdialog.llm.base import redact

    if isinstance(data, dict):
        return {k: _without_secrets(v) for k, v in redact(data).items()}
    if isinstance(data, list):
        return [_without_secrets(v) for v in data]
    return data


def fingerprint(data: Any) -> str:
    """A short stable hash of JSON data (the recipe's, stored in the manifest)."""
    blob = json.dumps(data, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def check_folder(
    out: Path, run_recipe: dict[str, Any], output: str, resume: bool, force: bool = False
) -> None:
    """Refuse a run that would mix things in ``out``: loose JSON files of another kind (e.g. the
    ``dialog_000.json`` of ``examples/probe_remote_system.py``), the other output layout (JSON
    files and a JSONL file would hold the corpus twice), or, with ``resume``, another recipe than
    the one in ``manifest.json`` (unless ``force``). Writes nothing.
    """
    from sdialog.corpus import DIALOG_DIR, JSONL_FILE, MANIFEST_FILE

    loose = sorted(p.name for p in out.glob("*.json") if p.name != MANIFEST_FILE)
    if loose:
        names = ", ".join(loose[:3]) + (", ..." if len(loose) > 3 else "")
        raise FileExistsError(
            f"{out} holds other JSON files ({names})"
            f"; a corpus goes in a folder of its own ({MANIFEST_FILE}, {DIALOG_DIR}/ or "
            f"{JSONL_FILE}): choose another output folder"
        )
    jsonl = out / JSONL_FILE
    has_jsonl = jsonl.is_file() and jsonl.stat().st_size > 0
    has_json = any((out / DIALOG_DIR).glob("*.json")) if (out / DIALOG_DIR).is_dir() else False
    if output == "jsonl" and has_json:
        raise FileExistsError(
            f"{out} holds a corpus of JSON files ({DIALOG_DIR}/); run without --jsonl "
            "(output='json') to continue it, or choose another output folder"
        )
    if output == "json" and has_jsonl:
        raise FileExistsError(
            f"{out} holds a JSON Lines corpus ({JSONL_FILE}); run with --jsonl "
            "(output='jsonl') to continue it, or choose another output folder"
        )
    manifest_path = out / MANIFEST_FILE
    if not resume or force or not manifest_path.is_file():
        return
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RecipeMismatchError(
            f"{manifest_path} cannot be read ({exc}); pass --force to resume anyway"
        ) from None
    before = manifest.get("recipe") if isinstance(manifest, dict) else None
    if not isinstance(before, dict):
        return  # a manifest from before recipes were recorded: nothing to compare
    changes = differences(before, run_recipe)
    if changes:
        shown = changes[:8] + ([f"... and {len(changes) - 8} more"] if len(changes) > 8 else [])
        raise RecipeMismatchError(
            f"{out} was made with another recipe (changed: {'; '.join(shown)}); resuming would "
            "mix recipes in one corpus: use another output folder, or --force (force=True)"
        )


def differences(before: Any, after: Any, where: str = "") -> list[str]:
    """``"path: old -> new"`` for every leaf that differs between two JSON values.

    Example:
        >>> differences({"a": 1, "b": {"c": 2}}, {"a": 1, "b": {"c": 3}, "d": 0})
        ['b.c: 2 -> 3', 'd: (absent) -> 0']
    """
    if isinstance(before, dict) and isinstance(after, dict):
        lines = []
        for key in list(before) + [k for k in after if k not in before]:
            sub = f"{where}.{key}" if where else str(key)
            if key not in after:
                lines.append(f"{sub}: {_short(before[key])} -> (absent)")
            elif key not in before:
                lines.append(f"{sub}: (absent) -> {_short(after[key])}")
            else:
                lines += differences(before[key], after[key], sub)
        return lines
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            line
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for line in differences(b, a, f"{where}.{i}" if where else str(i))
        ]
    return [] if before == after else [f"{where or '(root)'}: {_short(before)} -> {_short(after)}"]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def find_corpus(folder: Any) -> Path | None:
    """The dialogs of a corpus folder written by ``sdialog generate`` (its ``dialogs/`` folder or
    ``dialogs.jsonl``), or ``None`` when ``folder`` is not one (no ``manifest.json``).

    Example:
        >>> find_corpus("/nonexistent") is None
        True
    """
    from sdialog.corpus import DIALOG_DIR, JSONL_FILE, MANIFEST_FILE

    root = Path(folder)
    if not (root / MANIFEST_FILE).is_file():
        return None
    if (root / JSONL_FILE).is_file():
        return root / JSONL_FILE
    return root / DIALOG_DIR
