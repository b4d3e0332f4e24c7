"""Corpus generation: ids and seeds, shards, resume, atomic outputs, failures, the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sdialog import Dialog
from sdialog.cli import app
from sdialog.corpus import dialog_id, generate_corpus, parse_shard
from sdialog.scenario import Scenario, ScenarioError

SCENARIO = {
    "name": "demo",
    "model": "scripted:unused",
    "seed": 40,
    "max_turns": 4,
    "agents": [
        {
            "name": "Customer",
            "persona": {"class": "Customer", "rules": {"name": ["Ana", "Ben"], "age": "{20-60}"}},
            "first_utterance": ["Hi!", "Hello!"],
        },
        {"name": "Agent", "persona": {"class": "SupportAgent", "fields": {"name": "Sam"}}},
    ],
}


def scenario(**changes) -> Scenario:
    return Scenario.model_validate({**SCENARIO, **changes})


def echo_scenario() -> Scenario:
    # replies depend on the conversation, so dialogs differ and nothing repeats verbatim
    return scenario(model="scripted:echo")


def texts(folder) -> dict[str, list[str]]:
    return {d.id: [t.text for t in d.turns] for d in Dialog.from_folder(folder / "dialogs")}


def test_ids_seeds_files_and_manifest(tmp_path):
    result = generate_corpus(echo_scenario(), n=4, out_dir=tmp_path, progress=False)
    assert (result.written, result.skipped, result.failed) == (4, 0, 0)
    dialogs = Dialog.from_folder(tmp_path / "dialogs")
    assert [d.id for d in dialogs] == [f"demo-{i:06d}" for i in range(4)]
    assert [d.seed for d in dialogs] == [40, 41, 42, 43]
    assert all(d.get_speakers() == ["Customer", "Agent"] for d in dialogs)
    assert dialogs[0].personas["Customer"]["name"] in ("Ana", "Ben")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["finished"] == 4
    assert manifest["scenario_fingerprint"] == echo_scenario().fingerprint()


def test_shards_union_equals_the_whole_run(tmp_path):
    generate_corpus(echo_scenario(), n=5, out_dir=tmp_path / "all", progress=False)
    for k in (1, 2):
        generate_corpus(
            echo_scenario(),
            n=5,
            out_dir=tmp_path / "parts",
            shard=f"{k}/2",
            resume=True,
            progress=False,
        )
    whole, parts = texts(tmp_path / "all"), texts(tmp_path / "parts")
    assert whole == parts and len(whole) == 5


def test_resume_skips_finished_and_refuses_silent_overwrite(tmp_path):
    generate_corpus(echo_scenario(), n=2, out_dir=tmp_path, progress=False)
    with pytest.raises(FileExistsError, match="resume"):
        generate_corpus(echo_scenario(), n=3, out_dir=tmp_path, progress=False)
    result = generate_corpus(echo_scenario(), n=3, out_dir=tmp_path, resume=True, progress=False)
    assert (result.written, result.skipped) == (1, 2)


def test_jsonl_output_repairs_a_torn_line(tmp_path):
    generate_corpus(echo_scenario(), n=2, out_dir=tmp_path, output="jsonl", progress=False)
    path = tmp_path / "dialogs.jsonl"
    with open(path, "a") as handle:  # a run killed in the middle of writing a line
        handle.write('{"id": "demo-000002", "tur')
    result = generate_corpus(
        echo_scenario(), n=3, out_dir=tmp_path, output="jsonl", resume=True, progress=False
    )
    assert result.written == 1
    assert [d.id for d in Dialog.iter_jsonl(path)] == [
        dialog_id(echo_scenario(), i) for i in range(3)
    ]


def test_failing_dialogs_go_to_the_failures_file(tmp_path):
    broken = scenario(
        agents=[
            SCENARIO["agents"][0],
            {
                "name": "Agent",
                "model": "openai:nobody",
                "params": {
                    "api_base": "http://127.0.0.1:9/v1",
                    "api_key": "sk-x",
                    "max_retries": 0,
                },
            },
        ]
    )
    result = generate_corpus(broken, n=2, out_dir=tmp_path, progress=False)
    assert (result.written, result.failed) == (0, 2)
    failures = [json.loads(line) for line in (tmp_path / "failures.jsonl").read_text().splitlines()]
    assert [f["id"] for f in failures] == ["demo-000000", "demo-000001"]
    assert "sk-x" not in (tmp_path / "failures.jsonl").read_text()


def test_parse_shard_and_bad_scenarios(tmp_path):
    assert parse_shard("3/4") == (3, 4) and parse_shard(None) == (1, 1)
    for bad in ("0/2", "3/2", "x"):
        with pytest.raises(ValueError):
            parse_shard(bad)
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nagents:\n  - name: A\n    colour: red\n  - name: B\n")
    with pytest.raises(ScenarioError, match=r"bad.yaml.*agents.0.colour"):
        Scenario.from_file(path)
    path.write_text("name: [unclosed\n")
    with pytest.raises(ScenarioError, match=r"bad.yaml:\d"):
        Scenario.from_file(path)
    path.write_text(
        json.dumps(
            {
                **SCENARIO,
                "agents": [
                    {**SCENARIO["agents"][0], "orchestrators": ["NoSuchOrchestrator"]},
                    SCENARIO["agents"][1],
                ],
            }
        )
    )
    with pytest.raises(ScenarioError, match="unknown orchestrator"):
        Scenario.from_file(path).build_agents(1)


def test_cli_generate_and_errors(tmp_path):
    path = tmp_path / "s.yaml"
    import yaml

    path.write_text(yaml.safe_dump({**SCENARIO, "model": "scripted:echo"}))
    runner = CliRunner()
    ok = runner.invoke(app, ["generate", str(path), "-n", "3", "-o", str(tmp_path / "out")])
    assert ok.exit_code == 0, ok.output
    assert "3 dialogs written" in ok.output
    again = runner.invoke(app, ["generate", str(path), "-n", "3", "-o", str(tmp_path / "out")])
    assert again.exit_code == 2 and "resume" in again.output
    missing = runner.invoke(
        app, ["generate", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "o")]
    )
    assert missing.exit_code == 2 and "nope.yaml" in missing.output


def test_example_scenarios_load_and_build():
    from pathlib import Path

    for path in sorted(Path("examples").glob("*.yaml")):
        first, second = Scenario.from_file(path).build_agents(seed=1)
        assert first.name != second.name, path
