"""Secrets never leave the process: generation through the CLI and serving, with a key in the
environment, in the parameters and on the server, against a real local provider that echoes keys
in its errors. Every output file, log line, printed line and response is searched for the keys."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import httpx
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before anything imports litellm

from sdialog.llm.secrets import redact, redact_data, register_secret, secrets_in_environment
from tests.llm.stub_server import error, forbid_non_loopback, reply, running_stub_server

ENV_KEY = "sk-envKEY-4f1c2a9d7e3b"
PARAM_KEY = "param-KEY-77aa11bb22cc"
SERVER_KEY = "server-KEY-93ffe0d1c2"
KEYS = (ENV_KEY, PARAM_KEY, SERVER_KEY)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    forbid_non_loopback(monkeypatch)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(logging.Formatter("%(name)s %(message)s").format(record))


@pytest.fixture
def logs():
    """Every log line of every logger, at DEBUG (litellm's included), formatted with tracebacks."""
    handler = _Collect()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    litellm_logger = logging.getLogger("LiteLLM")
    old_litellm = litellm_logger.level
    litellm_logger.setLevel(logging.DEBUG)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(old_level)
    litellm_logger.setLevel(old_litellm)


def leaks(text: str) -> list[str]:
    return [key for key in KEYS if key in text]


def echoing_provider(key: str):
    """A provider that fails dialogs whose first utterance asks for trouble, quoting the key it
    was sent (as real providers do in 401s), and crashes on flaky ones, quoting the header."""

    def route(body: dict) -> object:
        said = json.dumps(body)
        if "trouble" in said:
            return error(401, f"Incorrect API key provided: {key} (auth failed)")
        if "flaky" in said:
            return error(500, f"upstream crashed; request had Authorization: Bearer {key}")
        return reply("Fine, thank you.")

    return route


def write_scenario(tmp_path: Path, url: str, transport: str, api_key: str | None) -> Path:
    params = {
        "api_base": url + "/v1",
        "transport": transport,
        "cache": False,
        "max_retries": 1,
        "backoff": 0.01,
        "timeout": 5,
    }
    if api_key:
        params["api_key"] = api_key
    scenario = {
        "name": "secret",
        "model": "openai/stub-model",
        "params": params,
        "max_turns": 2,
        "agents": [
            {"name": "Ana", "first_utterance": ["Hello!", "Some trouble here.", "flaky, sorry"]},
            {"name": "Ben"},
        ],
    }
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    return path


@pytest.mark.parametrize("transport", ["litellm", "openai"])
@pytest.mark.parametrize("where", ["environment", "params"])
def test_generate_on_the_command_line_never_writes_or_prints_a_key(
    tmp_path, monkeypatch, logs, transport, where
):
    from typer.testing import CliRunner

    from sdialog.cli import app

    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    with running_stub_server() as server:
        key = PARAM_KEY if where == "params" else None
        server.router = echoing_provider(key or ENV_KEY)
        scenario = write_scenario(tmp_path, server.url, transport, key)
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["generate", str(scenario), "-n", "9", "-o", str(out)])
        sent = {r.headers.get("authorization") for r in server.chat_requests}
    printed = result.output + str(getattr(result, "stderr_bytes", b"") or b"")
    assert sent == {f"Bearer {key or ENV_KEY}"}  # the direct transport reads the env like litellm
    failures = (out / "failures.jsonl").read_text().splitlines()
    written = list((out / "dialogs").glob("*.json"))
    assert len(failures) + len(written) == 9 and written, printed
    assert any("Incorrect API key provided: ***" in f for f in failures), failures
    assert result.exit_code == 1
    files = {p: p.read_text() for p in out.rglob("*") if p.is_file()}
    assert len(files) >= 4  # manifest, failures and the dialogs that worked
    for path, text in files.items():
        assert not leaks(text), f"{path} leaks {leaks(text)}"
    assert not leaks(printed), printed
    assert not leaks("\n".join(logs)), [line for line in logs if leaks(line)][:3]


