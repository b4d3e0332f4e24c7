"""Regression tests for issue 12 items 3, 4, 8, 16 and 18: the output folder is never escaped or
mixed, ``--resume`` keeps one recipe per corpus, and every command-line failure is one clear line
on stderr with a non-zero exit code (``--debug`` shows the traceback)."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from sdialog import Dialog
from sdialog.cli import app
from sdialog.corpus import generate_corpus
from sdialog.corpus_layout import RecipeMismatchError, find_corpus, safe_path
from sdialog.scenario import Scenario, ScenarioError

BASE: dict[str, Any] = {
    "name": "demo",
    "model": "scripted:echo",
    "max_turns": 2,
    "agents": [{"name": "A", "first_utterance": "Hi"}, {"name": "B"}],
}


def write_scenario(folder: Path, **changes: Any) -> Path:
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump({**BASE, **changes}), encoding="utf-8")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def one_error_line(result: Any) -> str:
    """The command failed with exactly one non-empty line on stderr, starting 'error:'."""
    assert result.exit_code != 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# ------------------------------------------------------------------ item 3: path traversal
@pytest.mark.parametrize("name", ["../../escape", "/abs", "a/b", "..", ".hidden", "x" * 101, ""])
def test_scenario_names_that_are_not_plain_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ScenarioError, match="not a plain name"):
        Scenario.from_file(write_scenario(tmp_path, name=name))
    result = run("generate", tmp_path / "scenario.yaml", "-n", "1", "-o", tmp_path / "out")
    assert "not a plain name" in one_error_line(result)
    assert not (tmp_path / "out").exists() and sorted(os.listdir(tmp_path)) == ["scenario.yaml"]


def test_written_paths_stay_inside_the_folder(tmp_path: Path) -> None:
    assert safe_path(tmp_path, "d-1.json") == tmp_path / "d-1.json"
    for bad in ("../x.json", "a/b.json", "..", "", "/etc/passwd"):
        with pytest.raises(ValueError, match="not a plain file name"):
            safe_path(tmp_path, bad)
    (tmp_path / "link.json").symlink_to("/tmp")
    with pytest.raises(ValueError):
        safe_path(tmp_path, "link.json")


# ----------------------------------------------------------------- item 4: resume recipes
def test_resume_refuses_another_recipe_and_says_what_changed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    scenario = Scenario.model_validate(BASE)
    generate_corpus(scenario, n=2, out_dir=out, progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["recipe"]["model"] == "scripted:echo" and manifest["recipe_fingerprint"]
    before = sorted(p.name for p in (out / "dialogs").iterdir())

    with pytest.raises(RecipeMismatchError, match=r"model: 'scripted:echo' -> 'scripted:x'"):
        generate_corpus(scenario, n=3, out_dir=out, model="scripted:x", resume=True)
    with pytest.raises(RecipeMismatchError, match=r"params\.temperature: \(absent\) -> 0\.5"):
        generate_corpus(scenario, n=3, out_dir=out, params={"temperature": 0.5}, resume=True)
    edited = Scenario.model_validate({**BASE, "max_turns": 3})
    with pytest.raises(RecipeMismatchError, match=r"scenario\.max_turns: 2 -> 3"):
        generate_corpus(edited, n=3, out_dir=out, resume=True)
    assert sorted(p.name for p in (out / "dialogs").iterdir()) == before  # nothing written
    assert json.loads((out / "manifest.json").read_text()) == manifest

    result = generate_corpus(scenario, n=3, out_dir=out, resume=True, progress=False)
    assert (result.written, result.skipped) == (1, 2)  # same recipe: resumes
    forced = generate_corpus(edited, n=4, out_dir=out, resume=True, force=True, progress=False)
    assert forced.written == 1


def test_resume_cli_shows_the_change_and_force_overrides(tmp_path: Path) -> None:
    path, out = write_scenario(tmp_path), tmp_path / "out"
    assert run("generate", path, "-n", "1", "-o", out).exit_code == 0
    result = run("generate", path, "-n", "2", "-o", out, "--resume", "-p", "temperature=0.2")
    assert result.exit_code == 2
    assert "params.temperature: (absent) -> 0.2" in one_error_line(result)
    forced = run("generate", path, "-n", "2", "-o", out, "--resume", "-p", "temperature=0.2",
                 "--force")  # fmt: skip
    assert forced.exit_code == 0, forced.output


def test_one_output_layout_per_folder(tmp_path: Path) -> None:
    scenario = Scenario.model_validate(BASE)
    out = tmp_path / "out"
    generate_corpus(scenario, n=2, out_dir=out, progress=False)
    for resume in (True, False):
        with pytest.raises(FileExistsError, match="corpus of JSON files"):
            generate_corpus(scenario, n=3, out_dir=out, output="jsonl", resume=resume)
    assert not (out / "dialogs.jsonl").exists()
    other = tmp_path / "other"
    generate_corpus(scenario, n=2, out_dir=other, output="jsonl", progress=False)
    with pytest.raises(FileExistsError, match="JSON Lines corpus"):
        generate_corpus(scenario, n=3, out_dir=other, resume=True)
    assert not (other / "dialogs").exists()


# ------------------------------------------------------------- item 8: CLI error handling
def test_unknown_orchestrator_argument(tmp_path: Path) -> None:
    agents = [{"name": "A", "orchestrators": [{"name": "LengthOrchestrator", "args": {"x": 1}}]}]
    path = write_scenario(tmp_path, agents=[*agents, {"name": "B"}])
    line = one_error_line(run("generate", path, "-n", "1", "-o", tmp_path / "out"))
    assert "agents.0: orchestrator 'LengthOrchestrator': bad arguments" in line
    assert not (tmp_path / "out").exists()


def test_unknown_persona_class_writes_nothing(tmp_path: Path) -> None:
    agents = [{"name": "A", "persona": {"class": "Nobody"}}, {"name": "B"}]
    path = write_scenario(tmp_path, agents=agents)
    line = one_error_line(run("generate", path, "-n", "1", "-o", tmp_path / "out"))
    assert "unknown persona class 'Nobody'" in line
    assert not (tmp_path / "out").exists()  # validated before anything is written


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "f"), "no space left on device"),
        (PermissionError(errno.EACCES, "Permission denied", "out/x"), "Permission denied"),
    ],
)
def test_disk_full_and_read_only_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, expected: str
) -> None:
    import sdialog.corpus

    def fail(*args: Any, **kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(sdialog.corpus, "atomic_write", fail)
    path = write_scenario(tmp_path)
    line = one_error_line(run("generate", path, "-n", "1", "-o", tmp_path / "out"))
    assert expected in line and "--debug" in line
    debug = run("--debug", "generate", path, "-n", "1", "-o", tmp_path / "out2")
    assert debug.exit_code != 0 and debug.exception is error  # the traceback is not hidden


def test_every_sub_command_gets_the_same_handling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sdialog.evaluators

    def boom(*args: Any, **kwargs: Any) -> None:
        raise KeyError("something internal")

    monkeypatch.setattr(sdialog.evaluators, "load_dialogs", boom)
    Dialog(id="x").to_file(tmp_path / "d.json")
    line = one_error_line(run("evaluate", tmp_path, "-o", tmp_path / "report"))
    assert "something internal" in line


# --------------------------------------------------------- item 16: evaluate on a corpus
def test_evaluate_reads_a_generate_folder(tmp_path: Path) -> None:
    out = tmp_path / "clinic"
    generate_corpus(Scenario.model_validate(BASE), n=3, out_dir=out, progress=False)
    assert find_corpus(out) == out / "dialogs" and find_corpus(out / "dialogs") is None
    from sdialog.evaluators import load_dialogs

    dialogs = load_dialogs(out)
    assert [d.id for d in dialogs] == ["demo-000000", "demo-000001", "demo-000002"]
    result = run("evaluate", out, "-o", tmp_path / "report", "--n-boot", "0", "--no-plots")
    assert result.exit_code == 0, result.output
    assert "| clinic | " in (tmp_path / "report" / "report.md").read_text()
    assert "| 3 |" in (tmp_path / "report" / "report.md").read_text()


def test_non_dialog_json_is_skipped_with_a_warning(tmp_path: Path) -> None:
    from sdialog.evaluators import load_dialogs

    Dialog(id="real", turns=[]).to_file(tmp_path / "a.json")
    (tmp_path / "settings.json").write_text('{"lr": 0.1}', encoding="utf-8")
    with pytest.warns(UserWarning, match=r"settings\.json.*not a dialog"):
        assert [d.id for d in load_dialogs(tmp_path)] == ["real"]


# -------------------------------------------------------------- item 18: inspect direction
@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_direction_file_follows_the_umask_and_bad_layer_is_one_line(
    tiny_model: Any, tmp_path: Path
) -> None:
    (tmp_path / "pos.txt").write_text("I love it\n")
    (tmp_path / "neg.txt").write_text("I hate it\n")
    out = tmp_path / "d.safetensors"
    args = ["inspect", "direction", tmp_path / "pos.txt", tmp_path / "neg.txt", "-o", out]
    args += ["--model", "huggingface:tiny"]
    old = os.umask(0o022)
    try:
        result = run(*args, "--layer", "1")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    line = one_error_line(run(*args, "--layer", "no.such.module"))
    assert "no.such.module" in line


# ---------------------------------------------------- item 20: probe example vs generate
def test_probe_example_and_generate_never_share_a_folder(tmp_path: Path) -> None:
    import subprocess
    import sys

    example = Path(__file__).resolve().parents[1] / "examples" / "probe_remote_system.py"
    assert 'default=Path("output/probe-remote")' in example.read_text()  # not generate's folder
    loose = tmp_path / "probe"
    Dialog(id="x").to_file(loose / "dialog_000.json")
    with pytest.raises(FileExistsError, match=r"other JSON files \(dialog_000\.json\)"):
        generate_corpus(Scenario.model_validate(BASE), n=1, out_dir=loose, progress=False)
    corpus = tmp_path / "corpus"
    generate_corpus(Scenario.model_validate(BASE), n=1, out_dir=corpus, progress=False)
    command = [sys.executable, str(example), "--dry-run", "--n", "1", "--out", str(corpus)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "holds a corpus written by `sdialog generate`" in done.stderr
    assert sorted(p.name for p in corpus.iterdir()) == ["dialogs", "manifest.json"]


def test_audio_output_folders_stay_inside_out(tmp_path: Path) -> None:
    from sdialog import Turn

    Dialog(id="../../escape", turns=[Turn("A", "hi there")]).to_file(tmp_path / "in" / "d.json")
    out = tmp_path / "a" / "b" / "out"
    result = run("audio", tmp_path / "in" / "d.json", "-o", out, "--tts", "synthetic")
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["0000__._.._escape"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "in"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b"]


def test_evaluate_on_a_manifest_file_is_an_error(tmp_path: Path) -> None:
    out = tmp_path / "clinic"
    generate_corpus(Scenario.model_validate(BASE), n=1, out_dir=out, progress=False)
    with pytest.warns(UserWarning, match="not a dialog"):
        result = run("evaluate", out / "manifest.json", "-o", tmp_path / "report")
    assert result.exit_code == 2 and "no dialogs in manifest" in result.stderr


def test_jsonl_corpus_keeps_a_reply_with_a_lone_surrogate(tmp_path: Path) -> None:
    # a raw surrogate cannot be UTF-8: the JSONL writer escapes it, so the line reads back the same
    spec = {**BASE, "model": "scripted:bad \ud800 reply"}
    result = generate_corpus(
        Scenario.model_validate(spec), n=1, out_dir=tmp_path, output="jsonl", progress=False
    )
    assert (result.written, result.failed) == (1, 0)
    (dialog,) = Dialog.from_file(tmp_path / "dialogs.jsonl")
    assert dialog.turns[1].text == "bad \ud800 reply"


def test_audio_on_a_generate_folder_voices_its_dialogs(tmp_path: Path) -> None:
    out = tmp_path / "clinic"
    generate_corpus(Scenario.model_validate(BASE), n=1, out_dir=out, progress=False)
    result = run("audio", out, "-o", tmp_path / "voiced", "--tts", "synthetic")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "voiced").iterdir()] == ["0000_demo-000000"]
