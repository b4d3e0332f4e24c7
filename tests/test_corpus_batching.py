"""`sdialog generate` batches: every dialog builds its own agents, yet each lock-step step is one
model call holding all the dialogs in flight (counted on the tiny local model, through the CLI)."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from sdialog.cli import app
from sdialog.llm import LocalBackend

SCENARIO = {
    "name": "batched",
    "model": "huggingface:tiny",
    "seed": 3,
    "max_turns": 4,
    "params": {"temperature": 0, "max_tokens": 6},
    "agents": [
        {"name": "Ana", "persona": {"role": "a barista"}, "first_utterance": "Hi!"},
        {
            "name": "Ben",
            "persona": {"class": "Customer", "rules": {"name": ["Ben", "Bo"], "age": "{20-60}"}},
        },
    ],
}


def _count_rows(monkeypatch) -> list[tuple[int, float]]:
    calls: list[tuple[int, float]] = []
    original = LocalBackend._complete_batch

    def counting(self, conversations, **kwargs):
        calls.append((len(conversations), float(kwargs.get("temperature") or 0)))
        return original(self, conversations, **kwargs)

    monkeypatch.setattr(LocalBackend, "_complete_batch", counting)
    return calls


def test_cli_generate_sends_one_call_per_step_with_every_dialog(tiny_model, tmp_path, monkeypatch):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(SCENARIO))
    calls = _count_rows(monkeypatch)
    out = tmp_path / "out"
    args = ["generate", str(path), "-n", "6", "--concurrency", "6", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(list((out / "dialogs").glob("*.json"))) == 6
    # the run ends by saying where the files are and showing one dialog
    assert f"dialogs:  {out / 'dialogs'}" in result.output
    assert "Sample (batched-000000, 4 turns):" in result.output
    assert "  Ana: Hi!" in result.output
    first_tries = [rows for rows, temperature in calls if temperature == 0]
    # 4 turns, the first scripted: 3 model steps, each one call with all 6 dialogs
    assert first_tries == [6, 6, 6], calls
    # retries (a new temperature) are batched too: never more calls than rows
    retries = [rows for rows, temperature in calls if temperature > 0]
    assert len(retries) <= max(1, sum(retries))


def test_concurrency_bounds_the_rows_per_call(tiny_model, tmp_path, monkeypatch):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(SCENARIO))
    calls = _count_rows(monkeypatch)
    out = tmp_path / "out"
    args = ["generate", str(path), "-n", "5", "--concurrency", "2", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    first_tries = [rows for rows, temperature in calls if temperature == 0]
    assert max(first_tries) == 2 and sum(first_tries) == 5 * 3, calls
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["finished"] == 5 and manifest["status"] == "complete"
