"""``sdialog serve`` and the agent/scenario files it loads."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from sdialog.cli import app
from sdialog.server import agents_from_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_agents_from_a_scenario_file():
    agents = agents_from_file(EXAMPLES / "customer_support.yaml", model="scripted:Hello")
    assert [a.name for a in agents] == ["Customer", "Agent"]
    assert agents[1].toolbox  # the support agent keeps its tools


def test_agent_json_round_trip(tmp_path):
    from sdialog.agents import Agent

    source = Agent(persona={"name": "Sam", "role": "support"}, model="scripted:Hi")
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(source.json()))
    (agent,) = agents_from_file(path)
    assert agent.name == "Sam" and agent.backend.model == "scripted:Hi"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "X", "colour": "red"}))
    with pytest.raises(ValueError, match="colour"):
        agents_from_file(bad)


def test_cli_errors_exit_2(tmp_path):
    result = CliRunner().invoke(app, ["serve", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2 and "no such file" in result.output
    result = CliRunner().invoke(
        app, ["serve", str(EXAMPLES / "customer_support.yaml"), "--agent", "Nobody"]
    )
    assert result.exit_code == 2 and "Nobody" in result.output


def test_cli_serves_an_agent_file(tmp_path):
    path = tmp_path / "bot.json"
    path.write_text(json.dumps({"name": "Bot", "model": "scripted:At your service."}))
    command = [sys.executable, "-m", "sdialog", "serve", str(path), "--port", "0"]
    command += ["--api-key", "cli-key", "--stateful"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        url, deadline, seen = None, time.monotonic() + 60, []
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            seen.append(line)
            match = re.search(r"serving Bot on (http://\S+) \(bearer-token auth\)", line)
            url = match.group(1) if match else None
        assert url, "".join(seen)
        assert "cli-key" not in "".join(seen)
        body = {"model": "Bot", "messages": [{"role": "user", "content": "Hi"}]}
        headers = {"Authorization": "Bearer cli-key", "X-Conversation-Id": "z"}
        response = httpx.post(url + "/v1/chat/completions", json=body, headers=headers)
        assert response.json()["choices"][0]["message"]["content"] == "At your service."
        assert response.headers["x-conversation-id"] == "z"  # --stateful took effect
        assert httpx.post(url + "/v1/chat/completions", json=body).status_code == 401
    finally:
        process.terminate()
        process.wait(20)
