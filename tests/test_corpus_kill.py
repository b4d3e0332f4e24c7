"""A corpus run killed from outside (SIGKILL, SIGINT) loses at most its in-flight dialogs, leaves
no corrupt file, and ``--resume`` finishes it with exactly the dialogs of an uninterrupted run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from sdialog import Dialog
from sdialog.corpus import generate_corpus
from tests.test_corpus import SCENARIO

N = 120


def _scenario_file(folder: Path) -> Path:
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump({**SCENARIO, "model": "scripted:echo"}), encoding="utf-8")
    return path


def _finished(out: Path, output: str) -> int:
    if output == "jsonl":
        path = out / "dialogs.jsonl"
        return path.read_bytes().count(b"\n") if path.exists() else 0
    folder = out / "dialogs"
    return len(list(folder.glob("*.json"))) if folder.exists() else 0


def _start_and_kill(scenario: Path, out: Path, output: str, sig: int) -> int:
    command = [sys.executable, "-m", "sdialog", "generate", str(scenario), "-n", str(N)]
    command += ["-o", str(out), "--concurrency", "4"] + (["--jsonl"] if output == "jsonl" else [])
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _finished(out, output) < 12 and process.poll() is None:
        if time.monotonic() > deadline:  # pragma: no cover - a hung child must not hang CI
            process.kill()
            pytest.fail("the corpus run produced no dialogs")
        time.sleep(0.02)
    assert process.poll() is None, "the run finished before it could be interrupted"
    process.send_signal(sig)
    return process.wait(timeout=60)


def _texts(dialogs) -> dict[str, list[str]]:
    return {d.id: [t.text for t in d.turns] for d in dialogs}


def _load(out: Path, output: str) -> list[Dialog]:
    if output == "jsonl":
        return list(Dialog.iter_jsonl(out / "dialogs.jsonl"))
    return Dialog.from_folder(out / "dialogs")


@pytest.mark.parametrize("output", ["json", "jsonl"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_an_interrupted_run_resumes_to_the_uninterrupted_result(tmp_path, output, sig):
    scenario = _scenario_file(tmp_path)
    out = tmp_path / "killed"
    code = _start_and_kill(scenario, out, output, sig)
    assert code != 0
    partial = _finished(out, output)
    assert 12 <= partial < N

    # what the killed run left: every finished dialog whole
    if output == "json":
        for path in (out / "dialogs").glob("*.json"):
            json.loads(path.read_text(encoding="utf-8"))
    else:
        lines = (out / "dialogs.jsonl").read_bytes().split(b"\n")
        for line in lines[:-1]:  # a torn last line is allowed: resume cuts and redoes it
            json.loads(line)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] in ("running", "partial")  # SIGKILL never reaches the final write

    result = generate_corpus(scenario, n=N, out_dir=out, output=output, resume=True, progress=False)
    assert (result.skipped, result.written, result.failed) == (partial, N - partial, 0)
    assert not list(out.rglob("*.tmp"))
    reference = generate_corpus(
        scenario, n=N, out_dir=tmp_path / "whole", output=output, progress=False
    )
    assert reference.written == N
    resumed = _texts(_load(out, output))
    assert resumed == _texts(_load(tmp_path / "whole", output))
    assert len(resumed) == N
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