@pytest.fixture
def serve():
    from sdialog.server import Server

    started = []

    def start(*agents, **options):
        server = Server(list(agents), port=0, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def test_serving_never_sends_a_key_to_a_client(serve, monkeypatch, logs):
    from sdialog.agents import Agent

    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    with running_stub_server() as upstream:
        upstream.router = echoing_provider(ENV_KEY)
        agents = [
            Agent(
                name=f"Sam{transport}",
                model="openai/stub-model",
                api_base=upstream.url + "/v1",
                transport=transport,
                api_key=PARAM_KEY if transport == "openai" else None,
                max_retries=0,
                cache=False,
            )
            for transport in ("litellm", "openai")
        ]
        server = serve(*agents, api_key=SERVER_KEY)
        bodies = []
        for name in ("Samlitellm", "Samopenai"):
            for text, key in [
                ("Hi", SERVER_KEY),
                ("Some trouble here", SERVER_KEY),
                ("flaky", SERVER_KEY),
                ("Hi", SERVER_KEY[:-1]),
                ("Hi", "Bearer " + SERVER_KEY),
            ]:
                for stream in (False, True):
                    response = httpx.post(
                        server.url + "/v1/chat/completions",
                        json={
                            "model": name,
                            "messages": [{"role": "user", "content": text}],
                            "stream": stream,
                        },
                        headers={"Authorization": f"Bearer {key}"},
                        timeout=30,
                    )
                    bodies.append((response.status_code, str(response.headers), response.text))
    statuses = [status for status, _, _ in bodies]
    assert 200 in statuses and 401 in statuses and 502 in statuses, statuses
    for status, headers, text in bodies:
        assert not leaks(headers + text), (status, text)
    assert not leaks("\n".join(logs)), [line for line in logs if leaks(line)][:3]


# -- the redaction helper itself ----------------------------------------------------------------
def test_redact_scrubs_registered_and_environment_secrets_in_every_spelling(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "anthropic-secret-value-1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws/secret+value=2")
    monkeypatch.setenv("HF_TOKEN", "hf-token-value-3")
    register_secret("registered-secret-4", "http://user:pass-word-5@host/v1?key=query-secret-6")
    text = (
        "anthropic-secret-value-1 aws%2Fsecret%2Bvalue%3D2 aws/secret+value=2 "
        "hf-token-value-3 registered-secret-4 pass-word-5 query-secret-6"
    )
    assert redact(text) == " ".join(["***"] * 7)
    assert {"anthropic-secret-value-1", "hf-token-value-3"} <= secrets_in_environment()


def test_redact_keeps_ordinary_text_and_masks_credential_shapes():
    assert redact("max_tokens=5, missing key 'text', token limit 4096") == (
        "max_tokens=5, missing key 'text', token limit 4096"
    )
    assert redact("Authorization: Basic dXNlcjpwYXNz") == "Authorization: Basic ***"
    assert redact("{'x-api-key': 'abcdef123'}") == "{'x-api-key': '***'}"
    assert redact("postgres://bob:hunter2@db/x") == "postgres://***@db/x"
    assert redact("found sk-proj-ABCDEFGHIJKLMNOPQRSTUV in log") == "found *** in log"
    assert redact_data({"a": ["http://u:p@h/v1"], "n": 1}) == {"a": ["http://***@h/v1"], "n": 1}


def test_log_records_are_redacted_once_a_secret_is_known(logs):
    register_secret("logged-secret-value-9")
    logger = logging.getLogger("sdialog.test.secrets")
    logger.warning("calling with %s", "logged-secret-value-9")
    try:
        raise RuntimeError("boom logged-secret-value-9")
    except RuntimeError:
        logger.exception("failed")
    text = "\n".join(logs)
    assert "logged-secret-value-9" not in text
    assert "calling with ***" in text and "boom ***" in text
